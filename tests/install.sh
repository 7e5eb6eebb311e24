#!/bin/sh
# install.sh: `make install DESTDIR=` into a temporary root, then a JIT host and an AOT host built
# from the installed headers, .pc files and libraries alone, run, and their output checked.
set -u
: "${srcdir:?set srcdir to the source tree}" "${prefix:?}" "${bindir:?}" "${libdir:?}" "${pkgconfigdir:?}"
: "${docdir:?}" "${mandir:?}" "${pkgincludedir:?}"
MAKE=${MAKE:-make}
CC=${CC:-cc}
PKG_CONFIG=${PKG_CONFIG:-pkg-config}
here=$srcdir/tests/install
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
fail=0
no() { echo "FAIL: $*"; fail=1; }

# MAKEFLAGS= : this make runs inside make check, whose jobserver it cannot share;
# everything is built already, so it only copies files.
if ! MAKEFLAGS='' $MAKE install DESTDIR="$root" >"$tmp/install.log" 2>&1; then
	tail -n 20 "$tmp/install.log"
	echo "FAIL: make install DESTDIR=$root"
	exit 1
fi
for f in "$bindir/annealc" "$libdir/libanneal.so" "$libdir/libannealc.so" \
	"$pkgconfigdir/anneal.pc" "$pkgconfigdir/annealc.pc" \
	"$pkgincludedir/anneal.h" "$pkgincludedir/annealc.h" "$pkgincludedir/schedule.h" \
	"$pkgincludedir/status.h" "$pkgincludedir/version.h" \
	"$mandir/man1/annealc.1" "$docdir/language.md" "$docdir/examples/sgdr.anneal"; do
	[ -e "$root$f" ] || no "make install did not install $f"
done
# The man page names installed files, never the source tree.
grep -n '@[a-z_]*@' "$root$mandir/man1/annealc.1" && no "the installed man page has placeholders left"
sed -n 's/^\.I[R]* \(\/[^ ,;]*\).*/\1/p' "$root$mandir/man1/annealc.1" >"$tmp/man-paths"
[ -s "$tmp/man-paths" ] || no "the man page names no installed file"
while read -r f; do
	[ -e "$root$f" ] || no "the man page names $f, which make install did not install"
done <"$tmp/man-paths"

# Only what was installed: pkg-config reads the temporary root's .pc files
# and prefixes their -I and -L with the root (PKG_CONFIG_SYSROOT_DIR).
pc() { PKG_CONFIG_LIBDIR="$root$pkgconfigdir" PKG_CONFIG_PATH='' PKG_CONFIG_SYSROOT_DIR="$root" "$PKG_CONFIG" "$@"; }
version=$(pc --modversion anneal) || no "pkg-config cannot read anneal.pc"
[ "$(pc --modversion annealc)" = "$version" ] || no "annealc.pc and anneal.pc give different versions"
pc --libs anneal | grep -qi llvm && no "anneal.pc links LLVM: $(pc --libs anneal)"
LD_LIBRARY_PATH=$root$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH
flags="-std=gnu11 -Wall ${SANITIZE_FLAGS:-}"
expect="anneal $version
schedule warm
step 0 lr 0 param 1
step 1 lr 0.125 param 0.875
step 2 lr 0.25 param 0.625
step 3 lr 0.375 param 0.25
step 4 lr 0.25 param 0
step 5 lr 0.25 param -0.25"

run() { # run NAME: run the host, compare its output
	if "$tmp/$1" "$here/install.anneal" >"$tmp/$1.out" 2>"$tmp/$1.err"; then
		if [ "$(cat "$tmp/$1.out")" = "$expect" ]; then
			echo "PASS: $1"
		else
			no "$1 printed"
			sed 's/^/  | /' "$tmp/$1.out"
			echo "expected"
			echo "$expect" | sed 's/^/  | /'
		fi
	else
		no "$1 exited $?: $(cat "$tmp/$1.err")"
	fi
}

# The JIT host: README's `cc host.c $(pkg-config --cflags --libs annealc anneal)`.
# shellcheck disable=SC2046,SC2086
if $CC $flags -I"$here" "$here/jit_host.c" "$here/train.c" -o "$tmp/jit_host" \
	$(pc --cflags --libs annealc anneal); then
	run jit_host
else
	no "compiling the JIT host against the installed libraries"
fi

# The AOT host: the installed annealc compiles the schedule; the host links
# the object and libanneal, no LLVM.
if "$root$bindir/annealc" compile "$here/install.anneal" -o "$tmp/install.o" --header "$tmp/install.h"; then
	# shellcheck disable=SC2046,SC2086
	if $CC $flags -I"$tmp" -I"$here" "$here/aot_host.c" "$here/train.c" "$tmp/install.o" -o "$tmp/aot_host" \
		$(pc --cflags --libs anneal) -lmvec -lm; then
		ldd "$tmp/aot_host" | grep -i -e llvm -e annealc && no "the AOT host links LLVM or libannealc"
		run aot_host
	else
		no "compiling the AOT host against the installed libanneal"
	fi
else
	no "the installed annealc could not compile $here/install.anneal"
fi
exit $fail
