# runtime/local.mk: libanneal, the optimizer runtime (no LLVM), and its tests.
lib_LTLIBRARIES += libanneal.la
pkginclude_HEADERS += include/anneal/anneal.h
libanneal_la_SOURCES = \
	runtime/anneal_int.h \
	runtime/optim.c \
	runtime/kernels.c \
	runtime/hooks.c
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
	tests/unit/check_runtime_torch.c

# The torch.optim trajectories the conformance suite replays, and their generator.
RUNTIME_TABLES = \
	tests/runtime/sgd_plain.tbl tests/runtime/sgd_wd.tbl tests/runtime/sgd_mom.tbl \
	tests/runtime/sgd_mom_const.tbl tests/runtime/sgd_damp_wd.tbl tests/runtime/sgd_nesterov_wd.tbl \
	tests/runtime/adam_sched.tbl tests/runtime/adam_sched_wd.tbl tests/runtime/adam_product.tbl \
	tests/runtime/adam_product_wd.tbl tests/runtime/adamw_sched.tbl tests/runtime/adamw_product.tbl \
	tests/runtime/rms_plain.tbl tests/runtime/rms_centered.tbl tests/runtime/rms_mom.tbl \
	tests/runtime/rms_centered_mom_wd.tbl
EXTRA_DIST += tests/runtime/gen_torch.py $(RUNTIME_TABLES)

# Regenerate the tables with Debian's python3-torch (not part of make check).
runtime-tables:
	$(PYTHON_TORCH) $(srcdir)/tests/runtime/gen_torch.py $(srcdir)/tests/runtime
.PHONY: runtime-tables
