#!/usr/bin/env python3
"""Compare the frames a recorder saw with the frames that were replayed.

  replay_check.py EXPECTED RECORDED [--repeat N | --count N] [--unordered]
                  [--max-len L]

EXPECTED is the replayed pcap or pcapng, RECORDED what arrived (pcap or
pcapng).  Every frame of EXPECTED, N times over (--loop N), must arrive
byte for byte, in order (or, with --unordered, as the same multiset:
several queues interleave), and nothing else may arrive.  --max-len: the
frames of EXPECTED longer than L were not sent (skipped as too large).
--count N: exactly the first N frames of EXPECTED repeated without end
(--loop 0 stopped by a signal).  Prints
"N frames match" or the first differences; exits 1 on any mismatch.
"""
import argparse
import collections
import struct
import sys


def pcap_frames(data, path):
    magic = struct.unpack_from("<I", data, 0)[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        e = "<"
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        e = ">"
    else:
        sys.exit(f"{path}: not a pcap (magic {magic:#x})")
    off = 24
    while off + 16 <= len(data):
        caplen = struct.unpack_from(e + "I", data, off + 8)[0]
        off += 16
        if off + caplen > len(data):
            sys.exit(f"{path}: truncated record at offset {off - 16}")
        yield data[off:off + caplen]
        off += caplen


def pcapng_frames(data, path):
    off, e = 0, "<"
    while off + 12 <= len(data):
        btype = struct.unpack_from(e + "I", data, off)[0]
        if btype == 0x0A0D0D0A:  # section header: byte order
            bom = struct.unpack_from("<I", data, off + 8)[0]
            e = "<" if bom == 0x1A2B3C4D else ">"
        blen = struct.unpack_from(e + "I", data, off + 4)[0]
        if blen < 12 or off + blen > len(data):
            sys.exit(f"{path}: bad block at offset {off}")
        if btype == 6:  # enhanced packet
            caplen = struct.unpack_from(e + "I", data, off + 20)[0]
            yield data[off + 28:off + 28 + caplen]
        elif btype == 3:  # simple packet
            wirelen = struct.unpack_from(e + "I", data, off + 8)[0]
            yield data[off + 12:off + 12 + min(wirelen, blen - 16)]
        off += blen


def frames(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) >= 4 and struct.unpack_from("<I", data, 0)[0] == 0x0A0D0D0A:
        return list(pcapng_frames(data, path))
    return list(pcap_frames(data, path))


def describe(f):
    return f"{len(f)} bytes {f[:14].hex(' ')} .. {f[14:34].hex(' ')}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("expected")
    ap.add_argument("recorded")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--count", type=int)
    ap.add_argument("--unordered", action="store_true")
    ap.add_argument("--max-len", type=int, default=0)
    a = ap.parse_args()
    want = [f for f in frames(a.expected)
            if not a.max_len or len(f) <= a.max_len]
    if a.count is not None:
        want = [want[i % len(want)] for i in range(a.count)] if want else []
    else:
        want *= a.repeat
    got = frames(a.recorded)
    ok = True
    if a.unordered:
        w, g = collections.Counter(want), collections.Counter(got)
        missing, extra = w - g, g - w
        if missing or extra:
            ok = False
            print(f"{sum(missing.values())} frames missing, "
                  f"{sum(extra.values())} unexpected")
    else:
        for i, (x, y) in enumerate(zip(want, got)):
            if x != y:
                ok = False
                print(f"frame {i}: {len(y)} bytes arrived, {len(x)} "
                      f"expected, first difference at byte "
                      f"{next((j for j in range(min(len(x), len(y))) if x[j] != y[j]), min(len(x), len(y)))}")
                break
    if len(want) != len(got):
        ok = False
        print(f"{len(got)} frames arrived, {len(want)} expected")
        wc = collections.Counter(want)
        for f in got:
            if wc[f]:
                wc[f] -= 1
            else:
                print("  unexpected: " + describe(f))
    if ok:
        print(f"{len(want)} frames match")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
