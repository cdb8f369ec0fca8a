#!/bin/bash
# End to end: flowsplice captures a real kernel TCP transfer that
# is mirrored (tc mirred, both directions) to the capture interface.
#  - the pcap is read by tcpdump and tshark without complaint;
#  - the TCP payload in it covers exactly what was sent, both directions;
#  - every redirected packet was received and written (stats JSON);
#  - traffic that does not match (another TCP port) keeps working.
# QUEUES=N runs it on an N-queue capture veth, XDP_MODE picks the attach
# mode, PCAP_IO direct|buffered the pcap writes, EXPECT_SPREAD=1 requires packets on two queues or more, PRELOAD=1
# has xdp-loader attach the classifier first (flowsplice --pin-path).
set -u
. "$(dirname "$0")/lib.sh"
need_root
skip_if_no_xdp

QUEUES=${QUEUES:-1}
XDP_MODE=${XDP_MODE:-auto}
PCAP_IO=${PCAP_IO:-direct}
C2S=$((8 * 1024 * 1024))
S2C=$((3 * 1024 * 1024))
OUT=$(mktemp -d /tmp/fs-e2e-XXXXXX)
topo_on_exit "rm -rf $OUT"
topo_trap
topo_up "$QUEUES"

topo_bg b "$TCPXFER" server --port 5201 --conns 2
topo_bg b "$TCPXFER" server --port 5301 --conns 1
wait_port b 5201
wait_port b 5301

PIN_ARGS=()
if [ "${PRELOAD:-0}" = 1 ]; then
	# The operator's way: xdp-loader attaches the classifier and pins its
	# maps; flowsplice finds them and only adds its sockets.
	# A bpffs of our own outside /sys: `ip netns exec` remounts /sys, so
	# pins under /sys/fs/bpf would not be visible in the namespace.
	BPFFS=$(mktemp -d /tmp/fs-bpffs-XXXXXX)
	mount -t bpf bpf "$BPFFS" || die "cannot mount bpffs"
	topo_on_exit "umount $BPFFS; rmdir $BPFFS"
	PIN=$BPFFS/flowsplice
	topo_on_exit "topo_ns_exec cap xdp-loader unload $CAP_IF --all"
	topo_ns_exec cap xdp-loader load -m skb -p "$PIN" "$CAP_IF" \
		"$FS_ROOT/build/classifier.bpf.o" || die "xdp-loader load failed"
	PIN_ARGS=(--pin-path "$PIN")
fi

topo_bg cap "$FS_BIN" capture -i "$CAP_IF" --xdp-mode "$XDP_MODE" --pcap-io "$PCAP_IO" "${PIN_ARGS[@]}" tcp port 5201 \
	-w "$OUT/cap.pcap" --stats-json "$OUT/stats.json" --stats-interval 1 \
	2>"$OUT/cap.log"
CAP_PID=$TOPO_BG_PID
for _ in $(seq 50); do
	[ -s "$OUT/stats.json" ] && break
	kill -0 "$CAP_PID" 2>/dev/null ||
		{ cat "$OUT/cap.log"; die "flowsplice capture exited early"; }
	sleep 0.1
done
[ -s "$OUT/stats.json" ] || { cat "$OUT/cap.log"; die "capture did not start"; }

topo_ns_exec a "$TCPXFER" client --connect "$IP_B:5201" --conns 2 \
	--parallel 2 --req-bytes "$C2S" --resp-bytes "$S2C" --seed 7 ||
	die "matched transfer failed"
# Not matched: must reach the kernel untouched while capture runs.
topo_ns_exec a "$TCPXFER" client --connect "$IP_B:5301" --conns 1 \
	--req-bytes 100000 --resp-bytes 100000 --seed 9 ||
	die "unmatched transfer failed during capture"
topo_reachable a "$IP_B" || die "path A->B broken during capture"

sleep 0.5
kill -INT "$CAP_PID"
wait "$CAP_PID"
rc=$?
tail -n 12 "$OUT/cap.log"
[ "$rc" = 0 ] || die "flowsplice capture exited with $rc"
grep -q "every redirected packet is accounted for" "$OUT/cap.log" ||
	die "the capture summary does not reconcile"

if [ "${PRELOAD:-0}" = 1 ]; then
	topo_ns_exec cap xdp-loader status "$CAP_IF" | grep -q fs_classify ||
		die "flowsplice detached the operator's program"
fi

files=("$OUT"/cap.pcap*)
log "files: ${files[*]}"
for f in "${files[@]}"; do
	tcpdump -nr "$f" >/dev/null 2>"$OUT/tcpdump.err" ||
		die "tcpdump cannot read $f: $(cat "$OUT/tcpdump.err")"
	grep -qiE "truncat|error" "$OUT/tcpdump.err" &&
		die "tcpdump complains about $f: $(cat "$OUT/tcpdump.err")"
	tshark -r "$f" >/dev/null 2>"$OUT/tshark.err" ||
		die "tshark cannot read $f: $(cat "$OUT/tshark.err")"
	# tshark warns about running as root; anything else is a complaint.
	grep -v -e 'Running as user "root"' "$OUT/tshark.err" >"$OUT/tshark.bad"
	[ -s "$OUT/tshark.bad" ] && die "tshark complains: $(cat "$OUT/tshark.bad")"
done

# 32-byte tcpxfer header precedes the request body.
python3 "$FS_ROOT/tests/e2e/pcap_check.py" "${files[@]}" --port 5201 \
	--c2s $((C2S + 32)) --s2c "$S2C" --conns 2 || die "payload mismatch"

spread=()
[ "${EXPECT_SPREAD:-0}" = 1 ] && spread=(--expect-spread)
python3 "$FS_ROOT/tests/e2e/capture_accounting.py" "$OUT/stats.json" \
	"${files[@]}" "${spread[@]}" || die "accounting mismatch"
log "PASS"
