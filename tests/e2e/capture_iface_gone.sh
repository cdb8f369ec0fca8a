#!/bin/bash
# The capture interface disappears during a capture: deleted (itself, or
# by deleting its veth peer), or moved to another network namespace.  The
# capture notices within seconds, says which interface, stops with exit 1,
# and tears down cleanly: no pins left behind, a valid pcap.
set -u
. "$(dirname "$0")/lib.sh"
need_root
skip_if_no_xdp

NS=fs-gone-$$
NS2=fs-gone2-$$
OUT=$(mktemp -d /tmp/fs-e2e-XXXXXX)
BPFFS=$(mktemp -d /tmp/fs-bpffs-XXXXXX)
cleanup() {
	[ -n "${CAP:-}" ] && kill -9 "$CAP" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	ip netns del "$NS2" 2>/dev/null
	umount "$BPFFS" 2>/dev/null
	rmdir "$BPFFS"
	rm -rf "$OUT"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# A bpffs of our own: `ip netns exec` remounts /sys.
mount -t bpf bpf "$BPFFS" || die "cannot mount bpffs"
ip netns add "$NS" || die "netns"
ip netns add "$NS2" || die "netns"

# Capture on IFACE (its peer PEER), then run the command that makes it go.
gone_case() { # name iface peer cmd...
	local name=$1 ifc=$2 peer=$3 rc t0
	shift 3
	ip -n "$NS" link add "$ifc" type veth peer name "$peer" || die "veth"
	ip -n "$NS" link set "$ifc" up
	ip -n "$NS" link set "$peer" up
	ip netns exec "$NS" timeout -k 5 30 "$FS_BIN" capture -i "$ifc" \
		-w "$OUT/$name.pcap" --pin-path "$BPFFS/$name" -d 60 \
		--stats-json "$OUT/$name.json" >"$OUT/$name.log" 2>&1 &
	CAP=$!
	for _ in $(seq 100); do
		[ -s "$OUT/$name.json" ] && break
		kill -0 "$CAP" 2>/dev/null || break
		sleep 0.1
	done
	[ -e "$BPFFS/$name/xsks" ] || { cat "$OUT/$name.log"; die "$name: capture did not start"; }
	"$@" || die "$name: $* failed"
	t0=$SECONDS
	wait "$CAP"
	rc=$?
	CAP=
	log "$name: exit $rc after $((SECONDS - t0)) s"
	[ "$rc" = 1 ] || { cat "$OUT/$name.log"; die "$name: rc $rc, want 1"; }
	[ $((SECONDS - t0)) -le 20 ] || die "$name: took $((SECONDS - t0)) s to notice"
	grep -qw "$ifc" "$OUT/$name.log" && grep -q disappeared "$OUT/$name.log" ||
		{ cat "$OUT/$name.log"; die "$name: no message naming $ifc"; }
	[ -e "$BPFFS/$name" ] && die "$name: pins left behind: $(ls "$BPFFS/$name")"
	tcpdump -nr "$OUT/$name.pcap" >/dev/null 2>&1 || die "$name: bad pcap"
	log "ok: $name"
}

gone_case peer_deleted fsg0 fsg1 ip -n "$NS" link del fsg1
gone_case deleted fsg2 fsg3 ip -n "$NS" link del fsg2
# A device moved away keeps its XDP program (the kernel does not detach
# it, and flowsplice cannot reach the other namespace): only the stop is
# checked here.
gone_case moved fsg4 fsg5 ip -n "$NS" link set fsg4 netns "$NS2"
log "PASS"
