#!/bin/bash
# End to end, a fault test: the disk fills up under a live -w capture (a
# 24 MiB loop-mounted ext4, 40 MB mirrored), in direct and in buffered
# mode.  For each:
#  - the capture exits 1 (a write failed);
#  - tcpdump and tshark read the file without complaint: it ends at its
#    last complete record, with no hole and nothing after it;
#  - the records in the file are exactly what the stats JSON says was
#    written, the packets that are not there are counted as write drops,
#    and every received packet is one or the other.
set -u
. "$(dirname "$0")/lib.sh"
need_root
skip_if_no_xdp
OUT=$(mktemp -d /tmp/fs-full-XXXXXX)
MNT=$OUT/mnt
topo_trap
small_fs_up "$OUT" 24M
topo_up 1

topo_bg b "$TCPXFER" server --port 5201 --conns 10
wait_port b 5201

for io in direct buffered; do
	rm -f "$MNT"/*.pcap
	log "pcap-io $io: $(df -k --output=avail "$MNT" | tail -1) KiB free"
	topo_bg cap "$FS_BIN" capture -i "$CAP_IF" --pcap-io "$io" \
		tcp port 5201 -w "$MNT/$io.pcap" --stats-json "$OUT/$io.json" \
		2>"$OUT/$io.log"
	pid=$TOPO_BG_PID
	for _ in $(seq 100); do
		[ -s "$OUT/$io.json" ] && break
		kill -0 "$pid" 2>/dev/null ||
			{ cat "$OUT/$io.log"; die "capture exited early"; }
		sleep 0.1
	done
	topo_ns_exec a "$TCPXFER" client --connect "$IP_B:5201" --conns 1 \
		--req-bytes 40M --resp-bytes 1M --seed 5 ||
		die "transfer failed"
	sleep 0.3
	kill -INT "$pid"
	wait "$pid"
	rc=$?
	grep -v '^rx ' "$OUT/$io.log" | tail -n 12
	[ "$rc" = 1 ] || die "$io: exit status $rc after a failed write, not 1"
	f=$MNT/$io.pcap
	tcpdump -nr "$f" >/dev/null 2>"$OUT/tcpdump.err" ||
		die "$io: tcpdump cannot read $f: $(cat "$OUT/tcpdump.err")"
	grep -qiE "truncat|error|invalid" "$OUT/tcpdump.err" &&
		die "$io: tcpdump complains: $(cat "$OUT/tcpdump.err")"
	tshark -r "$f" >/dev/null 2>"$OUT/tshark.err" ||
		die "$io: tshark cannot read $f: $(cat "$OUT/tshark.err")"
	grep -v -e 'Running as user "root"' "$OUT/tshark.err" >"$OUT/tshark.bad"
	[ -s "$OUT/tshark.bad" ] && die "$io: tshark: $(cat "$OUT/tshark.bad")"
	python3 - "$OUT/$io.json" "$f" <<'PY' || die "$io: accounting mismatch"
import json, os, struct, sys
st = json.load(open(sys.argv[1]))
data = open(sys.argv[2], "rb").read()
off, recs = 24, 0
while off + 16 <= len(data):
    caplen, wirelen = struct.unpack_from("<II", data, off + 8)
    if caplen == 0 or caplen > wirelen:
        sys.exit(f"bad record {recs} at {off}: caplen {caplen}")
    off += 16 + caplen
    recs += 1
if off != len(data):
    sys.exit(f"file ends inside a record ({off} != {len(data)})")
q = st["queues"][0]
written, wdrop = q["written"], q["drops"]["write"]
print(f"file {len(data)} bytes, {recs} records; written {written}, "
      f"write drops {wdrop}, processed {q['processed']}, "
      f"received {q['rx_packets']}, write errors {q['write_errors']}")
ok = recs == written and wdrop > 0 and \
    written + wdrop == q["processed"] == q["rx_packets"]
sys.exit(0 if ok else 1)
PY
done
log "PASS"
