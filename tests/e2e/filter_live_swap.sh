#!/bin/bash
# End to end: `flowsplice filter -i` swaps the filter of a running capture
# while a real TCP transfer (mirrored to the capture interface) flows:
# libpcap programs translated to eBPF and tail-called, and rule sets (one
# of them a list, its members in a set map), in turn, each matching the
# transfer.  No packet may be lost across the
# swaps: the pcap holds exactly the bytes sent in both directions, and
# every frame the classifier redirected was received and written.
set -u
. "$(dirname "$0")/lib.sh"
need_root
skip_if_no_xdp

C2S=$((12 * 1024 * 1024))
S2C=$((4 * 1024 * 1024))
OUT=$(mktemp -d /tmp/fs-e2e-XXXXXX)
topo_on_exit "rm -rf $OUT"
topo_trap
topo_up 1

topo_bg b "$TCPXFER" server --port 5201 --conns 1
wait_port b 5201

# Two translated filters and two rule sets, all matching port 5201 only.
F_BPF1='tcp port 5201 and greater 0'
F_BPF2='(tcp src port 5201 or tcp dst port 5201) and ip[0] & 0xf >= 5'
F_RULES='tcp port 5201'
F_LIST='tcp port 5202 or 5201 or 5203'

topo_bg cap "$FS_BIN" capture -i "$CAP_IF" -w "$OUT/cap.pcap" \
	--stats-json "$OUT/stats.json" --stats-interval 1 "$F_BPF1" \
	2>"$OUT/cap.log"
CAP_PID=$TOPO_BG_PID
for _ in $(seq 50); do
	[ -s "$OUT/stats.json" ] && break
	kill -0 "$CAP_PID" 2>/dev/null ||
		{ cat "$OUT/cap.log"; die "flowsplice capture exited early"; }
	sleep 0.1
done
[ -s "$OUT/stats.json" ] || { cat "$OUT/cap.log"; die "capture did not start"; }
grep -q "filter path: bpf" "$OUT/cap.log" ||
	die "the capture's filter did not take the translated path"

# About 3.5 s of traffic at 30 Mbit/s; swaps one after the other meanwhile.
topo_bg a "$TCPXFER" client --connect "$IP_B:5201" --conns 1 \
	--req-bytes "$C2S" --resp-bytes "$S2C" --seed 11 --rate 30
CLI_PID=$TOPO_BG_PID
swaps=0 paths=""
while kill -0 "$CLI_PID" 2>/dev/null; do
	for f in "$F_BPF2" "$F_RULES" "$F_LIST" "$F_BPF1"; do
		topo_ns_exec cap "$FS_BIN" filter -i "$CAP_IF" "$f" \
			>"$OUT/swap.out" 2>&1 || { cat "$OUT/swap.out"; die "swap to '$f' failed"; }
		paths="$paths $(sed -n 's/^path: \([a-z]*\):.*/\1/p' "$OUT/swap.out")"
		[ "$f" != "$F_LIST" ] || grep -q "sets of 3 ports" "$OUT/swap.out" ||
			{ cat "$OUT/swap.out"; die "the list is not a set"; }
		swaps=$((swaps + 1))
		sleep 0.15
	done
done
wait "$CLI_PID" || die "the transfer failed"
log "swaps: $swaps (paths:$paths)"
[ "$swaps" -ge 4 ] || die "only $swaps swaps while traffic flowed"
case "$paths" in *bpf*rules*bpf*) ;; *) die "paths not alternated:$paths" ;; esac
topo_ns_exec cap "$FS_BIN" filter -i "$CAP_IF" --dump >"$OUT/dump" 2>&1
grep -q "^translated filter: program" "$OUT/dump" ||
	{ cat "$OUT/dump"; die "--dump does not show the translated filter"; }

sleep 0.5
kill -INT "$CAP_PID"
wait "$CAP_PID"
rc=$?
tail -n 12 "$OUT/cap.log"
[ "$rc" = 0 ] || die "flowsplice capture exited with $rc"
grep -q "every redirected packet is accounted for" "$OUT/cap.log" ||
	die "the capture summary does not reconcile"

# 32-byte tcpxfer header precedes the request body.
python3 "$FS_ROOT/tests/e2e/pcap_check.py" "$OUT"/cap.pcap* --port 5201 \
	--c2s $((C2S + 32)) --s2c "$S2C" --conns 1 || die "payload mismatch"

python3 "$FS_ROOT/tests/e2e/capture_accounting.py" "$OUT/stats.json" \
	"$OUT"/cap.pcap* || die "accounting mismatch"
log "PASS"
