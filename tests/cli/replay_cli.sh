#!/bin/bash
# flowsplice replay's errors: bad options exit 2 with a message naming
# the option; bad input exits 1 with one line (a file that is not a
# capture before anything is opened; a truncated record after the
# frames before it were sent, at the byte offset `read` names too); an
# interface that does not exist, a queue another socket holds (refused
# bind) and an interface that is down (the kernel refuses to transmit)
# exit 1 with one clear line.  Sends only on lo and a veth pair inside a
# network namespace of its own.
set -u
FS_BIN=${FS_BIN:-build/flowsplice}
FS_SHARED=${FS_SHARED:-$(cd "$(dirname "$0")/../../.." && pwd)/shared}
OUT=$(mktemp -d /tmp/fs-cli-XXXXXX)
NS=fs-rpc-$$
fails=0
cleanup() {
	[ -n "${bg:-}" ] && kill "$bg" 2>/dev/null && wait "$bg" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$OUT"
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
p=$FS_SHARED/pcaps/ppp--650HttpResponses.pcap
[ -f "$p" ] || { echo "FAIL: no $p"; exit 1; }

# expect RC NAME PATTERN args...: the exit code, and PATTERN on stderr
expect() {
	local want=$1 name=$2 pat=$3 rc
	shift 3
	"$@" >"$OUT/$name.out" 2>"$OUT/$name.err"
	rc=$?
	[ "$rc" = "$want" ] || fail "$name: exit $rc, want $want ($(head -c 300 "$OUT/$name.err"))"
	[ -z "$pat" ] || grep -q -e "$pat" "$OUT/$name.err" ||
		fail "$name: stderr lacks '$pat': $(head -c 300 "$OUT/$name.err")"
}

R="$FS_BIN replay"
expect 2 no-iface "-i IFACE" $R -r "$p"
expect 2 no-file "-r FILE" $R -i lo
expect 2 pps-zero "pps" $R -i lo -r "$p" --pps 0
expect 2 speed-zero "speed" $R -i lo -r "$p" --speed 0
expect 2 speed-neg "speed" $R -i lo -r "$p" --speed -2
expect 2 speed-word "speed" $R -i lo -r "$p" --speed fast
expect 2 mbps-word "mbps" $R -i lo -r "$p" --mbps 1x
expect 2 mbps-inf "mbps" $R -i lo -r "$p" --mbps inf
expect 2 two-modes "exclude" $R -i lo -r "$p" --pps 10 --topspeed
expect 2 speed-mbps "exclude" $R -i lo -r "$p" --speed 2 --mbps 10
expect 2 frame-size "frame-size" $R -i lo -r "$p" --frame-size 3000
expect 2 frames-few "frames" $R -i lo -r "$p" --frames 8
expect 2 loop-stdin "loop" $R -i lo -r - --loop 2
expect 2 bad-filter "bad filter" $R -i lo -r "$p" tcp port
expect 2 bad-queue "queues" $R -i lo -r "$p" -Q 5
expect 2 bad-interval "stats-interval" $R -i lo -r "$p" --stats-interval x
expect 2 bad-option "unrecognized\|unknown\|invalid" $R -i lo -r "$p" --bogus
expect 0 help "" $R --help
for o in --interface --read --speed --pps --mbps --topspeed --loop --queues \
	--stats-interval --stats-json --frame-size --frames --verbose --quiet; do
	grep -q -- "$o" "$OUT/help.out" || fail "--help lacks $o"
done

# Bad input before anything is opened: one line, exit 1.
expect 1 missing "$OUT/none.pcap" $R -i lo -r "$OUT/none.pcap"
head -c 100 /dev/urandom >"$OUT/junk.pcap"
expect 1 junk "not a pcap" $R -i lo -r "$OUT/junk.pcap"
expect 1 no-such-iface "no such interface" $R -i fs-none0 -r "$p"
for n in missing junk no-such-iface; do
	[ "$(wc -l <"$OUT/$n.err")" = 1 ] || fail "$n: not one line"
done

[ "$(id -u)" = 0 ] || { echo "SKIP: the rest needs root"; exit $((fails ? 1 : 77)); }
ip netns add "$NS" || exit 1
ip -n "$NS" link set lo up
ip -n "$NS" link add fsr0 type veth peer name fsr1 || exit 1
nsx() { ip netns exec "$NS" "$@"; }

# A truncated record: the 7 whole records before it go out, then one
# line with the offset `read` gives, exit 1.
head -c 10000 "$p" >"$OUT/trunc.pcap"
off=$("$FS_BIN" read -r "$OUT/trunc.pcap" -w "$OUT/t.pcap" 2>&1 |
	sed -n 's/.*truncated record at offset \([0-9]*\).*/\1/p')
[ -n "$off" ] || fail "read names no offset for the truncated file"
expect 1 trunc "truncated record at offset $off" nsx $R -i lo -q \
	-r "$OUT/trunc.pcap" --topspeed --stats-json "$OUT/trunc.json"
grep -q '"packets": 7,' "$OUT/trunc.json" ||
	fail "trunc: the records before the bad one were not all sent"
[ "$(grep -c "offset" "$OUT/trunc.err")" = 1 ] || fail "trunc: not one line"

# A queue another AF_XDP socket holds: the bind is refused.
ip netns exec "$NS" $R -i lo -q -r "$p" --loop 0 --pps 100 \
	2>"$OUT/bg.err" &
bg=$!
for ((i = 0; i < 50; i++)); do
	ss -N "$NS" -a -f xdp 2>/dev/null | tail -n +2 | grep -q . && break
	sleep 0.1
done
expect 1 busy "cannot bind an AF_XDP socket to lo TX queue 0" \
	nsx $R -i lo -r "$p" --topspeed
kill "$bg" || fail "busy: the first replay ended: $(cat "$OUT/bg.err")"
wait "$bg"
bg=

# An interface that is down: the kernel refuses to transmit.
expect 1 down "fsr0.*down" nsx $R -i fsr0 -q -r "$p" --topspeed
[ "$(wc -l <"$OUT/down.err")" -le 5 ] || fail "down: too many lines"
sed 's/^/    /' "$OUT/trunc.err" "$OUT/busy.err" "$OUT/down.err"

[ "$fails" = 0 ] && echo PASS
exit $((fails ? 1 : 0))
