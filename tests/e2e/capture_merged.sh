#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# End to end: several queues into one -w FILE (the default), native mode
# on a 4-queue capture veth so that packets arrive on several queues.
#  - pcap: exactly one file, written O_DIRECT (a descriptor of it has the
#    flag while the capture runs); tcpdump, tshark and mergecap read it
#    without complaint; its records = written = redirected (every packet
#    once), from two queues or more; the TCP payload covers what was sent;
#  - pcapng: the same, each packet with its queue (epb_queue), regions
#    padded with blocks of local use that every reader skips, and the
#    file ends with one statistics block whose usrdeliv is the total;
#  - --pcap-io buffered: no descriptor of it O_DIRECT, the same file;
#  - --per-queue-files: FILE.qN per queue, as before.
set -u
. "$(dirname "$0")/lib.sh"
need_root
skip_if_no_xdp

C2S=$((6 * 1024 * 1024))
S2C=$((2 * 1024 * 1024))
OUT=$(mktemp -d /tmp/fs-merged-XXXXXX)
topo_on_exit "rm -rf $OUT"
topo_trap
topo_up 4
topo_bg b "$TCPXFER" server --port 5201 --conns 100
wait_port b 5201

run() { # name capture-args...
	local name=$1 pid rc
	shift
	mkdir -p "$OUT/$name"
	topo_bg cap "$FS_BIN" capture -i "$CAP_IF" --xdp-mode native \
		tcp port 5201 --stats-json "$OUT/$name.json" "$@" \
		2>"$OUT/$name.log"
	pid=$TOPO_BG_PID
	for _ in $(seq 100); do
		[ -s "$OUT/$name.json" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	[ -s "$OUT/$name.json" ] ||
		{ cat "$OUT/$name.log"; die "$name: capture did not start"; }
	# Paced at 100 Mbit/s: the test is about the one file, and four
	# native queues at full speed outran an ASan build's workers (ring
	# drops) on two shared cores.
	topo_ns_exec a "$TCPXFER" client --connect "$IP_B:5201" --conns 8 \
		--parallel 8 --req-bytes "$C2S" --resp-bytes "$S2C" --seed 12 \
		--rate 100 ||
		die "$name: transfer failed"
	direct_fds "$pid" "$OUT/$name/" >"$OUT/$name.direct"
	sleep 0.5
	kill -INT "$pid"
	wait "$pid"
	rc=$?
	tail -n 7 "$OUT/$name.log"
	[ "$rc" = 0 ] || die "$name: capture exited with $rc"
	grep -q "every redirected packet is accounted for" "$OUT/$name.log" ||
		die "$name: the summary does not reconcile"
}

# direct_fds PID DIR: how many of PID's descriptors of files in DIR are
# O_DIRECT (040000 in fdinfo's octal flags).
direct_fds() {
	local fd n=0 flags
	for fd in /proc/"$1"/fd/*; do
		case $(readlink "$fd") in "$2"*) ;; *) continue ;; esac
		flags=$(awk '/^flags:/ {print $2}' "/proc/$1/fdinfo/${fd##*/}")
		[ $((0$flags & 040000)) != 0 ] && n=$((n + 1))
	done
	echo "$n"
}

# readers NAME FILE: tcpdump, tshark and mergecap read FILE whole; the
# packet count they agree on goes to stdout.
readers() {
	local n t m
	n=$(tcpdump -nr "$2" 2>"$OUT/err" | wc -l)
	grep -qiE "truncat|error|bogus" "$OUT/err" &&
		die "$1: tcpdump complains: $(cat "$OUT/err")"
	t=$(tshark -r "$2" -T fields -e frame.number 2>"$OUT/err" | wc -l)
	grep -v 'Running as user "root"' "$OUT/err" | grep -q . &&
		die "$1: tshark complains: $(cat "$OUT/err")"
	mergecap -w "$OUT/mc.pcapng" "$2" 2>"$OUT/err" ||
		die "$1: mergecap cannot read it: $(cat "$OUT/err")"
	m=$(capinfos -Mc "$OUT/mc.pcapng" | sed -n 's/.*packets: *//p')
	[ "$n" = "$t" ] && [ "$t" = "$m" ] ||
		die "$1: tcpdump $n, tshark $t, mergecap $m packets"
	echo "$n"
}

