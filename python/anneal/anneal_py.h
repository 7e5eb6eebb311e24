/* anneal_py.h: the internal header of the anneal._anneal extension -- its object types and shared helpers. */
#ifndef ANNEAL_PY_H
#define ANNEAL_PY_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pythread.h>
#include <stdint.h>

#include "anneal/annealc.h"

/* Diagnostics gathered by a sink while the GIL is released: plain C
   copies, turned into Python objects once the call returns. */
typedef struct PyDiag {
	char *path, *message;
	int line, column, severity;
} PyDiag;

typedef struct PyDiags {
	PyDiag *item;
	int n, cap;
	char *text; /* every diagnostic's caret text, concatenated */
	size_t len, textcap;
	int oom;    /* a copy failed: the list is incomplete */
} PyDiags;

void pydiags_init(PyDiags *d, annealc_sink *sink);
void pydiags_free(PyDiags *d);
/* Raise what a failed libannealc call means: ScheduleError with the
   diagnostics for ANNEAL_ERR_INPUT, else the Python exception matching
   the status, with msg (the object's errmsg) or the diagnostics' text.
   Returns NULL. */
PyObject *pydiags_raise(const PyDiags *d, anneal_status st, const char *msg);
/* Warnings that came with a successful call, as Python UserWarnings; -1
   if the warning filter turned one into an exception. */
int pydiags_warn(const PyDiags *d);

/* The one JIT of the process, shared by refcount: each schedule holds a
   reference, so the JIT outlives every descriptor it compiled. */
typedef struct JitObject {
	PyObject_HEAD
	annealc_jit *jit;
} JitObject;
JitObject *anneal_py_jit(void); /* a new reference, created on first use */

typedef struct ProgramObject {
	PyObject_HEAD
	annealc_program *prog;
	PyThread_type_lock lock; /* a program serves one thread at a time (annealc.h) */
	PyObject *name;          /* str: the path or buffer name diagnostics use */
	PyObject *text;          /* bytes: the source, kept so with_params can reload it */
	PyObject *params;        /* dict: the overrides applied at load */
} ProgramObject;

/* The index of schedule `name` (a str); -1 with KeyError naming it and listing the names. */
int program_find(ProgramObject *self, PyObject *name);
/* Take and give back p->lock; taking it releases the GIL while waiting. */
void program_lock(ProgramObject *p);
void program_unlock(ProgramObject *p);

typedef struct ScheduleObject {
	PyObject_HEAD
	ProgramObject *program;
	JitObject *jit;
	const anneal_desc *desc; /* compiled by jit; NULL until __init__ succeeds */
	int index;
	PyObject *slot_names;    /* tuple of ANNEAL_MAX_CHANNELS: str, or None where undefined */
	PyObject *hook_events;   /* tuple of str per hook: "restart", "every:N", "at:N", "enter:LABEL" */
	PyObject *hook_actions;  /* tuple per hook of tuples of str: "reset momentum", "call NAME", ... */
} ScheduleObject;

typedef struct PointObject {
	PyObject_HEAD
	int64_t step, cycle;
	int32_t phase;
	uint64_t mask;
	PyObject *values;  /* dict: channel name -> float */
	PyObject *events;  /* list of str */
	PyObject *actions; /* list of str */
} PointObject;

extern PyTypeObject Program_Type, Schedule_Type, Point_Type, Jit_Type, Optim_Type, StateView_Type;
extern PyObject *ScheduleError;
extern PyTypeObject *Param_Type, *Hook_Type, *Diagnostic_Type;

/* The action's text as a schedule file spells it: "reset momentum", "call NAME" (libanneal's). */
PyObject *anneal_py_action_text(const anneal_action *a);
/* The event's text as `annealc eval` prints it (libanneal's). */
PyObject *anneal_py_event_text(const anneal_hook *h);

#endif
