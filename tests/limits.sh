#!/bin/sh
# limits.sh: the largest input at each documented limit goes through every annealc command, and one
# past each limit is refused with the limit's message (bench/limits.py --check, which also prints
# each command's time and peak memory against the 10 s and 1 GB budget: measured, not asserted).
if [ -z "$PYTHON" ]; then
	echo "limits.sh: no Python 3 (configure found none) to build the inputs: skipped"
	exit 77
fi
# Peak memory is bounded too, but not under AddressSanitizer: its shadow memory and quarantine would count.
rss=--rss-bound
case "$SANITIZE_FLAGS" in *sanitize=address*) rss= ;; esac
exec "$PYTHON" "$srcdir/bench/limits.py" --check --annealc "$ANNEALC" $rss
