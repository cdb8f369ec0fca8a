#!/bin/bash
# `flowsplice read` whose outputs cannot be written: a directory in the way of
# one stream file, and -w to /dev/full. Exit 1 (not 0), the failed writes in
# the write_errors of the direction they hit (and only there), the summary's
# count equal to the index's sum.
set -u
: "${FS_BIN:?}" "${FS_SHARED:?}"
in=$FS_SHARED/pcaps/tcpflow--test2.pcap
[ -r "$in" ] || { echo "$in missing"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
bad() { echo "FAIL $*"; fail=1; }
bins=("$FS_BIN")
export ASAN_OPTIONS=detect_stack_use_after_return=1:exitcode=66
export UBSAN_OPTIONS=print_stacktrace=1:exitcode=66

sanitized() {
	! grep -E -q 'Sanitizer|runtime error:' "$1" ||
		{ bad "$2: sanitizer report"; head -30 "$1"; }
}

# The file names of a clean run, to put a directory in the way of one.
"$FS_BIN" read -r "$in" --streams "$work/ref" 2>/dev/null ||
	bad "clean run failed"
victim=$(cd "$work/ref" && ls -d */*.c2s | head -n 1)
[ -n "$victim" ] || bad "no c2s file in the clean run"

for bin in "${bins[@]}"; do
	tag=${bin##*/build/}
	out=$work/st-${tag//\//_}
	mkdir -p "$out/$victim"
	"$bin" read -r "$in" --streams "$out" 2>"$work/err"
	rc=$?
	[ "$rc" -eq 1 ] || bad "$tag: stream file not writable: exit $rc, expected 1"
	sanitized "$work/err" "$tag"
	summary=$(grep -o '[0-9]* write errors' "$work/err" | cut -d' ' -f1)
	python3 - "$out/flows.jsonl" "$victim" "${summary:--1}" <<'PY' ||
import json, sys
path, victim, summary = sys.argv[1], sys.argv[2], int(sys.argv[3])
recs = [json.loads(l) for l in open(path)]
hit = [r for r in recs if r["c2s"]["file"] == victim]
assert len(hit) == 1, "no record names %s" % victim
assert hit[0]["c2s"]["write_errors"] >= 1, hit[0]["c2s"]
assert hit[0]["s2c"]["write_errors"] == 0, hit[0]["s2c"]
total = sum(r[d]["write_errors"] for r in recs for d in ("c2s", "s2c"))
assert total == hit[0]["c2s"]["write_errors"], total
assert summary == total, (summary, total)
print("ok   %d write errors, all on %s" % (total, victim))
PY
		bad "$tag: write errors not in the index as they should be"

	"$bin" read -r "$in" -w /dev/full 2>"$work/err"
	rc=$?
	[ "$rc" -eq 1 ] || bad "$tag: -w /dev/full: exit $rc, expected 1"
	sanitized "$work/err" "$tag"
	n=$(grep -o '[0-9]* errors,' "$work/err" | cut -d' ' -f1)
	[ "${n:-0}" -gt 0 ] || bad "$tag: -w /dev/full: no error counted"
	[ $fail -eq 0 ] && echo "ok   $tag: exit 1 on write errors"
done
exit $fail
