"""test_optim.py: anneal.torch.SGD, Adam, AdamW, RMSprop -- trajectories against torch.optim, state_dict both ways, refusals, schedule=."""
import math

import pytest

torch = pytest.importorskip("torch")
import anneal  # noqa: E402
import anneal.torch as at  # noqa: E402

SHAPES = [(3, 4), (7,), (2, 3, 2)]
STEPS = 40

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.3)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.05, momentum=0.5, dampening=0.1, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1)),
    ("SGD", dict(lr=0.1, weight_decay=0.05)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6)),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.05)),
    ("AdamW", dict()),
    ("AdamW", dict(lr=0.01, weight_decay=0.1)),
    ("AdamW", dict(lr=0.01, amsgrad=True)),
    ("AdamW", dict(lr=0.01, betas=(0.5, 0.9), weight_decay=0)),
    ("RMSprop", dict()),
    ("RMSprop", dict(alpha=0.9, eps=1e-6)),
    ("RMSprop", dict(weight_decay=0.1)),
    ("RMSprop", dict(momentum=0.9)),
    ("RMSprop", dict(centered=True)),
    ("RMSprop", dict(centered=True, momentum=0.5, weight_decay=0.01)),
]


def case_id(c):
    return c[0] + "(" + ", ".join("%s=%s" % kv for kv in c[1].items()) + ")"


def data(seed=0, steps=STEPS):
    g = torch.Generator().manual_seed(seed)
    init = [torch.randn(s, generator=g) for s in SHAPES]
    grads = [[torch.randn(s, generator=g) for s in SHAPES] for _ in range(steps)]
    return init, grads


def groups(params, kw, split):
    """Two param groups, the second at half the lr, when split."""
    if not split:
        return [dict(params=params)]
    lr = kw.get("lr", 1e-3 if "Adam" in kw.get("_name", "") else 0.01)
    return [dict(params=params[:1]), dict(params=params[1:], lr=lr * 0.5)]


class Bound:
    """libanneal's float32 bound (tests/unit/check_runtime_torch.c): per element, summed over
    steps, 1 ulp of |p| plus 4 float epsilons of the step's |dp|, on torch's trajectory."""

    def __init__(self, params):
        self.b = [torch.zeros(p.shape, dtype=torch.float64) for p in params]
        self.prev = [p.detach().clone() for p in params]

    def check(self, name, step, ours, ref):
        for i, (a, r) in enumerate(zip(ours, ref)):
            r = r.detach()
            ulp = (torch.nextafter(r.abs(), torch.tensor(math.inf)) - r.abs()).double()
            self.b[i] += ulp + 4 * 1.1920928955078125e-07 * (r.double() - self.prev[i].double()).abs()
            diff = (a.detach().double() - r.double()).abs()
            bad = diff > self.b[i]
            assert not bad.any(), "%s step %d param %d element %d: anneal %.9g, torch %.9g (diff %.3g > bound %.3g)" % (
                name, step, i, int(bad.flatten().nonzero()[0]), a.flatten()[bad.flatten()][0],
                r.flatten()[bad.flatten()][0], diff[bad][0], self.b[i][bad][0])
            self.prev[i] = r.clone()


def make(cls, init, kw, split):
    ps = [torch.nn.Parameter(t.clone()) for t in init]
    gs = groups(ps, dict(kw, _name=cls.__name__), split)
    return ps, cls(gs, **kw)


def side_by_side(name, grads, ref, topt, ours, aopt, after=None):
    """Each step's gradients into both, torch's step and ours, after(step), and the bound."""
    bound = Bound(ref)
    for s, g in enumerate(grads):
        for p, q, x in zip(ref, ours, g):
            p.grad, q.grad = x.clone(), x.clone()
        topt.step()
        aopt.step()
        if after is not None:
            after(s)
        bound.check(name, s, ours, ref)


@pytest.mark.parametrize("case", CASES, ids=case_id)
@pytest.mark.parametrize("split", [False, True], ids=["one group", "two groups"])
def test_trajectory(case, split):
    name, kw = case
    init, grads = data()
    ref, topt = make(getattr(torch.optim, name), init, kw, split)
    ours, aopt = make(getattr(at, name), init, kw, split)
    side_by_side(case_id(case), grads, ref, topt, ours, aopt)
    assert [{k: v for k, v in g.items() if k != "params"} for g in aopt.param_groups] == \
           [{k: v for k, v in g.items() if k != "params"} for g in topt.param_groups]


