#!/usr/bin/python3
"""python_optim.py: the anneal package's torch side (anneal.torch) against torch itself, in one process.

Usage: PYTHONPATH=BUILDDIR/python/build /usr/bin/python3 bench/python_optim.py [--quick] [--sizes N,N]
           [--threads T,T] [--reps R]
(`make bench-python` runs it over the build tree.) Every candidate figure is printed beside its
reference, measured in this process in turn with it (A, B, A, B ...), best of --reps samples (five
times as many when a call takes under 0.1 ms); a sample repeats the call for >= 1 ms. bench.md
has why. The load average is printed at the start and the end: figures measured under load are
upper bounds.

(a) anneal.torch.Scheduler.step() on a torch.optim optimizer over one-element params, so the
    scheduler's own cost is what is timed, against torch's CosineAnnealingWarmRestarts and LambdaLR
    on an optimizer like it (each scheduler has its own). The anneal schedule is SGDR with a warmup
    (lr and momentum for SGD; lr, momentum, beta2 and weight_decay for AdamW): it writes more
    into the groups than torch's schedulers, which write lr alone.
(b) anneal.torch.SGD (momentum 0.9) and anneal.torch.AdamW against torch.optim.SGD and
    torch.optim.AdamW (torch 1.13's defaults: the per-tensor loop, not foreach) with the same
    hyperparameters, over one tensor of --sizes elements.
(c) the same over a model's parameter list: GPT-2 small's 148 tensors (124,439,808 parameters)
    and a Fashion-MNIST MLP's four (784-256-10), with torch's foreach=True as a second reference;
    then the fixed cost of a tensor: 148 one-element tensors, per tensor, beside the same steps
    made straight through the extension's Optim objects in a bare loop (the C call and libanneal's
    fixed cost), so the difference is what anneal.torch's Python costs a tensor.

GB/s is by bench.md's byte table (SGD-momentum 20, AdamW 28 bytes per element). The floor is
the time those bytes take at the in-place streaming bandwidth measured in the same rotation: a
torch x.add_(y) over two arrays that together are as large as the optimizer's arrays (3 per
element for SGD-momentum, 4 for AdamW), so the footprint in cache is the same and no store pays a
write-allocate read, 12 bytes per element of x. Its read-to-write mix (2:1) is not the optimizer's
(3:2, 4:3): it is an estimate of the same-traffic limit, not a same-traffic kernel; that one is
bench/runtime_step's reference, a separate C program, which this script does not run because it
cannot be interleaved with torch. anneal/floor near 1 means the step is at the memory's limit.

Fresh memory: torch.optim.AdamW makes two temporaries the size of a tensor per step (sqrt and the
division by the bias correction); glibc serves those over 32 MB by mmap and unmaps them when they
are freed, so each step first-touches them again. On these virtual machines a first touch has
been measured at up to ~12 ns per float32 (a page fault ~12 us, the host backing the page again;
an in-place pass over the same memory takes ~0.2 ns/element), and how much it costs moves from
minute to minute, so torch's AdamW at >= 10M elements can be several times slower than its
kernels alone. That is what torch costs here, so the ratio keeps it; a row whose side faults
>= 1000 times a step gets a note with the faults per step, to tell that cost from the kernels'.

Threads: torch picks one thread on this machine; torch.set_num_threads(T) sets OpenMP's default
for the calling thread, which libanneal (threads = 0) follows too, so both sides run on T.
"""

import os

os.environ.setdefault("OMP_PROC_BIND", "spread")  # read when torch loads libgomp

import argparse  # noqa: E402
import gc  # noqa: E402
import math  # noqa: E402
import resource  # noqa: E402
import time  # noqa: E402

import torch  # noqa: E402

import anneal  # noqa: E402
import anneal.torch as at  # noqa: E402

BYTES = {"sgd-momentum": 20, "adamw": 28}
ARRAYS = {"sgd-momentum": 3, "adamw": 4}  # p, g and the state a step streams
KIND = {"sgd-momentum": 0, "adamw": 2}  # enum anneal_kind
SAMPLE = 1e-3  # seconds a sample lasts at least
SMALL = 1e-4  # calls shorter than this get five times the samples
FAULTS_NOTED = 1000  # page faults per step worth a note under the row

