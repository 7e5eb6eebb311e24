"""test_torch.py: anneal.torch.Scheduler -- channels into param groups, hooks on optimizer state, errors, resuming."""
import copy
import warnings

import pytest

torch = pytest.importorskip("torch")
import anneal  # noqa: E402
import anneal.torch  # noqa: E402
from anneal.torch import Scheduler  # noqa: E402
from conftest import SGDR, conformance  # noqa: E402

RESTARTS = """schedule r {
  lr = restarts(period = 5) { cosine(0.1, 0.01) };
  momentum = 0.9;
  on restart { %s; }
}"""


def sched(text, name=None):
    p = anneal.loads(text)
    return p[name] if name else p.schedule()


def model():
    torch.manual_seed(0)
    return torch.nn.Linear(3, 2)


def train_step(m, opt, k):
    """One optimizer step on a fixed batch that depends on k."""
    g = torch.Generator().manual_seed(k)
    x, y = torch.randn(4, 3, generator=g), torch.randn(4, 2, generator=g)
    opt.zero_grad()
    torch.nn.functional.mse_loss(m(x), y).backward()
    opt.step()


def test_is_a_torch_scheduler(sgdr):
    opt = torch.optim.SGD(model().parameters(), lr=1.0, momentum=0.5)
    s = Scheduler(opt, sgdr, model=torch.nn.Linear(1, 1), swa_model=torch.optim.swa_utils.AveragedModel(
        torch.nn.Linear(1, 1)))
    assert isinstance(s, torch.optim.lr_scheduler._LRScheduler)
    assert s.last_epoch == 0 and s.get_last_lr() == [0.0]
    assert opt.param_groups[0]["momentum"] == 0.9


def test_step_mapping(sgdr):
    """last_epoch is Anneal's step: the k-th optimizer.step() runs with the values of step k."""
    m = model()
    opt = torch.optim.SGD(m.parameters(), lr=1.0)
    s = Scheduler(opt, sgdr.with_params(), model=m, swa_model=torch.optim.swa_utils.AveragedModel(m))
    seen = []
    for k in range(60):
        seen.append(opt.param_groups[0]["lr"])
        train_step(m, opt, k)
        s.step()
        assert s.last_epoch == k + 1
    assert seen == [sgdr(k).lr for k in range(60)]
    assert s.get_lr() == [sgdr(60).lr] == s.get_last_lr()


def test_lr_scale_and_groups():
    m = model()
    opt = torch.optim.SGD([{"params": [m.weight], "lr_scale": 0.5, "weight_decay_scale": 0.0},
                           {"params": [m.bias]}], lr=1.0, momentum=0.1, weight_decay=0.1)
    s = Scheduler(opt, sched("schedule g { lr = 0.2; weight_decay = 0.01; momentum = 0.8; }"))
    g0, g1 = opt.param_groups
    assert (g0["lr"], g1["lr"]) == (0.1, 0.2)
    assert (g0["weight_decay"], g1["weight_decay"]) == (0.0, 0.01)
    assert g0["momentum"] == g1["momentum"] == 0.8
    assert s.get_last_lr() == [0.1, 0.2] == s.get_lr()


def test_adam_betas_and_rmsprop_alpha():
    text = "schedule b { lr = 0.01; momentum = 0.8; beta2 = 0.95; weight_decay = 0.1; }"
    for cls in (torch.optim.Adam, torch.optim.AdamW):
        opt = cls(model().parameters())
        Scheduler(opt, sched(text))
        g = opt.param_groups[0]
        assert (g["lr"], g["betas"], g["weight_decay"]) == (0.01, (0.8, 0.95), 0.1)
    opt = torch.optim.RMSprop(model().parameters(), momentum=0.5)
    Scheduler(opt, sched(text))
    g = opt.param_groups[0]
    assert (g["momentum"], g["alpha"], g["weight_decay"]) == (0.8, 0.95, 0.1)


def test_custom_channel_into_a_group_key():
    opt = torch.optim.SGD([{"params": model().parameters(), "noise": 0.0}], lr=0.1)
    s = Scheduler(opt, sched("schedule c { lr = 0.1; channel noise = 0.1 * step; }"))
    s.step()
    s.step()
    assert opt.param_groups[0]["noise"] == pytest.approx(0.2)


