#!/bin/bash
# A capture larger than the UMEM streams through it: with 64 frames per
# queue, a 682-frame file three times over (--loop 3) is 2046 frames, each
# frame reused about 32 times, released only from the completion ring.
# Every frame arrives, byte for byte and in order, three times.  Standard
# input (-r -) is read once, the same way; --loop 0 runs until SIGINT,
# and the summary still accounts for everything that left.
set -u
FS_ROOT=${FS_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
FS_BIN=${FS_BIN:-$FS_ROOT/build/flowsplice}
. "$FS_ROOT/tests/e2e/replay_lib.sh"
replay_up 1
p=$PCAPS/ppp--650HttpResponses.pcap
[ -f "$p" ] || die "no $p"

record_start "$WORK/rec.pcap"
replay -r "$p" --topspeed --frames 64 --loop 3 \
	--stats-json "$WORK/st.json" 2>"$WORK/log" ||
	{ cat "$WORK/log"; die "replay failed"; }
record_stop
cat "$WORK/log"
out=$(check "$p" --repeat 3) || die "--loop 3 --frames 64: $out"
log "$out"
[ "$(json_field "$WORK/st.json" packets)" = 2046 ] || die "summary count"
[ "$(json_field "$WORK/st.json" passes)" = 3 ] || die "passes"
[ "$(json_field "$WORK/st.json" unfinished)" = 0 ] || die "frames lost"
lag=$(sed -n 's/.*"max_frames": \([0-9]*\).*/\1/p' "$WORK/st.json")
[ "$lag" -le 64 ] || die "more frames in flight ($lag) than the UMEM has"

# Standard input, paced by the capture at 100x (counts and bytes only).
record_start "$WORK/rec.pcap"
topo_ns_exec a "$FS_BIN" replay -i "$MIR_IF" -r - --speed 100 --frames 64 \
	--stats-json "$WORK/st.json" <"$p" 2>"$WORK/log" ||
	{ cat "$WORK/log"; die "replay from stdin failed"; }
record_stop
out=$(check "$p") || die "stdin: $out"
log "stdin: $out"

# Until stopped: a prefix of the endless sequence, every frame whole.
record_start "$WORK/rec.pcap"
topo_bg a "$FS_BIN" replay -i "$MIR_IF" -r "$p" --loop 0 --pps 5000 \
	--stats-json "$WORK/st.json" 2>"$WORK/log"
pid=$TOPO_BG_PID
sleep 1
kill -INT "$pid"
wait "$pid" || { cat "$WORK/log"; die "replay --loop 0 exited $?"; }
record_stop
sent=$(json_field "$WORK/st.json" packets)
[ "$sent" -gt 0 ] || die "nothing sent before SIGINT"
out=$(check "$p" --count "$sent") || die "--loop 0: frames differ: $out"
log "--loop 0: $sent frames, in order, until SIGINT"
echo PASS
