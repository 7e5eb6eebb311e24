"""conftest.py: the anneal package's pytest fixtures -- the source tree and a few schedules."""
import os

import pytest

SRCDIR = os.environ.get("ANNEAL_SRCDIR") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")

SGDR = """\
schedule sgdr {
  param peak = 0.1;
  param floor = 1e-5;
  param warm = 50;
  lr = warmup: linear(0, peak) for warm
       then restarts(period = 100, mult = 2) { cosine(peak * 0.8 ^ cycle, floor) };
  momentum = 0.9;
  on restart { reset momentum; snapshot; }
  on every 100 { swa; }
}
"""

TWO = """\
schedule a { lr = 0.1; }
schedule b { param k = 2; lr = k * 0.01 for 10 then 0.001; on at 5 { call probe; } }
"""


@pytest.fixture
def srcdir():
    return SRCDIR


@pytest.fixture
def sgdr():
    import anneal
    return anneal.loads(SGDR, "sgdr.anneal")["sgdr"]


def conformance(case):
    return os.path.join(SRCDIR, "tests", "conformance", case + ".anneal")
