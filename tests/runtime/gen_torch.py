#!/usr/bin/python3
"""gen_torch.py: writes the torch.optim trajectory tables libanneal's conformance suite replays.

Run with Debian's python3-torch: /usr/bin/python3 tests/runtime/gen_torch.py tests/runtime
Each table is one optimizer and option combination over 240 steps of a schedule
that warms lr up for 20 steps, then restarts a cosine every 100 steps (restart
events at 120 and 220) while momentum/beta1 (and, where asked, beta2) change
every step.  check_runtime_torch.c computes the same schedule and gradients in C
(the formulas below are mirrored there; change both together).
"""
import math
import os
import sys

import torch

STEPS = 240
WARM = 20
PERIOD = 100
GROUPS = [(5, 1.0, 1.0), (3, 0.5, 0.0)]  # (elements, lr_scale, wd_scale)


def sched(step, peak):
    """lr, momentum, beta2 at a step (the C test mirrors this exactly)."""
    if step < WARM:
        return peak * step / WARM, 0.95, 0.999
    k = (step - WARM) // PERIOD
    t = (step - WARM) % PERIOD
    top = peak * 0.8 ** k
    floor = peak * 1e-3
    lr = floor + (top - floor) * (0.5 * (1.0 + math.cos(math.pi * t / PERIOD)))
    mom = 0.85 + 0.1 * (t / PERIOD)
    beta2 = 0.99 + 0.009 * (t / PERIOD)
    return lr, mom, beta2


def restart(step):
    return step >= WARM + PERIOD and (step - WARM) % PERIOD == 0


def grad(step, i):
    """A gradient exactly representable in float32: a mean per element plus a hashed noise."""
    x = ((step * 73856093) ^ (i * 19349663)) & 0xFFFFFFFF
    x = (x * 2654435761) & 0xFFFFFFFF
    x ^= x >> 16
    return (i - 3) / 8.0 + ((x % 4001) - 2000) / 1024.0


def init(i):
    return ((i * 37) % 11 - 5) / 4.0


# name, kind, options, scheduled channels, restart action, bias mode
TABLES = [
    ("sgd_plain", "sgd", dict(peak=0.1), [], "none", "product"),
    ("sgd_wd", "sgd", dict(peak=0.1, weight_decay=1e-2), [], "none", "product"),
    ("sgd_mom", "sgd", dict(peak=0.1), ["momentum"], "reset_momentum", "product"),
    ("sgd_mom_const", "sgd", dict(peak=0.1, momentum=0.9), [], "none", "product"),
    ("sgd_damp_wd", "sgd", dict(peak=0.1, dampening=0.1, weight_decay=1e-2), ["momentum"], "reset_momentum",
     "product"),
    ("sgd_nesterov_wd", "sgd", dict(peak=0.1, nesterov=1, weight_decay=1e-2), ["momentum"], "reset_momentum",
     "product"),
    ("adam_sched", "adam", dict(peak=1e-2), ["momentum"], "reset_moments", "power"),
    ("adam_sched_wd", "adam", dict(peak=1e-2, weight_decay=1e-2), ["momentum", "beta2"], "reset_momentum",
     "power"),
    ("adam_product", "adam", dict(peak=1e-2, momentum=0.9, beta2=0.999), [], "reset_moments", "product"),
    ("adam_product_wd", "adam", dict(peak=1e-2, momentum=0.9, beta2=0.99, weight_decay=0.1), [], "none",
     "product"),
    ("adamw_sched", "adamw", dict(peak=1e-2, weight_decay=1e-2), ["momentum"], "reset_moments", "power"),
    ("adamw_product", "adamw", dict(peak=1e-2, momentum=0.9, beta2=0.999, weight_decay=0.1), [],
     "reset_moments", "product"),
    ("rms_plain", "rmsprop", dict(peak=1e-2, beta2=0.99), [], "none", "product"),
    ("rms_centered", "rmsprop", dict(peak=1e-2, beta2=0.99, centered=1), [], "reset_moments", "product"),
    ("rms_mom", "rmsprop", dict(peak=1e-2, beta2=0.99), ["momentum"], "reset_momentum", "product"),
    ("rms_centered_mom_wd", "rmsprop", dict(peak=1e-2, centered=1, weight_decay=1e-2), ["momentum", "beta2"],
     "reset_moments", "product"),
]

