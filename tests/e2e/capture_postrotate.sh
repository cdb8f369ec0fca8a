#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# End to end: -z COMMAND on every finished file of a -C capture.
#  - every file (the last one too) is handed to the command exactly once,
#    and the stats JSON counts as many commands, none failed;
#  - no more than 4 commands ran at once (each one sleeps, so that
#    rotations outpace them and the rest wait in the queue);
#  - the command inherits none of flowsplice's descriptors (sockets,
#    io_uring, pcap files) and runs with the stop signals unblocked;
#  - a command that cannot start is counted as failed and logged; the
#    capture goes on and exits 0.
set -u
. "$(dirname "$0")/lib.sh"
need_root
skip_if_no_xdp

OUT=$(mktemp -d /tmp/fs-z-XXXXXX)
topo_on_exit "rm -rf $OUT"
topo_trap
topo_up 1
topo_bg b "$TCPXFER" server --port 5201 --conns 100
wait_port b 5201

# The mask is read first, with a builtin (no fork): bash blocks SIGINT
# and SIGTERM for a moment around the commands it runs, so a grep later in
# the script saw them blocked once in a few runs.
cat >"$OUT/z.sh" <<EOF
#!/bin/bash
while read -r k v; do
	[ "\$k" = SigBlk: ] && echo "SigBlk: \$v" >>"$OUT/sigblk"
done </proc/\$\$/status
exec 9>>"$OUT/lock"
flock 9
n=\$((\$(cat "$OUT/cur" 2>/dev/null || echo 0) + 1))
echo \$n >"$OUT/cur"
echo \$n >>"$OUT/conc"
flock -u 9
for f in /proc/\$\$/fd/*; do readlink "\$f"; done >>"$OUT/fds"
sleep 0.3
echo "\$1" >>"$OUT/done"
flock 9
echo \$((\$(cat "$OUT/cur") - 1)) >"$OUT/cur"
EOF
chmod +x "$OUT/z.sh"

run() { # name command bytes
	local name=$1 pid rc
	mkdir -p "$OUT/$name"
	topo_bg cap "$FS_BIN" capture -i "$CAP_IF" --xdp-mode generic -Q 0 \
		tcp port 5201 -w "$OUT/$name/r.pcap" -C 1 -z "$2" \
		--stats-json "$OUT/$name.json" 2>"$OUT/$name.log"
	pid=$TOPO_BG_PID
	for _ in $(seq 100); do
		[ -s "$OUT/$name.json" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	[ -s "$OUT/$name.json" ] ||
		{ cat "$OUT/$name.log"; die "$name: capture did not start"; }
	topo_ns_exec a "$TCPXFER" client --connect "$IP_B:5201" --conns 2 \
		--parallel 2 --req-bytes "$3" --resp-bytes 50K --rate 100 \
		--seed 4 || die "$name: transfer failed"
	sleep 0.3
	kill -INT "$pid"
	wait "$pid"
	rc=$?
	tail -n 3 "$OUT/$name.log"
	[ "$rc" = 0 ] || die "$name: capture exited with $rc"
}

run z "$OUT/z.sh" 12M
python3 - "$OUT" <<'PY' || die "-z runs wrong"
import json, os, sys
d = sys.argv[1]
st = json.load(open(d + "/z.json"))["files"]
files = sorted(os.path.join(d, "z", n) for n in os.listdir(d + "/z"))
done = sorted(open(d + "/done").read().split())
assert len(files) >= 8, f"only {len(files)} files"
assert done == files, f"commands ran on {done}, files are {files}"
assert st["commands"] == st["finished"] == len(files), st
assert st["commands_failed"] == 0 and st["commands_waiting"] == 0, st
conc = max(int(x) for x in open(d + "/conc").read().split())
assert 1 <= conc <= 4, f"{conc} commands at once"
for line in open(d + "/fds"):
    t = line.strip()
    assert not (t.startswith("socket:") or t.startswith("anon_inode:")
                or ".pcap" in t), f"the command inherited {t}"
for line in open(d + "/sigblk"):
    # SIGHUP, SIGINT, SIGQUIT, SIGTERM (bash itself blocks SIGCHLD)
    assert int(line.split()[1], 16) & 0x4007 == 0, f"blocked: {line}"
print(f"ok: {len(files)} files, each handed to -z once, at most {conc} at once")
PY

run bad "$OUT/no-such-command" 3M
python3 - "$OUT/bad.json" <<'PY' || die "a failing -z is not counted"
import json, sys
st = json.load(open(sys.argv[1]))["files"]
assert st["finished"] >= 2 and st["commands_failed"] == st["finished"], st
print("ok:", st)
PY
grep -q "no-such-command" "$OUT/bad.log" || die "the failing -z is not logged"
log "PASS"
