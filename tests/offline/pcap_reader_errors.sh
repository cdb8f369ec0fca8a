#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Corrupt captures through `flowsplice read`: a truncated record, an
# unsupported link type, a huge caplen, absurd pcapng blocks, an unknown
# magic and a missing file must each end with exit code 1 and a one-line
# message naming the byte offset of the bad record (or the path).  A good
# file must still pass, so a `read` that always fails cannot pass this test.
set -u
FS_BIN=${FS_BIN:-$(cd "$(dirname "$0")/../.." && pwd)/build/flowsplice}

if ! "$FS_BIN" read --help >/dev/null 2>&1; then
	echo "flowsplice read not built yet"
	exit 77
fi
command -v python3 >/dev/null || { echo "python3 missing"; exit 77; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0

# The files, byte by byte.  Offsets of the bad records are fixed here and
# checked below.
python3 - "$work" <<'EOF'
import struct, sys
d = sys.argv[1]

def pcap(linktype=1, snaplen=65535):
    return struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, snaplen, linktype)

def rec(data, caplen=None, wirelen=None):
    caplen = len(data) if caplen is None else caplen
    wirelen = caplen if wirelen is None else wirelen
    return struct.pack('<IIII', 1, 2, caplen, wirelen) + data

# An Ethernet/IPv4/TCP SYN, so that a good file has one real packet.
frame = bytes.fromhex(
    '020000000002020000000001080045000028000140004006' '0000'
    'c6120001c6130001' '9c400050000003e800000000' '50022000' '00000000')

def block(btype, body, trail=None):
    body += b'\0' * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack('<II', btype, n) + body + struct.pack(
        '<I', n if trail is None else trail)

shb = block(0x0a0d0d0a, struct.pack('<IHHq', 0x1a2b3c4d, 1, 0, -1))
idb = block(1, struct.pack('<HHI', 1, 0, 0))
epb = block(6, struct.pack('<IIIII', 0, 0, 1, len(frame), len(frame)) + frame)
ng_prefix = shb + idb + epb   # the bad block starts at len(ng_prefix)

files = {
    'good.pcap': pcap() + rec(frame),
    'good.pcapng': ng_prefix,
    # record 2 at 24 + 16 + 54 = 94 says 1500 bytes, 312 follow
    'truncated.pcap': pcap() + rec(frame) + rec(b'\0' * 312, 1500),
    # a link type nobody parses (USER0); its first record is at 24
    'linktype.pcap': pcap(linktype=147) + rec(frame),
    # caplen 2^31 at 94, with snaplen 0 ("no limit")
    'caplen.pcap': pcap(snaplen=0) + rec(frame) + rec(b'', 0x80000000),
    # pcapng blocks of 17 MiB and of 13 bytes, and a wrong trailing length
    'hugeblock.pcapng': ng_prefix + struct.pack('<II', 6, 17 << 20),
    'oddblock.pcapng': ng_prefix + struct.pack('<II', 6, 13) + b'\0' * 8,
    'trailer.pcapng': ng_prefix + epb[:-4] + struct.pack('<I', 4),
    'notpcap.pcap': b'GIF89a' + b'\0' * 40,
}
for name, data in files.items():
    open('%s/%s' % (d, name), 'wb').write(data)
print(len(ng_prefix), file=open(d + '/ng_offset', 'w'))
EOF
ngoff=$(cat "$work/ng_offset")

# expect NAME RC PATTERN [STDIN]: run read on NAME (from standard input
# when STDIN is set), check the exit code and an extended regex on stderr.
expect() {
	local name=$1 want=$2 pat=$3 rc
	local out="$work/out.$name" err="$work/err.$name"

	rm -rf "$out"
	if [ -n "${4:-}" ]; then
		"$FS_BIN" read -r - --streams "$out" <"$work/$name" 2>"$err" >/dev/null
	else
		"$FS_BIN" read -r "$work/$name" --streams "$out" 2>"$err" >/dev/null
	fi
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "FAIL $name${4:+ (stdin)}: exit $rc, want $want"
		sed 's/^/    /' "$err"
		fails=$((fails + 1))
	elif ! grep -Eq "$pat" "$err"; then
		echo "FAIL $name${4:+ (stdin)}: message does not match /$pat/"
		sed 's/^/    /' "$err"
		fails=$((fails + 1))
	else
		echo "ok   $name${4:+ (stdin)}: $(grep -E "$pat" "$err" | head -n 1)"
	fi
}

expect good.pcap 0 '.*'
expect good.pcapng 0 '.*'
expect truncated.pcap 1 'truncated.*(offset|byte) 94\b.*1500'
expect truncated.pcap 1 'truncated.*(offset|byte) 94\b.*1500' stdin
expect linktype.pcap 1 'link ?type.*147.*(offset|byte) 24\b|(offset|byte) 24\b.*link ?type.*147'
expect caplen.pcap 1 '(offset|byte) 94\b.*caplen 2147483648'
expect caplen.pcap 1 '(offset|byte) 94\b.*caplen 2147483648' stdin
expect hugeblock.pcapng 1 "(offset|byte) $ngoff\\b.*(absurd|length)"
expect oddblock.pcapng 1 "(offset|byte) $ngoff\\b.*(absurd|length)"
expect trailer.pcapng 1 "(offset|byte) $ngoff\\b.*trailing"
expect notpcap.pcap 1 'not a pcap or pcapng file'
expect missing.pcap 1 "$work/missing.pcap.*No such file"

if [ "$fails" -ne 0 ]; then
	echo "$fails check(s) failed"
	exit 1
fi
exit 0
