#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# End to end: while flowsplice receive owns IP_B:RECV_PORT, everything
# else still reaches ns B's kernel: ARP (the neighbour cache flushed
# first), a kernel TCP server on another port of the same address
# (transfers both ways, beside uploads to the receiver), and afterwards
# the receiver's own port, which the kernel refuses again once the
# classifier is gone.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/receive_lib.sh"
recv_init off
topo_bg b "$TCPXFER" server --port 5202 --conns 4 --timeout 60
wait_port b 5202 || die "the kernel's server did not start"
recv_start
ip -n "$NS_A" neigh flush dev "$IF_A"
upload up 70 4 2 $((2 * 1024 * 1024))
topo_ns_exec a "$TCPXFER" client --connect "$IP_B:5202" --seed 71 \
	--conns 4 --parallel 2 --req-bytes 1000000 --resp-bytes 3000000 \
	--timeout 30 >"$OUT/kernel.log" 2>&1 ||
	{ cat "$OUT/kernel.log" >&2; die "the kernel's port did not work"; }
upload_wait up || die "the uploads to the receiver failed"
recv_stop
[ "$RECV_RC" = 0 ] || die "flowsplice receive exited with $RECV_RC"
recv_check --run "seed=70,conns=4,req=$((2 * 1024 * 1024))" ||
	die "files differ from what was sent"
# Only the receiver's segments went to it.
[ "$(recv_stat segments.not_ours)" = 0 ] || die "segments of other ports redirected"
# Without the receiver the kernel answers its port: refused.
err=$(topo_ns_exec a timeout 5 bash -c "exec 3<>/dev/tcp/$IP_B/$RECV_PORT" 2>&1)
[[ $err == *refused* ]] || die "port $RECV_PORT after the stop: '$err', not refused"
ip -n "$NS_B" link show "$IF_B" | grep -q xdp && die "XDP still attached"
log "PASS"
