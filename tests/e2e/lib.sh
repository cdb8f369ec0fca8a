# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# lib.sh: the end-to-end test topology, sourced by tests/e2e/*.sh,
# tools/topo.sh and tools/demo.sh (not executable: the runner skips it).
#
#   ns A (NS_A)                                   ns B (NS_B)
#   IF_A 198.18.0.1/24  <====== veth ======>  IF_B 198.18.0.2/24
#     | clsact ingress+egress: mirred mirror (pref 10, "continue")
#     v
#   MIR_IF (mirror port, no address) <== veth ==> CAP_IF  ns CAP (NS_CAP)
#                                                  promisc, no address;
#                                                  flowsplice captures here
#
# Every frame crossing IF_A, both directions, is copied to MIR_IF's
# transmit path and so arrives on CAP_IF, as on a SPAN port.  MACs are
# fixed (MAC_A, MAC_B, MAC_MIR, MAC_CAP) so tests can check frames; the
# mirrored frames carry MAC_A/MAC_B, never CAP_IF's own MAC.
#
# Loss (tests/bpf/tc_loss.bpf.c, tc direct-action on IF_A, see loss_on):
#   a2b before: IF_A egress, pref 5  (dropped before the mirror copies it)
#   a2b after:  IF_A egress, pref 20 (mirrored, then dropped)
#   b2a before: IF_A ingress, pref 5
#   b2a after:  IF_A ingress, pref 20
#
# Names are unique per process (TOPO_ID, default fs-$$), so tests may run
# in parallel.  Only 198.18.0.0/15 (and 2001:db8::/32 with TOPO_IPV6=1) is
# used, only between these namespaces.
#
# MIR_IF has a FIFO of TOPO_MIR_QLEN (10000) frames per TX queue, so veth
# pushes back instead of dropping when CAP_IF's ring is full;
# topo_mirror_drops counts what was lost between the mirror and CAP_IF.
#
# Multi-queue (topo_up N): MIR_IF and CAP_IF have N TX and N RX queues.
# mirred picks MIR_IF's TX queue by the skb hash (A's socket txhash for
# A's packets, the flow hash for B's), so each connection direction sticks
# to one queue, and the two directions usually differ.  Native XDP on
# CAP_IF sees rx_queue_index = that TX queue (all N used).  Generic XDP
# sees max(txq - 1, 0): queue 0 gets TX queues 0 and 1, queue N-1 none
# (so with 2 queues everything is on queue 0).
#
# Functions:
#   need_root                  exit 77 unless root
#   skip_if_no_xdp             exit 77 if the kernel lacks XDP or AF_XDP
#   topo_trap                  on EXIT/INT/TERM: topo_on_exit commands
#                              (last first), then topo_down
#   topo_on_exit CMD...        register a cleanup command
#   topo_up [N]                build it (N queues on MIR_IF/CAP_IF)
#   topo_down                  kill what runs in the namespaces, delete
#                              them; idempotent
#   topo_status                print namespaces, addresses, filters
#   topo_ns_exec NS CMD...     NS: a, b, cap (or a full name)
#   topo_bg NS CMD...          background, pid in TOPO_BG_PID
#   wait_port NS PORT [SECS]   until a TCP listener is up (default 10 s)
#   topo_reachable NS IP       one TCP round trip (works without ping)
#   if_counters NS IFACE       "rx_packets tx_packets"
#   topo_mirror_drops          frames lost between mirror and CAP_IF
#   loss_on DIR PERMILLE [before|after] [PORT] [SEED]
#                              DIR: a2b or b2a (see above)
#   loss_off DIR [before|after]
#   loss_stats DIR [before|after]   "data_pkts dropped dropped_bytes"
#   need_bpffs                 mount bpffs at /sys/fs/bpf if missing
#   wait_started FILE PID LOG  until a capture (PID) has written FILE (its
#                              --stats-json); dies with LOG if it exits
#                              first or takes over 10 s
#   log MSG, die MSG (exit 1), skip MSG (exit 77)
#
# Example:
#   . "$FS_ROOT/tests/e2e/lib.sh"
#   need_root; skip_if_no_xdp
#   topo_trap
#   topo_up 1
#   topo_bg b "$TCPXFER" server --port 5201 --conns 1
#   wait_port b 5201
#   topo_ns_exec a "$TCPXFER" client --connect "$IP_B:5201" --req-bytes 1M

