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

SGD, Adam, AdamW and RMSprop are torch.optim.Optimizer subclasses with torch.optim's constructor
arguments, defaults, param_groups and state_dict layout whose step() runs libanneal's kernels over
the tensors' own memory (zero-copy; the GIL released). See _Fused for the details.
"""

import os

import torch

import anneal

try:
    from torch.optim.optimizer import required as _required
except ImportError:
    _required = object()

try:
    _Base = torch.optim.lr_scheduler.LRScheduler
except AttributeError:  # torch < 2.0
    _Base = torch.optim.lr_scheduler._LRScheduler

__all__ = ["Scheduler", "SGD", "Adam", "AdamW", "RMSprop"]

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


# ---- libanneal's optimizers ----

_KIND = {"SGD": 0, "Adam": 1, "AdamW": 2, "RMSprop": 3}  # enum anneal_kind
_MOMENTUM, _SQUARE, _GRAD_AVG, _MAX_SQUARE = 0, 1, 2, 4  # enum anneal_state
_POWER, _PRODUCT = 1, 0  # enum anneal_bias
_UNSUPPORTED = {"maximize": False, "capturable": False, "differentiable": False, "fused": False}


class _Fused(torch.optim.Optimizer):
    """The common part of anneal.torch.SGD, Adam, AdamW and RMSprop.

    One libanneal optimizer (anneal._anneal.Optim) per parameter tensor, over the tensor's data
    and its .grad's data, so a tensor whose .grad is None in a step is skipped as torch.optim
    skips it, and keeps its own state and step count. Each step reads lr, momentum (betas[0]),
    alpha/betas[1] and weight_decay from the param group, so torch's LR schedulers and
    anneal.torch.Scheduler work as on torch.optim; eps, dampening, nesterov, amsgrad and
    centered are read when a tensor's optimizer is set up (its first step, or a load).
    When a tensor's .grad or .data is other memory than in the step before
    (zero_grad(set_to_none=True), a new assignment), its optimizer is pointed at the new memory
    (anneal_rebind); nothing is copied.

    schedule= (an anneal.Schedule or a path): libanneal evaluates the channels it defines at the
    optimizer's step (the number of step() calls so far) and fires its hooks itself, for each
    tensor, before that tensor's update; channels it leaves undefined come from the param group
    as set up. lr is the channel times the group's "lr_scale" (default 1), weight decay the
    channel times "weight_decay_scale". A `call NAME` hook calls callbacks[NAME](step, point)
    once per step (an exception it raises comes out of step() once every tensor has had its
    update, so the optimizer stays consistent). Adam's bias correction is torch's 1 - beta^t
    without a schedule and the exact 1 - prod beta_i with one (ANNEAL_BIAS_PRODUCT), which agree
    while the betas are constant.

    state: optimizer.state[p] holds torch.optim 1.13's keys, and its buffers are tensors over
    libanneal's own arrays (views, not copies): what a step or a hook does shows in them, and
    what is written into them (a Scheduler's reset hooks, a user) is what the next step uses.
    Setting "step" back (Adam's, RMSprop's) restarts the bias correction from that count, as on
    torch.optim. state_dict() has torch's layout plus "anneal_step", the optimizer-wide step a
    schedule is evaluated at; load_state_dict() copies a torch.optim checkpoint's state in, and
    without "anneal_step" (a torch.optim checkpoint) takes the largest restored step.

    Refused, with the parameter's index in its group and its shape: a tensor not on the CPU,
    a dtype other than float32, a non-contiguous tensor or gradient, a sparse gradient, and the
    options libanneal does not have (maximize, capturable, differentiable, fused). foreach is
    accepted and has no effect."""

    def __init__(self, params, defaults, schedule=None, callbacks=None):
        for key, value in _UNSUPPORTED.items():
            if defaults.get(key, value) != value:
                raise ValueError("anneal.torch.%s: %s=%r is not supported" % (type(self).__name__, key, defaults[key]))
        if isinstance(schedule, (str, bytes, os.PathLike)):
            schedule = anneal.load(schedule).schedule()
        if schedule is not None and not isinstance(schedule, anneal._anneal.Schedule):
            raise TypeError("schedule must be an anneal.Schedule or a path, got %s" % type(schedule).__name__)
        if schedule is not None and self._kind == "SGD" and "beta2" in schedule.channels:
            raise ValueError("anneal.torch.SGD has no slot for channel 'beta2' of schedule %s" % schedule.name)
        self.schedule = schedule
        self.callbacks = dict(callbacks or {})
        # param -> _Bound: the Optim and the tensors whose memory it runs over.
        self._fused = {}
        self._called = {}  # call NAME -> the last step it was called at
        self._step = 0
        self._pending = None  # a callback's exception, raised at the end of step()
        super().__init__(params, defaults)
        if schedule is not None:
            for hook in schedule.hooks:
                for act in hook.actions.split(", "):
                    if act.startswith("call ") and not callable(self.callbacks.get(act[5:])):
                        raise ValueError("schedule %s's hook 'on %s { %s }' calls '%s': pass callbacks={'%s': "
                                         "callable(step, point)}" % (schedule.name, hook.event, hook.actions,
                                                                     act[5:], act[5:]))
        for gi, group in enumerate(self.param_groups):
            for i, p in enumerate(group["params"]):
                self._refuse(gi, i, p, p, "")

    def _refuse(self, gi, i, p, t, what):
        if t.is_sparse:
            why = "is sparse; libanneal takes dense float32 CPU tensors"
        elif t.device.type != "cpu":
            why = "is on %s; libanneal takes CPU tensors" % t.device
        elif t.dtype != torch.float32:
            why = "is %s; libanneal takes float32" % t.dtype
        elif not t.is_contiguous():
            why = "is not contiguous; libanneal takes contiguous tensors"
        else:
            return
        raise ValueError("anneal.torch.%s: %sparam %d of group %d (shape %s) %s" % (type(self).__name__, what, i, gi,
                                                                                   tuple(p.shape), why))

    # ---- the per-tensor optimizers ----

    def _config(self, group):
        raise NotImplementedError

    def _values(self, group):
        raise NotImplementedError

    def _make(self, group, p):
        """A new Optim over p (and a zero gradient until a step binds p.grad), with p's state
        as views of its arrays."""
        config = self._config(group)
        config["bias"] = _POWER if self.schedule is None else _PRODUCT
        lr_scale = group.get("lr_scale", 1.0) if self.schedule is not None else 1.0
        wd_scale = group.get("weight_decay_scale", 1.0) if self.schedule is not None else 1.0
        o = anneal._anneal.Optim(_KIND[self._kind], config, p.data_ptr(), 0, p.numel(), lr_scale, wd_scale,
                                 self.schedule)
        called = set() if self.schedule is None else {
            act[5:] for h in self.schedule.hooks for act in h.actions.split(", ") if act.startswith("call ")}
        for name in called:
            o.set_callback(name, lambda step, name=name: self._call(name, step))
        bound = _Bound(o, p)
        self._fused[p] = bound
        self.state[p] = self._state(o, group, p)
        return bound

    @staticmethod
    def _view(o, which, p):
        v = o.view(which)
        return None if v is None else torch.frombuffer(v, dtype=torch.float32).view_as(p)

    def _state(self, o, group, p):
        """p's entry of optimizer.state: torch's keys, buffers over o's arrays."""
        raise NotImplementedError

    def _outgrown(self, bound, group):
        """The group asks for what bound's Optim was set up without (SGD's momentum raised from 0)."""
        return False

    def _call(self, name, step):
        """Once per step for all tensors; an exception waits until every tensor has its update."""
        if self._called.get(name) != step:
            self._called[name] = step
            try:
                self.callbacks[name](step, self.schedule(step))
            except BaseException as e:  # noqa: B902 -- re-raised by step()
                if self._pending is None:
                    self._pending = e

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for gi, group in enumerate(self.param_groups):
            for key, value in _UNSUPPORTED.items():
                if group.get(key, value) != value:
                    raise ValueError("anneal.torch.%s: %s=%r is not supported" % (type(self).__name__, key,
                                                                                 group[key]))
            for i, p in enumerate(group["params"]):
                grad = p.grad
                if grad is None:
                    continue
                bound = self._fused.get(p)
                if bound is not None and bound.over(p, grad):
                    continue  # the tensors it was checked and bound over, unmoved
                self._refuse(gi, i, p, p, "")
                self._refuse(gi, i, p, grad, "the gradient of ")
                if grad.shape != p.shape:
                    raise ValueError("anneal.torch.%s: the gradient of param %d of group %d (shape %s) has "
                                     "shape %s" % (type(self).__name__, i, gi, tuple(p.shape), tuple(grad.shape)))
        for group in self.param_groups:
            values = self._values(group) if self.schedule is None else None
            for p in group["params"]:
                if p.grad is None:
                    continue
                bound = self._fused.get(p)
                if bound is None or self._outgrown(bound, group):
                    bound = self._make(group, p)
                bound.bind(p)
                state = self.state[p]
                bound.take_step(state)
                if values is None:
                    bound.o.step_at(self._step)
                else:
                    bound.o.step(values)
                bound.give_step(state)
        self._step += 1
        if self._pending is not None:
            e, self._pending = self._pending, None
            raise e
        return loss

    # ---- torch.optim's state ----

    def state_dict(self):
        sd = super().state_dict()
        sd["anneal_step"] = self._step
        return sd

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        self._fused = {}
        step = state_dict.get("anneal_step")
        last = 0
        with torch.no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    loaded = self.state.get(p)
                    if loaded:
                        last = max(last, self._make(group, p).restore(self.state[p], loaded, step))
        self._step = last if step is None else int(step)


class _Bound:
    """One tensor's Optim with the tensors whose memory it runs over (held, so that memory
    stays alive), and the torch step count last written into the tensor's state."""

    __slots__ = ("o", "velocity", "param", "grad", "param_ptr", "grad_ptr", "step_seen")

    def __init__(self, o, p):
        self.o = o
        self.velocity = o.view(_MOMENTUM) is not None  # libanneal keeps a momentum array
        self.param = p.detach()
        self.param_ptr = p.data_ptr()
        self.grad = None
        self.grad_ptr = 0
        self.step_seen = None

    def over(self, p, grad):
        """Already over p's data and this gradient's memory, of p's shape (checked when bound)."""
        return (grad is self.grad and grad.data_ptr() == self.grad_ptr and p.data_ptr() == self.param_ptr
                and grad.shape == p.shape)

    def bind(self, p):
        """Over p's current data and .grad (anneal_rebind when either moved)."""
        grad = p.grad
        if not self.over(p, grad):
            self.o.rebind(p.data_ptr(), grad.data_ptr())
            self.param, self.param_ptr = p.detach(), p.data_ptr()
            self.grad, self.grad_ptr = grad, grad.data_ptr()

    def take_step(self, state):
        """A torch step count someone changed (a Scheduler's reset moments) becomes libanneal's
        bias correction (Adam's; RMSprop's count is only counted)."""
        if isinstance(state.get("step"), torch.Tensor) and self.step_seen is not None:
            t = _step_count(state["step"])
            if t != self.step_seen:
                if t < 0:
                    raise ValueError("optimizer state's step is %d, it must be >= 0" % t)
                self.o.set_step(max(self.o.get_step(), t), t)

    def give_step(self, state):
        """torch's step count after an update: Adam's a tensor (as torch 1.13 keeps it), libanneal's
        bias-correction count; RMSprop's an int, one more."""
        if isinstance(state.get("step"), torch.Tensor):
            self.step_seen = self.o.since_reset()
            state["step"].fill_(float(self.step_seen))
        elif "step" in state:
            state["step"] += 1

    def restore(self, views, loaded, step):
        """Copy a loaded torch state into the views and take its step count (step: the
        optimizer-wide one, None for a torch.optim checkpoint); returns the count."""
        for key, view in views.items():
            if isinstance(view, torch.Tensor) and key != "step" and loaded.get(key) is not None:
                view.copy_(loaded[key].reshape(view.shape))
        if "step" in views:
            t = _step_count(loaded.get("step", 0))
        else:
            t = 1 if loaded.get("momentum_buffer") is not None else 0
        self.o.set_step(t if step is None else max(int(step), t), t)
        if isinstance(views.get("step"), torch.Tensor):
            views["step"].fill_(float(t))
            self.step_seen = t
        elif "step" in views:
            views["step"] = t
        return t


def _step_count(step):
    return int(step.item()) if isinstance(step, torch.Tensor) else int(step)


class SGD(_Fused):
    """torch.optim.SGD over libanneal: SGD(params, lr, momentum=0, dampening=0, weight_decay=0,
    nesterov=False, *, maximize=False, foreach=None, differentiable=False, schedule=None,
    callbacks=None). lr may be left out when schedule= defines it (the groups' lr is then NaN).
    State: momentum_buffer (None without momentum, as torch keeps it). A group set up with
    momentum 0 keeps no velocity; when its momentum is raised, the tensor's optimizer is set up
    again with one, which starts afresh at that step, as torch's buffer does."""
    _kind = "SGD"

    def _outgrown(self, bound, group):
        # torch keeps no velocity while momentum is 0 and starts one afresh when it is raised:
        # so does a new Optim set up with the momentum (its velocity starts at the first update).
        return group["momentum"] > 0 and not bound.velocity

    def __init__(self, params, lr=_required, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False, foreach=None, differentiable=False, schedule=None,
                 callbacks=None):
        if lr is _required and (schedule is None or (not isinstance(schedule, (str, bytes, os.PathLike)) and
                                                     "lr" not in getattr(schedule, "channels", ()))):
            raise ValueError("anneal.torch.SGD: lr is required (or a schedule= that defines it)")
        if lr is _required:
            lr = float("nan")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults, schedule, callbacks)

    def _config(self, g):
        c = dict(kind=0, momentum=float(g["momentum"]), dampening=float(g["dampening"]),
                 weight_decay=float(g["weight_decay"]), nesterov=int(bool(g["nesterov"])))
        if g["lr"] == g["lr"]:
            c["lr"] = float(g["lr"])
        return c

    def _values(self, g):
        return (float(g["lr"]), float(g["momentum"]), float("nan"), float(g["weight_decay"]))

    def _state(self, o, g, p):
        return {"momentum_buffer": self._view(o, _MOMENTUM, p)}

