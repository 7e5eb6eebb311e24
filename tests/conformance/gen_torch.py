#!/usr/bin/python3
"""gen_torch.py: writes the PyTorch reference tables of tests/conformance (<case>.csv).

Run with Debian's /usr/bin/python3 (python3-torch 1.13):
    /usr/bin/python3 tests/conformance/gen_torch.py [--outdir DIR] [CASE...]

Each case builds an optimizer and a torch.optim.lr_scheduler exactly as a training
loop would, then calls optimizer.step() and scheduler.step() once per step and reads
param_groups[0]['lr'] (and 'momentum', or betas[0] for Adam) after each call;
CosineAnnealingWarmRestarts cases also record where the scheduler restarted
(its T_cur back to 0) as columns restart (0/1) and cycle (restarts so far). Row
`step` holds the value the optimizer would use at 0-based training step `step`:
row 0 is the value right after construction, row k the value after k calls.
Floats are written with repr(), which round-trips exactly; integer columns as integers.

For each case the script also prints how far PyTorch's value lies from the closed
form of the same schedule (evaluated here in double), relative to the column's
peak; that is how the README's figures for PyTorch's recursive forms were measured.
"""

import argparse
import math
import os
import sys
import warnings

import torch

warnings.filterwarnings("ignore")


def _param():
    return [torch.nn.Parameter(torch.zeros(1))]


def sgd(lr, momentum=0.0):
    return torch.optim.SGD(_param(), lr=lr, momentum=momentum)


def drive(opt, sched, steps, momentum=None, first=0, extra=None):
    """Rows (step, lr[, momentum][, extra...]) for steps first .. steps-1.

    momentum: None, 'momentum' or 'beta1'. extra(sched, step) returns more values
    for the row; it is called at every step, those before `first` included."""
    for s in range(first):  # a window far out: only the scheduler needs to advance
        if extra:
            extra(sched, s)
        sched.step()
    rows = []
    for s in range(first, steps):
        g = opt.param_groups[0]
        row = [s, g["lr"]]
        if momentum == "momentum":
            row.append(g["momentum"])
        elif momentum == "beta1":
            row.append(g["betas"][0])
        if extra:
            row += extra(sched, s)
        rows.append(row)
        opt.step()
        sched.step()
    return rows


class Restarts:
    """Columns restart and cycle, read off CosineAnnealingWarmRestarts' own state:
    it restarted at a step (after step 0) when its T_cur is back to 0 there."""

    def __init__(self):
        self.cycle = 0

    def __call__(self, sched, s):
        restart = int(s > 0 and sched.T_cur == 0)
        self.cycle += restart
        return [restart, self.cycle]


def cos_half(x):
    """(1 + cos(pi x)) / 2: 1 at x = 0, 0 at x = 1."""
    return (1 + math.cos(math.pi * x)) / 2


# --- the cases: each returns (columns, rows, closed form per column) -----------------

def cosine_annealing():
    opt = sgd(0.1)
    s = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=100, eta_min=0.001)
    closed = lambda k: 0.001 + (0.1 - 0.001) * cos_half(k / 100)
    return ["lr"], drive(opt, s, 450), [closed]


def _warm_restarts(lr, T_0, T_mult, eta_min, steps, first=0):
    opt = sgd(lr)
    s = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(
        opt, T_0=T_0, T_mult=T_mult, eta_min=eta_min)

    def cycle_of(k):
        start, length, cycle = 0, T_0, 0
        while k >= start + length:
            start, length, cycle = start + length, length * T_mult, cycle + 1
        return start, length, cycle

    def closed(k):
        start, length, _ = cycle_of(k)
        return eta_min + (lr - eta_min) * cos_half((k - start) / length)
    closed_restart = lambda k: int(k > 0 and cycle_of(k)[0] == k)
    closed_cycle = lambda k: cycle_of(k)[2]
    rows = drive(opt, s, steps, first=first, extra=Restarts())
    return ["lr", "restart", "cycle"], rows, [closed, closed_restart, closed_cycle]


def warm_restarts_mult1():
    return _warm_restarts(0.05, 50, 1, 1e-4, 400)


def warm_restarts_mult2():
    return _warm_restarts(0.1, 20, 2, 0.0, 1300)


def warm_restarts_mult3_t1():
    return _warm_restarts(0.1, 1, 3, 0.001, 1200)


def warm_restarts_mult3_t10():
    return _warm_restarts(0.1, 10, 3, 0.0, 1500)


def warm_restarts_far():
    """A window around the restart at step 295240 (cycle 10 of T_0=10, T_mult=3)."""
    return _warm_restarts(0.1, 10, 3, 0.0, 295340, first=295140)


def linear_then_cosine():
    opt = sgd(0.1)
    warm = torch.optim.lr_scheduler.LinearLR(opt, start_factor=0.1, end_factor=1.0, total_iters=50)
    decay = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=450, eta_min=1e-5)
    s = torch.optim.lr_scheduler.SequentialLR(opt, [warm, decay], milestones=[50])

    def closed(k):
        if k < 50:
            return 0.1 * (0.1 + 0.9 * k / 50)
        return 1e-5 + (0.1 - 1e-5) * cos_half((k - 50) / 450)
    return ["lr"], drive(opt, s, 501), [closed]


