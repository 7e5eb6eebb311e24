"""anneal.torch: Anneal schedules driving torch optimizers.

Scheduler(optimizer, schedule) is a torch LR scheduler (a subclass of torch's _LRScheduler /
LRScheduler) that writes every channel of an Anneal schedule into each param group and fires
the schedule's hooks on the optimizer's own state.

Steps. Anneal's step k is the scheduler's last_epoch k: the constructor performs torch's
initial step (last_epoch = 0, the values of Anneal step 0); each scheduler.step() after
optimizer.step() advances last_epoch by one and writes the values of that step. So the k-th
optimizer.step() of a run (0-based) uses Anneal step k, as the rows of tests/conformance/*.csv
and `annealc eval` count them. The hooks of step k fire inside the scheduler.step() that moves
to k (for step 0: in the constructor), i.e. before the k-th update.

Channels into each param group:
  lr            group["lr"] = lr * group.get("lr_scale", 1)
  momentum      SGD/RMSprop group["momentum"], Adam/AdamW group["betas"][0]
  beta2         Adam/AdamW group["betas"][1], RMSprop group["alpha"]
  weight_decay  group["weight_decay"] = weight_decay * group.get("weight_decay_scale", 1)
  other names   group[name] when every group has that key
A channel the optimizer has no slot for is a ValueError at construction naming the optimizer
class; ignore=("temperature",) leaves named channels out.

Hooks, on optimizer.state:
  reset momentum  zeroes momentum_buffer (SGD, RMSprop) and exp_avg (Adam, AdamW); a
                  momentum_buffer torch has not created (None) stays None
  reset moments   zeroes those and exp_avg_sq, max_exp_avg_sq (Adam's), square_avg and grad_avg
                  (RMSprop's), and sets step back to 0, so bias correction starts again: the
                  next update is a fresh optimizer's first
  snapshot        snapshot(step, cycle) when given; with model= and no snapshot callable, a copy
                  of model.state_dict() is appended to scheduler.snapshots as (step, cycle, copy)
  swa             swa_model.update_parameters(model) (a torch.optim.swa_utils.AveragedModel)
  call NAME       callbacks[NAME](step, point)
A hook that needs something not given is a ValueError at construction.

Still to come here (issue 11): SGD, Adam, AdamW and RMSprop running libanneal's fused kernels,
once libanneal's status-returning API lands. They will sit beside Scheduler in this module, over
an optimizer type of the _anneal extension (its own C file linking libanneal.la), and reuse
_slot's channel mapping and _reset's state keys for their torch-compatible state_dict.
"""

import os

import torch

import anneal

try:
    _Base = torch.optim.lr_scheduler.LRScheduler
except AttributeError:  # torch < 2.0
    _Base = torch.optim.lr_scheduler._LRScheduler

__all__ = ["Scheduler"]

_MOMENTUM_KEYS = ("momentum_buffer", "exp_avg")
_MOMENT_KEYS = _MOMENTUM_KEYS + ("exp_avg_sq", "max_exp_avg_sq", "square_avg", "grad_avg")


def _set_momentum(group, v):
    if "betas" in group:
        group["betas"] = (v, group["betas"][1])
    else:
        group["momentum"] = v


def _set_beta2(group, v):
    if "betas" in group:
        group["betas"] = (group["betas"][0], v)
    else:
        group["alpha"] = v


def _slot(optimizer, channel):
    """The writer of channel into a param group, or a ValueError naming the optimizer class."""
    groups = optimizer.param_groups
    cls = type(optimizer).__name__
    has = lambda key: all(key in g for g in groups)
    if channel == "lr":
        return lambda g, v: g.__setitem__("lr", v * g.get("lr_scale", 1.0))
    if channel == "momentum" and (has("betas") or has("momentum")):
        return _set_momentum
    if channel == "beta2" and (has("betas") or has("alpha")):
        return _set_beta2
    if channel == "weight_decay" and has("weight_decay"):
        return lambda g, v: g.__setitem__("weight_decay", v * g.get("weight_decay_scale", 1.0))
    if channel not in ("momentum", "beta2", "weight_decay") and has(channel):
        return lambda g, v: g.__setitem__(channel, v)
    where = {"momentum": "'momentum' or 'betas'", "beta2": "'betas' or 'alpha'"}.get(channel, "'%s'" % channel)
    raise ValueError("%s has no slot for channel '%s' (no %s in its param groups); leave it out with "
                     "ignore=('%s',)" % (cls, channel, where, channel))


