#!/bin/bash
# A late SYN: the server's data reaches the capture before the client's
# SYN, so the flow's roles are guessed wrong at first and its files are
# created under the swapped names (past the midstream window, 64 KiB
# held, the reassembly picks its start); the SYN swaps them, and the file
# is renamed through io_uring (the read loop takes no wait for it): while
# open, or after its close (a FIN came before the SYN), direct and
# buffered, streamed from the first byte or held first.  A short server
# head (3,000 bytes) is still held when the SYN comes: no file, no
# rename.  Each run: the files carry the final names, c2s holds the
# client's bytes and s2c the server's, nothing else is in the directory,
# flows.jsonl names them, no rename failed.
set -u
: "${FS_BIN:?}" "${FS_ROOT:?}"
export FRAMES_DIR=$FS_ROOT/tests/offline
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
bad() { echo "FAIL $*"; fail=1; }

# mk.py OUT FIN_FIRST HEAD: one connection 198.18.0.1:40000 ->
# 198.18.0.2:80, the server's first HEAD bytes (and with FIN_FIRST its FIN,
# the whole response) before the client's SYN; the client's 700 bytes
# after the handshake; then the rest of the server's 6,000 more.
cat >"$work/mk.py" <<'PY'
import os, sys
sys.path.insert(0, os.environ["FRAMES_DIR"])
from frames import A, B, ETH, ACK, FIN, PSH, SYN, tcp, write_pcap
out, fin_first, head = sys.argv[1], sys.argv[2] == "1", int(sys.argv[3])
def frame(src, dst, sp, dp, seq, ack, flags, data=b""):
    return ETH + tcp(sp, dp, seq, ack, flags, data, src, dst)
c = bytes((i * 7 + 3) & 0xff for i in range(700))
total = head + 6000
s = bytes((i * 13 + 5) & 0xff for i in range(total))
CI, SI = 1000, 5000
pk = []
srv = lambda seq, fl, d=b"": pk.append(frame(B, A, 80, 40000, seq, CI + 1, fl, d))
cli = lambda seq, fl, d=b"": pk.append(frame(A, B, 40000, 80, seq, SI + 1, fl, d))
pre = total if fin_first else head
for o in range(0, pre, 1000):
    srv(SI + 1 + o, ACK | PSH, s[o:o + 1000])
if fin_first:
    srv(SI + 1 + total, ACK | FIN)
pk.append(frame(A, B, 40000, 80, CI, 0, SYN))
pk.append(frame(B, A, 80, 40000, SI, CI + 1, SYN | ACK))
cli(CI + 1, ACK)
cli(CI + 1, ACK | PSH, c)
if not fin_first:
    for o in range(head, total, 1000):
        srv(SI + 1 + o, ACK | PSH, s[o:o + 1000])
    srv(SI + 1 + total, ACK | FIN)
cli(CI + 701, ACK | FIN)
write_pcap(out, 1, pk)
open(out + ".c2s", "wb").write(c)
open(out + ".s2c", "wb").write(s)
PY

check() { # pcap streams-dir
	python3 - "$1" "$2" <<'PY'
import json, os, sys
pcap, d = sys.argv[1:3]
files = {os.path.relpath(os.path.join(r, n), d)
         for r, _, ns in os.walk(d) for n in ns} - {"flows.jsonl"}
recs = [json.loads(l) for l in open(os.path.join(d, "flows.jsonl"))]
ok = len(recs) == 1
rec = recs[0]
if rec["client"] != "198.18.0.1" or rec["client_port"] != 40000:
    print("FAIL client is", rec["client"], rec["client_port"]); ok = False
named = set()
for dd in ("c2s", "s2c"):
    name = rec[dd]["file"]
    named.add(name)
    if "198.18.0.1.40000-198.18.0.2.80" not in name or not name.endswith(dd):
        print("FAIL", dd, "named", name); ok = False
    if open(os.path.join(d, name), "rb").read() != open(pcap + "." + dd, "rb").read():
        print("FAIL", name, "differs from what", dd, "sent"); ok = False
    if rec[dd]["write_errors"]:
        print("FAIL", dd, rec[dd]["write_errors"], "write errors"); ok = False
if files != named:
    print("FAIL files", sorted(files), "named", sorted(named)); ok = False
print("files", sorted(files))
sys.exit(0 if ok else 1)
PY
}

runs=0
for head in 100000 3000; do
	for fin_first in 0 1; do
		[ $head = 3000 ] && [ $fin_first = 1 ] && continue
		t=$work/t$head-$fin_first.pcap
		python3 "$work/mk.py" "$t" "$fin_first" "$head"
		# a file existed before the SYN only past the midstream window
		want=1
		[ $head = 3000 ] && want=0
		for io in direct buffered; do
			for once in 0 64k; do
				name="head=$head fin_first=$fin_first --stream-io $io --write-once $once"
				st=$work/st-$head-$fin_first-$io-$once
				runs=$((runs + 1))
				"$FS_BIN" read -r "$t" --streams "$st" --stream-io "$io" \
					--write-once "$once" 2>"$work/err" ||
					{ bad "$name: read failed"; cat "$work/err"; }
				grep -E -q 'Sanitizer|runtime error:|cannot rename' "$work/err" &&
					{ bad "$name: error report"; head -20 "$work/err"; }
				renamed=$(grep -o '[0-9]* renamed after a late SYN' "$work/err" | cut -d' ' -f1)
				[ "${renamed:-x}" = "$want" ] ||
					bad "$name: ${renamed:-no} files renamed, expected $want"
				waits=$(grep -o '[0-9]* loop waits' "$work/err" | cut -d' ' -f1)
				[ "${waits:-1}" -eq 0 ] || bad "$name: the read loop waited ${waits:-?} times"
				check "$t" "$st" || bad "$name"
			done
		done
	done
done
[ $fail = 0 ] && echo "PASS: late SYN renames, $runs runs"
exit $fail
