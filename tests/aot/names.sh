#!/bin/sh
# names.sh: the generated names -- two files with a schedule of one name, compiled with two prefixes and
# self-contained headers, linked into one C host (no -I for anneal/) that uses the channel and hook enums;
# a self-contained header beside anneal/schedule.h, as C and C++; bound params marked.
set -u
: "${ANNEALC:?set ANNEALC to the built annealc}" "${srcdir:?set srcdir to the source tree}"
CC=${CC:-cc}
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0
failed() {
	echo "FAIL: $*"
	fail=1
}

mkdir "$tmp/a" "$tmp/b" "$tmp/host"
cat >"$tmp/a/sched.anneal" <<'END'
schedule sgdr {
  param peak = 0.1;
  lr = peak for 10 then 0.2;
  channel noise = 0.5;
  on at 3 { snapshot; }
  on every 4 { swa; }
  on at 3 { call save; }
}
END
cat >"$tmp/b/sched.anneal" <<'END'
schedule sgdr {
  lr = restarts(period = 5) { 0.3 };
  momentum = 0.9;
  on restart { reset momentum; }
}
END
"$ANNEALC" compile "$tmp/a/sched.anneal" --prefix a_ --self-contained -o "$tmp/a.o" --header "$tmp/host/a.h" ||
	failed "compile a"
"$ANNEALC" compile "$tmp/b/sched.anneal" --prefix b_ --self-contained -o "$tmp/b.o" --header "$tmp/host/b.h" ||
	failed "compile b"
if nm "$tmp/a.o" | grep -q ' [TD] sgdr_'; then failed "a.o defines unprefixed symbols"; fi
if grep -q '#include "anneal' "$tmp/host/a.h"; then failed "the self-contained header includes anneal/"; fi

cat >"$tmp/host/host.c" <<'END'
/* Two schedules named sgdr, one host: every name comes from the headers. */
#include <stdio.h>
#include <string.h>

#include "a.h"
#include "b.h"

static int bad;
#define CHECK(c) ((c) ? (void)0 : (void)(bad = 1, fprintf(stderr, "host: %s failed\n", #c)))

int main(void)
{
	anneal_point p;
	double params[a_sgdr_NPARAM] = { 0 };
	params[a_sgdr_PARAM_peak] = 0.7;
	a_sgdr_eval(3, params, &p);
	CHECK(p.value[a_sgdr_CHANNEL_lr] == 0.7);
	CHECK(p.value[a_sgdr_CHANNEL_noise] == 0.5);
	CHECK((int)a_sgdr_CHANNEL_noise == (int)ANNEAL_FIRST_CUSTOM);
	CHECK((p.events & a_sgdr_HOOK_at_3) == a_sgdr_HOOK_at_3);
	CHECK(a_sgdr_HOOK_at_3 == ((UINT64_C(1) << 0) | (UINT64_C(1) << 2)));
	CHECK(!(p.events & a_sgdr_HOOK_every_4));
	a_sgdr_eval(12, NULL, &p);
	CHECK(p.value[a_sgdr_CHANNEL_lr] == 0.2);
	CHECK(p.events == a_sgdr_HOOK_every_4);
	double noise[4];
	a_sgdr_fill(0, 4, NULL, a_sgdr_CHANNEL_noise, noise);
	CHECK(noise[3] == 0.5);
	b_sgdr_eval(5, NULL, &p);
	CHECK(p.value[b_sgdr_CHANNEL_lr] == 0.3 && p.value[b_sgdr_CHANNEL_momentum] == 0.9);
	CHECK(p.events == b_sgdr_HOOK_restart);
	CHECK(b_sgdr_NPARAM == 0);
	CHECK(strcmp(a_sgdr_desc.name, "sgdr") == 0 && strcmp(b_sgdr_desc.name, "sgdr") == 0);
	CHECK(a_sgdr_desc.eval == a_sgdr_eval && b_sgdr_desc.eval == b_sgdr_eval);
	CHECK(a_sgdr_desc.hook[1].event == ANNEAL_EV_EVERY);
	return bad;
}
END
# No -I for anneal/: the self-contained headers bring the ABI, twice, guarded.
if $CC -std=c11 -pedantic -Wall -Wextra -Werror -I"$tmp/host" "$tmp/host/host.c" "$tmp/a.o" "$tmp/b.o" \
	-o "$tmp/host/host" -lmvec -lm; then
	"$tmp/host/host" || failed "the two-prefix host"
