# examples/torch/local.mk: a PyTorch MLP on Fashion-MNIST under an Anneal schedule, through the anneal Python package.
# Nothing to build: train.py runs on the package python/local.mk builds, and
# test.sh (which needs PYTHON and ANNEAL_PYTHONPATH from python/local.mk)
# skips without the package, torch or the data set.
TORCH_EXAMPLE = examples/torch/train.py examples/torch/sgdr.anneal examples/torch/README.md
TESTS += examples/torch/test.sh
EXTRA_DIST += $(TORCH_EXAMPLE) examples/torch/test.sh
EXAMPLE_DOCS += $(TORCH_EXAMPLE)