def test_schedule_without_lr_keeps_the_groups_lr():
    opt = torch.optim.SGD(model().parameters(), lr=0.3, momentum=0.1)
    s = Scheduler(opt, sched("schedule m { momentum = 0.5; }"))
    assert s.get_last_lr() == [0.3] == s.get_lr() and opt.param_groups[0]["momentum"] == 0.5


@pytest.mark.parametrize("cls,channel,slot", [
    (torch.optim.SGD, "beta2", "'betas' or 'alpha'"),
    (torch.optim.SGD, "temperature", "'temperature'"),
    (torch.optim.Adagrad, "momentum", "'momentum' or 'betas'"),
    (torch.optim.SGD, "noise", "'noise'"),
])
def test_channel_without_a_slot(cls, channel, slot):
    body = "channel noise = 1" if channel == "noise" else "%s = 0.5" % channel
    text = "schedule s { lr = 0.1; %s; }" % body
    opt = cls(model().parameters(), lr=0.1)
    msg = r"%s has no slot for channel '%s' \(no %s in its param groups\); leave it out with ignore=\('%s',\)" % (
        cls.__name__, channel, slot, channel)
    with pytest.raises(ValueError, match=msg):
        Scheduler(opt, sched(text))
    Scheduler(opt, sched(text), ignore=(channel,))
    assert opt.param_groups[0]["lr"] == 0.1


def test_bad_arguments(sgdr):
    with pytest.raises(TypeError, match="str is not a torch.optim.Optimizer"):
        Scheduler("opt", sgdr)
    opt = torch.optim.SGD(model().parameters(), lr=0.1)
    with pytest.raises(TypeError, match="schedule must be an anneal.Schedule or a path, got int"):
        Scheduler(opt, 3)
    with pytest.raises(ValueError, match=r"ignore names 'beta2', which schedule sgdr does not define"):
        Scheduler(opt, sgdr, ignore=("beta2",))
    with pytest.raises(ValueError, match="epoch must be an int >= 0"):
        Scheduler(opt, conformance("step")).step(-3)


def test_schedule_from_a_path():
    opt = torch.optim.SGD(model().parameters(), lr=1.0)
    s = Scheduler(opt, conformance("step"))
    assert s.schedule.name == "step" and s.get_last_lr() == [0.1]
    s.step(30)
    assert s.last_epoch == 30 and s.get_last_lr() == [0.05]


@pytest.mark.parametrize("need,kwargs,msg", [
    ("snapshot", {}, r"schedule r's hook 'on restart \{ snapshot \}' snapshots: pass snapshot=callable\(step, "
                     r"cycle\), or model= to keep copies of its state_dict"),
    ("swa", {}, r"schedule r's hook 'on restart \{ swa \}' averages weights: pass swa_model= \(a "
                r"torch.optim.swa_utils.AveragedModel\) and model="),
    ("swa", {"model": torch.nn.Linear(1, 1)}, r"averages weights: pass swa_model="),
    ("call probe", {}, r"schedule r's hook 'on restart \{ call probe \}' calls 'probe': pass "
                       r"callbacks=\{'probe': callable\(step, point\)\}"),
    ("call probe", {"callbacks": {"probe": 3}}, r"calls 'probe'"),
])
def test_hook_needs(need, kwargs, msg):
    opt = torch.optim.SGD(model().parameters(), lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match=msg):
        Scheduler(opt, sched(RESTARTS % need), **kwargs)


def test_hook_arguments_types():
    opt = torch.optim.SGD(model().parameters(), lr=0.1, momentum=0.9)
    with pytest.raises(TypeError, match=r"snapshot must be callable\(step, cycle\)"):
        Scheduler(opt, sched(RESTARTS % "snapshot"), snapshot=3)
    with pytest.raises(TypeError, match="swa_model must be a torch.optim.swa_utils.AveragedModel"):
        Scheduler(opt, sched(RESTARTS % "swa"), swa_model=object(), model=torch.nn.Linear(1, 1))


def run_with_reset(opt_cls, action, steps=12, **opt_kw):
    """Train with restarts every 5 steps under action; return (model, optimizer, states seen right
    after each scheduler.step() that moves to a restart step)."""
    m = model()
    opt = opt_cls(m.parameters(), **opt_kw)
    s = Scheduler(opt, sched(RESTARTS % action), ignore=() if "momentum" in opt.param_groups[0] or
                  "betas" in opt.param_groups[0] else ("momentum",))
    seen = {}
    for k in range(steps):
        train_step(m, opt, k)
        s.step()
        if s.last_epoch % 5 == 0:
            seen[s.last_epoch] = {id(p): {key: (v.clone() if torch.is_tensor(v) else v)
                                          for key, v in opt.state[p].items()} for p in m.parameters()}
    return m, opt, seen


