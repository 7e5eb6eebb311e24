/* cycles.c: the cycles of a restarts node -- where each starts and how long it is, built from period, mult, count and lengths, and queried by the interpreter, code generation and analysis. */
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

/* Room for n limbs, doubling so a product grown limb by limb costs O(n). */
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

/* x = v (zero has no limbs). */
static void big_set(Big *x, uint64_t v)
{
	big_room(x, 1);
	x->d[0] = v;
	x->n = v != 0;
}

/* x = y, in x's own limbs. */
static void big_copy(Big *x, const Big *y)
{
	big_room(x, y->n);
	memcpy(x->d, y->d, sizeof *x->d * (size_t)y->n);
	x->n = y->n;
}

/* x *= m. */
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

/* -1, 0 or 1 as x <, = or > y; no leading zero limbs, so length decides first. */
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

/* The start and length of n cycles, and for real-valued lengths (real) each
   cycle's offset and real length too. */
static void alloc_tables(Arena *a, LCycles *cy, int n, int real)
{
	cy->n = n;
	cy->start = arena_alloc(a, sizeof(int64_t) * (size_t)n);
	cy->steps = arena_alloc(a, sizeof(int64_t) * (size_t)n);
	cy->off = real ? arena_alloc(a, sizeof(double) * (size_t)n) : NULL;
	cy->T = real ? arena_alloc(a, sizeof(double) * (size_t)n) : NULL;
}

/* ---- building ---- */

/* Every cycle period steps long. */
static void uniform(Arena *a, LCycles *cy, int64_t period)
{
	cy->kind = CYCLES_UNIFORM;
	cy->lap = period;
	alloc_tables(a, cy, 1, 0);
	cy->start[0] = 0;
	cy->steps[0] = period;
}

int cycles_whole(Arena *a, LCycles *cy)
{
	int64_t period = (int64_t)cy->period, mult = (int64_t)cy->mult, count = cy->count;
	if (mult == 1) {
		uniform(a, cy, period);
		return 1;
	}
	/* Every cycle whose start fits: at most 62 of them for mult >= 2. */
	cy->kind = CYCLES_TABLE;
	alloc_tables(a, cy, 64, 0);
	int64_t start = 0, steps = period;
	int k = 0;
	while (k < 64 && (count == 0 || k < count)) {
		cy->start[k] = start;
		cy->steps[k] = steps;
		k++;
		if (steps >= MAX_STEPS - start)
			break;
		start += steps;
		steps = steps > INT64_MAX / mult ? INT64_MAX : steps * mult;
	}
	cy->n = k;
	return k;
}

/* mult 1, period p/q: S_j = j p / q, and S_(j+q) = S_j + p, so one lap of q
   cycles describes them all. */
static int lap_tables(Checker *c, Node *n, LCycles *cy, int64_t p, int64_t q, int64_t *total)
{
	if (!lower_spend(c, n, 0, q))
		return 0;
	cy->kind = CYCLES_LAP;
	cy->lap = p;
	alloc_tables(c->arena, cy, (int)q, 1);
	for (int64_t j = 0; j < q; j++) {
		__int128 num = (__int128)j * p;
		int64_t f = (int64_t)((num + q - 1) / q);
		int64_t next = (int64_t)(((__int128)(j + 1) * p + q - 1) / q);
		cy->start[j] = f;
		cy->steps[j] = next - f;
		cy->off[j] = (double)((int64_t)((__int128)f * q - num)) / (double)q;
		cy->T[j] = ratio(p, q);
	}
	if (cy->count > 0) {
		__int128 end = ((__int128)cy->count * p + q - 1) / q;
		if (end >= MAX_STEPS) {
			diag_error(c->diag, n->loc, "%lld restarts of %g steps do not fit in 62 bits", (long long)cy->count,
			           cy->period);
			return 0;
		}
		*total = (int64_t)end;
	}
	return 1;
}

/* The mult is so close to 1 that MAX_CYCLES cycles do not reach MAX_STEPS,
   and the table would have no end. */
static void too_many_cycles(Checker *c, Node *n, const LCycles *cy)
{
	diag_error(c->diag, n->loc,
	           "restarts with mult %.15g take more than %d cycles to reach 2^62 steps; give a count of at most %d",
	           cy->mult, MAX_CYCLES, MAX_CYCLES);
}

/* Whether cycles whose starts are start[0 .. fits-1] (start[fits], when
   fits <= cap, past 2^62) serve count; the diagnostic when they do not. */
static int table_serves(Checker *c, Node *n, const LCycles *cy, int fits)
{
	if (cy->count > 0 && fits <= cy->count && fits <= MAX_CYCLES) {
		diag_error(c->diag, n->loc, "%lld restarts growing by %.15g do not fit in 62 bits", (long long)cy->count,
		           cy->mult);
		return 0;
	}
	if (cy->count > MAX_CYCLES) {
		diag_error(c->diag, n->loc, "restarts with a fractional period or mult allow a count of at most %d",
		           MAX_CYCLES);
		return 0;
	}
	if (cy->count == 0 && fits > MAX_CYCLES) {
		too_many_cycles(c, n, cy);
		return 0;
	}
	return 1;
}

