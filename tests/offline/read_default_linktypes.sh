#!/bin/bash
# `read` with no filter on captures whose link type has no VLAN tags:
# Linux cooked v1 and v2, raw IP, and a pcapng mixing one of
# them with Ethernet.  The default (all TCP, also behind VLAN tags) falls
# back to "tcp" where libpcap refuses "vlan"; every TCP frame matches, the
# UDP frame does not, and --streams writes the connection's bytes.
set -u
. "$(dirname "$0")/lib.sh"
export FRAMES_DIR=$FS_ROOT/tests/offline

python3 - "$work" <<'PY'
import os, struct, sys
sys.path.insert(0, os.environ["FRAMES_DIR"])
from frames import ETH, ip4, tcp as tcp4, write_pcap
d = sys.argv[1]
def tcp(flags, seq, data=b""):
    return tcp4(40000, 80, seq, 0, flags, data)
ip = ip4
udp = ip(17, struct.pack("!HHHH", 5000, 53, 12, 0) + b"abcd")
pkts = [tcp(2, 100), tcp(24, 101, b"hello"), udp, tcp(17, 106)]
heads = {
    113: lambda: struct.pack("!HHH8sH", 0, 1, 6, b"\x02\0\0\0\0\x01\0\0", 0x0800),
    276: lambda: struct.pack("!HHIHBB8s", 0x0800, 0, 2, 1, 0, 6, b"\x02\0\0\0\0\x01\0\0"),
    101: lambda: b"",
    1: lambda: ETH,
}
for lt in (113, 276, 101):
    write_pcap(f"{d}/lt{lt}.pcap", lt, [heads[lt]() + p for p in pkts])
def block(t, body):
    body += b"\0" * (-len(body) % 4)
    return struct.pack("<II", t, 12 + len(body)) + body + struct.pack("<I", 12 + len(body))
ng = block(0x0a0d0d0a, struct.pack("<IHHq", 0x1a2b3c4d, 1, 0, -1))
ng += block(1, struct.pack("<HHI", 1, 0, 65535)) + block(1, struct.pack("<HHI", 113, 0, 65535))
for i, p in enumerate(pkts):
    p = heads[1 if i % 2 == 0 else 113]() + p
    ng += block(6, struct.pack("<IIIII", i % 2, 0, i, len(p), len(p)) + p)
open(f"{d}/mixed.pcapng", "wb").write(ng)
PY

for f in lt113.pcap lt276.pcap lt101.pcap mixed.pcapng; do
	rm -rf "$work/st"
	"$FS_BIN" read -r "$work/$f" --streams "$work/st" 2>"$work/err"
	rc=$?
	[ $rc = 0 ] || { bad "$f: exit $rc"; cat "$work/err"; continue; }
	grep -q '4 records, 3 matched, 0 malformed' "$work/err" ||
		{ bad "$f: not 3 of 4 records matched"; head -3 "$work/err"; }
	got=$(cat "$work"/st/0/*.c2s 2>/dev/null)
	[ "$got" = hello ] || bad "$f: c2s stream is '$got', not 'hello'"
done
[ $fail = 0 ] && echo "PASS: no filter on SLL, SLL2, raw IP and a mixed pcapng: every TCP frame, the stream written"
exit $fail
