# SPDX-License-Identifier: GPL-2.0
# Sourced (not run) by the CLI tests that have xdp-loader attach the
# classifier: a veth pair between two namespaces of their own, the pin
# directory, and the cleanup on every exit (trap).
#
#   loader_topo ID NET    namespaces ID-cap and ID-peer, ${ID}0 in the
#                         capture one (NET.2/24), ${ID}1 in the peer
#                         (NET.1/24), both up; PIN=/sys/fs/bpf/ID; bpffs
#                         mounted.  Returns 1 (message printed) on failure.
#   in_cap CMD..., in_peer CMD...   run in a namespace (nsenter, not "ip
#                         netns exec": that one remounts /sys and hides
#                         bpffs)
# The cleanup unloads what xdp-loader attached, deletes the namespaces and
# the pins, and removes the files named in LOADER_TMP.

loader_cleanup() {
	nsenter --net="/run/netns/$NS_CAP" xdp-loader unload "$IF" --all \
		>/dev/null 2>&1
	ip netns del "$NS_CAP" 2>/dev/null
	ip netns del "$NS_PEER" 2>/dev/null
	# shellcheck disable=SC2086
	rm -rf "$PIN" ${LOADER_TMP:-}
}

in_cap() { nsenter --net="/run/netns/$NS_CAP" "$@"; }
in_peer() { nsenter --net="/run/netns/$NS_PEER" "$@"; }

loader_topo() { # ID NET
	NS_CAP=$1-cap
	NS_PEER=$1-peer
	PIN=/sys/fs/bpf/$1
	IF=${1}0
	trap loader_cleanup EXIT
	trap 'exit 1' INT TERM HUP
	if ! { ip netns add "$NS_CAP" && ip netns add "$NS_PEER" &&
		ip -n "$NS_CAP" link add "$IF" type veth peer name "${1}1" \
			netns "$NS_PEER" &&
		ip -n "$NS_CAP" addr add "$2.2/24" dev "$IF" &&
		ip -n "$NS_PEER" addr add "$2.1/24" dev "${1}1" &&
		ip -n "$NS_CAP" link set "$IF" up &&
		ip -n "$NS_PEER" link set "${1}1" up; }; then
		echo "FAIL  cannot build the veth/netns topology"
		return 1
	fi
	if ! mountpoint -q /sys/fs/bpf; then
		mount -t bpf bpf /sys/fs/bpf ||
			{ echo "FAIL  cannot mount bpffs"; return 1; }
	fi
}
