#!/bin/bash
# Every capture of the shared corpus (pcap and pcapng) replayed at full
# speed from MIR_IF to a recorder on CAP_IF: every frame arrives, byte for
# byte and in order, nothing else does, and the summary's counts are the
# file's.  The 7226-byte frame of tcpdump--gso-ipv6.pcap is larger than a
# UMEM frame: it goes out as a descriptor chain (multi-buffer), and the
# run with a 1500-byte MTU counts it as too large instead.
set -u
FS_ROOT=${FS_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
FS_BIN=${FS_BIN:-$FS_ROOT/build/flowsplice}
. "$FS_ROOT/tests/e2e/replay_lib.sh"
replay_up 1
[ -d "$PCAPS" ] || die "no $PCAPS"

n=0
for p in ${REPLAY_PCAPS:-"$PCAPS"/*.pcap "$PCAPS"/*.pcapng}; do
	[ -f "$p" ] || continue
	name=$(basename "$p")
	record_start "$WORK/rec.pcap"
	replay -r "$p" --topspeed --stats-json "$WORK/st.json" \
		2>"$WORK/replay.log" || { cat "$WORK/replay.log"; die "$name: replay failed"; }
	record_stop
	grep -q "no multi-buffer" "$WORK/replay.log" &&
		die "$name: this kernel gave no multi-buffer TX (6.6+ has it)"
	out=$(check "$p") || die "$name: $out"
	want=$(python3 -c 'import sys; sys.path.insert(0, sys.argv[1])
import replay_check as c; print(len(c.frames(sys.argv[2])))' \
		"$FS_ROOT/tests/e2e" "$p")
	sent=$(json_field "$WORK/st.json" packets)
	[ "$sent" = "$want" ] || die "$name: summary says $sent sent, file has $want"
	log "$name: $out"
	n=$((n + 1))
done
[ "$n" -gt 10 ] || die "only $n captures found in $PCAPS"

# At a 1500-byte MTU the jumbo frame cannot go: counted, not sent.
p=$PCAPS/tcpdump--gso-ipv6.pcap
if [ -f "$p" ]; then
	ip -n "$NS_A" link set "$MIR_IF" mtu 1500
	record_start "$WORK/rec.pcap"
	replay -r "$p" --topspeed --stats-json "$WORK/st.json" 2>"$WORK/replay.log" ||
		die "replay at MTU 1500 failed"
	record_stop
	[ "$(skipped "$WORK/st.json" too_large)" = 1 ] ||
		die "the jumbo frame was not counted as too large"
	[ "$(json_field "$WORK/st.json" packets)" = 0 ] || die "a packet was sent"
	out=$(check "$p" --max-len 1518) || die "MTU 1500: $out"
fi
echo "PASS: $n captures replayed exactly"
