/* program.c: _anneal.Program -- a checked schedule file, loaded from its text, with param overrides applied. */
#include "anneal_py.h"

#include <math.h>
#include <string.h>

void program_lock(ProgramObject *p)
{
	if (!PyThread_acquire_lock(p->lock, NOWAIT_LOCK)) {
		Py_BEGIN_ALLOW_THREADS
		PyThread_acquire_lock(p->lock, WAIT_LOCK);
		Py_END_ALLOW_THREADS
	}
}

void program_unlock(ProgramObject *p)
{
	PyThread_release_lock(p->lock);
}

static PyObject *Program_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
	ProgramObject *self = (ProgramObject *)type->tp_alloc(type, 0);
	if (!self)
		return NULL;
	if (!(self->lock = PyThread_allocate_lock())) {
		Py_DECREF(self);
		return PyErr_NoMemory();
	}
	return (PyObject *)self;
}

static void Program_dealloc(ProgramObject *self)
{
	annealc_free(self->prog);
	if (self->lock)
		PyThread_free_lock(self->lock);
	Py_XDECREF(self->name);
	Py_XDECREF(self->text);
	Py_XDECREF(self->params);
	Py_TYPE(self)->tp_free((PyObject *)self);
}

/* "a, b, c": the schedule names, for messages. */
static PyObject *schedule_list(annealc_program *p)
{
	PyObject *names = PyList_New(0), *sep = NULL, *r = NULL;
	if (!names)
		return NULL;
	for (int i = 0; i < annealc_schedule_count(p); i++) {
		PyObject *s = PyUnicode_FromString(annealc_schedule_name(p, i));
		if (!s || PyList_Append(names, s) < 0) {
			Py_XDECREF(s);
			goto done;
		}
		Py_DECREF(s);
	}
	if ((sep = PyUnicode_FromString(", ")))
		r = PyUnicode_Join(sep, names);
done:
	Py_XDECREF(sep);
	Py_DECREF(names);
	return r;
}

/* Apply one override to every schedule that declares the param. */
static int apply_param(ProgramObject *self, PyObject *key, PyObject *val)
{
	if (!PyUnicode_Check(key)) {
		PyErr_Format(PyExc_TypeError, "param names are strings, got %R", key);
		return -1;
	}
	const char *name = PyUnicode_AsUTF8(key);
	if (!name)
		return -1;
	if (!PyNumber_Check(val) || PyUnicode_Check(val)) {
		PyErr_Format(PyExc_TypeError, "param '%s': expected a number, got %.100s", name, Py_TYPE(val)->tp_name);
		return -1;
	}
	double v = PyFloat_AsDouble(val);
	if (v == -1.0 && PyErr_Occurred())
		return -1;
	if (!isfinite(v)) {
		PyErr_Format(PyExc_ValueError, "param '%s': the value %R is not finite", name, val);
		return -1;
	}
	int found = 0;
	for (int i = 0; i < annealc_schedule_count(self->prog); i++) {
		if (annealc_param_find(self->prog, i, name) < 0)
			continue;
		found = 1;
		PyDiags d;
		annealc_sink sink;
		pydiags_init(&d, &sink);
		anneal_status st;
		Py_BEGIN_ALLOW_THREADS
		st = annealc_set_param(self->prog, i, name, v, &sink);
		Py_END_ALLOW_THREADS
		if (st != ANNEAL_OK) {
			pydiags_raise(&d, st, annealc_errmsg(self->prog));
			pydiags_free(&d);
			return -1;
		}
		pydiags_free(&d);
	}
	if (!found) {
		PyObject *list = schedule_list(self->prog);
		if (list)
			PyErr_Format(PyExc_KeyError, "unknown param '%s': no schedule of %U declares it (schedules: %U)", name,
			             self->name, list);
		Py_XDECREF(list);
		return -1;
	}
	return 0;
}

/* Program(text, name="<string>", params=None): text is str or bytes. */
static int Program_init(ProgramObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "text", "name", "params", NULL };
	PyObject *text, *name = NULL, *params = Py_None;
	if (!PyArg_ParseTupleAndKeywords(args, kw, "O|UO:Program", kwlist, &text, &name, &params))
		return -1;
	if (self->prog) {
		PyErr_SetString(PyExc_TypeError, "Program is already loaded");
		return -1;
	}
	if (params != Py_None && !PyDict_Check(params)) {
		PyErr_Format(PyExc_TypeError, "params must be a dict, got %.100s", Py_TYPE(params)->tp_name);
		return -1;
	}
	PyObject *bytes;
	if (PyUnicode_Check(text))
		bytes = PyUnicode_AsUTF8String(text);
	else if (PyBytes_Check(text))
		bytes = Py_NewRef(text);
	else {
		PyErr_Format(PyExc_TypeError, "text must be str or bytes, got %.100s", Py_TYPE(text)->tp_name);
		return -1;
	}
	if (!bytes)
		return -1;
	name = name ? Py_NewRef(name) : PyUnicode_FromString("<string>");
	PyObject *pname = name ? PyUnicode_EncodeFSDefault(name) : NULL;
	PyObject *pcopy = params == Py_None ? PyDict_New() : PyDict_Copy(params);
	if (!name || !pname || !pcopy)
		goto fail;

	const char *path = PyBytes_AS_STRING(pname), *buf = PyBytes_AS_STRING(bytes);
	size_t len = (size_t)PyBytes_GET_SIZE(bytes);
	PyDiags d;
	annealc_sink sink;
	pydiags_init(&d, &sink);
	anneal_status st;
	annealc_program *prog = NULL;
	Py_BEGIN_ALLOW_THREADS
	st = annealc_load_buffer(path, buf, len, &sink, &prog);
	Py_END_ALLOW_THREADS
	if (st != ANNEAL_OK) {
		pydiags_raise(&d, st, NULL);
		pydiags_free(&d);
		goto fail;
	}
	int w = pydiags_warn(&d);
	pydiags_free(&d);
	self->prog = prog;
	self->name = name;
	self->text = bytes;
	self->params = pcopy;
	Py_DECREF(pname);
	if (w < 0)
		return -1;
	/* Nothing else holds self yet, so the lock is not needed here. */
	PyObject *key, *val;
	Py_ssize_t pos = 0;
	while (PyDict_Next(pcopy, &pos, &key, &val))
		if (apply_param(self, key, val) < 0)
			return -1;
	return 0;
