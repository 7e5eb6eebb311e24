#!/usr/bin/env python3
"""limits.py: the largest inputs the documented limits accept, through every annealc command.

Each input sits at one of the limits of src/annealc_int.h (phases and operations in a file,
points in a list, schedules in a file); each is checked, evaluated, compiled, plotted and
analyzed, and the wall time and peak resident memory of each command are printed against the
budget every input must respect (10 s and 1 GB, issue 9). One step past each limit is refused,
with the limit's message.

    bench/limits.py [--annealc ./annealc] [--check] [--rss-bound]

--check (tests/limits.sh, in make check) also fails when an input at a limit is refused, one
past it is accepted, or a command fails or hangs (no time bound: timing is measured here, not
asserted); --rss-bound adds the 1 GB bound on peak memory, deterministic enough to assert
(not under AddressSanitizer, whose shadow memory and quarantine it would count).
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

MAX_FILE_PHASES = 2000
MAX_FILE_OPS = 100000
MAX_POINTS = 1024
MAX_SCHEDULES = 256
BUDGET_S = 10.0
BUDGET_KIB = 1 << 20
HANG_S = 600  # a command this slow is stuck, not slow


def phases(n, channels=1, terms=0):
    """n cosine phases of 3 to 9 steps, spread over the given channels, each with terms sines more."""
    names = ["lr", "momentum", "beta2", "weight_decay", "temperature"]
    names += ["channel c%d" % i for i in range(channels - len(names))]
    per = n // channels
    body = []
    for ch in range(channels):
        extra = "".join(" + 1e-4 * sin(%d * t)" % (j + 2) for j in range(terms))
        seq = " then ".join("cosine(0.%d, 0.001)%s for %d" % (i % 9 + 1, extra, i % 7 + 3) for i in range(per - 1))
        body.append("  %s = %s then 0.001;" % (names[ch], seq))
    return "schedule s {\n%s\n}\n" % "\n".join(body)


def ops(n):
    """One lr expression of n operations: lets doubling (a_k has 2^(k+1) - 1), summed."""
    lets, k, terms, left = ["  let a0 = t;"], 0, [], n - 2  # 1e-6 * (...)
    while (2 << (k + 1)) - 1 <= n:
        k += 1
        lets.append("  let a%d = a%d + a%d;" % (k, k - 1, k - 1))
    for j in range(k, -1, -1):  # binary digits of the size, each term and its '+'
        size = (2 << j) - 1
        if size + (1 if terms else 0) <= left:
            terms.append("a%d" % j)
            left -= size + (1 if len(terms) > 1 else 0)
    return "schedule s {\n%s\n  lr = 1e-6 * (%s) for 1000 then 0.1;\n}\n" % ("\n".join(lets), " + ".join(terms))


def ops_over(n):
    """An expression of n + 1 operations or more: the next let past it."""
    return ops(2 * n)


def points(n):
    return "schedule s {\n  lr = piecewise(%s) for %d then 0.1;\n}\n" % (
        ", ".join("%d: 0.%d" % (i, i % 9 + 1) for i in range(n)), n + 1)


def milestones(n):
    return "schedule s {\n  lr = multistep(0.1, 0.999, [%s]) for %d then 0.1;\n}\n" % (
        ", ".join(str(i + 1) for i in range(n)), n + 1)


def restarts(n):
    """n phases in n / 2 bounded restarts (each and its body count), half of a real-valued period."""
    n //= 2
    seq = " then ".join("restarts(period = %s, count = 3) { cosine(0.1, 0) }" % ("%d" % (i % 5 + 2) if i % 2 else
                                                                             "%d.5" % (i % 5 + 2))
                        for i in range(n - 1))
    return "schedule s {\n  lr = %s then restarts(period = 10) { cosine(0.1, 0) };\n}\n" % seq


def schedules(n, each=1):
    return "".join("schedule s%d { lr = %s; }\n" % (i, " then ".join(["cosine(0.1, 0) for 10"] * (each - 1) + ["0.1"]))
                   for i in range(n))


def distinct(n, each):
    """n schedules of each phases, every phase its own expression: no two leaf loops alike."""
    return "".join("schedule s%d { lr = %s; }\n" % (i, " then ".join(
        ["cosine(%.6f, 0) for %d" % (0.1 + 1e-6 * (i * each + j), 10 + j) for j in range(each - 1)] + ["0.1"]))
        for i in range(n))


# (what, text at the limit, text one past it or None, the message of the refusal)
CASES = [
    ("2000 phases in one channel", phases(MAX_FILE_PHASES), phases(MAX_FILE_PHASES + 1),
     "a sequence of 2001 phases is more than the limit of 2000 phases in a file"),
    ("2000 phases over 16 channels", phases(MAX_FILE_PHASES, 16), phases(MAX_FILE_PHASES + 16, 16),
     "have more than 2000 phases in all"),
    ("2000 phases of ~50 operations, 16 ch.", phases(MAX_FILE_PHASES, 16, 4), phases(MAX_FILE_PHASES, 16, 5),
     "expand to more than 100000 operations in all"),
    ("100000 operations in one expression", ops(MAX_FILE_OPS), ops_over(MAX_FILE_OPS),
     "expands to more than 100000 operations"),
    ("1024 piecewise points", points(MAX_POINTS), points(MAX_POINTS + 1),
     "piecewise has 1025 points, more than the limit of 1024"),
    ("1024 multistep milestones", milestones(MAX_POINTS), milestones(MAX_POINTS + 1),
     "multistep has 1025 milestones, more than the limit of 1024"),
    ("1000 restarts, 2000 phases", restarts(MAX_FILE_PHASES), restarts(MAX_FILE_PHASES + 2),
     "have more than 2000 phases in all"),
    ("256 schedules of 7 distinct phases", distinct(MAX_SCHEDULES, 7), distinct(MAX_SCHEDULES, 8),
     "have more than 2000 phases in all"),
    ("256 schedules of 7 phases", schedules(MAX_SCHEDULES, 7), schedules(MAX_SCHEDULES, 8),
     "have more than 2000 phases in all"),
    ("256 schedules", schedules(MAX_SCHEDULES), schedules(MAX_SCHEDULES + 1),
     "the file holds 257 schedules, more than the limit of 256"),
]

COMMANDS = [
    ("check", ["check"]),
    ("eval", ["eval", "--steps", "1000"]),
    ("compile", ["compile", "-o", "{tmp}/out.o", "--header", "{tmp}/out.h"]),
    ("plot", ["plot", "-o", "{tmp}/out.svg"]),
    ("analyze", ["analyze"]),
]


def run(argv):
    """(exit status, stderr, wall seconds, peak RSS in KiB) of argv, its own rusage by wait4."""
    with tempfile.TemporaryFile(mode="w+") as err:
        start = time.monotonic()
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - start > HANG_S:
                proc.kill()
            time.sleep(0.005)
        wall = time.monotonic() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        return proc.returncode, err.read(), wall, usage.ru_maxrss


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--annealc", default="./annealc")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--rss-bound", action="store_true")
    args = ap.parse_args()
    failures = []
    worst_s, worst_kib = 0.0, 0
    with tempfile.TemporaryDirectory() as tmp:
        print("%-36s %-8s %9s %10s  %s" % ("input at a limit", "command", "seconds", "peak MiB", "of the budget"))
        for what, text, over, message in CASES:
            path = os.path.join(tmp, "limit.anneal")
            with open(path, "w") as f:
                f.write(text)
            for name, argv in COMMANDS:
                argv = [args.annealc] + [a.format(tmp=tmp) for a in argv[:1]] + [path] + [
                    a.format(tmp=tmp) for a in argv[1:]]
                status, err, wall, rss = run(argv)
                worst_s, worst_kib = max(worst_s, wall), max(worst_kib, rss)
                print("%-36s %-8s %9.2f %10.1f  %4.0f%% time, %4.0f%% memory" % (
                    what, name, wall, rss / 1024, 100 * wall / BUDGET_S, 100 * rss / BUDGET_KIB))
                # analyze exits 1 for what it finds in a schedule (none here is meant to have any)
                if status != 0:
                    failures.append("%s: annealc %s exited %s: %s" % (what, name, status, err.strip()[:300]))
                if args.rss_bound and rss > BUDGET_KIB:
                    failures.append("%s: annealc %s peaked at %.0f MiB, over 1 GiB" % (what, name, rss / 1024))
            with open(path, "w") as f:
                f.write(over)
            status, err, wall, _ = run([args.annealc, "check", path])
            if status != 1 or message not in err:
                failures.append("%s, one past the limit: expected exit 1 and '%s', got %s: %s" % (
                    what, message, status, err.strip()[:300]))
    print("slowest command %.2f s (%.0f%% of %g s); largest peak %.0f MiB (%.0f%% of 1 GiB)" % (
        worst_s, 100 * worst_s / BUDGET_S, BUDGET_S, worst_kib / 1024, 100 * worst_kib / BUDGET_KIB))
    for f in failures:
        print("FAIL: " + f)
    if args.check:
        print("limits: %d passed, %d failed" % (len(CASES) * (len(COMMANDS) + 1) - len(failures), len(failures)))
        return 1 if failures else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
