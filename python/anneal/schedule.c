/* schedule.c: _anneal.Schedule -- a JIT-compiled schedule: its description, eval, fill, analysis and SVG plot. */
#include "anneal_py.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static PyObject *Schedule_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
	return type->tp_alloc(type, 0);
}

static void Schedule_dealloc(ScheduleObject *self)
{
	/* The JIT may not free code yet (ANNEAL_ERR_UNSUPPORTED): then the
	   code stays until the JIT goes, with the last schedule. Either way
	   nothing else is to be done about the status here. */
	if (self->desc)
		(void)annealc_jit_release(self->jit->jit, self->desc);
	Py_XDECREF(self->slot_names);
	Py_XDECREF(self->hook_events);
	Py_XDECREF(self->hook_actions);
	Py_XDECREF(self->jit);
	Py_XDECREF(self->program);
	Py_TYPE(self)->tp_free((PyObject *)self);
}

/* The texts that do not change from step to step, built once. */
static int cache_names(ScheduleObject *self)
{
	const anneal_desc *d = self->desc;
	if (!(self->slot_names = PyTuple_New(ANNEAL_MAX_CHANNELS)))
		return -1;
	for (int c = 0; c < ANNEAL_MAX_CHANNELS; c++) {
		PyObject *s = (d->channels & (1u << c)) && d->channel_name[c] ? PyUnicode_InternFromString(d->channel_name[c])
		                                                             : Py_NewRef(Py_None);
		if (!s)
			return -1;
		PyTuple_SET_ITEM(self->slot_names, c, s);
	}
	if (!(self->hook_events = PyTuple_New(d->nhook)) || !(self->hook_actions = PyTuple_New(d->nhook)))
		return -1;
	for (int h = 0; h < d->nhook; h++) {
		PyObject *ev = anneal_py_event_text(&d->hook[h]);
		PyObject *acts = PyTuple_New(d->hook[h].naction);
		if (!ev || !acts) {
			Py_XDECREF(ev);
			Py_XDECREF(acts);
			return -1;
		}
		PyTuple_SET_ITEM(self->hook_events, h, ev);
		PyTuple_SET_ITEM(self->hook_actions, h, acts);
		for (int a = 0; a < d->hook[h].naction; a++) {
			PyObject *t = anneal_py_action_text(&d->hook[h].action[a]);
			if (!t)
				return -1;
			PyTuple_SET_ITEM(acts, a, t);
		}
	}
	return 0;
}

/* Schedule(program, name): JIT-compiles the program's schedule `name`. */
static int Schedule_init(ScheduleObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "program", "name", NULL };
	PyObject *prog, *name;
	if (!PyArg_ParseTupleAndKeywords(args, kw, "O!O:Schedule", kwlist, &Program_Type, &prog, &name))
		return -1;
	if (self->desc) {
		PyErr_SetString(PyExc_TypeError, "Schedule is already compiled");
		return -1;
	}
	ProgramObject *p = (ProgramObject *)prog;
	int index = program_find(p, name);
	if (index < 0)
		return -1;
	JitObject *jit = anneal_py_jit();
	if (!jit)
		return -1;
	const anneal_desc *desc = NULL;
	anneal_status st;
	annealc_options o = ANNEALC_OPTIONS_INIT;
	program_lock(p);
	Py_BEGIN_ALLOW_THREADS
	st = annealc_jit_compile(jit->jit, p->prog, index, &o, &desc);
	Py_END_ALLOW_THREADS
	program_unlock(p);
	if (st != ANNEAL_OK) {
		PyDiags d = { 0 };
		pydiags_raise(&d, st == ANNEAL_ERR_INPUT ? ANNEAL_ERR_INTERNAL : st, annealc_jit_errmsg(jit->jit));
		Py_DECREF(jit);
		return -1;
	}
	self->desc = desc;
	self->jit = jit;
	self->program = (ProgramObject *)Py_NewRef(prog);
	self->index = index;
	return cache_names(self);
}

