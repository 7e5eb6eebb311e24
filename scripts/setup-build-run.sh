#!/usr/bin/env bash
# setup-build-run.sh: the README's first command -- Debian packages, build, and the main job.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
# llvm-19-dev: CI (.ci/run) also builds and tests against LLVM 19. Python and
# MPI: the python/ binding and libanneal_mpi, and their tests.
packages="build-essential autoconf automake libtool pkg-config re2c bison llvm-14-dev llvm-19-dev check
	libopenblas-dev zlib1g-dev dataset-fashion-mnist python3-torch librsvg2-bin valgrind
	python3-dev python3-numpy python3-pytest python3-matplotlib libopenmpi-dev openmpi-bin"
missing=$(for p in $packages; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
if [ -n "$missing" ]; then
	$sudo apt-get update -q
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing
fi

[ -x configure ] || autoreconf -fi
[ -f Makefile ] || ./configure
make -j"$(nproc)"

# The main job: an MLP trained on Fashion-MNIST under SGDR -- three cycles of
# two epochs, the momentum reset at each restart, a snapshot and an SWA fold
# of each cycle's end -- then the final model, the snapshot ensemble and the
# SWA weights measured on the test set. (examples/fashion/README.md compares
# the schedules at a 20-epoch budget.)
./annealc check examples/fashion/sgdr.anneal
./annealc plot examples/fashion/sgdr.anneal --term --param cycle_epochs=2 --steps 2814
examples/fashion/fashion --schedule examples/fashion/sgdr.anneal --param cycle_epochs=2 --epochs 6
