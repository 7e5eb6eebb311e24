"""test_distributed.py: anneal.torch under torch.distributed -- two gloo ranks of DistributedDataParallel, each on its own shard, see the same lrs and hooks and end bit-identical."""
import datetime
import os
import socket
import subprocess
import sys
import time

import pytest

torch = pytest.importorskip("torch")
dist = pytest.importorskip("torch.distributed")
if not dist.is_available() or not dist.is_gloo_available():
    pytest.skip("this torch was built without torch.distributed's gloo backend", allow_module_level=True)

WORLD = 2
STEPS = 24
TIMEOUT = 60  # seconds for the whole run: a rank that hangs fails the test
# Restarts at steps 9 and 19; `probe` fires at every step from 1 on, `restarted` at the restarts.
SCHEDULE = """schedule dist {
  param peak = 0.1;
  lr = warmup: linear(0, peak) for 4
       then restarts(period = 5, mult = 2) { cosine(peak, peak / 100) };
  momentum = 0.9;
  on restart { reset momentum; call restarted; }
  on every 1 { call probe; }
}"""
RESTARTS = [9, 19]
RUNS = {"scheduler": 0.1, "fused": 0.01}  # run -> peak; the fused run is AdamW, whose steps are larger


def shard(rank):
    """Rank's half of one fixed regression set (the same on every rank, whatever its seed)."""
    g = torch.Generator().manual_seed(1234)
    x = torch.randn(64, 8, generator=g)
    y = torch.randn(64, 3, generator=g)
    return x[rank::WORLD], y[rank::WORLD]


def model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.Tanh(), torch.nn.Linear(16, 3))


def train(net, opt, sched, x, y, lrs):
    for _ in range(STEPS):
        lrs.append(opt.param_groups[0]["lr"])
        opt.zero_grad(set_to_none=False)
        torch.nn.functional.mse_loss(net(x), y).backward()
        opt.step()
        if sched is not None:
            sched.step()


def run(name, rank, ddp=True):
    """One run of `name` on rank's shard (on the whole set without ddp): the lr of each step, the
    hooks' calls (name, step, lr, actions, events, whether the velocity was zero) and the final
    parameters."""
    import anneal
    import anneal.torch
    s = anneal.loads(SCHEDULE, params={"peak": RUNS[name]}).schedule()
    net = model()
    x, y = shard(rank) if ddp else (torch.cat([shard(r)[0] for r in range(WORLD)]),
                                    torch.cat([shard(r)[1] for r in range(WORLD)]))
    if ddp:
        # The fused run takes its gradients as views into DDP's buckets: one flat tensor each.
        net = torch.nn.parallel.DistributedDataParallel(net, gradient_as_bucket_view=name == "fused")
    calls, lrs = [], []
    opt = None

    def hook(which):
        def call(step, point):
            zeroed = None
            if name == "scheduler" and which == "restarted":  # after the reset, the velocity is 0
                zeroed = all(not st["momentum_buffer"].any() for st in opt.state.values())
            calls.append((which, step, point.lr, tuple(point.actions), tuple(point.events), zeroed))
        return call
    callbacks = {"probe": hook("probe"), "restarted": hook("restarted")}
    if name == "scheduler":
        opt = torch.optim.SGD(net.parameters(), lr=0.0, momentum=0.9)
        sched = anneal.torch.Scheduler(opt, s, callbacks=callbacks)
        train(net, opt, sched, x, y, lrs)
    else:
        opt = anneal.torch.AdamW(net.parameters(), schedule=s, callbacks=callbacks)
        train(net, opt, None, x, y, [])
        # libanneal keeps its values to itself: the lrs of the points its `call probe` hands
        # over, at the steps it counts (1 on: `every` never fires at step 0)
        lrs = [c[2] for c in calls if c[0] == "probe"]
    params = [p.detach().clone() for p in (net.module if ddp else net).parameters()]
    return {"lrs": lrs, "calls": calls, "params": params}


