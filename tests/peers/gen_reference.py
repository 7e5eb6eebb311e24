#!/usr/bin/python3
"""gen_reference.py: reference tables for examples/peers, one CSV per library (tests/peers/<lib>.csv).

    /usr/bin/python3 tests/peers/gen_reference.py [--outdir DIR]

Rows are `schedule,step,channel,value`, values written with repr() (round-trips exactly), at
each schedule's boundary steps: the first and last, either side of every warmup end,
milestone, restart and phase join, and a few steps inside.

PyTorch's rows come from torch.optim.lr_scheduler itself (python3-torch 1.13): the value the
optimizer holds at step s, after s calls of scheduler.step(). Every other library's rows come
from its documented formula, transcribed below from its source as a function of the step
(Optax 0.1.7 optax/schedules, Keras 3 keras/optimizers/schedules, timm 0.9
timm/scheduler/{cosine,poly,tanh,step,multistep}_lr.py, transformers 4.40 optimization.py, DeepSpeed 0.14
deepspeed/runtime/lr_schedules.py, llm.c train_gpt2.cu, AllenNLP 2.x
allennlp/training/learning_rate_schedulers/cosine.py, Composer composer/optim/scheduler.py), in
double precision.
"""

import argparse
import bisect
import math
import os


def around(*points, lo=0, hi=None):
    """Steps either side of each point, plus the points, clipped to [lo, hi]."""
    out = set()
    for p in points:
        for s in (p - 1, p, p + 1):
            if s >= lo and (hi is None or s <= hi):
                out.add(s)
    return sorted(out)


def table(fn, steps):
    """fn(step) -> {channel: value} at each step."""
    return [(s, fn(s)) for s in steps]


# ---- PyTorch: the schedulers themselves ----

def torch_tables():
    import warnings

    import torch

    warnings.filterwarnings("ignore")
    S = torch.optim.lr_scheduler

    def run(make, steps, lr=0.1, momentum=0.0, read_momentum=False):
        p = [torch.nn.Parameter(torch.zeros(1))]
        opt = torch.optim.SGD(p, lr=lr, momentum=momentum)
        sched = make(opt)
        want = set(steps)
        rows = []
        for s in range(max(steps) + 1):
            if s in want:
                g = opt.param_groups[0]
                v = {"lr": g["lr"]}
                if read_momentum:
                    v["momentum"] = g["momentum"]
                rows.append((s, v))
            if s < max(steps):  # OneCycleLR refuses to step past total_steps
                opt.step()
                sched.step()
        return rows

    def seq(o):
        return S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=5), S.ExponentialLR(o, gamma=0.9)],
                              milestones=[5])

    return {
        "step_lr": run(lambda o: S.StepLR(o, step_size=30, gamma=0.1), around(0, 30, 60, 90)),
        "multistep_lr": run(lambda o: S.MultiStepLR(o, milestones=[30, 80], gamma=0.1), around(0, 30, 80, 120)),
        "constant_lr": run(lambda o: S.ConstantLR(o, factor=0.5, total_iters=5), around(0, 5, 9)),
        "linear_lr": run(lambda o: S.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=10),
                         around(0, 5, 10, 20)),
        "exponential_lr": run(lambda o: S.ExponentialLR(o, gamma=0.95), around(0, 10, 100)),
        "polynomial_lr": run(lambda o: S.PolynomialLR(o, total_iters=50, power=2), around(0, 25, 50, 60)),
        "cosine_annealing": run(lambda o: S.CosineAnnealingLR(o, T_max=100, eta_min=0.001), around(0, 50, 100)[:-1]),
        "cosine_annealing_periodic": run(lambda o: S.CosineAnnealingLR(o, T_max=100, eta_min=0.001),
                                         around(0, 100, 150, 200, 299)),
        "warm_restarts": run(lambda o: S.CosineAnnealingWarmRestarts(o, T_0=10, T_mult=2, eta_min=0.001),
                             around(0, 10, 30, 70, 150)),
        "cyclic_triangular": run(lambda o: S.CyclicLR(o, base_lr=0.001, max_lr=0.006, step_size_up=20,
                                                      step_size_down=30, mode="triangular", base_momentum=0.8,
                                                      max_momentum=0.9),
                                 around(0, 20, 50, 70, 100), momentum=0.9, read_momentum=True),
        "cyclic_triangular2": run(lambda o: S.CyclicLR(o, base_lr=0.001, max_lr=0.006, step_size_up=20,
                                                       mode="triangular2", base_momentum=0.8, max_momentum=0.9),
                                  around(0, 20, 40, 60, 80, 100), momentum=0.9, read_momentum=True),
        "cyclic_exp_range": run(lambda o: S.CyclicLR(o, base_lr=0.001, max_lr=0.006, step_size_up=20,
                                                     mode="exp_range", gamma=0.99, base_momentum=0.8,
                                                     max_momentum=0.9),
                                around(0, 20, 40, 60, 100), momentum=0.9, read_momentum=True),
        "one_cycle": run(lambda o: S.OneCycleLR(o, max_lr=0.1, total_steps=100, pct_start=0.3,
                                                anneal_strategy="cos", div_factor=25, final_div_factor=1e4,
                                                base_momentum=0.85, max_momentum=0.95),
                         around(0, 29, 50, 99)[:-1], momentum=0.9, read_momentum=True),
        "one_cycle_three_phase": run(lambda o: S.OneCycleLR(o, max_lr=0.1, total_steps=100, pct_start=0.3,
                                                            anneal_strategy="linear", three_phase=True,
                                                            div_factor=25, final_div_factor=1e4,
                                                            base_momentum=0.85, max_momentum=0.95),
                                     around(0, 29, 58, 99)[:-1], momentum=0.9, read_momentum=True),
        "one_cycle_fractional": run(lambda o: S.OneCycleLR(o, max_lr=0.1, total_steps=10, pct_start=0.25,
                                                           anneal_strategy="cos", div_factor=25, final_div_factor=1e4,
                                                           base_momentum=0.85, max_momentum=0.95),
                                    list(range(10)), momentum=0.9, read_momentum=True),
        "sequential_lr": run(seq, around(0, 5, 20)),
        "lambda_lr": run(lambda o: S.LambdaLR(o, lr_lambda=lambda s: 1 / (1 + s / 10)), around(0, 10, 100)),
        "multiplicative_lr": run(lambda o: S.MultiplicativeLR(o, lr_lambda=lambda s: 0.95), around(0, 10, 100)),
        "chained": run(lambda o: S.ChainedScheduler([S.ConstantLR(o, factor=0.1, total_iters=3),
                                                     S.ExponentialLR(o, gamma=0.9)]), around(0, 3, 20)),
    }


