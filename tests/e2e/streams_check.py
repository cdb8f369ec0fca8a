#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check flowsplice's stream files against what tcpxfer sent.

  streams_check.py DIR --run SPEC [--run SPEC ...] [options]

SPEC describes one tcpxfer client invocation, comma-separated key=value:
  port=P      server port (required)
  seed=S      --seed (default 1)
  req=N       --req-bytes (default 0)
  resp=N      --resp-bytes (default 0)
  conns=N     --conns (default 1)
  first=I     --first-id (default 0)
  index=F     the client's --out index.tsv: maps each connection id to its
              client port, and only connections it lists as "ok" are
              expected complete.  Without it, the id is read from the
              32-byte tcpxfer header at the start of the c2s file.

For every connection, its record in DIR/flows.jsonl is found by client and
server port (or by header id), and must be the only one for it: a
connection split over two records is an error.  Both direction files are
compared byte for byte with "tcpxfer expect" (c2s: 32-byte header +
request body; s2c: response body).

Default (--complete): each direction is exactly the expected stream, its
record says length = bytes = expected size, no gap, a SYN and a FIN seen,
no conflict, ended in --ended (default fin).  An empty direction has no
file ("file": null).

--prefix (a capture stopped mid-transfer): each direction's recorded
length is at most the expected size; every byte outside the recorded gaps
equals the expected byte, the gaps read as zeros (holes), the file is no
longer than the recorded length, and bytes = length - gap_bytes.  Gaps are
allowed unless --no-gaps.  Connections with no record yet are allowed
only with --allow-missing.

Other options:
  --ended A,B         allowed "ended" values (default fin)
  --extra N|any       flows.jsonl records on other ports (default 0)
  --tcpxfer PATH      tcpxfer binary (default: $TCPXFER or build/tools)
  --json FILE         also write the per-connection results as JSON
  --quiet             print only the connections that fail (and the
                      summary)

Every line of flows.jsonl must be valid JSON (a half-written index fails),
and every file in DIR must be flows.jsonl or named by a record (nothing
left behind half-written, e.g. a file moved aside to be reopened).
Prints one line per connection and a summary; exits 0 when everything
matches, 1 otherwise (the first differing offset is reported).
"""
import argparse
import json
import os
import subprocess
import sys

HDR_LEN = 32
CHUNK = 1 << 20


def parse_size(s):
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    if s and s[-1].upper() in mult:
        return int(s[:-1]) * mult[s[-1].upper()]
    return int(s)


def parse_run(spec):
    run = {"seed": 1, "req": 0, "resp": 0, "conns": 1, "first": 0,
           "index": None}
    for item in spec.split(","):
        key, sep, val = item.partition("=")
        if not sep or key not in ("port", "seed", "req", "resp", "conns",
                                  "first", "index"):
            raise argparse.ArgumentTypeError(f"bad run item '{item}'")
        run[key] = val if key == "index" else parse_size(val)
    if "port" not in run:
        raise argparse.ArgumentTypeError("run needs port=")
    return run


def load_index(path):
    """flows.jsonl as a list; a line that is not JSON is a failure."""
    flows, bad = [], []
    with open(path, "rb") as f:
        data = f.read()
    if data and not data.endswith(b"\n"):
        bad.append("last line has no newline (half-written)")
    for n, line in enumerate(data.splitlines(), 1):
        try:
            flows.append(json.loads(line))
        except ValueError as e:
            bad.append(f"line {n}: not JSON ({e}): {line[:80]!r}")
    return flows, bad


def load_tsv(path):
    """tcpxfer's index.tsv: id -> (client port, status)."""
    conns = {}
    with open(path) as f:
        for line in f:
            cid, client, _server, _c2s, _s2c, status = \
                line.rstrip("\n").split("\t")
            conns[int(cid)] = (int(client.rsplit(":", 1)[1]), status)
    return conns


class Expected:
    """One direction's expected stream from "tcpxfer expect", read in
    order; bytes past the stream's end read as nothing."""

    def __init__(self, tcpxfer, run, cid, d):
        self.proc = subprocess.Popen(
            [tcpxfer, "expect", "--seed", str(run["seed"]), "--conn",
             str(cid), "--req-bytes", str(run["req"]), "--resp-bytes",
             str(run["resp"]), "--dir", d], stdout=subprocess.PIPE)
        self.pos = 0

    def read(self, n):
        out = bytearray()
        while len(out) < n:
            b = self.proc.stdout.read(n - len(out))
            if not b:
                break
            out += b
        self.pos += len(out)
        return bytes(out)

    def close(self):
        self.proc.stdout.close()
        self.proc.kill()
        self.proc.wait()


