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
import tempfile

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
_SCRATCH = "/dev/shm" if os.path.isdir("/dev/shm") else None


class _Fused(torch.optim.Optimizer):
    """The common part of anneal.torch.SGD, Adam, AdamW and RMSprop.

    One libanneal optimizer (anneal._anneal.Optim) per parameter tensor, over the tensor's data
    and its .grad's data, so a tensor whose .grad is None in a step is skipped as torch.optim
    skips it, and keeps its own state and step count. Each step reads lr, momentum (betas[0]),
    alpha/betas[1] and weight_decay from the param group, so torch's LR schedulers and
    anneal.torch.Scheduler work as on torch.optim; eps, dampening, nesterov, amsgrad and
    centered are read when a tensor's optimizer is set up (its first step, or a load).

    When a tensor's .grad is a different tensor than in the step before (zero_grad(set_to_none=
    True), or a new assignment), or its .data was replaced, its optimizer is set up again over the
    new memory and its state moved by a libanneal checkpoint (in /dev/shm where there is one),
    exactly; a step with set_to_none gradients pays that for every tensor.

    schedule= (an anneal.Schedule or a path): libanneal evaluates the channels it defines at the
    optimizer's step (the number of step() calls so far) and fires its hooks itself, for each
    tensor, before that tensor's update; channels it leaves undefined come from the param group
    as set up. lr is the channel times the group's "lr_scale" (default 1), weight decay the
    channel times "weight_decay_scale". A `call NAME` hook calls callbacks[NAME](step, point)
    once per step (an exception it raises comes out of step() once every tensor has had its
    update, so the optimizer stays consistent). Adam's bias correction is torch's 1 - beta^t without a schedule and the exact
    1 - prod beta_i with one (ANNEAL_BIAS_PRODUCT), which agree while the betas are constant.

    state: optimizer.state is filled from libanneal's arrays (copies) by state_dict(), in
    torch.optim 1.13's layout; load_state_dict() copies a torch.optim checkpoint's state in. A
    torch state's step count t is restored by running t updates with lr 0 on a zero gradient
    (libanneal has no setter for its counters), which costs t passes over the tensor. Under a
    schedule, the step after a load is the largest restored step, and PRODUCT bias correction
    restarts from the constant betas of the group.

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
        # param -> (Optim, the grad tensor it runs over, its data_ptr, the param's data_ptr, the
        # param's data): the tensors are held so that the memory the Optim points to stays alive.
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
        name = "anneal.torch.%s: %sparam %d of group %d (shape %s)" % (type(self).__name__, what, i, gi,
                                                                        tuple(p.shape))
        if t.is_sparse:
            raise ValueError("%s is sparse; libanneal takes dense float32 CPU tensors" % name)
        if t.device.type != "cpu":
            raise ValueError("%s is on %s; libanneal takes CPU tensors" % (name, t.device))
        if t.dtype != torch.float32:
            raise ValueError("%s is %s; libanneal takes float32" % (name, t.dtype))
        if not t.is_contiguous():
            raise ValueError("%s is not contiguous; libanneal takes contiguous tensors" % name)

    # ---- the per-tensor optimizers ----

    def _config(self, group):
        raise NotImplementedError

    def _values(self, group):
        raise NotImplementedError

    def _make(self, group, p, grad):
        config = self._config(group)
        config["bias"] = _POWER if self.schedule is None else _PRODUCT
        lr_scale = group.get("lr_scale", 1.0) if self.schedule is not None else 1.0
        wd_scale = group.get("weight_decay_scale", 1.0) if self.schedule is not None else 1.0
        o = anneal._anneal.Optim(_KIND[self._kind], config, p.data_ptr(), 0 if grad is None else grad.data_ptr(),
                                 p.numel(), lr_scale, wd_scale, self.schedule)
        called = set() if self.schedule is None else {
            act[5:] for h in self.schedule.hooks for act in h.actions.split(", ") if act.startswith("call ")}
        for name in called:
            o.set_callback(name, lambda step, name=name: self._call(name, step))
        return o

    def _call(self, name, step):
        """Once per step for all tensors; an exception waits until every tensor has its update."""
        if self._called.get(name) != step:
            self._called[name] = step
            try:
                self.callbacks[name](step, self.schedule(step))
            except BaseException as e:  # noqa: B902 -- re-raised by step()
                if self._pending is None:
                    self._pending = e

    def _optim(self, group, p):
        """The tensor's optimizer over its current data and .grad, set up again if either moved."""
        grad = p.grad
        have = self._fused.get(p)
        if have is not None and have[1] is grad and have[2] == grad.data_ptr() and have[3] == p.data_ptr():
            return have[0]
        o = self._make(group, p, grad)
        if have is not None:
            fd, path = tempfile.mkstemp(prefix="anneal-", suffix=".ckpt", dir=_SCRATCH)
            os.close(fd)
            try:
                have[0].save(path)
                # anneal_load writes the saved parameters back: the tensor's own values win.
                keep = p.detach().clone()
                o.load(path)
                p.detach().copy_(keep)
            finally:
                os.unlink(path)
        self._fused[p] = (o, grad, grad.data_ptr(), p.data_ptr(), p.detach())
        return o

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
                if p.grad is not None:
                    self._refuse(gi, i, p, p, "")
                    self._refuse(gi, i, p, p.grad, "the gradient of ")
                    if p.grad.shape != p.shape:
                        raise ValueError("anneal.torch.%s: the gradient of param %d of group %d (shape %s) has "
                                         "shape %s" % (type(self).__name__, i, gi, tuple(p.shape),
                                                       tuple(p.grad.shape)))
        for group in self.param_groups:
            values = self._values(group) if self.schedule is None else None
            for p in group["params"]:
                if p.grad is None:
                    continue
                o = self._optim(group, p)
                if values is None:
                    o.step_at(self._step)
                else:
                    o.step(values)
        self._step += 1
        if self._pending is not None:
            e, self._pending = self._pending, None
            raise e
        return loss

    # ---- torch.optim's state ----

    def _export(self, o, group):
        raise NotImplementedError

    def state_dict(self):
        for group in self.param_groups:
            for p in group["params"]:
                have = self._fused.get(p)
                if have is not None:
                    self.state[p] = self._export(have[0], group, p)
        return super().state_dict()

    def _tensor(self, o, which, p):
        b = o.state(which)
        return None if b is None else torch.frombuffer(bytearray(b), dtype=torch.float32).view_as(p).clone()

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        self._fused = {}
        last = 0
        with torch.no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    st = self.state.get(p)
                    if st:
                        o = self._make(group, p, None)
                        last = max(last, self._import(o, group, p, st))
                        self._fused[p] = (o, None, 0, p.data_ptr(), p.detach())
        self._step = last

    def _import(self, o, group, p, st):
        raise NotImplementedError

    @staticmethod
    def _set(o, which, t):
        if t is not None:
            o.set_state(which, memoryview(t.detach().to("cpu", torch.float32).contiguous().numpy()).cast("B"))

    def _advance(self, o, group, steps):
        v = self._values(group)
        for _ in range(steps):
            o.step((0.0, v[1], v[2], 0.0))


