#!/bin/sh
# run.sh: the golden language tests -- each .anneal file states what it must produce.
#   # error: LINE:COL: message      `annealc check` must print exactly these errors and
#   # note: LINE:COL: message       notes (in any order), exit 1
#   # expect: STEP COLUMN VALUE     `annealc eval` (interpreter and JIT) must give VALUE
#                                   (numbers to 1e-12 relative, other columns as text)
#   # param: NAME=VALUE             passed to eval as --param
#   # schedule: NAME                the schedule to evaluate
# Usage: run.sh [FILE...] with ANNEALC (default ./annealc) and srcdir set by make.
ANNEALC=${ANNEALC:-./annealc}
srcdir=${srcdir:-.}
tmp=${TMPDIR:-/tmp}/golden.$$
mkdir -p "$tmp" || exit 2
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

if [ $# -eq 0 ]; then
	set -- "$srcdir"/tests/golden/*/*.anneal "$srcdir"/tests/bad/*.anneal
fi

failed() {
	fail=$((fail + 1))
	echo "FAIL: $1"
	shift
	for line in "$@"; do echo "  $line"; done
}

for f in "$@"; do
	[ -f "$f" ] || continue
	name=${f#"$srcdir"/}
	if grep -q '^# error:' "$f"; then
		sed -n -E 's/^# (error|note): ([0-9]*:[0-9]*): /\2: \1: /p' "$f" | sed "s|^|$f:|" | sort >"$tmp/want"
		timeout 10 "$ANNEALC" check "$f" >/dev/null 2>"$tmp/out"
		rc=$?
		grep -E ': (error|note): ' "$tmp/out" | grep -v '^annealc' | sort >"$tmp/got"
		if [ $rc -ne 1 ]; then
			failed "$name" "expected exit status 1, got $rc" "$(cat "$tmp/out")"
		elif ! cmp -s "$tmp/want" "$tmp/got"; then
			failed "$name" "expected errors and notes:" "$(cat "$tmp/want")" "actual:" "$(cat "$tmp/got")"
		else
			pass=$((pass + 1))
		fi
		continue
	fi
	if ! grep -q '^# expect:' "$f"; then
		continue
	fi
	args=
	sched=$(sed -n 's/^# schedule: //p' "$f")
	[ -n "$sched" ] && args="--schedule $sched"
	for p in $(sed -n 's/^# param: //p' "$f"); do args="$args --param $p"; done
	last=$(sed -n 's/^# expect: \([0-9]*\) .*/\1/p' "$f" | sort -n | tail -1)
	ok=1
	for mode in --interp -O2; do
		# shellcheck disable=SC2086
		if ! timeout 20 "$ANNEALC" eval "$f" $args $mode --steps $((last + 1)) >"$tmp/csv" 2>"$tmp/err"; then
			failed "$name" "annealc eval $mode failed:" "$(cat "$tmp/err")"
			ok=0
			break
		fi
		sed -n 's/^# expect: //p' "$f" >"$tmp/expect"
		if ! awk -F, -v mode="$mode" '
			NR == FNR { want[NR] = $0; n = NR; next }
			FNR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
			{ row[$1] = $0 }
			END {
				bad = 0
				for (k = 1; k <= n; k++) {
					split(want[k], w, " ")
					if (!(w[2] in col)) { print "  no column " w[2]; bad = 1; continue }
					if (!(w[1] in row)) { print "  no step " w[1]; bad = 1; continue }
					split(row[w[1]], r, ",")
					got = r[col[w[2]]]
					want_v = w[3]
					if (want_v ~ /^[-+]?[0-9.]/ && got ~ /^[-+]?[0-9.]/) {
						d = got - want_v; if (d < 0) d = -d
						s = want_v < 0 ? -want_v : want_v
						okv = d <= 1e-12 * (s > 1e-300 ? s : 1)
					} else {
						okv = got == want_v
					}
					if (!okv) { printf "  %s step %s %s: expected %s, actual %s\n", mode, w[1], w[2], want_v, got; bad = 1 }
				}
				exit bad
			}' "$tmp/expect" "$tmp/csv" >"$tmp/diff"; then
			failed "$name" "$(cat "$tmp/diff")"
			ok=0
			break
		fi
	done
	[ $ok -eq 1 ] && pass=$((pass + 1))
done

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
