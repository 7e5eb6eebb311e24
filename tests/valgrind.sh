#!/bin/sh
# valgrind.sh: the runtime's Check suites under valgrind's memcheck -- no error of any kind.
# Skipped (77) where valgrind is not installed.
srcdir=${srcdir:-.}
export srcdir
command -v valgrind >/dev/null || { echo "valgrind not found: skipped"; exit 77; }
# valgrind cannot run a program built with AddressSanitizer.
case "${SANITIZE_FLAGS:-}" in *sanitize=address*) echo "a sanitizer build: skipped"; exit 77 ;; esac
pass=0
fail=0
for suite in runtime runtime_ckpt runtime_torch runtime_nan runtime_api runtime_crafted; do
	if CK_FORK=no CK_RUN_SUITE=$suite ./libtool --mode=execute valgrind -q --error-exitcode=9 \
		--track-origins=yes ./tests/unit/check_anneal >"valgrind-$suite.out" 2>&1; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: suite $suite under valgrind"
		grep -E '==[0-9]+== ' "valgrind-$suite.out" | head -n 30
	fi
	rm -f "valgrind-$suite.out"
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
