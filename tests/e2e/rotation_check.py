#!/usr/bin/env python3
"""Check the files a rotating capture (-C and/or -G) left in a directory.

  rotation_check.py DIR BASE [--queues N] [--size BYTES] [--secs S]
                    [--stats STATS.json] [--merged]

BASE is the -w file name inside DIR; with --queues N > 1 each queue q
writes BASE.qQ.  Names (README, "Rotation"):
  -C only   BASE, BASE1, BASE2, ...  (consecutive)
  -G only   BASE.YYYYmmdd-HHMMSS     (UTC, a multiple of S)
  both      BASE.STAMP, BASE.STAMP1, ... within each interval
Every file in DIR must have one of these names and be a complete pcap
(nanosecond magic, records up to the exact end).  With -C a file is at
most BYTES unless it holds a single record, and a file was left only when
the next record did not fit.  With -G each record's time is inside the
interval its name gives.  With --stats the records in all files add up to
what the stats JSON says was written, and to what was redirected.

--merged: one series for all queues (BASE, not BASE.qN), rotated a region
at a time: a -C file is still at most BYTES, but the next record may have
fitted; a region that a worker sent just as another started the next
interval lands in the next file, so a -G record may be up to a second
early for its file (the flush interval).
"""
import argparse
import calendar
import json
import os
import re
import struct
import sys
import time

# A record stamped a little before its interval's start may land in the
# next file: the wall-clock offset is refreshed each second (late records
# go into the current file, never into a reopened earlier one).
LATE_NS = 50 * 1000 * 1000


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def read_pcap(path):
    data = open(path, "rb").read()
    if len(data) < 24:
        fail(f"{path}: {len(data)} bytes, no pcap header")
    magic = struct.unpack_from("<I", data, 0)[0]
    if magic != 0xA1B23C4D:
        fail(f"{path}: magic {magic:#x}, not nanosecond pcap")
    recs = []
    off = 24
    while off < len(data):
        if off + 16 > len(data):
            fail(f"{path}: partial record header at {off}")
        sec, nsec, caplen, wirelen = struct.unpack_from("<IIII", data, off)
        if caplen == 0 or caplen > wirelen or off + 16 + caplen > len(data):
            fail(f"{path}: bad record at {off} (caplen {caplen}, "
                 f"len {wirelen}, file {len(data)})")
        recs.append((sec * 10**9 + nsec, 16 + caplen))
        off += 16 + caplen
    return len(data), recs


def stamp_secs(s):
    return calendar.timegm(time.strptime(s, "%Y%m%d-%H%M%S"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("base")
    ap.add_argument("--queues", type=int, default=1)
    ap.add_argument("--size", type=int, default=0)
    ap.add_argument("--secs", type=int, default=0)
    ap.add_argument("--stats")
    ap.add_argument("--merged", action="store_true")
    a = ap.parse_args()
    late = 1000 * 1000 * 1000 if a.merged else LATE_NS

    bases = [a.base] if a.queues == 1 else \
        [f"{a.base}.q{q}" for q in range(a.queues)]
    stamp = r"\.(\d{8}-\d{6})" if a.secs else r"()"
    seq = r"([1-9]\d*)?" if a.size else r"()"
    pats = [(b, re.compile(re.escape(b) + stamp + seq + "$")) for b in bases]
    # base -> interval stamp -> {number: (name, size, records)}
    found = {b: {} for b in bases}
    for name in sorted(os.listdir(a.dir)):
        for b, p in pats:
            m = p.match(name)
            if m:
                n = int(m.group(2)) if m.group(2) else 0
                size, recs = read_pcap(os.path.join(a.dir, name))
                found[b].setdefault(m.group(1), {})[n] = (name, size, recs)
                break
        else:
            fail(f"unexpected file in {a.dir}: {name!r}")

    total = 0
    for b in bases:
        if not found[b]:
            fail(f"no file for {b}")
        if not a.secs and len(found[b]) != 1:
            fail(f"{b}: stamps without -G: {sorted(found[b])}")
        for st, seqs in sorted(found[b].items()):
            # Consecutive: BASE, BASE1, ..., no gap, nothing skipped.
            if sorted(seqs) != list(range(len(seqs))):
                fail(f"{b}{st}: file numbers {sorted(seqs)}")
            if a.secs:
                start = stamp_secs(st) * 10**9
                if (start // 10**9) % a.secs:
                    fail(f"{b}.{st}: not aligned to {a.secs} s")
            files = [seqs[i] for i in range(len(seqs))]
            for i, (name, size, recs) in enumerate(files):
                total += len(recs)
                if a.size and size > a.size and len(recs) > 1:
                    fail(f"{name}: {size} bytes > {a.size}")
                if a.size and i + 1 < len(files) and not a.merged:
                    nxt = files[i + 1][2]
                    if not nxt or size + nxt[0][1] <= a.size:
                        fail(f"{name}: rotated at {size} bytes, the next "
                             f"record would have fit")
                if a.secs:
                    for ts, _ in recs:
                        if ts < start - late or \
                                ts >= start + a.secs * 10**9:
                            fail(f"{name}: record at {ts / 1e9:.6f} "
                                 f"outside its interval")
            print(f"{b} {st or '-'}: " + ", ".join(
                f"{n} {s} B {len(r)} rec" for n, s, r in files))
    nfiles = sum(len(s) for f in found.values() for s in f.values())
    print(f"{total} records in {nfiles} files")
    if a.stats:
        st = json.load(open(a.stats))
        written = sum(q["written"] for q in st["queues"])
        redir = sum(q["redirected"] for q in st["queues"])
        drops = sum(sum(q["drops"].values()) for q in st["queues"])
        print(f"stats: redirected {redir} written {written} drops {drops}")
        if not (total == written == redir) or drops:
            fail("records on disk differ from the counters")


main()
