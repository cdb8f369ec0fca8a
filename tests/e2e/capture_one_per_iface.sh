#!/bin/bash
# One capture per interface: the classifier runs one filter, so a second
# capture on an interface where one runs is refused, up front, naming the
# first one's pid, and changes nothing: not the first one's filter, not
# its sockets, not the attachment; it creates no output.  The first one
# goes on capturing all it should and detaches cleanly when it stops;
# then a new capture works.  The same with the same queues, with other
# queues (-Q 0 / -Q 1), and on a classifier an operator preloaded
# (xdp-loader --pin-path), where a killed capture does not block the next.
set -u
. "$(dirname "$0")/lib.sh"
need_root
skip_if_no_xdp

C2S=$((1024 * 1024))
S2C=$((512 * 1024))
OUT=$(mktemp -d /tmp/fs-e2e-XXXXXX)
topo_on_exit "rm -rf $OUT"
topo_trap
topo_up 2

attached() { topo_ns_exec cap ip link show "$CAP_IF" | grep -q xdp; }

# Start capture $1 (a name) in the background with the rest as arguments;
# wait until its stats file exists.  Its pid is left in CAP_PID.
start_capture() { # name args...
	local name=$1
	shift
	topo_bg cap "$FS_BIN" capture -i "$CAP_IF" "$@" -w "$OUT/$name.pcap" \
		--stats-json "$OUT/$name.json" 2>"$OUT/$name.log"
	CAP_PID=$TOPO_BG_PID
	for _ in $(seq 100); do
		[ -s "$OUT/$name.json" ] && return 0
		kill -0 "$CAP_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$OUT/$name.log"
	die "capture $name did not start"
}

# A second capture: exit 1, the first one's pid in its message, no
# output file, the first one's filter still in place.
refused() { # name first_pid args...
	local name=$1 pid=$2 rc
	shift 2
	topo_ns_exec cap timeout -k 5 20 "$FS_BIN" capture -i "$CAP_IF" "$@" \
		-w "$OUT/$name.pcap" -d 2 >"$OUT/$name.log" 2>&1
	rc=$?
	[ "$rc" = 1 ] || { cat "$OUT/$name.log"; die "$name: rc $rc, want 1"; }
	grep -qw "$pid" "$OUT/$name.log" ||
		{ cat "$OUT/$name.log"; die "$name: the message lacks pid $pid"; }
	compgen -G "$OUT/$name.pcap*" >/dev/null && die "$name: created its output"
	topo_ns_exec cap "$FS_BIN" filter -i "$CAP_IF" --dump \
		>"$OUT/$name.dump" 2>&1 || { cat "$OUT/$name.dump"; die "no filter"; }
	grep -q 5201 "$OUT/$name.dump" && ! grep -q 9999 "$OUT/$name.dump" ||
		{ cat "$OUT/$name.dump"; die "$name changed the running filter"; }
	log "ok: $name refused"
}

# One matched transfer while capture $1 runs; stop it; everything that
# was sent is in its pcap and every redirected packet accounted for.
transfer_and_check() { # name pid
	local name=$1 pid=$2 rc
	topo_bg b "$TCPXFER" server --port 5201 --conns 1
	wait_port b 5201 || die "no server"
	topo_ns_exec a "$TCPXFER" client --connect "$IP_B:5201" --conns 1 \
		--req-bytes "$C2S" --resp-bytes "$S2C" --seed 3 ||
		die "transfer failed"
	sleep 0.5
	kill -INT "$pid"
	wait "$pid"
	rc=$?
	[ "$rc" = 0 ] || { cat "$OUT/$name.log"; die "$name exited $rc"; }
	grep -q "every redirected packet is accounted for" "$OUT/$name.log" ||
		{ cat "$OUT/$name.log"; die "$name: summary does not reconcile"; }
	python3 "$FS_ROOT/tests/e2e/pcap_check.py" "$OUT/$name".pcap* \
		--port 5201 --c2s $((C2S + 32)) --s2c "$S2C" --conns 1 ||
		die "$name: payload missing from its pcap"
	python3 - "$OUT/$name.json" <<'PY' || die "$name: counts"
import json, sys
st = json.load(open(sys.argv[1]))
redir = sum(q["redirected"] for q in st["queues"])
written = sum(q["written"] for q in st["queues"])
print(f"matched {st['xdp']['matched']} redirected {redir} written {written}")
sys.exit(0 if redir > 0 and redir == written == st["xdp"]["matched"] else 1)
PY
}

# 1. flowsplice attaches the classifier; second captures on the same
# queue and on the other queue are refused.
start_capture a -Q 0 tcp port 5201
A=$CAP_PID
refused b_same "$A" -Q 0 tcp port 9999
refused b_other "$A" -Q 1 tcp port 9999
refused b_all "$A" tcp port 9999
transfer_and_check a "$A"
attached && die "XDP left attached after the first capture stopped"

# 2. After it: a new capture works, and detaches.
topo_ns_exec cap "$FS_BIN" capture -i "$CAP_IF" -Q 1 tcp port 9999 \
	-w "$OUT/c.pcap" -d 1 -q >"$OUT/c.log" 2>&1 ||
	{ cat "$OUT/c.log"; die "a capture after the first one failed"; }
attached && die "XDP left attached after the new capture"

# 3. An operator's classifier (xdp-loader, pinned maps): the same, and
# it stays attached.  A bpffs of our own: `ip netns exec` remounts /sys.
BPFFS=$(mktemp -d /tmp/fs-bpffs-XXXXXX)
mount -t bpf bpf "$BPFFS" || die "cannot mount bpffs"
topo_on_exit "umount $BPFFS; rmdir $BPFFS"
PIN=$BPFFS/flowsplice
topo_on_exit "topo_ns_exec cap xdp-loader unload $CAP_IF --all"
topo_ns_exec cap xdp-loader load -m skb -p "$PIN" "$CAP_IF" \
	"$FS_ROOT/build/classifier.bpf.o" || die "xdp-loader load failed"
start_capture p --pin-path "$PIN" tcp port 5201
P=$CAP_PID
refused p_second "$P" --pin-path "$PIN" tcp port 9999
transfer_and_check p "$P"
attached || die "the operator's classifier was detached"

# 4. A capture killed with SIGKILL on it leaves a stale record: the next
# capture is not refused.
start_capture k --pin-path "$PIN" tcp port 5201
kill -9 "$CAP_PID"
wait "$CAP_PID" 2>/dev/null
start_capture q --pin-path "$PIN" tcp port 5201
transfer_and_check q "$CAP_PID"
attached || die "the operator's classifier was detached"
log "PASS"
