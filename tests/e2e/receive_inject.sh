#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# End to end: forged segments in the middle of an upload
# (receive_inject.py, injected on the client's link as a third party on
# the path would): a RST outside the window is ignored, a RST inside it
# and a SYN get challenge ACKs (RFC 5961), data outside the window and a
# duplicate are ACKed and not taken, a RST for no connection is ignored;
# the upload goes on and arrives byte for byte, ended by FIN.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/receive_lib.sh"
recv_init off
recv_start
out=$(topo_ns_exec a timeout 30 python3 "$FS_ROOT/tests/e2e/receive_inject.py" \
	"$IF_A" "$MAC_A" "$MAC_B" "$IP_A" "$IP_B" "$RECV_PORT" "$TCPXFER") ||
	die "the upload with injected segments failed: $out"
log "$out"
recv_stop
[ "$RECV_RC" = 0 ] || die "flowsplice receive exited with $RECV_RC"
recv_check --run "seed=90,conns=1,req=200000" || die "the file differs from what was sent"
for c in segments.rst_ignored segments.out_of_window segments.stray; do
	v=$(recv_stat "$c")
	[ "$v" -ge 1 ] || die "$c is $v"
done
[ "$(recv_stat segments.challenged)" -ge 2 ] || die "challenged: $(recv_stat segments.challenged)"
[ "$(recv_stat tcp.challenge_acks)" -ge 2 ] || die "challenge ACKs: $(recv_stat tcp.challenge_acks)"
[ "${out#acks_after_injection=}" -ge 2 ] || die "the client's link saw no challenge ACKs"
[ "$(recv_stat ended.rst)" = 0 ] || die "a forged RST ended a connection"
log "PASS"
