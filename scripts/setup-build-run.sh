#!/usr/bin/env bash
# setup-build-run.sh: the README's first command -- Debian packages, build, and the main job.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
packages="build-essential autoconf automake libtool pkg-config re2c bison llvm-14-dev check
	libopenblas-dev dataset-fashion-mnist python3-torch librsvg2-bin"
missing=$(for p in $packages; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
if [ -n "$missing" ]; then
	$sudo apt-get update -q
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing
fi

[ -x configure ] || autoreconf -fi
[ -f Makefile ] || ./configure
make -j"$(nproc)"

# The main job: the SGDR example checked, evaluated and compiled.
./annealc check examples/sgdr.anneal
./annealc eval examples/sgdr.anneal --steps 12
./annealc compile examples/sgdr.anneal -o sgdr.o --header sgdr.h && echo "compiled sgdr.o and sgdr.h"
