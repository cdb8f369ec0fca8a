# SPDX-License-Identifier: GPL-2.0
# What the offline tests share; source it after `set -u`.  A work
# directory removed at exit (commands added with on_exit run first, last
# added first), bad() to record a failure, and the checks for what a test
# needs.  A sanitizer report makes the binary exit 66.
: "${FS_BIN:?}" "${FS_ROOT:?}"
TRACEGEN=$FS_ROOT/build/tools/tracegen
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=66"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:exitcode=66"
work=$(mktemp -d)
_on_exit=()
on_exit() { _on_exit+=("$*"); }
_offline_cleanup() {
	local i
	for ((i = ${#_on_exit[@]} - 1; i >= 0; i--)); do
		eval "${_on_exit[i]}"
	done
	rm -rf "$work"
}
trap _offline_cleanup EXIT
fail=0
bad() { echo "FAIL $*"; fail=1; }
need_tracegen() {
	[ -x "$TRACEGEN" ] || { echo "FAIL: $TRACEGEN not built"; exit 1; }
}
need_mount_ns() {
	unshare -m true 2>/dev/null ||
		{ echo "SKIP: no mount namespaces here"; exit 77; }
}
