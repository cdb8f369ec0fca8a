#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check flowsplice's Prometheus metrics against its stats JSON.

  metrics_check.py STATS.json --final PROM [--settled PROM] [--during PROM]

Every PROM file must be valid text exposition (HELP and TYPE once per
family, before its samples; names flowsplice_*; counters end in _total)
and hold a sample for every counter of STATS.json: the classifier's
(flowsplice_classifier_NAME_packets_total) and each queue's (the table
below, with the queue label; drops with the cause label).  --final
documents must equal STATS.json (gauges and elapsed_seconds aside);
--settled documents (scraped once the traffic is over, before the
stop) must equal it too, except what the stop itself adds: the direct
writer's last partial block (written_bytes) and the drain's waits for
the writer (loop_waits), which may only grow.  --during documents must
be at most STATS.json.  Every document must have seen packets.
"""
import argparse
import json
import re
import sys

# The JSON key of a queue's counter -> its metric name (after
# "flowsplice_"); drops are flowsplice_drops_total{cause="KEY"}.
QUEUE = {
    "redirected": "redirected_packets_total",
    "ts_nic": "nic_timestamped_packets_total",
    "rx_packets": "packets_total",
    "rx_bytes": "bytes_total",
    "rx_descs": "descriptors_total",
    "written": "written_packets_total",
    "written_bytes": "written_bytes_total",
    "no_meta": "no_meta_packets_total",
    "handed_out": "handed_out_packets_total",
    "handed_in": "handed_in_packets_total",
    "processed": "processed_packets_total",
    "not_tcp": "not_tcp_packets_total",
    "malformed": "malformed_packets_total",
    "flows": "flows_total",
    "flows_active": "flows_active",
    "evicted": "evicted_flows_total",
    "gaps": "gaps_total",
    "gap_bytes": "gap_bytes_total",
    "stream_bytes": "stream_bytes_total",
    "held_frames_max": "held_frames_max",
    "hold_budget": "hold_budget_segments_total",
    "handoff_waits": "handoff_waits_total",
    "loop_waits": "loop_waits_total",
    "write_errors": "write_errors_total",
}
# The queue's "streams" object: key -> metric name.
STREAMS = {
    "files": "stream_files_total",
    "written_once": "stream_written_once_files_total",
    "reopens": "stream_reopens_total",
    "renames": "stream_renames_total",
    "hold_full": "stream_hold_full_total",
    "room_drops": "stream_room_drops_total",
    "dropped_bytes": "stream_dropped_bytes_total",
    "write_errors": "stream_write_errors_total",
}
GAUGES = {"flows_active", "held_frames_max"}
AT_STOP = {"flowsplice_written_bytes_total", "flowsplice_loop_waits_total"}
SAMPLE = re.compile(r'^(flowsplice_[a-z_]+)\{([^}]*)\} ([0-9.]+)$')


def parse(path):
    fam = {}
    samples = {}
    seen_samples = set()
    for n, line in enumerate(open(path), 1):
        line = line.rstrip("\n")
        m = re.match(r"^# (HELP|TYPE) (\S+) (.+)$", line)
        if m:
            kind, name, rest = m.groups()
            if name in seen_samples:
                sys.exit(f"{path}:{n}: {kind} after samples of {name}")
            if (name, kind) in fam:
                sys.exit(f"{path}:{n}: second {kind} for {name}")
            fam[(name, kind)] = rest
            if kind == "TYPE":
                if rest not in ("counter", "gauge"):
                    sys.exit(f"{path}:{n}: type {rest}")
                if (rest == "counter") != name.endswith("_total"):
                    sys.exit(f"{path}:{n}: {name} is a {rest}")
            continue
        m = SAMPLE.match(line)
        if not m:
            sys.exit(f"{path}:{n}: not a sample: {line!r}")
        name, labels, value = m.groups()
        if (name, "TYPE") not in fam or (name, "HELP") not in fam:
            sys.exit(f"{path}:{n}: {name} without HELP and TYPE")
        seen_samples.add(name)
        lab = dict(re.findall(r'([a-z]+)="([^"]*)"', labels))
        key = (name, lab.get("queue"), lab.get("cause"))
        if key in samples:
            sys.exit(f"{path}:{n}: duplicate sample {key}")
        samples[key] = float(value)
    return samples


def expected(st):
    exp = {}
    for k, v in st["xdp"].items():
        exp[(f"flowsplice_classifier_{k}_packets_total", None, None)] = (v, False)
    for q in st["queues"]:
        qid = str(q["queue"])
        for k, v in q.items():
            if k == "queue":
                continue
            if k == "drops":
                for c, dv in v.items():
                    exp[("flowsplice_drops_total", qid, c)] = (dv, False)
                continue
            if k == "streams":
                for c, sv in v.items():
                    if c not in STREAMS:
                        sys.exit(f"JSON counter streams.{c} has no metric in this check")
                    exp[("flowsplice_" + STREAMS[c], qid, None)] = (sv, False)
                continue
            if k not in QUEUE:
                sys.exit(f"JSON counter {k} has no metric in this check")
            exp[("flowsplice_" + QUEUE[k], qid, None)] = (v, k in GAUGES)
    return exp


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("stats")
    ap.add_argument("--final", action="append", default=[])
    ap.add_argument("--settled", action="append", default=[])
    ap.add_argument("--during", action="append", default=[])
    a = ap.parse_args()
    exp = expected(json.load(open(a.stats)))
    bad = 0
    for path in a.final + a.settled + a.during:
        got = parse(path)
        final = path in a.final or (path in a.settled)
        for key, (v, gauge) in exp.items():
            if key not in got:
                print(f"{path}: no sample {key}")
                bad += 1
            elif gauge:
                continue
            elif path in a.settled and key[0] in AT_STOP:
                if got[key] > v:
                    print(f"{path}: {key} = {got[key]:.0f} > final {v}")
                    bad += 1
            elif final and got[key] != v:
                print(f"{path}: {key} = {got[key]:.0f}, stats JSON {v}")
                bad += 1
            elif not final and got[key] > v:
                print(f"{path}: {key} = {got[key]:.0f} > final {v}")
                bad += 1
        extra = {k[0] for k in got} - {k[0] for k in exp} - {
            "flowsplice_elapsed_seconds"}
        if extra:
            print(f"{path}: metrics not in the JSON: {sorted(extra)}")
            bad += 1
        pk = sum(v for k, v in got.items() if k[0] == "flowsplice_packets_total")
        if not pk:
            print(f"{path}: no packets counted")
            bad += 1
        print(f"{path}: {len(got)} samples, {pk:.0f} packets")
    print(f"{len(exp)} counters in the JSON: {'FAIL' if bad else 'PASS'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
