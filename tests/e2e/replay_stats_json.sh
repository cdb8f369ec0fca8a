#!/bin/bash
# --stats-json during the run: a replay that loops until stopped (--loop
# 0, paced) keeps its document replaced each --stats-interval, as capture
# does.  Read while the replay runs, every version is whole JSON
# ("final": false) whose counters never go back and whose packet count
# grows from one to the next; a stats line goes to stderr with each.
# After SIGINT the last version ("final": true) says what the summary
# says, number for number, and the recorder got exactly that many frames,
# the file's in order.  Nothing here depends on timing: the test waits
# for three different versions, however long they take (up to the
# runner's timeout).
set -u
FS_ROOT=${FS_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
FS_BIN=${FS_BIN:-$FS_ROOT/build/flowsplice}
. "$FS_ROOT/tests/e2e/replay_lib.sh"
replay_up 1
p=$PCAPS/ppp--650HttpResponses.pcap
[ -f "$p" ] || die "no $p"
VERSIONS=3

record_start "$WORK/rec.pcap"
topo_bg a "$FS_BIN" replay -i "$MIR_IF" -r "$p" --loop 0 --pps 5000 \
	--stats-interval 1 --stats-json "$WORK/st.json" 2>"$WORK/log"
pid=$TOPO_BG_PID

# Copy each new version of the document as it appears (a reader sees
# the old one or the new one, never half of either: rename(2)).
n=0
while [ "$n" -lt "$VERSIONS" ]; do
	kill -0 "$pid" 2>/dev/null || { cat "$WORK/log"; die "replay exited"; }
	if [ -s "$WORK/st.json" ]; then
		cp "$WORK/st.json" "$WORK/cur.json"
		if [ "$n" = 0 ] || ! cmp -s "$WORK/cur.json" "$WORK/v$n.json"; then
			n=$((n + 1))
			mv "$WORK/cur.json" "$WORK/v$n.json"
		fi
	fi
	sleep 0.1
done
kill -INT "$pid"
wait "$pid" || { cat "$WORK/log"; die "replay exited $?"; }
record_stop
cat "$WORK/log"

python3 - "$WORK" "$VERSIONS" <<'PY' || die "documents during the run"
import json, re, sys
work, n = sys.argv[1], int(sys.argv[2])
docs = [json.load(open(f"{work}/v{i}.json")) for i in range(1, n + 1)]
final = json.load(open(f"{work}/st.json"))
log = open(f"{work}/log").read()
bad = []
def flat(d):
    out = {k: v for k, v in d.items() if isinstance(v, (int, float))
           and not isinstance(v, bool) and k not in ("pps", "gbps")}
    out.update({"skipped." + k: v for k, v in d["skipped"].items()})
    out["max_frames"] = d["completion_lag"]["max_frames"]
    for q in d["queues"]:
        for k in ("packets", "bytes", "kicks", "max_inflight"):
            out[f"q{q['queue']}.{k}"] = q[k]
    return out
for i, d in enumerate(docs):
    if d["final"] is not False:
        bad.append(f"version {i + 1} during the run says final")
seq = docs + [final]
for a, b in zip(seq, seq[1:]):
    fa, fb = flat(a), flat(b)
    for k in fa:
        if fb[k] < fa[k]:
            bad.append(f"{k} went back: {fa[k]} then {fb[k]}")
for a, b in zip(docs, docs[1:]):
    if b["packets"] <= a["packets"]:
        bad.append(f"packets did not grow: {a['packets']} then {b['packets']}")
if docs[0]["packets"] <= 0:
    bad.append("the first version counts no packet")
if final["final"] is not True:
    bad.append("the last version does not say final")
lines = re.findall(r"^tx (\d+) pkts ", log, re.M)
if len(lines) < n:
    bad.append(f"{len(lines)} stats lines for {n} versions")
m = re.search(r"flowsplice replay: (\d+) packets, (\d+) bytes sent in "
              r"([\d.]+) s: (\d+) pps, ([\d.]+) Gbit/s\n"
              r"  read: (\d+) records, (\d+) passes; skipped: (\d+) too "
              r"large, (\d+) filtered, (\d+) malformed, (\d+) not Ethernet\n"
              r"  completion lag: (\d+) frames in flight at most, ([\d.]+) "
              r"on average; (\d+) kicks; (\d+) frames not completed", log)
if not m:
    sys.exit("FAIL: no summary\n" + "\n".join(bad))
g = m.groups()
s = final["skipped"]
want = [
    ("packets", int(g[0]), final["packets"]),
    ("bytes", int(g[1]), final["bytes"]),
    ("elapsed_s", g[2], f"{final['elapsed_s']:.3f}"),
    ("pps", g[3], f"{final['pps']:.0f}"),
    ("gbps", g[4], f"{final['gbps']:.3f}"),
    ("records", int(g[5]), final["records"]),
    ("passes", int(g[6]), final["passes"]),
    ("too_large", int(g[7]), s["too_large"]),
    ("filtered", int(g[8]), s["filtered"]),
    ("malformed", int(g[9]), s["malformed"]),
    ("not_ethernet", int(g[10]), s["not_ethernet"]),
    ("max_frames", int(g[11]), final["completion_lag"]["max_frames"]),
    ("mean_frames", g[12], f"{final['completion_lag']['mean_frames']:.1f}"),
    ("kicks", int(g[13]), final["kicks"]),
    ("unfinished", int(g[14]), final["unfinished"]),
]
for k, summ, doc in want:
    if summ != doc:
        bad.append(f"{k}: summary {summ}, document {doc}")
if sum(q["packets"] for q in final["queues"]) != final["packets"]:
    bad.append("the queues' packets do not add up")
for b in bad:
    print("FAIL:", b)
print(f"{n} versions during the run, packets "
      f"{', '.join(str(d['packets']) for d in docs)}; final {final['packets']}"
      f" packets, {final['passes']} passes, as the summary")
sys.exit(1 if bad else 0)
PY

sent=$(json_field "$WORK/st.json" packets)
out=$(check "$p" --count "$sent") ||
	die "what arrived is not what the document counts: $out"
log "$sent frames arrived, in order, as the final document counts"
echo PASS
