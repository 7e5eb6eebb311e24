/* module.c: anneal._anneal -- the module, its exceptions and record types, the diagnostics sink, the shared JIT. */
#include "anneal_py.h"

#include "anneal/anneal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

PyObject *ScheduleError;
PyTypeObject *Param_Type, *Hook_Type, *Diagnostic_Type;

/* ---- diagnostics ---- */

static char *dup_str(const char *s)
{
	size_t n = strlen(s ? s : "") + 1;
	char *c = malloc(n);
	if (c)
		memcpy(c, s ? s : "", n);
	return c;
}

/* The sink: runs without the GIL, so it only copies. */
static void collect(void *user, const annealc_diagnostic *dg)
{
	PyDiags *d = user;
	if (d->n == d->cap) {
		int cap = d->cap ? 2 * d->cap : 8;
		PyDiag *item = realloc(d->item, (size_t)cap * sizeof *item);
		if (!item) {
			d->oom = 1;
			return;
		}
		d->item = item;
		d->cap = cap;
	}
	PyDiag *it = &d->item[d->n];
	it->path = dup_str(dg->path);
	it->message = dup_str(dg->message);
	if (!it->path || !it->message) {
		free(it->path);
		free(it->message);
		d->oom = 1;
		return;
	}
	it->line = dg->line;
	it->column = dg->column;
	it->severity = dg->severity;
	d->n++;
	size_t len = strlen(dg->text ? dg->text : "");
	if (d->len + len + 1 > d->textcap) {
		size_t cap = 2 * (d->len + len + 1);
		char *t = realloc(d->text, cap);
		if (!t) {
			d->oom = 1;
			return;
		}
		d->text = t;
		d->textcap = cap;
	}
	memcpy(d->text + d->len, dg->text ? dg->text : "", len);
	d->len += len;
	d->text[d->len] = '\0';
}

void pydiags_init(PyDiags *d, annealc_sink *sink)
{
	memset(d, 0, sizeof *d);
	sink->file = NULL;
	sink->fn = collect;
	sink->user = d;
}

void pydiags_free(PyDiags *d)
{
	for (int i = 0; i < d->n; i++) {
		free(d->item[i].path);
		free(d->item[i].message);
	}
	free(d->item);
	free(d->text);
	memset(d, 0, sizeof *d);
}

static const char *severity_name(int s)
{
	return s == ANNEALC_ERROR ? "error" : s == ANNEALC_WARNING ? "warning" : "note";
}

static PyObject *diagnostic_new(const PyDiag *it)
{
	PyObject *t = PyStructSequence_New(Diagnostic_Type);
	if (!t)
		return NULL;
	PyObject *f[5] = {
		PyUnicode_DecodeFSDefault(it->path), PyLong_FromLong(it->line), PyLong_FromLong(it->column),
		PyUnicode_DecodeUTF8(it->message, (Py_ssize_t)strlen(it->message), "replace"),
		PyUnicode_FromString(severity_name(it->severity)),
	};
	for (int i = 0; i < 5; i++) {
		if (!f[i]) {
			for (int k = 0; k < 5; k++)
				Py_XDECREF(f[k]);
			Py_DECREF(t);
			return NULL;
		}
		PyStructSequence_SET_ITEM(t, i, f[i]);
	}
	return t;
}

/* ScheduleError(text) with .diagnostics, the list of Diagnostic records. */
static PyObject *raise_schedule_error(const PyDiags *d, const char *fallback)
{
	size_t len = d->len;
	while (len > 0 && d->text[len - 1] == '\n')
		len--;
	PyObject *text = len ? PyUnicode_DecodeUTF8(d->text, (Py_ssize_t)len, "replace")
	                     : PyUnicode_FromString(fallback && *fallback ? fallback : "the schedule has errors");
	PyObject *list = PyList_New(0), *exc = NULL;
	if (!text || !list)
		goto done;
	for (int i = 0; i < d->n; i++) {
		PyObject *r = diagnostic_new(&d->item[i]);
		if (!r || PyList_Append(list, r) < 0) {
			Py_XDECREF(r);
			goto done;
		}
		Py_DECREF(r);
	}
	exc = PyObject_CallOneArg(ScheduleError, text);
	if (!exc || PyObject_SetAttrString(exc, "diagnostics", list) < 0)
		goto done;
	PyErr_SetObject(ScheduleError, exc);
done:
	Py_XDECREF(exc);
	Py_XDECREF(list);
	Py_XDECREF(text);
	return NULL;
}

