/* optim.c: _anneal.Optim -- one libanneal optimizer over one float32 tensor's own memory, for anneal.torch. */
#include "anneal_py.h"

#include <math.h>
#include <string.h>

#include "anneal/anneal.h"

/*
 * anneal.torch keeps one Optim per parameter tensor, so a tensor without a
 * gradient in a step is simply not stepped (as torch.optim skips it) and
 * keeps its own state and step count.  The arrays are the tensor's: param
 * and grad are data pointers the Python side took from the tensors, which
 * it keeps alive while this object lives.  Without a schedule the optimizer
 * runs over a descriptor of its own that defines the standard channels, so
 * each step's values come from the param group (step(values)); with one,
 * step_at(k) evaluates the schedule at the optimizer-wide step k.  The
 * state arrays are libanneal's, viewed (view) rather than copied, so torch's
 * optimizer.state reads and writes them in place.
 */

typedef struct OptimObject {
	PyObject_HEAD
	anneal_opt *opt;
	PyObject *schedule;  /* the ScheduleObject whose desc the optimizer keeps, or NULL */
	float *zeros;        /* the gradient when the host gave none (grad 0): n zeros, owned */
	PyObject *callbacks; /* dict: call NAME -> callable(step) */
	int64_t n;
} OptimObject;

static void no_eval(int64_t step, const double *params, anneal_point *out)
{
	(void)step;
	(void)params;
	memset(out, 0, sizeof *out);
	for (int c = 0; c < ANNEAL_MAX_CHANNELS; c++)
		out->value[c] = NAN;
	out->cycle = -1;
}

/* The channels of each kind a torch param group carries: SGD has no beta2, and SGD set up
   with momentum 0 no momentum either, so that it keeps no velocity (as torch keeps none). */
static const anneal_desc group_desc[3] = {
	{ ANNEAL_ABI_VERSION, "param_group", 0, NULL, (1u << ANNEAL_LR) | (1u << ANNEAL_WEIGHT_DECAY),
	  { "lr", NULL, NULL, "weight_decay" }, ANNEAL_LR, 0, NULL, -1, 0, no_eval, NULL },
	{ ANNEAL_ABI_VERSION, "param_group", 0, NULL,
	  (1u << ANNEAL_LR) | (1u << ANNEAL_MOMENTUM) | (1u << ANNEAL_WEIGHT_DECAY),
	  { "lr", "momentum", NULL, "weight_decay" }, ANNEAL_LR, 0, NULL, -1, 0, no_eval, NULL },
	{ ANNEAL_ABI_VERSION, "param_group", 0, NULL,
	  (1u << ANNEAL_LR) | (1u << ANNEAL_MOMENTUM) | (1u << ANNEAL_BETA2) | (1u << ANNEAL_WEIGHT_DECAY),
	  { "lr", "momentum", "beta2", "weight_decay" }, ANNEAL_LR, 0, NULL, -1, 0, no_eval, NULL },
};

static PyObject *raise_status(anneal_status st, const char *msg)
{
	PyObject *type = PyExc_RuntimeError;
	switch (st) {
	case ANNEAL_ERR_NOMEM: return PyErr_NoMemory();
	case ANNEAL_ERR_IO: type = PyExc_OSError; break;
	case ANNEAL_ERR_INVALID: case ANNEAL_ERR_INPUT: type = PyExc_ValueError; break;
	case ANNEAL_ERR_UNSUPPORTED: type = PyExc_NotImplementedError; break;
	case ANNEAL_ERR_NONFINITE: type = PyExc_FloatingPointError; break;
	default: break;
	}
	PyErr_Format(type, "%s", msg && *msg ? msg : anneal_status_text(st));
	return NULL;
}

