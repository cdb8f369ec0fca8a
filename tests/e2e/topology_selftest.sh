#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# sanitized: no (the topology alone, no flowsplice)
# The test topology itself (tests/e2e/lib.sh), without flowsplice:
#  - a byte-checked TCP transfer A->B works (both directions of data);
#  - the capture interface sees both directions of it, with A's and B's
#    MACs, and exactly one copy of every frame that crossed A's veth;
#  - loss_on drops about the configured fraction, before or after the
#    mirror point as asked, and TCP still delivers every byte;
#  - teardown leaves nothing behind, also when the script is killed.
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
need_root
[ -x "$TCPXFER" ] || die "$TCPXFER not built"
[ -f "$TC_LOSS_OBJ" ] || die "$TC_LOSS_OBJ not built"
command -v tcpdump >/dev/null || die "tcpdump not installed"

OUT=$(mktemp -d /tmp/fs-topo-XXXXXX)
topo_on_exit "rm -rf $OUT"
topo_trap
topo_up 1 || die "topo_up failed"

# One transfer; its server prints one summary line to $OUT/server.log.
xfer() { # port req resp seed
	topo_bg b "$TCPXFER" server --port "$1" --conns 1 --timeout 20 \
		--out "$OUT/srv-$1" >"$OUT/server-$1.log"
	local spid=$TOPO_BG_PID
	wait_port b "$1" || return 1
	topo_ns_exec a "$TCPXFER" client --connect "$IP_B:$1" \
		--req-bytes "$2" --resp-bytes "$3" --seed "$4" --timeout 20 ||
		return 1
	wait "$spid" || return 1
	"$TCPXFER" expect --seed "$4" --conn 0 --req-bytes "$2" \
		--resp-bytes "$3" --dir c2s | cmp -s - "$OUT/srv-$1/conn-0.c2s"
}

# tx packets of MIR_IF minus (tx + rx) of IF_A: frames mirrored beyond
# the ones that crossed A's veth (0 unless something was dropped after
# the mirror copied it).
mirror_excess() {
	local a m
	read -r -a a <<<"$(if_counters a "$IF_A")"
	read -r -a m <<<"$(if_counters a "$MIR_IF")"
	echo $((m[1] - a[0] - a[1]))
}

# 1. transfer, seen on the capture interface in both directions.
topo_bg cap tcpdump -i "$CAP_IF" -nn -e -U -w "$OUT/cap.pcap" tcp port 5201 \
	2>"$OUT/tcpdump.err"
TD=$TOPO_BG_PID
for _ in $(seq 50); do
	grep -q "listening on" "$OUT/tcpdump.err" && break
	sleep 0.1
done
xfer 5201 2M 1M 11 || die "transfer A->B failed or bytes differ"
sleep 0.3
kill -INT "$TD"
wait "$TD"
a2b=$(tcpdump -nn -e -r "$OUT/cap.pcap" \
	"src host $IP_A and ether src $MAC_A and ether dst $MAC_B" 2>/dev/null |
	wc -l)
b2a=$(tcpdump -nn -e -r "$OUT/cap.pcap" \
	"src host $IP_B and ether src $MAC_B and ether dst $MAC_A" 2>/dev/null |
	wc -l)
log "capture interface saw $a2b frames A->B, $b2a frames B->A"
[ "$a2b" -gt 0 ] && [ "$b2a" -gt 0 ] ||
	die "capture interface does not see both directions"
ex=$(mirror_excess)
[ "$ex" = 0 ] || die "mirror copied $ex frames more than crossed $IF_A"
md=$(topo_mirror_drops)
[ "$md" = 0 ] || die "$md mirrored frames dropped before $CAP_IF"
read -r -a cap <<<"$(if_counters cap "$CAP_IF")"
read -r -a mir <<<"$(if_counters a "$MIR_IF")"
[ "${cap[0]}" = "${mir[1]}" ] ||
	die "$CAP_IF received ${cap[0]} frames, $MIR_IF sent ${mir[1]}"

# 2. loss before the mirror point: dropped frames are never mirrored.
check_loss() { # where port
	local data drop ex0 ex1
	ex0=$(mirror_excess)
	loss_on a2b 50 "$1" "$2" 42 || die "loss_on $1 failed"
	xfer "$2" 24M 0 "$2" || die "transfer with loss $1 failed"
	read -r data drop _ <<<"$(loss_stats a2b "$1")"
	loss_off a2b "$1" || die "loss_off failed"
	ex1=$(mirror_excess)
	log "loss $1: $drop of $data data packets dropped," \
		"mirror excess $((ex1 - ex0))"
	[ "${data:-0}" -ge 100 ] || die "loss $1: only ${data:-0} packets seen"
	# 5% of >= 100: binomial, 20..100 per mille is > 4 sigma wide.
	[ $((drop * 1000)) -ge $((data * 20)) ] &&
		[ $((drop * 1000)) -le $((data * 100)) ] ||
		die "loss $1: dropped $drop of $data, not about 5%"
	if [ "$1" = before ]; then
		[ $((ex1 - ex0)) = 0 ] || die "dropped frames were mirrored"
	else
		[ $((ex1 - ex0)) = "$drop" ] ||
			die "mirror excess $((ex1 - ex0)) != $drop dropped"
	fi
}
check_loss before 5301
check_loss after 5302
# The port filter: loss on another port leaves this transfer alone.
loss_on a2b 500 before 9999 || die "loss_on with port failed"
xfer 5303 4M 0 3 || die "transfer failed with loss on another port"
read -r data drop _ <<<"$(loss_stats a2b before)"
[ "$data" = 0 ] && [ "$drop" = 0 ] || die "port filter ignored: $data $drop"
loss_off a2b before

# 3. teardown, also from a killed script, leaves nothing behind.
gone() { # topo id
	! ip netns list | grep -q "^$1-" || return 1
	! ip -o link | grep -q "02:00:c6:12:00"
}
sub=fs-$$-sub
TOPO_ID=$sub bash -c ". '$FS_ROOT/tests/e2e/lib.sh'; topo_trap;
	topo_up 2 || exit 3; kill -TERM \$\$; sleep 5; exit 4"
rc=$?
[ "$rc" = 143 ] || die "killed topology script exited $rc, not 143"
gone "$sub" || die "killed script left $sub namespaces or links"
id=$TOPO_ID
topo_down
topo_down
gone "$id" || die "topo_down left namespaces or links"
log "topology self-test passed"