class Adam(_Fused):
    """torch.optim.Adam over libanneal: Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
    weight_decay=0, amsgrad=False, *, foreach=None, maximize=False, capturable=False,
    differentiable=False, fused=False, schedule=None, callbacks=None). State: step (a tensor, as
    torch 1.13 keeps it), exp_avg, exp_avg_sq, max_exp_avg_sq with amsgrad."""
    _kind = "Adam"

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=False,
                 schedule=None, callbacks=None):
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable)
        if self._kind == "Adam":
            defaults.update(differentiable=differentiable, fused=fused)
        super().__init__(params, defaults, schedule, callbacks)

    def _config(self, g):
        return dict(kind=_KIND[self._kind], lr=float(g["lr"]), momentum=float(g["betas"][0]),
                    beta2=float(g["betas"][1]), eps=float(g["eps"]), weight_decay=float(g["weight_decay"]),
                    amsgrad=int(bool(g["amsgrad"])))

    def _values(self, g):
        return (float(g["lr"]), float(g["betas"][0]), float(g["betas"][1]), float(g["weight_decay"]))

    def _state(self, o, g, p):
        st = {"step": torch.tensor(0.0), "exp_avg": self._view(o, _MOMENTUM, p),
              "exp_avg_sq": self._view(o, _SQUARE, p)}
        if g["amsgrad"]:
            st["max_exp_avg_sq"] = self._view(o, _MAX_SQUARE, p)
        return st

