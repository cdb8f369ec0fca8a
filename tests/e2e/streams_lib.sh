# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# streams_lib.sh: helpers for the live reassembly tests (streams_*.sh),
# sourced after lib.sh (not executable: the runner skips it).
#
#   streams_init               need root and XDP, scratch dirs OUT (stream
#                              files: under STREAMS_TMP, default /tmp, a
#                              disk here) and SHM (tmpfs: tcpxfer's --out
#                              copies), removed on exit (STREAMS_KEEP=1
#                              keeps OUT for a post-mortem); topo_trap
#   cap_start ARGS...          flowsplice capture -i CAP_IF --streams
#                              $OUT/streams --stats-json $OUT/stats.json
#                              ARGS in the capture namespace; CAP_PID; waits
#                              until it runs
#   cap_stop [SIG]             signal it (default INT), wait, exit status
#                              in CAP_RC (98 if the summary does not
#                              reconcile); its stderr is in $OUT/cap.log
#   rss_watch_start / rss_watch_stop
#                              sample CAP_PID's VmRSS (kB) every 50 ms
#                              into $OUT/rss; RSS_MAX_KB after stop
#   xfer_server PORT CONNS     a tcpxfer server in ns B, waited for
#   xfer_client NAME ARGS...   tcpxfer client in ns A, in the background,
#                              --out $SHM/NAME; pid in XFER_PIDS[NAME]
#   xfer_wait NAME...          wait for clients, 1 if any failed
#   xfer_gbit NAME             the client's summary gbit_s
#   check_mirror               fail unless the mirror lost nothing, so
#                              topology loss is never blamed on flowsplice
#   stats_report               print flowsplice's counters from stats.json
#                              (total drops in STATS_DROPS)
#   streams_check ARGS...      tests/e2e/streams_check.py $OUT/streams

streams_init() {
	need_root
	skip_if_no_xdp
	[ -x "$TCPXFER" ] || die "$TCPXFER not built"
	[ -x "$FS_BIN" ] || die "$FS_BIN not built"
	"$FS_BIN" capture --help | grep -q -- --streams ||
		die "flowsplice capture has no --streams"
	OUT=$(mktemp -d "${STREAMS_TMP:-/tmp}/fs-streams-XXXXXX") || die "mktemp"
	SHM=$(mktemp -d /dev/shm/fs-streams-XXXXXX) || die "mktemp"
	if [ "${STREAMS_KEEP:-0}" = 1 ]; then
		topo_on_exit "rm -rf $SHM; echo kept $OUT >&2"
	else
		topo_on_exit "rm -rf $OUT $SHM"
	fi
	topo_trap
	declare -gA XFER_PIDS=()
}

cap_start() {
	rm -f "$OUT/stats.json"
	topo_bg cap "$FS_BIN" capture -i "$CAP_IF" --streams "$OUT/streams" \
		--stats-json "$OUT/stats.json" --stats-interval 1 "$@" \
		2>"$OUT/cap.log"
	CAP_PID=$TOPO_BG_PID
	for _ in $(seq 100); do
		[ -s "$OUT/stats.json" ] && return 0
		kill -0 "$CAP_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$OUT/cap.log" >&2
	die "flowsplice capture did not start"
}

cap_stop() {
	kill -"${1:-INT}" "$CAP_PID"
	wait "$CAP_PID"
	CAP_RC=$?
	sed 's/^/  flowsplice: /' "$OUT/cap.log" | tail -n 30 >&2
	# The summary must reconcile every redirected packet: a run whose
	# counters do not add up fails like a crash.
	if [ "$CAP_RC" = 0 ] &&
		! grep -q "every redirected packet is accounted for" "$OUT/cap.log"; then
		echo "FAIL: the capture summary does not reconcile" >&2
		CAP_RC=98
	fi
}

rss_watch_start() {
	(
		while kill -0 "$CAP_PID" 2>/dev/null; do
			sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' \
				"/proc/$CAP_PID/status" 2>/dev/null
			sleep 0.05
		done
	) >"$OUT/rss" &
	RSS_PID=$!
	topo_on_exit "kill $RSS_PID 2>/dev/null"
}

# Sets RSS_MAX_KB and RSS_SAMPLES for the caller.
# shellcheck disable=SC2034
rss_watch_stop() {
	kill "$RSS_PID" 2>/dev/null
	wait "$RSS_PID" 2>/dev/null
	RSS_MAX_KB=$(sort -n "$OUT/rss" | tail -n 1)
	RSS_SAMPLES=$(wc -l <"$OUT/rss")
}

xfer_server() { # port conns [args]
	local port=$1 conns=$2
	shift 2
	topo_bg b "$TCPXFER" server --port "$port" --conns "$conns" "$@"
	wait_port b "$port" || die "tcpxfer server on $port did not start"
}

xfer_client() { # name args...
	local name=$1
	shift
	topo_bg a "$TCPXFER" client --out "$SHM/$name" "$@" \
		>"$OUT/$name.log" 2>&1
	XFER_PIDS[$name]=$TOPO_BG_PID
}

xfer_wait() { # names...
	local n rc=0
	for n in "$@"; do
		if ! wait "${XFER_PIDS[$n]}"; then
			echo "tcpxfer client $n failed:" >&2
			tail -n 5 "$OUT/$n.log" >&2
			rc=1
		fi
		# Only the index is needed; the copies of the bytes go now.
		rm -f "$SHM/$n"/conn-*
	done
	return $rc
}

xfer_gbit() { # name
	sed -n 's/.*gbit_s=\([0-9.]*\).*/\1/p' "$OUT/$1.log" | tail -n 1
}

