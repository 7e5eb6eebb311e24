#!/bin/sh
# faults.sh: checkpoints under faults -- kill -9 mid-save, a full disk, a read-only directory.
# The previous checkpoint must stay loadable and intact every time.
FAULT=${FAULT:-./tests/unit/ckpt_fault}
tmp=$(mktemp -d) || exit 99
mnt=$tmp/mnt
mounted=0
cleanup() {
	[ $mounted -eq 1 ] && umount "$mnt" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
pass=0
fail=0
check() { # check NAME COMMAND...: the command must succeed
	name=$1
	shift
	if "$@" >"$tmp/out" 2>&1; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: $name"
		sed 's/^/  | /' "$tmp/out" | head -n 5
	fi
}

# 1. kill -9 at many points of a save loop (2M elements: a save takes milliseconds)
ck=$tmp/run.ckpt
check "first save" "$FAULT" save "$ck" 2000000 1
i=0
while [ $i -lt 40 ]; do
	"$FAULT" loop "$ck" 2000000 0 2>/dev/null &
	pid=$!
	# from 1 to 400 ms into the loop: before, during and between saves
	sleep "0.$(printf '%03d' $(( (i * 37) % 400 + 1 )))"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	check "loadable after kill -9 number $i" "$FAULT" verify "$ck" 2000000 0
	i=$((i + 1))
done

# 2 and 3 need a small filesystem of our own: root may mount a tmpfs.
mkdir -p "$mnt"
if mount -t tmpfs -o size=512k tmpfs "$mnt" 2>/dev/null; then
	mounted=1
	small=$mnt/small.ckpt
	check "save a small state" "$FAULT" save "$small" 1000 3
	cp "$small" "$tmp/small.copy"
	# 2. full disk: a state of 400 KB x 4 arrays cannot fit; the old file stays
	if "$FAULT" save "$small" 100000 5 2>"$tmp/err"; then
		fail=$((fail + 1))
		echo "FAIL: a save onto a full disk reported success"
	elif grep -q 'No space left on device' "$tmp/err" && cmp -s "$small" "$tmp/small.copy"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: full disk: unclear message or the old checkpoint changed"
		sed 's/^/  | /' "$tmp/err"
	fi
	check "loadable after the full disk" "$FAULT" verify "$small" 1000 0
	# 3. a read-only directory
	mount -o remount,ro "$mnt"
	if "$FAULT" save "$small" 1000 9 2>"$tmp/err"; then
		fail=$((fail + 1))
		echo "FAIL: a save into a read-only directory reported success"
	elif grep -q 'Read-only file system' "$tmp/err" && cmp -s "$small" "$tmp/small.copy"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: read-only: unclear message or the old checkpoint changed"
		sed 's/^/  | /' "$tmp/err"
	fi
	check "loadable in the read-only directory" "$FAULT" verify "$small" 1000 0
else
	echo "cannot mount a tmpfs here (not root?): full-disk and read-only cases skipped"
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
