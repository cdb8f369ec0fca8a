#!/bin/bash
# --snaplen on `read -w` and -s on `capture`: records keep at most SNAPLEN
# bytes and the wire length, 0 means 262144 (as tcpdump), and bad values
# (negative, above 262144, not a number) are usage errors (exit 2) in both
# commands.
set -u
: "${FS_BIN:?}" "${FS_ROOT:?}"
gen=$FS_ROOT/build/tools/tracegen
[ -x "$gen" ] || { echo "build/tools/tracegen not built"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0

"$gen" --case many --seed 5 --flows 20 --out "$work/t" >/dev/null
in=$work/t/trace.pcap
"$FS_BIN" read -r "$in" -w "$work/full.pcap" 2>/dev/null || { echo "FAIL read"; exit 1; }
"$FS_BIN" read -r "$in" -w "$work/s60.pcap" --snaplen 60 2>/dev/null ||
	{ echo "FAIL read --snaplen 60"; exit 1; }
"$FS_BIN" read -r "$in" -w "$work/s0.pcap" --snaplen 0 2>/dev/null ||
	{ echo "FAIL read --snaplen 0"; exit 1; }
python3 - "$work/full.pcap" "$work/s60.pcap" "$work/s0.pcap" <<'PY' || fail=1
import struct, sys
def recs(p):
    d = open(p, "rb").read()
    snap = struct.unpack_from("<I", d, 16)[0]
    off, out = 24, []
    while off < len(d):
        s, f, cl, ln = struct.unpack_from("<IIII", d, off)
        out.append((s, f, cl, ln, d[off + 16:off + 16 + cl]))
        off += 16 + cl
    return snap, out
fs, full = recs(sys.argv[1])
s60, cut = recs(sys.argv[2])
s0, zero = recs(sys.argv[3])
assert (fs, s60, s0) == (262144, 60, 262144), (fs, s60, s0)
assert len(full) == len(cut) == len(zero) and len(full) > 0
assert zero == full, "--snaplen 0 is not the full packets"
ncut = 0
for a, b in zip(full, cut):
    assert b[:2] == a[:2] and b[3] == a[3], "timestamp or length changed"
    assert b[2] == min(a[2], 60) and b[4] == a[4][:60], "bytes differ"
    ncut += a[2] > 60
assert ncut > 0, "no record longer than 60 bytes in the trace"
print(f"ok   {len(cut)} records, {ncut} cut at 60, lengths kept")
PY
tcpdump -nr "$work/s60.pcap" >/dev/null 2>&1 || { echo "FAIL tcpdump -r"; fail=1; }

for v in -1 262145 abc 1x ""; do
	"$FS_BIN" read -r "$in" -w "$work/x.pcap" --snaplen "$v" 2>/dev/null
	rc=$?
	[ "$rc" = 2 ] && echo "ok   read --snaplen '$v': exit 2" ||
		{ echo "FAIL read --snaplen '$v': exit $rc"; fail=1; }
	"$FS_BIN" capture -i lo -w "$work/x.pcap" -s "$v" 2>/dev/null
	rc=$?
	[ "$rc" = 2 ] && echo "ok   capture -s '$v': exit 2" ||
		{ echo "FAIL capture -s '$v': exit $rc"; fail=1; }
done
exit $fail
