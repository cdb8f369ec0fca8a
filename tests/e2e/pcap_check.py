#!/usr/bin/env python3
"""Check a pcap's TCP payload against what was sent.

  pcap_check.py FILE... --port P --c2s N --s2c N [--conns K]

For every connection to port P: the payload of each direction, placed at
seq - ISN - 1, must cover [0, N) with no hole and nothing past N.  Prints
per-connection totals; exits 1 on any mismatch.  Reads pcap in micro- and
nanosecond format (little endian), Ethernet with optional VLAN tags.
"""
import argparse
import struct
import sys


def records(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack_from("<I", data, 0)[0]
    if magic not in (0xA1B2C3D4, 0xA1B23C4D):
        sys.exit(f"{path}: not a little-endian pcap (magic {magic:#x})")
    off = 24
    while off + 16 <= len(data):
        _, _, caplen, wirelen = struct.unpack_from("<IIII", data, off)
        off += 16
        if off + caplen > len(data):
            sys.exit(f"{path}: truncated record at offset {off - 16}")
        yield data[off:off + caplen], wirelen
        off += caplen


def parse(frame):
    et = struct.unpack_from("!H", frame, 12)[0]
    l3 = 14
    while et in (0x8100, 0x88A8):
        et = struct.unpack_from("!H", frame, l3 + 2)[0]
        l3 += 4
    if et == 0x0800:
        ihl = (frame[l3] & 0xF) * 4
        tot = struct.unpack_from("!H", frame, l3 + 2)[0]
        if frame[l3 + 9] != 6:
            return None
        src, dst = frame[l3 + 12:l3 + 16], frame[l3 + 16:l3 + 20]
        l4, end = l3 + ihl, l3 + tot
        if tot == 0:  # GSO super-packet: length from the capture
            end = len(frame)
    elif et == 0x86DD:
        if frame[l3 + 6] != 6:
            return None
        plen = struct.unpack_from("!H", frame, l3 + 4)[0]
        src, dst = frame[l3 + 8:l3 + 24], frame[l3 + 24:l3 + 40]
        l4, end = l3 + 40, l3 + 40 + plen
    else:
        return None
    sport, dport, seq = struct.unpack_from("!HHI", frame, l4)
    doff = (frame[l4 + 12] >> 4) * 4
    flags = frame[l4 + 13]
    end = min(end, len(frame))
    return (src, sport, dst, dport, seq, flags, max(0, end - l4 - doff))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="+")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--c2s", type=int, required=True)
    ap.add_argument("--s2c", type=int, required=True)
    ap.add_argument("--conns", type=int, default=1)
    a = ap.parse_args()

    dirs = {}  # (src, sport, dst, dport) -> {"isn", "segs", "pkts"}
    for path in a.files:
        for frame, _ in records(path):
            p = parse(frame)
            if not p or a.port not in (p[1], p[3]):
                continue
            src, sport, dst, dport, seq, flags, plen = p
            d = dirs.setdefault((src, sport, dst, dport),
                                {"isn": None, "segs": [], "pkts": 0})
            d["pkts"] += 1
            if flags & 0x02:
                d["isn"] = seq
            if plen:
                d["segs"].append((seq, plen))

    bad = 0
    conns = 0
    for key, d in sorted(dirs.items()):
        c2s = key[3] == a.port
        want = a.c2s if c2s else a.s2c
        if c2s:
            conns += 1
        if d["isn"] is None:
            print(f"port {key[1]}->{key[3]}: no SYN captured")
            bad += 1
            continue
        covered = []
        for seq, plen in d["segs"]:
            off = (seq - d["isn"] - 1) % (1 << 32)
            covered.append((off, off + plen))
        covered.sort()
        have, holes, dup = 0, 0, 0
        for s, e in covered:
            if s > have:
                holes += s - have
            dup += max(0, min(e, have) - s)
            have = max(have, e)
        ok = have == want and holes == 0
        bad += not ok
        print(f"{'c2s' if c2s else 's2c'} port {key[1]}->{key[3]}: "
              f"{d['pkts']} pkts, stream end {have} (want {want}), "
              f"holes {holes}, duplicate bytes {dup}: "
              f"{'ok' if ok else 'MISMATCH'}")
    if conns != a.conns:
        print(f"{conns} connections seen, want {a.conns}")
        bad += 1
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
