#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Stream files written O_DIRECT (--stream-io direct, the default) against
# the page cache (--stream-io buffered), offline:
#  - a trace with segments lost at unaligned offsets (30,001-byte
#    segments, so holes span whole 4 KiB blocks) and one of 400 short
#    flows (each direction in one open-write-close chain): both modes give
#    byte-identical files and the same index lines, the summary says
#    which mode ran, and the read loop took no wait;
#  - the holes stay sparse: a direct file's allocated blocks are at most
#    its bytes plus two 4 KiB edge blocks per gap (stat's block count);
#  - a file system that refuses O_DIRECT (ramfs, in a mount namespace)
#    gets the same files buffered, and the log says why.
set -u
. "$(dirname "$0")/lib.sh"
need_tracegen

"$TRACEGEN" --case loss --seed 3 --bytes 3M --mss 30001 --out "$work/loss" \
	>/dev/null || bad "tracegen loss"
"$TRACEGEN" --case many --seed 9 --flows 400 --bytes 5000 \
	--out "$work/many" >/dev/null || bad "tracegen many"

# run TRACE OUT MODE: read --streams, keep the summary in OUT.err
run() {
	"$FS_BIN" read -r "$1" --streams "$2" --stream-io "$3" 2>"$2.err" ||
		bad "read $1 --stream-io $3 failed: $(tail -n 3 "$2.err")"
	grep -E -q 'Sanitizer|runtime error:' "$2.err" &&
		{ bad "sanitizer report"; head -30 "$2.err"; }
	grep -q "^  stream io: $3" "$2.err" ||
		bad "$3: the summary does not say 'stream io: $3'"
	grep -q ' 0 loop waits' "$2.err" || bad "$3: the read loop waited"
}

# same A B: identical files, identical index lines (close order aside)
same() {
	diff -r -x flows.jsonl "$1" "$2" >/dev/null || bad "files differ: $1 $2"
	cmp -s <(sort "$1/flows.jsonl") <(sort "$2/flows.jsonl") ||
		bad "index lines differ: $1 $2"
}

for t in loss many; do
	run "$work/$t/trace.pcap" "$work/$t-d" direct
	run "$work/$t/trace.pcap" "$work/$t-b" buffered
	same "$work/$t-d" "$work/$t-b"
done
grep -q ' 800 written once' "$work/many-d.err" ||
	bad "short flows: not every direction was written in one chain"
grep -E -q 'stream io: direct, [1-9][0-9]* aligned writes' "$work/loss-d.err" ||
	bad "no aligned write counted in direct mode"

python3 - "$work/loss-d" <<'PY' || bad "direct holes are not sparse"
import json, os, sys
d = sys.argv[1]
ok = True
for l in open(os.path.join(d, "flows.jsonl")):
    r = json.loads(l)
    for k in ("c2s", "s2c"):
        j = r[k]
        if not j["file"]:
            continue
        st = os.stat(os.path.join(d, j["file"]))
        data = j["length"] - j["gap_bytes"]
        most = data + (2 * j["gap_count"] + 2) * 4096
        print(f"{k}: length {j['length']}, {j['gap_count']} gaps "
              f"({j['gap_bytes']} bytes), allocated {st.st_blocks * 512}, "
              f"at most {most}")
        if st.st_size != j["length"] or st.st_blocks * 512 > most:
            ok = False
        if k == "c2s" and j["gap_count"] == 0:
            print("the trace has no gap to check")
            ok = False
sys.exit(0 if ok else 1)
PY

need_mount_ns
unshare -m bash -c '
	mkdir -p "$1/ram" && mount -t ramfs none "$1/ram" || exit 2
	"$2" read -r "$1/loss/trace.pcap" --streams "$1/ram/s" 2>"$1/ram.err"
	rc=$?
	cp -a "$1/ram/s" "$1/ram-copy"
	umount "$1/ram"
	exit $rc' _ "$work" "$FS_BIN" || bad "read onto ramfs failed"
grep -q "refuses O_DIRECT" "$work/ram.err" ||
	bad "ramfs: no line saying O_DIRECT was refused"
grep -q "^  stream io: buffered" "$work/ram.err" ||
	bad "ramfs: the summary does not say buffered"
same "$work/ram-copy" "$work/loss-b"
exit $fail
