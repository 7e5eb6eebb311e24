/* cycles.c: the cycle tables of a restarts node whose period or mult is not whole, in exact rational arithmetic. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "annealc_int.h"

/* Why exact: cycle k starts at S_k = P (M^k - 1) / (M - 1), and whether a
   step s is in it turns on S_k <= s, often an exact tie (period 2.2, mult 1
   puts S_5 at exactly 11; period 10, mult 1.5 puts S_2 at 25). The doubles
   given are within an ulp of the intended fractions but not equal to them
   (2.2 is 2.2000000000000002), and long double cannot settle ties at large
   k either (S_k's fractional part has a denominator growing like b^k for
   M = a/b). So P and M are read as the fractions p/q and a/b they round
   from, and F_k = ceil(S_k) is decided with big integers. */
enum { MAX_DEN = 4096, MAX_CYCLES = 4096 };

/* The fraction with the smallest denominator <= MAX_DEN within 4 ulps of v
   (0.1 * 3 is 3/10), from the continued fraction's convergents. */
static int rational(double v, int64_t *p, int64_t *q)
{
	long double x = v, tol = 4.0L * (nextafter(v, INFINITY) - v), r = x;
	int64_t h0 = 0, h1 = 1, k0 = 1, k1 = 0;
	for (int i = 0; i < 64; i++) {
		long double a = floorl(r);
		if (a >= (long double)MAX_STEPS)
			return 0;
		__int128 h2 = (__int128)a * h1 + h0, k2 = (__int128)a * k1 + k0;
		if (k2 > MAX_DEN || h2 >= MAX_STEPS)
			return 0;
		if (fabsl((long double)h2 / (long double)k2 - x) <= tol) {
			*p = (int64_t)h2;
			*q = (int64_t)k2;
			return 1;
		}
		h0 = h1, h1 = (int64_t)h2, k0 = k1, k1 = (int64_t)k2;
		if (r == a)
			return 0;
		r = 1 / (r - a);
	}
	return 0;
}

/* v >= 1 exactly, as m / 2^e with m < 2^53 and e <= 52. */
static void dyadic(double v, int64_t *p, int64_t *q)
{
	int e;
	double m = frexp(v, &e); /* v = m 2^e, 0.5 <= m < 1, e >= 1 */
	int64_t num = (int64_t)ldexp(m, 53), den = INT64_C(1) << (53 - e);
	while (den > 1 && num % 2 == 0)
		num /= 2, den /= 2;
	*p = num;
	*q = den;
}

/* Natural numbers as little-endian 64-bit limbs. */
typedef struct Big {
	int n, cap;
	uint64_t *d;
	Arena *a; /* where the limbs live */
} Big;

static void big_room(Big *x, int n)
{
	if (n <= x->cap)
		return;
	uint64_t *d = arena_alloc(x->a, sizeof *d * (size_t)(2 * n));
	if (x->n)
		memcpy(d, x->d, sizeof *d * (size_t)x->n);
	x->d = d;
	x->cap = 2 * n;
}

static void big_set(Big *x, uint64_t v)
{
	big_room(x, 1);
	x->d[0] = v;
	x->n = v != 0;
}

static void big_copy(Big *x, const Big *y)
{
	big_room(x, y->n);
	memcpy(x->d, y->d, sizeof *x->d * (size_t)y->n);
	x->n = y->n;
}

static void big_mul(Big *x, uint64_t m)
{
	unsigned __int128 carry = 0;
	for (int i = 0; i < x->n; i++) {
		carry += (unsigned __int128)x->d[i] * m;
		x->d[i] = (uint64_t)carry;
		carry >>= 64;
	}
	if (carry) {
		big_room(x, x->n + 1);
		x->d[x->n++] = (uint64_t)carry;
	}
	if (m == 0)
		x->n = 0;
}

static int big_cmp(const Big *x, const Big *y)
{
	if (x->n != y->n)
		return x->n < y->n ? -1 : 1;
	for (int i = x->n - 1; i >= 0; i--)
		if (x->d[i] != y->d[i])
			return x->d[i] < y->d[i] ? -1 : 1;
	return 0;
}