@pytest.mark.parametrize("set_to_none", [False, True], ids=["zero_grad()", "zero_grad(set_to_none=True)"])
def test_backward_into_grads(set_to_none):
    """zero_grad() keeps .grad's memory, set_to_none=True gives new memory each step: either way
    the same libanneal optimizers run on (over the new memory: anneal_rebind), state kept."""
    init, grads = data(1)
    ref, topt = make(torch.optim.AdamW, init, dict(lr=0.01), False)
    ours, aopt = make(at.AdamW, init, dict(lr=0.01), False)
    bound = Bound(ref)
    first = None
    for s, g in enumerate(grads):
        for ps, opt in ((ref, topt), (ours, aopt)):
            opt.zero_grad(set_to_none=set_to_none)
            sum((p * x).sum() for p, x in zip(ps, g)).backward()
            opt.step()
        bound.check("backward", s, ours, ref)
        first = first or [aopt._fused[p].o for p in ours]
    assert all(a is aopt._fused[p].o for a, p in zip(first, ours))


def test_data_replaced():
    """p.data = another tensor mid-run: the optimizer follows the new memory with its state."""
    init, grads = data(6)
    ref, topt = make(torch.optim.Adam, init, dict(lr=0.01), False)
    ours, aopt = make(at.Adam, init, dict(lr=0.01), False)
    bound = Bound(ref)
    for s, g in enumerate(grads):
        if s == 7:
            ours[0].data = ours[0].data.clone()
        for p, q, x in zip(ref, ours, g):
            p.grad, q.grad = x.clone(), x.clone()
        topt.step()
        aopt.step()
        bound.check("data replaced", s, ours, ref)


def test_torch_lr_scheduler():
    """Without schedule= every step reads the group's lr and momentum: torch's schedulers work."""
    init, grads = data(5)
    ref, topt = make(torch.optim.SGD, init, dict(lr=0.1, momentum=0.9), True)
    ours, aopt = make(at.SGD, init, dict(lr=0.1, momentum=0.9), True)
    ts = torch.optim.lr_scheduler.OneCycleLR(topt, max_lr=0.5, total_steps=STEPS)
    as_ = torch.optim.lr_scheduler.OneCycleLR(aopt, max_lr=0.5, total_steps=STEPS)
    side_by_side("OneCycleLR", grads, ref, topt, ours, aopt, lambda s: (ts.step(), as_.step()))


@pytest.mark.parametrize("name, kw", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.01)),
                                      ("RMSprop", dict(momentum=0.5, centered=True))])
def test_grad_none_is_skipped(name, kw):
    """A param whose .grad is None takes no update and keeps its state, as in torch."""
    init, grads = data(2)
    ref, topt = make(getattr(torch.optim, name), init, kw, False)
    ours, aopt = make(getattr(at, name), init, kw, False)
    bound = Bound(ref)
    for s, g in enumerate(grads):
        for i, (p, q, x) in enumerate(zip(ref, ours, g)):
            skip = (i == 1 and s % 3 == 0) or (i == 2 and s < 5)
            p.grad, q.grad = (None, None) if skip else (x.clone(), x.clone())
        before = ours[2].detach().clone()
        topt.step()
        aopt.step()
        if s < 5:
            assert torch.equal(ours[2].detach(), before)
        bound.check(name, s, ours, ref)
    sa, st = aopt.state_dict()["state"], topt.state_dict()["state"]
    assert sa.keys() == st.keys()
    for k in st:
        assert sa[k].keys() == st[k].keys()
        if "step" in st[k]:
            assert float(sa[k]["step"]) == float(st[k]["step"])


