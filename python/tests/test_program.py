"""test_program.py: anneal.load/loads, Program, ScheduleError and every error path of loading."""
import math
import os
import sys

import pytest

import anneal
from conftest import SGDR, TWO, conformance


def test_loads_and_names():
    prog = anneal.loads(TWO, "two.anneal")
    assert isinstance(prog, anneal.Program)
    assert len(prog) == 2
    assert prog.names == ("a", "b")
    assert list(prog) == ["a", "b"] and prog.keys() == ["a", "b"]
    assert "b" in prog and "c" not in prog
    assert prog.name == "two.anneal"
    assert prog.text == TWO.encode()
    assert repr(prog) == "<Program 'two.anneal': a, b>"
    s = prog["b"]
    assert isinstance(s, anneal.Schedule) and s.name == "b"


def test_loads_bytes_and_default_name():
    prog = anneal.loads(SGDR.encode())
    assert prog.name == "<string>"
    assert prog.schedule().name == "sgdr"


def test_load_file(srcdir):
    prog = anneal.load(conformance("step"))
    assert prog.name == conformance("step")
    assert prog.schedule()(30).lr == 0.05


def test_load_pathlike(tmp_path):
    p = tmp_path / "one.anneal"
    p.write_text(SGDR)
    assert anneal.load(p).schedule().name == "sgdr"


def test_load_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        anneal.load(tmp_path / "nope.anneal")


def test_schedule_needs_exactly_one():
    with pytest.raises(ValueError, match=r"two.anneal has 2 schedules \(a, b\): name one"):
        anneal.loads(TWO, "two.anneal").schedule()
    with pytest.raises(anneal.ScheduleError, match=r"empty file: expected 'schedule NAME \{ ... \}'"):
        anneal.loads("# nothing\n", "empty.anneal")


def test_unknown_schedule_lists_names():
    prog = anneal.loads(TWO, "two.anneal")
    with pytest.raises(KeyError, match=r"no schedule 'c' in two.anneal \(schedules: a, b\)"):
        prog["c"]
    with pytest.raises(TypeError, match="schedule names are strings"):
        prog[0]


def test_schedule_error_caret_text_and_diagnostics():
    text = "schedule x {\n  lr = cosine(0.1, 0) for 100\n}\n"
    with pytest.raises(anneal.ScheduleError) as e:
        anneal.loads(text, "bad.anneal")
    err = e.value
    assert isinstance(err, ValueError)
    assert str(err) == ("bad.anneal:2:30: error: expected 'then' or ';' before '}'\n"
                        "    2 |   lr = cosine(0.1, 0) for 100\n"
                        "      |                              ^")
    d, = err.diagnostics
    assert tuple(d) == ("bad.anneal", 2, 30, "expected 'then' or ';' before '}'")
    assert d.path == "bad.anneal" and d.line == 2 and d.column == 30 and d.severity == "error"


def test_schedule_error_with_notes():
    with pytest.raises(anneal.ScheduleError) as e:
        anneal.loads("schedule a { lr = 1; } schedule a { lr = 2; }", "dup.anneal")
    diags = e.value.diagnostics
    assert [(d.line, d.column, d.severity) for d in diags] == [(1, 33, "error"), (1, 10, "note")]
    assert diags[0].message == "schedule 'a' is defined twice"
    assert "note: first defined here" in str(e.value)


def test_params_override_every_declaring_schedule():
    text = "schedule a { param k = 1; lr = k; }\nschedule b { param k = 1; lr = 2 * k; }\nschedule c { lr = 3; }\n"
    prog = anneal.loads(text, params={"k": 0.25})
    assert prog["a"](0).lr == 0.25 and prog["b"](0).lr == 0.5 and prog["c"](0).lr == 3
    assert prog.params == {"k": 0.25}
    assert [p.default for p in prog["a"].params] == [0.25]


def test_structural_param_override():
    prog = anneal.loads("schedule a { param n = 10; lr = linear(0, 1) for n; }", params={"n": 20})
    s = prog["a"]
    assert s.horizon == 20
    assert s.params == [("n", 20.0, True)]


def test_unknown_param():
    with pytest.raises(KeyError, match=r"unknown param 'peek': no schedule of sgdr.anneal declares it "
                                       r"\(schedules: sgdr\)"):
        anneal.loads(SGDR, "sgdr.anneal", params={"peek": 1})


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_nonfinite_param(value):
    with pytest.raises(ValueError, match=r"param 'peak': the value %s is not finite" % value):
        anneal.loads(SGDR, params={"peak": value})


def test_param_types():
    with pytest.raises(TypeError, match=r"param 'peak': expected a number, got str"):
        anneal.loads(SGDR, params={"peak": "0.1"})
    with pytest.raises(TypeError, match=r"param names are strings, got 1"):
        anneal.loads(SGDR, params={1: 0.1})
    with pytest.raises(TypeError, match=r"params must be a dict, got list"):
        anneal.loads(SGDR, params=[("peak", 0.1)])


def test_param_value_breaking_the_schedule():
    with pytest.raises(anneal.ScheduleError, match=r"duration is negative \(-3 steps\)") as e:
        anneal.loads("schedule a { param n = 10; lr = linear(0,1) for n; }", "n.anneal", params={"n": -3})
    assert e.value.diagnostics[0][:3] == ("n.anneal", 1, 49)


def test_text_type():
    with pytest.raises(TypeError, match="text must be str or bytes, got int"):
        anneal.loads(3)


def test_file_size_limit():
    with pytest.raises(anneal.ScheduleError, match="file is larger than"):
        anneal.loads(b"#" * (16 << 20 | 1), "huge.anneal")


def test_uninitialised_objects_raise():
    p = anneal.Program.__new__(anneal.Program)
    with pytest.raises(RuntimeError, match="not loaded"):
        len(p)
    with pytest.raises(RuntimeError, match="not loaded"):
        p.names
    assert "not loaded" in repr(p)
    s = anneal.Schedule.__new__(anneal.Schedule)
    with pytest.raises(RuntimeError, match="not compiled"):
        s(0)
    with pytest.raises(RuntimeError, match="not compiled"):
        s.fill("lr", 0, 1)
    with pytest.raises(RuntimeError, match="not compiled"):
        s.svg()
    assert "not compiled" in repr(s)


def test_reinit_refused():
    prog = anneal.loads(SGDR)
    with pytest.raises(TypeError, match="already loaded"):
        prog.__init__(SGDR)
    s = prog["sgdr"]
    with pytest.raises(TypeError, match="already compiled"):
        s.__init__(prog, "sgdr")


def test_schedule_needs_a_program():
    with pytest.raises(TypeError):
        anneal.Schedule("not a program", "sgdr")


def test_many_schedules_are_released():
    """Compiling and dropping schedules over and over neither crashes nor fails,
    whether or not this libannealc frees JIT code yet."""
    prog = anneal.loads(SGDR)
    for i in range(30):
        s = prog["sgdr"]
        assert s(0).momentum == 0.9
        del s
    for i in range(5):
        assert anneal.loads(SGDR, params={"peak": 0.1 + i})["sgdr"](50).lr == 0.1 + i


def test_threads_share_programs():
    import threading
    prog = anneal.loads(SGDR)
    errors = []

    def work():
        try:
            for _ in range(20):
                s = prog["sgdr"]
                assert s.fill("lr", 0, 1000)[50] == 0.1
        except Exception as e:  # noqa: BLE001 -- reported below
            errors.append(e)
    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_version():
    assert anneal.version.count(".") == 2