def _one_cycle_closed(max_lr, total, pct, div, final_div, base_m, max_m, anneal):
    initial = max_lr / div
    low = initial / final_div
    up_end = float(pct * total) - 1

    def at(k, a0, a1, b1):
        if k <= up_end:
            return anneal(a0, a1, k / up_end)
        return anneal(a1, b1, (k - up_end) / (total - 1 - up_end))
    return [lambda k: at(k, initial, max_lr, low), lambda k: at(k, max_m, base_m, max_m)]


def onecycle_cos():
    opt = sgd(0.1, momentum=0.9)
    s = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=0.1, total_steps=1000, pct_start=0.3, anneal_strategy="cos",
        base_momentum=0.85, max_momentum=0.95, div_factor=25.0, final_div_factor=1e4)
    closed = _one_cycle_closed(0.1, 1000, 0.3, 25.0, 1e4, 0.85, 0.95,
                               lambda a, b, x: b + (a - b) * cos_half(x))
    return ["lr", "momentum"], drive(opt, s, 1000, "momentum"), closed


def onecycle_linear():
    opt = torch.optim.Adam(_param(), lr=0.001)
    s = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=0.003, total_steps=555, pct_start=0.3, anneal_strategy="linear",
        base_momentum=0.85, max_momentum=0.95, div_factor=10.0, final_div_factor=100.0)
    closed = _one_cycle_closed(0.003, 555, 0.3, 10.0, 100.0, 0.85, 0.95,
                               lambda a, b, x: a + (b - a) * x)
    return ["lr", "momentum"], drive(opt, s, 555, "beta1"), closed


def _cyclic(base_lr, max_lr, up, down, mode, gamma, base_m, max_m, steps):
    opt = sgd(base_lr, momentum=max_m)
    s = torch.optim.lr_scheduler.CyclicLR(
        opt, base_lr=base_lr, max_lr=max_lr, step_size_up=up, step_size_down=down,
        mode=mode, gamma=gamma, cycle_momentum=True, base_momentum=base_m, max_momentum=max_m)

    def shape(k, lo, hi):
        c, t = divmod(k, up + down)
        frac = t / up if t <= up else 1 - (t - up) / down
        scale = {"triangular": 1.0, "triangular2": 0.5 ** c, "exp_range": gamma ** k}[mode]
        return lo + (hi - lo) * frac * scale
    closed = [lambda k: shape(k, base_lr, max_lr), lambda k: shape(k, max_m, base_m)]
    return ["lr", "momentum"], drive(opt, s, steps, "momentum"), closed


def cyclic_triangular():
    return _cyclic(0.001, 0.006, 200, 200, "triangular", 1.0, 0.8, 0.9, 1000)


def cyclic_triangular2():
    return _cyclic(0.0005, 0.005, 100, 150, "triangular2", 1.0, 0.85, 0.95, 1100)


def cyclic_exp_range():
    return _cyclic(0.001, 0.01, 60, 40, "exp_range", 0.999, 0.8, 0.9, 900)


def polynomial():
    opt = sgd(0.05)
    s = torch.optim.lr_scheduler.PolynomialLR(opt, total_iters=300, power=0.9)
    closed = lambda k: 0.05 * (1 - min(k, 300) / 300) ** 0.9
    return ["lr"], drive(opt, s, 400), [closed]


def exponential():
    opt = sgd(0.1)
    s = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.99)
    return ["lr"], drive(opt, s, 500), [lambda k: 0.1 * 0.99 ** k]


def step():
    opt = sgd(0.1)
    s = torch.optim.lr_scheduler.StepLR(opt, step_size=30, gamma=0.5)
    return ["lr"], drive(opt, s, 300), [lambda k: 0.1 * 0.5 ** (k // 30)]


def multistep():
    opt = sgd(0.1)
    s = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[100, 250, 400], gamma=0.1)
    closed = lambda k: 0.1 * 0.1 ** sum(1 for m in (100, 250, 400) if m <= k)
    return ["lr"], drive(opt, s, 500), [closed]


CASES = [
    cosine_annealing, warm_restarts_mult1, warm_restarts_mult2, warm_restarts_mult3_t1,
    warm_restarts_mult3_t10, warm_restarts_far, linear_then_cosine, onecycle_cos, onecycle_linear,
    cyclic_triangular, cyclic_triangular2, cyclic_exp_range, polynomial, exponential,
    step, multistep,
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--outdir", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("cases", nargs="*", help="case names (default: all)")
    args = ap.parse_args()
    byname = {f.__name__: f for f in CASES}
    unknown = [c for c in args.cases if c not in byname]
    if unknown:
        sys.exit("gen_torch.py: unknown case(s): " + ", ".join(unknown))
    print("torch", torch.__version__)
    for name in args.cases or list(byname):
        cols, rows, closed = byname[name]()
        with open(os.path.join(args.outdir, name + ".csv"), "w") as out:
            out.write(",".join(["step"] + cols) + "\n")
            for r in rows:
                cells = [str(v) if isinstance(v, int) else repr(float(v)) for v in r]
                out.write(",".join(cells) + "\n")
        drift = []
        for j, (col, f) in enumerate(zip(cols, closed)):
            peak = max(abs(r[j + 1]) for r in rows) or 1
            worst = max(rows, key=lambda r: abs(r[j + 1] - f(r[0])))
            err = abs(worst[j + 1] - f(worst[0])) / peak
            drift.append("%s %.2e (step %d)" % (col, err, worst[0]))
        print("%-24s %5d rows  closed form vs torch / peak: %s"
              % (name, len(rows), ", ".join(drift)))


if __name__ == "__main__":
    main()
