#!/bin/sh
# cli.sh: every annealc command, flag and exit status, fed good and bad command lines.
ANNEALC=${ANNEALC:-./annealc}
srcdir=${srcdir:-.}
tmp=${TMPDIR:-/tmp}/cli.$$
mkdir -p "$tmp" || exit 2
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
sgdr=$srcdir/examples/sgdr.anneal

# expect STATUS PATTERN -- ARGS...: exit status STATUS and PATTERN (grep -E) in stdout+stderr
# (PATTERN - checks the status alone).
expect() {
	want=$1
	pattern=$2
	shift 3
	"$ANNEALC" "$@" >"$tmp/out" 2>&1
	got=$?
	if [ "$got" -eq "$want" ] && { [ "$pattern" = - ] || grep -Eq -- "$pattern" "$tmp/out"; }; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: annealc $*"
		echo "  expected status $want and /$pattern/, got status $got:"
		sed 's/^/  | /' "$tmp/out" | head -n 12
	fi
}

cat >"$tmp/two.anneal" <<'END'
schedule first { param total = 100; lr = linear(0, 1) for 10% then 1; }
schedule second { param peak = 2; lr = peak; momentum = 0.5; }
END
cat >"$tmp/bad.anneal" <<'END'
schedule a { lr = nope; }
END

# the program
expect 2 'usage: annealc COMMAND' -- 
expect 0 'usage: annealc COMMAND' -- --help
expect 0 '^annealc [0-9]' -- --version
expect 2 "unknown command 'frobnicate'" -- frobnicate

# check
expect 0 'usage: annealc check' -- check --help
expect 2 'no input file' -- check
expect 0 - -- check "$sgdr"
expect 1 "bad.anneal:1:19: error: unknown name 'nope'" -- check "$tmp/bad.anneal"
expect 2 "cannot read '$tmp/missing.anneal': No such file" -- check "$tmp/missing.anneal"
expect 2 'cannot read' -- check "$sgdr" "$tmp/missing.anneal"
expect 1 'unknown name' -- check "$sgdr" "$tmp/bad.anneal"
expect 2 'cannot read' -- check "$tmp"

# a file beyond the 16 MiB limit is refused before it is parsed
{ echo 'schedule big { lr = 0.1; }'; head -c 17000000 /dev/zero | tr '\0' ' '; } >"$tmp/big.anneal"
expect 1 'big.anneal:1:1: error: file is larger than 16777216 bytes' -- check "$tmp/big.anneal"
rm -f "$tmp/big.anneal"

# eval
expect 0 'usage: annealc eval' -- eval --help
expect 2 'no input file' -- eval
expect 2 'more than one input file' -- eval "$sgdr" "$sgdr"
expect 0 '^step,lr,momentum,phase,cycle,events$' -- eval "$sgdr" --steps 3
expect 0 '^2,0.00040' -- eval "$sgdr" --steps 3
expect 0 '^1500,0.080000000000000016,0.9[0-9]*,1,1,restart$' -- eval "$sgdr" --range 1500:1501
expect 0 '^1000,.*,every:1000$' -- eval "$sgdr" --range 999:1001 --interp
expect 0 '^1500,0.080000000000000016' -- eval "$sgdr" --range 1500:1501 -O0
expect 0 '^1500,0.080000000000000016' -- eval "$sgdr" --range 1500:1501 -O3
expect 2 '--range expects A:B' -- eval "$sgdr" --range 5
expect 2 '--steps and --range both give the steps; use one' -- eval "$sgdr" --steps 5 --range 1:3
expect 2 '--steps and --range both give the steps; use one' -- plot "$sgdr" --range 1:3 --steps 5 --term
# a subnormal is a finite number (strtod's ERANGE notwithstanding)
expect 0 '^0,0,' -- eval "$sgdr" --steps 1 --param peak=4.9e-324
expect 2 '--range expects A:B with 0 <= A <= B' -- eval "$sgdr" --range 9:3
expect 2 '--range expects A:B with 0 <= A <= B' -- eval "$sgdr" --range -5:2
expect 2 '--steps expects a count' -- eval "$sgdr" --steps -4
expect 2 '--steps expects a count' -- eval "$sgdr" --steps many
expect 0 '^0,0,' -- eval "$sgdr" --param peak=0.2 --steps 1
expect 0 '^250,0.10000000000000001,' -- eval "$sgdr" --param peak=0.2 --range 250:251
expect 2 "schedule 'sgdr' has no param 'peek'" -- eval "$sgdr" --param peek=0.2
expect 2 '--param expects NAME=VALUE' -- eval "$sgdr" --param peak
expect 2 "'abc' is not a finite number" -- eval "$sgdr" --param peak=abc
expect 1 'duration of 2.5 steps is not a whole number' -- eval "$tmp/two.anneal" --param total=25
expect 0 '^4,0.80000000000000004,' -- eval "$tmp/two.anneal" --param total=50 --range 4:5
expect 0 '^step,lr,momentum,phase,cycle,events$' -- eval "$tmp/two.anneal" --schedule second --steps 1
expect 0 '^0,2,0.5,0,-1,$' -- eval "$tmp/two.anneal" --schedule second --steps 1 --interp
expect 2 "has no schedule 'third'" -- eval "$tmp/two.anneal" --schedule third
expect 0 '"events": \["restart"\]' -- eval "$sgdr" --range 1500:1501 --format json
expect 2 '--format expects csv or json' -- eval "$sgdr" --format xml
expect 2 '-O expects 0, 1, 2 or 3' -- eval "$sgdr" -O9
expect 1 'unknown name' -- eval "$tmp/bad.anneal"
expect 2 'cannot read' -- eval "$tmp/missing.anneal"
expect 0 '^99,' -- eval "$tmp/two.anneal" --schedule second

