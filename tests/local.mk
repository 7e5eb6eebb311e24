# tests/local.mk: Check unit suites (one runner), golden language tests, CLI tests.
# Every test script finds the built annealc and the sources through these.
AM_TESTS_ENVIRONMENT = ANNEALC=$(abs_top_builddir)/annealc; srcdir=$(abs_top_srcdir); \
	SANITIZE_FLAGS='$(SANITIZE_FLAGS)'; export ANNEALC srcdir SANITIZE_FLAGS;

# The unit runner needs Check; without it configure says so and make check
# runs everything else, tests/skipped.sh naming what it left out.
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_anneal
TESTS += tests/unit/check_anneal
endif
tests_unit_check_anneal_SOURCES = \
	tests/unit/runner.c \
	tests/unit/suites.def \
	tests/unit/check_lex.c \
	tests/unit/check_fmt.c \
	tests/unit/check_cycles.c \
	tests/unit/check_random.c \
	tests/unit/ulps.h \
	tests/unit/lib_util.h \
	tests/unit/gen_program.h \
	tests/unit/gen_program.c \
	tests/unit/check_codegen.c \
	tests/unit/check_api.c \
	tests/unit/check_jit.c \
	$(UNIT_RUNTIME_SOURCES)
tests_unit_check_anneal_CPPFLAGS = $(AM_CPPFLAGS) $(GRAMMAR_CPPFLAGS) $(LLVM_CPPFLAGS)
tests_unit_check_anneal_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(OPENMP_CFLAGS)
tests_unit_check_anneal_LDADD = libannealc_core.la libanneal.la $(CHECK_LIBS) $(OPENMP_CFLAGS)

