#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Capture to disk, side by side: flowsplice (pcap, streams, both) against
# tcpdump -w, netsniff-ng and tcpflow on the e2e topology (tests/e2e/lib.sh:
# a real kernel TCP transfer A -> B, both directions mirrored by tc to
# CAP_IF, where the tool under test captures).  Every tool writes under
# BENCH_WORK, on the same disk.
#
#   tools/bench/capture.sh [CSV]        (default build/bench/capture.csv)
#
# Traffic: tcpxfer, CONNS parallel connections to port 5201, seeded content
# (so what a tool wrote can be checked byte for byte), RESP bytes back per
# connection.  Two phases per queue count (BENCH_QUEUES, "1 2"):
#   sweep: offered load BENCH_RATES (Mbit/s, tcpxfer --rate) for
#          BENCH_SWEEP_SECS each, every tool still lossless at the previous
#          rate runs once, interleaved; a tool leaves the sweep at its first
#          loss.
#   full:  unlimited sender, BENCH_SECS worth of bytes at the rate measured
#          without capture; BENCH_REPS rounds of every tool in turn (none,
#          i.e. no capture, included: the link's own rate).
# A run is lossless when the tool's own drop counters are 0 (where it has
# them) and what it wrote covers every byte sent (bench_check: pcap payload
# coverage, or stream files compared with tcpxfer's content).
# CPU is the tool process's user+system time (bench_run, wait4), so it
# leaves out the softirq work the kernel does to deliver the packets to it,
# which is charged to whatever runs on that CPU; sys_cpu_s is the whole
# machine's busy time over the run for that.
#
# BENCH_QUICK=1: tiny transfers, one rate, one round, one queue count (a
# smoke run, no meaningful figures).  Needs root.
set -u
FS_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TOPO_ID=${TOPO_ID:-fsb-$$}
. "$FS_ROOT/tests/e2e/lib.sh"
BENCH_RUN=$FS_ROOT/build/tools/bench_run
BENCH_CHECK=$FS_ROOT/build/tools/bench_check
. "$FS_ROOT/tools/bench/caplib.sh"

CSV=${1:-$FS_ROOT/build/bench/capture.csv}
WORK=${BENCH_WORK:-$FS_ROOT/build/bench/work}
PORT=5201
CONNS=4
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	SECS=1 SWEEP_SECS=1 REPS=1 RESP=65536
	QUEUES=${BENCH_QUEUES:-1}
	RATES=${BENCH_RATES:-200}
	FULL_BYTES=$((16 << 20))
else
	SECS=${BENCH_SECS:-3}
	SWEEP_SECS=${BENCH_SWEEP_SECS:-2}
	REPS=${BENCH_REPS:-3}
	RESP=$((1 << 20))
	QUEUES=${BENCH_QUEUES:-1 2}
	RATES=${BENCH_RATES:-500 1000 2000 3000 4000}
	FULL_BYTES=${BENCH_FULL_BYTES:-}
fi
# Kernel buffer given to the AF_PACKET peers: twice flowsplice's UMEM for
# one queue (8192 frames of 4 KiB), so no peer has less room than it.
PEER_BUF_MIB=${BENCH_PEER_BUF_MIB:-64}
ALL_TOOLS="fs-pcap fs-streams fs-both tcpdump netsniff-ng tcpflow"
TOOLS=${BENCH_TOOLS:-$ALL_TOOLS}

need_root
skip_if_no_xdp
for f in "$FS_BIN" "$TCPXFER" "$BENCH_RUN" "$BENCH_CHECK"; do
	[ -x "$f" ] || die "$f missing: run make"
done
for c in tcpdump netsniff-ng tcpflow; do
	command -v "$c" >/dev/null || die "$c missing: run make deps"
done

has_streams() {
	"$FS_BIN" capture --help 2>/dev/null | grep -q -- "--streams"
}

HEADER="phase,queues,tool,rate_mbit,rep,client_ok,want_bytes,secs"
HEADER+=",sender_gbit,pcap_bytes,stream_bytes,fraction,tool_drops"
HEADER+=",mirror_drops,cpu_user_s,cpu_sys_s,cpu_s_per_gb,sys_cpu_s"
HEADER+=",out_bytes,ready_s,exit,lossless,load1,note"
mkdir -p "$(dirname "$CSV")" "$WORK"
[ -s "$CSV" ] || echo "$HEADER" >"$CSV"
CMDS=${CSV%.csv}.commands

