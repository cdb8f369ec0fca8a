#!/bin/bash
# `read --streams` of 1500 short connections (3000 files, more than one
# directory shard holds): the files sit in DIR/<id / 1000>/, no directory
# holds more than 2000 files, flows.jsonl names each by its path relative
# to DIR and every name it gives is a file there; each direction (short)
# was written once, in one open-write-close chain, and the read loop took
# no wait (the summary's "loop waits"); the bytes are exactly tracegen's.
set -u
: "${FS_BIN:?}" "${FS_ROOT:?}"
gen=$FS_ROOT/build/tools/tracegen
[ -x "$gen" ] || { echo "build/tools/tracegen not built"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
bad() { echo "FAIL $*"; fail=1; }

"$gen" --case many --seed 5 --flows 1500 --bytes 3000 --out "$work/t" >/dev/null
"$FS_BIN" read -r "$work/t/trace.pcap" --streams "$work/st" 2>"$work/err" ||
	{ bad "read failed"; cat "$work/err"; }
grep -E -q 'Sanitizer|runtime error:' "$work/err" &&
	{ bad "sanitizer report"; head -30 "$work/err"; }
once=$(grep -o '[0-9]* written once' "$work/err" | cut -d' ' -f1)
waits=$(grep -o '[0-9]* loop waits' "$work/err" | cut -d' ' -f1)
[ "${once:-0}" -eq 3000 ] || bad "${once:-no} files written once, expected 3000"
[ "${waits:-1}" -eq 0 ] || bad "the read loop waited ${waits:-?} times"
python3 - "$work/st" "$work/t/expected" <<'PY' || bad "layout or bytes"
import collections, ipaddress, json, os, sys
d, exp = sys.argv[1:3]
conn = {}
with open(os.path.join(exp, "conns.tsv")) as f:
    hdr = f.readline().rstrip("\n").split("\t")
    for l in f:
        c = dict(zip(hdr, l.rstrip("\n").split("\t")))
        conn[(str(ipaddress.ip_address(c["client"])), int(c["cport"]))] = c["conn"]
per_dir = collections.Counter()
files = set()
for r, _, ns in os.walk(d):
    for n in ns:
        rel = os.path.relpath(os.path.join(r, n), d)
        if rel != "flows.jsonl":
            files.add(rel)
            per_dir[os.path.dirname(rel)] += 1
named = set()
ok = True
for l in open(os.path.join(d, "flows.jsonl")):
    rec = json.loads(l)
    for dd in ("c2s", "s2c"):
        name = rec[dd]["file"]
        shard, _, base = name.partition("/")
        if shard != str(rec["id"] // 1000) or not base.startswith("%d-" % rec["id"]):
            print("FAIL", name, "is not in shard", rec["id"] // 1000)
            ok = False
        named.add(name)
        want = open(os.path.join(exp, "conn%s.%s" % (
            conn[(rec["client"], rec["client_port"])], dd)), "rb").read()
        if open(os.path.join(d, name), "rb").read() != want:
            print("FAIL", name, "differs from the stream sent")
            ok = False
print("files", len(files), "directories", dict(per_dir))
if named != files:
    print("FAIL named in the index but absent, or present but unnamed:",
          sorted(named ^ files)[:5])
    ok = False
if len(per_dir) < 2 or max(per_dir.values()) > 2000:
    print("FAIL shards", dict(per_dir))
    ok = False
sys.exit(0 if ok else 1)
PY
[ $fail -eq 0 ] && echo "ok   $once files written once, $waits loop waits"
exit $fail
