#!/bin/sh
# run.sh: examples/peers against each library's reference values at boundary steps (tables made by
# gen_reference.py: PyTorch's from torch itself, the others from their documented formulas).
ANNEALC=${ANNEALC:-./annealc}
srcdir=${srcdir:-.}
PYTHON=${PYTHON:-/usr/bin/python3}
exec "$PYTHON" "$srcdir/tests/peers/check.py" "$ANNEALC" "$srcdir" "$@"