PyObject *pydiags_raise(const PyDiags *d, anneal_status st, const char *msg)
{
	if (d->oom || st == ANNEAL_ERR_NOMEM)
		return PyErr_NoMemory();
	if (st == ANNEAL_ERR_INPUT)
		return raise_schedule_error(d, msg);
	const char *text = msg && *msg ? msg : d->len ? d->text : anneal_status_text(st);
	PyObject *type = PyExc_RuntimeError;
	switch (st) {
	case ANNEAL_ERR_IO: type = PyExc_OSError; break;
	case ANNEAL_ERR_INVALID: type = PyExc_ValueError; break;
	case ANNEAL_ERR_UNSUPPORTED: type = PyExc_NotImplementedError; break;
	default: break;
	}
	PyErr_Format(type, "%s", text);
	return NULL;
}

int pydiags_warn(const PyDiags *d)
{
	for (int i = 0; i < d->n; i++)
		if (d->item[i].severity == ANNEALC_WARNING &&
		    PyErr_WarnFormat(PyExc_UserWarning, 1, "%s:%d:%d: %s", d->item[i].path, d->item[i].line,
		                     d->item[i].column, d->item[i].message) < 0)
			return -1;
	return 0;
}

/* ---- text of hooks ---- */

/* libanneal's text of a hook of this one action: a callback's name is a
   name of at most 128 bytes, so the buffer always holds it. */
PyObject *anneal_py_action_text(const anneal_action *a)
{
	char text[160];
	anneal_hook one = { .naction = 1, .action = a };
	if (anneal_hook_actions_text(&one, text, sizeof text, NULL) != ANNEAL_OK)
		return PyUnicode_FromFormat("action %d", (int)a->kind);
	return PyUnicode_FromString(text);
}

/* libanneal's text of the event, as annealc eval prints it: a label is a
   name of at most 128 bytes, so the buffer always holds it. */
PyObject *anneal_py_event_text(const anneal_hook *h)
{
	char text[160];
	if (anneal_hook_event_text(h, text, sizeof text, NULL) != ANNEAL_OK)
		return PyUnicode_FromFormat("event %d", (int)h->event);
	return PyUnicode_FromString(text);
}

/* ---- the JIT ---- */

/* Created on first use and kept for the life of the process: LLVM's
   set-up is paid once. Each schedule holds a reference too, so a schedule
   that outlives the module still releases its code into a live JIT. */
static JitObject *shared_jit;

static void Jit_dealloc(JitObject *self)
{
	if (shared_jit == self)
		shared_jit = NULL;
	annealc_jit_free(self->jit);
	Py_TYPE(self)->tp_free((PyObject *)self);
}

PyTypeObject Jit_Type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "anneal._anneal._Jit",
	.tp_basicsize = sizeof(JitObject),
	.tp_dealloc = (destructor)Jit_dealloc,
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = "The LLVM JIT the schedules of this process are compiled by.",
};

JitObject *anneal_py_jit(void)
{
	if (shared_jit) {
		Py_INCREF(shared_jit);
		return shared_jit;
	}
	JitObject *j = PyObject_New(JitObject, &Jit_Type);
	if (!j)
		return NULL;
	j->jit = NULL;
	PyDiags d;
	annealc_sink sink;
	pydiags_init(&d, &sink);
	anneal_status st;
	Py_BEGIN_ALLOW_THREADS
	st = annealc_jit_new(&sink, &j->jit);
	Py_END_ALLOW_THREADS
	if (st != ANNEAL_OK) {
		pydiags_raise(&d, st == ANNEAL_ERR_INPUT ? ANNEAL_ERR_INTERNAL : st, NULL);
		pydiags_free(&d);
		Py_DECREF(j);
		return NULL;
	}
	pydiags_free(&d);
	shared_jit = j; /* the module's reference */
	Py_INCREF(j);
	return j;
}

/* ---- the module ---- */

