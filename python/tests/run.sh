#!/bin/sh
# run.sh: the anneal Python package's pytest suite against the build tree; exit 77 (skipped) without Python.
#   PYTHON=/usr/bin/python3 ANNEAL_PYTHONPATH=BUILDDIR/python/build srcdir=SRCDIR python/tests/run.sh [PYTEST ARGS]
# make check sets all three. pytest's own output follows, ending in its summary line.
if [ -z "$PYTHON" ]; then
	echo "run.sh: configure found no Python 3 with headers; the anneal package was not built: skipped"
	exit 77
fi
: "${srcdir:=$(dirname "$0")/../..}"
if [ -z "$ANNEAL_PYTHONPATH" ] || [ ! -d "$ANNEAL_PYTHONPATH/anneal" ]; then
	echo "run.sh: no built package at ANNEAL_PYTHONPATH='$ANNEAL_PYTHONPATH' (run make first)" >&2
	exit 99
fi
case "$SANITIZE_FLAGS" in
*-fsanitize=*)
	# An instrumented extension needs the sanitizer's runtime loaded before
	# Python itself, and torch's own libraries then drown the report: the
	# C under it is what the sanitizer build tests, the plain build runs these.
	echo "run.sh: a sanitizer build ($SANITIZE_FLAGS): the Python suite runs in the plain build: skipped"
	exit 77 ;;
esac
if ! "$PYTHON" -c 'import pytest' 2>/dev/null; then
	echo "run.sh: $PYTHON has no pytest (Debian: apt-get install python3-pytest): skipped"
	exit 77
fi
# Nothing is written beside the sources or into the build tree: distcheck's
# srcdir is read-only and distclean must leave no files behind.
PYTHONPATH=$ANNEAL_PYTHONPATH${PYTHONPATH:+:$PYTHONPATH}
PYTHONDONTWRITEBYTECODE=1
ANNEAL_SRCDIR=$srcdir
MPLBACKEND=Agg
export PYTHONPATH PYTHONDONTWRITEBYTECODE ANNEAL_SRCDIR MPLBACKEND
"$PYTHON" -m pytest -q -p no:cacheprovider --rootdir="$srcdir/python/tests" "$srcdir/python/tests" "$@"
st=$?
case $st in
0) exit 0 ;;
1) exit 1 ;;
*) echo "run.sh: pytest exited with status $st" >&2; exit 99 ;;
esac
