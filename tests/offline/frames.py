# SPDX-License-Identifier: GPL-2.0
"""Hand-built frames and capture files for the offline tests.

    import sys; sys.path.insert(0, TESTS_OFFLINE); from frames import *

A, B: 198.18.0.1 and 198.18.0.2.  ip4(proto, l4) an IPv4 packet with its
header checksum; tcp(sport, dport, seq, ack, flags, data, src, dst) an IPv4
TCP packet with its checksum; ETH an Ethernet header (IPv4) to put in
front; write_pcap(path, linktype, frames) a microsecond pcap, one record a
microsecond apart.
"""
import struct

A, B = bytes([198, 18, 0, 1]), bytes([198, 18, 0, 2])
FIN, SYN, RST, PSH, ACK = 1, 2, 4, 8, 16
ETH = b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00"


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ip4(proto, l4, src=A, dst=B):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0, 64, proto,
                    0, src, dst)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + l4


def tcp(sport, dport, seq, ack, flags, data=b"", src=A, dst=B):
    t = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags,
                    65535, 0, 0) + data
    ph = src + dst + struct.pack("!BBH", 0, 6, len(t))
    t = t[:16] + struct.pack("!H", csum(ph + t)) + t[18:]
    return ip4(6, t, src, dst)


def write_pcap(path, linktype, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535,
                            linktype))
        for i, p in enumerate(frames):
            f.write(struct.pack("<IIII", 1700000000, i, len(p), len(p)) + p)
