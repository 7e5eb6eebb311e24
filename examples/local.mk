# examples/local.mk: example schedules and programs.
EXAMPLE_SCHEDULES = examples/sgdr.anneal
EXTRA_DIST += $(EXAMPLE_SCHEDULES) scripts/setup-build-run.sh .ci/run

# make install puts the schedules and the programs' sources (each local.mk
# adds its own to EXAMPLE_DOCS) under $(docdir)/examples, paths kept.
EXAMPLE_DOCS =
exampledir = $(docdir)
nobase_dist_example_DATA = $(EXAMPLE_SCHEDULES) $(EXAMPLE_DOCS)

# Every example schedule must check and evaluate.
TESTS += tests/examples.sh
EXTRA_DIST += tests/examples.sh

# examples
# The programs: a Fashion-MNIST MLP under JIT-loaded schedules, a PyTorch
# one through the anneal package, and a host linked with an AOT-compiled
# schedule.  Their tests run them on tiny budgets.
include $(srcdir)/examples/fashion/local.mk
include $(srcdir)/examples/torch/local.mk
include $(srcdir)/examples/aot/local.mk
include $(srcdir)/examples/quartic/local.mk

# peers: every peer library's schedules in Anneal (tests/peers checks their values).
EXAMPLE_SCHEDULES += \
	examples/peers/pytorch.anneal \
	examples/peers/optax.anneal \
	examples/peers/keras.anneal \
	examples/peers/timm.anneal \
	examples/peers/huggingface.anneal \
	examples/peers/deepspeed.anneal \
	examples/peers/llmc.anneal \
	examples/peers/allennlp.anneal \
	examples/peers/composer.anneal