class AdamW(Adam):
    """torch.optim.AdamW over libanneal: AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
    weight_decay=1e-2, amsgrad=False, *, maximize=False, foreach=None, capturable=False,
    schedule=None, callbacks=None). State as Adam's."""
    _kind = "AdamW"

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, schedule=None, callbacks=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, schedule=schedule, callbacks=callbacks)


class RMSprop(_Fused):
    """torch.optim.RMSprop over libanneal: RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8,
    weight_decay=0, momentum=0, centered=False, foreach=None, maximize=False, differentiable=False,
    *, schedule=None, callbacks=None). State: step (an int, as torch 1.13 keeps it), square_avg,
    momentum_buffer with momentum (or a schedule= that defines it), grad_avg when centered."""
    _kind = "RMSprop"

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 foreach=None, maximize=False, differentiable=False, *, schedule=None, callbacks=None):
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, foreach=foreach, maximize=maximize,
                        differentiable=differentiable)
        super().__init__(params, defaults, schedule, callbacks)

    def _config(self, g):
        return dict(kind=3, lr=float(g["lr"]), momentum=float(g["momentum"]), beta2=float(g["alpha"]),
                    eps=float(g["eps"]), weight_decay=float(g["weight_decay"]), centered=int(bool(g["centered"])))

    def _values(self, g):
        return (float(g["lr"]), float(g["momentum"]), float(g["alpha"]), float(g["weight_decay"]))

    def _state(self, o, g, p):
        st = {"step": 0, "square_avg": self._view(o, _SQUARE, p)}
        if g["momentum"] > 0 or (self.schedule is not None and "momentum" in self.schedule.channels):
            st["momentum_buffer"] = self._view(o, _MOMENTUM, p)
        if g["centered"]:
            st["grad_avg"] = self._view(o, _GRAD_AVG, p)
        return st
