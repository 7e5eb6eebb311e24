"""test_conformance.py: anneal.torch.Scheduler against PyTorch's own schedulers, live, for every case of tests/conformance.

Each case drives a real torch.optim optimizer with the torch scheduler that gen_torch.py used
for the table and an identical optimizer with anneal.torch.Scheduler over the case's .anneal
file, the same way (optimizer.step(), then scheduler.step()), and compares param_group["lr"]
(and momentum or betas[0]) at every step to 1e-12 of the column's peak, the tolerance of
tests/conformance/run.sh; the table itself is checked too. Where torch restarts
(CosineAnnealingWarmRestarts' T_cur back to 0), the Anneal scheduler fires its restart hook.
"""
import csv
import os
import warnings

import pytest

torch = pytest.importorskip("torch")
import anneal  # noqa: E402
import anneal.torch  # noqa: E402
from conftest import SRCDIR, conformance  # noqa: E402

lrs = torch.optim.lr_scheduler
TOL = 1e-12


def sgd(lr, momentum=0.0):
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr, momentum=momentum)


def adam(lr):
    return torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))], lr=lr)


def cyclic(base_lr, max_lr, up, down, mode, gamma, base_m, max_m):
    return (lambda: sgd(base_lr, max_m),
            lambda o: lrs.CyclicLR(o, base_lr=base_lr, max_lr=max_lr, step_size_up=up, step_size_down=down,
                                   mode=mode, gamma=gamma, cycle_momentum=True, base_momentum=base_m,
                                   max_momentum=max_m),
            "momentum")


def warm(lr, T_0, T_mult, eta_min):
    return (lambda: sgd(lr),
            lambda o: lrs.CosineAnnealingWarmRestarts(o, T_0=T_0, T_mult=T_mult, eta_min=eta_min), None)


# case -> (optimizer, torch scheduler, second column), as tests/conformance/gen_torch.py builds them
CASES = {
    "cosine_annealing": (lambda: sgd(0.1), lambda o: lrs.CosineAnnealingLR(o, T_max=100, eta_min=0.001), None),
    "warm_restarts_mult1": warm(0.05, 50, 1, 1e-4),
    "warm_restarts_mult2": warm(0.1, 20, 2, 0.0),
    "warm_restarts_mult3_t1": warm(0.1, 1, 3, 0.001),
    "warm_restarts_mult3_t10": warm(0.1, 10, 3, 0.0),
    "warm_restarts_far": warm(0.1, 10, 3, 0.0),
    "linear_then_cosine": (
        lambda: sgd(0.1),
        lambda o: lrs.SequentialLR(o, [lrs.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=50),
                                       lrs.CosineAnnealingLR(o, T_max=450, eta_min=1e-5)], milestones=[50]),
        None),
    "onecycle_cos": (
        lambda: sgd(0.1, 0.9),
        lambda o: lrs.OneCycleLR(o, max_lr=0.1, total_steps=1000, pct_start=0.3, anneal_strategy="cos",
                                 base_momentum=0.85, max_momentum=0.95, div_factor=25.0, final_div_factor=1e4),
        "momentum"),
    "onecycle_linear": (
        lambda: adam(0.001),
        lambda o: lrs.OneCycleLR(o, max_lr=0.003, total_steps=555, pct_start=0.3, anneal_strategy="linear",
                                 base_momentum=0.85, max_momentum=0.95, div_factor=10.0, final_div_factor=100.0),
        "beta1"),
    "cyclic_triangular": cyclic(0.001, 0.006, 200, 200, "triangular", 1.0, 0.8, 0.9),
    "cyclic_triangular2": cyclic(0.0005, 0.005, 100, 150, "triangular2", 1.0, 0.85, 0.95),
    "cyclic_exp_range": cyclic(0.001, 0.01, 60, 40, "exp_range", 0.999, 0.8, 0.9),
    "polynomial": (lambda: sgd(0.05), lambda o: lrs.PolynomialLR(o, total_iters=300, power=0.9), None),
    "exponential": (lambda: sgd(0.1), lambda o: lrs.ExponentialLR(o, gamma=0.99), None),
    "step": (lambda: sgd(0.1), lambda o: lrs.StepLR(o, step_size=30, gamma=0.5), None),
    "multistep": (lambda: sgd(0.1), lambda o: lrs.MultiStepLR(o, milestones=[100, 250, 400], gamma=0.1), None),
}


def test_every_case_is_covered():
    d = os.path.join(SRCDIR, "tests", "conformance")
    files = sorted(f[:-7] for f in os.listdir(d) if f.endswith(".anneal"))
    assert files == sorted(CASES)


def table(case):
    with open(os.path.join(SRCDIR, "tests", "conformance", case + ".csv")) as f:
        rows = list(csv.reader(f))
    return rows[0], [[float(x) for x in r] for r in rows[1:]]


def second(group, kind):
    return group["betas"][0] if kind == "beta1" else group["momentum"]


@pytest.mark.parametrize("case", sorted(CASES))
def test_case(case):
    make_opt, make_sched, kind = CASES[case]
    header, rows = table(case)
    first, last = int(rows[0][0]), int(rows[-1][0]) + 1
    t_opt, a_opt = make_opt(), make_opt()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_sched = make_sched(t_opt)
        a_sched = anneal.torch.Scheduler(a_opt, anneal.load(conformance(case)).schedule())
        assert a_sched.last_epoch == 0
        for _ in range(first):  # a window far out: only the schedulers advance, as gen_torch.py does
            t_sched.step()
            a_sched.step()
        got = {"t": [], "a": []}
        restarts = []
        for k in range(first, last):
            assert a_sched.last_epoch == k
            got["t"].append((t_opt.param_groups[0]["lr"], second(t_opt.param_groups[0], kind) if kind else 0))
            got["a"].append((a_opt.param_groups[0]["lr"], second(a_opt.param_groups[0], kind) if kind else 0))
            assert a_sched.get_last_lr() == [a_opt.param_groups[0]["lr"]]
            if isinstance(t_sched, lrs.CosineAnnealingWarmRestarts):
                restarts.append((k, k > 0 and t_sched.T_cur == 0, "restart" in a_sched.schedule(k).events))
            t_opt.step()
            a_opt.step()
            t_sched.step()
            a_sched.step()
    assert len(got["a"]) == len(rows)
    for col in range(2 if kind else 1):
        peak = max(abs(t[col]) for t in got["t"])
        worst = max(abs(a[col] - t[col]) for a, t in zip(got["a"], got["t"])) / peak
        assert worst <= TOL, "%s: %s differs from torch by %.2e of the peak" % (case, header[col + 1], worst)
        tab = max(abs(a[col] - r[col + 1]) for a, r in zip(got["a"], rows)) / peak
        assert tab <= TOL, "%s: %s differs from the table by %.2e of the peak" % (case, header[col + 1], tab)
    wrong = [(k, t, a) for k, t, a in restarts if t != a]
    assert wrong == [], "restart steps differ (step, torch, anneal): %s" % wrong[:5]
    if restarts:
        assert any(t for _, t, _ in restarts)