/* x -= y, with x >= y */
static void big_sub(Big *x, const Big *y)
{
	uint64_t borrow = 0;
	for (int i = 0; i < x->n; i++) {
		uint64_t yi = i < y->n ? y->d[i] : 0;
		uint64_t d = x->d[i] - yi - borrow;
		borrow = x->d[i] < yi || (x->d[i] == yi && borrow);
		x->d[i] = d;
	}
	while (x->n > 0 && x->d[x->n - 1] == 0)
		x->n--;
}

/* x / y, y > 0, to long double precision: the top 128 bits of each, so
   a power far beyond long double's range still divides. */
static long double big_div(const Big *x, const Big *y)
{
	long double v[2];
	int e[2];
	const Big *z[2] = { x, y };
	for (int i = 0; i < 2; i++) {
		const Big *w = z[i];
		v[i] = w->n ? (long double)w->d[w->n - 1] : 0;
		if (w->n > 1)
			v[i] += ldexpl((long double)w->d[w->n - 2], -64);
		e[i] = 64 * (w->n > 1 ? w->n - 1 : 0);
	}
	return ldexpl(v[0] / v[1], e[0] - e[1]);
}

/* F = ceil(N / D) when it is below MAX_STEPS (else 0), and (F D - N) / D. */
static int ceil_div(const Big *N, const Big *D, int64_t *F, double *off, Big *tmp)
{
	long double est = ceill(big_div(N, D));
	if (est >= (long double)MAX_STEPS + 4)
		return 0;
	int64_t f = (int64_t)est;
	for (;;) {
		/* The estimate is off by at most a step or two; settle it exactly. */
		big_copy(tmp, D);
		big_mul(tmp, (uint64_t)f);
		if (big_cmp(tmp, N) < 0) {
			f++;
			continue;
		}
		if (f == 0)
			break;
		big_copy(tmp, D);
		big_mul(tmp, (uint64_t)(f - 1));
		if (big_cmp(tmp, N) < 0)
			break;
		f--;
	}
	if (f >= MAX_STEPS)
		return 0;
	big_copy(tmp, D);
	big_mul(tmp, (uint64_t)f);
	big_sub(tmp, N);
	*F = f;
	*off = (double)big_div(tmp, D);
	if (*off >= 1)
		*off = nextafter(1.0, 0.0);
	return 1;
}

/* p / q rounded once when both are exact doubles. */
static double ratio(int64_t p, int64_t q)
{
	return p < (INT64_C(1) << 53) ? (double)p / (double)q : (double)((long double)p / q);
}

static void alloc_tables(Checker *c, Sched *r, int n)
{
	r->cycle_start = arena_alloc(c->arena, sizeof(int64_t) * (size_t)n);
	r->cycle_len = arena_alloc(c->arena, sizeof(int64_t) * (size_t)n);
	r->cycle_off = arena_alloc(c->arena, sizeof(double) * (size_t)n);
	r->cycle_T = arena_alloc(c->arena, sizeof(double) * (size_t)n);
}

/* mult 1, period p/q: S_j = j p / q, and S_(j+q) = S_j + p, so one lap of q
   cycles describes them all. */
static int lap_tables(Checker *c, Node *n, Sched *r, int64_t p, int64_t q, int64_t *total)
{
	if (!lower_spend(c, n, 0, q))
		return 0;
	r->rp = p;
	r->rq = q;
	r->ntable = (int)q;
	alloc_tables(c, r, (int)q);
	for (int64_t j = 0; j < q; j++) {
		__int128 num = (__int128)j * p;
		int64_t f = (int64_t)((num + q - 1) / q);
		int64_t next = (int64_t)(((__int128)(j + 1) * p + q - 1) / q);
		r->cycle_start[j] = f;
		r->cycle_len[j] = next - f;
		r->cycle_off[j] = (double)((int64_t)((__int128)f * q - num)) / (double)q;
		r->cycle_T[j] = ratio(p, q);
	}
	if (r->count > 0) {
		__int128 end = ((__int128)r->count * p + q - 1) / q;
		if (end >= MAX_STEPS) {
			diag_error(c->diag, n->loc, "%lld restarts of %g steps do not fit in 62 bits", (long long)r->count,
			           r->periodf);
			return 0;
		}
		*total = (int64_t)end;
	}
	return 1;
}

static void too_many_cycles(Checker *c, Node *n, const Sched *r)
{
	diag_error(c->diag, n->loc,
	           "restarts with mult %.15g take more than %d cycles to reach 2^62 steps; give a count of at most %d",
	           r->multf, MAX_CYCLES, MAX_CYCLES);
}

