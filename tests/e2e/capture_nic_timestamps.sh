#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# End to end: who stamps the packets (-j), on a two-queue capture veth.
#  - nic: native mode, -j auto: the start-up log names the NIC's
#    timestamps, the attached classifier is classifier_nic (its BTF calls
#    bpf_xdp_metadata_rx_timestamp: a device-bound program), the pcapng
#    interface block's comment says so; veth stamps no packet itself
#    (its kfunc gives the skb's hardware stamp: none), so every packet
#    falls back to the classifier's clock, packet by packet: ts_nic 0,
#    no packet without a timestamp, each record's time inside the run,
#    and never back in time within a queue (epb_queue);
#  - swap: the same with a translated filter (tail-called from the
#    device-bound classifier) swapped live to the rule set and back by
#    `flowsplice filter -i`, every packet accounted for, timestamps as
#    above;
#  - host: -j host in native mode: the plain classifier, the log and the
#    interface block name the classifier's clock;
#  - generic: generic mode, -j auto: the classifier's clock, the log says
#    why (in generic mode XDP runs on whichever CPU receives the skb, and
#    every packet reports queue 0: two CPUs stamp and queue them in
#    either order, so time order within a queue is not checked there);
#  - forced: -j adapter_unsynced in generic mode is refused (exit 1, the
#    reason logged), and nothing is left attached.
set -u
. "$(dirname "$0")/lib.sh"
need_root
skip_if_no_xdp

OUT=$(mktemp -d /tmp/fs-nts-XXXXXX)
topo_on_exit "rm -rf $OUT"
topo_trap
topo_up 2
topo_bg b "$TCPXFER" server --port 5201 --conns 100
wait_port b 5201

# The BTF of the program attached to CAP_IF declares the NIC kfunc: 1/0.
nic_kfunc() {
	local id btf
	id=$(ip netns exec "$NS_CAP" bpftool -j net show dev "$CAP_IF" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["xdp"][0]["id"])')
	btf=$(bpftool -j prog show id "$id" |
		python3 -c 'import json,sys; print(json.load(sys.stdin).get("btf_id", 0))')
	bpftool btf dump id "$btf" | grep -c "FUNC 'bpf_xdp_metadata_rx_timestamp'"
}

# start NAME capture-args...: CAP_PID, the run's start in T0 (ns)
start() {
	local name=$1
	shift
	T0=$(date +%s%N)
	topo_bg cap "$FS_BIN" capture -i "$CAP_IF" --format pcapng \
		-w "$OUT/$name.pcapng" --stats-json "$OUT/$name.json" "$@" \
		2>"$OUT/$name.log"
	CAP_PID=$TOPO_BG_PID
	wait_started "$OUT/$name.json" "$CAP_PID" "$OUT/$name.log"
}

transfer() {
	topo_ns_exec a "$TCPXFER" client --connect "$IP_B:5201" --conns 4 \
		--parallel 4 --req-bytes 2M --resp-bytes 200K --rate 40 \
		--seed 8 || die "transfer failed"
}

# stop NAME: the capture ends cleanly and reconciles; T1 after it (ns)
stop() {
	kill -INT "$CAP_PID"
	wait "$CAP_PID"
	local rc=$?
	T1=$(date +%s%N)
	grep -v '^rx ' "$OUT/$1.log" | tail -n 12
	[ "$rc" = 0 ] || die "$1: capture exited with $rc"
	grep -q "every redirected packet is accounted for" "$OUT/$1.log" ||
		die "$1: the summary does not reconcile"
}

