# examples/aot/local.mk: a host linked with an AOT-compiled schedule and libanneal, no LLVM at run time.
# The built annealc compiles the schedule into an object and a header in the
# build tree; the host includes the header through -I$(top_builddir).
AOT_SCHEDULE = examples/aot/warm_sgdr
noinst_PROGRAMS += examples/aot/aot
examples_aot_aot_SOURCES = examples/aot/aot.c
nodist_examples_aot_aot_SOURCES = $(AOT_SCHEDULE).h
examples_aot_aot_LDADD = $(AOT_SCHEDULE).o libanneal.la -lmvec -lm
examples/aot/aot.$(OBJEXT): $(AOT_SCHEDULE).h

$(AOT_SCHEDULE).o: $(srcdir)/$(AOT_SCHEDULE).anneal annealc$(EXEEXT)
	$(AM_V_GEN)$(MKDIR_P) examples/aot && \
	./annealc$(EXEEXT) compile $(srcdir)/$(AOT_SCHEDULE).anneal -o $@ --header $(AOT_SCHEDULE).h
# One command writes both files (the automake manual's idiom for that).
$(AOT_SCHEDULE).h: $(AOT_SCHEDULE).o
	@test -f $@ || rm -f $(AOT_SCHEDULE).o
	@test -f $@ || $(MAKE) $(AM_MAKEFLAGS) $(AOT_SCHEDULE).o

CLEANFILES += $(AOT_SCHEDULE).o $(AOT_SCHEDULE).h
TESTS += examples/aot/test.sh
EXTRA_DIST += $(AOT_SCHEDULE).anneal examples/aot/README.md examples/aot/test.sh
EXAMPLE_DOCS += examples/aot/aot.c $(AOT_SCHEDULE).anneal examples/aot/README.md
