#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `flowsplice filter`: the printed rule set and exit codes for good and bad
# expressions; then, as root, live rule replacement (-i) on a classifier
# that xdp-loader attached (generic mode, maps pinned) to a veth whose peer
# is in another namespace, checked with bpftool and with real frames.
# Namespaces, the program and the pins go away on every exit (trap).
set -u
FS_ROOT=${FS_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
FS_BIN=${FS_BIN:-$FS_ROOT/build/flowsplice}
OBJ=$FS_ROOT/build/classifier.bpf.o
fail=0
RUN= # runs flowsplice: in the capture namespace for the live part
out=$(mktemp)
err=$(mktemp)

# Messages name the arguments, the first 120 characters of them.
ok() { local m="$*"; echo "PASS  ${m:0:120}"; }
bad() { local m="$*"; echo "FAIL  ${m:0:120}"; fail=1; }

# expect_out RC "expected stdout" args...: exit code and exact stdout.
expect_out() {
	local rc=$1 want=$2 got
	shift 2
	$RUN "$FS_BIN" "$@" >"$out" 2>"$err"
	got=$?
	if [ "$got" -eq "$rc" ] && [ "$(cat "$out")" = "$want" ]; then
		ok "filter ${*:2}: rc $rc"
	else
		bad "filter ${*:2}: rc $got (want $rc), stdout:"
		sed 's/^/      /' "$out" "$err"
	fi
}

# expect_err RC "stderr pattern" args...
expect_err() {
	local rc=$1 pat=$2 got
	shift 2
	$RUN "$FS_BIN" "$@" >"$out" 2>"$err"
	got=$?
	if [ "$got" -eq "$rc" ] && grep -q -- "$pat" "$err" && [ ! -s "$out" ]; then
		ok "filter ${*:2}: rc $rc, '$pat'"
	else
		bad "filter ${*:2}: rc $got (want $rc), stderr:"
		sed 's/^/      /' "$err"
	fi
}

[ -x "$FS_BIN" ] || { echo "FAIL  $FS_BIN not built"; exit 1; }

RULES1="path: rules: the classifier's rule set (1 term)"
expect_out 0 "$RULES1
term 1: tcp and port 80" filter tcp port 80
expect_out 0 "$RULES1
term 1: tcp and port 80" filter "tcp port 80"
expect_out 0 "path: rules: the classifier's rule set (2 terms)
term 1: host 198.18.0.1
term 2: udp and not dst net 2001:db8::/33" \
	filter host 198.18.0.1 or \( udp and not dst net 2001:db8::/33 \)
expect_out 0 "$RULES1
term 1: src net 198.18.0.0/15 and portrange 1000-2000" \
	filter src net 198.18.0.0/15 and portrange 1000-2000
expect_out 0 "$RULES1
term 1: ip6 and dst port 443" filter ip6 and dst port 443
# Lists are sets: one predicate, members in the set maps.
expect_out 0 "path: rules: the classifier's rule set (1 term; sets of 3 hosts, 2 ports)
term 1: host {198.18.0.1, 198.18.0.2, 2001:db8::1} and tcp and port {80, 443}
set 1: 3 hosts
set 2: 2 ports" \
	filter \( host 198.18.0.1 or host 198.18.0.2 or host 2001:db8::1 \) and \
	\( tcp port 80 or tcp port 443 \)
hosts=$(for i in $(seq 1 1000); do printf 'host 198.19.%d.%d or ' $((i / 250)) $((i % 250)); done)
expect_out 0 "path: rules: the classifier's rule set (1 term; sets of 1001 hosts)
term 1: host {198.18.0.9, 198.19.0.1, 198.19.0.2, 198.19.0.3, 198.19.0.4, 198.19.0.5, 198.19.0.6, 198.19.0.7, ... 993 more}
set 1: 1001 hosts" filter "$hosts" host 198.18.0.9
expect_out 0 "path: rules: the classifier's rule set (2 terms; sets of 2 nets)
term 1: not net {198.18.0.0/24, 2001:db8::/32}
term 2: portrange 1-9
set 1: 2 nets" filter not \( net 198.18.0.0/24 or net 2001:db8::/32 \) \
	or portrange 1-9
# A bare value inside a group reads the primitive before it (rules); one
# after a group takes libpcap's qualifiers from before the group (bpf).
"$FS_BIN" filter tcp and \( port 80 or 443 \) >"$out" 2>&1 &&
	grep -qx "term 1: tcp and port {80, 443}" "$out" &&
	ok "filter tcp and (port 80 or 443): a set" ||
	bad "filter tcp and (port 80 or 443): $(cat "$out")"
"$FS_BIN" filter src host 198.18.0.1 or \( dst host 198.18.0.2 \) or \
	198.18.0.3 >"$out" 2>&1 &&
	grep -q "^path: bpf: .*a bare value after a parenthesised group" "$out" &&
	ok "filter with a bare value after a group: bpf" ||
	bad "filter with a bare value after a group: $(cat "$out")"
# libpcap checks every expression: its message, exit 2; a list's too,
# wherever the bad member is.
expect_err 2 "syntax error" filter tcp and
expect_err 2 "filter:" filter "$hosts" host 198.18.0.300
expect_err 2 "filter:" filter "$hosts" net 198.18.0.0/24 or 10/8
expect_err 2 "filter:" filter port 99999
expect_err 2 "filter:" filter host 198.18.0.300
expect_err 2 "no expression" filter
expect_err 2 "needs -i" filter --dump tcp
expect_err 2 "needs -i" filter --pin-path /sys/fs/bpf/x tcp
expect_err 2 "unknown option" filter --bogus tcp
"$FS_BIN" filter --help >"$out" 2>&1 && grep -q -- "--pin-path DIR" "$out" &&
	grep -q -- "-i, --interface IFACE" "$out" && ok "filter --help" ||
	bad "filter --help"

if [ "$(id -u)" -ne 0 ] || ! command -v xdp-loader >/dev/null ||
	! command -v bpftool >/dev/null || [ ! -f "$OBJ" ]; then
	rm -f "$out" "$err"
	[ $fail -eq 0 ] || exit 1
	echo "SKIP: live part needs root, xdp-loader, bpftool and $OBJ"
	exit 77
fi

. "$(dirname "$0")/loader_lib.sh"
LOADER_TMP="$out $err"
loader_topo "fsf$$" 198.18.7 || exit 1
ID=fsf$$

RUN=in_cap
expect_err 1 "no flowsplice classifier attached" filter -i lo tcp
expect_err 1 "no such interface" filter -i "$ID-none" tcp

if in_cap xdp-loader load -m skb -p "$PIN" "$IF" "$OBJ" >"$out" 2>&1 &&
	in_cap xdp-loader status "$IF" | grep -q "fs_classify.*skb"; then
	ok "xdp-loader load -m skb, status shows fs_classify"
else
	bad "xdp-loader load"
	cat "$out"
	exit 1
fi

# Rule set slot/generation as bpftool sees them in the pinned maps.
active_rules() { # prints "generation nterms port_lo-of-pred-2-of-term-1"
	local slot
	slot=$(bpftool -j map dump pinned "$PIN/fs_ctl" | jq '.[0].formatted.value')
	bpftool -j map dump pinned "$PIN/fs_rules" | jq -r --argjson s "$slot" \
		'.[$s].formatted.value | "\(.generation) \(.nterms) \(.terms[0].preds[1].port_lo)"'
}

cap() { in_cap "$FS_BIN" "$@"; }

cap filter -i "$IF" udp dst port 9 >"$out" 2>"$err"
if [ $? -eq 0 ] && grep -qx "$IF: rules replaced, generation 1" "$out" &&
	[ "$(active_rules)" = "1 1 9" ]; then
	ok "filter -i: generation 1 in the pinned maps"
else
	bad "filter -i: $(cat "$out" "$err") / bpftool: $(active_rules)"
fi

# Frames from the peer: one to port 9 matches, one to port 10 does not.
in_peer bash -c 'echo x >/dev/udp/198.18.7.2/9; echo x >/dev/udp/198.18.7.2/10'
sleep 0.3
cap filter -i "$IF" --dump >"$out" 2>"$err"
if grep -qx "term 1: udp and dst port 9" "$out" &&
	grep -qx "matched 1" "$out" && grep -qx "nosock 1" "$out" &&
	grep -qx "$IF: generation 1, generic mode" "$out"; then
	ok "filter --dump: rules in effect, one frame matched"
else
	bad "filter --dump:"
	sed 's/^/      /' "$out" "$err"
fi

cap filter -i "$IF" --pin-path "$PIN" udp dst port 10 >"$out" 2>"$err"
if grep -qx "$IF: rules replaced, generation 2" "$out" &&
	[ "$(active_rules)" = "2 1 10" ]; then
	ok "filter -i --pin-path: generation 2, the other slot"
else
	bad "filter -i --pin-path: $(cat "$out" "$err") / $(active_rules)"
fi
in_peer bash -c 'echo x >/dev/udp/198.18.7.2/9; echo x >/dev/udp/198.18.7.2/10'
sleep 0.3
cap filter -i "$IF" --dump >"$out" 2>"$err"
grep -qx "matched 2" "$out" && ok "new rules in effect on the next frames" ||
	bad "after replacement: $(grep matched "$out")"

expect_err 1 "does not hold the maps" filter -i "$IF" --pin-path "$PIN-x" tcp
# A bad expression must leave the rules alone.
cap filter -i "$IF" tcp and >/dev/null 2>&1
[ $? -eq 2 ] && [ "$(active_rules)" = "2 1 10" ] &&
	ok "bad expression with -i: rc 2, rules untouched" ||
	bad "bad expression with -i changed something"

# A list: its members in the pinned set map, frames matched by lookup.
ports_in_map() { bpftool -j map dump pinned "$PIN/fs_ports" | jq length; }
cap filter -i "$IF" udp dst port 7 or 9 or 11 >"$out" 2>"$err"
if grep -qx "$IF: rules replaced, generation 3" "$out" &&
	[ "$(ports_in_map)" = 3 ]; then
	ok "filter -i with a port list: generation 3, 3 members in fs_ports"
else
	bad "filter -i with a port list: $(cat "$out" "$err"), $(ports_in_map) members"
fi
in_peer bash -c 'for p in 9 10 11 12; do echo x >/dev/udp/198.18.7.2/$p; done'
sleep 0.3
cap filter -i "$IF" --dump >"$out" 2>"$err"
if grep -qx "term 1: udp and dst port {7, 9, 11}" "$out" &&
	grep -qx "set 1: 3 ports" "$out" && grep -qx "matched 4" "$out"; then
	ok "filter --dump: the list in effect, two more frames matched"
else
	bad "filter --dump with a list:"
	sed 's/^/      /' "$out" "$err"
fi
# The next rule set leaves the other slot's members only.
cap filter -i "$IF" udp dst port 10 or 12 >/dev/null 2>&1
cap filter -i "$IF" tcp >/dev/null 2>&1
[ "$(ports_in_map)" = 2 ] && ok "members of older rule sets removed" ||
	bad "fs_ports holds $(ports_in_map) members, want 2"

exit $fail
