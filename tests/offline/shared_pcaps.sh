#!/bin/bash
# Every pcap of the shared corpus through `flowsplice read --streams`, each
# TCP direction compared with tshark's reassembly and with the captured
# bytes (compare_expected.py says how).  Fails on any mismatch.
set -u
: "${FS_BIN:?}" "${FS_ROOT:?}" "${FS_SHARED:?}"
dir=$FS_SHARED/pcaps
[ -f "$dir/expected.tsv" ] || { echo "no $dir/expected.tsv"; exit 77; }
command -v tshark >/dev/null || { echo "tshark not installed"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0 n=0
for p in "$dir"/*.pcap "$dir"/*.pcapng "$dir"/*.cap; do
	[ -f "$p" ] || continue
	n=$((n + 1))
	out=$work/$(basename "$p")
	if ! "$FS_BIN" read -r "$p" --streams "$out" 2>"$work/err"; then
		echo "$(basename "$p"): flowsplice read failed:"
		cat "$work/err"
		fail=1
		continue
	fi
	python3 "$FS_ROOT/tests/offline/compare_expected.py" "$p" "$out" \
		"$dir/expected.tsv" || fail=1
done
echo "$n pcaps"
# The checker itself must catch a wrong byte and a hidden gap.
p=$dir/ppp--one_tcp_stream.pcap
if [ -f "$p" ]; then
	out=$work/selfcheck
	"$FS_BIN" read -r "$p" --streams "$out" 2>/dev/null
	f=$(ls "$out"/*/*.c2s | head -n 1)
	printf 'X' | dd of="$f" bs=1 seek=100 conv=notrunc status=none
	if python3 "$FS_ROOT/tests/offline/compare_expected.py" "$p" "$out" \
		"$dir/expected.tsv" >/dev/null; then
		echo "self-check: a corrupted byte went unnoticed"
		fail=1
	fi
	"$FS_BIN" read -r "$p" --streams "$out" 2>/dev/null
	sed -i '0,/"gaps":\[\]/s//"gaps":[[5,10]]/' "$out/flows.jsonl"
	if python3 "$FS_ROOT/tests/offline/compare_expected.py" "$p" "$out" \
		"$dir/expected.tsv" >/dev/null; then
		echo "self-check: a gap over captured bytes went unnoticed"
		fail=1
	fi
fi
[ "$n" -gt 0 ] || exit 1
exit $fail
