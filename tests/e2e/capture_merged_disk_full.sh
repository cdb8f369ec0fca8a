#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# End to end, a fault test: the disk fills up under a merged -w capture
# (four queues, native mode, one file; a 24 MiB loop-mounted ext4, 40 MB
# mirrored), as pcap and as pcapng (O_DIRECT), and as pcap through the
# page cache.  For each:
#  - the capture exits 1 (a write failed);
#  - tcpdump and tshark read the file without complaint: it ends at the
#    last complete region before the failure, with no hole and nothing
#    after its last record;
#  - the records in the file are exactly what the stats JSON says was
#    written, and on each queue the packets that are not there are
#    counted as write drops: written + write drops = processed =
#    received, with write drops on some queue.
set -u
. "$(dirname "$0")/lib.sh"
need_root
skip_if_no_xdp
OUT=$(mktemp -d /tmp/fs-mfull-XXXXXX)
MNT=$OUT/mnt
topo_trap
small_fs_up "$OUT" 24M
topo_up 4

topo_bg b "$TCPXFER" server --port 5201 --conns 20
wait_port b 5201

case_run() { # name format pcap-io
	local name=$1 f=$MNT/$1 pid rc
	rm -f "$f"
	log "$name: $(df -k --output=avail "$MNT" | tail -1) KiB free"
	topo_bg cap "$FS_BIN" capture -i "$CAP_IF" --xdp-mode native \
		--format "$2" --pcap-io "$3" tcp port 5201 -w "$f" \
		--stats-json "$OUT/$name.json" 2>"$OUT/$name.log"
	pid=$TOPO_BG_PID
	wait_started "$OUT/$name.json" "$pid" "$OUT/$name.log"
	topo_ns_exec a "$TCPXFER" client --connect "$IP_B:5201" --conns 4 \
		--parallel 4 --req-bytes 10M --resp-bytes 256K --rate 100 \
		--seed 5 || die "$name: transfer failed"
	sleep 0.3
	kill -INT "$pid"
	wait "$pid"
	rc=$?
	grep -v '^rx ' "$OUT/$name.log" | tail -n 14
	[ "$rc" = 1 ] || die "$name: exit status $rc after a failed write, not 1"
	tcpdump -nr "$f" >/dev/null 2>"$OUT/tcpdump.err" ||
		die "$name: tcpdump cannot read $f: $(cat "$OUT/tcpdump.err")"
	grep -qiE "truncat|error|invalid|bogus" "$OUT/tcpdump.err" &&
		die "$name: tcpdump complains: $(cat "$OUT/tcpdump.err")"
	tshark -r "$f" >/dev/null 2>"$OUT/tshark.err" ||
		die "$name: tshark cannot read $f: $(cat "$OUT/tshark.err")"
	grep -v -e 'Running as user "root"' "$OUT/tshark.err" >"$OUT/tshark.bad"
	[ -s "$OUT/tshark.bad" ] && die "$name: tshark: $(cat "$OUT/tshark.bad")"
	python3 - "$OUT/$name.json" "$f" "$2" <<'PY' || die "$name: accounting mismatch"
import json, struct, sys
st = json.load(open(sys.argv[1]))
data = open(sys.argv[2], "rb").read()
recs = 0
if sys.argv[3] == "pcap":
    off = 24
    while off + 16 <= len(data):
        caplen, wirelen = struct.unpack_from("<II", data, off + 8)
        if caplen == 0 or caplen > wirelen:
            sys.exit(f"bad record {recs} at {off}: caplen {caplen}")
        off += 16 + caplen
        recs += 1
else:
    off = 0
    while off + 12 <= len(data):
        t, ln = struct.unpack_from("<II", data, off)
        if ln < 12 or ln % 4 or t == 0:
            sys.exit(f"bad block at {off}: type {t:#x} length {ln}")
        recs += t == 6
        off += ln
if off != len(data):
    sys.exit(f"file ends inside a record ({off} != {len(data)})")
qs = st["queues"]
written = sum(q["written"] for q in qs)
wdrop = sum(q["drops"]["write"] for q in qs)
print(f"file {len(data)} bytes, {recs} records; written {written}, "
      f"write drops {wdrop}, queues with packets "
      f"{sum(1 for q in qs if q['rx_packets'])}")
ok = recs == written and wdrop > 0
for q in qs:
    if q["written"] + q["drops"]["write"] != q["processed"] or \
            q["processed"] != q["rx_packets"]:
        print("queue", q)
        ok = False
sys.exit(0 if ok else 1)
PY
}

case_run pcap pcap direct
case_run ng pcapng direct
case_run buf pcap buffered
log "PASS"