SGDR = """
schedule sgdr {
  lr = warmup: linear(0, 0.1) for 500
       then restarts(period = 1000, mult = 2) { cosine(0.1, 1e-5) };
  momentum = 0.9;%s
}
"""
ADAM_CHANNELS = "\n  beta2 = 0.999;\n  weight_decay = 0.01;"


def gpt2_small_shapes(layers=12, d=768, vocab=50257, ctx=1024):
    """The parameter shapes of GPT-2 small (Hugging Face's names in the comments), in model order."""
    shapes = [(vocab, d), (ctx, d)]  # wte, wpe
    for _ in range(layers):
        shapes += [(d,), (d,),  # ln_1 weight, bias
                   (d, 3 * d), (3 * d,), (d, d), (d,),  # attn c_attn, c_proj (Conv1D: in x out)
                   (d,), (d,),  # ln_2
                   (d, 4 * d), (4 * d,), (4 * d, d), (d,)]  # mlp c_fc, c_proj
    return shapes + [(d,), (d,)]  # ln_f


MODELS = {
    "gpt2-small": gpt2_small_shapes(),
    "mlp-784-256-10": [(256, 784), (256,), (10, 256), (10,)],  # torch.nn.Linear: out x in
}
assert len(MODELS["gpt2-small"]) == 148
assert sum(math.prod(s) for s in MODELS["gpt2-small"]) == 124439808


def loadavg():
    return " ".join("%.2f" % x for x in os.getloadavg())


def once(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def best_of(fns, reps):
    """Best seconds per call of each fn, the fns run in turn, and each one's page faults per call;
    a first call of each is not timed (torch sets its state up then)."""
    per = []
    for fn in fns:
        fn()
        t = once(fn)
        if t < SAMPLE:
            t = min(t, once(fn), once(fn))
        per.append(t)
    iters = [max(1, math.ceil(SAMPLE / t)) for t in per]
    if max(per) < SMALL:
        reps *= 5
    best, flt = [math.inf] * len(fns), [0] * len(fns)
    for _ in range(reps):
        for i, (fn, k) in enumerate(zip(fns, iters)):
            f0 = faults()
            t0 = time.perf_counter()
            for _ in range(k):
                fn()
            best[i] = min(best[i], (time.perf_counter() - t0) / k)
            flt[i] += faults() - f0
    return best, [f / (reps * k) for f, k in zip(flt, iters)]


# ---- (a) the scheduler ----

def tiny_optimizer(kind, groups):
    params = [{"params": [torch.zeros(1, requires_grad=True)]} for _ in range(groups)]
    if kind == "SGD":
        return torch.optim.SGD(params, lr=0.1, momentum=0.9)
    return torch.optim.AdamW(params, lr=1e-3)


def scheduler_case(kind, groups, reps):
    schedule = anneal.loads(SGDR % ("" if kind == "SGD" else ADAM_CHANNELS), "python_optim.anneal").schedule()
    cand = at.Scheduler(tiny_optimizer(kind, groups), schedule)
    refs = []
    for make in (lambda o: torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=1000, T_mult=2),
                 lambda o: torch.optim.lr_scheduler.LambdaLR(
                     o, lambda e: 0.5 * (1 + math.cos(math.pi * (e % 1000) / 1000)))):
        opt = tiny_optimizer(kind, groups)
        s = make(opt)
        opt.step()  # torch warns of a scheduler stepped before its optimizer
        refs.append(s)
    t, _ = best_of([cand.step] + [s.step for s in refs], reps)
    return ",".join(schedule.channels), t


def scheduler_section(args):
    print("\n## (a) Scheduler.step(), us per step, tiny params; ratio = torch's time / anneal's")
    print("# %-6s %6s %-32s %8s %12s %6s %10s %6s" % ("optim", "groups", "anneal channels", "anneal",
                                                     "CosineAWR", "ratio", "LambdaLR", "ratio"))
    for kind in ("SGD", "AdamW"):
        for groups in (1, 10):
            channels, (a, cawr, lam) = scheduler_case(kind, groups, args.reps)
            print("  %-6s %6d %-32s %8.2f %12.2f %6.2f %10.2f %6.2f" % (kind, groups, channels, 1e6 * a,
                                                                       1e6 * cawr, cawr / a, 1e6 * lam, lam / a),
                  flush=True)
            print("RESULT scheduler %s %d %.6g %.6g %.6g" % (kind, groups, 1e6 * a, 1e6 * cawr, 1e6 * lam))