def first_diff(a, b):
    n = min(len(a), len(b))
    lo, hi = 0, n
    # Binary search on equal prefixes: cheap even for 1 MiB chunks.
    while lo < hi:
        mid = (lo + hi) // 2
        if a[lo:mid + 1] == b[lo:mid + 1]:
            lo = mid + 1
        else:
            hi = mid
    return lo


def segments(length, gaps):
    """[(start, end, is_gap)] covering [0, length)."""
    out, pos = [], 0
    for off, ln in sorted(gaps):
        if off > pos:
            out.append((pos, off, False))
        out.append((off, off + ln, True))
        pos = max(pos, off + ln)
    if pos < length:
        out.append((pos, length, False))
    return out


def compare_file(path, exp, length, gaps):
    """Compare [0, length) of path with the expected stream: data outside
    gaps must match, gaps must read as zeros (or lie past the file's end).
    Returns an error string or None."""
    size = os.path.getsize(path)
    if size > length:
        return f"file is {size} bytes, longer than its length {length}"
    with open(path, "rb") as f:
        for start, end, is_gap in segments(length, gaps):
            if exp.pos < start:
                exp.read(start - exp.pos)
            f.seek(start)
            pos = start
            while pos < end:
                n = min(CHUNK, end - pos)
                got = f.read(n)
                want = exp.read(n)
                if is_gap:
                    if got.count(0) != len(got):
                        k = next(i for i, c in enumerate(got) if c)
                        return (f"byte {pos + k} inside gap [{start},"
                                f" {end}) is not zero")
                elif got != want:
                    if len(got) < n:
                        if got == want[:len(got)]:
                            return (f"file ends at {pos + len(got)}, "
                                    f"data up to {end} recorded")
                    k = first_diff(got, want)
                    return (f"first differing byte at offset {pos + k}: "
                            f"file {got[k:k + 8].hex()} expected "
                            f"{want[k:k + 8].hex()}")
                pos += n
    return None


def check_dir(args, run, cid, rec, d, complete):
    """One direction of one connection; returns a list of errors."""
    want = HDR_LEN + run["req"] if d == "c2s" else run["resp"]
    r = rec[d]
    errs = []
    length, gaps = r["length"], r["gaps"]
    gap_bytes = sum(g[1] for g in gaps)
    if r["gaps_truncated"]:
        errs.append("gap list truncated")
    if gap_bytes != r["gap_bytes"]:
        errs.append(f"gaps sum to {gap_bytes}, gap_bytes {r['gap_bytes']}")
    if r["bytes"] != length - r["gap_bytes"]:
        errs.append(f"bytes {r['bytes']} != length {length} - gap_bytes "
                    f"{r['gap_bytes']}")
    if r["conflicts"] or r["conflict_bytes"]:
        errs.append(f"{r['conflicts']} conflicts "
                    f"({r['conflict_bytes']} bytes)")
    if r["write_errors"]:
        errs.append(f"{r['write_errors']} write errors")
    if complete:
        if length != want:
            errs.append(f"length {length}, expected {want}")
        if gaps or r["gap_bytes"]:
            errs.append(f"gaps {gaps[:4]} ({r['gap_bytes']} bytes)")
        if not r["syn"] or not r["fin"]:
            errs.append(f"syn {r['syn']} fin {r['fin']}")
    else:
        if length > want:
            errs.append(f"length {length} past the stream's end {want}")
        if args.no_gaps and (gaps or r["gap_bytes"]):
            errs.append(f"gaps {gaps[:4]} ({r['gap_bytes']} bytes)")
    if r["bytes"] == 0:
        if r["file"] is not None:
            errs.append(f"no byte delivered but file {r['file']}")
        return errs
    if r["file"] is None:
        errs.append(f"{r['bytes']} bytes delivered but no file")
        return errs
    if not r["syn"]:
        errs.append("no SYN captured (midstream): file offsets are not "
                    "stream offsets, content not compared")
        return errs
    if not good_name(r["file"]):
        errs.append(f"file name {r['file']!r} is not <shard>/<name>")
        return errs
    path = os.path.join(args.dir, r["file"])
    if not os.path.isfile(path):
        errs.append(f"{r['file']}: missing")
        return errs
    exp = Expected(args.tcpxfer, run, cid, d)
    try:
        err = compare_file(path, exp, min(length, want), gaps)
    finally:
        exp.close()
    if err:
        errs.append(f"{r['file']}: {err}")
    return errs


def good_name(name):
    """A file of DIR: a plain name, or a shard directory's (digits/name)."""
    parts = name.split("/")
    return (len(parts) == 1 or (len(parts) == 2 and parts[0].isdigit())) \
        and all(p and p not in (".", "..") for p in parts)


def files_under(top):
    """Every file below top, as a path relative to it."""
    return {os.path.relpath(os.path.join(r, n), top)
            for r, _, ns in os.walk(top) for n in ns}


