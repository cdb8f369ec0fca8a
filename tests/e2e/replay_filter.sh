#!/bin/bash
# A filter picks what is replayed: the frames `flowsplice read -w` keeps
# with the same filter arrive, byte for byte and in order, and nothing
# else; the others are counted as filtered.  Three filters: one flow of
# three (a port), one direction (a source host), and the SYNs (byte
# access, which only libpcap's matcher takes).
set -u
FS_ROOT=${FS_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
FS_BIN=${FS_BIN:-$FS_ROOT/build/flowsplice}
. "$FS_ROOT/tests/e2e/replay_lib.sh"
replay_up 1
p=$PCAPS/ppp--three_http_streams.pcap
[ -f "$p" ] || die "no $p"
total=$(python3 -c 'import sys; sys.path.insert(0, sys.argv[1])
import replay_check as c; print(len(c.frames(sys.argv[2])))' \
	"$FS_ROOT/tests/e2e" "$p")

set -f # $filter is split into words, never globbed (tcp[...])
for filter in "tcp port 54615" "src host 98.139.161.29" \
	"tcp[tcpflags] & tcp-syn != 0"; do
	"$FS_BIN" read -r "$p" -w "$WORK/want.pcap" $filter 2>/dev/null ||
		die "read -w $filter failed"
	want=$(python3 -c 'import sys; sys.path.insert(0, sys.argv[1])
import replay_check as c; print(len(c.frames(sys.argv[2])))' \
		"$FS_ROOT/tests/e2e" "$WORK/want.pcap")
	[ "$want" -gt 0 ] && [ "$want" -lt "$total" ] ||
		die "'$filter' keeps $want of $total: not a useful case"
	record_start "$WORK/rec.pcap"
	replay -r "$p" --topspeed --stats-json "$WORK/st.json" $filter \
		2>"$WORK/log" || { cat "$WORK/log"; die "replay '$filter' failed"; }
	record_stop
	out=$(check "$WORK/want.pcap") || die "'$filter': $out"
	[ "$(json_field "$WORK/st.json" packets)" = "$want" ] ||
		die "'$filter': summary count"
	[ "$(skipped "$WORK/st.json" filtered)" = $((total - want)) ] ||
		die "'$filter': filtered count"
	log "'$filter': $out, $((total - want)) filtered"
done
set +f
echo PASS
