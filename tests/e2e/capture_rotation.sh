#!/bin/bash
# End to end: -C and -G rotation of a live capture, -w DIR/r.pcap run from
# another working directory.  Each case checks (rotation_check.py):
#  - DIR holds exactly the names the README gives (r.pcap, r.pcap1, ...;
#    r.pcap.YYYYmmdd-HHMMSS; r.pcap.qN... with several queues), each file
#    a complete pcap, -C files within the size, -G records inside the
#    interval of their file's name;
#  - nothing at all is written in the working directory;
#  - the records in the files add up to what the stats JSON says was
#    written and redirected.
# Cases: one queue -C 1; one queue -G 1; two queues -C 1 -G 2 with
# --per-queue-files (native mode, where the queue follows the sender's:
# usually both are used).  A merged series: capture_merged_rotation.sh.
set -u
. "$(dirname "$0")/lib.sh"
need_root
skip_if_no_xdp

OUT=$(mktemp -d /tmp/fs-rot-XXXXXX)
topo_on_exit "rm -rf $OUT"
topo_trap
topo_up 2

topo_bg b "$TCPXFER" server --port 5201 --conns 100
wait_port b 5201

run_case() { # name nqueues xdp-mode conns rate-mbit check-args -- capture-args...
	local name=$1 nq=$2 mode=$3 conns=$4 rate=$5
	local dir=$OUT/$1/dir cwd=$OUT/$1/cwd check=() qargs=()
	shift 5
	while [ "$1" != -- ]; do check+=("$1"); shift; done
	shift
	[ "$nq" = 1 ] && qargs=(-Q 0)
	mkdir -p "$dir" "$cwd"
	log "case $name: capture $* (queues $nq, $mode)"
	topo_bg cap env -C "$cwd" "$FS_BIN" capture -i "$CAP_IF" \
		--xdp-mode "$mode" "${qargs[@]}" tcp port 5201 -w "$dir/r.pcap" \
		--stats-json "$OUT/$name/stats.json" "$@" \
		2>"$OUT/$name/cap.log"
	local pid=$TOPO_BG_PID
	for _ in $(seq 100); do
		[ -s "$OUT/$name/stats.json" ] && break
		kill -0 "$pid" 2>/dev/null ||
			{ cat "$OUT/$name/cap.log"; die "capture exited early"; }
		sleep 0.1
	done
	[ -s "$OUT/$name/stats.json" ] ||
		{ cat "$OUT/$name/cap.log"; die "capture did not start"; }
	# Connections at a bounded rate: seconds of traffic, so that -G sees
	# several intervals, and 3 MB each for -C.
	topo_ns_exec a "$TCPXFER" client --connect "$IP_B:5201" --conns "$conns" \
		--parallel "$conns" --req-bytes 3M --resp-bytes 200K --rate "$rate" \
		--seed 3 || die "transfer failed"
	sleep 0.3
	kill -INT "$pid"
	wait "$pid"
	local rc=$?
	tail -n 8 "$OUT/$name/cap.log"
	[ "$rc" = 0 ] || die "case $name: capture exited with $rc"
	if [ -n "$(ls -A "$cwd")" ]; then
		ls -b "$cwd"
		die "case $name: files written in the working directory"
	fi
	python3 "$FS_ROOT/tests/e2e/rotation_check.py" "$dir" r.pcap \
		--queues "$nq" --stats "$OUT/$name/stats.json" "${check[@]}" ||
		die "case $name: rotated files wrong"
	for f in "$dir"/*; do
		tcpdump -nr "$f" >/dev/null 2>"$OUT/tcpdump.err" ||
			die "tcpdump cannot read $f: $(cat "$OUT/tcpdump.err")"
	done
}

run_case size 1 generic 2 20 --size 1000000 -- -C 1
run_case time 1 generic 2 8 --secs 1 -- -G 1
run_case mq 2 native 4 12 --size 1000000 --secs 2 -- -C 1 -G 2 \
	--per-queue-files
log "PASS"