def worker(rank, out):
    """A rank's process: MASTER_ADDR and MASTER_PORT come from the environment."""
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=WORLD, timeout=datetime.timedelta(seconds=TIMEOUT // 2))
    try:
        torch.save({name: run(name, rank) for name in RUNS}, out)
    finally:
        dist.destroy_process_group()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def ranks(tmp_path_factory):
    """Each rank's results, from WORLD processes run to the end or killed at TIMEOUT."""
    tmp = tmp_path_factory.mktemp("dist")
    env = dict(os.environ, MASTER_ADDR="127.0.0.1", MASTER_PORT=str(free_port()), GLOO_SOCKET_IFNAME="lo",
               OMP_NUM_THREADS="1")
    procs, logs = [], []
    for rank in range(WORLD):
        logs.append(open(tmp / ("rank%d.log" % rank), "w+"))
        procs.append(subprocess.Popen([sys.executable, __file__, str(rank), str(tmp / ("rank%d.pt" % rank))],
                                      env=env, stdout=logs[-1], stderr=subprocess.STDOUT))
    deadline = time.monotonic() + TIMEOUT
    codes = [None] * WORLD
    try:
        # A rank that fails leaves the other waiting in a collective: stop both at once.
        while None in codes and time.monotonic() < deadline:
            time.sleep(0.05)
            codes = [p.poll() for p in procs]
            if any(c not in (None, 0) for c in codes):
                break
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    report = []
    for rank, (p, log) in enumerate(zip(procs, logs)):
        log.seek(0)
        report.append("rank %d exited %s:\n%s" % (rank, p.returncode, log.read()))
        log.close()
    if None in codes and all(c in (None, 0) for c in codes):
        pytest.fail("the ranks did not finish in %d s\n%s" % (TIMEOUT, "\n".join(report)))
    if any(p.returncode != 0 for p in procs):
        pytest.fail("\n".join(report))
    return [torch.load(tmp / ("rank%d.pt" % rank)) for rank in range(WORLD)]


@pytest.mark.parametrize("name", list(RUNS))
def test_ranks_agree(ranks, name):
    r0, r1 = ranks[0][name], ranks[1][name]
    assert r0["lrs"] == r1["lrs"]
    assert r0["calls"] == r1["calls"]
    assert len(r0["params"]) == len(r1["params"]) == 4
    for a, b in zip(r0["params"], r1["params"]):
        assert torch.equal(a, b)


@pytest.mark.parametrize("name", list(RUNS))
def test_lrs_and_hooks_follow_the_schedule(ranks, name):
    import anneal
    s = anneal.loads(SCHEDULE, params={"peak": RUNS[name]}).schedule()
    got = ranks[0][name]
    assert got["lrs"] == [s(k).lr for k in range(0 if name == "scheduler" else 1, STEPS)]
    restarted = [c for c in got["calls"] if c[0] == "restarted"]
    assert [c[1] for c in restarted] == RESTARTS
    for c in restarted:
        assert c[3] == ("reset momentum", "call restarted", "call probe") and "restart" in c[4]
        assert c[5] is (True if name == "scheduler" else None)
    # The Scheduler fires step STEPS's hooks in the sched.step() after the last update.
    last = STEPS + 1 if name == "scheduler" else STEPS
    assert [c[1] for c in got["calls"] if c[0] == "probe"] == list(range(1, last))


@pytest.mark.parametrize("name", list(RUNS))
def test_ranks_match_one_process_on_all_the_data(ranks, name):
    """DDP averages the ranks' gradients of equal shards: one process on the whole set takes the
    same steps, up to the rounding of the sum."""
    alone = run(name, 0, ddp=False)
    for a, b in zip(ranks[0][name]["params"], alone["params"]):
        assert torch.allclose(a, b, rtol=1e-4, atol=1e-5), (a - b).abs().max()


if __name__ == "__main__":
    worker(int(sys.argv[1]), sys.argv[2])
