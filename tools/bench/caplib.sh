# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# caplib.sh: the capture tools as the capture benchmarks run them
# (sourced by capture.sh and capture_load.sh; not executable).  Each tool
# captures on CAP_IF (ns CAP) with the filter "tcp port PORT", writes
# under RUN/out, its output in RUN/tool.out and RUN/tool.err, and
# flowsplice its counters in RUN/stats.json; bench_run (wait4) leaves the
# tool's CPU time in RUN/rusage.
#
#   tool_cmd TOOL      its command line, in CMD
#   tool_ready TOOL    whether it has started capturing
#   tool_drops TOOL    its own count of packets it lost ("" if it has none)
#   note_cmd NAME CMD  the command line, once, in CMDS (for the report)
#   start_tool TOOL    start it, wait until it is ready: TPID, READY_S
#   stop_tool          SIGINT, wait (SIGKILL after 60 s)
#
# Needs FS_BIN, FS_ROOT, CAP_IF, RUN, PORT, PEER_BUF_MIB, BENCH_RUN, CMDS
# and tests/e2e/lib.sh.

tool_cmd() { # tool -> the command line, in CMD
	local fs=("$FS_BIN" capture -i "$CAP_IF" -q --stats-interval 1
		--stats-json "$RUN/stats.json")
	case $1 in
	fs-pcap) CMD=("${fs[@]}" -w "$RUN/out/cap.pcap") ;;
	fs-streams) CMD=("${fs[@]}" --streams "$RUN/out/streams") ;;
	fs-both) CMD=("${fs[@]}" -w "$RUN/out/cap.pcap"
		--streams "$RUN/out/streams") ;;
	tcpdump) CMD=(tcpdump -i "$CAP_IF" -B $((PEER_BUF_MIB * 1024))
		-w "$RUN/out/cap.pcap") ;;
	netsniff-ng) CMD=(netsniff-ng --in "$CAP_IF" --out "$RUN/out/cap.pcap"
		--silent --ring-size "${PEER_BUF_MIB}MiB") ;;
	tcpflow) CMD=(tcpflow -i "$CAP_IF" -o "$RUN/out/flows") ;;
	*) die "unknown tool $1" ;;
	esac
	CMD+=(tcp port "$PORT")
}

# Ready when flowsplice has written its first stats, or when an AF_PACKET
# socket is bound to CAP_IF (netsniff-ng binds only after its ring is set
# up, which takes seconds with its default ring size).
tool_ready() { # tool
	local idx
	case $1 in
	fs-*) [ -s "$RUN/stats.json" ] ;;
	*) idx=$(topo_ns_exec cap cat "/sys/class/net/$CAP_IF/ifindex")
	   topo_ns_exec cap awk -v i="$idx" 'NR > 1 && $5 == i { f = 1 }
		END { exit !f }' /proc/net/packet ;;
	esac
}

# The tool's own count of packets it lost, or "" if it has none.
tool_drops() { # tool
	case $1 in
	fs-*) python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
print(sum(sum(q["drops"].values()) + q.get("write_errors", 0) for q in s["queues"]) + s["xdp"]["nosock"])
' "$RUN/stats.json" 2>/dev/null ;;
	tcpdump) sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel.*/\1/p' \
		"$RUN/tool.err" | head -n 1 ;;
	netsniff-ng) cat "$RUN/tool.out" "$RUN/tool.err" | tr -d '\r' |
		sed -n 's/^ *\([0-9]*\) *packets failed filter.*/\1/p' |
		head -n 1 ;;
	*) echo "" ;;
	esac
}

# The exact command lines, once each, for the report.
note_cmd() { # name command
	local line="- $1: \`${2//$RUN/RUN}\`"
	grep -qxF -- "$line" "$CMDS" 2>/dev/null || echo "$line" >>"$CMDS"
}

# Start the tool, wait until it is ready; sets TPID and READY_S.
start_tool() { # tool
	local t0=$EPOCHREALTIME i
	tool_cmd "$1"
	note_cmd "$1" "ip netns exec NS_CAP ${CMD[*]#"$FS_ROOT"/}"
	topo_bg cap "$BENCH_RUN" "$RUN/rusage" "${CMD[@]}" \
		>"$RUN/tool.out" 2>"$RUN/tool.err"
	TPID=$TOPO_BG_PID
	for ((i = 0; i < 600; i++)); do
		tool_ready "$1" && break
		kill -0 "$TPID" 2>/dev/null || return 1
		sleep 0.05
	done
	tool_ready "$1" || return 1
	sleep 0.3 # past the bind: filter attached, ring mapped
	READY_S=$(awk -v a="$t0" -v b="$EPOCHREALTIME" \
		'BEGIN { printf "%.2f", b - a }')
}

stop_tool() {
	local i
	kill -INT "$TPID" 2>/dev/null
	for ((i = 0; i < 1200; i++)); do
		kill -0 "$TPID" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$TPID" 2>/dev/null && kill -KILL "$TPID"
	wait "$TPID" 2>/dev/null
}