FS_ROOT=${FS_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
FS_BIN=${FS_BIN:-$FS_ROOT/build/flowsplice}
TCPXFER=${TCPXFER:-$FS_ROOT/build/tools/tcpxfer}
TC_LOSS_OBJ=${TC_LOSS_OBJ:-$FS_ROOT/build/tests/tc_loss.bpf.o}

TOPO_ID=${TOPO_ID:-fs-$$}
NS_A=$TOPO_ID-a
NS_B=$TOPO_ID-b
NS_CAP=$TOPO_ID-c
IF_A=veth-a
IF_B=veth-b
MIR_IF=mir0
CAP_IF=cap0
IP_A=198.18.0.1
IP_B=198.18.0.2
IP6_A=2001:db8:f5::1
IP6_B=2001:db8:f5::2
MAC_A=02:00:c6:12:00:01
MAC_B=02:00:c6:12:00:02
MAC_MIR=02:00:c6:12:00:fe
MAC_CAP=02:00:c6:12:00:ff
TOPO_QUEUES=1

_topo_cleanups=()
_topo_pids=()

log() { echo "[$(date +%T)] $*" >&2; }
die() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }

need_root() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, tc, XDP)"
}

# Skip only when the running kernel lacks XDP or AF_XDP; a missing bpftool
# is a broken setup, not a reason to skip.
skip_if_no_xdp() {
	local probe
	command -v bpftool >/dev/null || die "bpftool not installed"
	probe=$(bpftool feature probe kernel 2>/dev/null) ||
		die "bpftool feature probe failed"
	grep -q "program_type xdp is available" <<<"$probe" ||
		skip "kernel has no XDP program type"
	grep -q "map_type xskmap is available" <<<"$probe" ||
		skip "kernel has no AF_XDP (xskmap)"
}

# Map a: b: cap: shorthands (or a full name) to a namespace name.
_topo_ns() {
	case $1 in
	a | A) echo "$NS_A" ;;
	b | B) echo "$NS_B" ;;
	c | cap | CAP) echo "$NS_CAP" ;;
	*) echo "$1" ;;
	esac
}

topo_ns_exec() { # ns cmd...
	local ns
	ns=$(_topo_ns "$1")
	shift
	ip netns exec "$ns" "$@"
}

# Register a command to run at exit (last registered runs first).
topo_on_exit() {
	_topo_cleanups+=("$*")
}