def _step_count(step):
    return int(step.item()) if isinstance(step, torch.Tensor) else int(step)


class SGD(_Fused):
    """torch.optim.SGD over libanneal: SGD(params, lr, momentum=0, dampening=0, weight_decay=0,
    nesterov=False, *, maximize=False, foreach=None, differentiable=False, schedule=None,
    callbacks=None). lr may be left out when schedule= defines it (the groups' lr is then NaN).
    State: momentum_buffer (None without momentum, as torch keeps it). A group set up with
    momentum 0 keeps no velocity: raising its momentum later takes a new optimizer."""
    _kind = "SGD"

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

    def _export(self, o, g, p):
        return {"momentum_buffer": self._tensor(o, _MOMENTUM, p) if o.get_step() > 0 else None}

    def _import(self, o, g, p, st):
        buf = st.get("momentum_buffer")
        if buf is None:
            return 0
        self._advance(o, g, 1)
        self._set(o, _MOMENTUM, buf)
        return 1


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

    def _export(self, o, g, p):
        st = {"step": torch.tensor(float(o.get_step())), "exp_avg": self._tensor(o, _MOMENTUM, p),
              "exp_avg_sq": self._tensor(o, _SQUARE, p)}
        if g["amsgrad"]:
            st["max_exp_avg_sq"] = self._tensor(o, _MAX_SQUARE, p)
        return st

    def _import(self, o, g, p, st):
        t = _step_count(st["step"])
        self._advance(o, g, t)
        self._set(o, _MOMENTUM, st.get("exp_avg"))
        self._set(o, _SQUARE, st.get("exp_avg_sq"))
        if g["amsgrad"]:
            self._set(o, _MAX_SQUARE, st.get("max_exp_avg_sq"))
        return t


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
    momentum_buffer with momentum, grad_avg when centered."""
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

    def _export(self, o, g, p):
        st = {"step": o.get_step(), "square_avg": self._tensor(o, _SQUARE, p)}
        if g["momentum"] > 0:
            st["momentum_buffer"] = self._tensor(o, _MOMENTUM, p)
        if g["centered"]:
            st["grad_avg"] = self._tensor(o, _GRAD_AVG, p)
        return st

    def _import(self, o, g, p, st):
        t = _step_count(st["step"])
        self._advance(o, g, t)
        self._set(o, _SQUARE, st.get("square_avg"))
        if g["momentum"] > 0:
            self._set(o, _MOMENTUM, st.get("momentum_buffer"))
        if g["centered"]:
            self._set(o, _GRAD_AVG, st.get("grad_avg"))
        return t
