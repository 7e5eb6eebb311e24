#!/bin/sh
# random.sh: the AOT differential test -- 300 random schedules in objects of 100, linked into
# one host, every one against the interpreter.
set -u
: "${ANNEALC:?set ANNEALC to the built annealc}" "${srcdir:?set srcdir to the source tree}"
CC=${CC:-cc}
GEN=${GEN:-./tests/unit/gen_anneal}
here=$srcdir/tests/aot
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
count=${AOT_RANDOM_COUNT:-300}

# Files of at most 100 schedules each: a file holds at most 256 schedules
# and 2,000 phases, and the random programs average some 13 phases.
per=100
nfile=$(((count + per - 1) / per))
n=1
while [ $n -le $nfile ]; do
	first=$(((n - 1) * per))
	left=$((count - first))
	"$GEN" $first $((left < per ? left : per)) > "$tmp/random$n.anneal" || exit 99
	n=$((n + 1))
done
pass=0
fail=0
for opt in -O2 -O1; do
	n=1
	while [ $n -le $nfile ]; do
		"$ANNEALC" compile "$tmp/random$n.anneal" $opt -o "$tmp/random$n.o" --header "$tmp/random$n.h" || exit 1
		n=$((n + 1))
	done
	{
		n=1
		while [ $n -le $nfile ]; do
			echo "#include \"random$n.h\""
			n=$((n + 1))
		done
		echo '#include "aot_host.h"'
		echo 'const AotSchedule aot_all[] = {'
		i=0
		while [ $i -lt "$count" ]; do
			echo "	{ \"r$i\", &r${i}_desc, r${i}_eval, r${i}_fill, r${i}_NPARAM },"
			i=$((i + 1))
		done
		echo '	{ 0 }'
		echo '};'
	} > "$tmp/list.c"
	# shellcheck disable=SC2046
	$CC -std=gnu11 -I"$srcdir/include" -I"$tmp" -I"$here" -I"$srcdir/tests/unit" "$here/host.c" "$tmp/list.c" \
		$(n=1; while [ $n -le $nfile ]; do echo "$tmp/random$n.o"; n=$((n + 1)); done) -o "$tmp/host" -lmvec -lm || exit 1
	i=0
	while [ $i -lt "$count" ]; do
		if "$ANNEALC" eval --interp "$tmp/random$((i / per + 1)).anneal" --schedule "r$i" --range 0:400 > "$tmp/r.csv" &&
			"$tmp/host" "r$i" < "$tmp/r.csv" > "$tmp/out" 2>&1; then
			pass=$((pass + 1))
		else
			fail=$((fail + 1))
			echo "FAIL: $opt schedule r$i (seed $i of tests/unit/gen_program.c)"
			head -n 5 "$tmp/out"
		fi
		i=$((i + 1))
	done
done
# The textual IR of each file reads back in the LLVM it was made with (its
# own llvm-as): the JIT never prints IR, so only this catches IR that the
# verifier passes but the reader refuses (a GEP's type against LLVM 14's
# typed pointers, say).
as=${LLVM_CONFIG:+$("$LLVM_CONFIG" --bindir)/llvm-as}
if [ -n "$as" ] && [ -x "$as" ]; then
	for f in "$tmp"/random*.anneal; do
		if "$ANNEALC" compile "$f" --emit llvm -o "$tmp/ir.ll" && "$as" "$tmp/ir.ll" -o /dev/null; then
			pass=$((pass + 1))
		else
			fail=$((fail + 1))
			echo "FAIL: $f: its --emit llvm does not assemble with $as"
		fi
	done
else
	echo "random.sh: no llvm-as beside LLVM_CONFIG ('${LLVM_CONFIG:-}'): the IR read-back is skipped"
fi
# Generated code calls libm's functions for the language's builtins (and
# LLVM's libm rewrites of them, exp2 and sincos, and glibc's libmvec
# variants) and nothing else, for the random programs and every example.
allowed='^(_ZGV[a-zA-Z]+[0-9]+v+_)?(cos|sin|sincos|exp|exp2|log|pow|sqrt|floor|ceil|fabs|trunc|roundeven|tanh|sinh|cosh|atan|log2|log10)$'
for f in "$tmp"/random*.anneal "$srcdir"/examples/*.anneal "$srcdir"/examples/*/*.anneal "$srcdir"/tests/conformance/*.anneal; do
	[ -f "$f" ] || continue
	"$ANNEALC" compile "$f" -o "$tmp/sym.o" || { fail=$((fail + 1)); continue; }
	extra=$(nm -u "$tmp/sym.o" | awk '{ print $2 }' | grep -Ev "$allowed")
	if [ -n "$extra" ]; then
		fail=$((fail + 1))
		echo "FAIL: $f: the object calls $extra"
	else
		pass=$((pass + 1))
	fi
done

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
