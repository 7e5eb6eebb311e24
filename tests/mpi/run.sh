#!/bin/sh
# run.sh: libanneal_mpi under mpirun with 1, 2 and 3 ranks -- agreement, failures, the resharding matrix, kills during saves.
#   MPIRUN=mpirun tests/mpi/run.sh      (make check sets MPIRUN; skipped without Open MPI)
prog=./tests/mpi/mpi_test
if [ -z "$MPIRUN" ] || [ ! -x "$prog" ]; then
	echo "run.sh: Open MPI (mpirun and libopenmpi-dev) not found: libanneal_mpi was not built: skipped"
	exit 77
fi
srcdir=${srcdir:-.}
tmp=$(mktemp -d) || exit 1
trap 'pkill -9 -f "mpi_test saveloop $tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
. "$srcdir/tests/mpi/env.sh"
pass=0
fail=0
ok() { pass=$((pass + 1)); }
no() { echo "FAIL: $*"; fail=$((fail + 1)); }

# run NP ARGS...: one job of mpi_test, its report lines printed.
run() {
	np=$1
	shift
	mpi_run 120 -np "$np" "$prog" "$@" >"$tmp/out" 2>&1
	st=$?
	grep -E "FAIL|passed|resumed|refused|state per rank|parameters [0-9a-f]" "$tmp/out"
	return $st
}

for np in 1 2 3; do
	for s in agree rounding stop mismatch; do
		if run $np $s; then ok; else no "$s on $np ranks (exit $st): $(tail -3 "$tmp/out")"; fi
	done
done

# A model smaller than the ranks' blocks (empty shares), kept snapshots.
for np in 1 2 3; do
	mkdir -p "$tmp/tiny$np"
	if run $np tiny "$tmp/tiny$np"; then ok; else no "tiny on $np ranks: $(tail -3 "$tmp/out")"; fi
done

# Two runs of the same job are the same, bit for bit (sums whose rounding
# depends on their order included).
run 3 rounding && grep '^rounding: parameters' "$tmp/out" >"$tmp/first"
run 3 rounding && grep '^rounding: parameters' "$tmp/out" >"$tmp/second"
if [ -s "$tmp/first" ] && cmp -s "$tmp/first" "$tmp/second"; then ok; else no "two runs differ: $(cat "$tmp/first" "$tmp/second")"; fi

# Resharding: saved by N ranks in either mode, resumed by M in either mode,
# each bit for bit the uninterrupted run of one process.
for saved in "2 sharded" "3 sharded" "1 sharded" "2 replicated"; do
	set -- $saved
	dir=$tmp/ck-$1-$2
	mkdir -p "$dir"
	if run "$1" save "$dir" "$2" 13; then ok; else no "save on $1 ranks ($2): $(tail -3 "$tmp/out")"; fi
	for to in "1 replicated" "1 sharded" "2 sharded" "3 sharded" "3 replicated"; do
		set -- $to
		if run "$1" resume "$dir" "$2" 30; then ok; else no "resume of $saved on $1 ranks ($2): $(tail -3 "$tmp/out")"; fi
	done
done
# A second save into the same directory: the next generation, the previous one's files gone.
dir=$tmp/ck-2-sharded
if run 2 save "$dir" sharded 21 && grep -q '^generation 2$' "$dir/manifest" && [ ! -e "$dir/shard-1-0.ck" ] &&
	[ -e "$dir/shard-2-1.ck" ]; then ok; else no "a second save: $(ls "$dir" | tr '\n' ' ')"; fi
if run 3 resume "$dir" sharded 30 && grep -q "resumed at step 21" "$tmp/out"; then ok; else no "resume of generation 2"; fi

# Killed during saves: kill -9 of one rank, or of every rank at once, at
# moments spread over the save loop; the directory still loads, and the
# run it holds is the uninterrupted one up to its step.
i=0
for delay in 0.3 0.55 0.8 1.05 1.3 0.45 0.7 0.95; do
	i=$((i + 1))
	dir=$tmp/kill
	mkdir -p "$dir"
	mpi_run 120 -np 2 "$prog" saveloop "$dir" sharded >"$tmp/loop" 2>&1 &
	job=$!
	sleep "$delay"
	if [ $((i % 2)) -eq 1 ]; then
		pkill -9 -n -f "mpi_test saveloop $dir"   # the newest rank
	else
		pkill -9 -f "mpi_test saveloop $dir"      # every rank
	fi
	wait $job
	pkill -9 -f "mpi_test saveloop $dir" 2>/dev/null
	if [ ! -e "$dir/manifest" ]; then
		ok # killed before the first save completed: nothing to load, nothing lost
		continue
	fi
	if run 3 resume "$dir" sharded 0; then ok; else no "after kill $i (${delay}s): $(tail -3 "$tmp/out")"; fi
done

# A rank that dies: the job ends (through mpirun), it does not hang.
start=$(date +%s)
mpi_run 60 -np 2 "$prog" die >"$tmp/die" 2>&1
st=$?
if [ $st -ne 0 ] && [ $st -ne 124 ]; then ok; else no "a dead rank: exit $st after $(($(date +%s) - start)) s"; fi

# Bad checkpoints: a clear message, and nothing changed (mpi_test badload checks both).
good=$tmp/ck-2-sharded
bad=$tmp/bad
badload() {
	want=$1
	if run 2 badload "$bad" "$want"; then ok; else no "bad checkpoint ($want): $(tail -3 "$tmp/out")"; fi
}
mkdir -p "$bad"
badload "cannot open $bad/manifest: No such file or directory"
cp "$good"/* "$bad"/
sed 's/^world 2$/world 3/' "$good/manifest" >"$bad/manifest"
badload "$bad/manifest: checksum mismatch: the manifest is damaged"
echo "not a manifest" >"$bad/manifest"
badload "$bad/manifest: not an anneal_mpi manifest"
head -c 100 "$good/manifest" >"$bad/manifest"
badload "$bad/manifest: no checksum line at the end"
cp "$good/manifest" "$bad/manifest"
head -c 2000 "$good/shard-2-1.ck" >"$bad/shard-2-1.ck"
badload "$bad/shard-2-1.ck is not the file the manifest names (size or checksum differs)"
rm "$bad/shard-2-1.ck"
badload "cannot read $bad/shard-2-1.ck: No such file or directory"

echo "mpi: $pass passed, $fail failed"
[ $fail -eq 0 ]
