#!/bin/bash
# Every timing mode sends every frame, byte for byte and in order, and
# reports the rate it achieved; the rate itself is not asserted (tests
# never assert on timing; tools/bench/replay.sh measures accuracy).
set -u
FS_ROOT=${FS_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
FS_BIN=${FS_BIN:-$FS_ROOT/build/flowsplice}
. "$FS_ROOT/tests/e2e/replay_lib.sh"
replay_up 1

run_case() { # file args...
	local p=$PCAPS/$1 out reps=1
	shift
	[[ " $* " == *" --loop 2 "* ]] && reps=2
	[ -f "$p" ] || die "no $p"
	record_start "$WORK/rec.pcap"
	replay -r "$p" "$@" --stats-json "$WORK/st.json" 2>"$WORK/log" ||
		{ cat "$WORK/log"; die "replay $* failed"; }
	record_stop
	out=$(check "$p" --repeat "$reps") || die "$*: $out"
	[ -n "$(json_field "$WORK/st.json" pps)" ] || die "$*: no rate reported"
	log "$(basename "$p") $*: $out, $(json_field "$WORK/st.json" pps) pps"
}

run_case ppp--three_http_streams.pcap # the capture's own spacing
run_case ppp--three_http_streams.pcap --speed 0.5
run_case tcpflow--samplePcaps_jpegs.pcap --speed 20
run_case ppp--650HttpResponses.pcap --pps 2000
run_case ppp--650HttpResponses.pcap --mbps 20
run_case ppp--650HttpResponses.pcap --mbps 20 --frames 64 --loop 2
echo PASS
