dnl anneal_python.m4: ANNEAL_PYTHON -- the Python 3 interpreter and headers the anneal package builds against.
dnl
dnl PYTHON defaults to /usr/bin/python3 (Debian's, where python3-torch lives;
dnl the python3 first on PATH may be another interpreter). When it or its
dnl headers are missing the package is skipped with a message, not an error;
dnl --without-python skips it on purpose. Sets PYTHON, PYTHON_CPPFLAGS,
dnl PYTHON_EXT_SUFFIX, PYTHON_SITEDIR (under ${exec_prefix}, so make
dnl install and distcheck stay inside the prefix) and HAVE_PYTHON.
AC_DEFUN([ANNEAL_PYTHON], [
AC_ARG_WITH([python],
  [AS_HELP_STRING([--without-python], [do not build the anneal Python package (python/)])],
  [], [with_python=check])
AC_ARG_VAR([PYTHON], [the Python 3 interpreter to build the anneal package for (default /usr/bin/python3)])
AC_ARG_VAR([PYTHON_SITEDIR], [where make install puts the anneal package (default: from the interpreter's sysconfig)])
anneal_python=no
anneal_python_why=
AS_IF([test "x$with_python" = xno], [anneal_python_why="--without-python"],
  [AS_IF([test -z "$PYTHON"], [PYTHON=/usr/bin/python3])
   AC_MSG_CHECKING([for Python 3 (PYTHON=$PYTHON)])
   AS_IF([$PYTHON -c 'import sys; sys.exit(sys.version_info < (3, 8))' >/dev/null 2>&1],
     [anneal_python_version=`$PYTHON -c 'import platform; print(platform.python_version())'`
      AC_MSG_RESULT([$anneal_python_version])
      PYTHON_INCLUDE=`$PYTHON -c 'import sysconfig; print(sysconfig.get_paths()[["include"]])'`
      PYTHON_EXT_SUFFIX=`$PYTHON -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX") or ".so")'`
      PYTHON_CPPFLAGS="-I$PYTHON_INCLUDE"
      anneal_save_CPPFLAGS=$CPPFLAGS
      CPPFLAGS="$CPPFLAGS $PYTHON_CPPFLAGS"
      AC_CHECK_HEADER([Python.h], [anneal_python=yes],
        [anneal_python_why="no Python.h in $PYTHON_INCLUDE (Debian: apt-get install python3-dev)"])
      CPPFLAGS=$anneal_save_CPPFLAGS],
     [AC_MSG_RESULT([no])
      anneal_python_why="$PYTHON is not a Python 3.8 or newer (set PYTHON=)"])])
AS_IF([test "x$anneal_python" = xyes && test -z "$PYTHON_SITEDIR"],
  [dnl The interpreter's own site directory when it lies under the prefix
   dnl (Debian: /usr/local/lib/python3.X/dist-packages), else posix_prefix's.
   anneal_prefix=$prefix
   test "x$anneal_prefix" = xNONE && anneal_prefix=$ac_default_prefix
   anneal_site=`$PYTHON -c 'import sysconfig; print(sysconfig.get_path("platlib"))'`
   case $anneal_site in
   "$anneal_prefix"/*) PYTHON_SITEDIR="\${exec_prefix}${anneal_site#"$anneal_prefix"}" ;;
   *) PYTHON_SITEDIR=`$PYTHON -c 'import sysconfig; print(sysconfig.get_path("platlib", "posix_prefix", vars={"platbase": "${exec_prefix}", "base": "${prefix}"}))'` ;;
   esac])
AS_IF([test "x$anneal_python" = xyes],
  [AC_MSG_NOTICE([building the anneal Python package for $PYTHON, installed into $PYTHON_SITEDIR])],
  [AC_MSG_NOTICE([not building the anneal Python package: $anneal_python_why])
   PYTHON=])
AC_SUBST([PYTHON_CPPFLAGS])
AC_SUBST([PYTHON_EXT_SUFFIX])
AM_CONDITIONAL([HAVE_PYTHON], [test "x$anneal_python" = xyes])
])