def test_reset_momentum_sgd():
    _, _, seen = run_with_reset(torch.optim.SGD, "reset momentum", lr=0.1, momentum=0.9)
    for st in seen[5].values():
        assert torch.count_nonzero(st["momentum_buffer"]) == 0


def test_reset_momentum_sgd_matches_torch_with_manual_reset():
    """The reset leaves exactly torch's state with its buffers zeroed by hand at the same step."""
    m, _, _ = run_with_reset(torch.optim.SGD, "reset momentum", lr=0.1, momentum=0.9)
    ref = model()
    opt = torch.optim.SGD(ref.parameters(), lr=0.1, momentum=0.9)
    t = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=5, eta_min=0.01)
    for k in range(12):
        train_step(ref, opt, k)
        t.step()
        if t.T_cur == 0:
            for p in ref.parameters():
                opt.state[p]["momentum_buffer"].zero_()
    for a, b in zip(m.parameters(), ref.parameters()):
        assert torch.allclose(a, b, rtol=0, atol=1e-7)


def test_reset_momentum_adam_keeps_second_moment():
    _, _, seen = run_with_reset(torch.optim.Adam, "reset momentum", lr=0.01, amsgrad=True)
    for st in seen[5].values():
        assert torch.count_nonzero(st["exp_avg"]) == 0
        assert torch.count_nonzero(st["exp_avg_sq"]) > 0
        assert torch.count_nonzero(st["max_exp_avg_sq"]) > 0
        assert float(st["step"]) == 5


@pytest.mark.parametrize("cls", [torch.optim.Adam, torch.optim.AdamW])
def test_reset_moments_adam_restarts_bias_correction(cls):
    m, opt, seen = run_with_reset(cls, "reset moments", steps=5, lr=0.01, amsgrad=True)
    for st in seen[5].values():
        for key in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
            assert torch.count_nonzero(st[key]) == 0, key
        assert float(st["step"]) == 0
    # the next update is a fresh optimizer's first update from the same weights
    fresh = copy.deepcopy(m)
    fopt = cls(fresh.parameters(), lr=opt.param_groups[0]["lr"], betas=opt.param_groups[0]["betas"], amsgrad=True)
    train_step(m, opt, 5)
    train_step(fresh, fopt, 5)
    for a, b in zip(m.parameters(), fresh.parameters()):
        assert torch.equal(a, b)


def test_reset_rmsprop():
    _, _, seen = run_with_reset(torch.optim.RMSprop, "reset momentum", lr=0.01, momentum=0.5, centered=True)
    for st in seen[5].values():
        assert torch.count_nonzero(st["momentum_buffer"]) == 0 and torch.count_nonzero(st["square_avg"]) > 0
    _, _, seen = run_with_reset(torch.optim.RMSprop, "reset moments", lr=0.01, momentum=0.5, centered=True)
    for st in seen[5].values():
        for key in ("momentum_buffer", "square_avg", "grad_avg"):
            assert torch.count_nonzero(st[key]) == 0, key
        assert st["step"] == 0


def test_reset_before_any_state_and_none_buffers():
    opt = torch.optim.SGD(model().parameters(), lr=0.1)  # momentum 0: torch keeps momentum_buffer None
    s = Scheduler(opt, sched(RESTARTS % "reset moments"), ignore=("momentum",))
    for k in range(6):
        s.step()
    m = model()
    opt = torch.optim.SGD(m.parameters(), lr=0.1)
    s = Scheduler(opt, sched(RESTARTS % "reset momentum"), ignore=("momentum",))
    for k in range(6):
        train_step(m, opt, k)
        s.step()
    assert all(opt.state[p]["momentum_buffer"] is None for p in m.parameters())


def test_snapshot_callback_and_copies():
    m = model()
    opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    calls = []
    s = Scheduler(opt, sched(RESTARTS % "snapshot"), snapshot=lambda step, cycle: calls.append((step, cycle)))
    for k in range(16):
        train_step(m, opt, k)
        s.step()
    assert calls == [(5, 1), (10, 2), (15, 3)]
    m = model()
    opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    s = Scheduler(opt, sched(RESTARTS % "snapshot"), model=m)
    weights = {}
    for k in range(11):
        train_step(m, opt, k)
        weights[k + 1] = m.weight.detach().clone()
        s.step()
    assert [(st, c) for st, c, _ in s.snapshots] == [(5, 1), (10, 2)]
    assert torch.equal(s.snapshots[0][2]["weight"], weights[5])
    assert not torch.equal(s.snapshots[0][2]["weight"], m.weight)


