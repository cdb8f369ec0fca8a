#!/bin/bash
# The numbers in `read`'s summary: "pcap: N packets written" is printed and
# N is the number of records tcpdump reads back from the -w file; the
# streams' "bytes written" are those of the stream files and flows.jsonl
# (not the pcap's too).  And a flows.jsonl that cannot be written is named
# with its errno.
set -u
: "${FS_BIN:?}" "${FS_ROOT:?}"
gen=$FS_ROOT/build/tools/tracegen
[ -x "$gen" ] || { echo "build/tools/tracegen not built"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
bad() { echo "FAIL $*"; fail=1; }

"$gen" --case many --seed 8 --flows 50 --bytes 20000 --out "$work/t" >/dev/null
"$FS_BIN" read -r "$work/t/trace.pcap" -w "$work/o.pcap" \
	--streams "$work/st" 2>"$work/err" || bad "read: exit $?"
written=$(grep -o '[0-9]* packets written' "$work/err" | cut -d' ' -f1)
if command -v tcpdump >/dev/null; then
	n=$(tcpdump -nn -r "$work/o.pcap" 2>/dev/null | wc -l)
else
	n=$(python3 -c '
import struct, sys
b = open(sys.argv[1], "rb").read()
off = n = 0
off = 24
while off < len(b):
    off += 16 + struct.unpack_from("<I", b, off + 8)[0]
    n += 1
print(n)' "$work/o.pcap")
fi
[ -n "$written" ] && [ "$written" -eq "$n" ] && [ "$n" -gt 1000 ] ||
	bad "summary says ${written:-no} packets written, the file has $n"
bytes=$(grep -o '[0-9]* bytes written' "$work/err" | cut -d' ' -f1)
ondisk=$(find "$work/st" -type f -exec cat {} + | wc -c)
[ -n "$bytes" ] && [ "$bytes" -eq "$ondisk" ] ||
	bad "streams: ${bytes:-no} bytes written, $ondisk in the files and index"
[ $fail -eq 0 ] && echo "ok   $n packets, $bytes stream bytes"

mkdir "$work/full"
ln -s /dev/full "$work/full/flows.jsonl"
"$FS_BIN" read -r "$work/t/trace.pcap" --streams "$work/full" 2>"$work/err"
rc=$?
[ "$rc" -eq 1 ] || bad "flows.jsonl on /dev/full: exit $rc, expected 1"
enospc=$(python3 -c 'import errno, os; print(os.strerror(errno.ENOSPC))')
grep "full/flows.jsonl" "$work/err" | grep -v 'write to' | grep -q "$enospc" ||
	bad "the flows.jsonl message has no errno: $(grep flows.jsonl "$work/err")"
exit $fail
