#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# End to end: SIGTERM in the middle of a transfer.
# Four small connections complete first (they must end "fin"), then two
# long rate-limited connections (each 200 MiB a direction, ~2 x 160 Mbit/s
# for ~10 s) are cut by SIGTERM to flowsplice after ~2 s.  flowsplice must
# exit 0, and then:
#  - every line of flows.jsonl is valid JSON, every file in the directory
#    is named by a record (nothing left half-written);
#  - the long connections are listed, ended "shutdown", each with a
#    substantial prefix (> 4 MiB) in both directions;
#  - every byte written is correct: outside the recorded gaps each file
#    equals the expected stream, the gaps read as zeros, no file is longer
#    than its recorded length and none ends before it (streams_check.py
#    --prefix);
#  - the stream bytes it reports are all on disk (bytes = length - gaps).
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/streams_lib.sh"
streams_init
topo_up 1

BIG=$((200 * 1024 * 1024))
xfer_server 5501 4
topo_bg b "$TCPXFER" server --port 5502 --conns 2 --rate 160
wait_port b 5502 || die "server 5502 did not start"
cap_start tcp

xfer_client small --connect "$IP_B:5501" --seed 51 --conns 4 --parallel 4 \
	--req-bytes 100000 --resp-bytes 300000
xfer_wait small || die "the small transfers failed"
xfer_client cut --connect "$IP_B:5502" --seed 52 --conns 2 --parallel 2 \
	--rate 160 --req-bytes "$BIG" --resp-bytes "$BIG"
sleep 2
kill -0 "${XFER_PIDS[cut]}" 2>/dev/null ||
	die "the long transfer ended before SIGTERM: the test proves nothing"
cap_stop TERM
[ "$CAP_RC" = 0 ] || soft_fail "flowsplice exited with $CAP_RC on SIGTERM"
kill "${XFER_PIDS[cut]}" 2>/dev/null
wait "${XFER_PIDS[cut]}" 2>/dev/null
check_mirror
stats_report

streams_check --ended fin \
	--run "port=5501,seed=51,conns=4,req=100000,resp=300000,index=$SHM/small/index.tsv" \
	--extra 2 || soft_fail "the completed connections are wrong"
streams_check --ended shutdown --prefix \
	--run "port=5502,seed=52,conns=2,req=$BIG,resp=$BIG" --extra 4 ||
	soft_fail "the cut connections' files are wrong"
python3 - "$OUT/streams/flows.jsonl" <<'PY' || soft_fail "prefixes too short"
import json, sys
ok = True
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["server_port"] != 5502:
        continue
    for d in ("c2s", "s2c"):
        n = r[d]["bytes"]
        print(f"cut flow {r['id']} {d}: {n} bytes, {r[d]['gap_bytes']} in gaps")
        if n <= 4 << 20:
            print(f"FAIL: flow {r['id']} {d}: only {n} bytes before SIGTERM")
            ok = False
sys.exit(0 if ok else 1)
PY
soft_done
