# python/local.mk: the anneal Python package -- the _anneal extension over libannealc, anneal/*.py, its pytest suite.
#
# The extension is a libtool module linked to libannealc, built when
# configure finds Python 3 and its headers (m4/anneal_python.m4). For the
# tests, python/build/anneal/ in the build tree holds links to the .py
# files and to the module, so PYTHONPATH=python/build imports the
# package uninstalled; make install puts it into $(PYTHON_SITEDIR)/anneal.
PYTHON_PY = python/anneal/__init__.py python/anneal/torch.py
PYTHON_TESTS = \
	python/tests/conftest.py \
	python/tests/test_program.py \
	python/tests/test_schedule.py \
	python/tests/test_torch.py \
	python/tests/test_conformance.py \
	python/tests/test_optim.py \
	python/tests/test_bench.py \
	python/tests/test_distributed.py
EXTRA_DIST += $(PYTHON_PY) $(PYTHON_TESTS) python/tests/run.sh

# run.sh exits 77 (skipped) when PYTHON is empty: configure found no Python.
TESTS += python/tests/run.sh
AM_TESTS_ENVIRONMENT += PYTHON='$(PYTHON)'; ANNEAL_PYTHONPATH='$(abs_top_builddir)/python/build'; \
	export PYTHON ANNEAL_PYTHONPATH;

if HAVE_PYTHON
pyannealdir = $(PYTHON_SITEDIR)/anneal
pyanneal_LTLIBRARIES = python/anneal/_anneal.la
pyanneal_DATA = $(PYTHON_PY)
python_anneal__anneal_la_SOURCES = \
	python/anneal/anneal_py.h \
	python/anneal/module.c \
	python/anneal/program.c \
	python/anneal/schedule.c \
	python/anneal/point.c \
	python/anneal/optim.c
python_anneal__anneal_la_CPPFLAGS = $(AM_CPPFLAGS) $(PYTHON_CPPFLAGS)
# Over the public APIs only, as any host: libannealc and libanneal, not their internals.
python_anneal__anneal_la_LIBADD = libannealc.la libanneal.la
python_anneal__anneal_la_LDFLAGS = -module -avoid-version -shared -export-symbols-regex '^PyInit__anneal$$'

# The build-tree package. libtool names an ELF module .libs/_anneal.so.
PYTHON_FARM = python/build/anneal/__init__.py python/build/anneal/torch.py \
	python/build/anneal/_anneal$(PYTHON_EXT_SUFFIX)
EXTRA_python_anneal__anneal_la_DEPENDENCIES = $(PYTHON_FARM)
CLEANFILES += $(PYTHON_FARM)
python/build/anneal/__init__.py python/build/anneal/torch.py:
	$(AM_V_GEN)$(MKDIR_P) python/build/anneal && ln -sf '$(abs_top_srcdir)/python/anneal/$(@F)' $@
python/build/anneal/_anneal$(PYTHON_EXT_SUFFIX):
	$(AM_V_GEN)$(MKDIR_P) python/build/anneal && ln -sf ../../anneal/.libs/_anneal.so $@

# Installed under the interpreter's own name for extensions, without the .la.
install-data-hook: install-anneal-python
uninstall-hook: uninstall-anneal-python
install-anneal-python:
	cd '$(DESTDIR)$(pyannealdir)' && mv -f _anneal.so '_anneal$(PYTHON_EXT_SUFFIX)' && rm -f _anneal.la
uninstall-anneal-python:
	rm -f '$(DESTDIR)$(pyannealdir)/_anneal$(PYTHON_EXT_SUFFIX)'
endif
.PHONY: install-anneal-python uninstall-anneal-python
