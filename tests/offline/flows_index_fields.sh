#!/bin/bash
# The flows.jsonl fields documented are the fields written: the keys of
# every line of a real index (top level, and per direction under c2s and
# s2c) are exactly those of the README's table ("Offline mode", the field
# table), each of them is named in tcp/flow_index.h, and every "ended"
# value seen is one the README lists.
set -u
. "$(dirname "$0")/lib.sh"
need_tracegen
gen=$TRACEGEN

# Several cases, so that gaps, overlaps, RSTs and a reused 4-tuple appear.
for c in loss dup overlap-diff port-reuse midstream vlan ipv6; do
	"$gen" --case "$c" --seed 3 --out "$work/$c" >/dev/null ||
		{ bad "tracegen $c"; exit 1; }
	"$FS_BIN" read -r "$work/$c/trace.pcap" --streams "$work/$c/st" \
		2>"$work/err" || { bad "read $c"; cat "$work/err"; }
done
cat "$work"/*/st/flows.jsonl >"$work/all.jsonl"

python3 - "$FS_ROOT/README.md" "$FS_ROOT/user/tcp/flow_index.h" \
	"$work/all.jsonl" <<'PY' || fail=1
import json, re, sys

readme, header, index = sys.argv[1:4]
ident = re.compile(r"`([a-z_0-9]+)`")

# The table that follows "| field | meaning |".
rows, on = [], False
for line in open(readme):
    if line.startswith("| field | meaning |"):
        on = True
        continue
    if on and not line.startswith("|"):
        break
    if on and not line.startswith("| ---"):
        rows.append([c.strip() for c in line.strip().strip("|").split("|")])
top, per_dir, ended = set(), set(), set()
for name, meaning in rows:
    names = ident.findall(name)
    top.update(names)
    if names == ["c2s", "s2c"]:
        per_dir = set(ident.findall(meaning))
    if names == ["ended"]:
        ended = set(ident.findall(meaning))
if not top or not per_dir or not ended:
    sys.exit("FAIL: no field table found in the README")

seen_top, seen_dir, seen_ended, n = set(), set(), set(), 0
for line in open(index):
    rec = json.loads(line)
    n += 1
    seen_top.update(rec)
    seen_ended.add(rec["ended"])
    for d in ("c2s", "s2c"):
        seen_dir.update(rec[d])
if n == 0:
    sys.exit("FAIL: no flows in the index")

bad = 0
def compare(what, documented, written):
    global bad
    for k in sorted(written - documented):
        print(f"FAIL: {what} field {k} is written but not in the README")
        bad = 1
    for k in sorted(documented - written):
        print(f"FAIL: {what} field {k} is in the README but never written")
        bad = 1
compare("top-level", top, seen_top)
compare("per-direction", per_dir, seen_dir)
for v in sorted(seen_ended - ended):
    print(f"FAIL: ended value {v} is not in the README")
    bad = 1

# The header's list: every field written is named there.
doc = next(c for c in re.findall(r"/\*.*?\*/", open(header).read(), re.S)
           if "flows.jsonl" in c)
words = set(re.findall(r"[a-z_0-9]+", doc))
for k in sorted((seen_top | seen_dir) - words):
    print(f"FAIL: field {k} is not named in flow_index.h")
    bad = 1
print(f"{n} flows, {len(seen_top)} top-level and {len(seen_dir)} "
      f"per-direction fields checked")
sys.exit(bad)
PY
[ "$fail" -eq 0 ] && echo "ok"
exit "$fail"
