#!/bin/bash
# The -w file options of `capture` are usage errors (exit 2) when they
# are bad or lack what they need: -W and --max-disk without -C/-G, any of
# -W, --max-disk, -z without -w, -W 0, --max-disk 0, 0%, 100%, -5%, a
# size with a bad suffix, -z "", --format other than pcap|pcapng; and
# --help lists each of them.
set -u
FS_BIN=${FS_BIN:-build/flowsplice}
fail=0
expect2() { # description args...
	local what=$1 rc
	shift
	"$FS_BIN" capture -i lo "$@" >/dev/null 2>&1
	rc=$?
	if [ "$rc" = 2 ]; then echo "ok   $what (exit 2)"; else
		echo "FAIL $what: exit $rc, expected 2"; fail=1; fi
}
w=(-w /tmp/fs-never-written.pcap)
expect2 "-W without -C/-G" "${w[@]}" -W 3
expect2 "--max-disk without -C/-G" "${w[@]}" --max-disk 1G
expect2 "-W without -w" --streams /tmp/fs-never -C 1 -W 3
expect2 "-z without -w" --streams /tmp/fs-never -z gzip
expect2 "-W 0" "${w[@]}" -C 1 -W 0
expect2 "-W x" "${w[@]}" -C 1 -W x
for v in 0 0% 100% -5% 5Q ""; do
	expect2 "--max-disk '$v'" "${w[@]}" -C 1 --max-disk "$v"
done
expect2 "-z ''" "${w[@]}" -z ""
expect2 "--format pcapx" "${w[@]}" --format pcapx
"$FS_BIN" capture --help >/tmp/fs-cfo-help.$$ 2>&1
for o in --snaplen --format --max-files --max-disk --postrotate-command; do
	grep -q -- "$o" /tmp/fs-cfo-help.$$ && echo "ok   --help lists $o" ||
		{ echo "FAIL --help does not list $o"; fail=1; }
done
rm -f /tmp/fs-cfo-help.$$
exit $fail