static int check_compiled(ScheduleObject *self)
{
	if (!self->desc || !self->slot_names) {
		PyErr_SetString(PyExc_RuntimeError, "Schedule is not compiled (Schedule.__init__ did not succeed)");
		return -1;
	}
	return 0;
}

/* ---- the description ---- */

static PyObject *Schedule_name(ScheduleObject *self, void *c)
{
	return check_compiled(self) < 0 ? NULL : PyUnicode_FromString(self->desc->name);
}

static PyObject *Schedule_program(ScheduleObject *self, void *c)
{
	return check_compiled(self) < 0 ? NULL : Py_NewRef(self->program);
}

static PyObject *Schedule_params(ScheduleObject *self, void *c)
{
	if (check_compiled(self) < 0)
		return NULL;
	const anneal_desc *d = self->desc;
	PyObject *list = PyList_New(d->nparam);
	for (int i = 0; list && i < d->nparam; i++) {
		PyObject *r = PyStructSequence_New(Param_Type);
		PyObject *n = PyUnicode_FromString(d->param[i].name), *v = PyFloat_FromDouble(d->param[i].value);
		if (!r || !n || !v) {
			Py_XDECREF(r);
			Py_XDECREF(n);
			Py_XDECREF(v);
			Py_CLEAR(list);
			break;
		}
		PyStructSequence_SET_ITEM(r, 0, n);
		PyStructSequence_SET_ITEM(r, 1, v);
		PyStructSequence_SET_ITEM(r, 2, PyBool_FromLong(d->param[i].structural));
		PyList_SET_ITEM(list, i, r);
	}
	return list;
}

static PyObject *Schedule_channels(ScheduleObject *self, void *c)
{
	if (check_compiled(self) < 0)
		return NULL;
	PyObject *list = PyList_New(0);
	for (int s = 0; list && s < ANNEAL_MAX_CHANNELS; s++) {
		PyObject *n = PyTuple_GET_ITEM(self->slot_names, s);
		if (n != Py_None && PyList_Append(list, n) < 0)
			Py_CLEAR(list);
	}
	return list;
}

static PyObject *Schedule_slots(ScheduleObject *self, void *c)
{
	if (check_compiled(self) < 0)
		return NULL;
	PyObject *dict = PyDict_New();
	for (int s = 0; dict && s < ANNEAL_MAX_CHANNELS; s++) {
		PyObject *n = PyTuple_GET_ITEM(self->slot_names, s), *i;
		if (n == Py_None)
			continue;
		if (!(i = PyLong_FromLong(s)) || PyDict_SetItem(dict, n, i) < 0)
			Py_CLEAR(dict);
		Py_XDECREF(i);
	}
	return dict;
}

static PyObject *Schedule_hooks(ScheduleObject *self, void *c)
{
	if (check_compiled(self) < 0)
		return NULL;
	int n = self->desc->nhook;
	PyObject *list = PyList_New(n), *sep = PyUnicode_FromString(", ");
	for (int h = 0; list && sep && h < n; h++) {
		PyObject *r = PyStructSequence_New(Hook_Type);
		PyObject *acts = PyUnicode_Join(sep, PyTuple_GET_ITEM(self->hook_actions, h));
		if (!r || !acts) {
			Py_XDECREF(r);
			Py_XDECREF(acts);
			Py_CLEAR(list);
			break;
		}
		PyStructSequence_SET_ITEM(r, 0, Py_NewRef(PyTuple_GET_ITEM(self->hook_events, h)));
		PyStructSequence_SET_ITEM(r, 1, acts);
		PyList_SET_ITEM(list, h, r);
	}
	if (!sep)
		Py_CLEAR(list);
	Py_XDECREF(sep);
	return list;
}

static PyObject *Schedule_horizon(ScheduleObject *self, void *c)
{
	if (check_compiled(self) < 0)
		return NULL;
	if (self->desc->horizon < 0)
		Py_RETURN_NONE;
	return PyLong_FromLongLong(self->desc->horizon);
}

static PyObject *Schedule_digest(ScheduleObject *self, void *c)
{
	return check_compiled(self) < 0 ? NULL : PyLong_FromUnsignedLongLong(self->desc->digest);
}