int cycles_frac(Checker *c, Node *n, Node *period_arg, Sched *r, int64_t *total)
{
	int64_t p, q, a, b;
	*total = -1;
	if (!rational(r->periodf, &p, &q))
		dyadic(r->periodf, &p, &q);
	if (!rational(r->multf, &a, &b))
		dyadic(r->multf, &a, &b);
	if (a == b && q > MAX_DEN) {
		/* With mult 1 the tables are one lap of q cycles. */
		diag_error(c->diag, period_arg->loc,
		           "with mult 1, restarts period must be a whole number or a fraction p/q with q at most %d, "
		           "got %.17g",
		           MAX_DEN, r->periodf);
		return 0;
	}
	r->frac = 1;
	if (a == b)
		return lap_tables(c, n, r, p, q, total);

	/* S_k = N_k / D_k with N_k = p (a^k - b^k), D_k = q b^(k-1) (a - b). */
	int cap = r->count > 0 && r->count < MAX_CYCLES ? (int)r->count : MAX_CYCLES;
	/* The table costs its entries, charged before the exact arithmetic
	   below (its time grows as the square of the cycles), from the cycles
	   that reach 2^62 in floating point: k with P (M^k - 1) / (M - 1) = 2^62. */
	double reach = log1p(0x1p62 * (r->multf - 1) / r->periodf) / log1p(r->multf - 1);
	if (r->count == 0 && reach > MAX_CYCLES + MAX_CYCLES / 64) {
		/* Far past the table's limit: said without computing it. */
		too_many_cycles(c, n, r);
		return 0;
	}
	if (!lower_spend(c, n, 0, reach + 2 < cap ? (int64_t)reach + 2 : cap))
		return 0;
	/* The work, in an arena of its own freed below; out of memory it
	   jumps where the program's arena would (its blocks are then lost). */
	Arena w = { NULL, c->arena->oom };
	int64_t *start = arena_alloc(&w, sizeof *start * (MAX_CYCLES + 1));
	double *off = arena_alloc(&w, sizeof *off * (MAX_CYCLES + 1));
	double *T = arena_alloc(&w, sizeof *T * (MAX_CYCLES + 1));
	Big A = { .a = &w }, B = { .a = &w }, Bprev = { .a = &w }, N = { .a = &w }, D = { .a = &w }, tmp = { .a = &w };
	big_set(&A, 1);
	big_set(&B, 1);
	start[0] = 0;
	off[0] = 0;
	T[0] = ratio(p, q);
	int k = 1;
	for (; k <= cap; k++) {
		big_copy(&Bprev, &B);
		big_mul(&A, (uint64_t)a);
		big_mul(&B, (uint64_t)b);
		big_copy(&N, &A);
		big_sub(&N, &B);
		big_mul(&N, (uint64_t)p);
		big_copy(&D, &Bprev);
		big_mul(&D, (uint64_t)q);
		big_mul(&D, (uint64_t)(a - b));
		if (!ceil_div(&N, &D, &start[k], &off[k], &tmp))
			break;
		T[k] = (double)(big_div(&A, &B) * p / q);
	}
	/* start[0 .. k-1] fit; start[k], when k <= cap, does not. */
	int fits = k, ok = 1; /* fits: the cycles whose start fits */
	int nt = fits < cap ? fits : cap;
	if (r->count > 0 && fits <= r->count && fits <= MAX_CYCLES) {
		diag_error(c->diag, n->loc, "%lld restarts growing by %.15g do not fit in 62 bits", (long long)r->count,
		           r->multf);
		ok = 0;
	} else if (r->count > MAX_CYCLES) {
		diag_error(c->diag, n->loc, "restarts with a fractional period or mult allow a count of at most %d",
		           MAX_CYCLES);
		ok = 0;
	} else if (r->count == 0 && fits > MAX_CYCLES) {
		too_many_cycles(c, n, r);
		ok = 0;
	}
	if (ok) {
		alloc_tables(c, r, nt);
		r->ntable = nt;
		for (int i = 0; i < nt; i++) {
			r->cycle_start[i] = start[i];
			r->cycle_off[i] = off[i];
			r->cycle_len[i] = i + 1 < fits ? start[i + 1] - start[i] : INT64_MAX;
			r->cycle_T[i] = T[i];
		}
		if (r->count > 0)
			*total = start[r->count];
	}
	arena_free(&w);
	return ok;
}
