#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# End to end: Type=notify.  With NOTIFY_SOCKET naming a datagram socket
# (as systemd's, world-writable), a capture with -Z nobody sends READY=1
# once it captures: when READY=1 arrives the classifier is attached, the
# worker thread runs and the process is already nobody's; a transfer
# started then is captured whole.  SIGTERM (systemd's stop) ends it with
# STOPPING=1 after READY=1, exit status 0.  The same with an abstract
# socket name ("@name"), without -Z.
set -u
. "$(dirname "$0")/lib.sh"
need_root
skip_if_no_xdp

OUT=$(mktemp -d /tmp/fs-notify-XXXXXX)
chmod 755 "$OUT"
topo_on_exit "rm -rf $OUT"
topo_trap
topo_up 1
topo_bg b "$TCPXFER" server --port 5201 --conns 2
wait_port b 5201

# A listener on addr (a path, or @name) writing each datagram, newlines as
# "|", to file, one per line; in the capture's network namespace, which
# holds abstract socket names.
listen() { # addr file
	topo_ns_exec cap python3 - "$1" "$2" <<'PY' &
import os, socket, sys
addr, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + addr[1:] if addr.startswith("@") else addr)
if not addr.startswith("@"):
    os.chmod(addr, 0o777)
open(out + ".up", "w").close()
with open(out, "a") as f:
    while True:
        f.write(s.recv(4096).decode().replace("\n", "|") + "\n")
        f.flush()
PY
	LISTEN_PID=$!
	topo_on_exit "kill $LISTEN_PID 2>/dev/null"
	for _ in $(seq 50); do
		[ -e "$2.up" ] && return 0
		sleep 0.1
	done
	die "the notify listener did not start"
}

run_case() { # name notify-addr capture-args...
	local name=$1 addr=$2 msgs=$OUT/$1.msgs pid rc
	shift 2
	listen "$addr" "$msgs"
	topo_bg cap env NOTIFY_SOCKET="$addr" "$FS_BIN" capture -i "$CAP_IF" \
		tcp port 5201 -w "$OUT/$name.pcap" --stats-json "$OUT/$name.json" \
		"$@" 2>"$OUT/$name.log"
	pid=$TOPO_BG_PID
	for _ in $(seq 100); do
		grep -q '^READY=1' "$msgs" 2>/dev/null && break
		kill -0 "$pid" 2>/dev/null || { cat "$OUT/$name.log"; die "$name: exited"; }
		sleep 0.1
	done
	grep -q '^READY=1|STATUS=capturing on' "$msgs" ||
		{ cat "$OUT/$name.log"; die "$name: no READY=1"; }
	# READY=1 means capturing: all of this is true already.
	topo_ns_exec cap ip link show dev "$CAP_IF" | grep -q prog/xdp ||
		die "$name: READY=1 before the classifier is attached"
	[ "$(ls /proc/"$pid"/task | wc -l)" -ge 2 ] ||
		die "$name: READY=1 before the worker runs"
	if [ "${1:-}" = -Z ]; then
		grep -qx "Uid:[[:space:]]*$(id -u nobody).*" /proc/"$pid"/status ||
			die "$name: READY=1 before the drop to nobody"
	fi
	grep -q STOPPING "$msgs" && die "$name: STOPPING=1 while capturing"
	topo_ns_exec a "$TCPXFER" client --connect "$IP_B:5201" --conns 1 \
		--req-bytes 2M --resp-bytes 100K --seed 5 >/dev/null ||
		die "$name: transfer failed"
	sleep 0.5
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	tail -n 4 "$OUT/$name.log"
	[ "$rc" = 0 ] || die "$name: exit status $rc after SIGTERM"
	[ "$(cut -c1-10 "$msgs" | tr '\n' ' ')" = "READY=1|ST STOPPING=1 " ] ||
		die "$name: messages $(tr '\n' ' ' <"$msgs")"
	python3 - "$OUT/$name.json" <<'PY' || die "$name: packets lost"
import json, sys
st = json.load(open(sys.argv[1]))
q = st["queues"][0]
assert q["rx_bytes"] > 2 * 1024 * 1024 and q["written"] == q["redirected"], q
PY
	kill "$LISTEN_PID" 2>/dev/null
}

chown nobody: "$OUT"
run_case path "$OUT/notify" -Z nobody
run_case abstract "@fs-notify-$$"
log "PASS"
