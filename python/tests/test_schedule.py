"""test_schedule.py: Schedule -- its description, points, fill, with_params, analyze, svg and plot."""
import array
import math
import sys
import xml.dom.minidom

import pytest

import anneal
from conftest import SGDR, TWO, conformance


def same(xs, ys):
    """Equal to 1e-14 relative or 1e-15 absolute (1e-14 of these schedules' peaks)."""
    return len(xs) == len(ys) and all(math.isclose(x, y, rel_tol=1e-14, abs_tol=1e-15) for x, y in zip(xs, ys))


def test_description(sgdr):
    assert sgdr.name == "sgdr"
    assert sgdr.params == [("peak", 0.1, False), ("floor", 1e-5, False), ("warm", 50.0, True)]
    p = sgdr.params[0]
    assert (p.name, p.default, p.structural) == ("peak", 0.1, False)
    assert isinstance(p, anneal.Param)
    assert sgdr.channels == ["lr", "momentum"]
    assert sgdr.slots == {"lr": 0, "momentum": 1}
    assert sgdr.hooks == [("restart", "reset momentum, snapshot"), ("every:100", "swa")]
    assert sgdr.hooks[0].event == "restart" and sgdr.hooks[1].actions == "swa"
    assert sgdr.horizon is None
    assert isinstance(sgdr.digest, int)
    assert repr(sgdr) == "<Schedule sgdr: lr, momentum>"
    assert isinstance(sgdr.program, anneal.Program)


def test_hook_event_texts():
    s = anneal.loads("""schedule h {
      lr = first: 1 for 10 then second: 0.5 for 10 then 0.1;
      channel noise = 0.5;
      on at 7 { call probe; }
      on enter second { reset moments; }
      on every 3 { snapshot; swa; }
    }""")["h"]
    assert s.hooks == [("at:7", "call probe"), ("enter:second", "reset moments"), ("every:3", "snapshot, swa")]
    assert s.horizon is None
    assert s.channels == ["lr", "noise"]
    assert s.slots["noise"] == 5


def test_point(sgdr):
    pt = sgdr(150)
    assert isinstance(pt, anneal.Point)
    assert pt.step == 150 and pt.cycle == 1 and pt.phase == 1
    assert pt.events == ["restart"]
    assert pt.actions == ["reset momentum", "snapshot"]
    assert pt.mask == 1
    assert pt.lr == pytest.approx(0.08) and pt["lr"] == pt.lr and pt.momentum == 0.9
    assert pt.channels == {"lr": pt.lr, "momentum": 0.9}
    assert len(pt) == 2
    assert repr(pt).startswith("Point(step=150, lr=0.08")
    assert repr(pt).endswith("phase=1, cycle=1, events=['restart'])")
    w = sgdr(0)
    assert w.lr == 0 and w.cycle == -1 and w.phase == 0 and w.events == [] and w.actions == []
    both = anneal.loads("""schedule c { lr = restarts(period = 10) { cosine(1, 0) };
      on restart { reset momentum; snapshot; } on every 20 { swa; } }""")["c"](20)
    assert both.events == ["restart", "every:20"] and both.mask == 3
    assert both.actions == ["reset momentum", "snapshot", "swa"]
    assert sgdr(step=100).events == ["every:100"]


def test_point_errors(sgdr):
    pt = sgdr(0)
    with pytest.raises(AttributeError, match="Point has no channel or attribute 'beta2'"):
        pt.beta2
    with pytest.raises(KeyError, match="no channel 'beta2' at this point"):
        pt["beta2"]
    with pytest.raises(AttributeError):
        pt.step = 3


def test_step_errors(sgdr):
    with pytest.raises(ValueError, match=r"step must be an int from 0 to 2\*\*63 - 1, got -1"):
        sgdr(-1)
    with pytest.raises(ValueError, match=r"got 9223372036854775808"):
        sgdr(2 ** 63)
    with pytest.raises(TypeError, match="step must be an int, got float"):
        sgdr(1.0)
    assert sgdr(2 ** 63 - 1).momentum == 0.9


def test_fill_matches_eval(sgdr):
    np = pytest.importorskip("numpy")
    lr = sgdr.fill("lr", 0, 1000)
    assert isinstance(lr, np.ndarray) and lr.dtype == np.float64 and lr.shape == (1000,)
    # fill is vectorised (libmvec's cos), eval scalar: a few ulps apart at most
    assert same([float(v) for v in lr], [sgdr(k).lr for k in range(1000)])
    mid = sgdr.fill("momentum", 120, 5)
    assert list(mid) == [0.9] * 5
    assert same(list(sgdr.fill(0, 149, 2)), [sgdr(149).lr, sgdr(150).lr])
    assert len(sgdr.fill("lr", 5, 0)) == 0


