#!/bin/sh
# test.sh: the PyTorch example trains in its three modes on a tiny budget, the modes agree, a run repeats exactly, bad input fails clearly.
#   PYTHON=/usr/bin/python3 ANNEAL_PYTHONPATH=BUILDDIR/python/build srcdir=SRCDIR examples/torch/test.sh
# make check sets all three; exit 77 (skipped) without the package, torch or the data set.
if [ -z "$PYTHON" ]; then
	echo "SKIP: configure found no Python 3 with headers; the anneal package was not built"
	exit 77
fi
case "$SANITIZE_FLAGS" in
*-fsanitize=*)
	# As python/tests/run.sh: an instrumented extension needs the sanitizer's
	# runtime loaded before Python; the plain build runs this.
	echo "SKIP: a sanitizer build ($SANITIZE_FLAGS): the Python example runs in the plain build"
	exit 77 ;;
esac
srcdir=${srcdir:-.}
data=${FASHION_DATA:-/usr/share/datasets/fashion-mnist}
if [ ! -f "$data/train-images-idx3-ubyte.gz" ]; then
	echo "SKIP: no Fashion-MNIST under $data (Debian: apt-get install dataset-fashion-mnist)"
	exit 77
fi
if ! "$PYTHON" -c 'import torch' 2>/dev/null; then
	echo "SKIP: $PYTHON has no torch (Debian: apt-get install python3-torch)"
	exit 77
fi
PYTHONPATH=$ANNEAL_PYTHONPATH${PYTHONPATH:+:$PYTHONPATH}
PYTHONDONTWRITEBYTECODE=1
export PYTHONPATH PYTHONDONTWRITEBYTECODE
train="$srcdir/examples/torch/train.py"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
no() { echo "FAIL: $*"; fail=1; }

# Four epochs of 2,000 images (20 steps each): a one-epoch warmup, then
# cycles of 1 and 2 epochs, so one restart, at step 40.
run() {
	out=$1
	shift
	"$PYTHON" "$train" --data "$data" --subset 2000 --batch 100 --epochs 4 --param cycle_epochs=1 --seed 7 \
		--log "$tmp/$out.csv" "$@" >"$tmp/$out.out" 2>"$tmp/$out.err"
}
run a --mode all || no "--mode all exited $?: $(cat "$tmp/a.err")"
cat "$tmp/a.out"
grep -q ', steps 80, restarts at: 40$' "$tmp/a.out" || no "the restart is not at step 40: $(head -1 "$tmp/a.out")"
[ "$(head -1 "$tmp/a.csv")" = "mode,step,lr,momentum,loss" ] || no "log header: $(head -1 "$tmp/a.csv")"
[ "$(wc -l <"$tmp/a.csv")" -eq 241 ] || no "log: expected 3 x 80 steps, got $(($(wc -l <"$tmp/a.csv") - 1))"
for mode in scheduler fused torch; do
	# a network that learns: well above chance (10%) after 80 steps
	awk -v m="$mode" '$1 == "final" && $2 == m ":" { sub(/%/, "", $5); ok = $5 > 50 } END { exit !ok }' \
		"$tmp/a.out" || no "$mode: no final test accuracy above 50%"
done
# The scheduler's lr is read from torch.optim.SGD's param group, the fused
# one's from the schedule at libanneal's step: the same numbers, and losses
# that agree to float32 rounding show that libanneal used them. The torch
# mode's lr is torch's own formula (within rounding); its loss matches until
# the restart's update at step 40, which it makes with the velocity kept.
awk -F, '
	NR == 1 { next }
	{ lr[$1, $2] = $3; loss[$1, $2] = $5 }
	function d(a, b) { return a > b ? a - b : b - a }
	END {
		if (lr["scheduler", 0] != 0 || lr["scheduler", 40] != 0.05 || lr["scheduler", 39] >= 0.001)
			{ print "lr at steps 0, 39, 40 does not follow sgdr.anneal: " lr["scheduler", 0] " " \
				lr["scheduler", 39] " " lr["scheduler", 40]; bad = 1 }
		for (s = 0; s < 80; s++) {
			if (lr["fused", s] != lr["scheduler", s])
				{ print "step " s ": fused lr " lr["fused", s] ", scheduler lr " lr["scheduler", s]; bad = 1 }
			if (d(loss["fused", s], loss["scheduler", s]) > 1e-3)
				{ print "step " s ": fused loss " loss["fused", s] ", scheduler loss " loss["scheduler", s]; bad = 1 }
			if (d(lr["torch", s], lr["scheduler", s]) > 1e-12)
				{ print "step " s ": torch lr " lr["torch", s] ", scheduler lr " lr["scheduler", s]; bad = 1 }
			if (s <= 40 && d(loss["torch", s], loss["scheduler", s]) > 1e-5)
				{ print "step " s ": torch loss " loss["torch", s] " before the restart, scheduler loss " \
					loss["scheduler", s]; bad = 1 }
		}
		if (d(loss["torch", 41], loss["scheduler", 41]) < 1e-2)
			{ print "step 41: the reset at the restart changed nothing: " loss["torch", 41] " " \
				loss["scheduler", 41]; bad = 1 }
		exit bad
	}' "$tmp/a.csv" >"$tmp/cmp" || no "the modes' logs disagree: $(head -5 "$tmp/cmp")"