# ---- Optax (optax/schedules/_schedule.py, _join.py) ----

def optax_polynomial(init, end, power, steps, begin=0):
    if steps <= 0:  # Optax returns constant_schedule(init_value) then
        return lambda count: init
    def f(count):
        c = min(max(count - begin, 0), steps)
        frac = 1 - c / steps
        return (init - end) * frac ** power + end
    return f


def optax_cosine_decay(init, decay_steps, alpha=0.0, exponent=1.0):
    def f(count):
        c = min(count, decay_steps)
        cosine = 0.5 * (1 + math.cos(math.pi * c / decay_steps))
        return init * ((1 - alpha) * cosine ** exponent + alpha)
    return f


def optax_exponential(init, steps, rate, begin=0, staircase=False, end=None):
    def f(count):
        dc = count - begin
        p = dc / steps
        if staircase:
            p = math.floor(p)
        v = init if dc <= 0 else init * rate ** p
        if end is not None:
            v = max(v, end) if rate < 1 else min(v, end)
        return v
    return f


def optax_join(schedules, boundaries):
    def f(count):
        out = schedules[0](count)
        for s, b in zip(schedules[1:], boundaries):
            if count >= b:
                out = s(count - b)
        return out
    return f


def optax_interpolate(kind, init, boundaries_and_scales):
    bs = sorted(boundaries_and_scales.items())
    bounds = [b for b, _ in bs]
    scales = [s for _, s in bs]
    if bounds[0] != 0:
        bounds = [0] + bounds
        scales = [1.0] + scales
    values = []
    v = init
    for s in scales:
        v *= s
        values.append(v)

    def interp(a, b, pct):
        if kind == "linear":
            return a + (b - a) * pct
        return b - 0.5 * (1 + math.cos(math.pi * pct)) * (b - a)

    def f(count):
        if count >= bounds[-1]:
            return values[-1]
        for i in range(len(bounds) - 1):
            if bounds[i] <= count < bounds[i + 1]:
                return interp(values[i], values[i + 1], (count - bounds[i]) / (bounds[i + 1] - bounds[i]))
        return values[0]
    return f


