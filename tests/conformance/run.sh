#!/bin/sh
# run.sh: checks `annealc eval` on each tests/conformance/<case>.anneal against PyTorch's table.
#
# Usage: [ANNEALC=path/annealc] [srcdir=top/srcdir] run.sh [CASE...]
# For each case (default: every <case>.anneal with a <case>.csv beside it) the
# schedule is evaluated over the table's steps (from 0, or from the step the
# table starts at), through the JIT (annealc's default path) and through the
# interpreter (--interp). Every column of the table is compared with annealc's
# column of the same name: |annealc - torch| <= 1e-12 * peak, where peak is
# the largest |torch| of the column. A table column `restart` (1 where PyTorch
# restarted) is compared with the `restart` event in annealc's `events` column.
# Prints one line per case, then "N passed, N failed"; exits 1 if any failed.

: "${ANNEALC:=./annealc}"
if [ -n "$srcdir" ] && [ -d "$srcdir/tests/conformance" ]; then
	dir=$srcdir/tests/conformance
else
	dir=$(dirname "$0")
fi
tol=1e-12

tmp=$(mktemp -d "${TMPDIR:-/tmp}/conformance.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# compare TORCH.csv ANNEAL.csv: prints "lr 1.2e-16 momentum 0.0e+00" (worst
# |difference| / peak per column) and succeeds, or prints what is wrong and fails.
compare() {
	awk -F, -v tol="$tol" '
	function isnum(s) {
		return s ~ /^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/
	}
	function abs(x) { return x < 0 ? -x : x }
	function has_event(field, ev,   n, i, part) {
		n = split(field, part, "+")
		for (i = 1; i <= n; i++)
			if (part[i] == ev)
				return 1
		return 0
	}
	FNR == 1 && NR == 1 {
		ncol = NF
		for (i = 1; i <= NF; i++) name[i] = $i
		next
	}
	NR == FNR {
		nrow++
		for (i = 1; i <= ncol; i++) {
			want[nrow, i] = $i + 0
			if (abs($i + 0) > peak[i]) peak[i] = abs($i + 0)
		}
		next
	}
	FNR == 1 {
		for (i = 1; i <= NF; i++) col[$i] = i
		for (i = 1; i <= ncol; i++) {
			from = name[i] == "restart" ? "events" : name[i]
			if (!(from in col)) {
				printf "no column \"%s\" in annealc output (header: %s)", from, $0
				bad = 1
				exit 1
			}
			src[i] = col[from]
		}
		next
	}
	{
		r = FNR - 1
		if (r > nrow) {
			printf "annealc printed more rows than the %d asked for", nrow
			bad = 1
			exit 1
		}
		for (i = 1; i <= ncol; i++) {
			got = $(src[i])
			if (name[i] == "restart")
				got = has_event(got, "restart")
			else if (!isnum(got)) {
				printf "row %d: %s is \"%s\", not a number", r, name[i], got
				bad = 1
				exit 1
			}
			err = abs(got - want[r, i])
			if (i == 1 && err != 0) {
				printf "row %d: step is %s, expected %d", r, got, want[r, i]
				bad = 1
				exit 1
			}
			if (peak[i] > 0) err /= peak[i]
			if (err > worst[i]) worst[i] = err
			if (err > tol) {
				nbad[i]++
				if (nbad[i] == 1) {
					first[i] = sprintf("step %d: expected %.17g, got %s (%.2e of the peak)", \
						want[r, 1], want[r, i], got, err)
				}
			}
		}
		seen = r
	}
	END {
		if (bad) exit 1
		if (seen != nrow) {
			printf "annealc printed %d rows, the table has %d", seen, nrow
			exit 1
		}
		out = ""
		why = ""
		for (i = 2; i <= ncol; i++) {
			if (nbad[i])
				why = why sprintf("%s%s differs at %d of %d steps, first at %s", \
					why != "" ? "; " : "", name[i], nbad[i], nrow, first[i])
			out = out sprintf("%s%s %.1e", i > 2 ? " " : "", name[i], worst[i])
		}
		if (why != "") {
			printf "%s", why
			exit 1
		}
		printf "%s", out
	}' "$1" "$2"
}

# check CASE MODE [FLAG]: evaluates CASE through MODE and compares; sets $msg.
# A table whose first step is not 0 is a window, evaluated with --range.
check() {
	rows=$(($(wc -l <"$dir/$1.csv") - 1))
	first=$(sed -n '2s/,.*//p' "$dir/$1.csv")
	span="--steps $rows"
	[ "$first" != 0 ] && span="--range $first:$((first + rows))"
	# shellcheck disable=SC2086 # $span is two words and $3 may be empty
	if ! "$ANNEALC" eval "$dir/$1.anneal" $span --format csv $3 \
		>"$tmp/out.csv" 2>"$tmp/err"; then
		msg="$2: annealc failed: $(head -n 3 "$tmp/err" | tr '\n' ' ')"
		return 1
	fi
	res=$(compare "$dir/$1.csv" "$tmp/out.csv")
	st=$?
	msg="$2: $res"
	return $st
}

if [ $# -gt 0 ]; then
	cases=$*
else
	cases=
	for f in "$dir"/*.anneal; do
		c=$(basename "$f" .anneal)
		[ -f "$dir/$c.csv" ] && cases="$cases $c"
	done
fi
if [ -z "$cases" ]; then
	echo "run.sh: no conformance cases in $dir" >&2
	exit 99
fi

passed=0
failed=0
for c in $cases; do
	ok=1
	line=
	for mode in jit interp; do
		flag=
		[ "$mode" = interp ] && flag=--interp
		check "$c" "$mode" $flag || ok=0
		line="$line  $msg"
	done
	if [ $ok = 1 ]; then
		passed=$((passed + 1))
		printf 'PASS %-24s%s\n' "$c" "$line"
	else
		failed=$((failed + 1))
		printf 'FAIL %-24s%s\n' "$c" "$line"
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
