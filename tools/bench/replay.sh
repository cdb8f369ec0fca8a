#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Replay, side by side: flowsplice replay (AF_XDP transmit) against
# tcpreplay (AF_PACKET) on the same veth, in the same run, the tools
# taking turns in every round.
#
#   tools/bench/replay.sh [CSV]    (default build/bench/replay.csv)
#
# Writes CSV (one row per run), CSV's .md (the section of RESULTS.md,
# medians and ratios) and .commands (every command line as run).
#
# Topology: tests/e2e/lib.sh's, with the mirror taken off: the tool sends
# on MIR_IF (ns A) and CAP_IF's stack (ns CAP, no address) receives and
# drops every frame (not for its MAC).  Delivered = CAP_IF's rx_packets
# delta.  Inputs (made here, 198.18.0.0/15 UDP): 10,000 64-byte frames and
# 10,000 1514-byte frames (1500-byte IP packets), each looped; and a real
# mixed capture (the shared corpus's ppp--650HttpResponses.pcap, 682
# frames of 143-1414 bytes), looped.
#
# Figures: pps and Gbit/s are each tool's own (flowsplice: first packet to
# last completion; tcpreplay: its "Actual" line), CPU s per million
# packets is the tool process's user+system time (bench_run, wait4; with
# copy-mode AF_XDP and AF_PACKET alike the kernel's transmit, and the
# veth peer's receive softirq run in the sender's system time), rate
# accuracy is the achieved frame-byte rate over the requested --mbps.
#
# BENCH_QUICK=1: small loops, one round.  Needs root, and the machine-wide
# network lock when other tests run (flock /tmp/fs-net.lock).
set -u
FS_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TOPO_ID=${TOPO_ID:-fsbr-$$}
. "$FS_ROOT/tests/e2e/lib.sh"
BENCH_RUN=$FS_ROOT/build/tools/bench_run
CSV=${1:-$FS_ROOT/build/bench/replay.csv}
MD=${CSV%.csv}.md
CMDS=${CSV%.csv}.commands
WORK=${BENCH_WORK:-$FS_ROOT/build/bench/work}/replay
MIXED=${BENCH_MIXED:-${FS_SHARED:-$FS_ROOT/../shared}/pcaps/ppp--650HttpResponses.pcap}
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	REPS=1 LOOP_SMALL=5 LOOP_BIG=2 LOOP_MIXED=5 RATES="100"
else
	REPS=${BENCH_REPS:-3}
	LOOP_SMALL=${BENCH_LOOP_SMALL:-100} # 1,000,000 64-byte frames
	LOOP_BIG=${BENCH_LOOP_BIG:-30}      # 300,000 1514-byte frames
	LOOP_MIXED=${BENCH_LOOP_MIXED:-400} # 272,800 mixed frames
	RATES=${BENCH_RATES:-100 1000}
fi

need_root
skip_if_no_xdp
[ -x "$FS_BIN" ] && [ -x "$BENCH_RUN" ] || die "build first (make)"
command -v tcpreplay >/dev/null || die "tcpreplay missing: run make deps"
[ -f "$MIXED" ] || die "no mixed capture at $MIXED"
mkdir -p "$(dirname "$CSV")" "$WORK"
topo_on_exit "rm -rf $WORK"
topo_trap
topo_up 1 || die "topology"
tc -n "$NS_A" qdisc del dev "$IF_A" clsact || die "mirror still on"
# tcpreplay goes through the qdisc; AF_XDP does not.  Both get the
# default one, not lib.sh's deep FIFO for the mirror.
tc -n "$NS_A" qdisc del dev "$MIR_IF" root 2>/dev/null

