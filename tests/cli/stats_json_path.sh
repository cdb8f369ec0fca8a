#!/bin/bash
# capture --stats-json FILE: a FILE that is a symlink, a FIFO, a device
# or a directory, or in a directory that does not exist, is refused at
# start (exit 1, nothing attached, no output made) and left as it was; a
# run that writes it leaves no temporary file beside it.
set -u
FS_BIN=${FS_BIN:-build/flowsplice}
fails=0
OUT=$(mktemp -d /tmp/fs-cli-XXXXXX)
NS=fs-sj-$$
cleanup() {
	ip netns del "$NS" 2>/dev/null
	rm -rf "$OUT"
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# As root, on a veth of our own; otherwise on lo: the refusal comes
# before the check for root.
RUN=()
IFACE=lo
if [ "$(id -u)" = 0 ]; then
	ip netns add "$NS" || exit 1
	ip -n "$NS" link add fsj0 type veth peer name fsj1 || exit 1
	ip -n "$NS" link set fsj0 up
	ip -n "$NS" link set fsj1 up
	RUN=(ip netns exec "$NS")
	IFACE=fsj0
fi

refused() { # path file-type-letter (find -type)
	local rc
	"${RUN[@]}" "$FS_BIN" capture -i "$IFACE" -w "$OUT/x.pcap" \
		--stats-json "$1" -d 1 >"$OUT/log" 2>&1
	rc=$?
	[ "$rc" = 1 ] || { fail "--stats-json $1: rc $rc, want 1"; cat "$OUT/log"; }
	[ -e "$OUT/x.pcap" ] && fail "--stats-json $1: the pcap was created"
	if [ -n "$2" ]; then
		[ -n "$(find "$1" -maxdepth 0 -type "$2")" ] ||
			fail "--stats-json $1 was replaced"
	fi
	echo "ok: --stats-json $1 -> $rc"
}

echo '{}' >"$OUT/target"
ln -s "$OUT/target" "$OUT/link"
mkfifo "$OUT/fifo"
mkdir "$OUT/dir"
refused "$OUT/link" l
refused "$OUT/fifo" p
refused "$OUT/dir" d
if mknod "$OUT/null" c 1 3 2>/dev/null; then
	refused "$OUT/null" c
fi
refused "$OUT/nodir/stats.json" ""
[ "$(cat "$OUT/target")" = '{}' ] || fail "the symlink's target was written"
[ -n "$(find "$OUT" -name '*.tmp' -o -name '*.??????' | grep -v -e x.pcap)" ] &&
	fail "temporary files left: $(ls "$OUT")"

if [ "$(id -u)" = 0 ]; then
	mkdir "$OUT/run"
	ip netns exec "$NS" "$FS_BIN" capture -i fsj0 -w "$OUT/run/c.pcap" \
		--stats-json "$OUT/run/stats.json" -d 2 -q >"$OUT/log" 2>&1 ||
		{ fail "a capture with --stats-json failed"; cat "$OUT/log"; }
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' \
		"$OUT/run/stats.json" || fail "stats.json is not JSON"
	n=$(find "$OUT/run" -mindepth 1 | wc -l)
	[ "$n" = 2 ] || fail "$n files in the output directory, want 2: $(ls "$OUT/run")"
	echo "ok: capture with --stats-json leaves $n files"
fi

echo "$fails failure(s)"
[ "$fails" = 0 ]
