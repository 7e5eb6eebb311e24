#!/usr/bin/python3
"""train.py: a PyTorch MLP on Fashion-MNIST under an Anneal schedule, through anneal.torch.Scheduler, libanneal's fused SGD, or torch's own schedulers.

    examples/torch/train.py --mode all --epochs 10

--mode scheduler  torch.optim.SGD, its lr and momentum written by anneal.torch.Scheduler, which
                  also zeroes the velocity at each restart (the schedule's `reset momentum`)
--mode fused      anneal.torch.SGD(..., schedule=): libanneal evaluates the schedule and fires
                  its hooks inside step(), over the tensors' own memory
--mode torch      torch.optim.SGD under LambdaLR then CosineAnnealingWarmRestarts, rebuilt from
                  the params of sgdr.anneal: the same lr, and no hook (nothing resets the velocity)
--mode all        the three in turn from the same initial weights and batch order, then a table

Exit status: 0 success; 1 the schedule has errors (its diagnostics are printed), gives SGD an
lr it refuses (negative or not finite), or the loss became NaN; 2 a usage error, missing or
damaged data, or a schedule this program cannot drive.
"""

import argparse
import gzip
import math
import os
import sys
import time

import anneal

# numpy and torch are imported in the functions that use them. Both load OpenBLAS, which reads
# OPENBLAS_NUM_THREADS once, when loaded, and which torch.set_num_threads does not reach (Debian's
# torch calls BLAS through the generic interface): main() puts --threads there first, since each
# thread count rounds the products differently. And a mistake in the arguments, the data or the
# schedule is then reported without the second or so that loading torch takes.

DEBIAN_DATA = "/usr/share/datasets/fashion-mnist"
DEBIAN_PACKAGE = "dataset-fashion-mnist"
MODES = ("scheduler", "fused", "torch")
PIXELS = 28 * 28
CLASSES = 10
# The params of sgdr.anneal from which the torch mode rebuilds its lr.
TORCH_PARAMS = ("steps_per_epoch", "warmup_epochs", "cycle_epochs", "mult", "peak", "floor")


class Usage(Exception):
    """A mistake in the command line, the data or the choice of schedule: exit status 2."""


class Failed(Exception):
    """The schedule gives a value SGD refuses, or the loss became NaN or infinite: exit status 1."""


# ---- the command line ----

def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError("expected a whole number >= 1, got '%s'" % text)
    return value


def param_override(text):
    name, eq, value = text.partition("=")
    try:
        number = float(value)
    except ValueError:
        number = None
    if not eq or not name or number is None:
        raise argparse.ArgumentTypeError("expected NAME=NUMBER, got '%s'" % text)
    return name, number


