#!/bin/bash
# Link types through `read`: a pcapng with no interface block, or with a
# packet block before the first one, is malformed (exit 1, one line with
# the byte offset, no -w file: a pcap of link type 0xffffffff is never
# written); a pcapng with an interface and no packet gives a valid empty
# pcap of that link type; a pcap link type field is printed whole (not
# masked to its 26 low bits) when unsupported, and its FCS bits do not
# stop an Ethernet capture from being read.
set -u
. "$(dirname "$0")/lib.sh"

python3 - "$work" <<'PY'
import struct, sys
d = sys.argv[1]
def block(btype, body):
    body += b"\0" * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)
frame = bytes.fromhex(
    "020000000002020000000001080045000028000140004006" "0000"
    "c6120001c6130001" "9c400050000003e800000000" "50022000" "00000000")
shb = block(0x0a0d0d0a, struct.pack("<IHHq", 0x1a2b3c4d, 1, 0, -1))
idb = block(1, struct.pack("<HHI", 1, 0, 0))
epb = block(6, struct.pack("<IIIII", 0, 0, 1, len(frame), len(frame)) + frame)
def pcap(lt):
    return (struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, lt) +
            struct.pack("<IIII", 1, 2, len(frame), len(frame)) + frame)
files = {
    "shb_only.pcapng": shb,
    "pkt_first.pcapng": shb + epb + idb + epb,
    "no_packet.pcapng": shb + idb,
    "lt_ffffffff.pcap": pcap(0xffffffff),
    "fcs_bits.pcap": pcap(0x24000001),
}
for n, b in files.items():
    open("%s/%s" % (d, n), "wb").write(b)
print(len(shb), file=open(d + "/shb_len", "w"))
PY
shb=$(cat "$work/shb_len")

# refused FILE OFFSET: exit 1, one line naming the offset, no output.
refused() {
	local before=$fail
	fail=0
	rm -f "$work/o.pcap"
	"$FS_BIN" read -r "$1" -w "$work/o.pcap" 2>"$work/err"
	local rc=$?
	[ "$rc" -eq 1 ] || bad "$1: exit $rc, expected 1"
	[ "$(wc -l <"$work/err")" -eq 1 ] || bad "$1: $(cat "$work/err")"
	grep -q "offset $2\b" "$work/err" || bad "$1: no offset $2: $(cat "$work/err")"
	[ -e "$work/o.pcap" ] && bad "$1: -w file written"
	[ $fail -eq 0 ] && echo "ok   $(basename "$1"): refused at offset $2"
	[ $before -eq 0 ] || fail=1
}
refused "$work/shb_only.pcapng" "$shb"
refused "$work/pkt_first.pcapng" "$shb"
for f in 10_shb_only.pcapng:244 10_no_idb.pcapng:28; do
	[ -r "$FS_SHARED/repro/${f%:*}" ] && refused "$FS_SHARED/repro/${f%:*}" "${f#*:}"
done

"$FS_BIN" read -r "$work/no_packet.pcapng" -w "$work/o.pcap" 2>"$work/err" ||
	bad "interface, no packet: exit $?"
lt=$(od -A n -t u4 -j 20 -N 4 "$work/o.pcap" | tr -d ' ')
size=$(stat -c %s "$work/o.pcap")
[ "$lt" = 1 ] && [ "$size" = 24 ] ||
	bad "interface, no packet: pcap of link type $lt, $size bytes"

"$FS_BIN" read -r "$work/lt_ffffffff.pcap" -w "$work/o.pcap" 2>"$work/err"
rc=$?
[ "$rc" -eq 1 ] || bad "link type 0xffffffff: exit $rc, expected 1"
grep -q '\b4294967295\b' "$work/err" ||
	bad "link type 0xffffffff not printed whole: $(cat "$work/err")"

"$FS_BIN" read -r "$work/fcs_bits.pcap" -w "$work/o.pcap" 2>"$work/err" ||
	bad "Ethernet with FCS bits: exit $?"
n=$(grep -o '[0-9]* matched' "$work/err" | cut -d' ' -f1)
[ "${n:-0}" -eq 1 ] || bad "Ethernet with FCS bits: $n packets matched, not 1"
exit $fail
