#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# End to end: random loss (LOSS_PERMILLE, default 2%) of the client's data
# segments on their way to flowsplice receive (tests/bpf/tc_loss.bpf.c on
# IF_A's egress), so the kernel's TCP retransmits and segments arrive out
# of order: the engine holds them, reports them in SACK blocks, and every
# upload (one 32 MiB, eight of 4 MiB at once, and twenty small ones) still
# arrives byte for byte.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/receive_lib.sh"
pm=${LOSS_PERMILLE:-20}
recv_init off
loss_on a2b "$pm" before 0 4242 || die "loss_on failed"
recv_start
upload big 60 1 1 $((32 * 1024 * 1024 + 3))
upload eight 61 8 8 $((4 * 1024 * 1024 + 1))
upload small 62 20 4 30000
upload_wait big eight small || die "an upload failed"
read -r pkts dropped _ <<<"$(loss_stats a2b before)"
log "loss: $dropped of $pkts data packets dropped"
recv_stop
[ "$RECV_RC" = 0 ] || die "flowsplice receive exited with $RECV_RC"
[ "${dropped:-0}" -gt 0 ] || die "the loss program dropped nothing"
recv_check --run "seed=60,conns=1,req=$((32 * 1024 * 1024 + 3))" \
	--run "seed=61,conns=8,req=$((4 * 1024 * 1024 + 1))" \
	--run "seed=62,conns=20,req=30000" || die "files differ from what was sent"
ooo=$(recv_stat tcp.ooo_segs)
log "out-of-order segments held: $ooo, retransmitted bytes seen: $(recv_stat tcp.dup_bytes)"
# Whether a loss leaves a hole behind it depends on what else is in flight:
# with the window small (a slow receiver, the ASan build) every loss can be
# a tail loss, retransmitted in order.  The drops above and the exact files
# are the test; the out-of-order path is test_tcp_rx's.
[ "$ooo" -gt 0 ] || log "no segment arrived out of order this run (every loss a tail loss)"
for c in tcp.tx_full drops.ring_full drops.fill_empty files.write_errors; do
	v=$(recv_stat "$c")
	[ "$v" = 0 ] || die "$c is $v"
done
log "PASS"
