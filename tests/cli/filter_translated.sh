#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `flowsplice filter` on expressions outside the rule set: the path it
# prints, the sizes and -d listing (libpcap's classic program, then the
# eBPF), libpcap's message and exit 2 for a bad expression; then, as root,
# a translated filter installed (-i) in a classifier that xdp-loader
# attached with pinned maps: frames decided by it (counters), --dump
# naming it, and the rule set taking over again.  Namespaces, program and
# pins go away on every exit (trap).
set -u
FS_ROOT=${FS_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
FS_BIN=${FS_BIN:-$FS_ROOT/build/flowsplice}
OBJ=$FS_ROOT/build/classifier.bpf.o
fail=0
out=$(mktemp)
err=$(mktemp)

ok() { echo "PASS  $*"; }
bad() {
	echo "FAIL  $*"
	sed 's/^/      /' "$out" "$err"
	fail=1
}

[ -x "$FS_BIN" ] || { echo "FAIL  $FS_BIN not built"; exit 1; }

# The path, and the instruction counts libpcap's program gives.
"$FS_BIN" filter vlan and tcp >"$out" 2>"$err"
n=$(tcpdump -d -y EN10MB 'vlan and tcp' 2>/dev/null | wc -l)
if [ $? -eq 0 ] && grep -q '^path: bpf: ' "$out" &&
	grep -qE "^classic: $n instructions, eBPF: [0-9]+ instructions$" "$out"; then
	ok "filter vlan and tcp: bpf path, $n classic instructions"
else
	bad "filter vlan and tcp"
fi
"$FS_BIN" filter tcp port 80 >"$out" 2>"$err"
grep -q '^path: rules: ' "$out" && ok "filter tcp port 80: rules path" ||
	bad "tcp port 80 not on the rules path"
for e in 'port 010' 'net 0' 'host 198.18.0.1 or (dst host 198.18.0.2) or 198.18.0.3' \
	'tcp[13] & 2 != 0' 'portrange 90-80' 'icmp or arp'; do
	"$FS_BIN" filter "$e" >"$out" 2>"$err"
	grep -q '^path: bpf: ' "$out" && ok "filter '$e': bpf path" ||
		bad "filter '$e' not on the bpf path"
done
# -d: tcpdump -d's lines, then the eBPF.
"$FS_BIN" filter -d 'tcp[tcpflags] & tcp-syn != 0' >"$out" 2>"$err"
tcpdump -d -y EN10MB 'tcp[tcpflags] & tcp-syn != 0' 2>/dev/null >"$err.td"
if sed -n '/^classic BPF/,/^eBPF/p' "$out" | sed '1d;$d' | cmp -s - "$err.td" &&
	grep -qE '^\(0000\) r6 = r1$' "$out" && grep -qE '^\([0-9]{4}\) exit$' "$out"; then
	ok "filter -d: tcpdump -d's program, then the eBPF"
else
	bad "filter -d"
fi
rm -f "$err.td"
# libpcap's words for what it refuses, exit 2, nothing on stdout.
for e in 'tcp and' 'port 99999' 'ip[2:2] / 0 > 1' 'vlan and frobnicate'; do
	"$FS_BIN" filter "$e" >"$out" 2>"$err"
	rc=$?
	[ $rc -eq 2 ] && [ ! -s "$out" ] && [ -s "$err" ] &&
		ok "filter '$e': rc 2, $(cut -c1-60 "$err")" || bad "filter '$e': rc $rc"
done

if [ "$(id -u)" -ne 0 ] || ! command -v xdp-loader >/dev/null || [ ! -f "$OBJ" ]; then
	rm -f "$out" "$err"
	[ $fail -eq 0 ] || exit 1
	echo "SKIP: live part needs root, xdp-loader and $OBJ"
	exit 77
fi

. "$(dirname "$0")/loader_lib.sh"
LOADER_TMP="$out $err"
loader_topo "fst$$" 198.18.8 || exit 1

in_cap xdp-loader load -m skb -p "$PIN" "$IF" "$OBJ" >"$out" 2>&1 ||
	{ bad "xdp-loader load"; exit 1; }

cap() { in_cap "$FS_BIN" "$@"; }
counter() { grep "^$1 " "$out" | cut -d' ' -f2; }

# UDP to port 9 with a payload that starts with 'fs' (udp[8:2]): only
# a translated filter can say that.  The filter process exits; the pins
# keep the program array, so the filter stays.
cap filter -i "$IF" --pin-path "$PIN" 'udp dst port 9 and udp[8:2] = 0x6673' \
	>"$out" 2>"$err"
grep -qx "$IF: translated filter installed" "$out" && grep -q '^path: bpf: ' "$out" &&
	ok "filter -i: translated filter installed" || bad "filter -i translated"
cap filter -i "$IF" --dump >"$out" 2>"$err"
before=$(counter matched)
in_peer bash -c 'printf fsx >/dev/udp/198.18.8.2/9; printf xx >/dev/udp/198.18.8.2/9;
	printf fs >/dev/udp/198.18.8.2/10'
sleep 0.3
cap filter -i "$IF" --dump >"$out" 2>"$err"
if grep -q '^translated filter: program [0-9]' "$out" &&
	[ "$(counter matched)" = $((before + 1)) ]; then
	ok "translated filter decides: 1 of 3 frames matched, --dump names it"
else
	bad "translated filter: matched $(counter matched), before $before"
fi
# Back to a rule set: the program array slot is emptied.
cap filter -i "$IF" udp dst port 10 >"$out" 2>"$err"
cap filter -i "$IF" --dump >"$out" 2>"$err"
before=$(counter matched)
in_peer bash -c 'printf fsx >/dev/udp/198.18.8.2/9; printf xx >/dev/udp/198.18.8.2/10'
sleep 0.3
cap filter -i "$IF" --dump >"$out" 2>"$err"
if ! grep -q '^translated filter' "$out" && grep -qx "term 1: udp and dst port 10" "$out" &&
	[ "$(counter matched)" = $((before + 1)) ]; then
	ok "rule set decides again: the translated filter removed"
else
	bad "back to rules: matched $(counter matched), before $before"
fi
exit $fail
