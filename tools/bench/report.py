#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Summarise the benchmark CSVs: medians and min-max, ratios flowsplice/peer,
gnuplot plots, and tools/bench/RESULTS.md.

  report.py --raw DIR --results DIR --md FILE [--machine FILE]
            [--offline FILE] [--replay FILE] [--load FILE] [--quick]

Reads DIR/capture.csv and DIR/writepath.csv (tools/bench/capture.sh and
writepath.sh), writes RESULTS/capture_summary.csv,
RESULTS/writepath_summary.csv, RESULTS/*.png (when gnuplot is installed)
and the markdown report.  --offline is the markdown table offline.sh
printed, --replay and --load the sections replay.sh and capture_load.sh
wrote; --machine a file of "key: value" lines about the machine.
"""
import argparse
import csv
import os
import shutil
import statistics
import subprocess
import sys

PEERS = {  # flowsplice variant -> the peers that produce the same output
    "fs-pcap": ["tcpdump", "netsniff-ng"],
    "fs-streams": ["tcpflow"],
    "fs-both": ["tcpdump", "netsniff-ng", "tcpflow"],
}
TOOLS = ["none", "fs-pcap", "fs-streams", "fs-both", "tcpdump",
         "netsniff-ng", "tcpflow"]
LABEL = {
    "none": "no capture (link alone)",
    "fs-pcap": "flowsplice -w (pcap)",
    "fs-streams": "flowsplice --streams",
    "fs-both": "flowsplice -w --streams",
    "tcpdump": "tcpdump -w",
    "netsniff-ng": "netsniff-ng --out",
    "tcpflow": "tcpflow -i",
}


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def stats(vals):
    vals = [v for v in vals if v is not None]
    if not vals:
        return None
    return statistics.median(vals), min(vals), max(vals)


def fmt(s, digits=2, pct=False):
    if s is None:
        return "n/a"
    k = 100 if pct else 1
    f = f"{{:.{digits}f}}"
    med, lo, hi = (f.format(x * k) for x in s)
    if lo == hi:
        return med + ("%" if pct else "")
    return f"{med} ({lo}-{hi}){'%' if pct else ''}"


def ratio(a, b, digits=2):
    if a is None or b is None or not b[0]:
        return "n/a"
    return f"{a[0] / b[0]:.{digits}f}"


def load_capture(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def sweep_max(rows, q, tool):
    """Highest offered rate with no loss, below the first lossy one."""
    best, tried = 0, False
    for r in sorted((r for r in rows if r["phase"] == "sweep" and
                     r["queues"] == q and r["tool"] == tool and
                     r["want_bytes"]), key=lambda r: int(r["rate_mbit"])):
        tried = True
        if r["lossless"] != "1":
            break
        best = int(r["rate_mbit"])
    return best if tried else None


def summarise_capture(rows):
    out = []
    for q in sorted({r["queues"] for r in rows}):
        rates = sorted({int(r["rate_mbit"]) for r in rows
                        if r["phase"] == "sweep" and r["queues"] == q
                        and r["want_bytes"]})
        for tool in TOOLS:
            full = [r for r in rows if r["phase"] == "full" and
                    r["queues"] == q and r["tool"] == tool]
            if not full:
                continue
            avail = [r for r in full if r["want_bytes"]]
            s = {
                "queues": q, "tool": tool, "runs": len(avail),
                "available": bool(avail),
                "fraction": stats(num(r["fraction"]) for r in avail),
                "sender": stats(num(r["sender_gbit"]) for r in avail),
                "cpu_gb": stats(num(r["cpu_s_per_gb"]) for r in avail),
                "drops": stats(num(r["tool_drops"]) for r in avail),
                # The whole machine's busy CPU per GB sent: includes the
                # softirq work of delivery, and whatever else ran.
                "sys_cpu": stats(num(r["sys_cpu_s"]) / (int(r["want_bytes"])
                                                       / 1e9)
                                 for r in avail
                                 if num(r["sys_cpu_s"]) is not None),
                "load": stats(num(r["load1"]) for r in avail),
                "lossless_runs": sum(r["lossless"] == "1" for r in avail),
                "max_lossless": sweep_max(rows, q, tool),
                "min_rate": rates[0] if rates else None,
            }
            out.append(s)
    return out


def capture_csv(summary, path):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["queues", "tool", "runs", "max_lossless_mbit",
                    "fraction_median", "fraction_min", "fraction_max",
                    "sender_gbit_median", "sender_gbit_min",
                    "sender_gbit_max", "cpu_s_per_gb_median",
                    "cpu_s_per_gb_min", "cpu_s_per_gb_max",
                    "tool_drops_median", "lossless_runs"])
        for s in summary:
            if not s["available"]:
                w.writerow([s["queues"], s["tool"], 0] + ["n/a"] * 12)
                continue
            row = [s["queues"], s["tool"], s["runs"], s["max_lossless"]]
            for k in ("fraction", "sender", "cpu_gb"):
                row += [f"{x:.4f}" for x in s[k]] if s[k] else [""] * 3
            row += [s["drops"][0] if s["drops"] else "",
                    s["lossless_runs"]]
            w.writerow(row)


def capture_table(summary):
    lines = [
        "| queues | tool | max lossless rate (Mbit/s offered) | "
        "captured at full speed | sender Gbit/s | tool CPU s/GB | "
        "machine CPU s/GB sent | tool's drop count | lossless runs |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for s in summary:
        if not s["available"]:
            lines.append(f"| {s['queues']} | {LABEL[s['tool']]} | "
                         "not available | | | | | | |")
            continue
        ml = s["max_lossless"]
        mls = "n/a" if ml is None else (
            f"< {s['min_rate']}" if ml == 0 else f"{ml}")
        if s["tool"] == "none":
            mls = ""
        lines.append(
            f"| {s['queues']} | {LABEL[s['tool']]} | {mls} | "
            f"{'' if s['tool'] == 'none' else fmt(s['fraction'], 1, True)}"
            f" | {fmt(s['sender'])} | "
            f"{'' if s['tool'] == 'none' else fmt(s['cpu_gb'])} | "
            f"{fmt(s['sys_cpu'])} | "
            f"{'' if s['tool'] == 'none' else fmt(s['drops'], 0)} | "
            f"{'' if s['tool'] == 'none' else str(s['lossless_runs']) + '/' + str(s['runs'])} |")
    return lines


def ratio_table(summary):
    by = {(s["queues"], s["tool"]): s for s in summary}
    lines = [
        "| queues | flowsplice | peer | captured (fs/peer) | "
        "max lossless rate (fs/peer) | sender rate (fs/peer) | "
        "CPU s/GB (fs/peer, < 1: flowsplice cheaper) |",
        "| ---: | --- | --- | ---: | ---: | ---: | ---: |"]
    for (q, tool), s in sorted(by.items(),
                               key=lambda kv: (kv[0][0],
                                               TOOLS.index(kv[0][1]))):
        if tool not in PEERS:
            continue
        for peer in PEERS[tool]:
            p = by.get((q, peer))
            if not s["available"] or not p or not p["available"]:
                lines.append(f"| {q} | {LABEL[tool]} | {LABEL[peer]} | "
                             "n/a | n/a | n/a | n/a |")
                continue
            a, b = s["max_lossless"], p["max_lossless"]
            if a is None or b is None:
                mr = "n/a"
            elif b == 0:
                mr = "peer lossless at no rate" if a == 0 else \
                    f"{a} vs none"
            else:
                mr = f"{a / b:.2f}"
            lines.append(
                f"| {q} | {LABEL[tool]} | {LABEL[peer]} | "
                f"{ratio(s['fraction'], p['fraction'])} | {mr} | "
                f"{ratio(s['sender'], p['sender'])} | "
                f"{ratio(s['cpu_gb'], p['cpu_gb'])} |")
    return lines


def headline(summary):
    """One line per flowsplice variant and peer: the medians, as ratios."""
    by = {(s["queues"], s["tool"]): s for s in summary if s["available"]}
    lines = []
    for (q, tool), s in sorted(by.items(), key=lambda kv: (
            kv[0][0], TOOLS.index(kv[0][1]))):
        for peer in PEERS.get(tool, []):
            p = by.get((q, peer))
            if not p or not s["fraction"] or not p["fraction"] or \
                    not p["fraction"][0]:
                continue
            cpu = ""
            if s["cpu_gb"] and p["cpu_gb"]:
                cpu = (f", {s['cpu_gb'][0] / p['cpu_gb'][0]:.2f}x its "
                       "process CPU per GB captured")
            lines.append(
                f"- {q} queue(s), {LABEL[tool]} vs {LABEL[peer]}: "
                f"{s['fraction'][0] / p['fraction'][0]:.2f}x the bytes "
                f"captured at full speed ({100 * s['fraction'][0]:.0f}% vs "
                f"{100 * p['fraction'][0]:.0f}%), highest lossless offered "
                f"load {s['max_lossless'] or '< ' + str(s['min_rate'])} vs "
                f"{p['max_lossless'] or '< ' + str(p['min_rate'])} Mbit/s, "
                f"sender at {s['sender'][0]:.2f} vs {p['sender'][0]:.2f} "
                f"Gbit/s{cpu}.")
    return lines


def sweep_table(rows):
    qs = sorted({r["queues"] for r in rows if r["phase"] == "sweep"})
    lines = []
    for q in qs:
        rates = sorted({int(r["rate_mbit"]) for r in rows
                        if r["phase"] == "sweep" and r["queues"] == q
                        and r["want_bytes"]})
        if not rates:
            continue
        lines += [f"Queues: {q}. Captured fraction (sender's achieved "
                  "Gbit/s); **bold** = lossless; blank = not run (the "
                  "tool lost data at a lower rate).", "",
                  "| tool | " + " | ".join(f"{x} Mbit/s" for x in rates)
                  + " |",
                  "| --- |" + " ---: |" * len(rates)]
        for tool in TOOLS[1:]:
            cells = []
            for rate in rates:
                r = [x for x in rows if x["phase"] == "sweep" and
                     x["queues"] == q and x["tool"] == tool and
                     int(x["rate_mbit"]) == rate and x["want_bytes"]]
                if not r:
                    cells.append("")
                    continue
                r = r[0]
                c = f"{100 * float(r['fraction']):.1f}% ({r['sender_gbit']})"
                cells.append(f"**{c}**" if r["lossless"] == "1" else c)
            if any(cells):
                lines.append(f"| {LABEL[tool]} | " + " | ".join(cells) + " |")
        lines.append("")
    return lines


def summarise_writepath(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    keys = []
    for r in rows:
        k = (r["tool"], r["mode"], r["record"])
        if k not in keys:
            keys.append(k)
    out = []
    for k in keys:
        rs = [r for r in rows if (r["tool"], r["mode"], r["record"]) == k]
        out.append({"tool": k[0], "mode": k[1], "record": k[2],
                    "runs": len(rs),
                    "gbs": stats(num(r["gbs"]) for r in rs),
                    "cpu": stats(num(r["cpu_s"]) for r in rs),
                    "bytes": rs[0]["bytes"]})
    return out


def writepath_csv(summary, path):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["tool", "mode", "record", "runs", "gbs_median",
                    "gbs_min", "gbs_max", "cpu_s_median"])
        for s in summary:
            w.writerow([s["tool"], s["mode"], s["record"], s["runs"]] +
                       [f"{x:.3f}" for x in s["gbs"]] +
                       [f"{s['cpu'][0]:.2f}" if s["cpu"] else ""])


def writepath_table(summary):
    fio = {s["mode"]: s for s in summary if s["tool"] == "fio"}
    lines = ["| what | record bytes | GB/s to disk (fsync included) | "
             "of fio same mode | of fio O_DIRECT | CPU s per run |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for s in summary:
        name = ("flowsplice writer, " if s["tool"] == "writer" else
                "fio seq write 1 MiB, ") + (
            "buffered" if s["mode"] == "buffered" else "O_DIRECT" if
            s["tool"] == "fio" else "direct (aligned staging, O_DIRECT)")
        same = fio.get(s["mode"])
        lines.append(
            f"| {name} | {s['record']} | {fmt(s['gbs'])} | "
            f"{ratio(s['gbs'], same['gbs']) if same else 'n/a'} | "
            f"{ratio(s['gbs'], fio['direct']['gbs']) if 'direct' in fio else 'n/a'} | "
            f"{fmt(s['cpu'])} |")
    return lines


def gnuplot(script, cwd):
    if not shutil.which("gnuplot"):
        return False
    r = subprocess.run(["gnuplot"], input=script, text=True, cwd=cwd,
                       capture_output=True)
    if r.returncode:
        print(f"report: gnuplot failed: {r.stderr}", file=sys.stderr)
    return r.returncode == 0


def plots(rows, cap, wp, raw, res):
    """Data files in raw/, PNGs in res/; returns the PNG names made."""
    made = []
    qs = sorted({s["queues"] for s in cap})
    tools = [t for t in TOOLS[1:] if any(s["tool"] == t and s["available"]
                                         for s in cap)]
    with open(os.path.join(raw, "full.dat"), "w") as f:
        f.write("# tool " + " ".join(f"q{q}_frac q{q}_lo q{q}_hi q{q}_cpu "
                                    f"q{q}_clo q{q}_chi" for q in qs) + "\n")
        for t in tools:
            cells = []
            for q in qs:
                s = next((x for x in cap if x["queues"] == q and
                          x["tool"] == t and x["available"]), None)
                fr = s["fraction"] if s and s["fraction"] else (0, 0, 0)
                cp = s["cpu_gb"] if s and s["cpu_gb"] else (0, 0, 0)
                cells += [f"{100 * v:.2f}" for v in fr]
                cells += [f"{v:.3f}" for v in cp]
            f.write(f"{t} " + " ".join(cells) + "\n")
    for name, col, ylabel in (("capture_fraction.png", 0,
                               "% of sent bytes captured, full speed"),
                              ("capture_cpu.png", 3,
                               "tool CPU seconds per GB captured")):
        p = ", ".join(
            f"'full.dat' using {2 + 6 * i + col}:{3 + 6 * i + col}:"
            f"{4 + 6 * i + col}:xtic(1) title '{q} queue(s)'"
            for i, q in enumerate(qs))
        ok = gnuplot(f"""set terminal pngcairo size 900,450
set output '{os.path.abspath(os.path.join(res, name))}'
set style data histograms
set style histogram errorbars gap 1 lw 1
set style fill solid 0.6 border -1
set ylabel '{ylabel}'
set yrange [0:*]
set key top right
set grid ytics
plot {p}
""", raw)
        if ok:
            made.append(name)
    for q in qs:
        dat = f"sweep_q{q}.dat"
        with open(os.path.join(raw, dat), "w") as f:
            for t in tools:
                pts = sorted((int(r["rate_mbit"]), 100 * float(r["fraction"]))
                             for r in rows if r["phase"] == "sweep" and
                             r["queues"] == q and r["tool"] == t and
                             r["want_bytes"])
                f.write(f"# {t}\n")
                for x, y in pts:
                    f.write(f"{x} {y:.2f}\n")
                f.write("\n\n")
        name = f"capture_sweep_q{q}.png"
        p = ", ".join(f"'{dat}' index {i} with linespoints title '{t}'"
                      for i, t in enumerate(tools))
        if gnuplot(f"""set terminal pngcairo size 900,450
set output '{os.path.abspath(os.path.join(res, name))}'
set xlabel 'offered load, Mbit/s (tcpxfer --rate)'
set ylabel '% of sent bytes captured'
set title '{q} queue(s): a tool stops at its first loss'
set yrange [0:105]
set key bottom left
set grid
plot {p}
""", raw):
            made.append(name)
    with open(os.path.join(raw, "writepath.dat"), "w") as f:
        for s in wp:
            lab = f"{s['tool']}-{s['mode']}" + (
                f"-{s['record']}" if s["tool"] == "writer" else "")
            f.write(f"{lab} " + " ".join(f"{v:.3f}" for v in s["gbs"]) + "\n")
    if gnuplot(f"""set terminal pngcairo size 900,450
set output '{os.path.abspath(os.path.join(res, 'writepath.png'))}'
set style data histograms
set style histogram errorbars gap 1 lw 1
set style fill solid 0.6 border -1
set ylabel 'GB/s to disk, fsync included'
set yrange [0:*]
set xtics rotate by -20
set grid ytics
plot 'writepath.dat' using 2:3:4:xtic(1) notitle
""", raw):
        made.append("writepath.png")
    return made


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--md", required=True)
    ap.add_argument("--machine")
    ap.add_argument("--offline")
    ap.add_argument("--streams")
    ap.add_argument("--churn")
    ap.add_argument("--replay")
    ap.add_argument("--load")
    ap.add_argument("--commands")
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    os.makedirs(a.results, exist_ok=True)
    rows = load_capture(os.path.join(a.raw, "capture.csv"))
    sweep_lines = sweep_table(rows)
    cap = summarise_capture(rows)
    capture_csv(cap, os.path.join(a.results, "capture_summary.csv"))
    wp = summarise_writepath(os.path.join(a.raw, "writepath.csv"))
    writepath_csv(wp, os.path.join(a.results, "writepath_summary.csv"))
    pngs = plots(rows, cap, wp, a.raw, a.results)
    md = []
    if a.machine and os.path.exists(a.machine):
        md += open(a.machine).read().splitlines()
    md += ["", "## Headline (medians; ratios are flowsplice / peer)", ""]
    md += headline(cap)
    md += ["", "## Capture to disk: full speed", ""]
    md += capture_table(cap)
    md += ["", "## Ratios, flowsplice / peer (medians)", ""]
    md += ratio_table(cap)
    md += ["", "## Capture to disk: offered-load sweep", ""]
    md += sweep_lines
    md += ["## Capture at a fixed offered load: flowsplice replay as the "
           "load generator (tools/bench/capture_load.sh)", ""]
    if a.load and os.path.exists(a.load):
        md += open(a.load).read().splitlines()
    else:
        md += ["not run"]
    md += ["", "## Write path", ""]
    md += writepath_table(wp)
    md += ["", "## Offline reassembly (tools/bench/offline.sh)", ""]
    if a.offline and os.path.exists(a.offline):
        md += open(a.offline).read().splitlines()
    else:
        md += ["not run (tools/bench/offline.sh absent)"]
    for title, path in (("Stream output offline (tools/bench/streams.sh)",
                         a.streams),
                        ("Stream output live, short connections "
                         "(tools/bench/churn.sh)", a.churn),
                        ("Replay: flowsplice replay vs tcpreplay "
                         "(tools/bench/replay.sh)", a.replay)):
        md += ["", f"## {title}", ""]
        if path and os.path.exists(path):
            md += open(path).read().splitlines()
        else:
            md += ["not run"]
    if pngs:
        md += ["", "## Plots", ""]
        md += [f"![{p}](results/{p})" for p in pngs]
    notes = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                         "notes.md")
    if os.path.exists(notes):
        md += [""] + open(notes).read().splitlines()
    if a.commands and os.path.exists(a.commands):
        md += ["", "## Exact commands", ""]
        md += open(a.commands).read().splitlines()
    with open(a.md, "w") as f:
        f.write("\n".join(md) + "\n")


if __name__ == "__main__":
    main()
