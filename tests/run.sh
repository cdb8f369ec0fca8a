#!/bin/bash
# Test runner: every unit test (plain and ASan/UBSan), the classifier tests,
# the fuzz targets for a bounded time, and every shell test (CLI, offline,
# end to end on veth/netns).  Exit code 0 pass, 77 skip, anything else fail.
# The last line is "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."
export FS_ROOT=$PWD
export FS_BIN=$PWD/build/flowsplice
export FS_SHARED=${FS_SHARED:-$(cd .. && pwd)/shared}
# Shell tests also run the ASan/UBSan build of the binary when it is built.
[ -x build/asan/flowsplice ] &&
	export FS_ASAN_BIN=${FS_ASAN_BIN:-$PWD/build/asan/flowsplice}
LOGS=build/test-logs
mkdir -p "$LOGS"
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
ONLY=${1:-}

pass=0 fail=0 skip=0
failed=()

run_one() { # name timeout cmd...
	local name=$1 limit=$2
	shift 2
	[ -n "$ONLY" ] && [[ "$name" != *"$ONLY"* ]] && return
	local log="$LOGS/${name//\//_}.log" t0=$SECONDS rc
	timeout --kill-after=10 "$limit" "$@" >"$log" 2>&1
	rc=$?
	case $rc in
	0) pass=$((pass + 1)); printf 'PASS  %-40s %3ds\n' "$name" $((SECONDS - t0)) ;;
	77) skip=$((skip + 1)); printf 'SKIP  %-40s %s\n' "$name" "$(tail -n 1 "$log")" ;;
	*) fail=$((fail + 1)); failed+=("$name")
	   printf 'FAIL  %-40s rc=%d (log: %s)\n' "$name" $rc "$log"
	   tail -n 25 "$log" | sed 's/^/      /' ;;
	esac
}

for t in build/tests/test_*; do
	[ -x "$t" ] && run_one "unit/$(basename "$t")" 300 "$t"
done
for t in build/asan/tests/test_*; do
	[ -x "$t" ] && run_one "asan/$(basename "$t")" 300 "$t"
done
for f in build/fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	n=$(basename "$f")
	corpus=tests/fuzz/corpus_${n#fuzz_}
	work=$(mktemp -d)
	# libFuzzer's default error exit code is 77, our "skip": make it 1.
	# Crash inputs go to build/test-logs, not the work tree.
	run_one "fuzz/$n" $((FUZZ_SECONDS + 120)) "$f" -max_total_time="$FUZZ_SECONDS" \
		-error_exitcode=1 -artifact_prefix="$LOGS/$n-" \
		-rss_limit_mb=2048 -max_len=65536 "$work" "$corpus"
	rm -rf "$work"
done
for t in tests/cli/*.sh tests/offline/*.sh tests/e2e/*.sh; do
	[ -x "$t" ] && run_one "${t#tests/}" 900 "$t"
done

if [ ${#failed[@]} -gt 0 ]; then
	echo "failed: ${failed[*]}"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
