#!/bin/sh
# run.sh: AOT link test -- annealc compile to an object and header, a C host linked with no LLVM library,
# every channel, phase, cycle and event of every schedule in aot.anneal against `annealc eval --interp`.
set -u
: "${ANNEALC:?set ANNEALC to the built annealc}" "${srcdir:?set srcdir to the source tree}"
CC=${CC:-cc}
here=$srcdir/tests/aot
src=$here/aot.anneal
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT

fail=0
for opt in -O2 -O0; do
	"$ANNEALC" compile "$src" $opt -o "$tmp/aot.o" --header "$tmp/aot.h" || { echo "annealc compile $opt failed"; exit 1; }
	names=$(sed -n 's/^schedule[ 	]*\([A-Za-z_][A-Za-z0-9_]*\).*/\1/p' "$src")
	{
		echo '#include "aot.h"'
		echo '#include "aot_host.h"'
		echo 'const AotSchedule aot_all[] = {'
		for n in $names; do
			echo "	{ \"$n\", &${n}_desc, ${n}_eval, ${n}_fill, ${n}_NPARAM },"
		done
		echo '	{ 0 }'
		echo '};'
	} > "$tmp/list.c"
	# The host's link line: the object, libmvec and libm -- no LLVM, no libannealc.
	$CC -std=gnu11 -I"$srcdir/include" -I"$tmp" -I"$here" -I"$srcdir/tests/unit" "$here/host.c" "$tmp/list.c" "$tmp/aot.o" \
		-o "$tmp/host" -lmvec -lm || { echo "linking the host failed"; exit 1; }
	if command -v ldd >/dev/null && ldd "$tmp/host" | grep -i -e llvm -e annealc; then
		echo "the host links LLVM or libannealc"
		exit 1
	fi
	for n in $names; do
		for range in 0:6000 4294967000:4294968100 1099511627000:1099511629100; do
			"$ANNEALC" eval --interp "$src" --schedule "$n" --range "$range" > "$tmp/$n.csv" || { fail=1; continue; }
			printf '%s %s ' "$opt" "$range"
			"$tmp/host" "$n" < "$tmp/$n.csv" || fail=1
		done
	done
done
exit $fail
