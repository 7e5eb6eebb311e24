#!/bin/sh
# run.sh: annealc fmt -- the layout rules (each tests/fmt/NAME.anneal formats to NAME.expected),
# the examples kept in the layout, and the command's modes and error paths. That formatting
# keeps meaning and is idempotent, over every schedule file of the project and random
# programs, is the unit suite's (tests/unit/check_fmt.c).
# Usage: run.sh with ANNEALC (default ./annealc) and srcdir set by make.
ANNEALC=${ANNEALC:-./annealc}
srcdir=${srcdir:-.}
tmp=${TMPDIR:-/tmp}/fmt.$$
mkdir -p "$tmp" || exit 2
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); }
failed() {
	fail=$((fail + 1))
	echo "FAIL: $*"
}

# The layout rules, one file each.
for f in "$srcdir"/tests/fmt/*.anneal; do
	if "$ANNEALC" fmt "$f" >"$tmp/out" && cmp -s "$tmp/out" "${f%.anneal}.expected"; then
		ok
	else
		failed "$f: not formatted as ${f%.anneal}.expected:"
		diff "${f%.anneal}.expected" "$tmp/out" | head -20
	fi
	"$ANNEALC" fmt --check "${f%.anneal}.expected" >/dev/null && ok || failed "${f%.anneal}.expected is not in the layout"
done

# The examples are kept in the layout.
"$ANNEALC" fmt --check "$srcdir"/examples/*.anneal "$srcdir"/examples/*/*.anneal >"$tmp/out" && ok ||
	failed "examples not in the layout (annealc fmt -i fixes them): $(cat "$tmp/out")"

# expect_fail WHAT STATUS MESSAGE CMD...: CMD exits STATUS and its stderr holds MESSAGE.
expect_fail() {
	what=$1 status=$2 message=$3
	shift 3
	"$@" >"$tmp/stdout" 2>"$tmp/stderr"
	rc=$?
	if [ $rc -eq "$status" ] && grep -qF -- "$message" "$tmp/stderr"; then
		ok
	else
		failed "$what: exit $rc (want $status), stderr: $(cat "$tmp/stderr")"
	fi
}

printf 'schedule a {\n  lr = (0.1;\n}\n' >"$tmp/syntax.anneal"
cp "$tmp/syntax.anneal" "$tmp/syntax.orig"
expect_fail "syntax error" 1 "syntax.anneal:2:12: error: expected 'then' or ')' before ';'" "$ANNEALC" fmt "$tmp/syntax.anneal"
expect_fail "syntax error, -i" 1 "note: to close '(' opened here" "$ANNEALC" fmt -i "$tmp/syntax.anneal"
cmp -s "$tmp/syntax.anneal" "$tmp/syntax.orig" && ok || failed "-i changed a file that does not parse"
expect_fail "missing file" 2 "cannot read '$tmp/none.anneal'" "$ANNEALC" fmt "$tmp/none.anneal"
expect_fail "a directory" 2 "cannot read '$tmp'" "$ANNEALC" fmt "$tmp"
expect_fail "no file" 2 "annealc fmt: error: no input file" "$ANNEALC" fmt
expect_fail "both modes" 2 "-i and --check exclude each other" "$ANNEALC" fmt -i --check "$tmp/syntax.anneal"
expect_fail "unknown option" 2 "unknown option '--frobnicate'" "$ANNEALC" fmt --frobnicate "$tmp/syntax.anneal"
expect_fail "-i on stdin" 2 "-i cannot rewrite standard input" "$ANNEALC" fmt -i -
"$ANNEALC" fmt --help | grep -q 'usage: annealc fmt' && ok || failed "fmt --help"

# --check lists the files not in the layout and exits 1; -i rewrites just those, keeping
# their mode, through a link to its target; standard input is read as '-'.
printf 'schedule a { lr = 0.1; }\n' >"$tmp/messy.anneal"
chmod 640 "$tmp/messy.anneal"
"$ANNEALC" fmt "$srcdir/tests/fmt/spacing.expected" >"$tmp/tidy.anneal"
touch -d '2001-01-01' "$tmp/tidy.anneal"
ln -s messy.anneal "$tmp/link.anneal"
"$ANNEALC" fmt --check "$tmp/tidy.anneal" "$tmp/messy.anneal" >"$tmp/out"
[ $? -eq 1 ] && [ "$(cat "$tmp/out")" = "$tmp/messy.anneal" ] && ok || failed "--check: $(cat "$tmp/out")"
"$ANNEALC" fmt -i "$tmp/tidy.anneal" "$tmp/link.anneal" && ok || failed "-i failed"
[ -L "$tmp/link.anneal" ] && [ "$(cat "$tmp/messy.anneal")" = "$(printf 'schedule a {\n  lr = 0.1;\n}')" ] && ok ||
	failed "-i through a link: $(cat "$tmp/messy.anneal")"
[ "$(stat -c %a "$tmp/messy.anneal")" = 640 ] && ok || failed "-i lost the mode: $(stat -c %a "$tmp/messy.anneal")"
[ "$(stat -c %Y "$tmp/tidy.anneal")" = "$(date -d 2001-01-01 +%s)" ] && ok || failed "-i touched a formatted file"
[ -z "$(ls "$tmp" | grep '\.fmt\.')" ] && ok || failed "-i left a temporary: $(ls "$tmp")"
"$ANNEALC" fmt --check "$tmp/messy.anneal" && ok || failed "--check after -i"
printf 'schedule a { lr = 0.1; }' | "$ANNEALC" fmt - >"$tmp/out" && cmp -s "$tmp/out" "$tmp/messy.anneal" && ok ||
	failed "stdin: $(cat "$tmp/out")"
printf 'schedule a { lr = (; }' | "$ANNEALC" fmt - 2>"$tmp/stderr"
[ $? -eq 1 ] && grep -q '^<stdin>:1:20: error' "$tmp/stderr" && ok || failed "stdin's errors: $(cat "$tmp/stderr")"

# -i on what is not a regular file refuses, and writes nothing.
mkfifo "$tmp/pipe.anneal"
printf 'schedule a { lr = 0.1; }' >"$tmp/pipe.anneal" &
expect_fail "-i on a pipe" 2 "cannot rewrite '$tmp/pipe.anneal': not a regular file" "$ANNEALC" fmt -i "$tmp/pipe.anneal"
[ -p "$tmp/pipe.anneal" ] && ok || failed "-i replaced a pipe"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