def test_swa():
    m = model()
    avg = torch.optim.swa_utils.AveragedModel(m)
    opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    s = Scheduler(opt, sched(RESTARTS % "swa"), swa_model=avg, model=m)
    folded = []
    for k in range(11):
        train_step(m, opt, k)
        s.step()
        if s.last_epoch % 5 == 0:
            folded.append(m.weight.detach().clone())
    assert int(avg.n_averaged) == 2
    assert torch.allclose(avg.module.weight, (folded[0] + folded[1]) / 2, rtol=0, atol=1e-7)


def test_call():
    got = []
    opt = torch.optim.SGD(model().parameters(), lr=0.1, momentum=0.9)
    s = Scheduler(opt, sched(RESTARTS % "call probe"), callbacks={"probe": lambda step, pt: got.append((step, pt))})
    for k in range(10):
        s.step()
    assert [st for st, _ in got] == [5, 10]
    assert got[0][1].events == ["restart"] and got[0][1].lr == pytest.approx(0.1)


def test_hooks_at_step_zero_fire_at_construction():
    got = []
    opt = torch.optim.SGD(model().parameters(), lr=0.1)
    Scheduler(opt, sched("schedule z { lr = 0.1; on at 0 { call probe; } }"),
              callbacks={"probe": lambda step, pt: got.append(step)})
    assert got == [0]


def test_state_dict_resume_is_exact():
    text = SGDR.replace("snapshot; ", "")
    total, stop = 400, 173

    def fresh():
        m = model()
        opt = torch.optim.SGD(m.parameters(), lr=1.0, momentum=0.5, weight_decay=1e-4)
        avg = torch.optim.swa_utils.AveragedModel(m)
        return m, opt, Scheduler(opt, sched(text), swa_model=avg, model=m)

    m, opt, s = fresh()
    lrs = []
    for k in range(total):
        lrs.append(opt.param_groups[0]["lr"])
        train_step(m, opt, k)
        s.step()
    m2, opt2, s2 = fresh()
    lrs2 = []
    for k in range(stop):
        lrs2.append(opt2.param_groups[0]["lr"])
        train_step(m2, opt2, k)
        s2.step()
    saved = copy.deepcopy({"model": m2.state_dict(), "opt": opt2.state_dict(), "sched": s2.state_dict()})
    assert saved["sched"]["last_epoch"] == stop and saved["sched"]["schedule"] == "sgdr"
    m3, opt3, s3 = fresh()
    m3.load_state_dict(saved["model"])
    opt3.load_state_dict(saved["opt"])
    s3.load_state_dict(saved["sched"])
    assert s3.last_epoch == stop and s3.get_last_lr() == s2.get_last_lr()
    for k in range(stop, total):
        lrs2.append(opt3.param_groups[0]["lr"])
        train_step(m3, opt3, k)
        s3.step()
    assert lrs2 == lrs
    for a, b in zip(m.parameters(), m3.parameters()):
        assert torch.equal(a, b)


def test_load_state_dict_of_another_schedule(sgdr):
    opt = torch.optim.SGD(model().parameters(), lr=0.1)
    s = Scheduler(opt, conformance("step"))
    other = Scheduler(torch.optim.SGD(model().parameters(), lr=0.1), conformance("multistep"))
    with pytest.raises(ValueError, match=r"the state is of another schedule: its schedule is 'multistep', "
                                         r"this scheduler's 'step'"):
        s.load_state_dict(other.state_dict())
    changed = Scheduler(torch.optim.SGD(model().parameters(), lr=0.1),
                        anneal.load(conformance("step"), params={"gamma": 0.25}).schedule())
    with pytest.raises(ValueError, match=r"its params is \{'base_lr': 0.1, 'step_size': 30.0, 'gamma': 0.25\}"):
        s.load_state_dict(changed.state_dict())


def test_verbose(capsys):
    opt = torch.optim.SGD(model().parameters(), lr=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = Scheduler(opt, conformance("step"), verbose=True)
    s.step()
    assert "anneal.torch.Scheduler: step 1: lr [0.1]" in capsys.readouterr().out

