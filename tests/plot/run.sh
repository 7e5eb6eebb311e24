#!/bin/sh
# run.sh: `annealc plot` -- SVGs rendered to PNG by rsvg-convert with curve pixels checked, the terminal view, every error.
# Usage: run.sh with ANNEALC (default ./annealc) and srcdir set by make; needs rsvg-convert (librsvg2-bin).
ANNEALC=${ANNEALC:-./annealc}
srcdir=${srcdir:-.}
PYTHON=${PYTHON:-/usr/bin/python3}
dir="$srcdir/tests/plot"
tmp=${TMPDIR:-/tmp}/plot.$$
mkdir -p "$tmp" || exit 2
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

if ! command -v rsvg-convert >/dev/null 2>&1; then
	echo "SKIP: rsvg-convert (librsvg2-bin) is not installed"
	exit 77
fi

failed() {
	fail=$((fail + 1))
	echo "FAIL: $1"
	shift
	for line in "$@"; do echo "  $line"; done
}

# svg NAME ARGS... -- CHECKS...: plot, render, check pixels.
svg() {
	name=$1
	shift
	args=
	while [ "$1" != "--" ]; do
		args="$args $1"
		shift
	done
	shift
	# shellcheck disable=SC2086
	if ! "$ANNEALC" plot $args -o "$tmp/$name.svg" 2>"$tmp/err"; then
		failed "$name" "annealc plot$args failed:" "$(cat "$tmp/err")"
		return 1
	fi
	if ! rsvg-convert -f png -o "$tmp/$name.png" "$tmp/$name.svg" 2>"$tmp/err"; then
		failed "$name" "rsvg-convert rejected the SVG:" "$(cat "$tmp/err")"
		return 1
	fi
	if ! "$PYTHON" "$dir/pngcheck.py" "$tmp/$name.svg" "$tmp/$name.png" "$@" >"$tmp/out" 2>&1; then
		failed "$name" "$(cat "$tmp/out")"
		return 1
	fi
	pass=$((pass + 1))
}

# contains NAME FILE TEXT: the file holds TEXT.
contains() {
	if grep -qF -- "$3" "$2"; then
		pass=$((pass + 1))
	else
		failed "$1" "expected '$3' in $(basename "$2")"
	fi
}

# error NAME STATUS MESSAGE ARGS...: plot fails with STATUS and MESSAGE as the first line of stderr.
error() {
	name=$1 status=$2 message=$3
	shift 3
	"$ANNEALC" plot "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	got=$(head -n 1 "$tmp/err")
	if [ $rc -ne "$status" ] || [ "$got" != "$message" ]; then
		failed "$name" "expected exit $status and: $message" "actual exit $rc and: $got"
	else
		pass=$((pass + 1))
	fi
}

R="$dir/restarts.anneal"
# Warmup peak at the top, each restart a stroke from the floor to 0.8, the cosine's midpoint at
# 0.4, the floor just before a restart, restart and phase markers where the structure says.
svg restarts "$R" --steps 800 -- \
	at:lr:99:0.99 at:lr:100:0.8 at:lr:300:0.8 at:lr:299:0 at:lr:500:0.8 at:lr:700:0.8 at:lr:200:0.4 at:lr:299:0 \
	at:lr:250:0.1171572875253810 not:lr:250:0.5 not:lr:250:0.9 \
	at:lr:300:0.95:restart at:lr:500:0.95:restart at:lr:700:0.95:restart not:lr:200:0.95:restart \
	at:lr:100:0.3:phase at:lr:100:0.6:phase at:momentum:400:0.9 not:momentum:400:0.95
contains restarts-labels "$tmp/restarts.svg" '>restart 2</text>'
contains restarts-labels "$tmp/restarts.svg" '>end of warm</text>'
contains restarts-title "$tmp/restarts.svg" '>cycles</text>'

# The checker itself must fail on a wrong expectation.
if "$PYTHON" "$dir/pngcheck.py" "$tmp/restarts.svg" "$tmp/restarts.png" at:lr:250:0.9 >/dev/null 2>&1; then
	failed pngcheck-negative "pngcheck.py accepted a curve pixel at 0.9 where the value is 0.117"
else
	pass=$((pass + 1))
fi

# A log scale over four decades, with 1e-5 style labels; --param shows in the title.
svg log "$dir/decay.anneal" --steps 1000 --log --param peak=0.5 -- \
	at:lr:0:0.5 at:lr:300:0.02451640486 at:lr:999:2.159e-5 not:lr:300:0.2 at:noise:500:0.5
contains log-ticks "$tmp/log.svg" '>1e-5</text>'
contains log-ticks "$tmp/log.svg" '>0.01</text>'
contains log-title "$tmp/log.svg" 'peak = 0.5'

# On a log scale the steps at or below zero are left out, and a note says how many.
svg nonpositive "$dir/nonpositive.anneal" --steps 20 --log -- at:lr:5:1 at:lr:15:11 at:lr:19:15
contains nonpositive-note "$tmp/nonpositive.svg" '5 steps not drawn (&lt;= 0 or not finite)'

# --compare overlays the other schedule's shared channels; the legend names both.
svg compare "$R" --steps 800 --compare "$dir/linear.anneal" -- \
	at:lr:400:0.5:compare at:lr:0:1:compare at:lr:300:0.8 not:lr:400:0.9:compare
contains compare-legend "$tmp/compare.svg" "straight (linear.anneal)"

