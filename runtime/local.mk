# runtime/local.mk: libanneal, the optimizer runtime (no LLVM), and its tests.
lib_LTLIBRARIES += libanneal.la
pkginclude_HEADERS += include/anneal/anneal.h
libanneal_la_SOURCES = \
	runtime/anneal_int.h \
	include/anneal/channels.def \
	include/anneal/events.def \
	include/anneal/actions.def \
	runtime/config_fields.def \
	runtime/plateau_fields.def \
	runtime/ckpt_fields.def \
	runtime/ckpt_arrays.def \
	runtime/config.c \
	runtime/desc.c \
	runtime/optim.c \
	runtime/kernels.c \
	runtime/hooks.c \
	runtime/checkpoint.c \
	runtime/ckpt_load.c \
	runtime/adopt.c \
	runtime/plateau.c
# -ffp-contract=off: no fused multiply-add, so the vector and scalar paths of
# a kernel round alike and results do not depend on the thread split.
# -fvect-cost-model=dynamic: -O2's very-cheap model refuses any loop that
# needs a scalar tail or an aliasing check, which is every kernel here.
libanneal_la_CFLAGS = $(AM_CFLAGS) $(OPENMP_CFLAGS) -ffp-contract=off -ftree-vectorize -fvect-cost-model=dynamic
libanneal_la_LIBADD = -lm
libanneal_la_LDFLAGS = $(OPENMP_CFLAGS) -export-symbols-regex '^anneal_' -version-info 0:0:0

# Check suites of the runtime, compiled into the one unit-test runner.
UNIT_RUNTIME_SOURCES = \
	tests/unit/check_runtime.h \
	tests/unit/check_runtime.c \
	tests/unit/check_runtime_torch.c \
	tests/unit/check_runtime_nan.c \
	tests/unit/check_runtime_ckpt.c \
	tests/unit/check_runtime_jit.c \
	tests/unit/check_runtime_api.c \
	tests/unit/check_runtime_crafted.c

# The torch.optim trajectories the conformance suite replays (tables.txt lists
# them), and their generator: the whole directory goes into the tarball.
EXTRA_DIST += tests/runtime

# Regenerate the tables with Debian's python3-torch (not part of make check).
runtime-tables:
	$(PYTHON_TORCH) $(srcdir)/tests/runtime/gen_torch.py $(srcdir)/tests/runtime
.PHONY: runtime-tables