# the JSON parses and holds the rows asked for
"$ANNEALC" eval "$sgdr" --steps 30 --format json >"$tmp/out.json"
if python3 -c 'import json,sys; rows=json.load(open(sys.argv[1])); assert len(rows) == 30 and rows[29]["step"] == 29' "$tmp/out.json"; then
	pass=$((pass + 1))
else
	fail=$((fail + 1))
	echo "FAIL: annealc eval --format json does not give 30 rows of valid JSON"
fi

# a full disk is a system error, not a silent truncation
if [ -w /dev/full ]; then
	"$ANNEALC" eval "$sgdr" --steps 100000 >/dev/full 2>"$tmp/err"
	if [ $? -eq 2 ] && grep -q 'writing the output failed' "$tmp/err"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: eval into /dev/full must exit 2"
	fi
fi

# compile
expect 0 'usage: annealc compile' -- compile --help
expect 2 'no output file' -- compile "$sgdr"
expect 2 'no input file' -- compile -o "$tmp/x.o"
for kind in obj asm llvm bc; do
	expect 0 - -- compile "$sgdr" -o "$tmp/sgdr.$kind" --emit "$kind"
done
expect 0 - -- compile "$sgdr" -o "$tmp/sgdr.o" --header "$tmp/sgdr.h" -O0
if grep -q 'sgdr_eval' "$tmp/sgdr.h" && grep -q 'define.*@sgdr_eval' "$tmp/sgdr.llvm" && grep -q 'sgdr_eval' "$tmp/sgdr.asm"; then
	pass=$((pass + 1))
else
	fail=$((fail + 1))
	echo "FAIL: compile outputs do not define sgdr_eval"
fi
expect 2 '--emit expects obj, asm, llvm or bc' -- compile "$sgdr" -o "$tmp/x" --emit exe
expect 2 '-O expects' -- compile "$sgdr" -o "$tmp/x" -O7
expect 0 - -- compile "$sgdr" -o "$tmp/arm.o" --target aarch64-linux-gnu
expect 2 'target' -- compile "$sgdr" -o "$tmp/x.o" --target no-such-cpu-triple
expect 1 'unknown name' -- compile "$tmp/bad.anneal" -o "$tmp/bad.o"
expect 0 - -- compile "$tmp/two.anneal" -o "$tmp/two.o" --header "$tmp/two.h" --param total=200 --bind-params
# a failed compile leaves an existing output untouched
echo keep >"$tmp/keep.o"
expect 1 'unknown name' -- compile "$tmp/bad.anneal" -o "$tmp/keep.o"
expect 2 '.' -- compile "$sgdr" -o "$tmp/no/such/dir/x.o"
if [ "$(cat "$tmp/keep.o")" = keep ]; then
	pass=$((pass + 1))