/* The table from starts start[0 .. fits-1], each cycle running to the next
   start (the last, when no other follows within 2^62, last_steps long);
   off and T when given. *total is the length of count cycles. */
static void keep_table(Checker *c, LCycles *cy, int cap, int fits, const int64_t *start, int64_t last_steps,
                       const double *off, const double *T, int64_t *total)
{
	int n = fits < cap ? fits : cap;
	alloc_tables(c->arena, cy, n, off != NULL);
	cy->kind = CYCLES_TABLE;
	for (int i = 0; i < n; i++) {
		cy->start[i] = start[i];
		cy->steps[i] = i + 1 < fits ? start[i + 1] - start[i] : last_steps;
		if (off) {
			cy->off[i] = off[i];
			cy->T[i] = T[i];
		}
	}
	if (cy->count > 0)
		*total = start[cy->count];
}

/* The most cycles a table holds: count, at most MAX_CYCLES; MAX_CYCLES
   without a count. */
static int table_limit(const LCycles *cy)
{
	return cy->count > 0 && cy->count < MAX_CYCLES ? (int)cy->count : MAX_CYCLES;
}

/* The cycles up to which a table is worth building: count's, or those that
   reach 2^62 in floating point if each cycle were the real P M^k long
   (k with P (M^k - 1) / (M - 1) = 2^62); 0 after the diagnostic of a
   table too long, said without computing it. The table costs its entries,
   charged here, before the arithmetic that builds it. */
static int table_cap(Checker *c, Node *n, const LCycles *cy)
{
	int cap = table_limit(cy);
	double reach = log1p(0x1p62 * (cy->mult - 1) / cy->period) / log1p(cy->mult - 1);
	if (cy->count == 0 && reach > MAX_CYCLES + MAX_CYCLES / 64) {
		too_many_cycles(c, n, cy);
		return 0;
	}
	if (!lower_spend(c, n, 0, reach + 2 < cap ? (int64_t)reach + 2 : cap))
		return 0;
	return cap;
}

/* mult a/b > 1, period p/q, not both whole: the exact tables. */
static int real_tables(Checker *c, Node *n, LCycles *cy, int64_t p, int64_t q, int64_t a, int64_t b, int64_t *total)
{
	/* S_k = N_k / D_k with N_k = p (a^k - b^k), D_k = q b^(k-1) (a - b). */
	int cap = table_cap(c, n, cy);
	if (!cap)
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
	int ok = table_serves(c, n, cy, k);
	if (ok)
		keep_table(c, cy, cap, k, start, INT64_MAX, off, T, total);
	arena_free(&w);
	return ok;
}

/* count cycles of the whole tables: their length, or 0 after the diagnostic. */
static int whole_total(Checker *c, Node *n, const LCycles *cy, int64_t *total)
{
	int64_t count = cy->count;
	if (cy->kind == CYCLES_UNIFORM) {
		if (cy->lap > MAX_STEPS / count) {
			diag_error(c->diag, n->loc, "%lld restarts of %lld steps do not fit in 62 bits", (long long)count,
			           (long long)cy->lap);
			return 0;
		}
		*total = cy->lap * count;
		return 1;
	}
	if (cy->n < count || cy->steps[count - 1] >= MAX_STEPS - cy->start[count - 1]) {
		diag_error(c->diag, n->loc, "%lld restarts growing by %lld do not fit in 62 bits", (long long)count,
		           (long long)cy->mult);
		return 0;
	}
	*total = cy->start[count - 1] + cy->steps[count - 1];
	return 1;
}

/* A length computed in doubles, truncated to whole steps as the
   libraries' int() and C's cast do, capped at MAX_STEPS. */
static int64_t truncated(double v)
{
	return v < (double)MAX_STEPS ? (int64_t)v : MAX_STEPS;
}

/* lengths = floor | floor_power: truncated lengths from a whole period P,
   computed in doubles as the libraries compute them, so that they match
   to the step: L_0 = P and L_k+1 = (int)(M * L_k) (floor: Composer), or
   L_k = (int)(P * pow(M, k)) (floor_power: AllenNLP). Where the product
   falls an ulp below a whole number (1.15 * 200 is 229.99999999999997)
   the length is one step shorter than the exact fraction's; that is what
   the libraries do. Each cycle starts where the one before ends. 0 after
   an error. */
