#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Stream capture of short connections, live, side by side in one run:
# `flowsplice capture --streams` against `tcpflow -i` on the e2e topology
# (tests/e2e/lib.sh: kernel TCP from A to B, mirrored to CAP_IF).  Each
# connection sends REQ bytes (after tcpxfer's 32-byte header) and gets
# RESP back, PARALLEL at a time, as fast as the kernel makes them, CONNS
# in all; first with no capture (the kernel's own rate), then with each
# tool capturing.  A connection counts as kept when both of its
# directions are in the tool's stream files byte for byte (bench_check
# streams).  Every capture writes to a fresh ext4 on the benchmarks'
# disk (tools/bench/fslib.sh).
#
#   tools/bench/churn.sh [OUT.md]        (root)
set -u
FS_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TOPO_ID=${TOPO_ID:-fsc-$$}
. "$FS_ROOT/tests/e2e/lib.sh"
. "$FS_ROOT/tools/bench/fslib.sh"
BENCH_CHECK=$FS_ROOT/build/tools/bench_check
OUT_MD=${1:-/dev/stdout}
WORK=${BENCH_WORK:-$FS_ROOT/build/bench/work}/churn
PORT=5301
REQ=${CHURN_REQ:-4000}
RESP=${CHURN_RESP:-16000}
CONNS=${CHURN_CONNS:-10000}
PARALLEL=${CHURN_PARALLEL:-16 64}
RUNS=${RUNS:-2}
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	CONNS=200 PARALLEL=16 RUNS=1
fi
need_root
skip_if_no_xdp
for f in "$FS_BIN" "$TCPXFER" "$BENCH_CHECK"; do
	[ -x "$f" ] || die "$f missing: run make"
done
command -v tcpflow >/dev/null || die "tcpflow missing: run make deps"
mkdir -p "$WORK"
fs_init "$WORK"
topo_on_exit "fs_done"
topo_up 1
: >"$WORK/runs"

# one TOOL PAR SEED: a run; appends "tool par conns_per_s kept conns"
one() {
	local tool=$1 par=$2 seed=$3 cap_pid="" t0 t1 out kept
	out=$FS_MNT/out
	fs_fresh
	mkdir -p "$out"
	topo_bg b "$TCPXFER" server --port "$PORT" --conns "$CONNS" \
		>"$WORK/server.log" 2>&1
	local srv=$TOPO_BG_PID
	wait_port b "$PORT" || die "server did not start"
	case $tool in
	flowsplice)
		rm -f "$WORK/stats.json"
		topo_bg cap "$FS_BIN" capture -i "$CAP_IF" -q \
			--stats-json "$WORK/stats.json" --stats-interval 1 \
			--streams "$out/s" tcp port "$PORT" 2>"$WORK/cap.log"
		cap_pid=$TOPO_BG_PID
		for _ in $(seq 100); do
			[ -s "$WORK/stats.json" ] && break
			sleep 0.1
		done ;;
	tcpflow)
		topo_bg cap tcpflow -i "$CAP_IF" -o "$out/t" tcp port "$PORT" \
			>"$WORK/cap.log" 2>&1
		cap_pid=$TOPO_BG_PID
		mkdir -p "$out/t"
		sleep 2 ;;
	esac
	t0=$(date +%s.%N)
	topo_ns_exec a "$TCPXFER" client --connect "$IP_B:$PORT" \
		--conns "$CONNS" --parallel "$par" --seed "$seed" \
		--req-bytes "$REQ" --resp-bytes "$RESP" \
		>"$WORK/client.log" 2>&1 || echo "client failed" >&2
	t1=$(date +%s.%N)
	wait "$srv" 2>/dev/null
	sleep 1
	if [ -n "$cap_pid" ]; then
		kill -INT "$cap_pid"
		wait "$cap_pid" 2>/dev/null
	fi
	kept=0
	if [ "$tool" != none ]; then
		# both directions of a connection whole
		(cd "$out" && find . -type f ! -name flows.jsonl ! -name '*.xml' \
			-print0 | xargs -0 "$BENCH_CHECK" streams --seed "$seed" \
				--conns "$CONNS" --req-bytes "$REQ" \
				--resp-bytes "$RESP") >"$WORK/check.txt" 2>&1
		kept=$(awk '$1 == "stream" && $5 == $7 { n[$2]++ }
			END { for (c in n) if (n[c] == 2) k++; print k + 0 }' \
			"$WORK/check.txt")
	fi
	echo "$tool $par $(echo "$CONNS / ($t1 - $t0)" | bc) $kept $CONNS" \
		>>"$WORK/runs"
	echo "churn: $tool parallel $par: $(tail -n 1 "$WORK/runs")" >&2
}

seed=1
for ((r = 0; r < RUNS; r++)); do
	for par in $PARALLEL; do
		for tool in none flowsplice tcpflow; do
			one "$tool" "$par" "$seed"
			seed=$((seed + 1))
		done
	done
done

python3 - "$WORK/runs" "$REQ" "$RESP" "$CONNS" "$RUNS" >"$OUT_MD" <<'PY'
import statistics, sys
runs, req, resp, conns, reps = sys.argv[1:6]
t = {}
for l in open(runs):
    tool, par, rate, kept, n = l.split()
    t.setdefault((int(par), tool), []).append((int(rate), int(kept), int(n)))
print(f"{conns} kernel TCP connections per run, each {req} bytes (+ a "
      f"32-byte header) up and {resp} down, as fast as the kernel makes "
      f"them; {reps} runs per row, medians (range).  Kept: connections "
      f"whose two directions are in the tool's files byte for byte.")
print()
print("| parallel | capture | connections/s (range) | kept | kept % |")
print("| ---: | --- | ---: | ---: | ---: |")
for par in sorted({p for p, _ in t}):
    for tool in ("none", "flowsplice", "tcpflow"):
        v = t.get((par, tool))
        if not v:
            continue
        rate = statistics.median(x[0] for x in v)
        kept = statistics.median(x[1] for x in v)
        n = v[0][2]
        name = {"none": "no capture", "flowsplice":
                "flowsplice capture --streams", "tcpflow": "tcpflow -i"}[tool]
        k = "" if tool == "none" else f"{kept:.0f}"
        kp = "" if tool == "none" else f"{100 * kept / n:.1f}%"
        print(f"| {par} | {name} | {rate:.0f} ({min(x[0] for x in v)}-"
              f"{max(x[0] for x in v)}) | {k} | {kp} |")
PY
