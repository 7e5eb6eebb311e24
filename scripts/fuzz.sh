#!/usr/bin/env bash
# fuzz.sh: builds the libFuzzer targets with clang (ASan + UBSan) and runs each for a while.
#   scripts/fuzz.sh BUILDDIR SECONDS [parse|diff|checkpoint]...
# BUILDDIR is a configured, built tree (for the generated parser and lexer).
# Needs clang-14 and libclang-rt-14-dev. Seeds come from the examples and the
# golden tests; new inputs go to BUILDDIR/fuzz/<target>/, crashes to
# BUILDDIR/fuzz/crash-*.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:?BUILDDIR}" && pwd)
seconds=${2:-60}
shift 2 || true
targets=${*:-parse diff checkpoint}
cc=${CLANG:-clang-14}
llvm_config=$(sed -n 's/^LLVM_CONFIG = //p' "$build/Makefile")
flags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fno-math-errno
	-I$src/include -I$src/src -I$src/grammar -I$build -I$build/grammar $($llvm_config --cppflags)"
mkdir -p "$build/fuzz"

compiler_sources() {
	ls "$src"/src/*.c | grep -v '/cli_' || true
	echo "$build/grammar/parser.c" "$build/grammar/lexer.c"
}

for t in $targets; do
	case $t in
	parse | diff)
		# shellcheck disable=SC2046,SC2086
		$cc $flags -o "$build/fuzz/fuzz_$t" "$src/tests/fuzz/fuzz_$t.c" $(compiler_sources) \
			$($llvm_config --ldflags --libs core orcjit native passes bitwriter target all-targets) -lmvec -lm -lpthread
		seeds=$(ls "$src"/examples/*.anneal "$src"/examples/*/*.anneal "$src"/tests/golden/*/*.anneal "$src"/tests/bad/*.anneal \
			"$src"/tests/conformance/*.anneal "$src"/tests/fuzz/found/*.anneal 2>/dev/null || true)
		;;
	checkpoint)
		# shellcheck disable=SC2046,SC2086
		$cc $flags -fopenmp -o "$build/fuzz/fuzz_$t" "$src/tests/fuzz/fuzz_$t.c" "$src"/runtime/*.c -lm
		seeds=
		;;
	*) echo "fuzz.sh: unknown target '$t'" >&2; exit 2 ;;
	esac
	corpus=$build/fuzz/$t
	mkdir -p "$corpus"
	# shellcheck disable=SC2086
	[ -n "$seeds" ] && cp $seeds "$corpus"/ 2>/dev/null || true
	echo "== fuzz_$t for $seconds s"
	[ "$t" = checkpoint ] && export FUZZ_SEED_OUT=$corpus
	# -timeout and -rss_limit_mb are the budget every input must keep to (10 s,
	# 1 GB: the Limits of doc/language.md); an input past either is a finding.
	(cd "$build/fuzz" && ./fuzz_"$t" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=1024 \
		-dict="$src/tests/fuzz/anneal.dict" -print_final_stats=1 "$corpus" 2>&1 | tail -n 25)
done