/* The config's fields by name from a dict, through anneal_config_fields. */
static int config_from(anneal_config *c, PyObject *dict)
{
	int32_t nf;
	const anneal_field *f = anneal_config_fields(&nf);
	PyObject *key, *val;
	Py_ssize_t pos = 0;
	while (PyDict_Next(dict, &pos, &key, &val)) {
		const char *name = PyUnicode_AsUTF8(key);
		if (!name)
			return -1;
		int i;
		for (i = 0; i < nf && strcmp(f[i].name, name) != 0; i++)
			;
		if (i == nf) {
			PyErr_Format(PyExc_KeyError, "anneal_config has no field '%s'", name);
			return -1;
		}
		char *at = (char *)c + f[i].offset;
		if (f[i].type == ANNEAL_FIELD_DOUBLE) {
			double v = PyFloat_AsDouble(val);
			if (v == -1 && PyErr_Occurred())
				return -1;
			memcpy(at, &v, sizeof v);
		} else {
			long long v = PyLong_AsLongLong(val);
			if (v == -1 && PyErr_Occurred())
				return -1;
			if (f[i].type == ANNEAL_FIELD_INT32) {
				int32_t x = (int32_t)v;
				memcpy(at, &x, sizeof x);
			} else {
				int64_t x = (int64_t)v;
				memcpy(at, &x, sizeof x);
			}
		}
	}
	return 0;
}

static PyObject *Optim_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
	return type->tp_alloc(type, 0);
}

static void Optim_dealloc(OptimObject *self)
{
	anneal_destroy(self->opt);
	PyMem_Free(self->zeros);
	Py_XDECREF(self->schedule);
	Py_XDECREF(self->callbacks);
	Py_TYPE(self)->tp_free((PyObject *)self);
}

/* Optim(kind, config, param, grad, n, lr_scale, wd_scale, schedule=None): param and grad
   are addresses of n float32s (grad 0: a zero gradient of the object's own). */
static int Optim_init(OptimObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "kind", "config", "param", "grad", "n", "lr_scale", "wd_scale", "schedule", NULL };
	int kind;
	PyObject *config, *sched = Py_None;
	unsigned long long param, grad;
	long long n;
	double lr_scale, wd_scale;
	if (!PyArg_ParseTupleAndKeywords(args, kw, "iO!KKLdd|O:Optim", kwlist, &kind, &PyDict_Type, &config, &param,
	                                 &grad, &n, &lr_scale, &wd_scale, &sched))
		return -1;
	if (self->opt) {
		PyErr_SetString(PyExc_TypeError, "Optim is already set up");
		return -1;
	}
	anneal_config c;
	anneal_status st = anneal_config_init(&c, kind);
	if (st != ANNEAL_OK)
		return raise_status(st, "Optim: unknown optimizer kind"), -1;
	if (config_from(&c, config) < 0)
		return -1;
	const anneal_desc *desc;
	if (sched == Py_None) {
		desc = &group_desc[kind != ANNEAL_SGD ? 2 : c.momentum > 0];
	} else if (PyObject_TypeCheck(sched, &Schedule_Type) && ((ScheduleObject *)sched)->desc) {
		desc = ((ScheduleObject *)sched)->desc;
	} else {
		PyErr_SetString(PyExc_TypeError, "schedule must be a compiled anneal.Schedule or None");
		return -1;
	}
	float *g = (float *)(uintptr_t)grad;
	if (!g && n > 0) {
		if (!(self->zeros = PyMem_Calloc((size_t)n, sizeof(float)))) {
			PyErr_NoMemory();
			return -1;
		}
		g = self->zeros;
	}
	anneal_group group = { (float *)(uintptr_t)param, g, n, lr_scale, wd_scale };
	char err[ANNEAL_ERRLEN];
	/* desc is kept by the optimizer: the schedule object, which owns it, is kept below. */
	st = anneal_create(&c, &group, 1, desc, NULL, &self->opt, err, sizeof err);
	if (st != ANNEAL_OK)
		return raise_status(st, err), -1;
	if (sched != Py_None)
		self->schedule = Py_NewRef(sched);
	if (!(self->callbacks = PyDict_New()))
		return -1;
	self->n = n;
	return 0;
}

static int check_open(OptimObject *self)
{
	if (!self->opt) {
		PyErr_SetString(PyExc_ValueError, "Optim is not set up");
		return -1;
	}
	return 0;
}

/* A callback's exception, raised once anneal_step_point returns on this thread
   (only the first of a step: the others repeat it or follow from it). */
static _Thread_local PyObject *pending[3];

/* A `call NAME` hook: runs on the stepping thread with the GIL released. */
static void trampoline(void *user, int64_t step, const anneal_point *point)
{
	(void)point;
	PyObject *cb = user; /* borrowed: the object's callbacks dict holds it */
	PyGILState_STATE gs = PyGILState_Ensure();
	PyObject *r = PyObject_CallFunction(cb, "L", (long long)step);
	if (r) {
		Py_DECREF(r);
	} else if (!pending[0]) {
		PyErr_Fetch(&pending[0], &pending[1], &pending[2]);
	} else {
		PyErr_Clear();
	}
	PyGILState_Release(gs);
}

