#!/bin/bash
# Every tracegen case (two seeds) through `flowsplice read --streams`,
# checked against the generator's expected streams: same connections and
# byte-0 sequence numbers, every byte outside the expected gaps equal,
# exactly the expected gaps recorded, conflicting overlaps counted where
# the trace has them (and only there), keep-alives never written.
set -u
: "${FS_BIN:?}" "${FS_ROOT:?}"
gen=$FS_ROOT/build/tools/tracegen
[ -x "$gen" ] || { echo "build/tools/tracegen not built"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# check DIR OUT LABEL strict|budget
check() {
	python3 - "$@" <<'PY'
import collections, ipaddress, json, os, sys
d, out, label, budget = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "budget"
def tsv(name):
    with open(os.path.join(d, "expected", name)) as f:
        hdr = f.readline().rstrip("\n").split("\t")
        return [dict(zip(hdr, l.rstrip("\n").split("\t"))) for l in f]
def norm(a):
    return str(ipaddress.ip_address(a))
conns = tsv("conns.tsv")
gaps, confl = collections.defaultdict(list), collections.defaultdict(list)
for g in tsv("gaps.tsv"):
    gaps[(int(g["conn"]), g["dir"])].append((int(g["offset"]), int(g["length"])))
for c in tsv("conflicts.tsv"):
    confl[(int(c["conn"]), c["dir"], c["kind"])].append(int(c["length"]))
flows = [json.loads(l) for l in open(os.path.join(out, "flows.jsonl"))]
flows.sort(key=lambda f: f["id"])
errs = []
def merged(gs):
    out = []
    for o, n in sorted(gs):
        if out and out[-1][0] + out[-1][1] == o:
            out[-1] = (out[-1][0], out[-1][1] + n)
        else:
            out.append((o, n))
    return out
used = set()
for i, c in enumerate(conns):
    key = (norm(c["client"]), int(c["cport"]), norm(c["server"]), int(c["sport"]))
    vlan = [] if c["vlan"] == "-" else [int(v) for v in c["vlan"].split(".")]
    cand = [f for f in flows if f["id"] not in used and f["vlan"] == vlan and
            (norm(f["client"]), f["client_port"], norm(f["server"]), f["server_port"]) == key]
    if not cand:
        errs.append("conn %d %s: no flow" % (i, key))
        continue
    f = cand[0]
    used.add(f["id"])
    for dr in ("c2s", "s2c"):
        j = f[dr]
        want = open(os.path.join(d, "expected", "conn%d.%s" % (i, dr)), "rb").read()
        got = open(os.path.join(out, j["file"]), "rb").read() if j["file"] else b""
        eg = merged(gaps[(i, dr)])
        tag = "conn %d %s" % (i, dr)
        if want and j["seq0"] != int(c[dr + "_seq0"]):
            errs.append("%s: seq0 %d, expected %s" % (tag, j["seq0"], c[dr + "_seq0"]))
        if j["length"] != len(want) or (got and len(got) != len(want)):
            errs.append("%s: length %d (file %d), expected %d" % (tag, j["length"], len(got), len(want)))
        ours = [tuple(g) for g in j["gaps"]]
        if budget:
            # past a budget more holes become gaps: check outside all of them
            cover = set(k for o, n in ours for k in range(o, o + n))
            if any(k not in cover for o, n in eg for k in range(o, o + n)):
                errs.append("%s: gaps %s miss expected %s" % (tag, ours, eg))
            eg = merged(ours)
        elif ours != eg:
            errs.append("%s: gaps %s, expected %s" % (tag, j["gaps"], eg))
        pos, bad = 0, 0
        for o, n in eg + [(len(want), 0)]:
            bad += sum(1 for k in range(pos, min(o, len(got))) if got[k] != want[k])
            bad += max(0, min(o, len(want)) - max(pos, len(got)))
            pos = o + n
        if bad:
            errs.append("%s: %d bytes differ outside the gaps" % (tag, bad))
        ov = confl.get((i, dr, "overlap"), [])
        if budget:
            pass
        elif bool(ov) != bool(j["conflicts"]) or j["conflict_bytes"] > sum(ov):
            errs.append("%s: %d conflicts (%d bytes), expected ranges %s" % (tag, j["conflicts"], j["conflict_bytes"], ov))
        if confl.get((i, dr, "keepalive")) and not j["keepalives"]:
            errs.append("%s: keep-alive not recognised" % tag)
extra = [f["id"] for f in flows if f["id"] not in used]
if extra:
    errs.append("flows not in the trace: %s" % extra)
print("%s: %d connections, %d errors" % (label, len(conns), len(errs)))
for e in errs:
    print("  FAIL " + e)
sys.exit(1 if errs else 0)
PY
}

fail=0
for seed in 1 7; do
	"$gen" --case all --seed "$seed" --out "$work/s$seed" >/dev/null || {
		echo "tracegen failed"; exit 1; }
	for d in "$work/s$seed"/*/; do
		c=$(basename "$d")
		if ! "$FS_BIN" read -r "$d/trace.pcap" --streams "$d/out" \
			2>"$d/err"; then
			echo "$c seed $seed: flowsplice read failed"
			cat "$d/err"
			fail=1
			continue
		fi
		check "$d" "$d/out" "$c seed $seed" strict || fail=1
	done
done

# The bounds: few open files (reopened without losing bytes), and tiny
# hold budgets under both policies (holes become gaps, nothing else moves).
d=$work/bounds
"$gen" --case many --seed 3 --flows 60 --reorder 0.3 --out "$d" >/dev/null
run() { # label strict|budget options...
	local label=$1 mode=$2
	shift 2
	rm -rf "$d/out"
	"$FS_BIN" read -r "$d/trace.pcap" --streams "$d/out" "$@" 2>"$d/err" ||
		{ echo "$label: read failed"; cat "$d/err"; fail=1; return; }
	check "$d" "$d/out" "$label" "$mode" || fail=1
	echo "  $(grep -E 'streams:' "$d/err")"
}
run "many, 5 open files" strict --max-open-files 5 --write-once 0
grep -q ' 0 reopens' "$d/err" && { echo "no reopen happened"; fail=1; }
run "many, drop policy, 4K held" budget --hold-policy drop --ooo-total 4K
grep -q ' 0 budget gaps' "$d/err" && { echo "no budget gap happened"; fail=1; }
run "many, copy policy, 3000 per flow" budget --ooo-per-flow 3000
grep -q ' 0 budget gaps' "$d/err" && { echo "no budget gap happened"; fail=1; }
exit $fail