else
	failed "building the two-prefix host"
fi

# A self-contained header beside anneal/schedule.h, before and after it, and a plain one, in C and C++.
"$ANNEALC" compile "$tmp/b/sched.anneal" --prefix c_ -o "$tmp/c.o" --header "$tmp/host/c.h" || failed "compile c"
printf '#include "anneal/schedule.h"\n#include "a.h"\n#include "c.h"\nint f(void) { return a_sgdr_NPARAM + c_sgdr_CHANNEL_momentum; }\n' >"$tmp/host/mix1.c"
printf '#include "a.h"\n#include "anneal/schedule.h"\n#include "c.h"\nint f(void) { return a_sgdr_NPARAM + c_sgdr_CHANNEL_momentum; }\n' >"$tmp/host/mix2.c"
for m in mix1 mix2; do
	$CC -std=c11 -pedantic -Wall -Werror -I"$srcdir/include" -I"$tmp/host" -c "$tmp/host/$m.c" -o "$tmp/$m.o" ||
		failed "$m.c as C"
	if command -v c++ >/dev/null; then
		c++ -x c++ -Wall -Werror -I"$srcdir/include" -I"$tmp/host" -c "$tmp/host/$m.c" -o "$tmp/$m.o" ||
			failed "$m.c as C++"
	fi
done

# Bound params: marked in the header's comment and in the descriptor.
"$ANNEALC" compile "$tmp/a/sched.anneal" --prefix d_ --bind-params --param peak=0.25 -o "$tmp/d.o" \
	--header "$tmp/host/d.h" || failed "compile d"
grep -q 'd_sgdr_PARAM_peak, /\* bound: 0.25 ' "$tmp/host/d.h" || failed "the bound param is not marked in the header"
printf '#include "d.h"\nint main(void) { anneal_point p; d_sgdr_eval(0, (const double[]){ 9 }, &p);\n  return !(d_sgdr_desc.param[d_sgdr_PARAM_peak].structural == 1 && p.value[d_sgdr_CHANNEL_lr] == 0.25); }\n' \
	>"$tmp/host/bound.c"
if $CC -std=c11 -Wall -Werror -I"$srcdir/include" -I"$tmp/host" "$tmp/host/bound.c" "$tmp/d.o" -o "$tmp/bound" -lmvec -lm; then
	"$tmp/bound" || failed "the bound param's descriptor"
else
	failed "building the bound host"
fi

# One file, two schedules, one prefix: no unprefixed name anywhere in the header.
"$ANNEALC" compile "$srcdir/tests/aot/aot.anneal" --prefix zz -o "$tmp/z.o" --header "$tmp/host/z.h" || failed "compile z"
for n in $(sed -n 's/^schedule[ 	]*\([A-Za-z_][A-Za-z0-9_]*\).*/\1/p' "$srcdir/tests/aot/aot.anneal"); do
	if grep -E "(^|[^A-Za-z0-9_])${n}_(eval|fill|desc|PARAM|NPARAM|CHANNEL|HOOK)" "$tmp/host/z.h" | grep -v '^/\*' | grep -q .; then
		failed "z.h holds an unprefixed name of $n"
	fi
	nm "$tmp/z.o" | grep -q " [TD] zz${n}_eval$" || failed "z.o has no zz${n}_eval"
done
grep -q '^#ifndef zzANNEAL_GEN_Z_H$' "$tmp/host/z.h" || failed "the guard is not prefixed"
[ $fail -eq 0 ] && echo "names: ok"
exit $fail