class Scheduler(_Base):
    """Scheduler(optimizer, schedule, *, last_epoch=-1, callbacks=None, snapshot=None, model=None,
    swa_model=None, ignore=(), verbose=False)

    schedule: an anneal.Schedule, or the path of a file with one schedule. See the module's
    documentation for the step mapping, the channels and the hooks."""

    def __init__(self, optimizer, schedule, *, last_epoch=-1, callbacks=None, snapshot=None, model=None,
                 swa_model=None, ignore=(), verbose=False):
        if not isinstance(optimizer, torch.optim.Optimizer):
            raise TypeError("%s is not a torch.optim.Optimizer" % type(optimizer).__name__)
        if isinstance(schedule, (str, bytes, os.PathLike)):
            schedule = anneal.load(schedule).schedule()
        if not isinstance(schedule, anneal._anneal.Schedule):
            raise TypeError("schedule must be an anneal.Schedule or a path, got %s" % type(schedule).__name__)
        for name in ignore:
            if name not in schedule.channels:
                raise ValueError("ignore names '%s', which schedule %s does not define (channels: %s)"
                                 % (name, schedule.name, ", ".join(schedule.channels)))
        self.schedule = schedule
        self._writers = [(c, _slot(optimizer, c)) for c in schedule.channels if c not in ignore]
        self.callbacks = dict(callbacks or {})
        self.snapshot = snapshot
        self.model = model
        self.swa_model = swa_model
        self.snapshots = []
        self._check_hooks()
        kwargs = {"verbose": True} if verbose else {}
        super().__init__(optimizer, last_epoch, **kwargs)

    def _check_hooks(self):
        for hook in self.schedule.hooks:
            what = "schedule %s's hook 'on %s { %s }'" % (self.schedule.name, hook.event, hook.actions)
            for act in hook.actions.split(", "):
                if act == "snapshot" and self.snapshot is None and self.model is None:
                    raise ValueError("%s snapshots: pass snapshot=callable(step, cycle), or model= to keep "
                                     "copies of its state_dict" % what)
                if act == "snapshot" and self.snapshot is not None and not callable(self.snapshot):
                    raise TypeError("snapshot must be callable(step, cycle)")
                if act == "swa":
                    if self.swa_model is None or self.model is None:
                        raise ValueError("%s averages weights: pass swa_model= (a torch.optim.swa_utils."
                                         "AveragedModel) and model=" % what)
                    if not hasattr(self.swa_model, "update_parameters"):
                        raise TypeError("swa_model must be a torch.optim.swa_utils.AveragedModel")
                if act.startswith("call "):
                    name = act[5:]
                    if not callable(self.callbacks.get(name)):
                        raise ValueError("%s calls '%s': pass callbacks={'%s': callable(step, point)}"
                                         % (what, name, name))

    # ---- the values ----

    def _write(self, point):
        values = point.channels
        for name, write in self._writers:
            v = values[name]
            for g in self.optimizer.param_groups:
                write(g, v)

    def get_lr(self):
        """The lr of each group at step last_epoch (the groups' own lr without an lr channel)."""
        if "lr" not in self.schedule.channels:
            return [g["lr"] for g in self.optimizer.param_groups]
        lr = self.schedule(self.last_epoch).lr
        return [lr * g.get("lr_scale", 1.0) for g in self.optimizer.param_groups]

    def step(self, epoch=None):
        """Advance to step last_epoch + 1 (or to `epoch`, firing only that step's hooks), write
        its values into every param group and fire its hooks."""
        self._step_count += 1
        if epoch is None:
            self.last_epoch += 1
        else:
            if not isinstance(epoch, int) or epoch < 0:
                raise ValueError("epoch must be an int >= 0, got %r" % (epoch,))
            self.last_epoch = epoch
        point = self.schedule(self.last_epoch)
        self._write(point)
        if point.actions:
            self._fire(point)
        self._last_lr = [g["lr"] for g in self.optimizer.param_groups]
        if self.verbose:
            print("anneal.torch.Scheduler: step %d: lr %s" % (self.last_epoch, self._last_lr))

    # ---- the hooks ----

    def _reset(self, keys, step):
        for state in self.optimizer.state.values():
            for key in keys:
                buf = state.get(key)
                if isinstance(buf, torch.Tensor):
                    buf.zero_()
            if step and "step" in state:
                if isinstance(state["step"], torch.Tensor):
                    state["step"].zero_()
                else:
                    state["step"] = 0

    def _fire(self, point):
        for act in point.actions:
            if act == "reset momentum":
                self._reset(_MOMENTUM_KEYS, False)
            elif act == "reset moments":
                self._reset(_MOMENT_KEYS, True)
            elif act == "snapshot":
                if self.snapshot is not None:
                    self.snapshot(point.step, point.cycle)
                else:
                    copy = {k: v.detach().clone() for k, v in self.model.state_dict().items()}
                    self.snapshots.append((point.step, point.cycle, copy))
            elif act == "swa":
                self.swa_model.update_parameters(self.model)
            elif act.startswith("call "):
                self.callbacks[act[5:]](point.step, point)

    # ---- checkpoints ----

    def _identity(self):
        s = self.schedule
        return {"schedule": s.name, "digest": s.digest, "params": {p.name: p.default for p in s.params}}

    def state_dict(self):
        """The scheduler's position and the schedule it follows (name, digest, param values)."""
        sd = {"last_epoch": self.last_epoch, "_step_count": self._step_count, "base_lrs": list(self.base_lrs),
              "_last_lr": list(self._last_lr)}
        sd.update(self._identity())
        return sd

    def load_state_dict(self, state_dict):
        """Continue from state_dict: the same schedule (name, digest and params), else ValueError.
        The values of step last_epoch are written into the groups again; no hook fires (they
        fired before the state was saved)."""
        mine = self._identity()
        for key in ("schedule", "digest", "params"):
            if key in state_dict and state_dict[key] != mine[key]:
                raise ValueError("the state is of another schedule: its %s is %r, this scheduler's %r"
                                 % (key, state_dict[key], mine[key]))
        for key in ("last_epoch", "_step_count", "base_lrs", "_last_lr"):
            if key in state_dict:
                setattr(self, key, state_dict[key])
        self._write(self.schedule(self.last_epoch))
        self._last_lr = [g["lr"] for g in self.optimizer.param_groups]
