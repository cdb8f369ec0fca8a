#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# streams_check.py must fail when the streams are wrong, or the live
# reassembly tests prove nothing.  A stream DIR is built by hand from
# "tcpxfer expect" (two connections, as flowsplice would write them), the
# checker must pass it, then each defect below is planted in a fresh copy
# and the checker must fail, naming it:
#   a flipped byte (its offset), a short file, a gap in complete mode, a
#   non-zero byte inside a recorded gap in prefix mode, a half-written
#   index line, a connection split over two records, a missing record, an
#   unexpected ended reason, a file for an empty direction, length past the
#   stream's end, a stray record, a file no record names.
# A correct prefix with a gap (what SIGTERM may leave) must pass --prefix.
set -u
FS_ROOT=${FS_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
TCPXFER=${TCPXFER:-$FS_ROOT/build/tools/tcpxfer}
CHECK=$FS_ROOT/tests/e2e/streams_check.py
[ -x "$TCPXFER" ] || { echo "FAIL: $TCPXFER not built"; exit 1; }
W=$(mktemp -d /tmp/fs-sc-selftest-XXXXXX)
trap 'rm -rf "$W"' EXIT
fails=0

# The good DIR: conn 0 (c2s 32+5000, s2c 70000) and conn 1 (c2s 32, s2c 0)
# of seed 9 on port 7000; index.tsv as tcpxfer client --out writes it.
mkdir -p "$W/good"
"$TCPXFER" expect --seed 9 --conn 0 --req-bytes 5000 --resp-bytes 70000 \
	--dir c2s >"$W/good/0-a.c2s"
"$TCPXFER" expect --seed 9 --conn 0 --req-bytes 5000 --resp-bytes 70000 \
	--dir s2c >"$W/good/0-a.s2c"
"$TCPXFER" expect --seed 9 --conn 1 --req-bytes 0 --resp-bytes 0 \
	--dir c2s >"$W/good/1-b.c2s"
printf '0\t198.18.0.1:40000\t198.18.0.2:7000\t5032\t70000\tok\n' >"$W/tsv"
printf '1\t198.18.0.1:40001\t198.18.0.2:7000\t32\t0\tok\n' >>"$W/tsv"
python3 - "$W/good/flows.jsonl" <<'PY'
import json, sys
def d(file, n, **kw):
    r = {"file": file, "packets": 3, "payload": n, "bytes": n, "length": n,
         "syn": True, "midstream": False, "fin": True, "seq0": 1,
         "gaps": [], "gaps_truncated": False, "gap_count": 0,
         "gap_bytes": 0, "overlaps": 0, "overlap_bytes": 0, "conflicts": 0,
         "conflict_bytes": 0, "late_bytes": 0, "before_start": 0,
         "after_fin": 0, "out_of_window": 0, "keepalives": 0,
         "write_errors": 0}
    r.update(kw)
    return r
def f(i, cport, c2s, s2c):
    return {"id": i, "client": "198.18.0.1", "client_port": cport,
            "server": "198.18.0.2", "server_port": 7000, "family": 4,
            "vlan": [], "ended": "fin", "overlaps": 0, "conflicts": 0,
            "c2s": c2s, "s2c": s2c}
with open(sys.argv[1], "w") as o:
    for rec in (f(0, 40000, d("0-a.c2s", 5032), d("0-a.s2c", 70000)),
                f(1, 40001, d("1-b.c2s", 32), d(None, 0, fin=True))):
        o.write(json.dumps(rec) + "\n")
PY
RUN="port=7000,seed=9,req=5000,resp=70000,conns=1"
RUN1="port=7000,seed=9,conns=1,first=1"

check() { # dir expect(pass|fail) pattern description args...
	local dir=$1 want=$2 pat=$3 what=$4 out rc
	shift 4
	out=$(TCPXFER=$TCPXFER python3 "$CHECK" "$dir" "$@" 2>&1)
	rc=$?
	if [ "$want" = pass ] && [ $rc = 0 ]; then
		echo "ok: $what passes"
	elif [ "$want" = fail ] && [ $rc = 1 ] && grep -q -- "$pat" <<<"$out"
	then
		echo "ok: $what: $(grep -m1 -- "$pat" <<<"$out" | sed 's/^ *//')"
	else
		echo "FAIL: $what: rc $rc, expected $want /$pat/:"
		sed 's/^/    /' <<<"$out"
		fails=$((fails + 1))
	fi
}

# A fresh copy of the good DIR, edited by a python snippet (d: the dir).
variant() { # name python-code
	rm -rf "${W:?}/$1"
	cp -a "$W/good" "$W/$1"
	python3 - "$W/$1" <<PY
import json, os, sys
d = sys.argv[1]
def recs():
    return [json.loads(l) for l in open(os.path.join(d, "flows.jsonl"))]
def save(rs):
    with open(os.path.join(d, "flows.jsonl"), "w") as o:
        for r in rs:
            o.write(json.dumps(r) + "\n")
$2
PY
}

check "$W/good" pass "" "the good dir (port mapping)" \
	--run "$RUN,index=$W/tsv" --run "$RUN1,index=$W/tsv"
check "$W/good" pass "" "the good dir (header ids)" \
	--run "port=7000,seed=9,req=5000,resp=70000,conns=1" --run "$RUN1"

variant flip '
with open(os.path.join(d, "0-a.s2c"), "r+b") as f:
    f.seek(54321); b = f.read(1); f.seek(54321); f.write(bytes([b[0] ^ 1]))'
check "$W/flip" fail "first differing byte at offset 54321" "flipped byte" \
	--run "$RUN" --run "$RUN1"

variant short 'os.truncate(os.path.join(d, "0-a.c2s"), 4000)'
check "$W/short" fail "file ends at 4000" "short file" --run "$RUN" \
	--run "$RUN1"

variant wronghdr '
with open(os.path.join(d, "0-a.c2s"), "r+b") as f:
    f.seek(7); f.write(b"\x05")'
check "$W/wronghdr" fail "offset 7" "wrong id in the header (port mapping)" \
	--run "$RUN,index=$W/tsv" --run "$RUN1,index=$W/tsv"
check "$W/wronghdr" fail "no record" "wrong id in the header (header ids)" \
	--run "$RUN" --run "$RUN1"

# A hole [1000, 3000) in s2c, as a capture that lost those bytes writes it.
variant gap '
p = os.path.join(d, "0-a.s2c")
with open(p, "r+b") as f:
    f.seek(1000); f.write(bytes(2000))
rs = recs()
rs[0]["s2c"].update(gaps=[[1000, 2000]], gap_bytes=2000, gap_count=1,
                    bytes=68000)
save(rs)'
check "$W/gap" fail "s2c: gaps \[\[1000, 2000\]\]" "a gap, complete mode" \
	--run "$RUN" --run "$RUN1"
check "$W/gap" pass "" "a gap of zeros in prefix mode" --prefix \
	--run "$RUN" --run "$RUN1"
check "$W/gap" fail "s2c: gaps" "a gap in prefix mode with --no-gaps" \
	--prefix --no-gaps --run "$RUN" --run "$RUN1"

variant gapdata '
rs = recs()
rs[0]["s2c"].update(gaps=[[1000, 2000]], gap_bytes=2000, gap_count=1,
                    bytes=68000)
save(rs)'
check "$W/gapdata" fail "byte 1000 inside gap" "data inside a recorded gap" \
	--prefix --run "$RUN" --run "$RUN1"

# Stopped mid-transfer: 40000 bytes of s2c, the rest not yet received.
variant prefix '
os.truncate(os.path.join(d, "0-a.s2c"), 40000)
rs = recs()
rs[0]["s2c"].update(length=40000, bytes=40000, fin=False)
rs[0]["ended"] = "shutdown"
save(rs)'
check "$W/prefix" pass "" "a correct prefix" --prefix --ended shutdown,fin \
	--run "$RUN" --run "$RUN1"
check "$W/prefix" fail "length 40000, expected 70000" \
	"a prefix in complete mode" --ended shutdown,fin --run "$RUN" \
	--run "$RUN1"

variant overclaim '
os.truncate(os.path.join(d, "0-a.s2c"), 40000)
rs = recs()
rs[0]["s2c"].update(length=50000, bytes=50000, fin=False)
save(rs)'
check "$W/overclaim" fail "file ends at 40000, data up to 50000" \
	"index claims bytes the file lacks" --prefix --run "$RUN" --run "$RUN1"

variant toolong '
rs = recs()
rs[0]["s2c"].update(length=70001, bytes=70001)
save(rs)'
check "$W/toolong" fail "past the stream's end" "length past the end" \
	--prefix --run "$RUN" --run "$RUN1"

variant halfline '
with open(os.path.join(d, "flows.jsonl"), "a") as o:
    o.write("{\"id\": 7, \"client\"")'
check "$W/halfline" fail "not JSON" "half-written index line" \
	--run "$RUN" --run "$RUN1"

variant split '
rs = recs()
b = json.loads(json.dumps(rs[0]))
b["id"] = 9
rs[0]["s2c"].update(file=None, bytes=0, length=0)
b["c2s"].update(file=None, bytes=0, length=0)
save(rs + [b])'
check "$W/split" fail "2 records" "one connection split over two records" \
	--run "$RUN,index=$W/tsv" --run "$RUN1,index=$W/tsv"

variant missing '
save(recs()[1:])
os.remove(os.path.join(d, "0-a.c2s"))
os.remove(os.path.join(d, "0-a.s2c"))'
check "$W/missing" fail "conn 0: no record" "a missing record" \
	--run "$RUN" --run "$RUN1"
check "$W/missing" pass "" "a missing record with --allow-missing" \
	--allow-missing --run "$RUN" --run "$RUN1"

variant ended '
rs = recs()
rs[1]["ended"] = "evicted"
save(rs)'
check "$W/ended" fail "ended evicted, expected fin" "wrong ended reason" \
	--run "$RUN" --run "$RUN1"

variant emptyfile '
open(os.path.join(d, "1-b.s2c"), "w").close()
rs = recs()
rs[1]["s2c"]["file"] = "1-b.s2c"
save(rs)'
check "$W/emptyfile" fail "no byte delivered but file" \
	"a file for an empty direction" --run "$RUN" --run "$RUN1"

variant stray '
rs = recs()
x = json.loads(json.dumps(rs[1]))
x.update(id=5, server_port=7001)
save(rs + [x])'
check "$W/stray" fail "records on other ports" "a record on another port" \
	--run "$RUN" --run "$RUN1"
check "$W/stray" pass "" "a record on another port with --extra 1" \
	--extra 1 --run "$RUN" --run "$RUN1"

variant midstream '
rs = recs()
rs[0]["s2c"].update(syn=False, midstream=True)
save(rs)'
check "$W/midstream" fail "midstream" "a direction whose SYN was not seen" \
	--prefix --run "$RUN" --run "$RUN1"

variant leftover 'open(os.path.join(d, "0-a.s2c.old"), "w").write("x")'
check "$W/leftover" fail "no record names" "a file no record names" \
	--run "$RUN" --run "$RUN1"

[ $fails = 0 ] || { echo "FAIL: $fails checker cases wrong"; exit 1; }
echo "PASS"