def optax_warmup_cosine(init, peak, warmup, decay, end=0.0, exponent=1.0):
    alpha = 0.0 if peak == 0 else end / peak
    return optax_join([optax_polynomial(init, peak, 1, warmup), optax_cosine_decay(peak, decay - warmup, alpha, exponent)],
                      [warmup])


def optax_sgdr(cosine_kwargs):
    """sgdr_schedule: each warmup_cosine_decay_schedule joined at the running sum of decay_steps."""
    schedules, boundaries, step = [], [], 0
    for kw in cosine_kwargs:
        schedules.append(optax_warmup_cosine(kw["init"], kw["peak"], kw["warmup"], kw["decay"], kw["end"]))
        step += kw["decay"]
        boundaries.append(step)
    return optax_join(schedules, boundaries[:-1])


def optax_piecewise_constant(init, boundaries_and_scales):
    def f(count):
        v = init
        for b, s in sorted(boundaries_and_scales.items()):
            if count >= b:
                v *= s
        return v
    return f


def optax_tables():
    lr = lambda f: (lambda s: {"lr": f(s)})  # noqa: E731
    sgdr = optax_sgdr([dict(init=0.0, peak=0.1, warmup=5, decay=50, end=0.001),
                       dict(init=0.001, peak=0.05, warmup=5, decay=100, end=0.0005),
                       dict(init=0.0005, peak=0.025, warmup=0, decay=200, end=0.0)])
    return {
        "constant": table(lr(lambda s: 0.01), [0, 10]),
        "linear": table(lr(optax_polynomial(0.0, 0.1, 1, 100, 20)), around(0, 20, 70, 120)),
        "polynomial": table(lr(optax_polynomial(0.1, 0.001, 2, 100, 10)), around(0, 10, 60, 110)),
        "cosine_decay": table(lr(optax_cosine_decay(0.1, 100, 0.01, 2)), around(0, 50, 100)),
        "exponential_decay": table(lr(optax_exponential(0.1, 10, 0.5, 5, True, 0.01)), around(0, 5, 15, 25, 35, 45)),
        "piecewise_constant": table(lr(optax_piecewise_constant(0.1, {30: 0.5, 60: 0.2})), around(0, 30, 60)),
        "piecewise_linear": table(lr(optax_interpolate("linear", 0.1, {20: 0.5, 50: 0.1})), around(0, 10, 20, 50)),
        "piecewise_cosine": table(lr(optax_interpolate("cosine", 0.1, {20: 0.5, 50: 0.1})), around(0, 10, 20, 50)),
        "warmup_cosine_decay": table(lr(optax_warmup_cosine(0.0, 0.1, 10, 100, 0.001)), around(0, 10, 55, 100)),
        "warmup_exponential_decay": table(
            lr(optax_join([optax_polynomial(0.0, 0.1, 1, 10), optax_exponential(0.1, 20, 0.5, end=0.005)], [10])),
            around(0, 10, 30, 50, 100, 200)),
        "join": table(lr(optax_join([lambda c: 0.05, optax_polynomial(0.05, 0.0, 1, 40)], [30])), around(0, 30, 70)),
        "sgdr": table(lr(sgdr), around(0, 5, 50, 55, 100, 150, 250, 350) + [400]),
        "cosine_onecycle": table(lr(optax_interpolate("cosine", 0.1 / 25, {30: 25, 100: 1 / (25 * 1e4)})),
                                 around(0, 30, 65, 100)),
        "linear_onecycle": table(lr(optax_interpolate("linear", 0.1 / 25, {30: 25, 85: 1 / 25, 100: 1 / 1e4})),
                                 around(0, 30, 85, 100)),
    }


# ---- Keras (keras/src/optimizers/schedules/learning_rate_schedule.py) ----

def keras_cosine_decay(init, decay_steps, alpha=0.0, warmup_target=None, warmup_steps=0):
    def decay(step, start_lr):
        frac = step / decay_steps
        return start_lr * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * frac)) + alpha)

    def f(step):
        if warmup_target is None:
            return decay(min(step, decay_steps), init)
        step = min(step, decay_steps + warmup_steps)
        if step < warmup_steps:
            return (warmup_target - init) * (step / warmup_steps) + init
        return decay(step - warmup_steps, warmup_target)
    return f


