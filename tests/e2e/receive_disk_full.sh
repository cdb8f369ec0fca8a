#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# End to end: DIR on a small file system (8 MiB of ext4).  --http: a
# 16 MiB upload is answered 507, leaves no file under its name and no
# temporary file, and a small upload after it gets 201; the run exits 1
# (a write failed).  Raw: a 16 MiB
# upload is reset when its write fails (the client sees the reset), its
# record says complete false and ended abort, and the run exits 1 after a
# summary that still reconciles every packet.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/receive_lib.sh"
recv_init off
small_fs_up "$OUT/fs" 8M
head -c $((16 * 1024 * 1024)) /dev/urandom >"$OUT/big"
head -c 1000 /dev/urandom >"$OUT/small"
base=$OUT
OUT_RECV=$OUT/fs/mnt
# --http
topo_bg b "$FS_BIN" receive -i "$IF_B" --listen "$IP_B:8080" --http \
	--dir "$OUT_RECV/http" --stats-json "$OUT/stats.json" 2>"$OUT/recv.log"
RECV_PID=$TOPO_BG_PID
for _ in $(seq 100); do [ -s "$OUT/stats.json" ] && break; sleep 0.1; done
code() { topo_ns_exec a curl -sS -o /dev/null -w '%{http_code}' --max-time 60 "$@"; }
c=$(code -T "$OUT/big" "http://$IP_B:8080/big.bin")
[ "$c" = 507 ] || die "a body past the free space: $c, not 507"
c=$(code -T "$OUT/small" "http://$IP_B:8080/small.bin")
[ "$c" = 201 ] || die "a small upload after the 507: $c"
recv_stop
# A failed write makes the run's exit status 1, answered or not.
[ "$RECV_RC" = 1 ] || die "receive --http exited with $RECV_RC, not 1"
grep -q "every redirected packet is accounted for" "$OUT/recv.log" ||
	die "the summary does not reconcile"
[ "$(ls -A "$OUT_RECV/http" | sort | tr '\n' ' ')" = "flows.jsonl small.bin " ] ||
	die "after the 507 DIR holds: $(ls -A "$OUT_RECV/http")"
cmp "$OUT/small" "$OUT_RECV/http/small.bin" || die "small.bin differs"
[ "$(recv_stat http.disk_full)" = 1 ] || die "disk_full: $(recv_stat http.disk_full)"
# raw
rm -f "$OUT/stats.json"
topo_bg b "$FS_BIN" receive -i "$IF_B" --listen "$IP_B:$RECV_PORT" \
	--dir "$OUT_RECV/raw" --stats-json "$OUT/stats.json" 2>"$OUT/recv.log"
RECV_PID=$TOPO_BG_PID
for _ in $(seq 100); do [ -s "$OUT/stats.json" ] && break; sleep 0.1; done
upload big 80 1 1 $((16 * 1024 * 1024))
upload_wait big && die "an upload past the free space did not fail"
kill -INT "$RECV_PID"
wait "$RECV_PID"
rc=$?
tail -n 12 "$OUT/recv.log" >&2
[ "$rc" = 1 ] || die "raw receive with a failed write exited with $rc, not 1"
grep -q "every redirected packet is accounted for" "$OUT/recv.log" ||
	die "the summary does not reconcile"
python3 - "$OUT_RECV/raw/flows.jsonl" <<'PY' || die "the raw record is wrong"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert len(recs) == 1, recs
r = recs[0]
assert r["complete"] is False and r["ended"] == "abort", r
assert r["c2s"]["write_errors"] > 0, r
PY
[ "$(recv_stat tcp.sink_refused)" -ge 1 ] || die "no refused write counted"
OUT=$base
log "PASS"
