#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# End to end: live reassembly of concurrent real kernel TCP
# transfers mirrored to the capture interface.  Five tcpxfer clients run at
# once, sizes from 0 bytes to 100+ MiB, random content, both directions
# carrying data (except the empty ones):
#   big    1 conn,  c2s 100 MiB + 12345, s2c 100 MiB + 54321 (full speed)
#   empty 16 conns, c2s header only, s2c 0 bytes (no s2c file)
#   tiny   8 conns, c2s header + 1 byte, s2c 65537 bytes
#   mid    4 conns, c2s header + 3 MiB + 7, s2c 5 MiB + 3
#   resp   4 conns, c2s header only, s2c 1 MiB
# Every stream file must equal what was sent, both directions, with no gap,
# every flow ended by FIN, the mirror must have lost nothing and flowsplice
# must have dropped nothing.  Prints the big transfer's throughput and
# flowsplice's counters.  BIG=bytes overrides the big transfer's size.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/streams_lib.sh"
streams_init
topo_up 1

BIG=${BIG:-$((100 * 1024 * 1024))}
xfer_server 5201 1
xfer_server 5202 16
xfer_server 5203 8
xfer_server 5204 4
xfer_server 5205 4
cap_start tcp
rss_watch_start

xfer_client big --connect "$IP_B:5201" --seed 101 \
	--req-bytes $((BIG + 12345)) --resp-bytes $((BIG + 54321))
xfer_client empty --connect "$IP_B:5202" --seed 202 --conns 16 \
	--parallel 8 --req-bytes 0 --resp-bytes 0
xfer_client tiny --connect "$IP_B:5203" --seed 303 --conns 8 --parallel 4 \
	--req-bytes 1 --resp-bytes 65537
xfer_client mid --connect "$IP_B:5204" --seed 404 --conns 4 --parallel 4 \
	--req-bytes $((3 * 1024 * 1024 + 7)) --resp-bytes $((5 * 1024 * 1024 + 3))
xfer_client resp --connect "$IP_B:5205" --seed 505 --conns 4 --parallel 2 \
	--req-bytes 0 --resp-bytes $((1024 * 1024))
xfer_wait big empty tiny mid resp || die "a transfer failed"
log "big transfer: $(xfer_gbit big) Gbit/s (both directions, tcpxfer)"

# Let the capture drain what the mirror still holds.
sleep 1
cap_stop INT
rss_watch_stop
[ "$CAP_RC" = 0 ] || die "flowsplice capture exited with $CAP_RC"
log "flowsplice peak RSS ${RSS_MAX_KB} kB"
check_mirror
stats_report

streams_check --ended fin \
	--run "port=5201,seed=101,req=$((BIG + 12345)),resp=$((BIG + 54321)),index=$SHM/big/index.tsv" \
	--run "port=5202,seed=202,conns=16,index=$SHM/empty/index.tsv" \
	--run "port=5203,seed=303,conns=8,req=1,resp=65537,index=$SHM/tiny/index.tsv" \
	--run "port=5204,seed=404,conns=4,req=$((3 * 1024 * 1024 + 7)),resp=$((5 * 1024 * 1024 + 3)),index=$SHM/mid/index.tsv" \
	--run "port=5205,seed=505,conns=4,resp=1M,index=$SHM/resp/index.tsv" ||
	soft_fail "stream files differ from what was sent"
[ "$STATS_DROPS" = 0 ] || soft_fail "flowsplice dropped $STATS_DROPS packets"
soft_done