# --range, --channels and the step axis's 10k-style labels.
svg range "$R" --range 300:500 --channels momentum,lr -- at:lr:300:0.8 at:lr:499:0
contains range-first "$tmp/range.svg" 'data-first="300"'
if [ "$(grep -c 'class="panel"' "$tmp/range.svg")" -ne 2 ] ||
	! grep -q 'class="panel" data-channel="momentum"' "$tmp/range.svg"; then
	failed channels-order "--channels momentum,lr should make two panels, momentum first"
else
	pass=$((pass + 1))
fi
svg steps "$srcdir/examples/sgdr.anneal" --steps 20000 --channels lr -- at:lr:1500:0.08 at:lr:3500:0.064
contains steps-ticks "$tmp/steps.svg" '>10k</text>'

# The last steps there are, INT64_MAX included: the sample grid and the
# restart marks do not pass it (they overflowed into a crash and a hang),
# and fill meets every cycle of a fractional period's last lap (its values: check_random.c).
cat >"$tmp/top.anneal" <<'EOF_TOP'
schedule top {
  lr = restarts(period = 2.75) { linear(1, 0) };
  momentum = restarts(period = 18) { cosine(1, 0) };
}
EOF_TOP
svg top "$tmp/top.anneal" --range 9223372036854775708:9223372036854775807 -- at:momentum:9223372036854775806:0.75
contains top-restart "$tmp/top.svg" 'data-first="9223372036854775708"'

# A million steps through fill: every restart still reaches its peak.
svg million "$srcdir/examples/sgdr.anneal" --steps 1000000 --channels lr -- \
	at:lr:255500:0.016777216 at:lr:511500:0.0134217728

# The README's figure is what annealc draws today.
if "$ANNEALC" plot "$srcdir/examples/sgdr.anneal" -o "$tmp/sgdr.svg" && cmp -s "$tmp/sgdr.svg" "$srcdir/doc/sgdr.svg"; then
	pass=$((pass + 1))
else
	failed doc-sgdr "doc/sgdr.svg differs from 'annealc plot examples/sgdr.anneal -o doc/sgdr.svg'"
fi

# The terminal view, sized by COLUMNS and LINES: the same text as last reviewed.
COLUMNS=60 LINES=16 "$ANNEALC" plot "$R" --steps 800 --term >"$tmp/term.txt" 2>"$tmp/err"
if cmp -s "$tmp/term.txt" "$dir/term.expected"; then
	pass=$((pass + 1))
else
	failed term "COLUMNS=60 LINES=16 annealc plot restarts.anneal --term differs from term.expected:" \
		"$(diff "$dir/term.expected" "$tmp/term.txt" | head -20)"
fi
# Rows are as wide as COLUMNS (8 label, space, bar, 50 braille cells); under the lr panel a | at
# the warmup's end (step 100) and a ^ at each restart (300, 500, 700), in their columns.
n=$(sed -n 3p "$tmp/term.txt" | tr -d '\n' | LC_ALL=C.UTF-8 wc -m)
if [ "$n" -ne 60 ]; then
	failed term-width "expected rows of 60 characters, got $n"
else
	pass=$((pass + 1))
fi
marks=$(printf '%9s\342\224\202%6s|%11s^%11s^%12s^' '' '' '' '' '')
if grep -qxF -- "$(printf '%-62s' "$marks")" "$tmp/term.txt"; then
	pass=$((pass + 1))
else
	failed term-marks "expected the marks row:" "$marks" "in:" "$(cat "$tmp/term.txt")"
fi

# Every error names what is wrong.
error no-output 2 "annealc plot: error: give -o OUT.svg or --term" "$R"
error no-file 2 "annealc plot: error: no input file" -o "$tmp/x.svg"
error unknown-channel 2 "annealc plot: error: schedule 'cycles' has no channel 'beta3' (it has lr, momentum)" \
	"$R" -o "$tmp/x.svg" --channels lr,beta3
error bad-steps 2 "annealc plot: error: --steps expects a count >= 2, got '1'" "$R" -o "$tmp/x.svg" --steps 1
error bad-range 2 "annealc plot: error: --range expects A:B with 0 <= A and A + 2 <= B, got '5:3'" \
	"$R" -o "$tmp/x.svg" --range 5:3
error bad-range-form 2 "annealc plot: error: --range expects A:B, got '5'" "$R" -o "$tmp/x.svg" --range 5
error lone-compare-schedule 2 "annealc plot: error: --compare-schedule needs --compare FILE" \
	"$R" -o "$tmp/x.svg" --compare-schedule x
error compare-disjoint 2 \
	"annealc plot: error: --compare: schedule 'wd' in $dir/wd_only.anneal shares no plotted channel with 'cycles'" \
	"$R" -o "$tmp/x.svg" --compare "$dir/wd_only.anneal"
error unwritable 2 "annealc plot: error: cannot write $tmp/none/x.svg: No such file or directory" \
	"$R" -o "$tmp/none/x.svg"
error unknown-param 2 "annealc: error: schedule 'cycles' has no param 'peak'" "$R" -o "$tmp/x.svg" --param peak=1
error unknown-schedule 2 "annealc: error: $R has no schedule 'nope'" "$R" -o "$tmp/x.svg" --schedule nope
printf 'schedule bad {\n  lr = cosine(1, 0);\n}\n' >"$tmp/bad.anneal"
error bad-file 1 "$tmp/bad.anneal:2:8: error: cosine needs the length of its phase, but this phase is open-ended (give it a length with 'for N')" \
	"$tmp/bad.anneal" -o "$tmp/x.svg"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
