# grammar/local.mk: Bison and re2c generate the parser and lexer into the
# build tree; the outputs are distributed, so a tarball builds without them.
GRAMMAR_GENERATED = grammar/parser.c grammar/parser.h grammar/lexer.c
BUILT_SOURCES += $(GRAMMAR_GENERATED)
MAINTAINERCLEANFILES += $(GRAMMAR_GENERATED)
EXTRA_DIST += grammar/parser.y grammar/lexer.re

grammar/parser.c: grammar/parser.y
	$(AM_V_GEN)$(MKDIR_P) grammar && \
	$(BISON) -Wall -Werror --defines=grammar/parser.h -o grammar/parser.c $<
grammar/parser.h: grammar/parser.c
	@test -f $@ || { rm -f grammar/parser.c; $(MAKE) $(AM_MAKEFLAGS) grammar/parser.c; }
# lexer.c only includes parser.h, so it does not depend on it: a tarball
# whose parser.h looks a second older than parser.c must not regenerate it.
grammar/lexer.c: grammar/lexer.re
	$(AM_V_GEN)$(MKDIR_P) grammar && $(RE2C) -W -Werror --no-generation-date -o $@ $<
