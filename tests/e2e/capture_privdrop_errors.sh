#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# End to end: -Z USER refusals.  An unknown user, a numeric uid no user
# has, and root are usage errors (exit 2) found before anything is
# attached.  A --streams directory (or -w directory with rotation, or
# --stats-json directory) that USER cannot write is found right after the
# drop: exit 1 with a line naming the directory, and the helper detaches
# the classifier, so nothing stays on the interface.
set -u
. "$(dirname "$0")/lib.sh"
need_root
skip_if_no_xdp

OUT=$(mktemp -d /tmp/fs-privdrop-err-XXXXXX)
topo_on_exit "rm -rf $OUT"
topo_trap
topo_up 1
chmod 755 "$OUT"
mkdir -m 755 "$OUT/rootdir"        # root's: nobody cannot write here
mkdir -m 777 "$OUT/open"

xdp_attached() {
	topo_ns_exec cap ip link show dev "$CAP_IF" | grep -q "prog/xdp"
}

expect() { # want-rc pattern capture-args...
	local want=$1 pat=$2 rc
	shift 2
	topo_ns_exec cap "$FS_BIN" capture -i "$CAP_IF" -d 3 "$@" tcp \
		>"$OUT/out" 2>&1
	rc=$?
	[ "$rc" = "$want" ] || { cat "$OUT/out"; die "$* -> $rc, not $want"; }
	grep -qE -- "$pat" "$OUT/out" || { cat "$OUT/out"; die "$*: no /$pat/"; }
	xdp_attached && die "$*: an XDP program is left on $CAP_IF"
	log "ok: $* -> $rc"
}

expect 2 "no such user" -Z no-such-user-fs -w "$OUT/open/a.pcap"
expect 2 "no such user" -Z 4000000000 -w "$OUT/open/a.pcap"
expect 2 "is root" -Z root -w "$OUT/open/a.pcap"
expect 1 "$OUT/rootdir is not writable by nobody" -Z nobody \
	--streams "$OUT/rootdir"
expect 1 "$OUT/rootdir is not writable by nobody" -Z nobody \
	-w "$OUT/rootdir/r.pcap" -C 1
expect 1 "$OUT/rootdir is not writable by nobody" -Z nobody \
	-w "$OUT/open/r.pcap" --stats-json "$OUT/rootdir/s.json"
# Without rotation no new file is made in the -w directory: it runs.
expect 0 "running as nobody" -Z nobody -w "$OUT/rootdir/r.pcap"
[ "$(stat -c %U "$OUT/rootdir/r.pcap")" = nobody ] ||
	die "the first pcap file was not given to nobody"
log "PASS"
