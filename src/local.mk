# src/local.mk: libannealc (parse, check, interpret, JIT, emit) and annealc.
GRAMMAR_CPPFLAGS = -I$(top_builddir)/grammar -I$(top_srcdir)/grammar -I$(top_srcdir)/src

# The code generator, JIT and AOT back end (LLVM-C).
CG_SOURCES = \
	src/cg.h \
	src/cg_expr.c \
	src/cg_cycles.c \
	src/cg_phases.c \
	src/cg_sched.c \
	src/cg_desc.c \
	src/cg_module.c \
	src/jit.c \
	src/aot.c

FRONT_SOURCES = \
	src/annealc_int.h \
	src/node.def \
	include/anneal/channels.def \
	include/anneal/events.def \
	include/anneal/actions.def \
	src/ops.def \
	src/ops.c \
	src/arena.c \
	src/diag.c \
	src/ast.c \
	src/check.c \
	src/names.c \
	src/nearest.c \
	src/fmt.c \
	src/lower.c \
	src/cycles.c \
	src/shapes.c \
	src/interp.c \
	src/dump.c \
	src/program.c \
	src/analyze.h \
	src/analyze.c \
	src/svg.h \
	src/svg.c \
	src/plot.c \
	src/analyze_report.c \
	grammar/parser.c \
	grammar/parser.h \
	grammar/lexer.c

noinst_LTLIBRARIES += libannealc_core.la
libannealc_core_la_SOURCES = $(FRONT_SOURCES) $(CG_SOURCES)
nodist_libannealc_core_la_SOURCES = src/schedule_h.inc
libannealc_core_la_CPPFLAGS = $(AM_CPPFLAGS) $(GRAMMAR_CPPFLAGS) -I$(top_builddir)/src $(LLVM_CPPFLAGS)
libannealc_core_la_LIBADD = $(LLVM_LDFLAGS) $(LLVM_LIBS) $(LLVM_SYSLIBS) -lm

# The ABI header as a C string, pasted into self-contained AOT headers.
BUILT_SOURCES += src/schedule_h.inc
CLEANFILES += src/schedule_h.inc
src/schedule_h.inc: $(top_srcdir)/include/anneal/schedule.h
	$(AM_V_GEN)$(MKDIR_P) src && \
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $(top_srcdir)/include/anneal/schedule.h >$@.tmp && \
	mv $@.tmp $@
$(am_libannealc_core_la_OBJECTS): src/schedule_h.inc

# Only annealc_* is exported; everything else is internal.
lib_LTLIBRARIES += libannealc.la
libannealc_la_SOURCES =
libannealc_la_LIBADD = libannealc_core.la
libannealc_la_LDFLAGS = -export-symbols-regex '^annealc_' -version-info 0:0:0

pkginclude_HEADERS += include/anneal/annealc.h include/anneal/schedule.h include/anneal/status.h

bin_PROGRAMS += annealc
annealc_SOURCES = \
	src/cli.h \
	src/cli_main.c \
	src/cli_eval.c \
	src/cli_compile.c \
	src/cli_plot.c \
	src/cli_analyze.c \
	src/cli_fmt.c
annealc_CPPFLAGS = $(AM_CPPFLAGS)
# The command line sees only the public API, as any host does.
annealc_LDADD = libannealc.la libanneal.la
