# examples/quartic/local.mk: noisy SGD on a double well under JIT-compiled schedules
# (include it from examples/local.mk).
noinst_PROGRAMS += examples/quartic/quartic
examples_quartic_quartic_SOURCES = examples/quartic/quartic.c
examples_quartic_quartic_LDADD = libanneal.la libannealc.la -lm
TESTS += examples/quartic/test.sh
EXTRA_DIST += examples/quartic/schedules.anneal examples/quartic/README.md examples/quartic/test.sh
EXAMPLE_DOCS += examples/quartic/quartic.c examples/quartic/schedules.anneal examples/quartic/README.md
