#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# End to end: -s SNAPLEN with -w and --streams in one capture.
#  - every pcap record carries at most SNAPLEN bytes and keeps the
#    packet's length on the wire (full-size segments: len > caplen), and
#    the file header says SNAPLEN; tcpdump reads it;
#  - every packet written is in the file (stats JSON written = records);
#  - the stream files are whole: snaplen does not touch reassembly.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/streams_lib.sh"
streams_init
topo_up 1
SNAP=96
REQ=$((2 * 1024 * 1024 + 11))
RESP=$((1024 * 1024 + 3))

xfer_server 5201 2
cap_start -Q 0 -s "$SNAP" -w "$OUT/cap.pcap" tcp port 5201
xfer_client bulk --connect "$IP_B:5201" --seed 61 --conns 2 --parallel 2 \
	--req-bytes "$REQ" --resp-bytes "$RESP"
xfer_wait bulk || die "transfer failed"
sleep 0.5
cap_stop INT
[ "$CAP_RC" = 0 ] || die "flowsplice capture exited with $CAP_RC"
check_mirror

python3 - "$OUT/cap.pcap" "$OUT/stats.json" "$SNAP" <<'PY' || die "pcap records wrong"
import json, struct, sys
path, stats, snap = sys.argv[1], sys.argv[2], int(sys.argv[3])
d = open(path, "rb").read()
magic, _, _, _, _, hsnap, _ = struct.unpack_from("<IHHiIII", d, 0)
assert magic == 0xa1b23c4d, hex(magic)
assert hsnap == snap, f"header snaplen {hsnap}"
off, n, cut = 24, 0, 0
while off < len(d):
    _, _, cl, ln = struct.unpack_from("<IIII", d, off)
    assert cl <= snap, f"record {n}: caplen {cl} > {snap}"
    assert ln >= cl, f"record {n}: len {ln} < caplen {cl}"
    cut += ln > cl
    off += 16 + cl
    n += 1
assert off == len(d), "trailing bytes"
st = json.load(open(stats))
written = sum(q["written"] for q in st["queues"])
assert written == n, f"stats say {written} written, file has {n}"
assert cut > 100, f"only {cut} records were cut at snaplen"
print(f"ok: {n} records, {cut} cut at {snap} bytes, lengths kept")
PY
tcpdump -nr "$OUT/cap.pcap" >/dev/null 2>"$OUT/tcpdump.err" ||
	die "tcpdump cannot read the file: $(cat "$OUT/tcpdump.err")"
streams_check --ended fin \
	--run "port=5201,seed=61,conns=2,req=$REQ,resp=$RESP,index=$SHM/bulk/index.tsv" ||
	soft_fail "stream files differ from what was sent"
soft_done
