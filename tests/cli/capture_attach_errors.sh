#!/bin/bash
# capture's attach errors name their cause: a --pin-path that is not on a
# bpf file system (existing or not) is refused without creating anything;
# a foreign XDP program on the interface is named by its id, and left in
# place.  Exit 1 each time, nothing of flowsplice's attached.
set -u
FS_BIN=${FS_BIN:-build/flowsplice}
fails=0
OUT=$(mktemp -d /tmp/fs-cli-XXXXXX)
NS=fs-att-$$
cleanup() {
	ip netns del "$NS" 2>/dev/null
	rm -rf "$OUT"
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
ip netns add "$NS" || exit 1
ip -n "$NS" link add fsa0 type veth peer name fsa1 || exit 1
ip -n "$NS" link set fsa0 up
ip -n "$NS" link set fsa1 up
xdp_id() { ip -n "$NS" link show fsa0 | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p'; }

run() { # name args...
	local name=$1
	shift
	ip netns exec "$NS" timeout -k 5 20 "$FS_BIN" capture -i fsa0 \
		-w "$OUT/$name.pcap" -d 1 -q "$@" >"$OUT/$name.log" 2>&1
}

# --pin-path under a directory that does not exist, off bpffs: refused,
# nothing created (it used to make the directory, then fail EINVAL).
run nodir --pin-path "$OUT/nodir/pins"
rc=$?
[ "$rc" = 1 ] || fail "nodir: rc $rc, want 1"
[ -e "$OUT/nodir" ] && fail "nodir: $OUT/nodir was created"
grep -q "$OUT/nodir/pins" "$OUT/nodir.log" || fail "nodir: the path is not named"
grep -q "Invalid argument" "$OUT/nodir.log" && fail "nodir: a bare EINVAL"
# An existing directory that is not on bpffs.
mkdir "$OUT/plain"
run plain --pin-path "$OUT/plain"
rc=$?
[ "$rc" = 1 ] || fail "plain: rc $rc, want 1"
grep -q "Invalid argument" "$OUT/plain.log" && fail "plain: a bare EINVAL"
[ -z "$(ls -A "$OUT/plain")" ] || fail "plain: files made in $OUT/plain"
[ -z "$(xdp_id)" ] || fail "XDP attached after a pin path error"
sed 's/^/    /' "$OUT/nodir.log" "$OUT/plain.log"

# A foreign XDP program (xdp-tools' allow-all filter, from libxdp's
# package): named by its id, left attached.
OBJ=
for d in /usr/lib/x86_64-linux-gnu/bpf /usr/lib/*/bpf /usr/lib/bpf \
	/usr/lib64/bpf /usr/local/lib/bpf; do
	[ -f "$d/xdpfilt_alw_all.o" ] && { OBJ=$d/xdpfilt_alw_all.o; break; }
done
if [ -z "$OBJ" ]; then
	fail "xdpfilt_alw_all.o (libxdp's package) not found"
else
	ip -n "$NS" link set dev fsa0 xdpgeneric obj "$OBJ" sec xdp ||
		fail "cannot load $OBJ"
	id=$(xdp_id)
	run foreign
	rc=$?
	[ "$rc" = 1 ] || fail "foreign: rc $rc, want 1"
	grep -qw "$id" "$OUT/foreign.log" || fail "foreign: program $id not named"
	[ "$(xdp_id)" = "$id" ] || fail "foreign: program $id replaced or removed"
	sed 's/^/    /' "$OUT/foreign.log"
	# The same when native mode is asked for while it holds generic.
	run foreign_native --xdp-mode native
	rc=$?
	[ "$rc" = 1 ] || fail "foreign_native: rc $rc, want 1"
	grep -qw "$id" "$OUT/foreign_native.log" ||
		fail "foreign_native: program $id not named"
	[ "$(xdp_id)" = "$id" ] || fail "foreign_native: program $id replaced"
fi

echo "$fails failure(s)"
[ "$fails" = 0 ]
