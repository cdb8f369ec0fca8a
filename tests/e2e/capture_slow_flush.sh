#!/bin/bash
# End to end: a slow -w capture in direct mode (the default) holds less
# than one staging block (1 MiB); its records must still reach the file
# while the capture runs (--flush-interval, default 1 s), not only at exit:
#  - polling for up to 10 s, the file holds every record the stats JSON
#    counts as written, each complete, while flowsplice still runs;
#  - after a SIGKILL (no clean stop, no close) the file still holds them
#    all and reads cleanly with tcpdump.
set -u
. "$(dirname "$0")/lib.sh"
need_root
skip_if_no_xdp

OUT=$(mktemp -d /tmp/fs-flush-XXXXXX)
topo_on_exit "rm -rf $OUT"
topo_trap
topo_up 1

topo_bg b "$TCPXFER" server --port 5201 --conns 1
wait_port b 5201

topo_bg cap "$FS_BIN" capture -i "$CAP_IF" tcp port 5201 -w "$OUT/slow.pcap" \
	--stats-json "$OUT/stats.json" 2>"$OUT/cap.log"
CAP_PID=$TOPO_BG_PID
for _ in $(seq 100); do
	[ -s "$OUT/stats.json" ] && break
	kill -0 "$CAP_PID" 2>/dev/null ||
		{ cat "$OUT/cap.log"; die "capture exited early"; }
	sleep 0.1
done
topo_ns_exec a "$TCPXFER" client --connect "$IP_B:5201" --conns 1 \
	--req-bytes 100K --resp-bytes 10K --seed 4 || die "transfer failed"

# "records in the file" "written in the stats": equal and not 0 once the
# partial block was flushed (the stats JSON is rewritten every second).
count() {
	python3 - "$OUT/slow.pcap" "$OUT/stats.json" <<'PY'
import json, struct, sys
data = open(sys.argv[1], "rb").read()
off, recs = 24, 0
while off + 16 <= len(data):
    caplen = struct.unpack_from("<I", data, off + 8)[0]
    if caplen == 0 or off + 16 + caplen > len(data):
        break
    off += 16 + caplen
    recs += 1
try:
    w = sum(q["written"] for q in json.load(open(sys.argv[2]))["queues"])
except (ValueError, KeyError):
    w = -1
print(recs, w, "whole" if off == len(data) else "partial")
PY
}
ok=0
for _ in $(seq 100); do
	read -r recs written whole < <(count)
	if [ "$recs" -gt 0 ] && [ "$recs" = "$written" ] && [ "$whole" = whole ]; then
		ok=1
		break
	fi
	sleep 0.1
done
log "file: $recs records ($whole), stats: $written written"
[ "$ok" = 1 ] || die "the records did not reach the file while capturing"
kill -0 "$CAP_PID" 2>/dev/null || die "the capture is not running any more"

kill -KILL "$CAP_PID"
wait "$CAP_PID" 2>/dev/null
read -r after _ whole < <(count)
log "after SIGKILL: $after records ($whole)"
[ "$after" = "$recs" ] && [ "$whole" = whole ] ||
	die "SIGKILL lost records: $after of $recs"
tcpdump -nr "$OUT/slow.pcap" >/dev/null 2>"$OUT/tcpdump.err" ||
	die "tcpdump cannot read the file: $(cat "$OUT/tcpdump.err")"
log "PASS"