# ---- (b), (c) the fused optimizers ----

def tensors(shapes):
    ps = []
    for s in shapes:
        p = torch.full(s, 0.25, dtype=torch.float32, requires_grad=True)
        p.grad = torch.full(s, 0.75, dtype=torch.float32)
        ps.append(p)
    return ps


def optimizer(module, kind, params, **kw):
    if kind == "sgd-momentum":
        return module.SGD(params, lr=1e-3, momentum=0.9, **kw)
    return module.AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, **kw)


def step_case(kind, shapes, threads, reps, foreach):
    """Over tensors of shapes: seconds per step of anneal, torch (and torch foreach), the floor's
    seconds, the in-place stream's bytes per second, and the page faults per step of each side."""
    torch.set_num_threads(threads)  # before the arrays are first touched, with the kernels' threads
    n = sum(math.prod(s) for s in shapes)
    opts = [optimizer(at, kind, tensors(shapes)), optimizer(torch.optim, kind, tensors(shapes))]
    if foreach:
        opts.append(optimizer(torch.optim, kind, tensors(shapes), foreach=True))
    half = (ARRAYS[kind] * n + 1) // 2
    x, y = torch.full((half,), 0.25), torch.full((half,), 1e-9)
    t, flt = best_of([o.step for o in opts] + [lambda: x.add_(y)], reps)
    stream = 12 * half / t[-1]  # in-place bytes per second
    opts = x = y = None  # freed before the next case allocates its own
    gc.collect()
    return t[:-1], BYTES[kind] * n / stream, stream, flt[:-1]


def step_header(what, foreach):
    extra = " %12s %7s" % ("foreach ns", "ratio") if foreach else ""
    print("# %-13s %14s %3s %10s %7s %10s %7s %7s%s %10s %7s %7s" % (
        "kind", what, "thr", "anneal ns", "GB/s", "torch ns", "GB/s", "ratio", extra, "floor ns", "GB/s",
        "/floor"))


def step_row(kind, label, n, threads, t, floor, stream, flt):
    ns = [1e9 * x / n for x in t]
    extra = " %12.3f %7.2f" % (ns[2], t[2] / t[0]) if len(t) > 2 else ""
    print("  %-13s %14s %3d %10.3f %7.2f %10.3f %7.2f %7.2f%s %10.3f %7.2f %7.2f" % (
        kind, label, threads, ns[0], BYTES[kind] / ns[0], ns[1], BYTES[kind] / ns[1], t[1] / t[0], extra,
        1e9 * floor / n, stream / 1e9, t[0] / floor), flush=True)
    print("RESULT step %s %s %d %s %.6g" % (kind, label, threads, " ".join("%.6g" % x for x in ns), 1e9 * floor / n))
    if max(flt) >= FAULTS_NOTED:
        print("#   page faults per step: %s (fresh temporaries: see the docstring)" % ", ".join(
            "%s %.0f" % (who, f) for who, f in zip(("anneal", "torch", "foreach"), flt)))


def tensor_section(args):
    print("\n## (b) fused step over one tensor: ns/element; ratio = torch / anneal; floor = the bytes at the "
          "in-place stream's GB/s; /floor = anneal / floor")
    step_header("elements", False)
    for n in args.sizes:
        for kind in ("sgd-momentum", "adamw"):
            for thr in args.threads:
                step_row(kind, str(n), n, thr, *step_case(kind, [(n,)], thr, args.reps, False))