static PyObject *run_step(OptimObject *self, const anneal_point *pt)
{
	anneal_status st;
	pending[0] = pending[1] = pending[2] = NULL;
	Py_BEGIN_ALLOW_THREADS
	st = anneal_step_point(self->opt, pt);
	Py_END_ALLOW_THREADS
	if (st != ANNEAL_OK) {
		Py_XDECREF(pending[0]);
		Py_XDECREF(pending[1]);
		Py_XDECREF(pending[2]);
		return raise_status(st, anneal_errmsg(self->opt));
	}
	if (pending[0]) {
		PyErr_Restore(pending[0], pending[1], pending[2]);
		return NULL;
	}
	Py_RETURN_NONE;
}

/* step((lr, momentum, beta2, weight_decay)): one update with these values (NaN: the config's);
   no hook fires. */
static PyObject *Optim_step(OptimObject *self, PyObject *args)
{
	double v[4];
	if (!PyArg_ParseTuple(args, "(dddd):step", &v[0], &v[1], &v[2], &v[3]) || check_open(self) < 0)
		return NULL;
	anneal_point pt;
	no_eval(0, NULL, &pt);
	pt.value[ANNEAL_LR] = v[0];
	pt.value[ANNEAL_MOMENTUM] = v[1];
	pt.value[ANNEAL_BETA2] = v[2];
	pt.value[ANNEAL_WEIGHT_DECAY] = v[3];
	return run_step(self, &pt);
}

/* step_at(k): one update with the schedule's point at step k, its hooks fired by libanneal. */
static PyObject *Optim_step_at(OptimObject *self, PyObject *args)
{
	long long k;
	if (!PyArg_ParseTuple(args, "L:step_at", &k) || check_open(self) < 0)
		return NULL;
	if (!self->schedule) {
		PyErr_SetString(PyExc_ValueError, "step_at: this optimizer has no schedule");
		return NULL;
	}
	if (k < 0) {
		PyErr_Format(PyExc_ValueError, "step_at: step %lld < 0", k);
		return NULL;
	}
	const anneal_desc *d = ((ScheduleObject *)self->schedule)->desc;
	anneal_point pt;
	d->eval(k, d->nparam > 0 ? anneal_params(self->opt) : NULL, &pt);
	return run_step(self, &pt);
}

/* set_callback(name, callable(step)) for the schedule's `call NAME`. */
static PyObject *Optim_set_callback(OptimObject *self, PyObject *args)
{
	const char *name;
	PyObject *fn;
	if (!PyArg_ParseTuple(args, "sO:set_callback", &name, &fn) || check_open(self) < 0)
		return NULL;
	if (!PyCallable_Check(fn)) {
		PyErr_Format(PyExc_TypeError, "set_callback: the callback for '%s' is not callable", name);
		return NULL;
	}
	/* libanneal keeps fn borrowed: the dict holds it, and is only changed once libanneal took the new one. */
	anneal_status st = anneal_set_callback(self->opt, name, trampoline, fn);
	if (st != ANNEAL_OK)
		return raise_status(st, anneal_errmsg(self->opt));
	if (PyDict_SetItemString(self->callbacks, name, fn) < 0) {
		(void)anneal_set_callback(self->opt, name, NULL, NULL); /* a name it just accepted */
		return NULL;
	}
	Py_RETURN_NONE;
}

static PyObject *Optim_get_step(OptimObject *self, PyObject *unused)
{
	if (check_open(self) < 0)
		return NULL;
	return PyLong_FromLongLong(anneal_get_step(self->opt));
}

/* rebind(param, grad): the optimizer over other arrays of its length (the
   tensors moved); grad 0: the zero gradient of the object's own. */
static PyObject *Optim_rebind(OptimObject *self, PyObject *args)
{
	unsigned long long param, grad;
	if (!PyArg_ParseTuple(args, "KK:rebind", &param, &grad) || check_open(self) < 0)
		return NULL;
	const float *g = (const float *)(uintptr_t)grad;
	if (!g && self->n > 0) {
		if (!self->zeros && !(self->zeros = PyMem_Calloc((size_t)self->n, sizeof(float))))
			return PyErr_NoMemory();
		g = self->zeros;
	}
	anneal_status st = anneal_rebind(self->opt, 0, (float *)(uintptr_t)param, g);
	if (st != ANNEAL_OK)
		return raise_status(st, anneal_errmsg(self->opt));
	Py_RETURN_NONE;
}

