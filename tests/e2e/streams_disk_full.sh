#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# End to end, a fault test: the disk fills up under a live --streams
# capture (a 24 MiB loop-mounted ext4, a 40 MB upload beside a few small
# connections):
#  - the capture exits 1 (writes failed) and says how many;
#  - flows.jsonl holds only whole lines, each a JSON object;
#  - the index still takes the records (space is reserved for it): the
#    upload's record carries write errors on its c2s direction, and the
#    summary counts the failed writes.
set -u
. "$(dirname "$0")/lib.sh"
need_root
skip_if_no_xdp
OUT=$(mktemp -d /tmp/fs-sfull-XXXXXX)
MNT=$OUT/mnt
topo_trap
small_fs_up "$OUT" 24M
topo_up 1

topo_bg b "$TCPXFER" server --port 5201 --conns 4
wait_port b 5201
topo_bg cap "$FS_BIN" capture -i "$CAP_IF" tcp port 5201 \
	--streams "$MNT/st" --stats-json "$OUT/s.json" 2>"$OUT/cap.log"
pid=$TOPO_BG_PID
for _ in $(seq 100); do
	[ -s "$OUT/s.json" ] && break
	kill -0 "$pid" 2>/dev/null || { cat "$OUT/cap.log"; die "capture exited early"; }
	sleep 0.1
done
topo_ns_exec a "$TCPXFER" client --connect "$IP_B:5201" --conns 3 \
	--req-bytes 4K --resp-bytes 4K --seed 7 || die "small transfers failed"
topo_ns_exec a "$TCPXFER" client --connect "$IP_B:5201" --conns 1 \
	--req-bytes 40M --resp-bytes 1K --seed 8 || die "upload failed"
sleep 0.5
kill -INT "$pid"
wait "$pid"
rc=$?
grep -v '^rx ' "$OUT/cap.log" | tail -n 14
[ "$rc" = 1 ] || die "exit status $rc after failed stream writes, not 1"
python3 - "$MNT/st/flows.jsonl" "$OUT/s.json" <<'PY' || die "index check failed"
import json, sys
raw = open(sys.argv[1], "rb").read()
if raw and not raw.endswith(b"\n"):
    sys.exit("flows.jsonl ends inside a line")
recs = [json.loads(l) for l in raw.splitlines()]
errs = sum(r[d].get("write_errors", 0) for r in recs for d in ("c2s", "s2c"))
big = [r for r in recs if r["c2s"]["payload"] > 10_000_000]
st = json.load(open(sys.argv[2]))
total = sum(q["write_errors"] for q in st["queues"])
print(f"{len(recs)} records, write errors: records {errs}, summary {total}")
if not big:
    sys.exit("no record of the upload")
if big[0]["c2s"].get("write_errors", 0) == 0:
    sys.exit("the upload's record shows no write error")
if total == 0:
    sys.exit("the summary shows no failed write")
PY
log "PASS"