check_mirror() {
	local d
	d=$(topo_mirror_drops)
	[ "$d" = 0 ] || die "the topology's mirror dropped $d frames before" \
		"the capture interface: the test is void, not flowsplice's fault"
}

stats_report() {
	STATS_DROPS=$(python3 - "$OUT/stats.json" <<'PY'
import json, sys
st = json.load(open(sys.argv[1]))
qs = st["queues"]
tot = lambda k: sum(q[k] for q in qs)
drops = {}
for q in qs:
    for k, v in q["drops"].items():
        drops[k] = drops.get(k, 0) + v
    # failed writes lose data too, though they are counted in writes
    drops["write_errors"] = drops.get("write_errors", 0) + q.get("write_errors", 0)
el = st["elapsed_s"] or 1
print(f"flowsplice: {st['elapsed_s']:.1f} s, xdp {st['xdp']}", file=sys.stderr)
print(f"flowsplice: received {tot('rx_packets')} packets "
      f"{tot('rx_bytes')} bytes ({tot('rx_bytes') * 8 / el / 1e9:.2f} Gbit/s"
      f" averaged over the capture), redirected {tot('redirected')}, "
      f"written {tot('written')}, flows {tot('flows')}, evicted "
      f"{tot('evicted')}, handed out {tot('handed_out')}, held frames max "
      f"{max(q['held_frames_max'] for q in qs)}", file=sys.stderr)
print("flowsplice drops: " + " ".join(f"{k} {v}" for k, v in drops.items()),
      file=sys.stderr)
for q in qs:
    print(f"  queue {q['queue']}: rx {q['rx_packets']} processed "
          f"{q['processed']} handed_in {q['handed_in']} handed_out "
          f"{q['handed_out']} flows {q['flows']} drops "
          f"{sum(q['drops'].values())}", file=sys.stderr)
print(sum(drops.values()))
PY
	) || die "cannot read $OUT/stats.json"
}

streams_check() {
	python3 "$FS_ROOT/tests/e2e/streams_check.py" "$OUT/streams" "$@"
}

# The loss tests: random loss on both directions of the transfers,
# before the mirror point (the capture sees holes that retransmissions
# fill out of order) or after it (the capture sees every segment and then
# the retransmitted duplicates).  The stream files must still be exact.
streams_loss_test() { # before|after
	local where=$1 pm=${LOSS_PERMILLE:-20} a2b b2a ov
	streams_init
	topo_up 1
	xfer_server 5301 4
	xfer_server 5302 8
	loss_on a2b "$pm" "$where" 0 4242 || die "loss_on a2b failed"
	loss_on b2a "$pm" "$where" 0 2424 || die "loss_on b2a failed"
	cap_start tcp
	# Paced (200 Mbit/s): the test is about holes and retransmissions;
	# unpaced (5 Gbit/s), the ASan binary once fell behind its RX ring.
	xfer_client bulk --connect "$IP_B:5301" --seed 31 --conns 4 \
		--parallel 4 --rate 200 --req-bytes $((8 * 1024 * 1024 + 1)) \
		--resp-bytes $((12 * 1024 * 1024 + 5))
	xfer_client small --connect "$IP_B:5302" --seed 32 --conns 8 \
		--parallel 4 --req-bytes 20000 --resp-bytes 300000
	xfer_wait bulk small || die "a transfer failed"
	log "bulk: $(xfer_gbit bulk) Gbit/s with loss"
	read -r _ a2b _ <<<"$(loss_stats a2b "$where")"
	read -r _ b2a _ <<<"$(loss_stats b2a "$where")"
	log "loss $where the mirror: dropped a2b $a2b, b2a $b2a data packets"
	sleep 1
	cap_stop INT
	[ "$CAP_RC" = 0 ] || die "flowsplice capture exited with $CAP_RC"
	check_mirror
	stats_report
	[ "${a2b:-0}" -gt 0 ] && [ "${b2a:-0}" -gt 0 ] ||
		die "the loss program dropped nothing: the test proves nothing"
	# A retransmission that reaches a socket its application has closed
	# makes the kernel answer RST (abort on data): with loss, a connection
	# whose bytes all arrived may end by RST.
	streams_check --ended fin,rst \
		--run "port=5301,seed=31,conns=4,req=$((8 * 1024 * 1024 + 1)),resp=$((12 * 1024 * 1024 + 5)),index=$SHM/bulk/index.tsv" \
		--run "port=5302,seed=32,conns=8,req=20000,resp=300000,index=$SHM/small/index.tsv" ||
		soft_fail "stream files differ from what was sent"
	# After the mirror the capture must have seen the duplicates.
	ov=$(python3 -c 'import json, sys
print(sum(json.loads(l)["overlaps"] for l in open(sys.argv[1])))' \
		"$OUT/streams/flows.jsonl")
	log "overlaps seen by flowsplice: $ov"
	if [ "$where" = after ] && [ "$ov" = 0 ]; then
		soft_fail "no retransmitted duplicate reached the capture"
	fi
	[ "$STATS_DROPS" = 0 ] ||
		soft_fail "flowsplice dropped $STATS_DROPS packets"
	soft_done
}

# Checks that go on after a failure, so one run reports everything:
# soft_fail MSG records it, soft_done exits 1 listing them (or passes).
SOFT_FAILS=()
soft_fail() {
	echo "FAIL: $*" >&2
	SOFT_FAILS+=("$*")
}

soft_done() {
	local f
	if [ ${#SOFT_FAILS[@]} -gt 0 ]; then
		echo "FAILED (${#SOFT_FAILS[@]}):" >&2
		for f in "${SOFT_FAILS[@]}"; do
			echo "  - $f" >&2
		done
		exit 1
	fi
	log "PASS"
}
