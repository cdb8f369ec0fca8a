#!/bin/bash
# flows.jsonl survives a SIGKILL: `read` takes a trace from a FIFO whose
# writer stays open (so it waits for more input, like a live capture), and
# once it has the trace every flow that ended before its end has its line in
# the file, whole, and the stream files of those flows are complete. Then
# SIGKILL: the file holds those lines, each valid JSON, nothing else.
set -u
. "$(dirname "$0")/lib.sh"
need_tracegen
pid=
on_exit '[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; exec 3>&-'

"$TRACEGEN" --case many --seed 6 --flows 300 --bytes 5000 --out "$work/t" >/dev/null
# One more packet 5 s after the last: the first SYN again, which starts a
# flow of its own.  With --closed-timeout 1 every flow of the trace ends at
# that packet, which stays open: all lines but its own are due before the
# input ends.
python3 - "$work/t/trace.pcap" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
off, first, last = 24, None, None
while off < len(b):
    sec, frac, cap, wire = struct.unpack_from("<IIII", b, off)
    first = first or bytes(b[off:off + 16 + cap])
    last = (sec, frac)
    off += 16 + cap
rec = bytearray(first)
struct.pack_into("<II", rec, 0, last[0] + 5, last[1])
open(sys.argv[1], "ab").write(rec)
PY
"$FS_BIN" read -r "$work/t/trace.pcap" --streams "$work/ref" \
	--closed-timeout 1 2>/dev/null || bad "reference run failed"
# Every line but the last flow's.
want=$(($(wc -l <"$work/ref/flows.jsonl") - 1))
[ "$want" -eq 300 ] || bad "$want flows end before the last packet, not 300"

bin=$FS_BIN
tag=${bin##*/build/}
out=$work/st-${tag//\//_}
rm -f "$work/fifo"
mkfifo "$work/fifo"
"$bin" read -r "$work/fifo" --streams "$out" --closed-timeout 1 \
	2>"$work/err" &
pid=$!
exec 3>"$work/fifo"
cat "$work/t/trace.pcap" >&3
# The lines come when read waits for input; no timing is asserted,
# this is only how long to wait before calling it lost.
for _ in $(seq 300); do
	[ "$(cat "$out/flows.jsonl" 2>/dev/null | wc -l)" -ge "$want" ] &&
		break
	sleep 0.1
done
kill -KILL "$pid"
wait "$pid" 2>/dev/null
pid=
exec 3>&-
grep -E -q 'Sanitizer|runtime error:' "$work/err" &&
	{ bad "$tag: sanitizer report"; head -30 "$work/err"; }
python3 - "$work/ref" "$out" <<'PY' || bad "$tag: index after SIGKILL"
import json, os, sys
ref, out = sys.argv[1], sys.argv[2]
data = open(os.path.join(out, "flows.jsonl"), "rb").read()
assert data.endswith(b"\n"), "ends with %r" % data[-40:]
got = {}
for l in data.split(b"\n")[:-1]:
    r = json.loads(l)
    got[r["id"]] = r
want = {}
for l in open(os.path.join(ref, "flows.jsonl")):
    r = json.loads(l)
    want[r["id"]] = r
del want[max(want)]
assert set(got) == set(want), "lines of %d flows, %d ended" % (len(got), len(want))
for i, r in got.items():
    assert r == want[i], "flow %d: %r" % (i, r)
    for d in ("c2s", "s2c"):
        f = r[d]["file"]
        if f:
            a = open(os.path.join(out, f), "rb").read()
            assert a == open(os.path.join(ref, f), "rb").read(), f
print("ok   %d lines, every ended flow's, and their files" % len(got))
PY
exit $fail
