#!/bin/bash
# `read -w` naming the input itself (the same path, a symlink, a hard link,
# or the file standard input comes from) is refused before anything is
# opened for writing: exit 1, the input unchanged.  A -w elsewhere still
# works.
set -u
. "$(dirname "$0")/lib.sh"
need_tracegen

"$TRACEGEN" --case many --seed 2 --flows 300 --bytes 5000 --out "$work/t" >/dev/null
in=$work/in.pcap
cp "$work/t/trace.pcap" "$in"
ln -s "$in" "$work/link.pcap"
ln "$in" "$work/hard.pcap"
sum=$(md5sum <"$in")

for out in "$in" "$work/link.pcap" "$work/hard.pcap"; do
	"$FS_BIN" read -r "$in" -w "$out" --streams "$work/st" 2>"$work/err"
	rc=$?
	[ "$rc" -eq 1 ] || bad "-w $out: exit $rc, expected 1"
	[ "$(wc -l <"$work/err")" -eq 1 ] || bad "-w $out: $(cat "$work/err")"
	[ "$(md5sum <"$in")" = "$sum" ] || bad "-w $out changed the input"
	[ -e "$work/st" ] && bad "-w $out: --streams was created anyway"
done
"$FS_BIN" read -r - -w "$in" <"$in" 2>"$work/err"
rc=$?
[ "$rc" -eq 1 ] || bad "stdin from the -w file: exit $rc, expected 1"
[ "$(md5sum <"$in")" = "$sum" ] || bad "stdin from the -w file: input changed"

"$FS_BIN" read -r "$in" -w "$work/copy.pcap" 2>"$work/err" ||
	bad "-w elsewhere failed: $(cat "$work/err")"
cmp -s <(tail -c +25 "$work/copy.pcap") <(tail -c +25 "$in") ||
	bad "-w elsewhere did not copy every packet"
[ $fail -eq 0 ] && echo "ok   the input is never the output"
exit $fail