/* ---- evaluation ---- */

static int64_t step_arg(PyObject *o, const char *what)
{
	if (!PyLong_Check(o)) {
		PyErr_Format(PyExc_TypeError, "%s must be an int, got %.100s", what, Py_TYPE(o)->tp_name);
		return -1;
	}
	int overflow;
	long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
	if (v == -1 && PyErr_Occurred())
		return -1;
	if (overflow || v < 0) {
		PyErr_Format(PyExc_ValueError, "%s must be an int from 0 to 2**63 - 1, got %R", what, o);
		return -1;
	}
	return v;
}

static PyObject *Schedule_call(ScheduleObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "step", NULL };
	PyObject *o;
	if (!PyArg_ParseTupleAndKeywords(args, kw, "O:Schedule", kwlist, &o) || check_compiled(self) < 0)
		return NULL;
	int64_t step = step_arg(o, "step");
	if (step < 0)
		return NULL;
	anneal_point pt;
	self->desc->eval(step, NULL, &pt);

	PointObject *p = PyObject_New(PointObject, &Point_Type);
	if (!p)
		return NULL;
	p->step = step;
	p->cycle = pt.cycle;
	p->phase = pt.phase;
	p->mask = pt.events;
	p->values = PyDict_New();
	p->events = PyList_New(0);
	p->actions = PyList_New(0);
	if (!p->values || !p->events || !p->actions)
		goto fail;
	for (int c = 0; c < ANNEAL_MAX_CHANNELS; c++) {
		PyObject *n = PyTuple_GET_ITEM(self->slot_names, c), *v;
		if (n == Py_None)
			continue;
		if (!(v = PyFloat_FromDouble(pt.value[c])) || PyDict_SetItem(p->values, n, v) < 0) {
			Py_XDECREF(v);
			goto fail;
		}
		Py_DECREF(v);
	}
	for (int h = 0; h < self->desc->nhook; h++) {
		if (!(pt.events & (UINT64_C(1) << h)))
			continue;
		PyObject *acts = PyTuple_GET_ITEM(self->hook_actions, h);
		if (PyList_Append(p->events, PyTuple_GET_ITEM(self->hook_events, h)) < 0)
			goto fail;
		for (Py_ssize_t a = 0; a < PyTuple_GET_SIZE(acts); a++)
			if (PyList_Append(p->actions, PyTuple_GET_ITEM(acts, a)) < 0)
				goto fail;
	}
	return (PyObject *)p;
fail:
	Py_DECREF(p);
	return NULL;
}

/* The slot of a channel given by name or slot number; -1 with KeyError. */
static int channel_slot(ScheduleObject *self, PyObject *ch)
{
	long want = -1;
	if (PyLong_Check(ch)) {
		int overflow;
		want = PyLong_AsLongAndOverflow(ch, &overflow);
		if (want == -1 && PyErr_Occurred())
			return -1;
		if (overflow)
			want = -1;
	}
	for (int c = 0; c < ANNEAL_MAX_CHANNELS; c++) {
		PyObject *n = PyTuple_GET_ITEM(self->slot_names, c);
		if (n == Py_None)
			continue;
		if (PyLong_Check(ch) && want == c)
			return c;
		if (PyUnicode_Check(ch)) {
			int eq = PyUnicode_Compare(n, ch);
			if (eq == 0)
				return c;
			if (eq == -1 && PyErr_Occurred())
				return -1;
		}
	}
	if (!PyUnicode_Check(ch) && !PyLong_Check(ch)) {
		PyErr_Format(PyExc_TypeError, "channel must be a name or a slot number, got %.100s", Py_TYPE(ch)->tp_name);
		return -1;
	}
	PyObject *names = Schedule_channels(self, NULL), *sep = PyUnicode_FromString(", "), *list = NULL;
	if (names && sep && (list = PyUnicode_Join(sep, names)))
		PyErr_Format(PyExc_KeyError, "schedule %s has no channel %R (channels: %U)", self->desc->name, ch, list);
	Py_XDECREF(names);
	Py_XDECREF(sep);
	Py_XDECREF(list);
	return -1;
}

