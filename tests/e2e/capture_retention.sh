#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# End to end: retention of rotated files, each case over many rotations.
#  - ring: -C 1 -W 4: exactly r.pcap0..r.pcap3 are left, each a complete
#    pcap; every other file was deleted and counted (stats "files");
#  - time: -G 1 -W 2: exactly 2 time-stamped files are left;
#  - budget: -C 1 --max-disk 6M on a 64 MB file system: the files left
#    add up to at most 6 MB, the oldest went (the newest file is left),
#    and the capture wrote everything without a write error;
#  - percent: -C 2 --max-disk 40% on the same file system: at exit the
#    file system is at most 40% used, and files were deleted;
# and nothing else (no renamed-aside file) is left in the directory.
set -u
. "$(dirname "$0")/lib.sh"
need_root
skip_if_no_xdp

OUT=$(mktemp -d /tmp/fs-ret-XXXXXX)
topo_on_exit "rm -rf $OUT"
topo_trap
small_fs_up "$OUT/fs" 64M
topo_up 1
topo_bg b "$TCPXFER" server --port 5201 --conns 100
wait_port b 5201

run() { # name dir bytes rate-mbit capture-args...
	local name=$1 dir=$2 bytes=$3 rate=$4 pid rc
	shift 4
	mkdir -p "$dir"
	topo_bg cap "$FS_BIN" capture -i "$CAP_IF" --xdp-mode generic -Q 0 \
		tcp port 5201 -w "$dir/r.pcap" --stats-json "$OUT/$name.json" \
		"$@" 2>"$OUT/$name.log"
	pid=$TOPO_BG_PID
	for _ in $(seq 100); do
		[ -s "$OUT/$name.json" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	[ -s "$OUT/$name.json" ] ||
		{ cat "$OUT/$name.log"; die "$name: capture did not start"; }
	topo_ns_exec a "$TCPXFER" client --connect "$IP_B:5201" --conns 2 \
		--parallel 2 --req-bytes "$bytes" --resp-bytes 50K \
		--rate "$rate" --seed 9 || die "$name: transfer failed"
	sleep 0.3
	kill -INT "$pid"
	wait "$pid"
	rc=$?
	tail -n 4 "$OUT/$name.log"
	[ "$rc" = 0 ] || die "$name: capture exited with $rc"
}

# check NAME DIR KEEP-REGEX EXPECTED-COUNT|- MAX-BYTES|-
check() {
	python3 - "$OUT/$1.json" "$2" "$3" "$4" "$5" <<'PY' || die "$1: retention wrong"
import json, os, re, struct, sys
stats, d, pat, want, maxb = sys.argv[1:]
st = json.load(open(stats))
fl = st["files"]
names = sorted(os.listdir(d))
bad = [n for n in names if not re.fullmatch(pat, n)]
assert not bad, f"unexpected names {bad} (of {names})"
if want != "-":
    assert len(names) == int(want), f"{len(names)} files, not {want}: {names}"
total = 0
for n in names:
    b = open(os.path.join(d, n), "rb").read()
    assert struct.unpack_from("<I", b)[0] == 0xA1B23C4D, n
    off = 24
    while off < len(b):
        off += 16 + struct.unpack_from("<I", b, off + 8)[0]
    assert off == len(b), f"{n} is not a complete pcap"
    total += len(b)
if maxb != "-":
    assert total <= int(maxb), f"{total} bytes kept, budget {maxb}"
assert fl["deleted"] > 0 and fl["delete_errors"] == 0, fl
assert fl["finished"] - fl["deleted"] == len(names), \
    f"finished {fl['finished']} - deleted {fl['deleted']} != {len(names)} left"
for q in st["queues"]:
    assert q["write_errors"] == 0 and q["drops"]["write"] == 0, q
print(f"ok: {len(names)} files ({total} bytes) kept, {fl['deleted']} of "
      f"{fl['finished']} deleted ({fl['deleted_bytes']} bytes)")
PY
}

run ring "$OUT/ring" 12M 80 -C 1 -W 4
check ring "$OUT/ring" 'r\.pcap[0-3]' 4 -
grep -q "deleted .*r.pcap" "$OUT/ring.log" || die "ring: deletions not logged"

run time "$OUT/time" 3M 8 -G 1 -W 2
check time "$OUT/time" 'r\.pcap\.[0-9]{8}-[0-9]{6}' 2 -

run budget "$OUT/fs/mnt/b" 20M 80 -C 1 --max-disk 6M
check budget "$OUT/fs/mnt/b" 'r\.pcap[0-9]*' - $((6 * 1024 * 1024))
ls "$OUT/fs/mnt/b" | grep -qx 'r.pcap' && die "budget: the oldest file is left"
rm -rf "$OUT/fs/mnt/b"

run percent "$OUT/fs/mnt/p" 40M 120 -C 2 --max-disk 40%
check percent "$OUT/fs/mnt/p" 'r\.pcap[0-9]*' - -
use=$(df --output=pcent "$OUT/fs/mnt" | tail -n 1 | tr -dc 0-9)
[ "$use" -le 40 ] || die "percent: the file system is $use% used"
log "PASS"