DEFAULTS = dict(momentum=0.0, beta2=0.0, weight_decay=0.0, dampening=0.0, nesterov=0, centered=0, eps=1e-8)


def make(kind, groups, o):
    if kind == "sgd":
        return torch.optim.SGD(groups, lr=o["peak"], momentum=0.9 if "momentum" in o["sched"] else o["momentum"],
                               dampening=o["dampening"], nesterov=bool(o["nesterov"]),
                               weight_decay=0)
    if kind in ("adam", "adamw"):
        cls = torch.optim.Adam if kind == "adam" else torch.optim.AdamW
        return cls(groups, lr=o["peak"], betas=(0.9, 0.999), eps=o["eps"])
    return torch.optim.RMSprop(groups, lr=o["peak"], alpha=0.99, eps=o["eps"], centered=bool(o["centered"]),
                               momentum=0.5 if "momentum" in o["sched"] else o["momentum"])


def run(name, kind, opts, sched_ch, action, bias, outdir):
    o = dict(DEFAULTS)
    o.update(opts)
    o["sched"] = sched_ch
    if kind in ("adam", "adamw") and "beta2" not in opts:
        o["beta2"] = 0.999
    if kind == "adamw" and "weight_decay" not in opts:
        o["weight_decay"] = 1e-2
    if kind == "rmsprop" and "beta2" not in opts:
        o["beta2"] = 0.99
    if kind in ("adam", "adamw") and "momentum" not in opts:
        o["momentum"] = 0.9
    params, groups, idx = [], [], 0
    for n, lr_scale, wd_scale in GROUPS:
        t = torch.tensor([init(idx + j) for j in range(n)], dtype=torch.float32, requires_grad=True)
        params.append(t)
        groups.append({"params": [t]})
        idx += n
    opt = make(kind, groups, o)
    rows = []
    for step in range(STEPS):
        lr, mom, beta2 = sched(step, o["peak"])
        if "momentum" not in sched_ch:
            mom = o["momentum"]
        if "beta2" not in sched_ch:
            beta2 = o["beta2"]
        idx = 0
        for g, t, (n, lr_scale, wd_scale) in zip(opt.param_groups, params, GROUPS):
            g["lr"] = lr * lr_scale
            g["weight_decay"] = o["weight_decay"] * wd_scale
            if kind == "sgd" or kind == "rmsprop":
                g["momentum"] = mom
                if kind == "rmsprop":
                    g["alpha"] = beta2
            else:
                g["betas"] = (mom, beta2)
            t.grad = torch.tensor([grad(step, idx + j) for j in range(n)], dtype=torch.float32)
            idx += n
        if restart(step) and action != "none":
            for t in params:
                st = opt.state[t]
                for key in ("momentum_buffer", "exp_avg"):
                    if st.get(key) is not None:
                        st[key].zero_()
                if action == "reset_moments":
                    for key in ("exp_avg_sq", "square_avg", "grad_avg"):
                        if st.get(key) is not None:
                            st[key].zero_()
                    if "step" in st and torch.is_tensor(st["step"]):
                        st["step"].zero_()
        opt.step()
        vals = [v for t in params for v in t.detach().tolist()]
        rows.append("%d %.17g %.17g %.17g %s" % (step, lr, mom, beta2, " ".join("%.9g" % v for v in vals)))
    with open(os.path.join(outdir, name + ".tbl"), "w") as f:
        f.write("# %s: torch %s, written by gen_torch.py; do not edit\n" % (name, torch.__version__))
        f.write("kind %s\nbias %s\nrestart %s\nchannels %s\n" % (kind, bias, action, " ".join(["lr"] + sched_ch)))
        for key in ("peak", "momentum", "beta2", "weight_decay", "dampening", "nesterov", "centered", "eps"):
            f.write("%s %.17g\n" % (key, o[key]))
        f.write("steps %d\nelements %d\ndata\n" % (STEPS, sum(n for n, _, _ in GROUPS)))
        f.write("\n".join(rows) + "\n")


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    torch.set_num_threads(1)
    for t in TABLES:
        run(*t, outdir)
    print("wrote %d tables to %s" % (len(TABLES), outdir))


if __name__ == "__main__":
    main()
