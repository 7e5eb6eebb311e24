#!/bin/sh
# examples.sh: every example schedule checks clean and evaluates through the JIT and the interpreter.
ANNEALC=${ANNEALC:-./annealc}
srcdir=${srcdir:-.}
pass=0
fail=0
for f in "$srcdir"/examples/*.anneal "$srcdir"/examples/*/*.anneal; do
	[ -f "$f" ] || continue
	if "$ANNEALC" check "$f" && "$ANNEALC" eval "$f" --steps 3000 >/dev/null &&
		"$ANNEALC" eval "$f" --steps 3000 --interp >/dev/null; then
		pass=$((pass + 1))
	else
		echo "FAIL: $f"
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
