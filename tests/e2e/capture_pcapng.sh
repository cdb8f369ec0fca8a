#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# End to end: --format pcapng on a live capture, read back by tshark,
# capinfos and flowsplice read.  Two runs:
#  - plain, -C rotation: every file is pcapng with flowsplice and the
#    kernel in its section header, one interface (cap0, nanoseconds), an
#    interface statistics block at its end; records = stats "written";
#    every packet carries its queue; `flowsplice read` reads them all;
#  - drops (RX ring of 64 entries, 128 frames, a fast transfer): the
#    last file's statistics block has isb_ifdrop = the kernel's drops of
#    the stats JSON, isb_osdrop = the worker's, isb_ifrecv = received +
#    kernel drops, and packets carry epb_dropcount, adding up to no more
#    than those drops.
set -u
. "$(dirname "$0")/lib.sh"
need_root
skip_if_no_xdp
command -v tshark >/dev/null || die "tshark not installed"

OUT=$(mktemp -d /tmp/fs-ng-XXXXXX)
topo_on_exit "rm -rf $OUT"
topo_trap
topo_up 1
topo_bg b "$TCPXFER" server --port 5201 --conns 100
wait_port b 5201

run() { # name req-bytes capture-args...
	local name=$1 req=$2 pid rc
	shift 2
	mkdir -p "$OUT/$name"
	topo_bg cap "$FS_BIN" capture -i "$CAP_IF" --xdp-mode generic -Q 0 \
		--format pcapng -w "$OUT/$name/c.pcapng" tcp port 5201 \
		--stats-json "$OUT/$name/stats.json" "$@" 2>"$OUT/$name/cap.log"
	pid=$TOPO_BG_PID
	for _ in $(seq 100); do
		[ -s "$OUT/$name/stats.json" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	[ -s "$OUT/$name/stats.json" ] ||
		{ cat "$OUT/$name/cap.log"; die "$name: capture did not start"; }
	topo_ns_exec a "$TCPXFER" client --connect "$IP_B:5201" --conns 2 \
		--parallel 2 --req-bytes "$req" --resp-bytes 100K --seed 5 ||
		die "$name: transfer failed"
	sleep 0.5
	kill -INT "$pid"
	wait "$pid"
	rc=$?
	tail -n 6 "$OUT/$name/cap.log"
	[ "$rc" = 0 ] || die "$name: capture exited with $rc"
}

# Per file: "packets queue0 ifrecv ifdrop osdrop usrdeliv dropcount-sum"
# from tshark's dissection of the file format itself.
ng_facts() { # file
	tshark -r "$1" -X 'read_format:MIME Files Format' -V 2>/dev/null |
		awk '
		/Block: Enhanced Packet Block/ { pk++ }
		/Option: Queue = 0$/ { q0++ }
		/Option: Drop Count = / { dc += $NF }
		/Option: Number of Received Packets = / { rv = $NF }
		/Option: Number of Dropped Packets = / { dr = $NF }
		/Option: Number of Packets Dropped by OS = / { os = $NF }
		/Option: Number of Packets Delivered to the User = / { ud = $NF }
		END { print pk + 0, q0 + 0, rv, dr, os, ud, dc + 0 }'
}

run plain 6M -C 2
python3 - "$OUT/plain" <<'PY' || die "plain: files wrong"
import glob, json, os, struct, sys
d = sys.argv[1]
files = sorted(glob.glob(d + "/c.pcapng*"))
assert len(files) >= 2, files
for f in files:
    b = open(f, "rb").read()
    assert struct.unpack_from("<I", b, 0)[0] == 0x0A0D0D0A, f
    t = last = None
    off = 0
    while off < len(b):
        t, ln = struct.unpack_from("<II", b, off)
        off += ln
    assert off == len(b) and t == 5, f"{f} does not end with an ISB"
print("ok:", len(files), "files, each ending with a statistics block")
PY
total=0
for f in "$OUT"/plain/c.pcapng*; do
	read -r pk q0 rv dr os ud dc <<<"$(ng_facts "$f")"
	[ "$pk" -gt 0 ] && [ "$pk" = "$q0" ] ||
		die "$f: $pk packets, $q0 with queue 0"
	[ -n "$rv" ] && [ -n "$dr" ] && [ -n "$os" ] ||
		die "$f: statistics block without ifrecv/ifdrop/osdrop"
	total=$((total + pk))
	capinfos "$f" >"$OUT/ci" 2>&1 || die "capinfos cannot read $f"
	grep -q "Capture application: flowsplice" "$OUT/ci" &&
		grep -q "Capture oper-sys:    Linux" "$OUT/ci" &&
		grep -q "Name = $CAP_IF" "$OUT/ci" &&
		grep -q "Time precision = nanoseconds (9)" "$OUT/ci" &&
		grep -q "Number of stat entries = 1" "$OUT/ci" ||
		{ cat "$OUT/ci"; die "capinfos: $f lacks a header field"; }
	n=$("$FS_BIN" read -r "$f" -w "$OUT/back.pcap" 2>&1 |
		sed -n 's/.* \([0-9]*\) records.*/\1/p')
	[ "$n" = "$pk" ] || die "flowsplice read found $n records in $f, not $pk"
done
written=$(python3 -c 'import json,sys; print(sum(q["written"] for q in json.load(open(sys.argv[1]))["queues"]))' "$OUT/plain/stats.json")
[ "$total" = "$written" ] || die "files hold $total packets, stats say $written"
log "plain: $total packets in pcapng files, as written"

run drops 60M --rx-size 64 --fill-size 64 --frames 128
read -r kd od wr rx <<<"$(python3 -c '
import json, sys
q = json.load(open(sys.argv[1]))["queues"][0]
d = q["drops"]
print(d["ring_full"] + d["fill_empty"] + d["kernel"] + d["invalid"],
      d["chain"] + d["write"], q["written"], q["rx_packets"])' "$OUT/drops/stats.json")"
[ "$kd" -gt 0 ] || die "no kernel drops with a 64-entry ring: the test is void"
last=$(ls -t "$OUT"/drops/c.pcapng* | head -n 1)
read -r pk q0 rv dr os ud dc <<<"$(ng_facts "$last")"
log "drops: stats kernel $kd os $od written $wr rx $rx; ISB ifrecv $rv ifdrop $dr osdrop $os usrdeliv $ud; epb_dropcount sum $dc"
[ "$dr" = "$kd" ] || die "isb_ifdrop $dr, stats JSON kernel drops $kd"
[ "$os" = "$od" ] || die "isb_osdrop $os, stats JSON worker drops $od"
[ "$rv" = $((rx + kd)) ] || die "isb_ifrecv $rv, not rx $rx + drops $kd"
[ "$ud" = "$wr" ] || die "isb_usrdeliv $ud, stats written $wr"
[ "$dc" -gt 0 ] && [ "$dc" -le $((kd + od)) ] ||
	die "epb_dropcount sum $dc: none, or more than the $((kd + od)) drops"
log "PASS"