# check NAME COMMENT-WORD NIC-COUNT [any-order]: the file's interface
# comment names the source, every record inside [T0, T1] and (unless
# any-order) never back in time within its queue, the counters: no
# packet without a timestamp, ts_nic as given.
check() {
	python3 - "$OUT/$1.pcapng" "$OUT/$1.json" "$2" "$3" "$T0" "$T1" \
		"${4:-}" <<'PY' || die "$1: timestamps wrong"
import json, struct, sys
path, stats, word, nic, t0, t1, order = sys.argv[1:]
t0, t1 = int(t0) - 10**9, int(t1) + 10**9
b = open(path, "rb").read()
off, comment, recs, last, back = 0, None, 0, {}, 0
while off < len(b):
    t, ln = struct.unpack_from("<II", b, off)
    if t == 1:
        o = off + 16
        while o < off + ln - 4:
            code, olen = struct.unpack_from("<HH", b, o)
            if code == 0:
                break
            if code == 1:
                comment = b[o + 4:o + 4 + olen].decode()
            o += 4 + ((olen + 3) & ~3)
    if t == 6:
        hi, lo, cap = struct.unpack_from("<III", b, off + 12)
        ts = hi << 32 | lo
        q = None
        o = off + 28 + ((cap + 3) & ~3)
        while o < off + ln - 4:
            code, olen = struct.unpack_from("<HH", b, o)
            if code == 0:
                break
            if code == 6:
                q = struct.unpack_from("<I", b, o + 4)[0]
            o += 4 + ((olen + 3) & ~3)
        assert t0 <= ts <= t1, f"record {recs}: {ts} outside the run"
        if q in last and ts < last[q]:
            back += 1
        last[q] = ts
        recs += 1
    off += ln
st = json.load(open(stats))
qs = st["queues"]
rx = sum(q["rx_packets"] for q in qs)
tsn = sum(q["ts_nic"] for q in qs)
nometa = sum(q["no_meta"] for q in qs)
print(f"{recs} records on {len(last)} queues, {back} back in time; "
      f"ts_nic {tsn}, no_meta {nometa}; comment: {comment}")
assert comment and word in comment, f"comment {comment!r} lacks {word!r}"
assert (back == 0 or order == "any-order") and recs == rx and recs > 0
assert nometa == 0 and tsn == int(nic)
PY
}

start nic --xdp-mode native tcp port 5201
[ "$(nic_kfunc)" = 1 ] || die "nic: the attached classifier is not classifier_nic"
transfer
stop nic
grep -q "timestamps on $CAP_IF: the NIC's" "$OUT/nic.log" ||
	die "nic: the log does not name the NIC's timestamps"
grep -q "timestamps: 0 of [0-9]* packets stamped by the NIC" "$OUT/nic.log" ||
	die "nic: the summary does not count the NIC's timestamps"
check nic bpf_xdp_metadata_rx_timestamp 0

F_BPF='tcp port 5201 and greater 0'
start swap --xdp-mode native "$F_BPF"
grep -q "filter path: bpf" "$OUT/swap.log" || die "swap: not the translated path"
[ "$(nic_kfunc)" = 1 ] || die "swap: the attached classifier is not classifier_nic"
topo_bg a "$TCPXFER" client --connect "$IP_B:5201" --conns 2 --parallel 2 \
	--req-bytes 4M --resp-bytes 1M --rate 20 --seed 9
CLI_PID=$TOPO_BG_PID
paths=""
for f in 'tcp port 5201' "$F_BPF" 'tcp port 5201' "$F_BPF"; do
	sleep 0.2
	topo_ns_exec cap "$FS_BIN" filter -i "$CAP_IF" "$f" >"$OUT/swap.out" 2>&1 ||
		{ cat "$OUT/swap.out"; die "swap to '$f' failed"; }
	paths="$paths $(sed -n 's/^path: \([a-z]*\):.*/\1/p' "$OUT/swap.out")"
done
wait "$CLI_PID" || die "swap: the transfer failed"
log "swap: paths$paths"
case "$paths" in *rules*bpf*rules*bpf*) ;; *) die "swap: paths$paths" ;; esac
stop swap
check swap bpf_xdp_metadata_rx_timestamp 0

start host --xdp-mode native -j host tcp port 5201
[ "$(nic_kfunc)" = 0 ] || die "host: classifier_nic attached for -j host"
transfer
stop host
grep -q "timestamps on $CAP_IF: the classifier's clock (bpf_ktime_get_ns): -j host" \
	"$OUT/host.log" || die "host: the log does not say -j host"
check host "the classifier's clock" 0

start generic --xdp-mode generic tcp port 5201
transfer
stop generic
grep -q "timestamps on $CAP_IF: the classifier's clock (bpf_ktime_get_ns): generic XDP mode" \
	"$OUT/generic.log" || die "generic: the log does not say why"
check generic "the classifier's clock" 0 any-order

topo_ns_exec cap "$FS_BIN" capture -i "$CAP_IF" --xdp-mode generic \
	-j adapter_unsynced -w "$OUT/forced.pcap" -d 1 2>"$OUT/forced.log"
rc=$?
cat "$OUT/forced.log"
[ "$rc" = 1 ] || die "forced: exit status $rc, not 1"
grep -q "adapter_unsynced: the NIC cannot stamp" "$OUT/forced.log" ||
	die "forced: the reason is not logged"
ip netns exec "$NS_CAP" ip link show "$CAP_IF" | grep -q "xdp" &&
	die "forced: an XDP program is left attached"
log "PASS"
