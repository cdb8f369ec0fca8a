#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `flowsplice read` compiles the filter with libpcap for the input's own
# link type: on a raw-IP capture, `icmp` selects what tcpdump -r selects,
# and `ether host` (which libpcap refuses there) is a usage error, exit 2,
# with libpcap's message, before anything is written.
set -u
FS_ROOT=${FS_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
FS_BIN=${FS_BIN:-$FS_ROOT/build/flowsplice}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0

# Two raw IPv4 packets (link type 101): an ICMP echo and a UDP datagram.
python3 - "$work/raw.pcap" <<'PY'
import struct, sys
def ip4(proto, body):
    return struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(body), 1, 0, 64,
                       proto, 0, bytes([198, 18, 0, 1]),
                       bytes([198, 18, 0, 2])) + body
icmp = ip4(1, struct.pack(">BBHHH", 8, 0, 0, 1, 1))
udp = ip4(17, struct.pack(">HHHH", 5353, 53, 8, 0))
out = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101)
for i, p in enumerate((icmp, udp)):
    out += struct.pack("<IIII", 1 + i, 0, len(p), len(p)) + p
open(sys.argv[1], "wb").write(out)
PY

"$FS_BIN" read -r "$work/raw.pcap" -w "$work/icmp.pcap" icmp >"$work/out" 2>&1
rc=$?
want=$(tcpdump -r "$work/raw.pcap" icmp 2>/dev/null | wc -l)
got=$(tcpdump -r "$work/icmp.pcap" 2>/dev/null | wc -l)
if [ $rc -eq 0 ] && [ "$want" = 1 ] && [ "$got" = "$want" ]; then
	echo "PASS  raw IP, icmp: $got of 2 packets, as tcpdump -r"
else
	echo "FAIL  raw IP, icmp: rc $rc, $got packets (tcpdump -r: $want)"
	cat "$work/out"
	fail=1
fi
"$FS_BIN" read -r "$work/raw.pcap" -w "$work/ether.pcap" \
	ether host 02:00:00:00:00:01 >"$work/out" 2>&1
rc=$?
if [ $rc -eq 2 ] && grep -q "ethernet addresses supported only" "$work/out" &&
	[ ! -e "$work/ether.pcap" ]; then
	echo "PASS  raw IP, ether host: exit 2, libpcap's message, no output"
else
	echo "FAIL  raw IP, ether host: rc $rc"
	cat "$work/out"
	fail=1
fi
exit $fail
