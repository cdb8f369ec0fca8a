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
LOGS=build/test-logs
mkdir -p "$LOGS"
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
ONLY=${1:-}

pass=0 fail=0 skip=0
failed=()

# A unit program prints "SKIP case: reason" for each case that skipped
# (tests/unit/testlib.h); one that passed with skipped cases shows them.
case_skip_re='^SKIP ([^ :]+): (.*)$'
skipped_cases() { # name log
	local line
	while IFS= read -r line; do
		[[ $line =~ $case_skip_re ]] || continue
		skip=$((skip + 1))
		printf 'SKIP  %-40s %s\n' "$1:${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
	done <"$2"
}
skip_reason() { # log: the first case's reason, else the last line
	local line
	while IFS= read -r line; do
		[[ $line =~ $case_skip_re ]] && { echo "${BASH_REMATCH[2]}"; return; }
	done <"$1"
	tail -n 1 "$1"
}

run_one() { # name timeout cmd...
	local name=$1 limit=$2
	shift 2
	[ -n "$ONLY" ] && [[ "$name" != *"$ONLY"* ]] && return
	local log="$LOGS/${name//\//_}.log" t0=$SECONDS rc
	timeout --kill-after=10 "$limit" "$@" >"$log" 2>&1
	rc=$?
	case $rc in
	0) pass=$((pass + 1)); printf 'PASS  %-40s %3ds\n' "$name" $((SECONDS - t0))
	   skipped_cases "$name" "$log" ;;
	77) skip=$((skip + 1)); printf 'SKIP  %-40s %s\n' "$name" "$(skip_reason "$log")" ;;
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
# The shell tests again against the ASan/UBSan build of the binary (use after
# return included): defects in code only the binary runs show here.  A test
# that measures load, or does not run the binary, says "# sanitized: no".
san_bin=$PWD/build/asan/flowsplice
if [ -x "$san_bin" ]; then
	for t in tests/cli/*.sh tests/offline/*.sh tests/e2e/*.sh; do
		[ -x "$t" ] || continue
		grep -q '^# sanitized: no' "$t" && continue
		FS_BIN=$san_bin \
		ASAN_OPTIONS=detect_stack_use_after_return=1:verify_asan_link_order=0:detect_leaks=0 \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
			run_one "san/${t#tests/}" 900 "$t"
	done
fi

if [ ${#failed[@]} -gt 0 ]; then
	echo "failed: ${failed[*]}"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
