/* status.h: the one error model of libannealc and libanneal -- a status every failing call returns. */
#ifndef ANNEAL_STATUS_H
#define ANNEAL_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Every library call that can fail returns one of these (getters that
 * return a pointer or an index return NULL or -1 instead); the object the
 * call was made on then holds a message naming what was wrong
 * (annealc_errmsg, annealc_jit_errmsg, anneal_errmsg), and the next call
 * that succeeds clears it.  Neither library exits, aborts or prints on its
 * own: messages reach the host through these and the diagnostics sink.
 * A command line maps them onto its own exit codes.
 */
typedef enum anneal_status {
	ANNEAL_OK = 0,
	ANNEAL_ERR_INPUT,       /* the input has errors: a schedule's diagnostics, a damaged or foreign checkpoint */
	ANNEAL_ERR_IO,          /* a file could not be read or written */
	ANNEAL_ERR_NOMEM,       /* out of memory */
	ANNEAL_ERR_INVALID,     /* an invalid argument: NULL, an index out of range, a NaN, a bad option */
	ANNEAL_ERR_UNSUPPORTED, /* valid, but not something this build or this optimizer can do */
	ANNEAL_ERR_NONFINITE,   /* a gradient held a NaN or an infinity (ANNEAL_NONFINITE_STOP) */
	ANNEAL_ERR_INTERNAL     /* a failure inside LLVM or the library: a bug to report */
} anneal_status;

/* A constant string naming the status ("ok", "invalid argument", ...). */
static inline const char *anneal_status_text(anneal_status s)
{
	switch (s) {
	case ANNEAL_OK: return "ok";
	case ANNEAL_ERR_INPUT: return "the input has errors";
	case ANNEAL_ERR_IO: return "input/output error";
	case ANNEAL_ERR_NOMEM: return "out of memory";
	case ANNEAL_ERR_INVALID: return "invalid argument";
	case ANNEAL_ERR_UNSUPPORTED: return "unsupported";
	case ANNEAL_ERR_NONFINITE: return "non-finite gradient";
	case ANNEAL_ERR_INTERNAL: return "internal error";
	}
	return "unknown status";
}

#ifdef __cplusplus
}
#endif

#endif
