#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check the files of `flowsplice receive` against what tcpxfer sent.

  receive_check.py DIR [--run SPEC ...] [--empty N] [options]

SPEC describes one tcpxfer client invocation (--resp-bytes 0),
comma-separated key=value: seed=S, conns=N, req=BYTES, first=I (default
0).  Each of its connections must have exactly one record in
DIR/flows.jsonl, found by the 32-byte tcpxfer header at the start of the
file; the file must be the header and req bytes of body, byte for byte
what "tcpxfer expect --dir c2s" prints.  --empty N: N connections that
sent nothing (empty files).

Every record must be ended "fin" (or one of --ended) and complete (unless
--allow-incomplete), its c2s bytes and length equal to the file's size;
every line must be valid JSON; every file in DIR must be flows.jsonl or
named by a record.  --extra N: records not matched by a SPEC or --empty
(default 0).  Prints a line per problem and a summary; exit 0 when all
is well, 1 otherwise.
"""
import argparse
import json
import os
import struct
import subprocess
import sys

HDR = 32
CHUNK = 1 << 20


def spec(s):
    out = {"seed": 1, "conns": 1, "req": 0, "first": 0}
    for kv in s.split(","):
        k, v = kv.split("=", 1)
        if k not in out:
            raise argparse.ArgumentTypeError(f"unknown key {k}")
        out[k] = int(v)
    return out


def same_as_expect(tcpxfer, path, seed, cid, req):
    """The first differing offset, or None when path is the stream."""
    cmd = [tcpxfer, "expect", "--seed", str(seed), "--conn", str(cid),
           "--req-bytes", str(req), "--resp-bytes", "0", "--dir", "c2s"]
    off = 0
    with subprocess.Popen(cmd, stdout=subprocess.PIPE) as p, \
            open(path, "rb") as f:
        while True:
            a = p.stdout.read(CHUNK)
            b = f.read(len(a) if a else CHUNK)
            if a != b:
                for i in range(min(len(a), len(b))):
                    if a[i] != b[i]:
                        return off + i
                return off + min(len(a), len(b))
            if not a:
                return None
            off += len(a)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--run", type=spec, action="append", default=[])
    ap.add_argument("--empty", type=int, default=0)
    ap.add_argument("--ended", default="fin")
    ap.add_argument("--allow-incomplete", action="store_true")
    ap.add_argument("--extra", type=int, default=0)
    ap.add_argument("--tcpxfer", default=os.environ.get(
        "TCPXFER", os.path.join(os.path.dirname(__file__),
                                "../../build/tools/tcpxfer")))
    a = ap.parse_args()
    bad = []
    want = {}
    for r in a.run:
        for i in range(r["conns"]):
            want[(r["seed"], r["first"] + i)] = r["req"]
    seen = {}
    empty = extra = 0
    names = set()
    ended_ok = set(a.ended.split(","))
    with open(os.path.join(a.dir, "flows.jsonl")) as ix:
        lines = ix.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for n, line in enumerate(lines):
        try:
            rec = json.loads(line)
        except ValueError:
            bad.append(f"flows.jsonl line {n + 1}: not JSON")
            continue
        c = rec["c2s"]
        name = c["file"]
        names.add(name)
        path = os.path.join(a.dir, name)
        tag = f"id {rec['id']} ({name})"
        if rec["ended"] not in ended_ok:
            bad.append(f"{tag}: ended {rec['ended']}")
        if not rec["complete"] and not a.allow_incomplete:
            bad.append(f"{tag}: not complete")
        try:
            size = os.path.getsize(path)
        except OSError as e:
            bad.append(f"{tag}: {e}")
            continue
        if size != c["bytes"] or size != c["length"]:
            bad.append(f"{tag}: {size} bytes on disk, record says "
                       f"bytes {c['bytes']} length {c['length']}")
        if size == 0:
            empty += 1
            continue
        with open(path, "rb") as f:
            h = f.read(HDR)
        if len(h) < HDR or h[:4] != b"FSX1":
            extra += 1
            continue
        cid, req, _resp, seed = struct.unpack(">IQQQ", h[4:])
        key = (seed, cid)
        if key not in want:
            extra += 1
            continue
        if key in seen:
            bad.append(f"{tag}: connection {cid} (seed {seed}) again, "
                       f"first in {seen[key]}")
            continue
        seen[key] = name
        if req != want[key]:
            bad.append(f"{tag}: header says {req} bytes, run {want[key]}")
        if size != HDR + req:
            bad.append(f"{tag}: {size} bytes, sent {HDR + req}")
        off = same_as_expect(a.tcpxfer, path, seed, cid, req)
        if off is not None:
            bad.append(f"{tag}: differs from what was sent at offset {off}")
    for key in want:
        if key not in seen:
            bad.append(f"connection {key[1]} (seed {key[0]}): no record")
    if empty != a.empty:
        bad.append(f"{empty} empty connections, expected {a.empty}")
    if extra != a.extra:
        bad.append(f"{extra} other records, expected {a.extra}")
    for f in os.listdir(a.dir):
        if f != "flows.jsonl" and f not in names:
            bad.append(f"{f}: a file no record names")
    for b in bad:
        print("FAIL " + b)
    print(f"receive_check: {len(lines)} records, {len(seen)} of "
          f"{len(want)} uploads identical, {empty} empty, "
          f"{len(bad)} problems")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
