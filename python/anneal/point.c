/* point.c: _anneal.Point -- everything a schedule says about one step: channels, events, actions, phase, cycle. */
#include "anneal_py.h"

#include <structmember.h>

static void Point_dealloc(PointObject *self)
{
	Py_XDECREF(self->values);
	Py_XDECREF(self->events);
	Py_XDECREF(self->actions);
	PyObject_Free(self);
}

/* Channels read as attributes (p.lr) after the fixed members. */
static PyObject *Point_getattro(PointObject *self, PyObject *name)
{
	PyObject *r = PyObject_GenericGetAttr((PyObject *)self, name);
	if (r || !PyErr_ExceptionMatches(PyExc_AttributeError) || !self->values)
		return r;
	PyObject *v = PyDict_GetItemWithError(self->values, name);
	if (v) {
		PyErr_Clear();
		return Py_NewRef(v);
	}
	if (!PyErr_Occurred() || PyErr_ExceptionMatches(PyExc_AttributeError)) {
		PyErr_Clear();
		PyErr_Format(PyExc_AttributeError, "Point has no channel or attribute %R", name);
	}
	return NULL;
}

static PyObject *Point_getitem(PointObject *self, PyObject *key)
{
	PyObject *v = PyDict_GetItemWithError(self->values, key);
	if (v)
		return Py_NewRef(v);
	if (!PyErr_Occurred())
		PyErr_Format(PyExc_KeyError, "no channel %R at this point (channels: %R)", key, self->values);
	return NULL;
}

static Py_ssize_t Point_len(PointObject *self)
{
	return PyDict_GET_SIZE(self->values);
}

static PyObject *Point_channels(PointObject *self, void *c)
{
	return PyDict_Copy(self->values);
}

static PyObject *Point_cycle(PointObject *self, void *c)
{
	return PyLong_FromLongLong(self->cycle);
}

static PyObject *Point_repr(PointObject *self)
{
	PyObject *parts = PyList_New(0), *r = NULL, *sep = NULL, *key, *val;
	Py_ssize_t pos = 0;
	if (!parts)
		return NULL;
	while (PyDict_Next(self->values, &pos, &key, &val)) {
		PyObject *s = PyUnicode_FromFormat("%U=%R", key, val);
		if (!s || PyList_Append(parts, s) < 0) {
			Py_XDECREF(s);
			goto done;
		}
		Py_DECREF(s);
	}
	PyObject *body;
	if ((sep = PyUnicode_FromString(", ")) && (body = PyUnicode_Join(sep, parts))) {
		r = PyUnicode_FromFormat("Point(step=%lld, %U, phase=%d, cycle=%lld, events=%R)", (long long)self->step,
		                         body, (int)self->phase, (long long)self->cycle, self->events);
		Py_DECREF(body);
	}
done:
	Py_XDECREF(sep);
	Py_DECREF(parts);
	return r;
}

static PyMemberDef Point_members[] = {
	{ "step", T_LONGLONG, offsetof(PointObject, step), READONLY, "the step" },
	{ "phase", T_INT, offsetof(PointObject, phase), READONLY, "index of the primary channel's top-level phase" },
	{ "mask", T_ULONGLONG, offsetof(PointObject, mask), READONLY, "bit i set: hook i fires" },
	{ "events", T_OBJECT, offsetof(PointObject, events), READONLY, "the events that fire, as text" },
	{ "actions", T_OBJECT, offsetof(PointObject, actions), READONLY, "their actions in hook order, as text" },
	{ NULL },
};

static PyGetSetDef Point_getset[] = {
	{ "channels", (getter)Point_channels, NULL, "dict: channel name -> value", NULL },
	{ "cycle", (getter)Point_cycle, NULL, "restart cycle of the primary channel, -1 outside restarts and cycles lists", NULL },
	{ NULL },
};

static PyMappingMethods Point_as_mapping = {
	.mp_length = (lenfunc)Point_len,
	.mp_subscript = (binaryfunc)Point_getitem,
};

PyTypeObject Point_Type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "anneal.Point",
	.tp_basicsize = sizeof(PointObject),
	.tp_dealloc = (destructor)Point_dealloc,
	.tp_repr = (reprfunc)Point_repr,
	.tp_as_mapping = &Point_as_mapping,
	.tp_getattro = (getattrofunc)Point_getattro,
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = "A schedule at one step: p.lr or p['lr'], p.channels, p.events, p.actions, p.phase, p.cycle.",
	.tp_members = Point_members,
	.tp_getset = Point_getset,
};
