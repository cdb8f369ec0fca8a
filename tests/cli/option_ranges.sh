#!/bin/bash
# Numeric options at and past their limits: a value that does not fit is a
# usage error (exit 2) whose message gives the real range, never a wrapped
# value taken silently.
#  - -C N is millions of bytes: N * 10^6 must fit in 64 bits, so
#    18446744073709 is the largest N (accepted: the run goes on to the
#    interface lookup, exit 1) and 18446744073710 is refused (exit 2);
#    likewise 2^64 itself, and a suffixed size past 2^64 bytes;
#  - a CLI_UINT option past 2^32-1 and a size option past 2^64-1 are
#    refused with their range (0..4294967295, 0..18446744073709551615).
set -u
FS_BIN=${FS_BIN:-build/flowsplice}
fails=0
OUT=$(mktemp -d /tmp/fs-ranges-XXXXXX)
trap 'rm -rf "$OUT"' EXIT
IF=fs-no-such-if0 # never looked up when the options are refused

expect() { # want_rc number-in-message|- cmd...
	local want=$1 num=$2 rc
	shift 2
	"$@" >"$OUT/out" 2>"$OUT/err"
	rc=$?
	if [ "$rc" != "$want" ] ||
		{ [ "$num" != - ] && ! grep -qw -- "$num" "$OUT/err"; }; then
		echo "FAIL: $* -> rc $rc (want $want, message with $num):"
		sed 's/^/    /' "$OUT/out" "$OUT/err"
		fails=$((fails + 1))
	else
		echo "ok: $* -> $rc"
	fi
}

cap() { expect "$1" "$2" "$FS_BIN" capture -i "$IF" -w "$OUT/x.pcap" "${@:3}"; }

cap 1 - -C 18446744073709
cap 2 18446744073709 -C 18446744073710
cap 2 18446744073709 -C 18446744073709551616
cap 1 - -C 17179869183G
cap 2 18446744073709551615 -C 17179869184G
cap 2 4294967295 --stats-interval 4294967296
cap 2 4294967295 --stats-interval 99999999999
cap 2 18446744073709551615 --ooo-total 99999999999G
cap 2 18446744073709551615 --ooo-total 18446744073709551616
cap 2 1048576 --frames 99999999999
expect 2 4294967295 "$FS_BIN" read -r "$OUT/none.pcap" --streams "$OUT/s" \
	--closed-timeout 99999999999
[ -e "$OUT/x.pcap" ] && { echo "FAIL: a pcap was created"; fails=$((fails + 1)); }

[ "$fails" = 0 ] && echo PASS
exit $((fails > 0))