MOVES = [("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)), ("SGD", dict(lr=0.1)),
         ("Adam", dict(lr=0.01, amsgrad=True)), ("AdamW", dict(lr=0.01)), ("AdamW", dict(lr=0.01, amsgrad=True)),
         ("RMSprop", dict(momentum=0.5, centered=True)), ("RMSprop", dict())]


@pytest.mark.parametrize("case", MOVES, ids=case_id)
@pytest.mark.parametrize("direction", ["torch to anneal", "anneal to torch"])
def test_state_dict_moves(case, direction):
    """k steps with one, its state_dict into the other, the rest with it: torch's uninterrupted run."""
    name, kw = case
    init, grads = data(3)
    k = 15
    ref, topt = make(getattr(torch.optim, name), init, kw, True)
    first_cls, second_cls = (getattr(torch.optim, name), getattr(at, name))
    if direction == "anneal to torch":
        first_cls, second_cls = second_cls, first_cls
    ps, first = make(first_cls, init, kw, True)
    bound = Bound(ref)
    opt = first
    for s, g in enumerate(grads):
        if s == k:
            sd = first.state_dict()
            second = second_cls(groups(ps, dict(kw, _name=name), True), **kw)
            second.load_state_dict(sd)
            opt = second
        for p, q, x in zip(ref, ps, g):
            p.grad, q.grad = x.clone(), x.clone()
        topt.step()
        opt.step()
        bound.check(case_id(case) + " " + direction, s, ps, ref)
    sd, st = opt.state_dict(), topt.state_dict()
    assert sd["param_groups"] == st["param_groups"]
    for i in st["state"]:
        for key, v in st["state"][i].items():
            w = sd["state"][i][key]
            assert type(w) is type(v), key
            if isinstance(v, torch.Tensor) and key != "step":
                assert v.shape == w.shape and torch.allclose(v, w, rtol=1e-5, atol=1e-7), key


def test_state_dict_layout():
    p = torch.nn.Parameter(torch.ones(3))
    for cls, kw in ((at.SGD, dict(lr=0.1)), (at.Adam, {}), (at.RMSprop, {})):
        o = cls([p], **kw)
        p.grad = torch.ones(3)
        o.step()
        t = getattr(torch.optim, cls.__name__)([p], **kw)
        t.step()
        a, b = o.state_dict()["state"][0], t.state_dict()["state"][0]
        assert a.keys() == b.keys() and {k: type(v) for k, v in a.items()} == {k: type(v) for k, v in b.items()}


def test_defaults_match_torch():
    p = [torch.nn.Parameter(torch.ones(2))]
    for name in ("Adam", "AdamW", "RMSprop"):
        assert getattr(at, name)(p).defaults == getattr(torch.optim, name)(p).defaults, name
    assert at.SGD(p, lr=0.1).defaults == torch.optim.SGD(p, lr=0.1).defaults
    with pytest.raises(ValueError, match="lr is required"):
        at.SGD(p)
    with pytest.raises(ValueError, match="Nesterov"):
        at.SGD(p, lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="maximize=True is not supported"):
        at.Adam(p, maximize=True)


def bad_params():
    base = torch.nn.Parameter(torch.ones(4, 3))
    ok = torch.nn.Parameter(torch.ones(2))
    return ok, base


@pytest.mark.parametrize("what, message", [
    ("meta", r"param 1 of group 0 \(shape \(4, 3\)\) is on meta; libanneal takes CPU tensors"),
    ("float64", r"param 1 of group 0 \(shape \(4, 3\)\) is torch.float64; libanneal takes float32"),
    ("float16", r"param 1 of group 0 \(shape \(4, 3\)\) is torch.float16; libanneal takes float32"),
    ("noncontiguous", r"param 1 of group 0 \(shape \(3, 4\)\) is not contiguous"),
])
def test_refused_params(what, message):
    """Refused at construction: a device other than the CPU (meta stands in for CUDA on a machine
    without one, the check is the same), another dtype, a non-contiguous tensor."""
    ok = torch.nn.Parameter(torch.ones(2))
    t = {"meta": lambda: torch.ones(4, 3, device="meta"), "float64": lambda: torch.ones(4, 3, dtype=torch.float64),
         "float16": lambda: torch.ones(4, 3, dtype=torch.float16),
         "noncontiguous": lambda: torch.ones(4, 3).t()}[what]()
    with pytest.raises(ValueError, match="anneal.torch.AdamW: " + message):
        at.AdamW([ok, torch.nn.Parameter(t)])


@pytest.mark.parametrize("what, message", [
    ("sparse", r"the gradient of param 0 of group 1 \(shape \(4, 3\)\) is sparse"),
    ("noncontiguous", r"the gradient of param 0 of group 1 \(shape \(4, 3\)\) is not contiguous"),
])
def test_refused_grads(what, message):
    """Refused at step, before any tensor is updated. (A gradient of another dtype torch itself
    refuses to assign.)"""
    a, b = torch.nn.Parameter(torch.ones(2)), torch.nn.Parameter(torch.ones(4, 3))
    opt = at.SGD([dict(params=[a]), dict(params=[b])], lr=0.1)
    a.grad = torch.ones(2)
    if what == "sparse":
        b.grad = torch.ones(4, 3).to_sparse()
    else:
        b.grad = torch.ones(3, 4).t()
    with pytest.raises(ValueError, match="anneal.torch.SGD: " + message):
        opt.step()
    assert torch.equal(a.detach(), torch.ones(2)) and torch.equal(b.detach(), torch.ones(4, 3))


def test_libanneal_errors_are_exceptions():
    p = torch.nn.Parameter(torch.ones(2))
    opt = at.Adam([p], betas=(0.9, 1.5))
    p.grad = torch.ones(2)
    with pytest.raises(ValueError, match="beta2"):
        opt.step()
    with pytest.raises(ValueError, match="anneal_config.lr = -1: must be finite and >= 0"):
        at.SGD([p], lr=-1.0).step()
    opt = at.SGD([p], lr=0.1)
    opt.step()
    before = p.detach().clone()
    opt.param_groups[0]["lr"] = -1.0
    with pytest.raises(ValueError, match="lr is -1"):
        opt.step()
    assert torch.equal(p.detach(), before)


SCHED = """schedule s {
  lr = 0.1 for 12 then cosine(0.05, 0.001) for 20 then 0.001;
  momentum = 0.9;
  on at 12 { reset momentum; call probe; }
  on every 10 { call probe; }
}"""


@pytest.mark.parametrize("name, reset", [("SGD", "reset momentum"), ("RMSprop", "reset momentum"),
                                         ("SGD", "reset moments"), ("Adam", "reset moments"),
                                         ("AdamW", "reset moments"), ("RMSprop", "reset moments")])
def test_schedule_drives_lr_and_hooks(name, reset):
    """schedule= against torch.optim driven by anneal.torch.Scheduler: same values, the reset at
    step 12, and each `call probe` once per step it fires. (Adam's `reset momentum` differs on
    purpose: libanneal restarts prod beta1 so m is unbiased again, torch's step runs on.)"""
    s = anneal.loads(SCHED.replace("reset momentum", reset)).schedule()
    init, grads = data(4)
    ref = [torch.nn.Parameter(t.clone()) for t in init]
    ours = [torch.nn.Parameter(t.clone()) for t in init]
    kw = dict(lr=1.0) if name == "SGD" else {}
    calls, tcalls = [], []
    topt = getattr(torch.optim, name)([dict(params=ref[:2]), dict(params=ref[2:], lr_scale=0.5)], **kw)
    sched = at.Scheduler(topt, s, callbacks={"probe": lambda step, pt: tcalls.append(step)})
    aopt = getattr(at, name)([dict(params=ours[:2]), dict(params=ours[2:], lr_scale=0.5)], schedule=s,
                             callbacks={"probe": lambda step, pt: calls.append((step, pt.lr))}, **kw)
    bound = Bound(ref)
    for st, g in enumerate(grads):
        for p, q, x in zip(ref, ours, g):
            p.grad, q.grad = x.clone(), x.clone()
        topt.step()
        sched.step()
        aopt.step()
        bound.check("%s scheduled, %s" % (name, reset), st, ours, ref)
    # the Scheduler fires step 40's hooks after the last update, in the sched.step() that moves to 40
    assert [c[0] for c in calls] == tcalls[:-1] == [10, 12, 20, 30]
    assert calls[1][1] == s(12).lr


def test_schedule_callback_missing_and_raising():
    s = anneal.loads(SCHED).schedule()
    p = torch.nn.Parameter(torch.ones(2))
    with pytest.raises(ValueError, match="calls 'probe'"):
        at.SGD([p], schedule=s)
    with pytest.raises(ValueError, match="anneal.torch.SGD has no slot for channel 'beta2' of schedule b2"):
        at.SGD([p], schedule=anneal.loads("schedule b2 { lr = 0.1; beta2 = 0.9; }").schedule())
    with pytest.raises(ValueError, match="lr is required"):
        at.SGD([p], schedule=anneal.loads("schedule m { momentum = 0.9; }").schedule())
    with pytest.raises(TypeError, match="schedule must be an anneal.Schedule or a path"):
        at.SGD([p], lr=0.1, schedule=42)

    def boom(step, pt):
        raise RuntimeError("probe at %d" % step)
    q = torch.nn.Parameter(torch.ones(3))
    opt = at.SGD([p, q], schedule=s, callbacks={"probe": boom})
    p.grad, q.grad = torch.ones(2), torch.ones(3)
    for _ in range(10):
        opt.step()
    before = q.detach().clone()
    with pytest.raises(RuntimeError, match="probe at 10"):
        opt.step()
    assert not torch.equal(q.detach(), before)  # every tensor had its update
    opt.step()
    assert opt.state_dict()["state"][0]["momentum_buffer"] is not None


@pytest.mark.parametrize("case", MOVES, ids=case_id)
def test_state_is_live(case):
    """optimizer.state holds views of libanneal's arrays: torch's values after every step with
    no state_dict() call, and a write into them (torch-style, in place) is what the next update
    uses; "step" set back to 0 restarts the bias correction as on torch.optim."""
    name, kw = case
    init, grads = data(8)
    ref, topt = make(getattr(torch.optim, name), init, kw, False)
    ours, aopt = make(getattr(at, name), init, kw, False)

    def compare_and_reset(s):
        for p, q in zip(ref, ours):
            mine, theirs = aopt.state[q], topt.state[p]
            assert mine.keys() == theirs.keys()
            for key, v in theirs.items():
                if isinstance(v, torch.Tensor) and key != "step":
                    assert torch.allclose(mine[key], v, rtol=1e-4, atol=1e-6), (s, key)
                elif key == "step":
                    assert float(mine[key]) == float(v), s
        if s == 20:
            for st in (topt.state, aopt.state):
                for state in st.values():
                    for key, v in state.items():
                        if isinstance(v, torch.Tensor) and key != "step":
                            v.zero_()
                        elif key == "step":
                            state[key] = torch.tensor(0.0) if isinstance(v, torch.Tensor) else 0

    side_by_side(case_id(case), grads, ref, topt, ours, aopt, compare_and_reset)


@pytest.mark.parametrize("name, reset", [("SGD", "reset momentum"), ("Adam", "reset moments"),
                                         ("AdamW", "reset moments"), ("RMSprop", "reset moments")])
def test_scheduler_over_fused(name, reset):
    """anneal.torch.Scheduler driving anneal.torch's optimizers: its reset hooks act on the
    views, so the run is torch.optim's under the same Scheduler."""
    s = anneal.loads(SCHED.replace("reset momentum", reset)).schedule()
    init, grads = data(9)
    kw = dict(lr=1.0, momentum=0.9) if name == "SGD" else {}
    ref, topt = make(getattr(torch.optim, name), init, kw, False)
    ours, aopt = make(getattr(at, name), init, kw, False)
    scheds = [at.Scheduler(o, s, callbacks={"probe": lambda step, pt: None}) for o in (topt, aopt)]
    side_by_side("%s under Scheduler, %s" % (name, reset), grads, ref, topt, ours, aopt,
                 lambda st: [sched.step() for sched in scheds])


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop"])
def test_resume_under_schedule(name):
    """state_dict() mid-run (after the reset at step 12) into a new optimizer with the same
    schedule=: the resumed run is the uninterrupted one, bit for bit, at the right schedule step
    ("anneal_step") though the tensors' own step counts restarted at the reset."""
    s = anneal.loads(SCHED.replace("reset momentum", "reset moments")).schedule()
    init, grads = data(10)
    kw = dict(lr=1.0) if name == "SGD" else {}
    cb = {"probe": lambda step, pt: None}
    whole, wopt = make(getattr(at, name), init, dict(kw, schedule=s, callbacks=cb), False)
    ps, opt = make(getattr(at, name), init, dict(kw, schedule=s, callbacks=cb), False)
    for st, g in enumerate(grads):
        if st == 17:
            sd = opt.state_dict()
            assert sd["anneal_step"] == 17
            opt = getattr(at, name)(ps, schedule=s, callbacks=cb, **kw)
            opt.load_state_dict(sd)
        for p, q, x in zip(whole, ps, g):
            p.grad, q.grad = x.clone(), x.clone()
        wopt.step()
        opt.step()
        for a, b in zip(ps, whole):
            assert torch.equal(a, b), (name, st)


def test_sgd_momentum_raised_from_zero():
    """torch starts a velocity when a group's momentum is raised from 0; so does anneal.torch.SGD."""
    init, grads = data(11)
    ref, topt = make(torch.optim.SGD, init, dict(lr=0.1), False)
    ours, aopt = make(at.SGD, init, dict(lr=0.1), False)

    def raise_momentum(s):
        if s == 4:
            for opt in (topt, aopt):
                opt.param_groups[0]["momentum"] = 0.9

    side_by_side("momentum raised", grads, ref, topt, ours, aopt, raise_momentum)
