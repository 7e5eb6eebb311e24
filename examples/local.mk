# examples/local.mk: example schedules and programs.
EXAMPLE_SCHEDULES = examples/sgdr.anneal
EXTRA_DIST += $(EXAMPLE_SCHEDULES) scripts/setup-build-run.sh .ci/run

# Every example schedule must check and evaluate.
TESTS += tests/examples.sh
EXTRA_DIST += tests/examples.sh