RUN=$WORK/run
LOGS=$WORK/logs # each run's tool output and client summary, kept
rm -rf "$LOGS"
mkdir -p "$LOGS"
topo_on_exit "rm -rf $RUN"
topo_trap

# Busy CPU seconds of the whole machine so far (all CPUs).
sys_busy() {
	awk -v hz="$(getconf CLK_TCK)" '/^cpu / {
		printf "%.2f\n", ($2 + $3 + $4 + $7 + $8) / hz }' /proc/stat
}

kv() { # key file: the value after "key=" in the last line
	tail -n 1 "$2" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# What the tool wrote that matches what was sent: sets PCAP_B, STREAM_B.
measure_output() { # seed req
	local files
	PCAP_B="" STREAM_B=""
	shopt -s nullglob
	files=("$RUN"/out/cap.pcap*)
	if [ ${#files[@]} -gt 0 ]; then
		PCAP_B=$("$BENCH_CHECK" pcap --port "$PORT" "${files[@]}" |
			sed -n 's/^total .* payload_unique \([0-9]*\) .*/\1/p')
	fi
	shopt -u nullglob
	if [ -d "$RUN/out/streams" ] || [ -d "$RUN/out/flows" ]; then
		mapfile -t files < <(find "$RUN/out/streams" "$RUN/out/flows" \
			-type f 2>/dev/null)
		STREAM_B=$("$BENCH_CHECK" streams --seed "$1" --conns "$CONNS" \
			--req-bytes "$2" --resp-bytes "$RESP" "${files[@]}" |
			sed -n 's/^total want [0-9]* covered \([0-9]*\)/\1/p')
	fi
}

# One run: PHASE QUEUES TOOL RATE_MBIT (0: unlimited) REP BYTES
run_case() {
	local phase=$1 q=$2 tool=$3 rate=$4 rep=$5 bytes=$6
	local req=$((bytes / CONNS)) seed=$((RANDOM + 1)) srv md0 c0 c1
	local rargs=() ok want secs gbit drops frac lossless note=""
	local u=0 s=0 code=0 cpu_gb="" out_b=0 got load
	rm -rf "$RUN"
	mkdir -p "$RUN/out"
	[ "$rate" -gt 0 ] && rargs=(--rate "$rate")
	topo_bg b "$TCPXFER" server --port "$PORT" --conns "$CONNS" \
		--timeout 30 >"$RUN/server.log" 2>&1
	srv=$TOPO_BG_PID
	READY_S=0 TPID=""
	if [ "$tool" != none ] && ! start_tool "$tool"; then
		note="tool did not start: $(tail -n 1 "$RUN/tool.err")"
		stop_tool
	fi
	wait_port b "$PORT" || die "tcpxfer server did not start"
	md0=$(topo_mirror_drops)
	c0=$(sys_busy)
	read -r load _ </proc/loadavg
	note_cmd "sender ($phase)" "ip netns exec NS_A tcpxfer client --connect $IP_B:$PORT --conns $CONNS --parallel $CONNS --req-bytes BYTES/$CONNS --resp-bytes $RESP --seed N${rargs[*]:+ --rate MBIT}"
	topo_ns_exec a timeout 120 "$TCPXFER" client --connect "$IP_B:$PORT" \
		--conns "$CONNS" --parallel "$CONNS" --req-bytes "$req" \
		--resp-bytes "$RESP" --seed "$seed" "${rargs[@]}" \
		>"$RUN/client.log" 2>&1
	# The last mirrored frames reach the tool, and AF_PACKET tools see a
	# TPACKET_V3 block only once it retires (libpcap: 1 s timeout here).
	sleep 1.2
	c1=$(sys_busy)
	[ -n "$TPID" ] && stop_tool
	wait "$srv" 2>/dev/null
	ok=$(kv ok "$RUN/client.log")
	want=$(($(kv c2s_bytes "$RUN/client.log") + $(kv s2c_bytes "$RUN/client.log")))
	secs=$(kv seconds "$RUN/client.log")
	gbit=$(kv gbit_s "$RUN/client.log")
	drops=""
	[ "$tool" != none ] && drops=$(tool_drops "$tool")
	[ -s "$RUN/rusage" ] && read -r u s _ code <"$RUN/rusage"
	measure_output "$seed" "$req"
	got=${PCAP_B:-$STREAM_B}
	# "both" loses a byte if either output does.
	[ -n "$PCAP_B" ] && [ -n "$STREAM_B" ] && [ "$STREAM_B" -lt "$PCAP_B" ] &&
		got=$STREAM_B
	frac=$(awk -v g="${got:-0}" -v w="$want" \
		'BEGIN { printf "%.4f", w ? g / w : 0 }')
	[ "${got:-0}" -gt 0 ] && cpu_gb=$(awk -v c="$u" -v d="$s" -v g="$got" \
		'BEGIN { printf "%.3f", (c + d) / (g / 1e9) }')
	out_b=$(du -sB1 "$RUN/out" | cut -f1)
	lossless=0
	[ "$tool" != none ] && [ "${drops:-0}" = 0 ] && [ "${got:-0}" = "$want" ] &&
		[ "$ok" = "$CONNS" ] && lossless=1
	[ "$ok" = "$CONNS" ] || note+="transfer failed ($ok/$CONNS ok) "
	echo "$phase,$q,$tool,$rate,$rep,$ok,$want,$secs,$gbit,${PCAP_B},${STREAM_B},$frac,$drops,$(($(topo_mirror_drops) - md0)),$u,$s,$cpu_gb,$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }'),$out_b,$READY_S,$code,$lossless,$load,$note" >>"$CSV"
	log "$phase q=$q $tool rate=$rate rep=$rep: sender $gbit Gbit/s," \
		"captured $frac, drops ${drops:-n/a}, cpu $((${u%.*} + ${s%.*}))+ s, lossless $lossless"
	for f in tool.out tool.err client.log stats.json; do
		[ -e "$RUN/$f" ] && cp "$RUN/$f" "$LOGS/$phase-q$q-$tool-$rate-$rep.$f"
	done
	rm -rf "$RUN"
	sync
}

unavailable() { # phase q tool rate rep
	echo "$1,$2,$3,$4,$5,,,,,,,,,,,,,,,,,,,not available (no --streams)" \
		>>"$CSV"
}

runnable() { # tool
	case $1 in
	fs-streams | fs-both) has_streams ;;
	*) return 0 ;;
	esac
}

# Bytes for BENCH_SECS at the rate the link reaches with no capture: the
# better of two runs, as one is often slowed by whatever else runs.
calibrate() { # q
	local gbit best=0 i
	[ -n "$FULL_BYTES" ] && { echo "$FULL_BYTES"; return; }
	for i in 1 2; do
		run_case calib "$1" none 0 "$i" $((1 << 30)) >&2
		gbit=$(tail -n 1 "$CSV" | cut -d, -f9)
		best=$(awk -v a="$best" -v b="$gbit" \
			'BEGIN { print (b > a ? b : a) }')
	done
	awk -v g="$best" -v s="$SECS" 'BEGIN { printf "%d\n", g * 1e9 / 8 * s }'
}

sweep() { # q
	local q=$1 rate tool alive=() next
	for tool in $TOOLS; do
		if runnable "$tool"; then
			alive+=("$tool")
		else
			unavailable sweep "$q" "$tool" 0 0
		fi
	done
	for rate in $RATES; do
		next=()
		for tool in "${alive[@]}"; do
			run_case sweep "$q" "$tool" "$rate" 1 \
				$((rate * 1000000 / 8 * SWEEP_SECS))
			[ "$(tail -n 1 "$CSV" | cut -d, -f22)" = 1 ] &&
				next+=("$tool")
		done
		alive=("${next[@]}")
		[ ${#alive[@]} -gt 0 ] || break
	done
}

full() { # q bytes
	local q=$1 bytes=$2 rep tool
	for ((rep = 1; rep <= REPS; rep++)); do
		for tool in none $TOOLS; do
			if runnable "$tool"; then
				run_case full "$q" "$tool" 0 "$rep" "$bytes"
			else
				unavailable full "$q" "$tool" 0 "$rep"
			fi
		done
	done
}

for q in $QUEUES; do
	topo_up "$q" || die "topology with $q queue(s) failed"
	bytes=$(calibrate "$q")
	log "queues=$q: full-speed runs send $bytes bytes"
	sweep "$q"
	full "$q" "$bytes"
	topo_down
done
log "capture results in $CSV"