def test_fill_in_place(sgdr):
    np = pytest.importorskip("numpy")
    out = np.full(10, -1.0)
    r = sgdr.fill("lr", 50, out=out)
    assert r is out and same(list(out), [sgdr(k).lr for k in range(50, 60)])
    buf = array.array("d", [0.0] * 4)
    assert sgdr.fill("lr", 1, 4, out=buf) is buf and same(list(buf), [sgdr(k).lr for k in range(1, 5)])


def test_fill_without_numpy(sgdr, monkeypatch):
    monkeypatch.setitem(sys.modules, "numpy", None)
    a = sgdr.fill("lr", 0, 60)
    assert isinstance(a, array.array) and a.typecode == "d"
    assert same(list(a), [sgdr(k).lr for k in range(60)])


def test_fill_default_count():
    s = anneal.load(conformance("polynomial")).schedule()
    assert s.horizon == 300
    assert len(s.fill("lr")) == 300 and len(s.fill("lr", 290)) == 10 and len(s.fill("lr", 400)) == 0


def test_fill_errors(sgdr):
    np = pytest.importorskip("numpy")
    with pytest.raises(KeyError, match=r"schedule sgdr has no channel 'beta2' \(channels: lr, momentum\)"):
        sgdr.fill("beta2", 0, 10)
    with pytest.raises(KeyError, match=r"no channel 2 "):
        sgdr.fill(2, 0, 10)
    with pytest.raises(KeyError, match=r"no channel 1208925819614629174706176 "):
        sgdr.fill(2 ** 80, 0, 10)
    with pytest.raises(TypeError, match="channel must be a name or a slot number, got float"):
        sgdr.fill(1.5, 0, 10)
    with pytest.raises(ValueError, match="start must be an int from 0"):
        sgdr.fill("lr", -1, 10)
    with pytest.raises(ValueError, match="count must be an int from 0"):
        sgdr.fill("lr", 0, -1)
    with pytest.raises(ValueError, match="schedule sgdr is open-ended: give fill a count"):
        sgdr.fill("lr")
    with pytest.raises(ValueError, match=r"count .* is too large"):
        sgdr.fill("lr", 0, 2 ** 62)
    with pytest.raises(ValueError, match=r"start \+ count is past the last step"):
        sgdr.fill("lr", 2 ** 63 - 2, out=np.zeros(3))
    with pytest.raises(ValueError, match="out holds 3 values, count is 4"):
        sgdr.fill("lr", 0, 4, out=np.zeros(3))
    with pytest.raises(TypeError, match="out must hold float64 values"):
        sgdr.fill("lr", 0, 3, out=np.zeros(3, dtype=np.float32))
    with pytest.raises(TypeError, match="out must be a writable contiguous buffer of float64, got bytes"):
        sgdr.fill("lr", 0, 1, out=bytes(8))
    with pytest.raises(TypeError, match="writable contiguous"):
        sgdr.fill("lr", 0, 3, out=np.zeros(6)[::2])


def test_with_params(sgdr):
    t = sgdr.with_params(peak=0.2)
    assert isinstance(t, anneal.Schedule) and t.name == "sgdr"
    assert t(50).lr == 0.2 and sgdr(50).lr == 0.1
    assert t.params[0] == ("peak", 0.2, False)
    u = t.with_params(warm=100)
    assert u(100).lr == 0.2 and u.params[0].default == 0.2 and u(50).lr == pytest.approx(0.1)
    with pytest.raises(KeyError, match=r"schedule sgdr has no param 'peek' \(params: peak, floor, warm\)"):
        sgdr.with_params(peek=1)
    with pytest.raises(ValueError, match="param 'peak': the value nan is not finite"):
        sgdr.with_params(peak=math.nan)
    with pytest.raises(anneal.ScheduleError, match="duration is negative"):
        sgdr.with_params(warm=-1)


def test_with_params_empties_a_phase(sgdr):
    # warm = 0 (Hugging Face's default num_warmup_steps): the warmup phase is empty, not an error.
    w = sgdr.with_params(warm=0)
    assert w(0).lr == 0.1 and sgdr(0).lr == 0
    assert w(0).phase == 1 and sgdr(50).phase == 1
    assert same(w.fill("lr", 0, 20), sgdr.fill("lr", 50, 20))
    with pytest.raises(anneal.ScheduleError, match="every phase of channel 'lr' is empty"):
        anneal.loads("schedule z { param w = 5; lr = 0.1 for w; }", "z.anneal", params={"w": 0})


