#!/bin/bash
# flows.jsonl on a file system that fills up while flows end (a tmpfs in a
# private mount namespace, 2000 short flows, 16 at a time, ending along the
# trace): the index keeps only whole lines (never half of one), each a
# valid JSON object, none twice, and read exits 1.  The file systems are
# 3 and 6 MiB: the stream files fill them; flows.jsonl's reserve (4 MiB,
# FALLOC_FL_KEEP_SIZE, or what is left of it) keeps room for lines.  Below
# that (1 MiB) the stream files, written at each FIN, could take the last
# byte before the first line came, so whether any line made it depended on
# the timing.
set -u
. "$(dirname "$0")/lib.sh"
need_tracegen
need_mount_ns

"$TRACEGEN" --case many --seed 7 --flows 2000 --parallel 16 --bytes 100 \
	--out "$work/t" >/dev/null

bin=$FS_BIN
for size in 3m 6m; do
	tag="${bin##*/build/}, ${size}B"
	rm -rf "$work/mnt" "$work/st"
	mkdir "$work/mnt"
	# --closed-timeout 0: a flow ends at the next packet after its
	# close, so that lines and stream data fill the disk together.
	unshare -m bash -c '
		mount -t tmpfs -o size="$1" tmpfs "$2" || exit 99
		"$3" read -r "$4" --streams "$2/st" \
			--closed-timeout 0 2>"$5"
		rc=$?
		cp -a "$2/st" "$6"
		exit $rc' - "$size" "$work/mnt" "$bin" \
		"$work/t/trace.pcap" "$work/err" "$work/st"
	rc=$?
	[ "$rc" -eq 99 ] && { echo "cannot mount a tmpfs"; exit 77; }
	[ "$rc" -eq 1 ] || bad "$tag: exit $rc, expected 1"
	grep -E -q 'Sanitizer|runtime error:' "$work/err" &&
		{ bad "$tag: sanitizer report"; head -30 "$work/err"; }
	python3 - "$work/st/flows.jsonl" "$tag" <<'PY' || bad "$tag: index"
import json, sys
path, tag = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
assert data.endswith(b"\n"), "ends with %r" % data[-40:]
lines = data.split(b"\n")[:-1]
ids = [json.loads(l)["id"] for l in lines]
# The disk filled while flows ended: lines made it (all of them, when
# the reserve held them; with --closed-timeout 0 a flow's last ACK after
# its close starts a flow of its own, with no data, and a line).
assert len(ids) > 0, len(ids)
assert len(set(ids)) == len(ids), "a line twice"
print("ok   %s: %d whole lines, %d bytes" % (tag, len(ids), len(data)))
PY
done
exit $fail