def header_id(args, rec):
    r = rec["c2s"]
    if not r["file"] or not good_name(r["file"]):
        return None
    try:
        with open(os.path.join(args.dir, r["file"]), "rb") as f:
            h = f.read(HDR_LEN)
    except OSError:
        return None
    if len(h) < 8 or h[:4] != b"FSX1":
        return None
    return int.from_bytes(h[4:8], "big")


def match_run(args, run, flows):
    """{cid: [records]} for the run's connections (several runs may share
    a port: each claims only its own ids)."""
    ids = range(run["first"], run["first"] + run["conns"])
    recs = [f for f in flows if f["server_port"] == run["port"]]
    found = {cid: [] for cid in ids}
    if run["index"]:
        tsv = load_tsv(run["index"])
        by_port = {tsv[c][0]: c for c in ids if c in tsv}
        for f in recs:
            cid = by_port.get(f["client_port"])
            if cid is not None:
                found[cid].append(f)
    else:
        for f in recs:
            cid = header_id(args, f)
            if cid in found:
                found[cid].append(f)
    return found


def check_conn(args, run, cid, recs):
    """Returns (ok, line)."""
    name = f"port {run['port']} conn {cid}"
    if not recs:
        if args.allow_missing:
            return True, f"{name}: no record (allowed)"
        return False, f"{name}: no record in flows.jsonl"
    if len(recs) > 1:
        ids = [r["id"] for r in recs]
        return False, f"{name}: {len(recs)} records (ids {ids}), not one"
    rec = recs[0]
    errs = []
    if rec["ended"] not in args.ended:
        errs.append(f"ended {rec['ended']}, expected {'|'.join(args.ended)}")
    for d in ("c2s", "s2c"):
        errs += [f"{d}: {e}" for e in
                 check_dir(args, run, cid, rec, d, not args.prefix)]
    line = (f"{name} (flow {rec['id']}, client port {rec['client_port']}):"
            f" c2s {rec['c2s']['bytes']}/{HDR_LEN + run['req']}"
            f" s2c {rec['s2c']['bytes']}/{run['resp']}"
            f" gaps {rec['c2s']['gap_bytes']}+{rec['s2c']['gap_bytes']}"
            f" overlaps {rec['overlaps']} ended {rec['ended']}")
    if errs:
        return False, line + "\n    " + "\n    ".join(errs)
    return True, line + " ok"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--run", type=parse_run, action="append", required=True)
    ap.add_argument("--prefix", action="store_true")
    ap.add_argument("--no-gaps", action="store_true")
    ap.add_argument("--allow-missing", action="store_true")
    ap.add_argument("--ended", default="fin",
                    type=lambda s: s.split(","))
    ap.add_argument("--extra", default="0")
    ap.add_argument("--tcpxfer", default=os.environ.get("TCPXFER") or
                    os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                 "../../build/tools/tcpxfer"))
    ap.add_argument("--json")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()

    flows, bad = load_index(os.path.join(args.dir, "flows.jsonl"))
    ok = not bad
    for b in bad:
        print(f"flows.jsonl: {b}")
    ports = {run["port"] for run in args.run}
    results = []
    nconns = nok = 0
    claimed = set()
    for run in args.run:
        found = match_run(args, run, flows)
        for cid, recs in found.items():
            claimed.update(id(r) for r in recs)
            good, line = check_conn(args, run, cid, recs)
            if not good or not args.quiet:
                print(line)
            nconns += 1
            nok += good
            ok &= good
            results.append({"port": run["port"], "conn": cid, "ok": good,
                            "report": line})
    for f in flows:
        if f["server_port"] in ports and id(f) not in claimed:
            ok = False
            print(f"port {f['server_port']}: record {f['id']} (client port "
                  f"{f['client_port']}) matches no connection")
    named = {r[d]["file"] for r in flows for d in ("c2s", "s2c")}
    strays = sorted(files_under(args.dir) - named - {"flows.jsonl"})
    if strays:
        ok = False
        print(f"{len(strays)} files in the directory no record names: "
              f"{strays[:5]}")
    extra = [f for f in flows if f["server_port"] not in ports]
    if args.extra != "any" and len(extra) > int(args.extra):
        ok = False
        print(f"{len(extra)} records on other ports (allowed "
              f"{args.extra}): first id {extra[0]['id']} "
              f"{extra[0]['client']}.{extra[0]['client_port']} -> "
              f"{extra[0]['server']}.{extra[0]['server_port']}")
    print(f"streams_check: {nok}/{nconns} connections ok, "
          f"{len(flows)} records, {len(extra)} on other ports: "
          f"{'PASS' if ok else 'FAIL'}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