/* set_step(step, since_reset): anneal_set_step, for a restored torch state. */
static PyObject *Optim_set_step(OptimObject *self, PyObject *args)
{
	long long step, since;
	if (!PyArg_ParseTuple(args, "LL:set_step", &step, &since) || check_open(self) < 0)
		return NULL;
	anneal_status st = anneal_set_step(self->opt, step, since);
	if (st != ANNEAL_OK)
		return raise_status(st, anneal_errmsg(self->opt));
	Py_RETURN_NONE;
}

static PyObject *Optim_since_reset(OptimObject *self, PyObject *unused)
{
	if (check_open(self) < 0)
		return NULL;
	return PyLong_FromLongLong(anneal_get_since_reset(self->opt));
}

/*
 * A state array exported as a writable buffer of n float32s, so torch can
 * view it (torch.frombuffer) as the optimizer's state tensor: the view
 * holds the buffer, the buffer holds the Optim, and libanneal's array lives
 * as long as any tensor over it.
 */
typedef struct StateViewObject {
	PyObject_HEAD
	OptimObject *owner;
	float *x;
} StateViewObject;

static int StateView_getbuffer(StateViewObject *self, Py_buffer *view, int flags)
{
	return PyBuffer_FillInfo(view, (PyObject *)self, self->x, (Py_ssize_t)self->owner->n * (Py_ssize_t)sizeof(float),
	                         0, flags);
}

static void StateView_dealloc(StateViewObject *self)
{
	Py_XDECREF(self->owner);
	Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyBufferProcs StateView_buffer = { (getbufferproc)StateView_getbuffer, NULL };

PyTypeObject StateView_Type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "anneal._anneal.StateView",
	.tp_basicsize = sizeof(StateViewObject),
	.tp_dealloc = (destructor)StateView_dealloc,
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = "One of an Optim's state arrays as a writable buffer of float32s (Optim.view).",
	.tp_as_buffer = &StateView_buffer,
};

/* view(which): state array `which` (enum anneal_state) as a StateView, None if there is none. */
static PyObject *Optim_view(OptimObject *self, PyObject *args)
{
	int which;
	if (!PyArg_ParseTuple(args, "i:view", &which) || check_open(self) < 0)
		return NULL;
	float *x = anneal_state_array(self->opt, 0, which);
	if (!x)
		Py_RETURN_NONE;
	StateViewObject *v = PyObject_New(StateViewObject, &StateView_Type);
	if (!v)
		return NULL;
	v->owner = (OptimObject *)Py_NewRef((PyObject *)self);
	v->x = x;
	return (PyObject *)v;
}

static PyMethodDef Optim_methods[] = {
	{ "step", (PyCFunction)Optim_step, METH_VARARGS, "step((lr, momentum, beta2, weight_decay)): one update." },
	{ "step_at", (PyCFunction)Optim_step_at, METH_VARARGS, "step_at(k): one update at the schedule's step k." },
	{ "set_callback", (PyCFunction)Optim_set_callback, METH_VARARGS, "set_callback(name, fn(step))." },
	{ "get_step", (PyCFunction)Optim_get_step, METH_NOARGS, "The number of updates run (the next step)." },
	{ "view", (PyCFunction)Optim_view, METH_VARARGS, "view(which) -> a writable buffer over state array which, or None." },
	{ "rebind", (PyCFunction)Optim_rebind, METH_VARARGS, "rebind(param, grad): over other arrays of n float32s." },
	{ "set_step", (PyCFunction)Optim_set_step, METH_VARARGS, "set_step(step, since_reset): anneal_set_step." },
	{ "since_reset", (PyCFunction)Optim_since_reset, METH_NOARGS, "anneal_get_since_reset: torch's step." },
	{ NULL }
};

PyTypeObject Optim_Type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "anneal._anneal.Optim",
	.tp_basicsize = sizeof(OptimObject),
	.tp_dealloc = (destructor)Optim_dealloc,
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = "One libanneal optimizer over one float32 array of the host's (anneal.torch's building block).",
	.tp_methods = Optim_methods,
	.tp_init = (initproc)Optim_init,
	.tp_new = Optim_new,
};
