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


# Every option combination: (name, kind, options, scheduled channels, restart action, bias mode).
# The restart action is what the schedule's `on restart` does at steps 120 and 220.
def tables():
    out = []
    for mom in (0, 1):
        for damp, nest in ([(0, 0)] if not mom else [(0, 0), (0.1, 0), (0, 1)]):
            for wd in (0, 1e-2):
                name = "sgd" + "_mom" * mom + "_damp" * (damp > 0) + "_nesterov" * nest + "_wd" * (wd > 0)
                out.append((name, "sgd", dict(peak=0.1, dampening=damp, nesterov=nest, weight_decay=wd),
                            ["momentum"] if mom else [], "reset_momentum" if mom else "none", "product"))
    out.append(("sgd_mom_const", "sgd", dict(peak=0.1, momentum=0.9), [], "none", "product"))
    for kind, wds in (("adam", (0, 1e-2)), ("adamw", (1e-2, 0.1))):
        for bias in ("power", "product"):
            for wd in wds:
                for ams in (0, 1):
                    name = "%s_%s%s%s" % (kind, bias, "_wd%g" % wd if wd else "", "_amsgrad" * ams)
                    opts = dict(peak=1e-2, weight_decay=wd, amsgrad=ams)
                    if bias == "power":
                        # torch.optim's 1 - beta^t under scheduled betas; reset momentum
                        # zeroes m and leaves t, as torch would
                        sched = ["momentum", "beta2"] if ams else ["momentum"]
                        action = "reset_moments" if wd == wds[0] else "reset_momentum"
                    else:
                        # constant betas, where prod beta = beta^t and both formulas agree
                        opts.update(momentum=0.9, beta2=0.99 if ams else 0.999)
                        sched, action = [], "reset_moments" if wd == wds[0] else "none"
                    out.append((name, kind, opts, sched, action, bias))
    for centered in (0, 1):
        for mom in (0, 1):
            for wd in (0, 1e-2):
                name = "rms" + "_centered" * centered + "_mom" * mom + "_wd" * (wd > 0)
                sched = (["momentum"] if mom else []) + (["beta2"] if wd else [])
                action = "reset_moments" if centered else "reset_momentum" if mom else "none"
                out.append((name, "rmsprop", dict(peak=1e-2, centered=centered, weight_decay=wd, beta2=0.99),
                            sched, action, "product"))
    return out


DEFAULTS = dict(momentum=0.0, beta2=0.0, weight_decay=0.0, dampening=0.0, nesterov=0, centered=0, amsgrad=0,
                eps=1e-8)


def make(kind, groups, o):
    if kind == "sgd":
        return torch.optim.SGD(groups, lr=o["peak"], momentum=0.9 if "momentum" in o["sched"] else o["momentum"],
                               dampening=o["dampening"], nesterov=bool(o["nesterov"]),
                               weight_decay=0)
    if kind in ("adam", "adamw"):
        cls = torch.optim.Adam if kind == "adam" else torch.optim.AdamW
        return cls(groups, lr=o["peak"], betas=(0.9, 0.999), eps=o["eps"], amsgrad=bool(o["amsgrad"]))
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
                    for key in ("exp_avg_sq", "max_exp_avg_sq", "square_avg", "grad_avg"):
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
        for key in ("peak", "momentum", "beta2", "weight_decay", "dampening", "nesterov", "centered", "amsgrad",
                    "eps"):
            f.write("%s %.17g\n" % (key, o[key]))
        f.write("steps %d\nelements %d\ndata\n" % (STEPS, sum(n for n, _, _ in GROUPS)))
        f.write("\n".join(rows) + "\n")


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    torch.set_num_threads(1)
    all_tables = tables()
    for t in all_tables:
        run(*t, outdir)
    with open(os.path.join(outdir, "tables.txt"), "w") as f:
        f.write("".join(t[0] + "\n" for t in all_tables))
    print("wrote %d tables and tables.txt to %s" % (len(all_tables), outdir))


if __name__ == "__main__":
    main()