_topo_exit() {
	local rc=$? i
	trap - EXIT INT TERM
	for ((i = ${#_topo_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_topo_cleanups[i]}" || true
	done
	topo_down
	exit "$rc"
}

topo_trap() {
	trap _topo_exit EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# A small ext4 of SIZE (truncate(1) units) loop-mounted at DIR/mnt, for
# disk-full tests; unmounted and removed at exit (call topo_trap first).
small_fs_up() { # dir size
	command -v mkfs.ext4 >/dev/null || die "mkfs.ext4 not installed"
	mkdir -p "$1/mnt"
	topo_on_exit "rm -rf $1"
	topo_on_exit "umount $1/mnt 2>/dev/null"
	truncate -s "$2" "$1/img"
	mkfs.ext4 -q -F "$1/img" || die "mkfs.ext4 failed"
	mount -o loop "$1/img" "$1/mnt" || die "cannot loop-mount a file system"
}

# Start a command in a namespace in the background; its pid is left in
# TOPO_BG_PID and it is killed by topo_down if still running.
topo_bg() { # ns cmd...
	local ns
	ns=$(_topo_ns "$1")
	shift
	ip netns exec "$ns" "$@" &
	TOPO_BG_PID=$!
	_topo_pids+=("$TOPO_BG_PID")
}

# Wait until something listens on a TCP port in a namespace.
wait_started() { # file pid log
	local i
	for i in $(seq 100); do
		[ -s "$1" ] && return 0
		kill -0 "$2" 2>/dev/null || { cat "$3" >&2; die "capture exited early"; }
		sleep 0.1
	done
	cat "$3" >&2
	die "capture did not start in 10 s"
}

wait_port() { # ns port [timeout_s]
	local ns port=$2 limit=${3:-10} i
	ns=$(_topo_ns "$1")
	for ((i = 0; i < limit * 20; i++)); do
		ip netns exec "$ns" ss -Htln "sport = :$port" | grep -q . &&
			return 0
		sleep 0.05
	done
	echo "nothing listens on port $port in $ns after ${limit}s" >&2
	return 1
}

_topo_ns_setup() { # ns
	ip netns add "$1" || return 1
	ip -n "$1" link set lo up
	if [ "${TOPO_IPV6:-0}" = 1 ]; then
		ip netns exec "$1" sysctl -qw net.ipv6.conf.default.accept_dad=0
	else
		# No router solicitations or MLD reports mixed into captures.
		ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
		ip netns exec "$1" sysctl -qw \
			net.ipv6.conf.default.disable_ipv6=1
	fi
}

_topo_links() {
	local n=$TOPO_QUEUES
	ip -n "$NS_A" link add "$IF_A" address "$MAC_A" type veth \
		peer name "$IF_B" address "$MAC_B" netns "$NS_B" || return 1
	ip -n "$NS_A" addr add "$IP_A/24" dev "$IF_A"
	ip -n "$NS_B" addr add "$IP_B/24" dev "$IF_B"
	if [ "${TOPO_IPV6:-0}" = 1 ]; then
		ip -n "$NS_A" addr add "$IP6_A/64" dev "$IF_A" nodad
		ip -n "$NS_B" addr add "$IP6_B/64" dev "$IF_B" nodad
	fi
	ip -n "$NS_A" link add "$MIR_IF" address "$MAC_MIR" \
		numtxqueues "$n" numrxqueues "$n" type veth \
		peer name "$CAP_IF" address "$MAC_CAP" \
		numtxqueues "$n" numrxqueues "$n" netns "$NS_CAP" || return 1
	_topo_mirror_qdisc || return 1
	ip -n "$NS_CAP" link set "$CAP_IF" promisc on up
	ip -n "$NS_A" link set "$MIR_IF" up
	ip -n "$NS_A" link set "$IF_A" up
	ip -n "$NS_B" link set "$IF_B" up
}

# veth has no queue by default: a frame sent while the peer's ring is full
# (native XDP on CAP_IF, 256 entries per queue) or its backlog is full
# (generic) is dropped and only counted as MIR_IF tx_dropped.  A FIFO per
# TX queue lets veth push back (it stops the queue when the ring is full),
# so the capture sees every frame unless TOPO_MIR_QLEN frames pile up: a
# SPAN port's buffer.  TOPO_MIR_QLEN=0 keeps the drop-on-full behaviour.
_topo_mirror_qdisc() {
	local n=$TOPO_QUEUES lim=${TOPO_MIR_QLEN:-10000} i
	[ "$lim" -gt 0 ] || return 0
	ip -n "$NS_A" link set "$MIR_IF" txqueuelen "$lim"
	if [ "$n" = 1 ]; then
		tc -n "$NS_A" qdisc add dev "$MIR_IF" root pfifo limit "$lim"
		return
	fi
	tc -n "$NS_A" qdisc add dev "$MIR_IF" root handle 1: mq || return 1
	for ((i = 1; i <= n; i++)); do
		tc -n "$NS_A" qdisc replace dev "$MIR_IF" \
			parent "1:$(printf %x "$i")" pfifo limit "$lim" || return 1
	done
}

# Frames the mirror copied but that never reached CAP_IF: dropped in
# MIR_IF's queue or by veth (peer ring or backlog full).  Should be 0.
topo_mirror_drops() {
	local q d
	d=$(ip netns exec "$NS_A" cat \
		"/sys/class/net/$MIR_IF/statistics/tx_dropped")
	q=$(tc -n "$NS_A" -s qdisc show dev "$MIR_IF" | head -n 2 |
		sed -n 's/.*(dropped \([0-9]*\),.*/\1/p')
	echo $((d + ${q:-0}))
}

_topo_mirror() {
	local dir
	tc -n "$NS_A" qdisc add dev "$IF_A" clsact || return 1
	# "continue" lets the loss filters at pref 20 run after the copy.
	for dir in ingress egress; do
		tc -n "$NS_A" filter add dev "$IF_A" "$dir" pref 10 \
			protocol all u32 match u32 0 0 \
			action mirred egress mirror dev "$MIR_IF" continue ||
			return 1
	done
}

topo_up() { # [nqueues]
	TOPO_QUEUES=${1:-1}
	if ! _topo_ns_setup "$NS_A" || ! _topo_ns_setup "$NS_B" ||
		! _topo_ns_setup "$NS_CAP" || ! _topo_links || ! _topo_mirror
	then
		echo "topo_up: setup failed" >&2
		topo_down
		return 1
	fi
	export NS_A NS_B NS_CAP IF_A IF_B MIR_IF CAP_IF IP_A IP_B IP6_A IP6_B
	export MAC_A MAC_B MAC_MIR MAC_CAP TOPO_QUEUES
	# Resolves ARP too, so tests start from a warm link.
	topo_reachable a "$IP_B" ||
		{ echo "topo_up: $IP_A cannot reach $IP_B" >&2; return 1; }
}

# ping may not be installed: a TCP connect to a closed port proves the
# path both ways (SYN there, RST back) in one round trip.
topo_reachable() { # ns ip
	local err
	err=$(topo_ns_exec "$1" timeout 3 bash -c \
		"exec 3<>/dev/tcp/$2/9" 2>&1)
	[[ $err == *"refused"* ]]
}

# Idempotent: kills what topo_bg started and what still runs in the
# namespaces, then deletes them (which deletes the veths inside).
topo_down() {
	local ns pid
	for pid in "${_topo_pids[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for ns in "$NS_CAP" "$NS_A" "$NS_B"; do
		[ -e "/run/netns/$ns" ] || continue
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill "$pid" 2>/dev/null
		done
	done
	for pid in "${_topo_pids[@]}"; do
		wait "$pid" 2>/dev/null
	done
	_topo_pids=()
	for ns in "$NS_CAP" "$NS_A" "$NS_B"; do
		[ -e "/run/netns/$ns" ] && ip netns del "$ns"
	done
	return 0
}

topo_status() {
	local ns
	for ns in "$NS_A" "$NS_B" "$NS_CAP"; do
		[ -e "/run/netns/$ns" ] || { echo "$ns: absent"; continue; }
		echo "== $ns"
		ip -n "$ns" -br addr show
	done
	[ -e "/run/netns/$NS_A" ] || return 0
	echo "== tc on $IF_A ($NS_A)"
	tc -n "$NS_A" filter show dev "$IF_A" ingress
	tc -n "$NS_A" filter show dev "$IF_A" egress
}

# Packet counters of an interface: "rx_packets tx_packets".
if_counters() { # ns ifname
	local ns
	ns=$(_topo_ns "$1")
	ip netns exec "$ns" cat "/sys/class/net/$2/statistics/rx_packets" \
		"/sys/class/net/$2/statistics/tx_packets" | paste -sd ' '
}

# --- loss injection -------------------------------------------------------

_loss_hook() { # dir where -> "ingress|egress pref"
	local hook pref
	case $1 in
	a2b) hook=egress ;;
	b2a) hook=ingress ;;
	*) echo "loss: direction must be a2b or b2a, not '$1'" >&2; return 1 ;;
	esac
	case ${2:-before} in
	before) pref=5 ;;
	after) pref=20 ;;
	*) echo "loss: where must be before or after" >&2; return 1 ;;
	esac
	echo "$hook $pref"
}

