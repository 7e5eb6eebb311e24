#!/bin/sh
# test.sh: the Fashion-MNIST example trains on a tiny budget, is deterministic, and fails clearly on bad input.
srcdir=${srcdir:-.}
data=${FASHION_DATA:-/usr/share/datasets/fashion-mnist}
prog=./examples/fashion/fashion
dir=$srcdir/examples/fashion
if [ ! -f "$data/train-images-idx3-ubyte.gz" ]; then
	echo "SKIP: no Fashion-MNIST under $data (Debian: apt-get install dataset-fashion-mnist)"
	exit 77
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
no() { echo "FAIL: $*"; fail=1; }

# Two epochs of 2,000 images (16 steps each) with one-epoch SGDR cycles: one
# restart, so one snapshot and one SWA fold besides the final weights.
run() {
	"$prog" --data "$data" --schedule "$dir/sgdr.anneal" --param cycle_epochs=1 --epochs 2 --subset 2000 \
		--seed 7 --log "$tmp/$1.csv" >"$tmp/$1.out" 2>"$tmp/$1.err"
}
run a || no "sgdr run exited $?: $(cat "$tmp/a.err")"
cat "$tmp/a.out"
[ "$(head -1 "$tmp/a.csv")" = "step,lr,momentum,loss,accuracy" ] || no "log header: $(head -1 "$tmp/a.csv")"
[ "$(wc -l <"$tmp/a.csv")" -eq 33 ] || no "log: expected 32 steps, got $(($(wc -l <"$tmp/a.csv") - 1))"
# the log's lr column is the schedule's: cosine from 0.05, restarting at step 16
awk -F, 'NR == 2 && $2 != 0.05 { exit 1 } NR == 18 && $2 != 0.05 { exit 1 } NR == 17 && $2 >= 0.001 { exit 1 }' \
	"$tmp/a.csv" || no "lr column does not follow sgdr.anneal: $(sed -n '2p;17p;18p' "$tmp/a.csv" | tr '\n' ' ')"
grep -q '^snapshot 1: before step 16: ' "$tmp/a.out" || no "no snapshot at the restart (step 16)"
grep -q '^snapshot ensemble (2 models' "$tmp/a.out" || no "ensemble of 2 models missing"
grep -q '^SWA (1 folds' "$tmp/a.out" || no "SWA of 1 fold missing"
# a network that learns: well above chance (10%) after 32 steps
awk '/^final model:/ { sub(/%/, "", $4); ok = $4 > 50 } END { exit !ok }' "$tmp/a.out" ||
	no "final accuracy not above 50%"
run b || no "second run exited $?"
cmp -s "$tmp/a.csv" "$tmp/b.csv" || no "two runs with the same seed differ"

# errors: a bad data path and usage are exit 2; a bad schedule, with its diagnostics, or
# a value the optimizer refuses exit 1
"$prog" --data "$tmp/none" --schedule "$dir/cosine.anneal" >/dev/null 2>"$tmp/e1"
[ $? -eq 2 ] && grep -q "none/train-images-idx3-ubyte.gz" "$tmp/e1" || no "bad data path: $(cat "$tmp/e1")"
printf 'schedule bad {\n  lr = cosine(0.1, 0) for 100\n  momentum = 0.9;\n}\n' >"$tmp/bad.anneal"
"$prog" --data "$data" --schedule "$tmp/bad.anneal" >/dev/null 2>"$tmp/e2"
[ $? -eq 1 ] && grep -q "bad.anneal:2:30: error: expected" "$tmp/e2" || no "bad schedule: $(cat "$tmp/e2")"
"$prog" --data "$data" --schedule "$dir/step.anneal" --param peak=-1 --subset 500 >/dev/null 2>"$tmp/e4"
[ $? -eq 1 ] && grep -q "lr" "$tmp/e4" || no "a negative lr should exit 1: $(cat "$tmp/e4")"
"$prog" --data "$data" --schedule "$dir/cosine.anneal" --param nosuch=1 >/dev/null 2>"$tmp/e3"
[ $? -eq 2 ] || no "unknown --param should exit 2"
"$prog" --epochs 2 >/dev/null 2>&1
[ $? -eq 2 ] || no "missing --schedule should exit 2"
"$prog" --schedule "$dir/cosine.anneal" --mpi ring >/dev/null 2>"$tmp/e5"
[ $? -eq 2 ] && grep -q "mpi expects replicated or sharded, got 'ring'" "$tmp/e5" || no "bad --mpi: $(cat "$tmp/e5")"

# Data-parallel (with Open MPI): two ranks, each half of every minibatch, in
# both modes. The two modes agree exactly (the same average, the same
# update); against one process at the same global batch only the gradient
# sums' rounding and the BLAS products' split differ, so the accuracy is
# within noise of it.
if [ -n "$MPIRUN" ] && "$prog" --help | grep -q -- "--mpi" && ! grep -q "no Open MPI" "$tmp/e5"; then
	. "$srcdir/tests/mpi/env.sh"
	data_parallel() {
		mpi_run 300 -np 2 "$prog" --data "$data" --schedule "$dir/sgdr.anneal" --param cycle_epochs=1 \
			--epochs 2 --subset 4000 --seed 7 --mpi "$1" --log "$tmp/$1.csv" >"$tmp/$1.out" 2>"$tmp/$1.err"
	}
	"$prog" --data "$data" --schedule "$dir/sgdr.anneal" --param cycle_epochs=1 --epochs 2 --subset 4000 --seed 7 \
		--log "$tmp/one.csv" >"$tmp/one.out" 2>"$tmp/one.err" || no "one-process run: $(cat "$tmp/one.err")"
	for mode in replicated sharded; do
		data_parallel $mode || no "mpirun -np 2 --mpi $mode exited $?: $(tail -3 "$tmp/$mode.err")"
		grep -q "2 ranks, $mode" "$tmp/$mode.out" || no "--mpi $mode: no '2 ranks, $mode' in the header"
	done
	grep '^final model' "$tmp/replicated.out" "$tmp/sharded.out" "$tmp/one.out"
	cmp -s "$tmp/replicated.csv" "$tmp/sharded.csv" || no "replicated and sharded runs differ"
	grep -q '^SWA (1 folds' "$tmp/sharded.out" || no "sharded: no SWA report (gathered from the shards)"
	acc() { awk '/^final model:/ { sub(/%/, "", $4); print $4 }' "$1"; }
	awk -v a="$(acc "$tmp/one.out")" -v b="$(acc "$tmp/sharded.out")" \
		'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a > 50 && d < 3) }' ||
		no "data-parallel accuracy $(acc "$tmp/sharded.out")% is not within 3 points of one process's $(acc "$tmp/one.out")%"
fi
exit $fail
