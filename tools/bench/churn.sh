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
# conns, on the two files the tool wrote for it: flowsplice's from
# flows.jsonl, tcpflow's by their names).  Every capture writes to a fresh ext4 on the benchmarks'
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
# Tens of thousands of connections from one address: every local port,
# and ports in TIME_WAIT reused (the kernel refused connects otherwise).
topo_ns_exec a sysctl -q -w net.ipv4.ip_local_port_range="1024 65535" \
	net.ipv4.tcp_tw_reuse=1
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
		# The two files of each connection, then both checked whole.
		python3 - "$tool" "$out" "$PORT" >"$WORK/pairs" <<'PY'
import json, os, sys
tool, out, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
pairs = []
if tool == "flowsplice":
    for l in open(os.path.join(out, "s", "flows.jsonl")):
        r = json.loads(l)
        if r["server_port"] != port or not r["c2s"]["file"]:
            continue
        f = [os.path.join(out, "s", r[d]["file"]) if r[d]["file"] else "-"
             for d in ("c2s", "s2c")]
        pairs.append(f)
else:
    # tcpflow's names: A.a-B.b[cN], the answer B.b-A.a with the same suffix
    d = os.path.join(out, "t")
    names = set(os.listdir(d))
    for n in names:
        a, sep, b = n.partition("-")
        if not sep or not b.startswith(tuple("0123456789")):
            continue
        bport = b.split(".")[4][:5] if b.count(".") >= 4 else ""
        if bport != "%05d" % port:
            continue
        rest = b.split(".", 4)
        server, suffix = ".".join(rest[:4]) + "." + rest[4][:5], rest[4][5:]
        rev = server + "-" + a + suffix
        pairs.append([os.path.join(d, n),
                      os.path.join(d, rev) if rev in names else "-"])
for c, s in pairs:
    sys.stdout.write(c + "\0" + s + "\0")
PY
		# (500 arguments a command: whole pairs, under xargs' size limit)
		kept=$(xargs -0 -n 500 "$BENCH_CHECK" conns --seed "$seed" \
			--req-bytes "$REQ" --resp-bytes "$RESP" <"$WORK/pairs" |
			awk '$1 == "conns" { k += $4 } END { print k + 0 }')
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
