#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# End to end: flowsplice receive terminates the kernel's TCP uploads
# (tcpxfer in ns A, checksum offload off on its veth) and writes each to
# its own file: 0 B (connect and close), 1 B, one segment, 64 KiB, 1 MiB
# and 64 MiB one at a time, then eight at once, every file byte for byte
# what was sent, every record ended "fin" and complete, every redirected
# packet accounted for, nothing dropped.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/receive_lib.sh"
recv_init off
recv_start
upload_empty 2 || die "an empty upload failed"
seed=10
runs=()
for bytes in 0 1 1400 65536 1048576 67108864; do
	upload "one$seed" "$seed" 1 1 "$bytes"
	upload_wait "one$seed" || die "the $bytes-byte upload failed"
	runs+=(--run "seed=$seed,conns=1,req=$bytes")
	seed=$((seed + 1))
done
upload eight 40 8 8 $((8 * 1024 * 1024 + 13))
upload_wait eight || die "the eight uploads failed"
runs+=(--run "seed=40,conns=8,req=$((8 * 1024 * 1024 + 13))")
recv_stop
[ "$RECV_RC" = 0 ] || die "flowsplice receive exited with $RECV_RC"
recv_check "${runs[@]}" --empty 2 || die "files differ from what was sent"
for c in segments.malformed segments.csum_bad tcp.tx_full worker.chain_drop \
	drops.ring_full drops.fill_empty files.write_errors files.line_errors; do
	v=$(recv_stat "$c")
	[ "$v" = 0 ] || die "$c is $v"
done
[ "$(recv_stat ended.fin)" = 16 ] || die "$(recv_stat ended.fin) ended fin, not 16"
log "PASS"
