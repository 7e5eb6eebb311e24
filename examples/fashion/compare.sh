#!/bin/sh
# compare.sh: run every schedule of the README's comparison over several seeds and print its tables.
#
#   compare.sh [-e EPOCHS] [-s "SEEDS"] [-o DIR] [-- fashion options...]   run, then summarise
#   compare.sh -t DIR                                                       summarise DIR only
#
# Run from the build tree.  Each run writes DIR/SCHEDULE-SEED.out and .csv;
# the summary reads the `result` and `ensemble of the last` lines of the
# .out files.  Same seed = same initialisation and shuffling, so the second
# table compares schedules seed by seed.
here=$(dirname "$0")
prog=${FASHION:-./examples/fashion/fashion}
epochs=20
seeds="1 2 3 4 5"
dir=fashion-runs
only=
schedules="step cosine sgdr sgdr_noreset swa"
while getopts e:s:o:t: opt; do
	case $opt in
	e) epochs=$OPTARG ;;
	s) seeds=$OPTARG ;;
	o) dir=$OPTARG ;;
	t) dir=$OPTARG only=1 ;;
	*) echo "usage: compare.sh [-e EPOCHS] [-s SEEDS] [-o DIR] [-- fashion options] | -t DIR" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))

if [ -z "$only" ]; then
	mkdir -p "$dir" || exit 2
	for seed in $seeds; do
		for s in $schedules; do
			"$prog" --schedule "$here/$s.anneal" \
				--epochs "$epochs" --seed "$seed" --log "$dir/$s-$seed.csv" "$@" >"$dir/$s-$seed.out" ||
				{ echo "compare.sh: $s, seed $seed failed" >&2; exit 1; }
		done
	done
fi

for s in $schedules; do
	for f in "$dir/$s"-*.out; do
		[ -f "$f" ] || continue
		seed=${f##*-}
		echo "$s ${seed%.out} $(grep '^result' "$f" | awk '{ print $4, $6, $9 }') \
$(grep '^ensemble of the last 2 ' "$f" | awk '{ sub(/%/, "", $NF); print $NF }')"
	done
done | awk '
function mean(k,   i, m) { m = 0; for (i = 1; i <= n[k]; i++) m += v[k, i]; return m / n[k] }
function sd(k,   i, m, q) { m = mean(k); q = 0; for (i = 1; i <= n[k]; i++) q += (v[k, i] - m) ^ 2
	return n[k] > 1 ? sqrt(q / (n[k] - 1)) : 0 }
function cell(k) { return n[k] == 0 ? "—" : sprintf("%.2f ± %.2f", mean(k), sd(k)) }
function put(k, x) { if (x != "nan" && x != "") v[k, ++n[k]] = x + 0 }
{
	if (!($1 in seen)) { order[++ns] = $1; seen[$1] = 1 }
	put($1 " final", $3); put($1 " ens", $4); put($1 " swa", $5); put($1 " last2", $6)
	val[$1, $2] = $3; ens[$1, $2] = $4; swa[$1, $2] = $5
	if (!($2 in hasseed)) { seeds[++nseed] = $2; hasseed[$2] = 1 }
	list[$1] = list[$1] (list[$1] == "" ? "" : " ") $3
}
function diff(lab, a, ka, b, kb,   i, s, x, y, d, m, q, c, row) {
	c = 0; row = ""; m = 0
	for (i = 1; i <= nseed; i++) {
		s = seeds[i]
		if (!((a, s) in val) || !((b, s) in val)) continue
		x = ka == "ens" ? ens[a, s] : ka == "swa" ? swa[a, s] : val[a, s]
		y = kb == "ens" ? ens[b, s] : kb == "swa" ? swa[b, s] : val[b, s]
		if (x == "nan" || y == "nan") continue
		d = x - y
		dd[++c] = d; m += d; row = row sprintf("%s%+.2f", c > 1 ? " " : "", d)
	}
	if (c == 0) return
	m /= c; q = 0; for (i = 1; i <= c; i++) q += (dd[i] - m) ^ 2
	printf "| %s | %s | %+.2f ± %.2f |\n", lab, row, m, (c > 1 ? sqrt(q / (c - 1)) : 0)
}
END {
	print "| schedule | seeds | final model, by seed | final | snapshot ensemble (all) | ensemble of the last 2 | SWA |"
	print "|---|---|---|---|---|---|---|"
	for (i = 1; i <= ns; i++) { s = order[i]
		printf "| %s | %d | %s | %s | %s | %s | %s |\n", s, n[s " final"], list[s], cell(s " final"),
			cell(s " ens"), cell(s " last2"), cell(s " swa") }
	print ""
	print "| paired by seed | differences | mean ± sd |"
	print "|---|---|---|"
	diff("cosine − step", "cosine", "final", "step", "final")
	diff("SGDR − cosine", "sgdr", "final", "cosine", "final")
	diff("SGDR − SGDR without the reset", "sgdr", "final", "sgdr_noreset", "final")
	diff("SGDR ensemble − SGDR final", "sgdr", "ens", "sgdr", "final")
	diff("SGDR ensemble − cosine final", "sgdr", "ens", "cosine", "final")
	diff("SGDR SWA − SGDR final", "sgdr", "swa", "sgdr", "final")
	diff("swa.anneal SWA − its final", "swa", "swa", "swa", "final")
	diff("swa.anneal SWA − cosine final", "swa", "swa", "cosine", "final")
}'