static PyStructSequence_Field param_fields[] = {
	{ "name", "the param's name" },
	{ "default", "its value: the file's default, or the override the program was loaded with" },
	{ "structural", "True when it shapes phase lengths, so is fixed once compiled" },
	{ NULL, NULL },
};
static PyStructSequence_Desc param_desc = { "anneal.Param", "A schedule's param.", param_fields, 3 };

static PyStructSequence_Field hook_fields[] = {
	{ "event", "as annealc eval prints it: restart, every:N, at:N, enter:LABEL" },
	{ "actions", "the actions, comma-separated: \"reset momentum, snapshot\"" },
	{ NULL, NULL },
};
static PyStructSequence_Desc hook_desc = { "anneal.Hook", "A schedule's hook.", hook_fields, 2 };

static PyStructSequence_Field diagnostic_fields[] = {
	{ "path", "the file, or the name a buffer was given" },
	{ "line", "1-based; 0 when the problem has no place in the file" },
	{ "column", "1-based, in bytes; 0 with line 0" },
	{ "message", "the message alone" },
	{ "severity", "\"error\", \"warning\" or \"note\" (an attribute only, not in the tuple)" },
	{ NULL, NULL },
};
static PyStructSequence_Desc diagnostic_desc = { "anneal.Diagnostic",
	                                         "One diagnostic: (path, line, column, message), and .severity.",
	                                         diagnostic_fields, 4 };

static struct PyModuleDef anneal_module = {
	PyModuleDef_HEAD_INIT,
	.m_name = "anneal._anneal",
	.m_doc = "libannealc from Python: load, check and JIT-compile schedules, evaluate, fill, analyze, plot.",
	.m_size = -1,
};

static int add_type(PyObject *m, const char *name, PyTypeObject *t)
{
	Py_INCREF(t);
	if (PyModule_AddObject(m, name, (PyObject *)t) < 0) {
		Py_DECREF(t);
		return -1;
	}
	return 0;
}

PyMODINIT_FUNC PyInit__anneal(void)
{
	if (PyType_Ready(&Jit_Type) < 0 || PyType_Ready(&Program_Type) < 0 || PyType_Ready(&Schedule_Type) < 0 ||
	    PyType_Ready(&Point_Type) < 0 || PyType_Ready(&Optim_Type) < 0 ||
	    PyType_Ready(&StateView_Type) < 0)
		return NULL;
	PyObject *m = PyModule_Create(&anneal_module);
	if (!m)
		return NULL;
	if (!Param_Type && !(Param_Type = PyStructSequence_NewType(&param_desc)))
		goto fail;
	if (!Hook_Type && !(Hook_Type = PyStructSequence_NewType(&hook_desc)))
		goto fail;
	if (!Diagnostic_Type && !(Diagnostic_Type = PyStructSequence_NewType(&diagnostic_desc)))
		goto fail;
	if (!ScheduleError &&
	    !(ScheduleError = PyErr_NewExceptionWithDoc(
		      "anneal.ScheduleError",
		      "A schedule that does not check: str() is the compiler's caret text, .diagnostics the list\n"
		      "of (path, line, column, message) records.",
		      PyExc_ValueError, NULL)))
		goto fail;
	if (add_type(m, "Program", &Program_Type) < 0 || add_type(m, "Schedule", &Schedule_Type) < 0 ||
	    add_type(m, "Point", &Point_Type) < 0 || add_type(m, "Param", Param_Type) < 0 ||
	    add_type(m, "Hook", Hook_Type) < 0 || add_type(m, "Diagnostic", Diagnostic_Type) < 0 ||
	    add_type(m, "ScheduleError", (PyTypeObject *)ScheduleError) < 0 || add_type(m, "Optim", &Optim_Type) < 0)
		goto fail;
	if (PyModule_AddStringConstant(m, "version", annealc_version()) < 0 ||
	    PyModule_AddIntConstant(m, "ABI_VERSION", ANNEAL_ABI_VERSION) < 0 ||
	    PyModule_AddIntConstant(m, "MAX_CHANNELS", ANNEAL_MAX_CHANNELS) < 0)
		goto fail;
	return m;
fail:
	Py_DECREF(m);
	return NULL;
}
