#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# End to end: the client's veth keeps its transmit offloads (the default),
# so its segments carry partial checksums and leave as 64 KiB GSO packets,
# which generic XDP hands over whole, as descriptor chains.  Without
# --partial-csum flowsplice receive drops them (csum_bad) and nothing
# connects; with it, a 64 MiB upload and eight 8 MiB ones at once arrive
# byte for byte.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/receive_lib.sh"
recv_init on
recv_start
upload strict 3 1 1 1000 --timeout 3
upload_wait strict && die "an upload with partial checksums got through"
recv_stop
[ "$RECV_RC" = 0 ] || die "flowsplice receive exited with $RECV_RC"
[ "$(recv_stat segments.csum_bad)" -gt 0 ] || die "no csum_bad counted"
[ "$(recv_stat tcp.established)" = 0 ] || die "a connection was established"
rm -rf "$OUT/recv"
recv_start --partial-csum
upload big 50 1 1 $((64 * 1024 * 1024))
upload_wait big || die "the 64 MiB upload failed"
upload eight 51 8 8 $((8 * 1024 * 1024 + 7))
upload_wait eight || die "the eight uploads failed"
recv_stop
[ "$RECV_RC" = 0 ] || die "flowsplice receive exited with $RECV_RC"
recv_check --run "seed=50,conns=1,req=$((64 * 1024 * 1024))" \
	--run "seed=51,conns=8,req=$((8 * 1024 * 1024 + 7))" ||
	die "files differ from what was sent"
[ "$(recv_stat segments.csum_bad)" = 0 ] || die "csum_bad counted"
[ "$(recv_stat tcp.csum_partial)" -gt 0 ] || die "no partial checksum seen"
# Chains: more descriptors than packets.
d=$(recv_stat worker.rx_descs) p=$(recv_stat worker.rx_packets)
log "GSO: $p packets in $d descriptors"
[ "$d" -gt "$p" ] || die "no descriptor chain: GSO packets did not arrive whole"
log "PASS"