# counts NAME: "written redirected queues-with-packets"
counts() {
	python3 -c '
import json, sys
q = json.load(open(sys.argv[1]))["queues"]
print(sum(x["written"] for x in q), sum(x["redirected"] for x in q),
      sum(1 for x in q if x["rx_packets"]))' "$OUT/$1.json"
}

run pcap -w "$OUT/pcap/m.pcap"
[ "$(ls "$OUT/pcap")" = m.pcap ] || die "pcap: files $(ls "$OUT/pcap")"
[ "$(cat "$OUT/pcap.direct")" -ge 1 ] || die "pcap: no O_DIRECT descriptor"
n=$(readers pcap "$OUT/pcap/m.pcap")
read -r wr rd nq <<<"$(counts pcap)"
log "pcap: $n packets in the file, written $wr, redirected $rd, $nq queues"
[ "$n" = "$wr" ] && [ "$wr" = "$rd" ] || die "pcap: not every packet once"
[ "$nq" -ge 2 ] || die "pcap: one queue received everything: the test is void"
python3 "$FS_ROOT/tests/e2e/pcap_check.py" "$OUT/pcap/m.pcap" --port 5201 \
	--c2s $((C2S + 32)) --s2c "$S2C" --conns 8 >/dev/null ||
	die "pcap: payload mismatch"

run ng -w "$OUT/ng/m.pcapng" --format pcapng
[ "$(ls "$OUT/ng")" = m.pcapng ] || die "pcapng: files $(ls "$OUT/ng")"
[ "$(cat "$OUT/ng.direct")" -ge 1 ] || die "pcapng: no O_DIRECT descriptor"
n=$(readers ng "$OUT/ng/m.pcapng")
read -r wr rd nq <<<"$(counts ng)"
log "pcapng: $n packets, written $wr, redirected $rd, $nq queues"
[ "$n" = "$wr" ] && [ "$wr" = "$rd" ] || die "pcapng: not every packet once"
q=$(tshark -r "$OUT/ng/m.pcapng" -T fields -e frame.interface_queue 2>/dev/null |
	sort -u | wc -l)
[ "$q" -ge 2 ] || die "pcapng: packets carry $q distinct queues"
# (tshark's dissection of the file format gives up on this many blocks)
python3 - "$OUT/ng/m.pcapng" >"$OUT/isb" <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read()
off, isb, ud, pads = 0, 0, None, 0
while off < len(b):
    t, ln = struct.unpack_from("<II", b, off)
    if t == 0x8f5a0000:
        pads += 1
        assert off + ln == len(b) or (off + ln) % 4096 == 0, off
    if t == 5:
        isb += 1
        o = off + 20
        while o < off + ln - 4:
            code, olen = struct.unpack_from("<HH", b, o)
            if code == 8:
                ud = struct.unpack_from("<Q", b, o + 4)[0]
            o += 4 + ((olen + 3) & ~3)
    off += ln
print(isb, ud, off == len(b), pads)
PY
read -r isb ud whole pads <"$OUT/isb"
[ "$isb" = 1 ] && [ "$ud" = "$wr" ] && [ "$whole" = True ] ||
	die "pcapng: $isb statistics blocks, usrdeliv $ud (written $wr)"
[ "$pads" -ge 1 ] || die "pcapng: no region padding: not the aligned layout"
log "pcapng: $pads padding blocks, each ending a region at a page"
"$FS_BIN" read -r "$OUT/ng/m.pcapng" -w "$OUT/back.pcap" 2>"$OUT/rd.log" ||
	die "flowsplice read cannot read the merged pcapng"
grep -q " $wr records" "$OUT/rd.log" || die "flowsplice read: $(cat "$OUT/rd.log")"

run buf -w "$OUT/buf/m.pcap" --pcap-io buffered
[ "$(cat "$OUT/buf.direct")" = 0 ] || die "buffered: an O_DIRECT descriptor"
n=$(readers buf "$OUT/buf/m.pcap")
read -r wr rd nq <<<"$(counts buf)"
[ "$n" = "$wr" ] && [ "$wr" = "$rd" ] || die "buffered: not every packet once"

run per -w "$OUT/per/m.pcap" --per-queue-files
ls "$OUT/per" | grep -qx 'm.pcap.q0' && ! ls "$OUT/per" | grep -qx m.pcap ||
	die "--per-queue-files: files $(ls "$OUT/per")"
log "PASS"
