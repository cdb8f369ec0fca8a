#!/bin/bash
# Out of memory at start is a runtime error: every command exits 1 (never
# a wrapped -ENOMEM such as 244, never the usage status 2) and says why on
# stderr.  Allocations of 1 MiB and more fail (tests/shim/mallocshim.c; in the
# ASan build, ASan's own max_allocation_size_mb): the first one each
# command makes is the joined filter expression, made long for that with
# blanks; without the fault the same command line runs, so the fault is
# what fails it.
set -u
FS_BIN=${FS_BIN:-build/flowsplice}
FS_ROOT=${FS_ROOT:-$(pwd)}
SHIM=$FS_ROOT/build/tests/mallocshim.so
gen=$FS_ROOT/build/tools/tracegen
[ -f "$SHIM" ] || { echo "FAIL: $SHIM not built (make unit-tests)"; exit 1; }
[ -x "$gen" ] || { echo "FAIL: $gen not built"; exit 1; }
work=$(mktemp -d /tmp/fs-oom-XXXXXX)
trap 'rm -rf "$work"' EXIT
fails=0

# "tcp" and blanks: 12 arguments of 100,000 bytes (one may have 128 KiB),
# joined into 1.2 MB.
pad=$(printf '%100000s' '')
filter=(tcp)
for i in $(seq 12); do filter+=("$pad"); done
if ldd "$FS_BIN" | grep -q libasan; then
	fault=(env "ASAN_OPTIONS=${ASAN_OPTIONS:-}:allocator_may_return_null=1:max_allocation_size_mb=1")
	nofault=(env)
else
	fault=(env LD_PRELOAD="$SHIM" FS_FAIL_MALLOC_MIN=$((1 << 20)))
	nofault=(env LD_PRELOAD="$SHIM")
fi

"$gen" --case many --seed 5 --flows 3 --out "$work/t" >/dev/null ||
	{ echo "FAIL: tracegen"; exit 1; }

expect() { # want_rc what cmd...
	local want=$1 what=$2 rc
	shift 2
	"$@" >"$work/out" 2>"$work/err"
	rc=$?
	if [ "$rc" != "$want" ]; then
		echo "FAIL: $what: exit $rc, want $want"
		sed 's/^/    /' "$work/err"
		fails=$((fails + 1))
	else
		echo "ok: $what: exit $rc"
	fi
}

oom() { # what cmd...: exit 1 under the fault, with a message
	local what=$1
	shift
	expect 1 "$what, out of memory" "${fault[@]}" "$@"
	grep -q "^flowsplice" "$work/err" ||
		{ echo "FAIL: $what: no message of its own on stderr"; fails=$((fails + 1)); }
}

expect 0 "read, no fault" "${nofault[@]}" \
	"$FS_BIN" read -r "$work/t/trace.pcap" --streams "$work/ok" "${filter[@]}"
oom "read" "$FS_BIN" read -r "$work/t/trace.pcap" --streams "$work/st" "${filter[@]}"
[ -e "$work/st" ] && { echo "FAIL: read created its output before failing"; fails=$((fails + 1)); }
# capture fails before it needs root or attaches anything.
oom "capture" "$FS_BIN" capture -i lo -w "$work/x.pcap" -q "${filter[@]}"
expect 0 "filter, no fault" "${nofault[@]}" "$FS_BIN" filter "${filter[@]}"
oom "filter" "$FS_BIN" filter "${filter[@]}"

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