/* A new float64 buffer of n values: a NumPy array, or array('d') without NumPy. */
static PyObject *new_buffer(Py_ssize_t n)
{
	PyObject *np = PyImport_ImportModule("numpy");
	if (np) {
		PyObject *r = PyObject_CallMethod(np, "empty", "ns", n, "float64");
		Py_DECREF(np);
		return r;
	}
	if (!PyErr_ExceptionMatches(PyExc_ImportError))
		return NULL;
	PyErr_Clear();
	PyObject *array = PyImport_ImportModule("array");
	if (!array)
		return NULL;
	PyObject *zeros = PyBytes_FromStringAndSize(NULL, n * (Py_ssize_t)sizeof(double)), *r = NULL;
	if (zeros) {
		memset(PyBytes_AS_STRING(zeros), 0, (size_t)PyBytes_GET_SIZE(zeros));
		r = PyObject_CallMethod(array, "array", "sO", "d", zeros);
	}
	Py_XDECREF(zeros);
	Py_DECREF(array);
	return r;
}

/* fill(channel, start=0, count=None, out=None): the channel over steps
   start .. start + count - 1, written by the compiled fill into out (a
   writable contiguous float64 buffer) or a new array. */
static PyObject *Schedule_fill(ScheduleObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "channel", "start", "count", "out", NULL };
	PyObject *ch, *ostart = NULL, *ocount = Py_None, *out = Py_None;
	if (!PyArg_ParseTupleAndKeywords(args, kw, "O|OOO:fill", kwlist, &ch, &ostart, &ocount, &out) ||
	    check_compiled(self) < 0)
		return NULL;
	int slot = channel_slot(self, ch);
	if (slot < 0)
		return NULL;
	int64_t start = ostart ? step_arg(ostart, "start") : 0, count = -1;
	if (start < 0)
		return NULL;
	if (ocount != Py_None && (count = step_arg(ocount, "count")) < 0)
		return NULL;
	if (count < 0 && out == Py_None) {
		if (self->desc->horizon < 0) {
			PyErr_Format(PyExc_ValueError, "schedule %s is open-ended: give fill a count", self->desc->name);
			return NULL;
		}
		count = self->desc->horizon > start ? self->desc->horizon - start : 0;
	}
	if (count > PY_SSIZE_T_MAX / (int64_t)sizeof(double)) {
		PyErr_Format(PyExc_ValueError, "count %lld is too large", (long long)count);
		return NULL;
	}
	PyObject *buf = out == Py_None ? new_buffer((Py_ssize_t)count) : Py_NewRef(out);
	if (!buf)
		return NULL;
	Py_buffer view;
	if (PyObject_GetBuffer(buf, &view, PyBUF_WRITABLE | PyBUF_FORMAT | PyBUF_C_CONTIGUOUS) < 0) {
		PyErr_Format(PyExc_TypeError, "out must be a writable contiguous buffer of float64, got %.100s",
		             Py_TYPE(buf)->tp_name);
		Py_DECREF(buf);
		return NULL;
	}
	const char *f = view.format ? view.format : "B";
	if (*f == '<' || *f == '=' || *f == '@')
		f++;
	if (view.itemsize != sizeof(double) || strcmp(f, "d") != 0) {
		PyErr_Format(PyExc_TypeError, "out must hold float64 values (format 'd'), got format '%s'", view.format);
		goto fail;
	}
	Py_ssize_t n = view.len / (Py_ssize_t)sizeof(double);
	if (count < 0)
		count = n;
	if (count != n) {
		PyErr_Format(PyExc_ValueError, "out holds %zd values, count is %lld", n, (long long)count);
		goto fail;
	}
	if (count > INT64_MAX - start) {
		PyErr_SetString(PyExc_ValueError, "start + count is past the last step, 2**63 - 1");
		goto fail;
	}
	if (count > 0) {
		const anneal_desc *d = self->desc;
		double *dst = view.buf;
		Py_BEGIN_ALLOW_THREADS
		d->fill(start, count, NULL, slot, dst);
		Py_END_ALLOW_THREADS
	}
	PyBuffer_Release(&view);
	return buf;