grep -q '^fused  *anneal.torch.SGD .* zeroed  *0  ' "$tmp/a.out" ||
	no "the table's fused row: $(grep '^fused ' "$tmp/a.out")"

run b --mode all || no "second run exited $?"
cmp -s "$tmp/a.csv" "$tmp/b.csv" || no "two runs with the same seed differ"

# errors: bad flags and data and a schedule it cannot drive exit 2; a schedule with errors
# (with its diagnostics), a negative lr and a NaN loss exit 1
"$PYTHON" "$train" --data "$tmp/none" >/dev/null 2>"$tmp/e1"
[ $? -eq 2 ] && grep -q "$tmp/none is not a directory (Debian: apt-get install dataset-fashion-mnist" "$tmp/e1" ||
	no "missing data directory: $(cat "$tmp/e1")"
mkdir "$tmp/damaged" && echo 'not gzip' >"$tmp/damaged/train-images-idx3-ubyte.gz"
"$PYTHON" "$train" --data "$tmp/damaged" >/dev/null 2>"$tmp/e2"
[ $? -eq 2 ] && grep -q "damaged/train-images-idx3-ubyte.gz: Not a gzipped file" "$tmp/e2" ||
	no "damaged data: $(cat "$tmp/e2")"
"$PYTHON" "$train" --epochs 0 >/dev/null 2>"$tmp/e3"
[ $? -eq 2 ] && grep -q "argument --epochs: expected a whole number >= 1, got '0'" "$tmp/e3" ||
	no "--epochs 0: $(cat "$tmp/e3")"
"$PYTHON" "$train" --mode nosuch >/dev/null 2>"$tmp/e4"
[ $? -eq 2 ] && grep -q "argument --mode: invalid choice: 'nosuch'" "$tmp/e4" || no "--mode nosuch: $(cat "$tmp/e4")"
printf 'schedule bad {\n  lr = cosine(0.1, 0) for 100\n  momentum = 0.9;\n}\n' >"$tmp/bad.anneal"
"$PYTHON" "$train" --data "$data" --subset 100 --schedule "$tmp/bad.anneal" >/dev/null 2>"$tmp/e5"
[ $? -eq 1 ] && grep -q "bad.anneal:2:30: error: expected 'then' or ';' before 'momentum'" "$tmp/e5" &&
	grep -q '^      |                              ^$' "$tmp/e5" || no "a schedule with an error: $(cat "$tmp/e5")"
"$PYTHON" "$train" --data "$data" --subset 100 --param nosuch=1 >/dev/null 2>"$tmp/e6"
[ $? -eq 2 ] && grep -q "unknown param 'nosuch'" "$tmp/e6" || no "--param nosuch=1: $(cat "$tmp/e6")"
printf 'schedule flat {\n  param steps_per_epoch = 1;\n  lr = 0.01;\n}\n' >"$tmp/flat.anneal"
"$PYTHON" "$train" --data "$data" --subset 100 --schedule "$tmp/flat.anneal" --mode torch >/dev/null 2>"$tmp/e7"
[ $? -eq 2 ] && grep -q "from its params, and schedule flat has no warmup_epochs" "$tmp/e7" ||
	no "--mode torch with another schedule: $(cat "$tmp/e7")"
"$PYTHON" "$train" --data "$data" --subset 100 --param peak=-0.1 --mode fused >/dev/null 2>"$tmp/e8"
[ $? -eq 1 ] && grep -q "schedule sgdr gives lr -0.1 at step 1; SGD takes a finite lr >= 0" "$tmp/e8" ||
	no "a negative lr: $(cat "$tmp/e8")"
"$PYTHON" "$train" --data "$data" --subset 100 --batch 100 --param peak=1e30 --epochs 3 >/dev/null 2>"$tmp/e9"
[ $? -eq 1 ] && grep -q "mode scheduler: the loss is .* at step" "$tmp/e9" || no "a diverging lr: $(cat "$tmp/e9")"
exit $fail
