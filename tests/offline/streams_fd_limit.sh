#!/bin/bash
# `read --streams` under a low open-file limit (ulimit -n 30, 160 stream files
# of 80 interleaved flows): the open-file bound fits under the limit, files
# closed for it are opened again without losing a byte, and the output is
# exactly that of a run without the limit (exit 0, no write error).  Once
# with every direction streaming (--write-once 0: the bound at work), once
# with the short directions written at their end (registered slots).
set -u
. "$(dirname "$0")/lib.sh"
need_tracegen

"$TRACEGEN" --case many --seed 3 --flows 80 --bytes 3000 --out "$work/t" >/dev/null
"$FS_BIN" read -r "$work/t/trace.pcap" --streams "$work/ref" 2>"$work/err" ||
	{ bad "reference run failed"; cat "$work/err"; }
nref=$(find "$work/ref" -type f | wc -l)
[ "$nref" -eq 161 ] || bad "reference run wrote $nref files, expected 161"

bin=$FS_BIN
for run in "30 0" "12 0" "30 64K" "12 64K"; do
	set -- $run
	lim=$1 once=$2
	out=$work/out-$lim-$once-$(basename "$bin")
	(ulimit -n "$lim" && exec "$bin" read -r "$work/t/trace.pcap" \
		--streams "$out" --write-once "$once") 2>"$work/err"
	rc=$?
	tag="$bin, ulimit -n $lim, --write-once $once"
	[ "$rc" -eq 0 ] || { bad "$tag: exit $rc"; tail -5 "$work/err"; }
	grep -E -q 'Sanitizer|runtime error:' "$work/err" &&
		{ bad "$tag: sanitizer report"; head -20 "$work/err"; }
	reopens=$(grep -o '[0-9]* reopens' "$work/err" | cut -d' ' -f1)
	[ "$once" != 0 ] || [ "${reopens:-0}" -gt 0 ] ||
		bad "$tag: no file was closed for the bound (${reopens:-?})"
	# Lines come in the order the flows' files closed.
	sort "$out/flows.jsonl" >"$work/a.jsonl"
	sort "$work/ref/flows.jsonl" >"$work/b.jsonl"
	if diff -r -x flows.jsonl "$out" "$work/ref" >/dev/null &&
		cmp -s "$work/a.jsonl" "$work/b.jsonl"; then
		echo "ok   $tag: same $nref files, $reopens reopens"
	else
		bad "$tag: output differs from the run without a limit"
		diff -rq "$out" "$work/ref" | head -5
	fi
done
exit $fail