fail:
	PyBuffer_Release(&view);
	Py_DECREF(buf);
	return NULL;
}

/* ---- analysis and plots: the library's writers into a memory stream ---- */

typedef anneal_status (*writer_fn)(ScheduleObject *self, const void *opts, FILE *out);

static anneal_status write_analysis(ScheduleObject *self, const void *o, FILE *out)
{
	return annealc_analyze(self->program->prog, self->index, o, out, NULL);
}

static anneal_status write_plot(ScheduleObject *self, const void *o, FILE *out)
{
	return annealc_plot(self->program->prog, self->index, o, out);
}

static PyObject *run_writer(ScheduleObject *self, writer_fn fn, const void *opts)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	if (!mem)
		return PyErr_SetFromErrno(PyExc_OSError);
	anneal_status st;
	ProgramObject *p = self->program;
	program_lock(p);
	Py_BEGIN_ALLOW_THREADS
	st = fn(self, opts, mem);
	Py_END_ALLOW_THREADS
	int bad = fclose(mem) != 0;
	PyObject *r = NULL;
	if (st != ANNEAL_OK) {
		PyDiags d = { 0 };
		pydiags_raise(&d, st, annealc_errmsg(p->prog));
	} else if (bad || !text) {
		PyErr_NoMemory();
	} else {
		r = PyUnicode_DecodeUTF8(text, (Py_ssize_t)len, "replace");
	}
	program_unlock(p);
	free(text);
	return r;
}

static int opt_double(PyObject *o, const char *what, double *out)
{
	if (o == Py_None)
		return 0;
	double v = PyFloat_AsDouble(o);
	if (v == -1.0 && PyErr_Occurred())
		return -1;
	if (!(v > 0) || v == Py_HUGE_VAL) {
		PyErr_Format(PyExc_ValueError, "%s must be a positive finite number, got %R", what, o);
		return -1;
	}
	*out = v;
	return 0;
}

/* _analyze_json(steps=None, curvature=None, batch=None, base_batch=None): annealc analyze --format json. */
static PyObject *Schedule_analyze_json(ScheduleObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "steps", "curvature", "batch", "base_batch", NULL };
	PyObject *steps = Py_None, *curv = Py_None, *batch = Py_None, *base = Py_None;
	if (!PyArg_ParseTupleAndKeywords(args, kw, "|OOOO:analyze", kwlist, &steps, &curv, &batch, &base) ||
	    check_compiled(self) < 0)
		return NULL;
	annealc_analyze_options o = ANNEALC_ANALYZE_OPTIONS_INIT;
	o.json = 1;
	if (steps != Py_None) {
		if ((o.steps = step_arg(steps, "steps")) < 0)
			return NULL;
		if (o.steps == 0) {
			PyErr_SetString(PyExc_ValueError, "steps must be at least 1 (None: the horizon)");
			return NULL;
		}
	}
	if (opt_double(curv, "curvature", &o.curvature) < 0 || opt_double(batch, "batch", &o.batch) < 0 ||
	    opt_double(base, "base_batch", &o.base_batch) < 0)
		return NULL;
	if ((batch == Py_None) != (base == Py_None)) {
		PyErr_SetString(PyExc_ValueError, "batch and base_batch go together: give both or neither");
		return NULL;
	}
	return run_writer(self, write_analysis, &o);
}