# The id of a map of the tc_loss program attached at dir/where.
_loss_map_id() { # dir where mapname
	local hook pref prog m
	read -r hook pref <<<"$(_loss_hook "$1" "$2")" || return 1
	prog=$(tc -n "$NS_A" filter show dev "$IF_A" "$hook" pref "$pref" |
		sed -n 's/.* id \([0-9]*\).*/\1/p' | head -n 1)
	[ -n "$prog" ] || { echo "loss: no program at $1 $2" >&2; return 1; }
	for m in $(bpftool prog show id "$prog" |
		sed -n 's/.*map_ids \([0-9,]*\).*/\1/p' | tr , ' '); do
		if bpftool map show id "$m" | grep -q "name $3 "; then
			echo "$m"
			return 0
		fi
	done
	echo "loss: map $3 not found for program $prog" >&2
	return 1
}

_le_hex() { # value bytes -> little-endian hex bytes
	local v=$1 n=$2 i out=""
	for ((i = 0; i < n; i++)); do
		out+=$(printf '%02x ' $(((v >> (8 * i)) & 255)))
	done
	echo "$out"
}

# Drop PERMILLE/1000 of the TCP data segments of one direction, before or
# after the mirror point; PORT limits it to one port (0: any), SEED != 0
# makes the per-CPU decision sequence reproducible.
loss_on() { # a2b|b2a permille [before|after] [port] [seed]
	local dir=$1 pm=$2 where=${3:-before} port=${4:-0} seed=${5:-0}
	local hook pref id
	read -r hook pref <<<"$(_loss_hook "$dir" "$where")" || return 1
	[ -f "$TC_LOSS_OBJ" ] || { echo "loss: $TC_LOSS_OBJ not built" >&2; return 1; }
	tc -n "$NS_A" filter add dev "$IF_A" "$hook" pref "$pref" \
		bpf da obj "$TC_LOSS_OBJ" sec tc || return 1
	id=$(_loss_map_id "$dir" "$where" loss_cfg) || return 1
	# shellcheck disable=SC2046
	bpftool map update id "$id" key hex 00 00 00 00 value hex \
		$(_le_hex "$pm" 4) $(_le_hex "$port" 4) $(_le_hex "$seed" 8)
}

loss_off() { # a2b|b2a [before|after]
	local hook pref
	read -r hook pref <<<"$(_loss_hook "$1" "${2:-before}")" || return 1
	tc -n "$NS_A" filter del dev "$IF_A" "$hook" pref "$pref"
}

# Print "data_pkts dropped dropped_bytes" of an attached loss program.
loss_stats() { # a2b|b2a [before|after]
	local id
	id=$(_loss_map_id "$1" "${2:-before}" loss_stats) || return 1
	bpftool -j map lookup id "$id" key hex 00 00 00 00 |
		sed -n 's/.*"formatted":{.*"value":{"data_pkts":\([0-9]*\),"dropped":\([0-9]*\),"dropped_bytes":\([0-9]*\)}.*/\1 \2 \3/p'
}

# bpffs, for pinning; mounted only when missing.
need_bpffs() {
	grep -q ' /sys/fs/bpf bpf ' /proc/mounts ||
		mount -t bpf bpf /sys/fs/bpf
}