def test_with_params_of_one_schedule_of_several():
    b = anneal.loads(TWO, "two.anneal")["b"]
    assert b.with_params(k=3)(0).lr == pytest.approx(0.03)
    with pytest.raises(KeyError, match=r"schedule b has no param 'x' \(params: k\)"):
        b.with_params(x=1)
    a = anneal.loads(TWO, "two.anneal")["a"]
    with pytest.raises(KeyError, match=r"\(params: none\)"):
        a.with_params(k=1)


def test_analyze(sgdr):
    rep = sgdr.analyze(steps=700)
    assert rep["schedule"] == "sgdr" and rep["steps"] == 700
    lr = rep["channels"][0]
    assert lr["name"] == "lr"
    assert [r["step"] for r in lr["restarts"]] == [150, 350]
    assert lr["max"] == pytest.approx(0.1)
    assert "robbins_monro" in lr
    rep = sgdr.analyze(steps=100, curvature=10)
    assert any("4/L" in f["message"] or "stab" in f["message"] for f in rep["channels"][0]["findings"]) or \
        rep["channels"][0]["findings"] == []
    rep = sgdr.analyze(steps=100, batch=512, base_batch=256)
    assert rep["channels"][0]["linear_scaling"] if "linear_scaling" in rep["channels"][0] else True


def test_analyze_errors(sgdr):
    with pytest.raises(ValueError, match="steps must be at least 1"):
        sgdr.analyze(steps=0)
    with pytest.raises(ValueError, match="steps must be an int from 0"):
        sgdr.analyze(steps=-5)
    with pytest.raises(ValueError, match="curvature must be a positive finite number, got -1"):
        sgdr.analyze(curvature=-1)
    with pytest.raises(ValueError, match="curvature must be a positive finite number, got inf"):
        sgdr.analyze(curvature=math.inf)
    with pytest.raises(ValueError, match="batch and base_batch go together"):
        sgdr.analyze(batch=512)
    with pytest.raises(TypeError):
        sgdr.analyze(curvature="x")


def test_svg(sgdr):
    svg = sgdr.svg(count=700)
    doc = xml.dom.minidom.parseString(svg)
    assert doc.documentElement.tagName == "svg"
    assert sgdr._repr_svg_().startswith(svg[:5])
    one = sgdr.svg(first=100, count=200, channels=["lr"], log=True)
    assert xml.dom.minidom.parseString(one).documentElement.tagName == "svg"
    assert sgdr.svg(count=50, channels="lr,momentum").count("<svg") == 1


def test_svg_errors(sgdr):
    with pytest.raises(ValueError, match=r"schedule 'sgdr' has no channel 'foo'"):
        sgdr.svg(channels="foo")
    with pytest.raises(ValueError, match="count must be at least 2, got 1"):
        sgdr.svg(count=1)
    with pytest.raises(ValueError, match="first must be an int from 0"):
        sgdr.svg(first=-1)
    with pytest.raises(TypeError):
        sgdr.svg(channels=[1, 2])


def test_marks(sgdr):
    restarts, joins = sgdr.marks(0, 700)
    assert restarts == [150, 350]
    assert joins == [50]
    assert sgdr.marks(200, 100) == ([], [])


def test_plot(sgdr):
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    import matplotlib.pyplot as plt
    axes = sgdr.plot(count=700)
    assert len(axes) == 2
    line = axes[0].get_lines()[0]
    assert same(list(line.get_ydata()[:3]), [sgdr(k).lr for k in range(3)])
    vlines = [l.get_xdata()[0] for l in axes[0].get_lines()[1:]]
    assert vlines == [150, 350, 50]
    assert [l.get_linestyle() for l in axes[0].get_lines()[1:]] == ["--", "--", ":"]
    plt.close("all")
    fig, ax = plt.subplots()
    assert sgdr.plot(ax=ax, count=100, channels=["lr"], log=True, marks=False) is ax
    assert len(ax.get_lines()) == 1 and ax.get_yscale() == "log"
    plt.close("all")


def test_plot_errors(sgdr):
    pytest.importorskip("matplotlib")
    with pytest.raises(ValueError, match="schedule sgdr is open-ended: give a count"):
        sgdr.plot()
    with pytest.raises(KeyError, match=r"schedule sgdr has no channel 'beta2' \(channels: lr, momentum\)"):
        sgdr.plot(count=10, channels="beta2")
