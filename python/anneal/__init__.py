"""anneal: Anneal schedules from Python -- load a schedule file, JIT-compile it, evaluate, fill, analyze, plot.

    import anneal
    prog = anneal.load("sgdr.anneal", params={"peak": 0.2})
    s = prog["sgdr"]            # or prog.schedule() when the file has one
    s(1500).lr, s(1500).events  # one step: every channel, the events and actions, phase, cycle
    s.fill("lr", 0, 10000)      # a float64 NumPy array, filled by the compiled code
    s.analyze()                 # annealc analyze as a dict
    s.svg(), s.plot()           # annealc plot's SVG; the same marks on matplotlib axes

anneal.torch holds a torch LR scheduler driven by a schedule.
"""

import json
import os

from . import _anneal
from ._anneal import Diagnostic, Hook, Param, Point, ScheduleError

__all__ = ["load", "loads", "Program", "Schedule", "Point", "Param", "Hook", "Diagnostic", "ScheduleError",
           "version"]

version = _anneal.version


class Schedule(_anneal.Schedule):
    """A JIT-compiled schedule (Schedule(program, name); usually prog[name]).

    .name, .params (Param records), .channels (slot order), .hooks (Hook records), .horizon
    (None when open-ended), .digest; s(step) -> Point; s.fill(channel, start, count) -> float64
    array; with_params, analyze, svg, plot."""

    def with_params(self, **params):
        """A new Schedule with these params changed: the program is reloaded from its text with
        its load-time overrides and these, for this schedule. Unknown name: KeyError."""
        known = [p.name for p in self.params]
        for name in params:
            if name not in known:
                raise KeyError("schedule %s has no param '%s' (params: %s)"
                               % (self.name, name, ", ".join(known) or "none"))
        prog = self.program
        merged = dict(prog.params)
        merged.update(params)
        return type(prog)(prog.text, prog.name, merged)[self.name]

    def analyze(self, steps=None, curvature=None, batch=None, base_batch=None):
        """annealc analyze's report as a dict: per channel its range, monotone stretches,
        restarts, joins, sums, the Robbins-Monro verdict and findings."""
        return json.loads(self._analyze_json(steps, curvature, batch, base_batch))

    def _repr_svg_(self):
        return self.svg()

    def marks(self, first=0, count=None):
        """(restarts, joins): the steps in first .. first + count - 1 where a cycle restarts and
        where one phase joins the next, from the analysis, as annealc plot marks them."""
        count = _span(self, first, count)
        rep = self.analyze(steps=first + count)
        restarts, joins = set(), set()
        for ch in rep["channels"]:
            restarts.update(r["step"] for r in ch.get("restarts", []))
            joins.update(j["step"] for j in ch.get("joins", []))
        inside = lambda s: first <= s < first + count
        return sorted(filter(inside, restarts)), sorted(filter(inside, joins - restarts))

    def plot(self, ax=None, first=0, count=None, channels=None, log=False, marks=True, **kwargs):
        """Draw the channels on matplotlib axes (a new figure when ax is None), restarts marked
        with dashed and phase joins with dotted vertical lines (marks=False: none). With ax
        given every channel is drawn on it and ax is returned; else one panel per channel,
        sharing the step axis, and the list of axes is returned."""
        import matplotlib.pyplot as plt
        count = _span(self, first, count)
        names = _channel_list(self, channels)
        if ax is None:
            _, axes = plt.subplots(len(names), 1, sharex=True, squeeze=False,
                                   figsize=(7, 1.8 + 1.6 * len(names)))
            axes = list(axes[:, 0])
        else:
            axes = [ax] * len(names)
        steps = range(first, first + count)
        restarts, joins = self.marks(first, count) if marks else ([], [])
        for a, name in zip(axes, names):
            a.plot(steps, self.fill(name, first, count), label=name, **kwargs)
            if log:
                a.set_yscale("log")
            for s in restarts:
                a.axvline(s, linestyle="--", linewidth=0.8, color="0.5")
            for s in joins:
                a.axvline(s, linestyle=":", linewidth=0.8, color="0.5")
            a.set_ylabel(name)
        axes[-1].set_xlabel("step")
        axes[0].set_title(self.name)
        return ax if ax is not None else axes


def _span(s, first, count):
    if count is not None:
        return count
    if s.horizon is not None and s.horizon > first:
        return s.horizon - first
    raise ValueError("schedule %s is open-ended: give a count" % s.name)


def _channel_list(s, channels):
    if channels is None:
        return s.channels
    if isinstance(channels, str):
        channels = channels.split(",")
    for c in channels:
        if c not in s.channels:
            raise KeyError("schedule %s has no channel '%s' (channels: %s)" % (s.name, c, ", ".join(s.channels)))
    return list(channels)


class Program(_anneal.Program):
    """A checked schedule file: prog[name] -> Schedule, prog.schedule(), len(prog), prog.names,
    iteration over the names."""

    schedule_type = Schedule

    def __getitem__(self, name):
        return self.schedule_type(self, name)

    def __iter__(self):
        return iter(self.names)

    def __contains__(self, name):
        return name in self.names

    def keys(self):
        return list(self.names)

    def schedule(self):
        """The file's one schedule; ValueError naming them when there are several or none."""
        if len(self) != 1:
            raise ValueError("%s has %d schedules (%s): name one, as program[name]"
                             % (self.name, len(self), ", ".join(self.names) or "none"))
        return self[self.names[0]]


def loads(text, name="<string>", params=None):
    """The program in text (str or bytes), `name` naming it in diagnostics; params overrides
    each param of that name in every schedule declaring it. ScheduleError when it does not
    check; KeyError for a param no schedule declares; ValueError for a NaN or infinite value."""
    return Program(text, name, params)


def load(path, params=None):
    """The program in the file at path (see loads); OSError when it cannot be read."""
    with open(path, "rb") as f:
        text = f.read()
    return Program(text, os.fsdecode(path), params)