def keras_cosine_restarts(init, first, t_mul=2.0, m_mul=1.0, alpha=0.0):
    def f(step):
        frac = step / first
        if t_mul == 1.0:
            i = math.floor(frac)
            frac -= i
        else:
            i = math.floor(math.log(1 - frac * (1 - t_mul)) / math.log(t_mul))
            sum_r = (1 - t_mul ** i) / (1 - t_mul)
            frac = (frac - sum_r) / t_mul ** i
        m_fac = m_mul ** i
        cosine = 0.5 * m_fac * (1 + math.cos(math.pi * frac))
        return init * ((1 - alpha) * cosine + alpha)
    return f


def keras_piecewise(boundaries, values):
    def f(step):
        for b, v in zip(boundaries, values):
            if step <= b:
                return v
        return values[-1]
    return f


def keras_tables():
    lr = lambda f: (lambda s: {"lr": f(s)})  # noqa: E731
    return {
        "cosine_decay_warmup": table(lr(keras_cosine_decay(0.0, 100, 0.01, 0.1, 10)), around(0, 10, 60, 110)),
        "cosine_decay": table(lr(keras_cosine_decay(0.1, 100)), around(0, 50, 100)),
        "cosine_decay_restarts": table(lr(keras_cosine_restarts(0.1, 20, 2.0, 0.5, 0.01)), around(0, 20, 60, 140, 300)),
        "exponential_decay": table(lr(lambda s: 0.1 * 0.9 ** math.floor(s / 10)), around(0, 10, 20, 100)),
        "piecewise_constant": table(lr(keras_piecewise([30, 60], [0.1, 0.05, 0.01])), around(0, 30, 31, 60, 61)),
        "polynomial_decay": table(lr(lambda s: (0.1 - 0.001) * (1 - min(s, 50) / 50) ** 0.5 + 0.001),
                                  around(0, 25, 50)),
        "inverse_time_decay": table(lr(lambda s: 0.1 / (1 + 0.5 * s / 10)), around(0, 10, 1000)),
    }


# ---- timm (timm/scheduler/cosine_lr.py, CosineLRScheduler._get_lr) ----

def timm_cosine(base, t_initial, lr_min=0.0, cycle_mul=1.0, cycle_decay=1.0, cycle_limit=1, warmup_t=0,
                warmup_lr_init=0.0, warmup_prefix=False, k_decay=1.0):
    warmup_steps = (base - warmup_lr_init) / warmup_t if warmup_t else 0

    def f(t):
        if t < warmup_t:
            return warmup_lr_init + t * warmup_steps
        if warmup_prefix:
            t = t - warmup_t
        if cycle_mul != 1:
            i = math.floor(math.log(1 - t / t_initial * (1 - cycle_mul), cycle_mul))
            t_i = cycle_mul ** i * t_initial
            t_curr = t - (1 - cycle_mul ** i) / (1 - cycle_mul) * t_initial
        else:
            i = t // t_initial
            t_i = t_initial
            t_curr = t - (t_initial * i)
        gamma = cycle_decay ** i
        lr_max = base * gamma
        if i < cycle_limit:
            return lr_min + 0.5 * (lr_max - lr_min) * (1 + math.cos(math.pi * t_curr ** k_decay / t_i ** k_decay))
        return lr_min
    return f


def timm_poly(base, t_initial, power, lr_min, warmup_t):
    """PolyLRScheduler with warmup_prefix=True, cycle_limit=1, k_decay=1."""
    def f(t):
        if t < warmup_t:
            return t * base / warmup_t
        t -= warmup_t
        if t >= t_initial:
            return lr_min
        return lr_min + (base - lr_min) * (1 - t / t_initial) ** power
    return f


def timm_tanh(base, t_initial, lb, ub, lr_min):
    """TanhLRScheduler with no warmup and cycle_limit=1."""
    def f(t):
        if t >= t_initial:
            return lr_min
        tr = t / t_initial
        return lr_min + 0.5 * (base - lr_min) * (1 - math.tanh(lb * (1.0 - tr) + ub * tr))
    return f


