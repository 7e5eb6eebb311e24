#!/bin/sh
# test.sh: the quartic example runs every schedule of its file and accounts for every seed.
out=$(./examples/quartic/quartic --seeds 500 "${srcdir:-.}/examples/quartic/schedules.anneal") || exit 1
echo "$out"
rows=$(echo "$out" | awk '!/^#/ && $1 != "schedule"' | wc -l)
[ "$rows" -eq 3 ] || { echo "expected 3 schedules, got $rows"; exit 1; }
# deep + shallow + diverged must cover all 500 seeds on every row
echo "$out" | awk '!/^#/ && $1 != "schedule" {
	d = $3; s = $4; sub(/%/, "", d); sub(/%/, "", s)
	if (d + s + 100 * $6 / 500 < 99.99 || d + s + 100 * $6 / 500 > 100.01) { print "row " $1 " does not add up"; bad = 1 }
} END { exit bad }'
