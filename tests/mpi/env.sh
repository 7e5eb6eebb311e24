# env.sh: the environment of every mpirun in the tests, sourced by tests/mpi/run.sh and
# examples/fashion/test.sh after they made their temporary directory $tmp (they remove it at exit).
#   . "$srcdir/tests/mpi/env.sh"; mpi_run SECONDS mpirun-arguments...

# Open MPI refuses root without these; oversubscription lets 3 ranks share 2 cores.
OMPI_ALLOW_RUN_AS_ROOT=1
OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
OMPI_MCA_rmaps_base_oversubscribe=1
OMP_NUM_THREADS=1
# A job's session files and shared-memory segments go under $tmp, not /tmp and
# /dev/shm: the tests kill jobs with -9, which leaves both behind, and a later
# job of the same job family would meet a dead job's segment.
mkdir -p "$tmp/ompi"
OMPI_MCA_orte_tmpdir_base=$tmp/ompi
OMPI_MCA_btl_vader_backing_directory=$tmp/ompi
# Under AddressSanitizer: Open MPI never frees much of what it allocates and
# unloads its components before LeakSanitizer reports, so their leaks cannot
# be told from ours by module (suppressions see "<unknown module>"): leak
# reports are off here; every other ASan and UBSan check stays on.
ASAN_OPTIONS=detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}
export OMPI_ALLOW_RUN_AS_ROOT OMPI_ALLOW_RUN_AS_ROOT_CONFIRM OMPI_MCA_rmaps_base_oversubscribe OMP_NUM_THREADS \
	OMPI_MCA_orte_tmpdir_base OMPI_MCA_btl_vader_backing_directory ASAN_OPTIONS

# mpi_run SECONDS ARGS...: mpirun ARGS under a time limit, so that a hang fails
# instead of stalling make check; killed outright if it outlives the limit by
# 10 s (mpirun may not end on SIGTERM alone), and with no stdin (mpirun
# forwards its stdin to rank 0, and a terminal there can keep it waiting).
mpi_run() {
	mpi_limit=$1
	shift
	timeout -k 10 "$mpi_limit" "$MPIRUN" "$@" </dev/null
}
