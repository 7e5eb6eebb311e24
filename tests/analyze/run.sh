#!/bin/sh
# run.sh: `annealc analyze` golden tests -- each NAME.anneal's report must equal NAME.expected byte for byte.
#   # args: ARGS      options given to analyze (besides the file)
#   # status: N       the exit status analyze must give (default 0; 1 when an error is found)
# NAME.json.expected, when present, is the --format json report, which must also parse as JSON.
# Usage: run.sh [FILE...] with ANNEALC (default ./annealc) and srcdir set by make.
ANNEALC=${ANNEALC:-./annealc}
srcdir=${srcdir:-.}
PYTHON=${PYTHON:-/usr/bin/python3}
dir="$srcdir/tests/analyze"
tmp=${TMPDIR:-/tmp}/analyze.$$
mkdir -p "$tmp" || exit 2
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

failed() {
	fail=$((fail + 1))
	echo "FAIL: $1"
	shift
	for line in "$@"; do echo "  $line"; done
}

[ $# -eq 0 ] && set -- "$dir"/*.anneal
for f in "$@"; do
	name=$(basename "$f" .anneal)
	args=$(sed -n 's/^# args: //p' "$f")
	want=$(sed -n 's/^# status: //p' "$f")
	want=${want:-0}
	for format in text json; do
		expected="$dir/$name.expected"
		[ $format = json ] && expected="$dir/$name.json.expected"
		[ -f "$expected" ] || continue
		# shellcheck disable=SC2086
		(cd "$dir" && "$ANNEALC" analyze "$name.anneal" $args --format $format) >"$tmp/out" 2>"$tmp/err"
		rc=$?
		if [ $rc -ne "$want" ]; then
			failed "$name ($format)" "expected exit status $want, got $rc" "$(cat "$tmp/err")"
		elif ! cmp -s "$expected" "$tmp/out"; then
			failed "$name ($format)" "the report differs from $(basename "$expected") (- expected, + actual):" \
				"$(diff -u "$expected" "$tmp/out" | tail -n +3)"
		elif [ $format = json ] && ! "$PYTHON" -m json.tool "$tmp/out" >/dev/null 2>"$tmp/err"; then
			failed "$name (json)" "the report is not valid JSON:" "$(cat "$tmp/err")"
		else
			pass=$((pass + 1))
		fi
	done
done

# error MESSAGE ARGS...: analyze exits 2 with MESSAGE as the first line of stderr.
error() {
	message=$1
	shift
	"$ANNEALC" analyze "$@" >/dev/null 2>"$tmp/err"
	rc=$?
	got=$(head -n 1 "$tmp/err")
	if [ $rc -ne 2 ] || [ "$got" != "$message" ]; then
		failed "analyze $*" "expected exit 2 and: $message" "actual exit $rc and: $got"
	else
		pass=$((pass + 1))
	fi
}
F="$dir/cut_short.anneal"
error "annealc analyze: error: no input file"
error "annealc analyze: error: --curvature expects a number > 0, got '0'" "$F" --curvature 0
error "annealc analyze: error: --batch expects a number > 0, got 'x'" "$F" --batch x
error "annealc analyze: error: --base-batch expects a number > 0, got '-1'" "$F" --base-batch -1
error "annealc analyze: error: --batch and --base-batch go together" "$F" --batch 512
error "annealc analyze: error: --steps expects a count >= 1, got '0'" "$F" --steps 0
error "annealc analyze: error: --join-tolerance expects a fraction >= 0, got '-0.1'" "$F" --join-tolerance -0.1
error "annealc analyze: error: --format expects text or json, got 'xml'" "$F" --format xml
error "annealc: error: schedule 'cut' has no param 'peak'" "$F" --param peak=1

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