# Golden language tests: every diagnostic and boundary value, stated in the file.
TESTS += tests/golden/run.sh
EXTRA_DIST += tests/golden/run.sh $(GOLDEN_FILES)
GOLDEN_FILES = $(wildcard $(srcdir)/tests/golden/*/*.anneal) $(wildcard $(srcdir)/tests/bad/*.anneal)

# annealc fmt: the layout rules, every schedule file of the project, the command's error paths.
TESTS += tests/fmt/run.sh
EXTRA_DIST += tests/fmt/run.sh $(wildcard $(srcdir)/tests/fmt/*.anneal) $(wildcard $(srcdir)/tests/fmt/*.expected)

# conformance
# tests/conformance: `annealc eval` (JIT and --interp) against tables PyTorch made.
# `make conformance-tables` rewrites the tables; it needs python3-torch.
TESTS += tests/conformance/run.sh
EXTRA_DIST += \
	tests/conformance/README.md \
	tests/conformance/gen_torch.py \
	tests/conformance/run.sh \
	tests/conformance/cosine_annealing.anneal \
	tests/conformance/cosine_annealing.csv \
	tests/conformance/cyclic_exp_range.anneal \
	tests/conformance/cyclic_exp_range.csv \
	tests/conformance/cyclic_triangular.anneal \
	tests/conformance/cyclic_triangular.csv \
	tests/conformance/cyclic_triangular2.anneal \
	tests/conformance/cyclic_triangular2.csv \
	tests/conformance/exponential.anneal \
	tests/conformance/exponential.csv \
	tests/conformance/linear_then_cosine.anneal \
	tests/conformance/linear_then_cosine.csv \
	tests/conformance/multistep.anneal \
	tests/conformance/multistep.csv \
	tests/conformance/onecycle_cos.anneal \
	tests/conformance/onecycle_cos.csv \
	tests/conformance/onecycle_linear.anneal \
	tests/conformance/onecycle_linear.csv \
	tests/conformance/polynomial.anneal \
	tests/conformance/polynomial.csv \
	tests/conformance/step.anneal \
	tests/conformance/step.csv \
	tests/conformance/warm_restarts_far.anneal \
	tests/conformance/warm_restarts_far.csv \
	tests/conformance/warm_restarts_mult1.anneal \
	tests/conformance/warm_restarts_mult1.csv \
	tests/conformance/warm_restarts_mult2.anneal \
	tests/conformance/warm_restarts_mult2.csv \
	tests/conformance/warm_restarts_mult3_t1.anneal \
	tests/conformance/warm_restarts_mult3_t1.csv \
	tests/conformance/warm_restarts_mult3_t10.anneal \
	tests/conformance/warm_restarts_mult3_t10.csv

conformance-tables:
	$(PYTHON_TORCH) $(srcdir)/tests/conformance/gen_torch.py --outdir $(srcdir)/tests/conformance
.PHONY: conformance-tables

# aot
# tests/aot: `annealc compile` to an object and header, linked into a C host with no LLVM library,
# against `annealc eval --interp` on every channel, phase, cycle and event.
TESTS += tests/aot/run.sh tests/aot/names.sh
EXTRA_DIST += tests/aot/run.sh tests/aot/names.sh tests/aot/host.c tests/aot/aot_host.h tests/aot/aot.anneal
AM_TESTS_ENVIRONMENT += CC='$(CC)'; LLVM_CONFIG='$(LLVM_CONFIG)'; export CC LLVM_CONFIG;

# The command line: every command, flag and exit status.
TESTS += tests/cli.sh
EXTRA_DIST += tests/cli.sh

# plot and analyze
# tests/plot: `annealc plot` SVGs rendered to PNG by rsvg-convert, curve pixels checked where the
# values say; the terminal view; every error. tests/analyze: golden reports, one per finding.
TESTS += tests/plot/run.sh tests/analyze/run.sh
EXTRA_DIST += \
	tests/plot/run.sh \
	tests/plot/pngcheck.py \
	tests/plot/term.expected \
	tests/plot/restarts.anneal \
	tests/plot/linear.anneal \
	tests/plot/decay.anneal \
	tests/plot/wd_only.anneal \
	tests/plot/nonpositive.anneal \
	tests/analyze/run.sh \
	$(wildcard $(srcdir)/tests/analyze/*.anneal) \
	$(wildcard $(srcdir)/tests/analyze/*.expected) \
	doc/sgdr.svg

# tests/peers: examples/peers against each library's values at boundary steps.
# `make peers-tables` rewrites the tables; it needs python3-torch for PyTorch's.
TESTS += tests/peers/run.sh
EXTRA_DIST += \
	tests/peers/run.sh \
	tests/peers/check.py \
	tests/peers/gen_reference.py \
	tests/peers/pytorch.csv \
	tests/peers/optax.csv \
	tests/peers/keras.csv \
	tests/peers/timm.csv \
	tests/peers/huggingface.csv \
	tests/peers/deepspeed.csv \
	tests/peers/llmc.csv \
	tests/peers/allennlp.csv \
	tests/peers/composer.csv

peers-tables:
	$(PYTHON_TORCH) $(srcdir)/tests/peers/gen_reference.py --outdir $(srcdir)/tests/peers
.PHONY: peers-tables

# The AOT differential test over random programs.
check_PROGRAMS += tests/unit/gen_anneal
tests_unit_gen_anneal_SOURCES = tests/unit/gen_anneal.c tests/unit/gen_program.c tests/unit/gen_program.h
TESTS += tests/aot/random.sh
EXTRA_DIST += tests/aot/random.sh

# The runtime's suites under valgrind (memcheck).
if HAVE_CHECK
TESTS += tests/valgrind.sh
endif
EXTRA_DIST += tests/valgrind.sh

# Checkpoints under faults: kill -9 mid-save, a full disk, a read-only directory.
check_PROGRAMS += tests/unit/ckpt_fault
tests_unit_ckpt_fault_SOURCES = tests/unit/ckpt_fault.c
tests_unit_ckpt_fault_LDADD = libanneal.la
TESTS += tests/faults.sh
EXTRA_DIST += tests/faults.sh

# Every command on the largest input at each documented limit (doc/language.md, Limits).
TESTS += tests/limits.sh
EXTRA_DIST += tests/limits.sh

# install
# make install DESTDIR= into a temporary root, then a JIT host and an AOT host
# built from the installed headers, .pc files and libraries alone.
TESTS += tests/install.sh
EXTRA_DIST += \
	tests/install.sh \
	tests/install/install.anneal \
	tests/install/train.h \
	tests/install/train.c \
	tests/install/jit_host.c \
	tests/install/aot_host.c
AM_TESTS_ENVIRONMENT += MAKE='$(MAKE)'; PKG_CONFIG='$(PKG_CONFIG)'; prefix='$(prefix)'; \
	bindir='$(bindir)'; libdir='$(libdir)'; pkgconfigdir='$(pkgconfigdir)'; docdir='$(docdir)'; \
	mandir='$(mandir)'; pkgincludedir='$(pkgincludedir)'; \
	export MAKE PKG_CONFIG prefix bindir libdir pkgconfigdir docdir mandir pkgincludedir;

# What this configuration leaves out (no Check, no zlib or OpenBLAS), named
# in the test log, in the summary of make check and by configure.
EXTRA_DIST += tests/skipped.sh
if SKIPPING
TESTS += tests/skipped.sh
AM_TESTS_ENVIRONMENT += ANNEAL_SKIPPED='$(SKIPPED_TESTS)'; export ANNEAL_SKIPPED;
check-local: check-TESTS
	@echo "$(SKIPPED_TESTS)" | tr '|' '\n' | sed 's/^/make check skipped /'
endif
