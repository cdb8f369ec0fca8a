# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# receive_lib.sh: helpers for the `flowsplice receive` tests
# (receive_*.sh), sourced after lib.sh (not executable: the runner skips
# it).  flowsplice receive runs in ns B on IF_B and listens on
# IP_B:RECV_PORT; the kernel's TCP in ns A (tcpxfer, python) is the
# client.  The topology's mirror to CAP_IF plays no part.
#
#   recv_init [OFFLOAD]       need root and XDP, scratch dir OUT (removed
#                             on exit; RECV_KEEP=1 keeps it), topo_up 1.
#                             OFFLOAD off (default): transmit checksum
#                             offload off on IF_A (ethtool -K tx off), so
#                             the client's segments carry whole checksums
#                             (and TSO goes with it: MSS-sized segments);
#                             on: left on (partial checksums, 64 KiB GSO
#                             packets: the receiver needs --partial-csum)
#   recv_start ARGS...        flowsplice receive -i IF_B --listen
#                             IP_B:RECV_PORT --dir $OUT/recv --stats-json
#                             $OUT/stats.json ARGS in ns B; RECV_PID; waits
#                             until it runs
#   recv_stop                 SIGINT, wait; exit status in RECV_RC (98 if
#                             the summary does not reconcile); stderr in
#                             $OUT/recv.log
#   upload NAME SEED CONNS PARALLEL BYTES [ARGS]
#                             a tcpxfer client in ns A in the background
#                             (--resp-bytes 0); pid in UPLOADS[NAME]
#   upload_wait NAME...       wait for them; 1 if any failed
#   upload_empty N            N connections that send nothing, one after
#                             the other (python), each waits for our FIN
#   recv_check ARGS...        tests/e2e/receive_check.py $OUT/recv ARGS
#   recv_stat PATH            a counter summed over queues from
#                             stats.json, e.g. tcp.ooo_segs
RECV_PORT=${RECV_PORT:-5201}

recv_init() {
	need_root
	skip_if_no_xdp
	[ -x "$TCPXFER" ] || die "$TCPXFER not built"
	[ -x "$FS_BIN" ] || die "$FS_BIN not built"
	command -v ethtool >/dev/null || die "ethtool not installed"
	OUT=$(mktemp -d "${RECV_TMP:-/tmp}/fs-recv-XXXXXX") || die "mktemp"
	if [ "${RECV_KEEP:-0}" = 1 ]; then
		topo_on_exit "echo kept $OUT >&2"
	else
		topo_on_exit "rm -rf $OUT"
	fi
	topo_trap
	declare -gA UPLOADS=()
	topo_up 1 || die "topology"
	topo_ns_exec a ethtool -K "$IF_A" tx "${1:-off}" >/dev/null ||
		die "ethtool -K $IF_A tx ${1:-off}"
}

recv_start() {
	rm -f "$OUT/stats.json"
	topo_bg b "$FS_BIN" receive -i "$IF_B" --listen "$IP_B:$RECV_PORT" \
		--dir "$OUT/recv" --stats-json "$OUT/stats.json" \
		--stats-interval 1 "$@" 2>"$OUT/recv.log"
	RECV_PID=$TOPO_BG_PID
	for _ in $(seq 100); do
		[ -s "$OUT/stats.json" ] && return 0
		kill -0 "$RECV_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$OUT/recv.log" >&2
	die "flowsplice receive did not start"
}

recv_stop() {
	kill -INT "$RECV_PID"
	wait "$RECV_PID"
	RECV_RC=$?
	sed 's/^/  flowsplice: /' "$OUT/recv.log" | grep -v '^  flowsplice: rx ' |
		tail -n 20 >&2
	if [ "$RECV_RC" = 0 ] &&
		! grep -q "every redirected packet is accounted for" "$OUT/recv.log"; then
		echo "FAIL: the receive summary does not reconcile" >&2
		RECV_RC=98
	fi
}

upload() { # name seed conns parallel bytes [args]
	local name=$1 seed=$2 conns=$3 par=$4 bytes=$5
	shift 5
	topo_bg a "$TCPXFER" client --connect "$IP_B:$RECV_PORT" \
		--seed "$seed" --conns "$conns" --parallel "$par" \
		--req-bytes "$bytes" --resp-bytes 0 --timeout 60 "$@" \
		>"$OUT/$name.log" 2>&1
	UPLOADS[$name]=$TOPO_BG_PID
}

upload_wait() { # names...
	local n rc=0
	for n in "$@"; do
		if ! wait "${UPLOADS[$n]}"; then
			echo "upload $n failed:" >&2
			tail -n 5 "$OUT/$n.log" >&2
			rc=1
		fi
	done
	return $rc
}

upload_empty() { # n
	topo_ns_exec a timeout 30 python3 - "$IP_B" "$RECV_PORT" "$1" <<'PY'
import socket, sys
ip, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for _ in range(n):
    s = socket.create_connection((ip, port), timeout=10)
    s.shutdown(socket.SHUT_WR)
    assert s.recv(1) == b"", "data from the receiver"
    s.close()
PY
}

recv_check() {
	python3 "$FS_ROOT/tests/e2e/receive_check.py" "$OUT/recv" "$@"
}

recv_stat() { # dotted path under each queue, e.g. tcp.ooo_segs
	python3 - "$OUT/stats.json" "$1" <<'PY'
import json, sys
st = json.load(open(sys.argv[1]))
total = 0
for q in st["queues"]:
    v = q
    for k in sys.argv[2].split("."):
        v = v[k]
    total += v
print(total)
PY
}
