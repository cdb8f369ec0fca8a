#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: flowsplice captures a real kernel TCP transfer, seen as on a
# SPAN port.  Builds the test topology of tests/e2e/lib.sh (namespaces A,
# B and CAP, addresses from 198.18.0.0/15), starts
#   flowsplice capture -i CAP_IF tcp port 5201 -w OUT/demo.pcap
#                      --stats-json OUT/stats.json
# in CAP, sends byte-checked TCP transfers (tcpxfer, port 5201), UDP
# (iperf3 -u, port 5202) and ping from A to B, stops flowsplice with SIGINT
# and shows its summary and what it wrote.  Everything it made is removed
# on exit except OUT, a fresh /tmp/flowsplice-demo.XXXXXX.
#
# Environment: DEMO_QUEUES=N (capture veth queues, default 1),
# DEMO_SECONDS (UDP duration, default 2), FS_BIN, TCPXFER.
set -u
FS_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$FS_ROOT/tests/e2e/lib.sh"

QUEUES=${DEMO_QUEUES:-1}
SECS=${DEMO_SECONDS:-2}
PORT=5201
UDP_PORT=5202
CONNS=4
REQ=$((16 * 1024 * 1024))
RESP=$((4 * 1024 * 1024))
SEED=$$

step() { printf '\n== %s\n' "$*"; }

[ "$(id -u)" = 0 ] || { echo "demo: needs root (netns, tc, XDP)" >&2; exit 1; }
for f in "$FS_BIN" "$TCPXFER"; do
	[ -x "$f" ] || { echo "demo: $f missing: run make" >&2; exit 1; }
done
for c in tcpdump iperf3 capinfos; do
	command -v "$c" >/dev/null ||
		{ echo "demo: $c missing: run make deps" >&2; exit 1; }
done

OUT=$(mktemp -d /tmp/flowsplice-demo.XXXXXX)
topo_trap

step "topology ($QUEUES queue(s) on the capture veth)"
topo_up "$QUEUES" || exit 1
echo "  A: $NS_A $IF_A $IP_A  <->  B: $NS_B $IF_B $IP_B"
echo "  every frame of $IF_A (both directions) mirrored via $MIR_IF to" \
	"$CAP_IF in $NS_CAP"

step "servers in B: tcpxfer on $PORT, iperf3 (UDP test) on $UDP_PORT"
topo_bg b "$TCPXFER" server --port "$PORT" --conns "$CONNS" --timeout 30 \
	>"$OUT/tcpxfer-server.log"
SRV=$TOPO_BG_PID
topo_bg b iperf3 -s -1 -p "$UDP_PORT" >"$OUT/iperf3-server.log" 2>&1
wait_port b "$PORT" && wait_port b "$UDP_PORT" || exit 1

step "flowsplice capture -i $CAP_IF tcp port $PORT (in $NS_CAP)"
args=(capture -i "$CAP_IF" tcp port "$PORT" -w "$OUT/demo.pcap"
	--stats-json "$OUT/stats.json")
if "$FS_BIN" capture --help 2>/dev/null | grep -q -- "--streams"; then
	args+=(--streams "$OUT/streams")
fi
echo "  $FS_BIN ${args[*]}"
topo_bg cap "$FS_BIN" "${args[@]}" 2>"$OUT/flowsplice.log"
CAP=$TOPO_BG_PID
for _ in $(seq 100); do
	[ -s "$OUT/stats.json" ] && break
	kill -0 "$CAP" 2>/dev/null || break
	sleep 0.1
done
if ! kill -0 "$CAP" 2>/dev/null || [ ! -s "$OUT/stats.json" ]; then
	echo "demo: flowsplice capture did not start:" >&2
	cat "$OUT/flowsplice.log" >&2
	exit 1
fi

step "traffic A -> B"
rc=0
topo_ns_exec a "$TCPXFER" client --connect "$IP_B:$PORT" --conns "$CONNS" \
	--parallel 2 --req-bytes "$REQ" --resp-bytes "$RESP" --seed "$SEED" \
	>"$OUT/tcpxfer-client.log" || rc=1
echo "  $(tail -n 1 "$OUT/tcpxfer-client.log")"
wait "$SRV" >/dev/null || rc=1
echo "  $(tail -n 1 "$OUT/tcpxfer-server.log")"
timeout $((SECS + 15)) ip netns exec "$NS_A" iperf3 -c "$IP_B" \
	-p "$UDP_PORT" -u -b 20M -t "$SECS" --connect-timeout 3000 \
	>"$OUT/iperf3-client.log" 2>&1 || rc=1
echo "  UDP: $(grep -E 'receiver' "$OUT/iperf3-client.log" | tail -n 1 |
	tr -s ' ')"
if command -v ping >/dev/null; then
	topo_ns_exec a ping -c 3 -i 0.2 -q "$IP_B" | tail -n 2 | sed 's/^/  /'
else
	echo "  ping: not installed; a TCP probe to a closed port instead:"
	topo_reachable a "$IP_B" && echo "  $IP_B answered (RST)"
fi
[ "$rc" = 0 ] || echo "demo: a transfer failed (logs in $OUT)" >&2

step "stopping flowsplice (SIGINT)"
sleep 0.5
kill -INT "$CAP"
wait "$CAP"
crc=$?
if grep -q "flowsplice capture summary" "$OUT/flowsplice.log"; then
	sed -n '/flowsplice capture summary/,$p' "$OUT/flowsplice.log"
else
	tail -n 20 "$OUT/flowsplice.log"
fi
[ "$crc" = 0 ] || { echo "demo: flowsplice exited with $crc" >&2; rc=1; }

step "output in $OUT"
ls -l "$OUT"
shopt -s nullglob
pcaps=("$OUT"/demo.pcap*)
for f in "${pcaps[@]}"; do
	step "tcpdump -r $(basename "$f") (first 5 packets)"
	tcpdump -nn -r "$f" -c 5 2>/dev/null
	capinfos -c -d -u -i "$f" 2>/dev/null | sed 1d
done
[ ${#pcaps[@]} -gt 0 ] || { echo "demo: no pcap written" >&2; rc=1; }

# TCP payload per direction over every file (retransmissions included).
payload() { # src-ip
	local f
	for f in "${pcaps[@]}"; do
		tshark -r "$f" -Y "ip.src == $1 && tcp.port == $PORT" \
			-T fields -e tcp.len 2>/dev/null
	done | awk '{ s += $1 } END { print s + 0 }'
}
echo
echo "TCP payload sent:     $((CONNS * (REQ + 32))) bytes A->B," \
	"$((CONNS * RESP)) bytes B->A (tcpxfer seed $SEED)"
if command -v tshark >/dev/null && [ ${#pcaps[@]} -gt 0 ]; then
	echo "TCP payload captured: $(payload "$IP_A") bytes A->B," \
		"$(payload "$IP_B") bytes B->A"
fi
echo "output kept in $OUT"
exit "$rc"