fail:
	Py_DECREF(bytes);
	Py_XDECREF(name);
	Py_XDECREF(pname);
	Py_XDECREF(pcopy);
	return -1;
}

static int check_loaded(ProgramObject *self)
{
	if (!self->prog) {
		PyErr_SetString(PyExc_RuntimeError, "Program is not loaded (Program.__init__ did not succeed)");
		return -1;
	}
	return 0;
}

static Py_ssize_t Program_len(ProgramObject *self)
{
	if (check_loaded(self) < 0)
		return -1;
	return annealc_schedule_count(self->prog);
}

static PyObject *Program_names(ProgramObject *self, void *closure)
{
	if (check_loaded(self) < 0)
		return NULL;
	int n = annealc_schedule_count(self->prog);
	PyObject *t = PyTuple_New(n);
	for (int i = 0; t && i < n; i++) {
		PyObject *s = PyUnicode_FromString(annealc_schedule_name(self->prog, i));
		if (!s) {
			Py_CLEAR(t);
			break;
		}
		PyTuple_SET_ITEM(t, i, s);
	}
	return t;
}

static PyObject *get_field(PyObject *o, const char *what)
{
	if (!o) {
		PyErr_Format(PyExc_RuntimeError, "Program is not loaded (no %s)", what);
		return NULL;
	}
	return Py_NewRef(o);
}

static PyObject *Program_name(ProgramObject *self, void *c) { return get_field(self->name, "name"); }
static PyObject *Program_text(ProgramObject *self, void *c) { return get_field(self->text, "text"); }
static PyObject *Program_params(ProgramObject *self, void *c)
{
	return self->params ? PyDict_Copy(self->params) : get_field(NULL, "params");
}

static PyObject *Program_repr(ProgramObject *self)
{
	if (!self->prog)
		return PyUnicode_FromFormat("<%s (not loaded)>", Py_TYPE(self)->tp_name);
	PyObject *names = schedule_list(self->prog);
	if (!names)
		return NULL;
	PyObject *r = PyUnicode_FromFormat("<%s %R: %U>", Py_TYPE(self)->tp_name, self->name, names);
	Py_DECREF(names);
	return r;
}

/* The index of schedule `name` (a str), or -1 with KeyError naming it and listing the names. */
int program_find(ProgramObject *self, PyObject *name)
{
	if (check_loaded(self) < 0)
		return -1;
	if (!PyUnicode_Check(name)) {
		PyErr_Format(PyExc_TypeError, "schedule names are strings, got %.100s", Py_TYPE(name)->tp_name);
		return -1;
	}
	const char *s = PyUnicode_AsUTF8(name);
	if (!s)
		return -1;
	int i = annealc_schedule_find(self->prog, s);
	if (i < 0) {
		PyObject *list = schedule_list(self->prog);
		if (list)
			PyErr_Format(PyExc_KeyError, "no schedule '%s' in %U (schedules: %U)", s, self->name, list);
		Py_XDECREF(list);
	}
	return i;
}

static PyGetSetDef Program_getset[] = {
	{ "names", (getter)Program_names, NULL, "the schedules' names, in file order", NULL },
	{ "name", (getter)Program_name, NULL, "the path or buffer name diagnostics use", NULL },
	{ "text", (getter)Program_text, NULL, "the source, as bytes", NULL },
	{ "params", (getter)Program_params, NULL, "the param overrides the program was loaded with", NULL },
	{ NULL },
};

static PySequenceMethods Program_as_sequence = {
	.sq_length = (lenfunc)Program_len,
};

PyTypeObject Program_Type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "anneal._anneal.Program",
	.tp_basicsize = sizeof(ProgramObject),
	.tp_dealloc = (destructor)Program_dealloc,
	.tp_repr = (reprfunc)Program_repr,
	.tp_as_sequence = &Program_as_sequence,
	.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
	.tp_doc = "Program(text, name='<string>', params=None): a checked schedule file.",
	.tp_getset = Program_getset,
	.tp_init = (initproc)Program_init,
	.tp_new = Program_new,
};
