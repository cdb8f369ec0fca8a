#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# End to end: -Z nobody.  A capture with -w and -C 1 (many rotations) and
# --streams runs as nobody: every thread's /proc status shows nobody's
# uids and gids, no capability in any set and no_new_privs, while the
# capture runs; the pcap files (rotation_check.py against the stats
# JSON), the stream files (exact, streams_check.py) and the stats JSON
# are complete and belong to nobody; after a clean stop the interface has
# no XDP program left.  Then the same capture is killed (SIGKILL): its
# helper still detaches the classifier.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/streams_lib.sh"
streams_init
topo_up 1

id nobody >/dev/null 2>&1 || die "no user nobody on this machine"
UID_N=$(id -u nobody)
GID_N=$(id -g nobody)
chown nobody: "$OUT"
mkdir "$OUT/pcap"
chown nobody: "$OUT/pcap"

# Every thread of pid: nobody, nothing privileged left.
check_privs() { # pid
	local t n=0 st
	for t in /proc/"$1"/task/*; do
		st=$(cat "$t/status") || die "cannot read $t/status"
		grep -qx "Uid:[[:space:]]*$UID_N[[:space:]]*$UID_N[[:space:]]*$UID_N[[:space:]]*$UID_N" <<<"$st" ||
			die "$t: $(grep ^Uid <<<"$st")"
		grep -qx "Gid:[[:space:]]*$GID_N[[:space:]]*$GID_N[[:space:]]*$GID_N[[:space:]]*$GID_N" <<<"$st" ||
			die "$t: $(grep ^Gid <<<"$st")"
		for c in CapInh CapPrm CapEff CapBnd CapAmb; do
			grep -qx "$c:[[:space:]]*0000000000000000" <<<"$st" ||
				die "$t: $(grep "^$c" <<<"$st")"
		done
		grep -qx "NoNewPrivs:[[:space:]]*1" <<<"$st" ||
			die "$t: $(grep ^NoNewPrivs <<<"$st")"
		n=$((n + 1))
	done
	echo "$n"
}

xdp_attached() {
	topo_ns_exec cap ip link show dev "$CAP_IF" | grep -q "prog/xdp"
}

xfer_server 5201 6
cap_start -Z nobody -w "$OUT/pcap/r.pcap" -C 1 tcp port 5201
xdp_attached || die "no XDP program on $CAP_IF while capturing"
check_privs "$CAP_PID" >/dev/null
xfer_client bulk --connect "$IP_B:5201" --seed 7 --conns 6 --parallel 3 \
	--req-bytes 3M --resp-bytes 1M --rate 40
sleep 1
threads=$(check_privs "$CAP_PID")
[ "$threads" -ge 2 ] || die "only $threads thread(s): the worker is not running"
xfer_wait bulk || die "the transfer failed"
sleep 1
cap_stop INT
[ "$CAP_RC" = 0 ] || die "flowsplice capture exited with $CAP_RC"
grep -q "running as nobody" "$OUT/cap.log" || die "no drop in the log"
xdp_attached && die "an XDP program is left on $CAP_IF after the capture"
check_mirror

nfiles=$(find "$OUT/pcap" -type f | wc -l)
[ "$nfiles" -ge 5 ] || die "only $nfiles pcap files: too few rotations"
other=$(find "$OUT/pcap" "$OUT/streams" "$OUT/stats.json" ! -user nobody)
[ -z "$other" ] || die "not nobody's: $other"
python3 "$FS_ROOT/tests/e2e/rotation_check.py" "$OUT/pcap" r.pcap \
	--queues 1 --size 1000000 --stats "$OUT/stats.json" ||
	die "rotated files wrong"
streams_check --ended fin \
	--run "port=5201,seed=7,conns=6,req=3M,resp=1M,index=$SHM/bulk/index.tsv" ||
	die "stream files differ from what was sent"

# Killed: the helper, still privileged, detaches when the capture dies.
rm -rf "$OUT/streams" "$OUT/pcap"/*
cap_start -Z nobody -w "$OUT/pcap/k.pcap" tcp port 5201
xdp_attached || die "no XDP program on $CAP_IF for the second capture"
kill -KILL "$CAP_PID"
wait "$CAP_PID" 2>/dev/null
for _ in $(seq 50); do
	xdp_attached || break
	sleep 0.1
done
xdp_attached && die "an XDP program is left on $CAP_IF after SIGKILL"
log "PASS: $threads threads as nobody, $nfiles pcap files"
