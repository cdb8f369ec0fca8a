# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# replay_lib.sh: what the replay tests share (sourced; not executable).
# flowsplice replay transmits on MIR_IF (ns A) of lib.sh's topology, and
# a recorder (tcpdump -Q in, promiscuous) writes what arrives on its peer
# CAP_IF (ns CAP).  Nothing else sends on that link: the mirror of
# IF_A's traffic (ARP between A and B) is taken off, and IPv6 is off (no
# router solicitations).  Both ends get a 9000-byte MTU, so that a frame
# larger than a UMEM frame (a descriptor chain) fits.
#
#   replay_up [N]          topology with N queues on MIR_IF/CAP_IF
#   record_start FILE      start the recorder, wait until it listens
#   record_stop            stop it; fails if it dropped a frame
#   replay ARGS...         flowsplice replay -i MIR_IF ARGS... in ns A
#   check EXPECTED [ARGS]  replay_check.py EXPECTED the recording ARGS
#   json_field FILE NAME   a top-level number of a --stats-json document
#   skipped FILE CAUSE     a count of the "skipped" object

. "$FS_ROOT/tests/e2e/lib.sh"
CHECK=$FS_ROOT/tests/e2e/replay_check.py
PCAPS=${FS_SHARED:-$FS_ROOT/../shared}/pcaps
REPLAY_MTU=9000

replay_up() { # [nqueues]
	need_root
	skip_if_no_xdp
	command -v tcpdump >/dev/null || die "tcpdump not installed"
	WORK=$(mktemp -d /tmp/fs-replay-XXXXXX)
	topo_on_exit "rm -rf $WORK"
	topo_trap
	topo_up "${1:-1}" || die "topology setup failed"
	tc -n "$NS_A" qdisc del dev "$IF_A" clsact || die "mirror still on"
	ip -n "$NS_A" link set "$MIR_IF" mtu "$REPLAY_MTU" || die "mtu"
	ip -n "$NS_CAP" link set "$CAP_IF" mtu "$REPLAY_MTU" || die "mtu"
}

# Immediate mode (frames written as they come, none held in a ring block
# at SIGINT) has libpcap use a slot per frame of the snap length: a
# snap length just above the MTU gives 64 MiB / 9 KiB ~ 7000 slots.
_rec_pid=
record_start() { # file
	_rec_log=$WORK/rec.log
	REC_FILE=$1
	topo_bg cap tcpdump -i "$CAP_IF" -Q in -s 9100 -B 65536 --immediate-mode -U \
		-w "$1" \
		2>"$_rec_log"
	_rec_pid=$TOPO_BG_PID
	local i
	for ((i = 0; i < 100; i++)); do
		grep -q "listening on" "$_rec_log" 2>/dev/null && return 0
		sleep 0.05
	done
	die "tcpdump did not start: $(cat "$_rec_log")"
}

# tcpdump writes every frame it took before exiting on SIGINT; its last
# lines count what the kernel dropped before it could take it.
record_stop() {
	local dropped
	sleep 0.3 # frames still in the peer's backlog
	kill -INT "$_rec_pid" 2>/dev/null
	wait "$_rec_pid" 2>/dev/null
	dropped=$(sed -n 's/^\([0-9]*\) packets dropped by kernel/\1/p' \
		"$_rec_log")
	[ "${dropped:-0}" = 0 ] ||
		die "the recorder itself dropped $dropped frames"
}

replay() { # args...
	topo_ns_exec a "$FS_BIN" replay -i "$MIR_IF" "$@"
}

check() { # expected [replay_check.py args]
	local want=$1
	shift
	python3 "$CHECK" "$want" "$REC_FILE" "$@"
}

json_field() { # file name
	sed -n "s/^  \"$2\": \([0-9.]*\),*$/\1/p" "$1"
}

skipped() { # file cause
	sed -n "s/.*\"skipped\": {.*\"$2\": \([0-9]*\).*/\1/p" "$1"
}
