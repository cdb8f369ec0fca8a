#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The end-to-end test topology (tests/e2e/lib.sh), for humans:
#
#   tools/topo.sh up [NQUEUES]   build it and leave it up
#   tools/topo.sh env            print its variables, for eval "$(...)"
#   tools/topo.sh status         namespaces, addresses, mirror filters
#   tools/topo.sh down           remove it
#
# The namespaces are named $TOPO_ID-a, -b and -c (default TOPO_ID=fs-topo),
# so several can coexist, e.g. TOPO_ID=fs-mine tools/topo.sh up 4.
# Then, for example:
#   ip netns exec fs-topo-b build/tools/tcpxfer server --port 5201 &
#   ip netns exec fs-topo-c build/flowsplice capture -i cap0 tcp port 5201 \
#           -w /tmp/x.pcap &
#   ip netns exec fs-topo-a build/tools/tcpxfer client \
#           --connect 198.18.0.2:5201 --req-bytes 100M
set -u
export TOPO_ID=${TOPO_ID:-fs-topo}
. "$(cd "$(dirname "$0")/.." && pwd)/tests/e2e/lib.sh"

usage() {
	sed -n '4,9s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

print_env() {
	local v
	for v in NS_A NS_B NS_CAP IF_A IF_B MIR_IF CAP_IF IP_A IP_B MAC_A \
		MAC_B MAC_MIR MAC_CAP; do
		printf '%s=%q\n' "$v" "${!v}"
	done
}

[ $# -ge 1 ] || usage
case $1 in
up)
	[ "$(id -u)" = 0 ] || { echo "topo: needs root" >&2; exit 1; }
	if [ -e "/run/netns/$NS_A" ]; then
		echo "topo: $TOPO_ID is already up (tools/topo.sh down)" >&2
		exit 1
	fi
	topo_up "${2:-1}" || exit 1
	print_env
	;;
env) print_env ;;
status) topo_status ;;
down)
	[ "$(id -u)" = 0 ] || { echo "topo: needs root" >&2; exit 1; }
	topo_down
	;;
*) usage ;;
esac
