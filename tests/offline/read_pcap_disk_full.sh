#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A fault test: `flowsplice read -w` onto a file system that fills up (a
# 4 MiB tmpfs; the trace is about 13 MB).  The run must exit 1, and the
# pcap it leaves must read cleanly with tcpdump: it ends at its last
# complete record, with no hole and no partial record (every record whole,
# the file ending exactly after the last one).
set -u
. "$(dirname "$0")/lib.sh"
need_tracegen
[ "$(id -u)" = 0 ] || { echo "FAIL: needs root (mount)"; exit 1; }
mnt=$work/mnt
mkdir "$mnt"
on_exit 'umount "$mnt" 2>/dev/null'
mount -t tmpfs -o size=4m none "$mnt" || { echo "cannot mount tmpfs"; exit 77; }

"$TRACEGEN" --case many --flows 200 --bytes 30000 --out "$work/tg" >/dev/null ||
	{ echo "FAIL: tracegen"; exit 1; }
in=$work/tg/trace.pcap
"$FS_BIN" read -r "$in" -w "$mnt/out.pcap" 2>"$work/log"
rc=$?
cat "$work/log"
[ "$rc" = 1 ] || { echo "FAIL: exit status $rc on a full disk, not 1"; exit 1; }
tcpdump -nr "$mnt/out.pcap" >/dev/null 2>"$work/tcpdump.err" ||
	{ echo "FAIL: tcpdump: $(cat "$work/tcpdump.err")"; exit 1; }
grep -qiE "truncat|error|invalid" "$work/tcpdump.err" &&
	{ echo "FAIL: tcpdump complains: $(cat "$work/tcpdump.err")"; exit 1; }
python3 - "$mnt/out.pcap" "$in" <<'EOF' || exit 1
import struct, sys
data = open(sys.argv[1], "rb").read()
total = len(open(sys.argv[2], "rb").read())
off = recs = 0
off = 24
while off + 16 <= len(data):
    caplen, wirelen = struct.unpack_from("<II", data, off + 8)
    if caplen == 0 or caplen > wirelen:
        sys.exit(f"FAIL: bad record {recs} at {off}")
    off += 16 + caplen
    recs += 1
print(f"{recs} records, {len(data)} bytes (input {total} bytes)")
if off != len(data):
    sys.exit(f"FAIL: the file ends inside a record ({off} != {len(data)})")
if recs == 0 or len(data) >= total:
    sys.exit("FAIL: the disk did not fill up, or nothing was written")
EOF
echo PASS
