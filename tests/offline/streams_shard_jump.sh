#!/bin/bash
# Flow ids that jump past the shards made ahead: 2,500 connections with no
# data (a SYN scan) and then data-bearing ones, whose files belong in shard
# 2, not made yet.  The read loop makes no directory itself (no mkdir(2) in
# strace beyond DIR/0 and DIR/1 at start): each such file's open creates
# its shard first, in its io_uring chain.  Checked for a short direction
# (written once, one chain) and a long one (streamed), direct and
# buffered: the files are in DIR/2, hold exactly the bytes sent, and no
# write failed.
set -u
. "$(dirname "$0")/lib.sh"
export FRAMES_DIR=$FS_ROOT/tests/offline
command -v strace >/dev/null || { echo "SKIP: no strace"; exit 77; }

python3 - "$work/t.pcap" <<'PY'
import os, sys
sys.path.insert(0, os.environ["FRAMES_DIR"])
from frames import A, B, ETH, tcp, write_pcap
def frame(sp, dp, src, dst, seq, ack, flags, data=b""):
    return ETH + tcp(sp, dp, seq, ack, flags, data, src, dst)
pk = [frame(10000 + i, 80, A, B, 1, 0, 2) for i in range(2500)]
def conn(port, n):
    c = bytes((port + i) & 0xff for i in range(n))
    pk.append(frame(port, 80, A, B, 100, 0, 2))
    pk.append(frame(80, port, B, A, 500, 101, 18))
    for o in range(0, n, 1400):
        pk.append(frame(port, 80, A, B, 101 + o, 501, 24, c[o:o + 1400]))
    pk.append(frame(port, 80, A, B, 101 + n, 501, 17))
    pk.append(frame(80, port, B, A, 501, 102 + n, 17))
conn(40001, 3000)      # short: held, written once
conn(40002, 300000)    # long: streams into its file
write_pcap(sys.argv[1], 1, pk)
PY

for io in direct buffered; do
	st=$work/st-$io
	strace -f -qq -e trace=mkdir,mkdirat -o "$work/strace" \
		"$FS_BIN" read -r "$work/t.pcap" --streams "$st" --stream-io "$io" \
		2>"$work/err" || { bad "$io: read failed"; cat "$work/err"; }
	grep -E -q 'Sanitizer|runtime error:|cannot' "$work/err" &&
		{ bad "$io: error report"; head "$work/err"; }
	# DIR itself (and its parents) and DIR/0, DIR/1 at start only
	grep -E "mkdir\\(\"$st/[0-9]+\"" "$work/strace" | grep -v -E "\"$st/[01]\"" &&
		bad "$io: the read loop made a shard directory itself"
	python3 - "$st" <<'PY' || bad "$io: files"
import json, os, sys
d = sys.argv[1]
ok = True
n = 0
for l in open(os.path.join(d, "flows.jsonl")):
    r = json.loads(l)
    if not r["c2s"]["file"]:
        continue
    n += 1
    port, size = r["client_port"], {40001: 3000, 40002: 300000}[r["client_port"]]
    name = r["c2s"]["file"]
    want = bytes((port + i) & 0xff for i in range(size))
    if not name.startswith("2/"):
        print("FAIL", name, "not in shard 2"); ok = False
    if open(os.path.join(d, name), "rb").read() != want:
        print("FAIL", name, "differs from what was sent"); ok = False
    if r["c2s"]["write_errors"]:
        print("FAIL", name, r["c2s"]["write_errors"], "write errors"); ok = False
if n != 2:
    print("FAIL", n, "flows with data, not 2"); ok = False
sys.exit(0 if ok else 1)
PY
done
[ $fail = 0 ] && echo "PASS: shard jump: files in DIR/2, made by their opens' chains"
exit $fail