def parse_args(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(prog="train.py", description="An MLP on Fashion-MNIST under an Anneal schedule.")
    p.add_argument("--mode", choices=MODES + ("all",), default="scheduler",
                   help="how the schedule drives SGD (default scheduler)")
    p.add_argument("--schedule", default=os.path.join(here, "sgdr.anneal"), metavar="FILE",
                   help="the schedule file (default sgdr.anneal beside train.py)")
    p.add_argument("--param", type=param_override, action="append", default=[], metavar="K=V",
                   help="override a param of the schedule (repeatable)")
    p.add_argument("--epochs", type=positive_int, default=10, metavar="N", help="epochs (default 10)")
    p.add_argument("--subset", type=positive_int, metavar="N", help="train on the first N images (default all)")
    p.add_argument("--batch", type=positive_int, default=128, metavar="B", help="minibatch size (default 128)")
    p.add_argument("--hidden", type=positive_int, default=256, metavar="H", help="hidden units (default 256)")
    p.add_argument("--wd", type=float, default=5e-4, metavar="X", help="weight decay of the weights, not the biases "
                   "(default 5e-4)")
    p.add_argument("--seed", type=int, default=1, metavar="S", help="initialisation and batch-order seed (default 1)")
    p.add_argument("--threads", type=positive_int, default=1, metavar="N",
                   help="torch and OpenBLAS threads (default 1); a run repeats exactly for the same seed and "
                   "threads")
    p.add_argument("--data", default=os.environ.get("FASHION_DATA") or DEBIAN_DATA, metavar="DIR",
                   help="the idx .gz files (default $FASHION_DATA or %s)" % DEBIAN_DATA)
    p.add_argument("--log", metavar="FILE", help="CSV, one row per step: mode,step,lr,momentum,loss")
    return p.parse_args(argv)


# ---- the data: gzipped idx files, the format of LeCun's MNIST page ----

def read_idx(path, ndim, limit):
    """The first `limit` items (all when None) of an idx file of unsigned bytes, as a uint8 array
    of shape (n, sizes...): the header is 0 0 8 NDIM, then NDIM big-endian 32-bit sizes."""
    import numpy
    hint = "(Debian: apt-get install %s; or --data DIR)" % DEBIAN_PACKAGE
    try:
        with gzip.open(path, "rb") as f:
            head = f.read(4 + 4 * ndim)
            if len(head) < 4 + 4 * ndim:
                raise Usage("%s: truncated idx header" % path)
            if head[:3] != b"\0\0\x08" or head[3] != ndim:
                raise Usage("%s: not an idx file of %d-dimensional unsigned bytes" % (path, ndim))
            sizes = [int.from_bytes(head[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
            n = sizes[0] if limit is None else min(limit, sizes[0])
            item = math.prod(sizes[1:])
            body = f.read(n * item)
    except FileNotFoundError:
        raise Usage("%s: no such file %s" % (path, hint)) from None
    except (OSError, EOFError) as e:  # gzip.BadGzipFile is an OSError
        raise Usage("%s: %s" % (path, e)) from None
    if len(body) < n * item:
        raise Usage("%s: truncated (%d of %d items)" % (path, len(body) // max(item, 1), n))
    return numpy.frombuffer(body, dtype=numpy.uint8).reshape([n] + sizes[1:])


def load_split(data, prefix, limit):
    import numpy
    images = read_idx(os.path.join(data, prefix + "-images-idx3-ubyte.gz"), 3, limit)
    labels_path = os.path.join(data, prefix + "-labels-idx1-ubyte.gz")
    labels = read_idx(labels_path, 1, len(images))
    if images.shape[1:] != (28, 28):
        raise Usage("%s: images are %dx%d, expected 28x28" % (prefix, images.shape[1], images.shape[2]))
    if len(labels) != len(images):
        raise Usage("%s holds %d labels for %d images" % (labels_path, len(labels), len(images)))
    if len(labels) and labels.max() >= CLASSES:
        raise Usage("%s: a label above %d" % (labels_path, CLASSES - 1))
    return images.reshape(len(images), PIXELS).astype(numpy.float32) / 255, labels.astype(numpy.int64)


def load_data(data, subset):
    """(train x, train y, test x, test y) as NumPy arrays, the pixels standardised by the mean and
    standard deviation of the training images used."""
    import numpy
    if not os.path.isdir(data):
        raise Usage("no Fashion-MNIST data: %s is not a directory (Debian: apt-get install %s; or --data DIR "
                    "or FASHION_DATA)" % (data, DEBIAN_PACKAGE))
    train_x, train_y = load_split(data, "train", subset)
    test_x, test_y = load_split(data, "t10k", None)
    if len(train_x) == 0:
        raise Usage("%s: no training images" % data)
    mean, sd = train_x.mean(dtype=numpy.float64), train_x.std(dtype=numpy.float64)
    sd = sd if sd > 0 else 1.0
    standard = lambda x: ((x - mean) / sd).astype(numpy.float32)
    return standard(train_x), train_y, standard(test_x), test_y


def steps_per_epoch(n, batch):
    """The last batch of an epoch may be short."""
    return -(-n // batch)


# ---- the schedule ----

def load_schedule(path, overrides, steps_per_epoch):
    """The file's one schedule with steps_per_epoch set; anneal.ScheduleError (a ValueError) when
    it has errors."""
    params = {"steps_per_epoch": steps_per_epoch}
    params.update(overrides)
    try:
        return anneal.load(path, params=params).schedule()
    except anneal.ScheduleError:
        raise
    except OSError as e:
        raise Usage("%s: %s" % (path, e.strerror or e)) from None
    except (KeyError, ValueError) as e:
        raise Usage("%s: %s" % (path, e.args[0] if e.args else e)) from None


def torch_equivalent(schedule):
    """(warmup steps, T_0, T_mult, peak, floor) of sgdr.anneal's lr, for torch's schedulers."""
    p = {q.name: q.default for q in schedule.params}
    missing = [name for name in TORCH_PARAMS if name not in p]
    if missing:
        raise Usage("--mode torch rebuilds the lr of sgdr.anneal from its params, and schedule %s has no %s"
                    % (schedule.name, ", ".join(missing)))
    spe = p["steps_per_epoch"]
    warm, period, mult = p["warmup_epochs"] * spe, p["cycle_epochs"] * spe, p["mult"]
    if warm != int(warm) or warm < 0 or period != int(period) or period < 1:
        raise Usage("--mode torch: the warmup (%g steps) and the first cycle (%g) must be whole numbers of steps"
                    % (warm, period))
    if mult != int(mult) or mult < 1:
        raise Usage("--mode torch: CosineAnnealingWarmRestarts takes a whole T_mult >= 1, and mult is %g" % mult)
    return int(warm), int(period), int(mult), p["peak"], p["floor"]


def torch_schedulers(opt, warm, period, mult, floor):
    """LambdaLR's t / warm for the warmup (linear from 0, as the schedule's), then
    CosineAnnealingWarmRestarts; the optimizer's lr is the peak."""
    import torch.optim.lr_scheduler as lrs
    cosine = lrs.CosineAnnealingWarmRestarts(opt, T_0=period, T_mult=mult, eta_min=floor)
    if warm == 0:
        return cosine
    return lrs.SequentialLR(opt, [lrs.LambdaLR(opt, lambda t: t / warm), cosine], milestones=[warm])


def check_lr(schedule, steps):
    """Every mode refuses the same lrs, before training: torch.optim.SGD would take a negative lr
    from the Scheduler and climb the loss, libanneal stops at it, torch's constructor refuses it."""
    import numpy
    lr = schedule.fill("lr", 0, steps)
    bad = numpy.flatnonzero(~(lr >= 0) | ~numpy.isfinite(lr))
    if len(bad):
        raise Failed("schedule %s gives lr %g at step %d; SGD takes a finite lr >= 0"
                     % (schedule.name, lr[bad[0]], bad[0]))


# ---- training ----

class Progress:
    """A line per epoch on stderr; between them, when stderr is a terminal, a bar redrawn with \\r."""

    def __init__(self, stream):
        self.stream = stream
        self.tty = stream.isatty()
        self.drawn = 0
        self.last = 0.0

    def bar(self, label, done, total, loss):
        now = time.monotonic()
        if not self.tty or now - self.last < 0.1:
            return
        self.last = now
        filled = 30 * done // total
        self._draw("%s [%s%s] %3d%% loss %.4f" % (label, "#" * filled, "-" * (30 - filled), 100 * done // total,
                                                    loss))

    def line(self, text):
        self._draw(text)
        self.stream.write("\n")
        self.stream.flush()
        self.drawn = 0

    def _draw(self, text):
        if self.tty:
            self.stream.write("\r" + text + " " * max(0, self.drawn - len(text)))
            self.drawn = len(text)
        else:
            self.stream.write(text)
        self.stream.flush()


def make_model(hidden):
    import torch.nn as nn
    return nn.Sequential(nn.Linear(PIXELS, hidden), nn.ReLU(), nn.Linear(hidden, CLASSES))


def make_optimizer(mode, model, schedule, args, torch_lr):
    """(optimizer, scheduler or None). Weight decay on the weights only. The momentum given is the
    schedule's at step 0: the torch mode keeps it (torch's schedulers set only the lr); in the
    other two the schedule sets it at every step."""
    import torch
    import anneal.torch
    weights = [p for p in model.parameters() if p.dim() > 1]
    biases = [p for p in model.parameters() if p.dim() <= 1]
    groups = [{"params": weights, "weight_decay": args.wd}, {"params": biases, "weight_decay": 0.0}]
    momentum = schedule(0).momentum if "momentum" in schedule.channels else 0.0
    if mode == "fused":
        return anneal.torch.SGD(groups, momentum=momentum, schedule=schedule), None
    if mode == "scheduler":
        opt = torch.optim.SGD(groups, lr=0.0, momentum=momentum)
        return opt, anneal.torch.Scheduler(opt, schedule, model=model)
    warm, period, mult, peak, floor = torch_lr
    opt = torch.optim.SGD(groups, lr=peak, momentum=momentum)
    return opt, torch_schedulers(opt, warm, period, mult, floor)


def evaluate(model, x, y):
    import torch
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), 2000):
            correct += (model(x[i:i + 2000]).argmax(1) == y[i:i + 2000]).sum().item()
    model.train()
    return 100.0 * correct / len(x)


def train(mode, args, data, schedule, torch_lr, progress, log):
    """One run: the result's accuracy, mean loss of the last epoch, seconds and per-step lrs."""
    import torch
    import torch.nn.functional as F
    train_x, train_y, test_x, test_y = data
    n = len(train_x)
    spe = steps_per_epoch(n, args.batch)
    torch.manual_seed(args.seed)
    model = make_model(args.hidden)
    try:
        opt, sched = make_optimizer(mode, model, schedule, args, torch_lr)
    except (ValueError, TypeError) as e:
        raise Usage("--mode %s: %s" % (mode, e)) from None
    order = torch.Generator().manual_seed(args.seed)
    lrs = []
    start = time.monotonic()
    step = 0
    for epoch in range(1, args.epochs + 1):
        perm = torch.randperm(n, generator=order)
        total_loss, correct = 0.0, 0
        label = "%-9s epoch %*d/%d" % (mode, len(str(args.epochs)), epoch, args.epochs)
        for b in range(spe):
            idx = perm[b * args.batch:(b + 1) * args.batch]
            x, y = train_x[idx], train_y[idx]
            group = opt.param_groups[0]
            if mode == "fused":
                # libanneal evaluates the schedule inside step() and shows no per-step values:
                # the row is the schedule at the step it evaluates, the count of step() calls.
                point = schedule(step)
                lr, momentum = point.lr, point.channels.get("momentum", group["momentum"])
            else:
                lr, momentum = group["lr"], group["momentum"]
            lrs.append(lr)
            # set_to_none=False: the fused optimizer runs over each .grad's memory, and a new
            # gradient tensor every step would make it set itself up again every step.
            opt.zero_grad(set_to_none=False)
            logits = model(x)
            loss = F.cross_entropy(logits, y)
            loss.backward()
            try:
                opt.step()
            except ValueError as e:  # libanneal refusing a value, with the step and the value
                raise Failed("--mode %s: %s" % (mode, e)) from None
            if sched is not None:
                sched.step()
            value = loss.item()
            if not math.isfinite(value):
                raise Failed("--mode %s: the loss is %s at step %d (lr %g)" % (mode, value, step, lr))
            if log is not None:
                log.write("%s,%d,%r,%r,%.9g\n" % (mode, step, lr, momentum, value))
            total_loss += value * len(idx)
            correct += (logits.argmax(1) == y).sum().item()
            step += 1
            progress.bar(label, b + 1, spe, total_loss / min(n, (b + 1) * args.batch))
        progress.line("%s: lr %.6g, loss %.4f, train %.2f%%, %.1f s" % (label, lrs[-1], total_loss / n,
                                                                        100.0 * correct / n,
                                                                        time.monotonic() - start))
    accuracy = evaluate(model, test_x, test_y)
    return {"mode": mode, "accuracy": accuracy, "loss": total_loss / n, "seconds": time.monotonic() - start,
            "lrs": lrs}


# ---- the report ----

HOW = {
    "scheduler": ("torch.optim.SGD", "anneal.torch.Scheduler", "zeroed"),
    "fused": ("anneal.torch.SGD", "libanneal, schedule=", "zeroed"),
    "torch": ("torch.optim.SGD", "LambdaLR, CosineAnnealingWarmRestarts", "kept"),
}


def table(results):
    """The modes side by side; the lr column is the largest difference from the first mode's."""
    rows = [("mode", "optimizer", "lr from", "velocity at restarts", "max |lr - %s|" % results[0]["mode"],
             "train loss", "test accuracy", "seconds")]
    for r in results:
        diff = max(abs(a - b) for a, b in zip(r["lrs"], results[0]["lrs"]))
        rows.append((r["mode"],) + HOW[r["mode"]] + ("%.3g" % diff, "%.4f" % r["loss"], "%.2f%%" % r["accuracy"],
                                                     "%.1f" % r["seconds"]))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows)


def main(argv):
    args = parse_args(argv)
    os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)
    modes = MODES if args.mode == "all" else (args.mode,)
    data = load_data(args.data, args.subset)
    n = len(data[0])
    spe = steps_per_epoch(n, args.batch)
    schedule = load_schedule(args.schedule, dict(args.param), spe)
    if "lr" not in schedule.channels:
        raise Usage("schedule %s has no lr channel" % schedule.name)
    torch_lr = torch_equivalent(schedule) if "torch" in modes else None
    total = args.epochs * spe
    check_lr(schedule, total)
    import torch
    torch.set_num_threads(args.threads)
    data = tuple(torch.from_numpy(a) for a in data)
    restarts = [k for k in range(total) if "restart" in schedule(k).events]
    print("schedule %s (%s): %d images, steps per epoch %d, steps %d, restarts at: %s"
          % (schedule.name, args.schedule, n, spe, total, ", ".join(map(str, restarts)) or "none"))
    sys.stdout.flush()
    log = open(args.log, "w") if args.log else None
    try:
        if log is not None:
            log.write("mode,step,lr,momentum,loss\n")
        results = []
        for mode in modes:
            r = train(mode, args, data, schedule, torch_lr, Progress(sys.stderr), log)
            print("final %s: test accuracy %.2f%%" % (mode, r["accuracy"]))
            sys.stdout.flush()
            results.append(r)
    finally:
        if log is not None:
            log.close()
    if len(results) > 1:
        print()
        print(table(results))
    return 0


def run(argv):
    try:
        return main(argv)
    except anneal.ScheduleError as e:
        print(e, file=sys.stderr)
        return 1
    except Failed as e:
        print("train.py: %s" % e, file=sys.stderr)
        return 1
    except Usage as e:
        print("train.py: %s" % e, file=sys.stderr)
        return 2
    except OSError as e:
        print("train.py: %s: %s" % (e.filename, e.strerror) if e.filename else "train.py: %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