python3 - "$WORK" <<'PY'
import struct, sys
d = sys.argv[1]
def write(path, size, n):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i in range(n):
            ip_len = size - 14
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, ip_len, i & 0xFFFF, 0,
                             64, 17, 0, bytes([198, 18, 1, 1]),
                             bytes([198, 18, 2, 1 + i % 200]))
            udp = struct.pack("!HHHH", 1024 + i % 1000, 9, ip_len - 20, 0)
            eth = bytes.fromhex("02 00 c6 12 00 ff 02 00 c6 12 00 fe 08 00")
            frame = eth + ip + udp
            frame += bytes(size - len(frame))
            f.write(struct.pack("<IIII", i // 1000, i % 1000, size, size))
            f.write(frame)
write(d + "/f64.pcap", 64, 10000)
write(d + "/f1514.pcap", 1514, 10000)
PY

echo "input,tool,mode,rep,packets,bytes,secs,pps,gbit,delivered,cpu_s,cpu_s_per_mpkt,requested_mbit,achieved_mbit" >"$CSV"
: >"$CMDS"

delivered() {
	ip netns exec "$NS_CAP" cat "/sys/class/net/$CAP_IF/statistics/rx_packets"
}

# one INPUT_NAME FILE LOOPS TOOL MODE REP: one run, one CSV row.
one() {
	local name=$1 file=$2 loops=$3 tool=$4 mode=$5 rep=$6
	local cmd out=$WORK/out d0 d1 pk by secs req="" cpu
	case $tool in
	flowsplice)
		cmd=("$FS_BIN" replay -i "$MIR_IF" -r "$file" -q --loop "$loops"
			--stats-json "$WORK/st.json")
		[ "$mode" = top ] && cmd+=(--topspeed) || cmd+=(--mbps "$mode") ;;
	tcpreplay)
		cmd=(tcpreplay -i "$MIR_IF" -K --loop "$loops")
		[ "$mode" = top ] && cmd+=(--topspeed) || cmd+=(--mbps "$mode")
		cmd+=("$file") ;;
	esac
	[ "$rep" = 1 ] && echo "    ip netns exec $NS_A ${cmd[*]}" >>"$CMDS"
	d0=$(delivered)
	ip netns exec "$NS_A" "$BENCH_RUN" "$WORK/rusage" "${cmd[@]}" \
		>"$out" 2>&1 || { cat "$out"; die "$tool failed"; }
	sleep 0.2
	d1=$(delivered)
	case $tool in
	flowsplice)
		pk=$(sed -n 's/^  "packets": \([0-9]*\),/\1/p' "$WORK/st.json")
		by=$(sed -n 's/^  "bytes": \([0-9]*\),/\1/p' "$WORK/st.json")
		secs=$(sed -n 's/^  "elapsed_s": \([0-9.]*\),/\1/p' "$WORK/st.json") ;;
	tcpreplay)
		read -r pk by secs < <(sed -n \
			's/.*Actual: \([0-9]*\) packets (\([0-9]*\) bytes) sent in \([0-9.]*\) seconds.*/\1 \2 \3/p' \
			"$out") ;;
	esac
	[ -n "$pk" ] && [ -n "$secs" ] || { cat "$out"; die "$tool: no figures"; }
	cpu=$(awk '{ printf "%.3f", $1 + $2 }' "$WORK/rusage")
	[ "$mode" = top ] || req=$mode
	awk -v i="$name" -v t="$tool" -v m="$mode" -v r="$rep" -v p="$pk" \
		-v b="$by" -v s="$secs" -v d=$((d1 - d0)) -v c="$cpu" -v q="$req" \
		'BEGIN { pps = s > 0 ? p / s : 0; g = s > 0 ? b * 8 / s / 1e9 : 0
		printf "%s,%s,%s,%s,%d,%d,%.4f,%.0f,%.3f,%d,%s,%.3f,%s,%.1f\n",
			i, t, m, r, p, b, s, pps, g, d, c, p ? c * 1e6 / p : 0, q,
			g * 1000 }' >>"$CSV"
	tail -n 1 "$CSV" >&2
}

for rep in $(seq "$REPS"); do
	for tool in flowsplice tcpreplay; do
		one 64B "$WORK/f64.pcap" "$LOOP_SMALL" "$tool" top "$rep"
		one 1514B "$WORK/f1514.pcap" "$LOOP_BIG" "$tool" top "$rep"
		one mixed "$MIXED" "$LOOP_MIXED" "$tool" top "$rep"
		for r in $RATES; do
			# About 2 s of the mixed capture at the rate.
			one mixed "$MIXED" $(((r * 2 + 4) / 5)) "$tool" "$r" "$rep"
		done
	done
done

python3 - "$CSV" "$CMDS" "$(basename "$MIXED")" >"$MD" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
def med(inp, tool, mode, col):
    v = [float(r[col]) for r in rows
         if r["input"] == inp and r["tool"] == tool and r["mode"] == mode]
    return statistics.median(v) if v else float("nan")
reps = len({r["rep"] for r in rows})
print(f"Medians of {reps} rounds, the two tools taking turns in each; "
      "ratios are flowsplice / tcpreplay.  One veth pair, one TX queue, "
      "copy-mode AF_XDP (veth has no zero-copy), 2 shared vCPUs.")
print()
print("| frames | tool | pps | Gbit/s | CPU s / Mpkt | delivered |")
print("| --- | --- | ---: | ---: | ---: | ---: |")
names = {"64B": "64-byte", "1514B": "1514-byte", "mixed": "mixed (" + sys.argv[3] + ")"}
for inp in ("64B", "1514B", "mixed"):
    for tool in ("flowsplice", "tcpreplay"):
        d = med(inp, tool, "top", "delivered") / max(med(inp, tool, "top", "packets"), 1)
        print(f"| {names[inp]} | {tool} | {med(inp, tool, 'top', 'pps'):,.0f} | "
              f"{med(inp, tool, 'top', 'gbit'):.2f} | "
              f"{med(inp, tool, 'top', 'cpu_s_per_mpkt'):.2f} | {d:.1%} |")
    pr = med(inp, "flowsplice", "top", "pps") / med(inp, "tcpreplay", "top", "pps")
    cr = med(inp, "flowsplice", "top", "cpu_s_per_mpkt") / med(inp, "tcpreplay", "top", "cpu_s_per_mpkt")
    print(f"| {names[inp]} | **ratio** | **{pr:.2f}x** | **{pr:.2f}x** | **{cr:.2f}x** | |")
print()
print("Rate accuracy, mixed capture, `--mbps` requested (frame bytes, "
      "no preamble/gap/FCS, both tools count the same):")
print()
print("| requested Mbit/s | tool | achieved Mbit/s | error |")
print("| ---: | --- | ---: | ---: |")
for m in sorted({r["mode"] for r in rows if r["mode"] != "top"}, key=float):
    for tool in ("flowsplice", "tcpreplay"):
        a = med("mixed", tool, m, "achieved_mbit")
        print(f"| {m} | {tool} | {a:.1f} | {(a - float(m)) / float(m):+.2%} |")
print()
print("Commands (ns A sends on mir0; `--loop` sizes each run):")
print()
print(open(sys.argv[2]).read().rstrip())
PY
log "replay benchmark: $CSV, $MD"
