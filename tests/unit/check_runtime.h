/* check_runtime.h: a hand-written compiled schedule (the ABI, filled in C) shared by the runtime suites. */
#ifndef CHECK_RUNTIME_H
#define CHECK_RUNTIME_H

#include <anneal/anneal.h>

/*
 * "sgdr10": lr = restarts(period = 10) { cosine(peak, 0.1*peak) } with
 * momentum cycling 0.85 -> 0.95 inside each cycle, and hooks
 *   0: on restart   { reset momentum; snapshot; }
 *   1: on every 4   { swa; }
 *   2: on at 7      { call save_best; }
 *   3: on restart   { call restarted; reset moments; }
 * param peak = 0.05.
 */
extern const anneal_desc rt_sgdr10;
void rt_sgdr10_eval(int64_t step, const double *params, anneal_point *out);

/* Deterministic gradient for element i at a step, around a quadratic bowl. */
float rt_grad(int64_t step, int64_t i, float p);

#endif