/* svg(first=0, count=None, log=False, channels=None): annealc plot's SVG document. */
static PyObject *Schedule_svg(ScheduleObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "first", "count", "log", "channels", NULL };
	PyObject *first = NULL, *count = Py_None, *chans = Py_None;
	int log = 0;
	if (!PyArg_ParseTupleAndKeywords(args, kw, "|OOpO:svg", kwlist, &first, &count, &log, &chans) ||
	    check_compiled(self) < 0)
		return NULL;
	annealc_plot_options o = ANNEALC_PLOT_OPTIONS_INIT;
	if (first && (o.first = step_arg(first, "first")) < 0)
		return NULL;
	if (count != Py_None) {
		if ((o.count = step_arg(count, "count")) < 0)
			return NULL;
		if (o.count < 2) {
			PyErr_Format(PyExc_ValueError, "count must be at least 2, got %R", count);
			return NULL;
		}
	}
	o.log = log;
	PyObject *joined = NULL;
	if (chans != Py_None) {
		if (PyUnicode_Check(chans)) {
			joined = Py_NewRef(chans);
		} else {
			PyObject *sep = PyUnicode_FromString(",");
			joined = sep ? PyUnicode_Join(sep, chans) : NULL;
			Py_XDECREF(sep);
		}
		if (!joined || !(o.channels = PyUnicode_AsUTF8(joined))) {
			Py_XDECREF(joined);
			return NULL;
		}
	}
	PyObject *r = run_writer(self, write_plot, &o);
	Py_XDECREF(joined);
	return r;
}

static PyObject *Schedule_repr(ScheduleObject *self)
{
	if (!self->desc)
		return PyUnicode_FromFormat("<%s (not compiled)>", Py_TYPE(self)->tp_name);
	PyObject *ch = Schedule_channels(self, NULL), *sep = PyUnicode_FromString(", "), *list = NULL, *r = NULL;
	if (ch && sep && (list = PyUnicode_Join(sep, ch)))
		r = PyUnicode_FromFormat("<%s %s: %U>", Py_TYPE(self)->tp_name, self->desc->name, list);
	Py_XDECREF(ch);
	Py_XDECREF(sep);
	Py_XDECREF(list);
	return r;
}

static PyGetSetDef Schedule_getset[] = {
	{ "name", (getter)Schedule_name, NULL, "the schedule's name", NULL },
	{ "program", (getter)Schedule_program, NULL, "the Program it was compiled from", NULL },
	{ "params", (getter)Schedule_params, NULL, "list of Param(name, default, structural)", NULL },
	{ "channels", (getter)Schedule_channels, NULL, "the channels' names in slot order", NULL },
	{ "slots", (getter)Schedule_slots, NULL, "dict: channel name -> ABI slot", NULL },
	{ "hooks", (getter)Schedule_hooks, NULL, "list of Hook(event, actions), as text", NULL },
	{ "horizon", (getter)Schedule_horizon, NULL, "steps until the last phase ends; None if open-ended", NULL },
	{ "digest", (getter)Schedule_digest, NULL, "FNV-1a of the checked form (not of param values)", NULL },
	{ NULL },
};

static PyMethodDef Schedule_methods[] = {
	{ "fill", (PyCFunction)(void (*)(void))Schedule_fill, METH_VARARGS | METH_KEYWORDS,
	  "fill(channel, start=0, count=None, out=None) -> float64 array of the channel over count steps" },
	{ "_analyze_json", (PyCFunction)(void (*)(void))Schedule_analyze_json, METH_VARARGS | METH_KEYWORDS,
	  "_analyze_json(steps=None, curvature=None, batch=None, base_batch=None) -> str" },
	{ "svg", (PyCFunction)(void (*)(void))Schedule_svg, METH_VARARGS | METH_KEYWORDS,
	  "svg(first=0, count=None, log=False, channels=None) -> the plot as an SVG document" },
	{ NULL },
};

PyTypeObject Schedule_Type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "anneal._anneal.Schedule",
	.tp_basicsize = sizeof(ScheduleObject),
	.tp_dealloc = (destructor)Schedule_dealloc,
	.tp_repr = (reprfunc)Schedule_repr,
	.tp_call = (ternaryfunc)Schedule_call,
	.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
	.tp_doc = "Schedule(program, name): the program's schedule `name`, JIT-compiled.",
	.tp_methods = Schedule_methods,
	.tp_getset = Schedule_getset,
	.tp_init = (initproc)Schedule_init,
	.tp_new = Schedule_new,
};
