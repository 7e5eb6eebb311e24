# mpi/local.mk: libanneal_mpi, data-parallel training over MPI (replicated or ZeRO-1 sharded state), and its tests.
#
# Built when configure finds Open MPI (pkg-config ompi-c); libanneal stays
# free of MPI. The tests run tests/mpi/mpi_test under mpirun with 1, 2 and
# 3 ranks (oversubscribed on a 2-core machine).
MPI_SOURCES = \
	mpi/anneal_mpi_int.h \
	mpi/setup.c \
	mpi/step.c \
	mpi/ring.c \
	mpi/gather.c \
	mpi/ckpt.c
EXTRA_DIST += include/anneal/anneal_mpi.h $(MPI_SOURCES) tests/mpi/run.sh tests/mpi/env.sh tests/mpi/mpi_test.c

if HAVE_MPI
lib_LTLIBRARIES += libanneal_mpi.la
pkginclude_HEADERS += include/anneal/anneal_mpi.h
libanneal_mpi_la_SOURCES = $(MPI_SOURCES)
libanneal_mpi_la_CFLAGS = $(AM_CFLAGS) $(MPI_CFLAGS)
libanneal_mpi_la_LIBADD = libanneal.la $(MPI_LIBS)
libanneal_mpi_la_LDFLAGS = -export-symbols-regex '^anneal_mpi_' -version-info 0:0:0

check_PROGRAMS += tests/mpi/mpi_test
tests_mpi_mpi_test_SOURCES = tests/mpi/mpi_test.c
tests_mpi_mpi_test_CFLAGS = $(AM_CFLAGS) $(MPI_CFLAGS)
tests_mpi_mpi_test_LDADD = libanneal_mpi.la libanneal.la $(MPI_LIBS) -lm
endif

TESTS += tests/mpi/run.sh
AM_TESTS_ENVIRONMENT += MPIRUN='$(MPIRUN)'; export MPIRUN;

if HAVE_MPI
pkgconfig_DATA += anneal_mpi.pc
endif
