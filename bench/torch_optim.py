#!/usr/bin/python3
"""torch_optim.py: torch.optim's SGD-momentum and AdamW step time at runtime_step's sizes, against libanneal.

Usage: /usr/bin/python3 bench/torch_optim.py [--max N] [--reps R] [--lib .libs/libanneal.so]
With --lib, libanneal is loaded into this process through ctypes and its step
runs interleaved with torch's (torch, libanneal, torch, ...) over arrays of
the same size, best of >= 10 each, so the ratio is not at the mercy of the
machine's drifting bandwidth (bench.md).  Without it, torch alone.  Each
sample is >= ~0.2 ms of steps; small sizes take five times the repetitions.
"""
import argparse
import ctypes
import time

import torch

SIZES = [1000, 32768, 1000000, 100000000]
BYTES = {"sgd-momentum": 20, "adamw": 28}
ANNEAL_SGD, ANNEAL_ADAMW = 0, 2


class Field(ctypes.Structure):
    """anneal_field: one entry of the library's own description of a struct."""
    _fields_ = [("name", ctypes.c_char_p), ("type", ctypes.c_int32), ("offset", ctypes.c_size_t)]


FIELD_CTYPES = [ctypes.c_int32, ctypes.c_int64, ctypes.c_uint64, ctypes.c_double]  # enum anneal_field_type


def config_class(lib):
    """anneal_config as the loaded libanneal lays it out (anneal_config_fields), padding included."""
    lib.anneal_config_fields.restype = ctypes.POINTER(Field)
    lib.anneal_config_fields.argtypes = [ctypes.POINTER(ctypes.c_int32)]
    lib.anneal_config_size.restype = ctypes.c_size_t
    n = ctypes.c_int32()
    table = lib.anneal_config_fields(ctypes.byref(n))
    fields, at = [], 0
    for i in range(n.value):
        f = table[i]
        if f.offset > at:
            fields.append(("_pad%d" % i, ctypes.c_char * (f.offset - at)))
        ct = FIELD_CTYPES[f.type]
        fields.append((f.name.decode(), ct))
        at = f.offset + ctypes.sizeof(ct)
    size = lib.anneal_config_size()
    if size > at:
        fields.append(("_tail", ctypes.c_char * (size - at)))
    cls = type("Config", (ctypes.Structure,), {"_fields_": fields})
    assert ctypes.sizeof(cls) == size, "anneal_config: %d bytes built, the library says %d" % (ctypes.sizeof(cls), size)
    return cls


class Group(ctypes.Structure):
    _fields_ = [("param", ctypes.c_void_p), ("grad", ctypes.c_void_p), ("n", ctypes.c_int64),
                ("lr_scale", ctypes.c_double), ("wd_scale", ctypes.c_double)]


class Anneal:
    def __init__(self, path):
        self.lib = ctypes.CDLL(path)
        self.Config = config_class(self.lib)
        self.lib.anneal_config_init.restype = ctypes.c_int
        self.lib.anneal_config_init.argtypes = [ctypes.POINTER(self.Config), ctypes.c_int32]
        self.lib.anneal_create.restype = ctypes.c_int
        self.lib.anneal_create.argtypes = [ctypes.POINTER(self.Config), ctypes.POINTER(Group), ctypes.c_int32,
                                           ctypes.c_void_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p),
                                           ctypes.c_char_p, ctypes.c_size_t]
        self.lib.anneal_step.restype = ctypes.c_int
        self.lib.anneal_step.argtypes = [ctypes.c_void_p]
        self.lib.anneal_destroy.argtypes = [ctypes.c_void_p]

    def make(self, kind, p, g, thr):
        c = self.Config()
        self.lib.anneal_config_init(ctypes.byref(c), ANNEAL_SGD if kind == "sgd-momentum" else ANNEAL_ADAMW)
        c.lr = 1e-3
        if kind == "sgd-momentum":
            c.momentum = 0.9
        c.threads = thr
        gr = Group(p.data_ptr(), g.data_ptr(), p.numel(), 1.0, 1.0)
        err = ctypes.create_string_buffer(256)
        o = ctypes.c_void_p()
        if self.lib.anneal_create(ctypes.byref(c), ctypes.byref(gr), 1, None, None, ctypes.byref(o), err, 256) != 0:
            raise RuntimeError(err.value.decode())
        return o.value


def make_torch(kind, p):
    if kind == "sgd-momentum":
        return torch.optim.SGD([p], lr=1e-3, momentum=0.9)
    return torch.optim.AdamW([p], lr=1e-3)


def sample(fn, iters):
    t0 = time.perf_counter()
    for _ in range(iters):
        fn()
    return (time.perf_counter() - t0) / iters


def measure(kind, n, reps, anneal, thr):
    p = torch.full((n,), 0.25, dtype=torch.float32, requires_grad=True)
    p.grad = torch.full((n,), 0.75, dtype=torch.float32)
    opt = make_torch(kind, p)
    opt.step()  # torch allocates its state on the first step, not timed
    if anneal is not None:
        pa = torch.full((n,), 0.25, dtype=torch.float32)
        ga = torch.full((n,), 0.75, dtype=torch.float32)
        o = anneal.make(kind, pa, ga, thr)
        step = anneal.lib.anneal_step
    iters = int(2e5 / n) + 1
    reps = reps * 5 if n <= 65536 else reps
    best_t, best_a = float("inf"), float("inf")
    with torch.no_grad():
        for _ in range(reps):
            best_t = min(best_t, sample(opt.step, iters))
            if anneal is not None:
                best_a = min(best_a, sample(lambda: step(o), iters))
    if anneal is not None:
        anneal.lib.anneal_destroy(o)
    return best_t, best_a


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--max", type=int, default=100000000)
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--lib")
    args = ap.parse_args()
    anneal = Anneal(args.lib) if args.lib else None
    print("# torch %s optim step%s, best of %d" % (torch.__version__, ", interleaved with libanneal in-process"
                                                   if anneal else "", args.reps))
    print("# %-13s %10s %3s %12s %8s %12s %8s %s" % ("kind", "elements", "thr", "torch ns/el", "GB/s",
                                                    "anneal ns/el", "GB/s", "torch/anneal"))
    for n in SIZES:
        if n > args.max:
            continue
        for kind in ("sgd-momentum", "adamw"):
            for thr in (1, 2):
                torch.set_num_threads(thr)
                t, a = measure(kind, n, args.reps, anneal, thr)
                tns, ans = 1e9 * t / n, 1e9 * a / n
                if anneal:
                    print("  %-13s %10d %3d %12.3f %8.2f %12.3f %8.2f %7.2f" % (
                        kind, n, thr, tns, BYTES[kind] / tns, ans, BYTES[kind] / ans, t / a), flush=True)
                else:
                    print("  %-13s %10d %3d %12.3f %8.2f" % (kind, n, thr, tns, BYTES[kind] / tns), flush=True)


if __name__ == "__main__":
    main()
