# examples/fashion/local.mk: an MLP on Fashion-MNIST under JIT-compiled schedules (needs OpenBLAS and zlib).
# Without either, configure leaves it out and make check says so (tests/skipped.sh).
if BUILD_FASHION
noinst_PROGRAMS += examples/fashion/fashion
TESTS += examples/fashion/test.sh
endif
examples_fashion_fashion_SOURCES = \
	examples/fashion/fashion.h \
	examples/fashion/fashion.c \
	examples/fashion/dist.h \
	examples/fashion/dist.c \
	examples/fashion/data.c \
	examples/fashion/mlp.c
# With Open MPI, --mpi trains data-parallel through libanneal_mpi (dist.c).
if HAVE_MPI
FASHION_MPI_CFLAGS = -DFASHION_MPI $(MPI_CFLAGS)
FASHION_MPI_LIBS = libanneal_mpi.la $(MPI_LIBS)
endif
examples_fashion_fashion_CFLAGS = $(AM_CFLAGS) $(ZLIB_CFLAGS) $(FASHION_MPI_CFLAGS)
examples_fashion_fashion_LDADD = $(FASHION_MPI_LIBS) libanneal.la libannealc.la $(ZLIB_LIBS) $(BLAS_LIBS) -lm
FASHION_SCHEDULES = \
	examples/fashion/step.anneal \
	examples/fashion/cosine.anneal \
	examples/fashion/sgdr.anneal \
	examples/fashion/sgdr_noreset.anneal \
	examples/fashion/swa.anneal
EXTRA_DIST += $(FASHION_SCHEDULES) examples/fashion/README.md examples/fashion/test.sh \
	examples/fashion/compare.sh
EXAMPLE_DOCS += $(examples_fashion_fashion_SOURCES) $(FASHION_SCHEDULES) examples/fashion/README.md \
	examples/fashion/compare.sh