static int floor_tables(Checker *c, Node *n, LCycles *cy, int64_t *total)
{
	int64_t P = (int64_t)cy->period;
	double M = cy->mult;
	if (cy->lengths == LENGTHS_FLOOR && truncated(M * (double)P) == P) {
		/* Every length is P. */
		uniform(c->arena, cy, P);
		return cy->count == 0 || whole_total(c, n, cy, total);
	}
	int cap = table_limit(cy);
	Arena w = { NULL, c->arena->oom };
	int64_t *start = arena_alloc(&w, sizeof *start * (MAX_CYCLES + 1));
	int64_t L = P;
	start[0] = 0;
	int k = 1;
	for (; k <= cap; k++) {
		if (L >= MAX_STEPS - start[k - 1])
			break;
		start[k] = start[k - 1] + L;
		L = cy->lengths == LENGTHS_FLOOR ? truncated(M * (double)L) : truncated((double)P * pow(M, k));
	}
	int ok = table_serves(c, n, cy, k) && lower_spend(c, n, 0, k < cap ? k : cap);
	if (ok)
		keep_table(c, cy, cap, k, start, L, NULL, NULL, total);
	arena_free(&w);
	return ok;
}

int cycles_build(Checker *c, Node *n, Node *period_arg, LCycles *cy, int64_t *total)
{
	int64_t p, q, a, b;
	*total = -1;
	if (!rational(cy->period, &p, &q))
		dyadic(cy->period, &p, &q);
	if (!rational(cy->mult, &a, &b))
		dyadic(cy->mult, &a, &b);
	if (cy->lengths != LENGTHS_EXACT && q != 1) {
		diag_error(c->diag, period_arg->loc,
		           "with lengths = %s, restarts period must be a whole number of steps, got %.17g",
		           cy->lengths == LENGTHS_FLOOR ? "floor" : "floor_power", cy->period);
		return 0;
	}
	if (cy->lengths != LENGTHS_EXACT && b != 1)
		return floor_tables(c, n, cy, total);
	if (q == 1 && b == 1) {
		/* Whole period and mult: truncation changes nothing. */
		cy->period = (double)p;
		cy->mult = (double)a;
		int entries = cycles_whole(c->arena, cy);
		if (cy->kind == CYCLES_TABLE && !lower_spend(c, n, 0, entries))
			return 0;
		return cy->count == 0 || whole_total(c, n, cy, total);
	}
	if (a == b && q > MAX_DEN) {
		/* With mult 1 the tables are one lap of q cycles. */
		diag_error(c->diag, period_arg->loc,
		           "with mult 1, restarts period must be a whole number or a fraction p/q with q at most %d, "
		           "got %.17g",
		           MAX_DEN, cy->period);
		return 0;
	}
	if (a == b)
		return lap_tables(c, n, cy, p, q, total);
	return real_tables(c, n, cy, p, q, a, b, total);
}

/* ---- queries ---- */

/* The last table entry j < n with start[j] <= s (start[0] = 0 <= s). */
static int64_t table_search(const LCycles *cy, int64_t s)
{
	int lo = 0, hi = cy->n - 1;
	while (lo < hi) {
		int mid = lo + (hi - lo + 1) / 2;
		if (cy->start[mid] <= s)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/* The tables' entry of cycle k. */
static int64_t entry(const LCycles *cy, int64_t k)
{
	return cy->kind == CYCLES_TABLE ? k : k % cy->n;
}

/* A cycle with no integer step shares its start with the next and is never
   the last with start <= s, so it is skipped. The compiled code finds the
   same cycle by its own means (cg_cycles.c); they must agree. */
int64_t cycles_index(const LCycles *cy, int64_t s)
{
	int64_t k;
	if (cy->kind == CYCLES_TABLE) {
		k = table_search(cy, s);
	} else {
		int64_t lap = s / cy->lap;
		k = lap * cy->n + table_search(cy, s - lap * cy->lap);
	}
	if (cy->count > 0 && k > cy->count - 1)
		k = cy->count - 1;
	return k;
}

int64_t cycles_start(const LCycles *cy, int64_t k)
{
	if (cy->kind == CYCLES_TABLE)
		return cy->start[k];
	return k / cy->n * cy->lap + cy->start[k % cy->n];
}

int cycles_fits(const LCycles *cy, int64_t k)
{
	if (k < 0 || (cy->count > 0 && k >= cy->count))
		return 0;
	if (cy->kind == CYCLES_TABLE)
		return k < cy->n;
	return k / cy->n <= (INT64_MAX - cy->start[k % cy->n]) / cy->lap;
}

int64_t cycles_steps(const LCycles *cy, int64_t k)
{
	return cy->steps[entry(cy, k)];
}

double cycles_offset(const LCycles *cy, int64_t k)
{
	return cy->off ? cy->off[entry(cy, k)] : 0;
}

double cycles_T(const LCycles *cy, int64_t k)
{
	return cy->T ? cy->T[entry(cy, k)] : (double)cycles_steps(cy, k);
}

int cycles_real(const LCycles *cy)
{
	return cy->T != NULL;
}

int cycles_doubling(const LCycles *cy)
{
	return cy->kind == CYCLES_TABLE && !cycles_real(cy) && cy->mult == floor(cy->mult);
}
