#!/usr/bin/python3
# check.py: every schedule of examples/peers/<lib>.anneal against its library's reference table.
#   check.py ANNEALC SRCDIR [LIB...]    (default: every tests/peers/<lib>.csv)
# For each schedule in tests/peers/<lib>.csv, `annealc eval` (JIT, then --interp) must give each
# listed value within 1e-9 relative (1e-12 absolute near zero). A schedule written `NAME K=V ...`
# is NAME run with those params overridden (--param K=V): one template, another setting of it.
# Prints N passed, N failed.
import csv
import glob
import io
import os
import subprocess
import sys

REL, ABS = 1e-9, 1e-12


def main():
    annealc, srcdir = sys.argv[1], sys.argv[2]
    # Every library with a reference table, unless named.
    libs = sys.argv[3:] or sorted(os.path.basename(p)[:-4] for p in glob.glob("%s/tests/peers/*.csv" % srcdir))
    passed = failed = 0
    for lib in libs:
        want = {}
        with open("%s/tests/peers/%s.csv" % (srcdir, lib)) as f:
            for row in csv.DictReader(f):
                want.setdefault(row["schedule"], []).append((int(row["step"]), row["channel"], float(row["value"])))
        path = "%s/examples/peers/%s.anneal" % (srcdir, lib)
        for sched, rows in want.items():
            last = max(r[0] for r in rows)
            name, *params = sched.split()
            overrides = [arg for p in params for arg in ("--param", p)]
            for mode in ([], ["--interp"]):
                cmd = [annealc, "eval", path, "--schedule", name, "--steps", str(last + 1)] + overrides + mode
                run = subprocess.run(cmd, capture_output=True, text=True)
                if run.returncode != 0:
                    print("FAIL: %s %s: %s exited %d:\n  %s" % (lib, sched, " ".join(cmd), run.returncode,
                                                              run.stderr.strip()))
                    failed += 1
                    continue
                got = {int(r["step"]): r for r in csv.DictReader(io.StringIO(run.stdout))}
                bad = []
                for step, channel, value in rows:
                    v = float(got[step][channel])
                    if abs(v - value) > ABS + REL * abs(value):
                        bad.append("step %d %s: expected %r, got %r" % (step, channel, value, v))
                if bad:
                    print("FAIL: %s %s%s" % (lib, sched, " (interpreter)" if mode else ""))
                    for line in bad[:10]:
                        print("  " + line)
                    failed += 1
                else:
                    passed += 1
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


main()
