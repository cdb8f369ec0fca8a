#!/bin/bash
# `flowsplice read` as a user sees it: --help lists every option, usage
# errors exit 2, runtime errors exit 1 with one clear line, standard input
# works like a file, -w writes the matching packets, a truncated input
# keeps (and indexes) everything before the bad record, and the flow bound
# evicts flows with "ended": "evicted".
set -u
: "${FS_BIN:?}" "${FS_ROOT:?}"
gen=$FS_ROOT/build/tools/tracegen
[ -x "$gen" ] || { echo "build/tools/tracegen not built"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }

# expect RC DESCRIPTION cmd... (stderr kept in $work/err)
expect() {
	local want=$1 what=$2 rc
	shift 2
	"$@" >"$work/out" 2>"$work/err"
	rc=$?
	if [ "$rc" -eq "$want" ]; then ok "$what (exit $rc)"; else
		bad "$what: exit $rc, expected $want"; cat "$work/err"; fi
}

"$gen" --case many --seed 5 --flows 20 --reorder 0.1 --out "$work/t" >/dev/null
pcap=$work/t/trace.pcap

expect 0 "--help" "$FS_BIN" read --help
for o in --read --streams --write --max-flows --idle-timeout \
	--closed-timeout --ooo-per-flow --ooo-total --hold-policy \
	--max-open-files --verbose --help; do
	grep -q -- "$o" "$work/out" || bad "--help does not mention $o"
done
grep -q 'copy|drop' "$work/out" || bad "--help does not list the policies"

expect 2 "unknown option" "$FS_BIN" read --frobnicate -r "$pcap" --streams "$work/x"
expect 2 "no -r" "$FS_BIN" read --streams "$work/x"
expect 2 "neither --streams nor -w" "$FS_BIN" read -r "$pcap"
grep -q -- '--streams' "$work/err" || bad "the message does not say what is missing"
expect 2 "bad policy" "$FS_BIN" read -r "$pcap" --streams "$work/x" --hold-policy keep
expect 2 "--max-flows 0" "$FS_BIN" read -r "$pcap" --streams "$work/x" --max-flows 0
expect 2 "bad size" "$FS_BIN" read -r "$pcap" --streams "$work/x" --ooo-total lots
expect 2 "bad filter" "$FS_BIN" read -r "$pcap" --streams "$work/x" port banana
[ -e "$work/x" ] && bad "a usage error created the output directory"

expect 1 "missing file" "$FS_BIN" read -r "$work/nope.pcap" --streams "$work/x"
[ "$(wc -l <"$work/err")" -eq 1 ] && grep -q "nope.pcap" "$work/err" ||
	bad "missing file: want one line naming the file, got: $(cat "$work/err")"
touch "$work/plainfile"
expect 1 "unwritable output" "$FS_BIN" read -r "$pcap" --streams "$work/plainfile/sub"
[ "$(wc -l <"$work/err")" -eq 1 ] && grep -q "plainfile/sub" "$work/err" ||
	bad "unwritable: want one line naming the directory, got: $(cat "$work/err")"

# A file and the same bytes on standard input give the same streams.
expect 0 "file input" "$FS_BIN" read -r "$pcap" --streams "$work/a"
cat "$pcap" | "$FS_BIN" read -r - --streams "$work/b" 2>"$work/err" ||
	bad "stdin input failed: $(cat "$work/err")"
n=$(find "$work/a" -type f | wc -l)
[ "$n" -gt 20 ] || bad "file input wrote only $n files"
# flows.jsonl lines come in the order the flows' files closed.
if diff -r -x flows.jsonl "$work/a" "$work/b" >/dev/null &&
	cmp -s <(sort "$work/a/flows.jsonl") <(sort "$work/b/flows.jsonl"); then
	ok "stdin = file ($n files)"
else
	bad "stdin output differs from file output"
fi
grep -q '"ended":"fin"' "$work/a/flows.jsonl" || bad "no flow ended with fin"

# -w with a filter: exactly the matching packets.
expect 0 "-w with a filter" "$FS_BIN" read -r "$pcap" -w "$work/sub.pcap" tcp and host 198.18.0.3
python3 - "$work/sub.pcap" <<'PY' || bad "-w output"
import struct, sys
b = open(sys.argv[1], "rb").read()
magic, = struct.unpack("<I", b[:4])
assert magic == 0xa1b23c4d, hex(magic)
off, n = 24, 0
while off < len(b):
    _, _, cap, _ = struct.unpack("<IIII", b[off:off + 16])
    f = b[off + 16:off + 16 + cap]
    assert bytes([198, 18, 0, 3]) in (f[26:30], f[30:34]), f[26:34]
    off += 16 + cap
    n += 1
assert n > 10, n
print("ok   -w wrote %d packets, all to or from 198.18.0.3" % n)
PY
grep -q "matched" "$work/err" || bad "no summary on stderr"

# Truncated input: exit 1 with the offset; what came before is indexed.
size=$(stat -c %s "$pcap")
head -c $((size / 2 + 7)) "$pcap" >"$work/trunc.pcap"
expect 1 "truncated input" "$FS_BIN" read -r "$work/trunc.pcap" --streams "$work/tr"
grep -q "offset [0-9]" "$work/err" || bad "truncated: no byte offset in: $(cat "$work/err")"
lines=$(wc -l <"$work/tr/flows.jsonl")
[ "$lines" -eq 20 ] && ok "truncated: all 20 flows indexed" ||
	bad "truncated: $lines flows indexed, want 20"
[ "$(cat "$work"/tr/*/*.c2s | wc -c)" -gt 0 ] || bad "truncated: no stream bytes kept"

# The flow bound: evictions counted and indexed, each flow closed properly.
expect 0 "--max-flows 4" "$FS_BIN" read -r "$pcap" --streams "$work/ev" --max-flows 4
grep -q '"ended":"evicted"' "$work/ev/flows.jsonl" || bad "no evicted flow in the index"
grep -Eq 'evicted [1-9]' "$work/err" || bad "evictions not in the summary"
exit $fail
