#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compare flowsplice's streams for one pcap with the tshark ground truth.

Usage: compare_expected.py PCAP OUTDIR EXPECTED_TSV

Two independent checks per TCP direction:

1. Against expected.tsv (tshark's follow,tcp output, see SOURCES.md):
   - truth "exact": the stream file equals tshark's output byte for byte
     and flowsplice recorded no gap.
   - "tshark_mismatch": tshark itself is wrong (it drops data captured
     before the first packet it saw); the file equals seqorder_sha256, all
     captured bytes in sequence order, and has no gap.
   - "conflict": flowsplice keeps the first data received; the file equals
     tshark's output when tshark_matches=firstwins, else firstwins_sha256;
     and flowsplice counted a conflicting overlap.
   - "gap": at least one gap recorded, and the bytes outside flowsplice's
     gaps, concatenated, equal seqorder_sha256 (or sha256_nomarker when
     equal): every captured byte, nothing else.
2. Per byte, from tshark's per-packet fields: every captured payload byte
   placed at (seq - seq0) with the first copy winning, where seq0 is the
   sequence number of stream byte 0 in flows.jsonl.  Every byte of the file
   outside its gaps must equal the captured byte at that offset, no gap may
   cover a captured byte, and the file is exactly "length" long.

Matching: rows and flows are matched on (src, sport, dst, dport), in order
of tshark stream and flowsplice id.  tshark starts a new stream when a SYN
arrives on a pair whose connection it saw end, including a SYN captured
after its own connection's data (tcpflow--test5-lines-randomized.pcap);
flowsplice keeps that late SYN in its connection.  When the counts differ,
the empty rows/flows of that pair are set aside (and said so); the rest
must match one to one.
"""
import bisect
import collections
import hashlib
import json
import os
import subprocess
import sys

M32 = 1 << 32


def sha(b):
    return hashlib.sha256(b).hexdigest()


def notes_of(row):
    out = {}
    if row["notes"] != "-":
        for kv in row["notes"].split(";"):
            k, _, v = kv.partition("=")
            out[k] = v
    return out


def load_expected(path, name):
    rows = []
    with open(path) as f:
        hdr = f.readline().rstrip("\n").split("\t")
        for line in f:
            r = dict(zip(hdr, line.rstrip("\n").split("\t")))
            if r["pcap"] == name:
                r["stream"] = int(r["stream"])
                r["bytes"] = int(r["bytes"])
                r["bytes_nomarker"] = int(r["bytes_nomarker"])
                r["n"] = notes_of(r)
                rows.append(r)
    return rows


def load_ours(outdir):
    dirs = []
    with open(os.path.join(outdir, "flows.jsonl")) as f:
        for line in f:
            fl = json.loads(line)
            ends = {"c2s": ((fl["client"], fl["client_port"]),
                            (fl["server"], fl["server_port"])),
                    "s2c": ((fl["server"], fl["server_port"]),
                            (fl["client"], fl["client_port"]))}
            for d in ("c2s", "s2c"):
                x = fl[d]
                data = b""
                if x["file"]:
                    with open(os.path.join(outdir, x["file"]), "rb") as g:
                        data = g.read()
                (src, sp), (dst, dp) = ends[d]
                dirs.append({"id": fl["id"], "dir": d, "key": (src, str(sp), dst, str(dp)),
                             "data": data, "j": x})
    # Lines come in the order the flows' files closed, not by id.
    dirs.sort(key=lambda o: o["id"])
    return dirs


def outside_gaps(o):
    data, pos, parts = o["data"], 0, []
    for off, ln in o["j"]["gaps"]:
        parts.append(data[pos:off])
        pos = off + ln
    parts.append(data[pos:])
    return b"".join(parts)


def want_hash(row):
    n = row["n"]
    if "seqorder_sha256" in n:
        return n["seqorder_sha256"].split("/")[0]
    return row["sha256_nomarker"]


def check_row(row, o):
    """Check one direction against its expected.tsv row; returns errors."""
    truth, n, j, errs = row["truth"], row["n"], o["j"], []
    h = sha(o["data"])
    if truth == "exact":
        if h != row["sha256"]:
            errs.append("bytes differ from tshark (%d vs %d bytes)" % (len(o["data"]), row["bytes"]))
        if j["gaps"]:
            errs.append("gaps recorded where tshark saw none: %s" % j["gaps"])
    elif truth == "tshark_mismatch":
        if h != want_hash(row):
            errs.append("bytes differ from the captured bytes in sequence order")
        if j["gaps"]:
            errs.append("unexpected gaps %s" % j["gaps"])
    elif truth == "conflict":
        want = row["sha256"] if n.get("tshark_matches") == "firstwins" else \
            n["firstwins_sha256"].split("/")[0]
        if h != want:
            errs.append("bytes differ from first-wins")
        if j["conflicts"] < 1:
            errs.append("conflicting overlap not counted")
    elif "gap" in truth.split("+"):
        if not j["gaps"]:
            errs.append("no gap recorded")
        if sha(outside_gaps(o)) != want_hash(row):
            errs.append("bytes outside the gaps differ from the captured bytes")
    else:
        errs.append("unknown truth %r" % truth)
    return errs


def tshark_packets(pcap):
    f = ["frame.number", "tcp.stream", "ip.src", "ipv6.src", "tcp.srcport",
         "ip.dst", "ipv6.dst", "tcp.dstport", "tcp.seq_raw", "tcp.flags.syn",
         "tcp.flags.reset", "tcp.len", "tcp.payload"]
    cmd = ["tshark", "-n", "-r", pcap, "-Y", "tcp", "-T", "fields",
           "-E", "separator=/t", "-E", "occurrence=l"]
    for x in f:
        cmd += ["-e", x]
    out = subprocess.run(cmd, capture_output=True, check=True).stdout.decode()
    pk = []
    for line in out.splitlines():
        v = dict(zip(f, (line.split("\t") + [""] * len(f))[:len(f)]))
        if v["tcp.seq_raw"] == "":
            continue
        pk.append(v)
    # tshark shows a RST's payload as "reset cause", not tcp.payload
    need = [p["frame.number"] for p in pk
            if p["tcp.flags.reset"] in ("1", "True") and not p["tcp.payload"]
            and p["tcp.len"] not in ("", "0")]
    if need:
        js = subprocess.run(["tshark", "-n", "-r", pcap, "-Y",
                             "tcp.flags.reset==1 && tcp.len>0", "-T", "json", "-x"],
                            capture_output=True, check=True).stdout
        raw = {}
        for o in json.loads(js or b"[]"):
            L = o["_source"]["layers"]
            r = L.get("tcp", {}).get("tcp.reset_cause_raw")
            if r:
                raw[L["frame"]["frame.number"]] = r[0]
        for p in pk:
            if p["frame.number"] in raw:
                p["tcp.payload"] = raw[p["frame.number"]]
    return pk


def check_bytes(o, pkts):
    """Per-byte check of one direction against the captured payloads."""
    j, data, errs = o["j"], o["data"], []
    seq0 = j["seq0"]
    first = {}
    for p in pkts:
        pl = bytes.fromhex(p["tcp.payload"]) if p["tcp.payload"] else b""
        if not pl:
            continue
        seq = int(p["tcp.seq_raw"]) + (1 if p["tcp.flags.syn"] in ("1", "True") else 0)
        off = (seq - seq0 + (1 << 31)) % M32 - (1 << 31)
        for i, b in enumerate(pl):
            first.setdefault(off + i, b)
    if len(data) != j["length"] and not (j["file"] is None and j["bytes"] == 0):
        errs.append("file is %d bytes, index says length %d" % (len(data), j["length"]))
    keys = sorted(first)
    pos, ranges = 0, []
    for off, ln in j["gaps"]:
        ranges.append((pos, off))
        pos = off + ln
        i = bisect.bisect_left(keys, off)
        if i < len(keys) and keys[i] < off + ln and j["late_bytes"] == 0:
            n = bisect.bisect_left(keys, off + ln) - i
            errs.append("gap [%d,+%d) covers %d captured bytes" % (off, ln, n))
    ranges.append((pos, len(data)))
    bad = [k for a, b in ranges for k in range(a, min(b, len(data)))
           if first.get(k) != data[k]]
    if bad:
        errs.append("%d bytes differ from the captured ones, first at offset %d" % (len(bad), bad[0]))
    # (bytes before offset 0, e.g. a keep-alive's garbage byte, are ignored)
    lost = [k for k in first if k >= j["length"]]
    if lost and not j["after_fin"] and not j["out_of_window"]:
        errs.append("%d captured bytes beyond the stream's end, first at %d" % (len(lost), min(lost)))
    return errs


def main():
    pcap, outdir, exp = sys.argv[1:4]
    name = os.path.basename(pcap)
    rows = load_expected(exp, name)
    ours = load_ours(outdir)
    theirs_by = collections.defaultdict(list)
    for r in rows:
        theirs_by[(r["src"], r["sport"], r["dst"], r["dport"])].append(r)
    ours_by = collections.defaultdict(list)
    for o in ours:
        ours_by[o["key"]].append(o)
    pkts = tshark_packets(pcap)
    by_stream = collections.defaultdict(list)
    for p in pkts:
        src = p["ip.src"] or p["ipv6.src"]
        dst = p["ip.dst"] or p["ipv6.dst"]
        by_stream[(int(p["tcp.stream"]), src, p["tcp.srcport"], dst, p["tcp.dstport"])].append(p)
    errors, counts, notes = [], collections.Counter(), []
    for key in sorted(set(theirs_by) | set(ours_by)):
        t, o = theirs_by.get(key, []), ours_by.get(key, [])
        if len(t) != len(o):
            t2 = [r for r in t if r["bytes_nomarker"] or "seqorder_sha256" in r["n"]]
            o2 = [x for x in o if x["j"]["bytes"] or x["j"]["length"]]
            notes.append("%s: tshark has %d streams, flowsplice %d flows; "
                         "compared the %d/%d that carry data" % (" ".join(key), len(t), len(o), len(t2), len(o2)))
            streams_of = {r["stream"] for r in t}
            t, o = t2, o2
            if len(o) == 1 and len(t) <= 1:
                o[0]["streams"] = streams_of
        if len(t) != len(o):
            errors.append("%s: %d tshark streams vs %d flowsplice flows" % (" ".join(key), len(t), len(o)))
            continue
        for r, x in zip(t, o):
            e = check_row(r, x)
            streams = x.get("streams", {r["stream"]})
            ps = [p for s in sorted(streams) for p in by_stream.get((s,) + key, [])]
            ps.sort(key=lambda p: int(p["frame.number"]))
            e += check_bytes(x, ps)
            counts[r["truth"]] += 1
            for m in e:
                errors.append("%s stream %d %s (flow %d %s): %s" % (
                    " ".join(key), r["stream"], r["truth"], x["id"], x["dir"], m))
    for n in notes:
        print("  note: " + n)
    print("%s: %d directions compared (%s), %d errors" % (
        name, sum(counts.values()), ", ".join("%s %d" % kv for kv in sorted(counts.items())), len(errors)))
    for e in errors:
        print("  FAIL " + e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