def timm_step(base, decay_t, decay_rate, warmup_t, warmup_lr_init):
    """StepLRScheduler with warmup_prefix=True (timm/scheduler/step_lr.py)."""
    def f(t):
        if t < warmup_t:
            return warmup_lr_init + t * ((base - warmup_lr_init) / warmup_t)
        return base * decay_rate ** ((t - warmup_t) // decay_t)
    return f


def timm_multistep(base, decay_t, decay_rate):
    """MultiStepLRScheduler with no warmup (timm/scheduler/multistep_lr.py): the decays passed
    are bisect_right(decay_t, t + 1)."""
    def f(t):
        return base * decay_rate ** bisect.bisect_right(decay_t, t + 1)
    return f


def timm_tables():
    lr = lambda f: (lambda s: {"lr": f(s)})  # noqa: E731
    return {
        "cosine_warmup_prefix": table(lr(timm_cosine(0.1, 100, 1e-4, warmup_t=10, warmup_lr_init=1e-3,
                                                     warmup_prefix=True)), around(0, 10, 60, 110)),
        "cosine_warmup_overlap": table(lr(timm_cosine(0.1, 100, 1e-4, warmup_t=10, warmup_lr_init=1e-3)),
                                       around(0, 10, 50, 100)),
        "cosine_cycles": table(lr(timm_cosine(0.1, 20, 1e-4, cycle_mul=2, cycle_decay=0.5, cycle_limit=3, warmup_t=5,
                                              warmup_prefix=True)), around(0, 5, 25, 65, 145, 200)),
        "cosine_k_decay": table(lr(timm_cosine(0.1, 50, k_decay=2)), around(0, 25, 50)),
        "poly": table(lr(timm_poly(0.1, 50, 2, 1e-3, 5)), around(0, 5, 30, 55)),
        "tanh": table(lr(timm_tanh(0.1, 50, -7, 3, 1e-3)), around(0, 25, 50)),
        "step_lr": table(lr(timm_step(0.1, 30, 0.1, 5, 1e-3)), around(0, 5, 35, 65, 95)),
        "multistep_lr": table(lr(timm_multistep(0.1, [30, 80], 0.1)), around(0, 29, 30, 79, 80, 120)),
    }


# ---- Hugging Face (transformers/optimization.py: the lr lambdas) ----

def hf_tables():
    base = 0.1

    def warm(s, w):
        return s / max(1, w)

    def linear(s, w=10, total=100):
        return warm(s, w) if s < w else max(0.0, (total - s) / max(1, total - w))

    def cosine(s, w=10, total=100, cycles=0.5):
        if s < w:
            return warm(s, w)
        p = (s - w) / max(1, total - w)
        return max(0.0, 0.5 * (1 + math.cos(math.pi * cycles * 2 * p)))

    def hard(s, w=10, total=100, cycles=3):
        if s < w:
            return warm(s, w)
        p = (s - w) / max(1, total - w)
        if p >= 1:
            return 0.0
        return max(0.0, 0.5 * (1 + math.cos(math.pi * ((cycles * p) % 1.0))))

    def poly(s, w=10, total=100, lr_end=1e-4, power=2):
        if s < w:
            return warm(s, w)
        if s > total:
            return lr_end / base
        decay = (base - lr_end) * (1 - (s - w) / (total - w)) ** power + lr_end
        return decay / base

    def inv_sqrt(s, w=10, timescale=10):
        if s < w:
            return warm(s, w)
        return 1.0 / math.sqrt((s + timescale - w) / timescale)

    def wsd(s, w=10, stable=60, decay=30, min_ratio=0.1):
        if s < w:
            return warm(s, w)
        if s < w + stable:
            return 1.0
        if s < w + stable + decay:
            p = (s - w - stable) / max(1, decay)
            v = max(0.0, 0.5 * (1 + math.cos(math.pi * 0.5 * 2 * p)))
            return (1 - min_ratio) * v + min_ratio
        return min_ratio

    def cos_min_lr(s, w=10, total=100, cycles=0.5, min_rate=0.05):
        if s < w:
            return warm(s, w)
        p = (s - w) / max(1, total - w)
        factor = 0.5 * (1.0 + math.cos(math.pi * cycles * 2.0 * p))
        return max(0, factor * (1 - min_rate) + min_rate)

    lr = lambda f: (lambda s: {"lr": base * f(s)})  # noqa: E731
    return {
        "constant_with_warmup": table(lr(lambda s: warm(s, 10) if s < 10 else 1.0), around(0, 10, 50)),
        "linear": table(lr(linear), around(0, 10, 55, 100)),
        "cosine": table(lr(cosine), around(0, 10, 55, 100)[:-1]),
        "cosine_hard_restarts": table(lr(hard), around(0, 10, 40, 70, 100)),
        "polynomial": table(lr(poly), around(0, 10, 55, 100)),
        "inverse_sqrt": table(lr(inv_sqrt), around(0, 10, 100, 1000)),
        "warmup_stable_decay": table(lr(wsd), around(0, 10, 70, 85, 100)),
        "cosine_with_min_lr": table(lr(cos_min_lr), around(0, 10, 55, 100)[:-1]),
        # num_warmup_steps=0, the library's default: the same templates with their warmup empty.
        "constant_with_warmup warm=0": table(lr(lambda s: 1.0), around(0, 50)),
        "linear warm=0": table(lr(lambda s: linear(s, w=0)), around(0, 55, 100)),
        "cosine warm=0": table(lr(lambda s: cosine(s, w=0)), around(0, 55, 100)[:-1]),
        "inverse_sqrt warm=0": table(lr(lambda s: inv_sqrt(s, w=0)), around(0, 100, 1000)),
        "warmup_stable_decay warm=0": table(lr(lambda s: wsd(s, w=0)), around(0, 60, 75, 90)),
    }


# ---- DeepSpeed (deepspeed/runtime/lr_schedules.py) ----

def ds_tables():
    def warm_gamma(s, w, kind):
        if s < w:
            return math.log(s + 1) / math.log(w) if kind == "log" else s / w
        return 1.0

    def warmup_lr(s, lo=0.0, hi=0.001, w=100, kind="log"):
        return lo + (hi - lo) * warm_gamma(s, w, kind)

    def warmup_decay(s, total=1000, lo=0.0, hi=0.001, w=100):
        if s < w:
            g = warm_gamma(s, w, "log")
        else:
            g = max(0.0, (total - s) / max(1.0, total - w))
        return lo + (hi - lo) * g

    def warmup_cosine(s, base=0.001, total=1000, wmin=0.1, w=100, cmin=1e-4):
        if s < w:
            r = math.log(s + 1) / math.log(w)
            return base * (wmin + r * (1 - wmin))
        real_last = s - w + 1
        real_total = total - w
        r = (1 + math.cos(math.pi * real_last / real_total)) / 2
        return base * max(0.0, cmin + (1 - cmin) * r)

    def one_cycle(s):
        first, second = 40, 60
        total = first + second
        ratio = first / total
        b = s + 1
        cycle = math.floor(1 + b / total)
        x = 1.0 + b / total - cycle
        scale = x / ratio if x <= ratio else (x - 1) / (ratio - 1)
        if s < total:
            lr = 1e-4 + (1e-3 - 1e-4) * scale
            mom = 0.95 - (0.95 - 0.85) * scale
        else:
            d = s - total + 1
            lr = 1e-4 / (1 + 0.1 * d / 10)
            mom = 0.95 * (1 + 0.01 * d / 10)
        return {"lr": lr, "momentum": mom}

    lr = lambda f: (lambda s: {"lr": f(s)})  # noqa: E731
    return {
        "warmup_log": table(lr(warmup_lr), around(0, 1, 50, 100)),
        "warmup_linear": table(lr(lambda s: warmup_lr(s, kind="linear")), around(0, 50, 100)),
        "warmup_decay": table(lr(warmup_decay), around(0, 100, 550, 1000)),
        "warmup_cosine": table(lr(warmup_cosine), around(0, 100, 550, 999)[:-1]),
        "one_cycle": table(one_cycle, around(0, 39, 40, 99, 100, 150)),
        "lr_range_test": table(lr(lambda s: 1e-4 * (1 + 0.5 * (s + 1) / 10)), around(0, 9, 10, 100)),
        "lr_range_test_staircase": table(lr(lambda s: 1e-4 * (1 + 0.5 * math.floor((s + 1) / 10))),
                                         around(0, 9, 19, 100)),
    }


# ---- llm.c (train_gpt2.cu get_learning_rate / llmc/schedulers.h) ----

def llmc_tables():
    def sched(kind, lr=6e-4, warmup=70, total=1000, frac=0.1):
        def f(step):
            if kind == "constant":
                return {"lr": lr}
            if step < warmup:
                return {"lr": lr * (step + 1) / warmup}
            ratio = (step - warmup) / (total - warmup)
            min_lr = lr * frac
            if kind == "cosine":
                coeff = 0.5 * (1.0 + math.cos(math.pi * ratio))
                return {"lr": min_lr + coeff * (lr - min_lr)}
            return {"lr": lr - ratio * (lr - min_lr)}
        return f

    return {
        "cosine": table(sched("cosine"), around(0, 69, 70, 500, 999)),
        "linear": table(sched("linear"), around(0, 69, 70, 500, 999)),
        "constant": table(sched("constant"), [0, 999]),
    }


# ---- AllenNLP (allennlp/training/learning_rate_schedulers/cosine.py, CosineWithRestarts) ----

def allennlp_cosine_restarts(base, t_initial, t_mul=1.0, eta_min=0.0, eta_mul=1.0):
    """The lr after s calls of step(): the scheduler's own state machine, replayed from 0. A
    cycle ends when the steps since the last restart reach int(t_initial * t_mul**n)."""
    def f(s):
        last_restart, n, cycle_len, t = 0, 0, t_initial, 0
        for step in range(1, s + 1):
            t = step - last_restart
            if t % cycle_len == 0:
                n, t, last_restart = n + 1, 0, step
            cycle_len = int(t_initial * t_mul ** n)
        peak = base * eta_mul ** n
        return {"lr": eta_min + (peak - eta_min) / 2 * (math.cos(math.pi * t / cycle_len) + 1)}
    return f


def allennlp_tables():
    return {
        "cosine_restarts": table(allennlp_cosine_restarts(0.1, 30, 1.5, 1e-4, 0.8),
                                 around(0, 30, 75, 142, 243, 394, 621, 700)),
        "cosine_restarts_ulp": table(allennlp_cosine_restarts(0.1, 100, 1.15), around(0, 100, 214, 215, 346)),
        "cosine_restarts_short": table(allennlp_cosine_restarts(0.1, 10, 1.3), around(0, 10, 23, 39, 60, 88, 125)),
    }


# ---- Composer (composer/optim/scheduler.py, CosineAnnealingWarmRestartsScheduler) ----

def composer_warm_restarts(base, t_0, t_mult=1.0, alpha_f=0.0):
    """base times Composer's multiplier at batch s: intervals of t_0, then each int(t_mult * the
    last), and the cosine from 1 to alpha_f over the fraction of the current interval."""
    def f(s):
        length, end = t_0, t_0
        while end <= s:
            length = int(t_mult * length)
            end += length
        frac = (s - (end - length)) / length
        return {"lr": base * (alpha_f + (1 - alpha_f) * (1 + math.cos(math.pi * frac)) / 2)}
    return f


def composer_tables():
    return {
        "warm_restarts": table(composer_warm_restarts(0.1, 30, 1.5, 0.01), around(0, 30, 75, 142, 242, 392, 617, 700)),
        "warm_restarts_ulp": table(composer_warm_restarts(0.1, 200, 1.15), around(0, 200, 429, 430, 692)),
        "warm_restarts_short": table(composer_warm_restarts(0.1, 10, 1.3), around(0, 10, 23, 39, 59, 85, 118)),
    }


LIBRARIES = {
    "pytorch": torch_tables,
    "optax": optax_tables,
    "keras": keras_tables,
    "timm": timm_tables,
    "huggingface": hf_tables,
    "deepspeed": ds_tables,
    "llmc": llmc_tables,
    "allennlp": allennlp_tables,
    "composer": composer_tables,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--outdir", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("library", nargs="*", default=sorted(LIBRARIES))
    args = ap.parse_args()
    for lib in args.library:
        path = os.path.join(args.outdir, lib + ".csv")
        with open(path, "w") as out:
            out.write("schedule,step,channel,value\n")
            for name, rows in LIBRARIES[lib]().items():
                for step, values in rows:
                    for channel, v in values.items():
                        out.write("%s,%d,%s,%r\n" % (name, step, channel, float(v)))
        print("wrote", path)


main()