else
	fail=$((fail + 1))
	echo "FAIL: a failed compile changed the existing output"
fi

# names that are C keywords still give a header that compiles, as C and as C++
cat >"$tmp/kw.anneal" <<'END'
schedule int { param static = 1; param _Bool = 2; lr = static + _Bool; }
schedule main { param x = 1; lr = x; }
END
printf '#include "kw.h"\nint host(void) { anneal_point p; int_eval(0, 0, &p); return (int)p.value[0] + int_NPARAM + main_PARAM_x; }\n' >"$tmp/kwhost.c"
expect 0 - -- compile "$tmp/kw.anneal" -o "$tmp/kw.o" --header "$tmp/kw.h"
if ${CC:-cc} -std=c11 -pedantic -Wall -Werror -I"$srcdir/include" -I"$tmp" -c "$tmp/kwhost.c" -o "$tmp/kwhost.o" &&
	{ ! command -v c++ >/dev/null || c++ -x c++ -Wall -Werror -I"$srcdir/include" -I"$tmp" -c "$tmp/kwhost.c" -o "$tmp/kwhost2.o"; }; then
	pass=$((pass + 1))
else
	fail=$((fail + 1))
	echo "FAIL: the header of a schedule named 'int' does not compile"
fi

# compile: output files, targets, prefixes, the input path in the header
mkdir "$tmp/files"
o=$tmp/files
cp "$sgdr" "$o/in.anneal"
echo keep >"$o/X"
ln -s X "$o/L"
# untouched NAME...: each file still holds "keep", no temporary is left behind
untouched() {
	for f in "$@"; do
		if [ "$(cat "$f")" != keep ]; then
			fail=$((fail + 1))
			echo "FAIL: a refused compile changed $f"
			return
		fi
	done
	if ls "$o" | grep -q '\.tmp\.'; then
		fail=$((fail + 1))
		echo "FAIL: a refused compile left a temporary: $(ls "$o")"
		return
	fi
	pass=$((pass + 1))
}
expect 2 "annealc: error: the output and the header are the same file '$o/X'" -- compile "$sgdr" -o "$o/X" --header "$o/X"
expect 2 'the output and the header are the same file' -- compile "$sgdr" -o "$o/X" --header "$o/L"
expect 2 'the output and the header are the same file' -- compile "$sgdr" -o "$o/L" --header "$o/./X"
untouched "$o/X"
expect 2 'the output and the header are the same file' -- compile "$sgdr" -o "$o/new.o" --header "$o/../files/new.o"
[ -e "$o/new.o" ] && { fail=$((fail + 1)); echo "FAIL: a refused compile created new.o"; }
expect 2 "the output '$o/./in.anneal' is the input file" -- compile "$o/in.anneal" -o "$o/./in.anneal"
expect 2 "the header '$o/in.anneal' is the input file" -- compile "$o/in.anneal" -o "$o/in.o" --header "$o/in.anneal"
ln -s in.anneal "$o/in_link"
expect 2 "the output '$o/in_link' is the input file" -- compile "$o/in.anneal" -o "$o/in_link"
if cmp -s "$sgdr" "$o/in.anneal" && [ ! -e "$o/in.o" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: a refused compile changed the input"; fi
expect 2 "the output '$o' is a directory" -- compile "$sgdr" -o "$o"
untouched "$o/X"
# anything but a regular file is written in place, never replaced: a device, a FIFO
expect 0 - -- compile "$sgdr" -o /dev/null --header "$o/devnull.h"
expect 0 - -- compile "$sgdr" -o /dev/null --emit llvm
if [ -c /dev/null ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: /dev/null is no longer a device"; fi
expect 2 'the output and the header are the same file' -- compile "$sgdr" -o /dev/null --header /dev/null
if mkfifo "$o/fifo" 2>/dev/null; then
	timeout 20 cat "$o/fifo" >"$o/from_fifo.o" &
	expect 0 - -- compile "$sgdr" -o "$o/fifo" --header "$o/fifo.h"
	wait
	timeout 20 cat "$o/fifo" >"$o/from_fifo.h" &
	expect 0 - -- compile "$sgdr" -o "$o/fifo2.o" --header "$o/fifo"
	wait
	if [ -p "$o/fifo" ] && [ "$(head -c 4 "$o/from_fifo.o" | tail -c 3)" = ELF ] &&
		grep -q 'sgdr_eval' "$o/from_fifo.h" && [ ! -e "$o/fifo.tmp.$$" ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: compile into a FIFO"
	fi
fi
# targets: the supported list, others refused with it, nothing left behind
for t in riscv64-linux-gnu bpf amdgcn-amd-amdhsa avr nvptx64 r600 x86_64-apple-darwin; do
	expect 2 "target $t is not supported: annealc compiles for x86_64 and aarch64 Linux \(x86_64-linux-gnu, aarch64-linux-gnu\)" -- \
		compile "$sgdr" -o "$o/t.o" --target "$t"
done
untouched "$o/X"
for t in x86_64-linux-gnu x86_64-pc-linux-gnu aarch64-linux-gnu aarch64-unknown-linux-musl; do
	expect 0 - -- compile "$sgdr" -o "$o/t.o" --header "$o/t.h" --target "$t"
	if ! nm "$o/t.o" 2>/dev/null | grep -q ' T sgdr_eval$'; then
		fail=$((fail + 1))
		echo "FAIL: --target $t: no sgdr_eval in the object"
	elif command -v readelf >/dev/null && ! readelf -h "$o/t.o" | grep -q "Machine:.*$(case $t in x86_64*) echo X86-64 ;; *) echo AArch64 ;; esac)"; then
		fail=$((fail + 1))
		echo "FAIL: --target $t: the object is not for that machine"
	else
		pass=$((pass + 1))
	fi
done
# prefixes: the start of a C identifier, outside Anneal's namespace and the reserved names
expect 2 "annealc_options.prefix = '1x': expected the start of a C identifier" -- compile "$sgdr" -o "$o/p.o" --prefix 1x
expect 2 "annealc_options.prefix = 'a-b': expected the start of a C identifier" -- compile "$sgdr" -o "$o/p.o" --prefix a-b
expect 2 "annealc_options.prefix = 'anneal_': schedule 'sgdr' would define 'anneal_sgdr_eval', in the namespace of Anneal's libraries" -- \
	compile "$sgdr" -o "$o/p.o" --prefix anneal_
expect 2 "annealc_options.prefix = '_': schedule 'sgdr' would define '_sgdr_eval', a reserved C identifier" -- compile "$sgdr" -o "$o/p.o" --prefix _
expect 0 - -- compile "$sgdr" -o "$o/p.o" --header "$o/p.h" --prefix my_
if nm "$o/p.o" | grep -q ' T my_sgdr_eval$' && grep -q '^void my_sgdr_eval' "$o/p.h"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: --prefix my_"; fi
# reserved schedule names are refused at check time
printf 'schedule anneal { lr = 0.1; }\n' >"$o/anneal.anneal"
expect 1 "anneal.anneal:1:10: error: schedule 'anneal' would define 'anneal_desc' in the namespace" -- check "$o/anneal.anneal"
expect 1 "would define 'anneal_desc'" -- compile "$o/anneal.anneal" -o "$o/a.o" --header "$o/a.h"
# the input path reaches a header comment: nothing in it may end the comment
inj="$o/a*/ int injected = 1; /*.anneal"
mkdir -p "$(dirname "$inj")" && cp "$sgdr" "$inj"
expect 0 - -- compile "$inj" -o "$o/inj.o" --header "$o/inj.h"
printf '#include "inj.h"\nint injected = 2;\n' >"$o/injhost.c"
if ${CC:-cc} -std=c11 -Wall -Werror -I"$srcdir/include" -I"$o" -c "$o/injhost.c" -o "$o/injhost.o" &&
	! grep -v '^/\*.*\*/$' "$o/inj.h" | grep -q injected; then
	pass=$((pass + 1))
else
	fail=$((fail + 1))
	echo "FAIL: the input path put code into the header"
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
