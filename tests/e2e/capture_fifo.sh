#!/bin/bash
# End to end, a fault test: -w to a FIFO (pcap to a pipe, as in
# `flowsplice capture -w fifo & tcpdump -r fifo`).
#  - no reader: the open does not wait; the capture exits 1 at start;
#  - a reader that reads: it gets a complete pcap (the default direct
#    mode falls back to buffered without closing the FIFO under the reader,
#    which would give it end of file), every record written;
#  - a reader that stops reading: SIGINT waits for the writes in flight (as
#    a clean stop must), a second SIGINT cancels them and the run ends,
#    exit status 1, the stats counting the failed writes.
# A run that does not end within its bound (60 s) fails the test.
set -u
. "$(dirname "$0")/lib.sh"
need_root
skip_if_no_xdp

OUT=$(mktemp -d /tmp/fs-fifo-XXXXXX)
topo_on_exit "rm -rf $OUT"
topo_trap
topo_up 1

topo_bg b "$TCPXFER" server --port 5201 --conns 10
wait_port b 5201

# Wait for pid to exit, at most secs; its status in WAIT_RC (124: still
# running, then killed).
wait_bounded() { # pid secs
	local pid=$1 i
	for ((i = 0; i < $2 * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid"
		wait "$pid" 2>/dev/null
		WAIT_RC=124
	else
		wait "$pid"
		WAIT_RC=$?
	fi
}

start_capture() { # name
	topo_bg cap "$FS_BIN" capture -i "$CAP_IF" tcp port 5201 \
		-w "$OUT/$1.fifo" --stats-json "$OUT/$1.json" 2>"$OUT/$1.log"
	CAP_PID=$TOPO_BG_PID
}

started() { # name: the stats JSON exists once the workers run
	local i
	for ((i = 0; i < 100; i++)); do
		[ -s "$OUT/$1.json" ] && return 0
		kill -0 "$CAP_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$OUT/$1.log"
	return 1
}

json() { # file expr
	python3 -c "import json,sys; s=json.load(open(sys.argv[1])); \
q=s['queues'][0]; print($2)" "$1"
}

# 1. No reader.
mkfifo "$OUT/none.fifo"
start_capture none
wait_bounded "$CAP_PID" 20
cat "$OUT/none.log"
[ "$WAIT_RC" = 1 ] || die "no reader: exit status $WAIT_RC, not 1 at start"

# 2. A reader that reads everything.
mkfifo "$OUT/good.fifo"
cat "$OUT/good.fifo" >"$OUT/good.pcap" &
READER=$!
start_capture good
started good || die "capture to a read FIFO did not start"
topo_ns_exec a "$TCPXFER" client --connect "$IP_B:5201" --conns 1 \
	--req-bytes 2M --resp-bytes 100K --seed 6 || die "transfer failed"
sleep 0.5
kill -INT "$CAP_PID"
wait_bounded "$CAP_PID" 60
grep -v '^rx ' "$OUT/good.log" | tail -n 6
[ "$WAIT_RC" = 0 ] || die "read FIFO: exit status $WAIT_RC"
wait "$READER"
python3 - "$OUT/good.pcap" "$(json "$OUT/good.json" 'q["written"]')" <<'PY' ||
import struct, sys
data = open(sys.argv[1], "rb").read()
off, recs = 24, 0
while off + 16 <= len(data):
    off += 16 + struct.unpack_from("<I", data, off + 8)[0]
    recs += 1
print(f"reader got {len(data)} bytes, {recs} records; written {sys.argv[2]}")
sys.exit(0 if len(data) > 24 and off == len(data) and
         recs == int(sys.argv[2]) else 1)
PY
	die "the FIFO's reader did not get every record whole"

# 3. A reader that stops: it holds the FIFO open and never reads.
mkfifo "$OUT/stall.fifo"
sleep 600 <"$OUT/stall.fifo" &
STALLED=$!
topo_on_exit "kill $STALLED 2>/dev/null"
start_capture stall
started stall || die "capture to a stalled FIFO did not start"
# Far more than a pipe holds (64 KiB).
topo_ns_exec a "$TCPXFER" client --connect "$IP_B:5201" --conns 1 \
	--req-bytes 4M --resp-bytes 100K --seed 8 || die "transfer failed"
sleep 0.5
kill -INT "$CAP_PID"
sleep 3
kill -0 "$CAP_PID" 2>/dev/null ||
	die "the first SIGINT did not wait for the writes in flight"
kill -INT "$CAP_PID"
wait_bounded "$CAP_PID" 60
grep -v '^rx ' "$OUT/stall.log" | tail -n 12
[ "$WAIT_RC" = 1 ] || die "stalled FIFO: exit status $WAIT_RC after a second SIGINT, not 1"
errs=$(json "$OUT/stall.json" 'q["write_errors"]')
log "stalled FIFO: $errs writes failed or cancelled"
[ "$errs" -gt 0 ] || die "the cancelled writes are not counted"
log "PASS"
