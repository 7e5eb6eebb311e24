#!/bin/sh
# test.sh: the AOT host runs without LLVM and its snapshots fall on the restarts annealc eval reports.
srcdir=${srcdir:-.}
ANNEALC=${ANNEALC:-./annealc}
out=$(./examples/aot/aot) || { echo "$out"; echo "FAIL: aot exited $?"; exit 1; }
echo "$out"
fail=0
echo "$out" | grep -q '^LLVM in this process: no$' || { echo "FAIL: LLVM is loaded"; fail=1; }
want=$("$ANNEALC" eval "$srcdir/examples/aot/warm_sgdr.anneal" --steps 1100 |
	awk -F, 'NR > 1 && $NF ~ /restart/ { printf "%s ", $1 }')
got=$(echo "$out" | awk '/^snapshot before step/ { printf "%s ", $4 }')
[ -n "$want" ] && [ "$want" = "$got" ] || { echo "FAIL: snapshots at '$got', annealc eval restarts at '$want'"; fail=1; }
# minibatch SGD under the schedule solves the least-squares problem
echo "$out" | awk '/^loss .* -> / { ok = $4 < $2 / 100 } END { exit !ok }' ||
	{ echo "FAIL: the loss did not fall a hundredfold"; fail=1; }
exit $fail
