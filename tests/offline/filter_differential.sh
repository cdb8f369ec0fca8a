#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every pcap-filter expression means in flowsplice what it means to
# tcpdump: a few hundred expressions made from the traffic of
# ../shared/pcaps and the repository's captures (plus a synthetic capture
# of VLAN stacks, ARP, ICMP, fragments, SCTP, LLC, cut and lying headers)
# decided on every frame by libpcap, `flowsplice read`, `tcpdump -r`
# (every 4th expression) and the XDP classifier under BPF_PROG_TEST_RUN
# on the path flowsplice picks (and on the other path where the rule set
# is picked).  Prints the counts compared; any disagreement fails.
set -u
FS_ROOT=${FS_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
export FS_BIN=${FS_BIN:-$FS_ROOT/build/flowsplice}
FS_SHARED=${FS_SHARED:-$(cd "$FS_ROOT/.." && pwd)/shared}
TOOL=$FS_ROOT/build/tools/filtertest

[ -x "$FS_BIN" ] && [ -x "$TOOL" ] || { echo "FAIL  not built"; exit 1; }
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: BPF_PROG_TEST_RUN needs root"
	exit 77
fi
command -v tcpdump >/dev/null || { echo "FAIL  tcpdump missing"; exit 1; }
inputs=("$FS_ROOT"/tests/fuzz/corpus_read/*.pcap*)
[ -d "$FS_SHARED/pcaps" ] && inputs+=("$FS_SHARED"/pcaps/*.pcap*)
# The sanitised binary is slower: every other expression.
every=1
[[ $FS_BIN == */asan/* ]] && every=2
"$TOOL" diff --every $every --tcpdump-every 4 "${inputs[@]}"