def model_section(args, models):
    print("\n## (c) fused step over a model's parameters: ns/element of the whole step; foreach = "
          "torch.optim's foreach=True")
    step_header("model", True)
    steps = {}
    for name in models:
        shapes = MODELS[name]
        n = sum(math.prod(s) for s in shapes)
        print("# %s: %d tensors, %d parameters" % (name, len(shapes), n))
        for kind in ("sgd-momentum", "adamw"):
            for thr in args.threads:
                t, floor, stream, flt = step_case(kind, shapes, thr, args.reps, True)
                step_row(kind, name, n, thr, t, floor, stream, flt)
                steps[name, kind, thr] = t[0]
    return steps


def raw_steps(kind, count):
    """One-element libanneal optimizers stepped straight through the extension (anneal._anneal.Optim,
    as anneal.torch sets them up): the C call and libanneal's fixed cost of a tensor, with a bare
    loop; None when the extension's Optim no longer takes these arguments."""
    ps = tensors([(1,)] * count)
    cfg, values = ({"momentum": 0.9}, (1e-3, 0.9, math.nan, 0.0)) if kind == "sgd-momentum" else \
        ({"weight_decay": 1e-2}, (1e-3, 0.9, 0.999, 1e-2))
    try:
        optims = [anneal._anneal.Optim(KIND[kind], cfg, p.data_ptr(), p.grad.data_ptr(), 1, 1.0, 1.0) for p in ps]
    except (AttributeError, TypeError) as e:
        print("# %s: anneal._anneal.Optim: %s: no C-call figure" % (kind, e))
        return None

    def step():
        for o in optims:
            o.step(values)
    return step, ps


def overhead_section(args, steps):
    count = len(MODELS["gpt2-small"])
    print("\n## the cost of a tensor: %d one-element tensors (GPT-2 small's count), us per tensor per step, %d "
          "thread; C call = anneal._anneal.Optim.step in a bare loop, python = anneal - C call" % (count,
                                                                                              args.threads[0]))
    print("# %-13s %10s %10s %10s %10s %10s %s" % ("kind", "anneal", "C call", "python", "torch", "foreach",
                                                "share of anneal's gpt2-small step"))
    for kind in ("sgd-momentum", "adamw"):
        t = step_case(kind, [(1,)] * count, args.threads[0], args.reps, True)[0]
        raw = raw_steps(kind, count)
        c = best_of([raw[0]], args.reps)[0][0] if raw else math.nan
        us = [1e6 * x / count for x in t]
        cus = 1e6 * c / count
        whole = steps.get(("gpt2-small", kind, args.threads[0]))
        share = "%.2f%%" % (100 * t[0] / whole) if whole else "-"
        print("  %-13s %10.2f %10.2f %10.2f %10.2f %10.2f %s" % (kind, us[0], cus, us[0] - cus, us[1], us[2], share),
              flush=True)
        print("RESULT tensor %s %.6g %.6g %s" % (kind, us[0], cus, " ".join("%.6g" % x for x in us[1:])))


def count_list(text):
    return [int(float(x)) for x in text.split(",") if x]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, 3 samples, no GPT-2: a smoke test")
    ap.add_argument("--sizes", type=count_list, help="elements of the one-tensor cases (default 1e6,1e8)")
    ap.add_argument("--threads", type=count_list, help="thread counts (default 1,2)")
    ap.add_argument("--reps", type=int, help="samples per figure (default 10; 3 with --quick)")
    args = ap.parse_args()
    args.sizes = args.sizes or ([4096, 65536] if args.quick else [1000000, 100000000])
    args.threads = args.threads or [1, 2]
    args.reps = args.reps or (3 if args.quick else 10)
    models = ["mlp-784-256-10"] if args.quick else ["gpt2-small", "mlp-784-256-10"]

    print("# python_optim.py: anneal %s (%s) against torch %s, in one process, interleaved, best of %d%s"
          % (anneal.version, os.path.dirname(anneal.__file__), torch.__version__, args.reps,
             "; --quick: a smoke test, not a measurement" if args.quick else ""))
    print("# OMP_PROC_BIND=%s; load average at start: %s" % (os.environ.get("OMP_PROC_BIND"), loadavg()), flush=True)
    scheduler_section(args)
    tensor_section(args)
    steps = model_section(args, models)
    overhead_section(args, steps)
    print("\n# load average at end: %s" % loadavg())


if __name__ == "__main__":
    main()
