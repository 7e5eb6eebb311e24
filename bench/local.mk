# bench/local.mk: benchmark programs (built by `make bench`, never timed in make check).

# runtime
# The optimizer step against a streaming kernel of the same traffic; built
# only by `make bench` (EXTRA_PROGRAMS), run it by hand or by `make bench-runtime`.
EXTRA_PROGRAMS += bench/runtime_step bench/runtime_dispatch
BENCH_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/unit
bench_runtime_step_SOURCES = bench/runtime_step.c
bench_runtime_step_CFLAGS = $(AM_CFLAGS) $(OPENMP_CFLAGS) -ffp-contract=off -ftree-vectorize -fvect-cost-model=dynamic
bench_runtime_step_LDADD = libanneal.la $(OPENMP_CFLAGS) -lm
# The same step with a schedule JIT-compiled from a file (so it links libannealc).
bench_runtime_dispatch_SOURCES = bench/runtime_dispatch.c
bench_runtime_dispatch_CPPFLAGS = $(BENCH_CPPFLAGS)
bench_runtime_dispatch_LDADD = libanneal.la libannealc.la -lm
CLEANFILES += bench/runtime_step$(EXEEXT) bench/runtime_dispatch$(EXEEXT)
bench: bench/runtime_step$(EXEEXT) bench/runtime_dispatch$(EXEEXT)
bench-runtime: bench/runtime_step$(EXEEXT) bench/runtime_dispatch$(EXEEXT) libanneal.la
	OMP_PROC_BIND=spread bench/runtime_step$(EXEEXT)
	bench/runtime_dispatch$(EXEEXT) $(srcdir)/examples/sgdr.anneal
.PHONY: bench bench-runtime

# limits
# Every annealc command on the largest input at each documented limit, its time
# and peak memory against the 10 s and 1 GB budget; run by hand or by `make bench-limits`.
EXTRA_DIST += bench/limits.py
bench-limits: annealc$(EXEEXT)
	$(PYTHON) $(srcdir)/bench/limits.py --annealc ./annealc$(EXEEXT)
.PHONY: bench-limits

# python
# anneal.torch's Scheduler and fused optimizers against torch in the same process,
# over the build-tree package with the Python it is built for (which needs torch);
# run by hand or by `make bench-python`.
EXTRA_DIST += bench/python_optim.py
if HAVE_PYTHON
bench-python: python/anneal/_anneal.la
	OMP_PROC_BIND=spread PYTHONPATH='$(abs_top_builddir)/python/build' $(PYTHON) $(srcdir)/bench/python_optim.py
else
bench-python:
	@echo "bench-python: configure found no Python 3 with headers; the anneal package is not built" >&2; exit 1
endif
.PHONY: bench-python

# codegen
# The JIT's NAME_eval against hand-written C, NAME_fill against a gcc -O3 loop,
# and compile latency; run by hand or by `make bench-codegen` from the build tree.
EXTRA_PROGRAMS += bench/eval_bench bench/fill_bench bench/compile_bench
bench_eval_bench_SOURCES = bench/eval_bench.c
bench_eval_bench_CPPFLAGS = $(BENCH_CPPFLAGS)
bench_eval_bench_LDADD = libannealc.la -lm
bench_fill_bench_SOURCES = bench/fill_bench.c
bench_fill_bench_CPPFLAGS = $(BENCH_CPPFLAGS)
bench_fill_bench_LDADD = libannealc.la -lm
bench_compile_bench_SOURCES = bench/compile_bench.c
bench_compile_bench_CPPFLAGS = $(BENCH_CPPFLAGS)
bench_compile_bench_LDADD = libannealc.la -lm
CLEANFILES += bench/eval_bench$(EXEEXT) bench/fill_bench$(EXEEXT) bench/compile_bench$(EXEEXT)
bench: bench/eval_bench$(EXEEXT) bench/fill_bench$(EXEEXT) bench/compile_bench$(EXEEXT)
bench-codegen: bench/eval_bench$(EXEEXT) bench/fill_bench$(EXEEXT) bench/compile_bench$(EXEEXT)
	bench/eval_bench$(EXEEXT)
	bench/fill_bench$(EXEEXT)
	bench/compile_bench$(EXEEXT) $(srcdir)/examples/sgdr.anneal $(srcdir)/examples/quartic/schedules.anneal \
		$(srcdir)/tests/aot/aot.anneal
.PHONY: bench-codegen

# mpi
# libanneal_mpi's step, sharded against replicated against one process and
# the bare collectives; run by `make bench-mpi` (2 ranks) or under mpirun by hand.
EXTRA_DIST += bench/mpi_step.c
if HAVE_MPI
EXTRA_PROGRAMS += bench/mpi_step
bench_mpi_step_SOURCES = bench/mpi_step.c
bench_mpi_step_CFLAGS = $(AM_CFLAGS) $(MPI_CFLAGS)
bench_mpi_step_LDADD = libanneal_mpi.la libanneal.la $(MPI_LIBS)
CLEANFILES += bench/mpi_step$(EXEEXT)
BENCH_MPI = bench/mpi_step$(EXEEXT)
bench-mpi: bench/mpi_step$(EXEEXT)
	OMP_NUM_THREADS=1 $(MPIRUN) --allow-run-as-root --oversubscribe -np 2 bench/mpi_step$(EXEEXT)
else
BENCH_MPI =
bench-mpi:
	@echo "bench-mpi: configure found no Open MPI; libanneal_mpi is not built" >&2; exit 1
endif
bench: $(BENCH_MPI)
.PHONY: bench-mpi
