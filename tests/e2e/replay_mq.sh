#!/bin/bash
# Two TX queues (veth with numtxqueues 2): one socket and one sender per
# queue on one UMEM, packet k on queue k % 2.  The two queues interleave
# at the recorder, so the frames are compared as a multiset: every frame,
# byte for byte, as many times as sent, nothing else; each queue sent its
# half.  Then with a small UMEM and --loop 2, and on one queue of the two
# (-Q 1), where the order is the file's again.
set -u
FS_ROOT=${FS_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
FS_BIN=${FS_BIN:-$FS_ROOT/build/flowsplice}
. "$FS_ROOT/tests/e2e/replay_lib.sh"
replay_up 2
p=$PCAPS/ppp--650HttpResponses.pcap
[ -f "$p" ] || die "no $p"
n=682

queue_pkts() { # json queue
	sed -n "s/.*\"queue\": $2, \"packets\": \([0-9]*\),.*/\1/p" "$1"
}

record_start "$WORK/rec.pcap"
replay -r "$p" --topspeed --stats-json "$WORK/st.json" 2>"$WORK/log" ||
	{ cat "$WORK/log"; die "replay on two queues failed"; }
record_stop
grep -q "^flowsplice replay: 2 TX queue socket" "$WORK/log" ||
	{ cat "$WORK/log"; die "not two sockets"; }
out=$(check "$p" --unordered) || die "two queues: $out"
[ "$(json_field "$WORK/st.json" packets)" = $n ] || die "summary count"
[ "$(queue_pkts "$WORK/st.json" 0)" = $((n / 2)) ] || die "queue 0's share"
[ "$(queue_pkts "$WORK/st.json" 1)" = $((n / 2)) ] || die "queue 1's share"
log "two queues: $out, $((n / 2)) each"

record_start "$WORK/rec.pcap"
replay -r "$p" --topspeed --frames 64 --loop 2 --stats-json "$WORK/st.json" \
	2>"$WORK/log" || { cat "$WORK/log"; die "--loop 2 --frames 64 failed"; }
record_stop
out=$(check "$p" --unordered --repeat 2) || die "two queues, --loop 2: $out"
[ "$(queue_pkts "$WORK/st.json" 0)" = $n ] || die "queue 0's share of 2 loops"
log "two queues, --frames 64 --loop 2: $out"

record_start "$WORK/rec.pcap"
replay -r "$p" --topspeed -Q 1 --stats-json "$WORK/st.json" 2>"$WORK/log" ||
	{ cat "$WORK/log"; die "-Q 1 failed"; }
record_stop
out=$(check "$p") || die "-Q 1: $out"
log "-Q 1: $out, in order"
echo PASS
