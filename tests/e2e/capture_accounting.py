#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Every frame the classifier redirected was received and written.

capture_accounting.py STATS_JSON PCAP... [--expect-spread]

Reads a capture's --stats-json and its pcap files: the classifier's
matched count, the queues' redirected, received and written counts and
the records in the files must all be equal, with no drop and no frame
matched without a socket.  --expect-spread also wants packets on two
queues or more.  Exit 0 when so, 1 otherwise.
"""
import json
import struct
import sys


def records(path):
    data = open(path, "rb").read()
    n, off = 0, 24
    while off < len(data):
        n += 1
        off += 16 + struct.unpack_from("<I", data, off + 8)[0]
    return n


def main(argv):
    spread = "--expect-spread" in argv
    args = [a for a in argv if a != "--expect-spread"]
    st = json.load(open(args[0]))
    recs = sum(records(p) for p in args[1:])
    qs = st["queues"]
    redir = sum(q["redirected"] for q in qs)
    rx = sum(q["rx_packets"] for q in qs)
    written = sum(q["written"] for q in qs)
    drops = sum(sum(q["drops"].values()) for q in qs)
    print(f"xdp matched {st['xdp']['matched']} redirected {redir} "
          f"received {rx} written {written} in pcap {recs} drops {drops}")
    ok = redir == rx == written == recs and drops == 0 and \
        st["xdp"]["matched"] == redir and st["xdp"]["nosock"] == 0
    per_q = [q["rx_packets"] for q in qs]
    print("per queue received:", per_q)
    if spread and sum(1 for n in per_q if n) < 2:
        print("one queue received everything: traffic was not spread")
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
