"""test_bench.py: bench/python_optim.py --quick runs and prints every table it promises (no timings checked)."""
import math
import os
import subprocess
import sys

import pytest

pytest.importorskip("torch")


def test_python_optim_quick(srcdir):
    script = os.path.join(srcdir, "bench", "python_optim.py")
    run = subprocess.run([sys.executable, script, "--quick", "--threads", "1"], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, "python_optim.py --quick exited %d:\n%s" % (run.returncode, run.stderr)
    out = run.stdout.splitlines()
    assert out[0].startswith("# python_optim.py: anneal "), out[0]
    assert any(line.startswith("# OMP_PROC_BIND=") and "load average at start: " in line for line in out)
    assert out[-1].startswith("# load average at end: "), out[-1]
    for title in ("## (a) Scheduler.step()", "## (b) fused step over one tensor", "## (c) fused step over a model",
                  "## the cost of a tensor"):
        assert any(line.startswith(title) for line in out), "no table %r in:\n%s" % (title, run.stdout)

    results = {}
    for line in out:
        if line.startswith("RESULT "):
            words = line.split()
            results.setdefault(words[1], []).append(words[2:])
    # RESULT scheduler OPTIM GROUPS anneal cawr lambda
    assert sorted((r[0], r[1]) for r in results["scheduler"]) == [("AdamW", "1"), ("AdamW", "10"), ("SGD", "1"),
                                                                   ("SGD", "10")]
    # RESULT step KIND WHAT THREADS anneal torch [foreach] floor: the two quick sizes, then the MLP
    steps = results["step"]
    assert sorted({r[1] for r in steps}) == ["4096", "65536", "mlp-784-256-10"]
    assert sorted({r[0] for r in steps}) == ["adamw", "sgd-momentum"]
    assert all(len(r) == (7 if r[1].startswith("mlp") else 6) for r in steps), steps
    # RESULT tensor KIND anneal c-call torch foreach
    assert sorted(r[0] for r in results["tensor"]) == ["adamw", "sgd-momentum"]
    figures = [float(x) for r in results["scheduler"] for x in r[2:]] + \
        [float(x) for r in steps for x in r[3:]] + [float(x) for r in results["tensor"] for x in r[1:]]
    assert all(math.isfinite(x) and x > 0 for x in figures), figures
