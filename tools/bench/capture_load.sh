#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Capture at a fixed offered load, side by side: `flowsplice replay` puts
# the same pre-recorded traffic on the capture link at a ladder of rates,
# and at each rate `flowsplice capture -w` and `tcpdump -w`, then
# `flowsplice capture --streams` and `tcpflow -i`, take turns capturing
# it.  Every tool gets the very same packets at the same requested rate,
# and no TCP sender backs off when the capture falls behind (capture.sh's
# does).  The sender still shares the 2 CPUs, and on veth the kernel's
# delivery to the capture runs in its context (softirq), so a capture
# that costs more per packet slows it: the rate it reached and its CPU
# time are measured in every run and reported, and the sender alone (no
# capture) runs once at the top rate.
#
#   tools/bench/capture_load.sh [CSV]   (default build/bench/capture_load.csv)
#
# Writes CSV (one row per run), CSV's .md (the section of RESULTS.md)
# and .commands (the command lines).  Root; run it under the machine's
# network lock (flock /tmp/fs-net.lock): the default ladder holds it for
# 3-5 minutes (the first run records the load too).
#
# The load: a recording of real kernel TCP (tcpxfer, CONNS connections
# of seeded content to port 5201 and RESP bytes back, so stream files can
# be checked byte for byte), taken by tcpdump on B's veth with TSO, GSO,
# GRO and checksum offload off (frames of at most 1514 bytes with full
# checksums, as on a wire), at LOAD_RECORD_MBIT, large enough for the top
# rate; it is kept in the work directory (with the prefixes below: about
# 5 GB at the default ladder) and reused while its parameters stay the
# same.  For each rate R, the prefix of the recording that lasts
# LOAD_SECS at R is cut (whole records), and replayed once with
# `flowsplice replay --mbps R` on MIR_IF (ns A, the mirror taken off) to
# CAP_IF (ns CAP), where the tool captures with the filter "tcp port
# 5201".
#
# Offered: what entered CAP_IF (its rx_packets and rx_bytes over the
# run; the replay's own count is kept too, and what veth dropped before
# CAP_IF, if anything, is a column of its own).  Kept: pcap tools, the
# records and frame bytes written (bench_check pcap); stream tools, the
# stream bytes written that equal tcpxfer's content (bench_check
# streams) over the TCP payload the prefix holds (bench_check pcap on
# the prefix).  A run is lossless when the tool kept all of it and its
# own drop counter (flowsplice, tcpdump) is 0.  The zero-loss rate of a
# tool is the rate the sender reached at the highest step of the ladder
# up to which every run was lossless (a lower bound when it lost nothing
# at any step); with several rounds the worst run counts.
#
# Knobs: LOAD_RATES (Mbit/s, default "500 1000 2000 4000 6000"), LOAD_SECS
# (per run, default 2), LOAD_REPS (rounds, default 1), LOAD_ROUND=N (one
# round, appended to the CSV as round N when N > 1: rounds in separate
# holds of the lock), LOAD_TOOLS (default "fs-pcap tcpdump fs-streams
# tcpflow"), LOAD_RECORD_MBIT (default 1000), LOAD_SEED.  BENCH_QUICK=1:
# one low rate, 1 s.
set -u
FS_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TOPO_ID=${TOPO_ID:-fsbl-$$}
. "$FS_ROOT/tests/e2e/lib.sh"
BENCH_RUN=$FS_ROOT/build/tools/bench_run
BENCH_CHECK=$FS_ROOT/build/tools/bench_check
. "$FS_ROOT/tools/bench/caplib.sh"

CSV=${1:-$FS_ROOT/build/bench/capture_load.csv}
MD=${CSV%.csv}.md
CMDS=${CSV%.csv}.commands
WORK=${BENCH_WORK:-$FS_ROOT/build/bench/work}/capture_load
PORT=5201
CONNS=4
RESP=$((1 << 20))
PEER_BUF_MIB=${BENCH_PEER_BUF_MIB:-64} # as capture.sh
SEED=${LOAD_SEED:-7}
RECORD_MBIT=${LOAD_RECORD_MBIT:-1000}
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	RATES=${LOAD_RATES:-200} SECS=${LOAD_SECS:-1} REPS=1
else
	RATES=${LOAD_RATES:-500 1000 2000 4000 6000}
	SECS=${LOAD_SECS:-2}
	REPS=${LOAD_REPS:-1}
fi
TOOLS=${LOAD_TOOLS:-fs-pcap tcpdump fs-streams tcpflow}

need_root
skip_if_no_xdp
for f in "$FS_BIN" "$TCPXFER" "$BENCH_RUN" "$BENCH_CHECK"; do
	[ -x "$f" ] || die "$f missing: run make"
done
for c in tcpdump tcpflow ethtool; do
	command -v "$c" >/dev/null || die "$c missing: run make deps"
done
mkdir -p "$(dirname "$CSV")" "$WORK"
RUN=$WORK/run
LOGS=$WORK/logs
rm -rf "$LOGS" "$RUN"
mkdir -p "$LOGS"
# The recording and its prefixes stay (the same load next time, and no
# minute spent cutting them under the network lock); a new recording
# removes the old prefixes.
topo_on_exit "rm -rf $RUN"
topo_trap
topo_up 1 || die "topology"
tc -n "$NS_A" qdisc del dev "$IF_A" clsact || die "mirror still on"
ROUND=${LOAD_ROUND:-}
[ -n "$ROUND" ] && REPS=1
if [ -z "$ROUND" ] || [ "$ROUND" = 1 ]; then
	: >"$CMDS"
fi

kv() { # key file: the value after "key=" in the last line
	tail -n 1 "$2" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# The recording, once per set of parameters: c2s payload enough for the
# top rate's LOAD_SECS (the frames, with headers and ACKs, are more).
record_trace() {
	local top=0 r bytes req params srv tpid want got
	for r in $RATES; do [ "$r" -gt "$top" ] && top=$r; done
	bytes=$((top * 1000000 * SECS / 8))
	req=$((bytes / CONNS))
	params="seed=$SEED conns=$CONNS req=$req resp=$RESP v=1"
	TRACE=$WORK/trace.pcap
	note_cmd "recording (offloads off on both veths: ethtool -K IF tso off gso off gro off tx off)" \
		"ip netns exec NS_B tcpdump -i $IF_B -s 0 -B 262144 -w ${TRACE#"$FS_ROOT"/} tcp port $PORT; ip netns exec NS_B tcpxfer server --port $PORT --conns $CONNS; ip netns exec NS_A tcpxfer client --connect $IP_B:$PORT --conns $CONNS --parallel $CONNS --req-bytes $req --resp-bytes $RESP --seed $SEED --rate $RECORD_MBIT"
	if [ -s "$TRACE" ] && [ "$(cat "$WORK/trace.params" 2>/dev/null)" = "$params" ]; then
		log "reusing $TRACE ($params)"
		return
	fi
	rm -f "$TRACE" "$WORK"/prefix-*
	log "recording $((bytes >> 20)) MiB of kernel TCP at $RECORD_MBIT Mbit/s"
	topo_ns_exec a ethtool -K "$IF_A" tso off gso off gro off tx off >/dev/null
	topo_ns_exec b ethtool -K "$IF_B" tso off gso off gro off tx off >/dev/null
	topo_bg b tcpdump -i "$IF_B" -s 0 -B 262144 -w "$TRACE" \
		tcp port "$PORT" 2>"$WORK/record.log"
	tpid=$TOPO_BG_PID
	for _ in $(seq 100); do
		grep -q "listening on" "$WORK/record.log" && break
		sleep 0.05
	done
	topo_bg b "$TCPXFER" server --port "$PORT" --conns "$CONNS" \
		--timeout 60 >"$WORK/server.log" 2>&1
	srv=$TOPO_BG_PID
	wait_port b "$PORT" || die "tcpxfer server did not start"
	topo_ns_exec a timeout 300 "$TCPXFER" client --connect "$IP_B:$PORT" \
		--conns "$CONNS" --parallel "$CONNS" --req-bytes "$req" \
		--resp-bytes "$RESP" --seed "$SEED" --rate "$RECORD_MBIT" \
		>"$WORK/client.log" 2>&1 || die "recording transfer failed"
	wait "$srv"
	sleep 1.2 # the last TPACKET block retires
	kill -INT "$tpid"
	wait "$tpid"
	want=$(($(kv c2s_bytes "$WORK/client.log") + $(kv s2c_bytes "$WORK/client.log")))
	got=$("$BENCH_CHECK" pcap --port "$PORT" "$TRACE" |
		sed -n 's/^total .* payload_unique \([0-9]*\) holes \([0-9]*\) .*/\1 \2/p')
	if ! grep -q "^0 packets dropped by kernel" "$WORK/record.log" ||
		[ "$got" != "$want 0" ]; then
		die "the recording is not whole (payload, holes: $got of $want; $(tail -n 2 "$WORK/record.log")): lower LOAD_RECORD_MBIT"
	fi
	echo "$params" >"$WORK/trace.params"
}

# The prefix of the recording that lasts SECS at RATE, in whole records:
# PREFIX, and its frames, frame bytes and TCP payload (OFF_*).
cut_prefix() { # rate
	local limit=$(($1 * 1000000 * SECS / 8))
	PREFIX=$WORK/prefix-$1-$SECS.pcap
	if [ ! -s "$PREFIX.info" ] || [ ! -s "$PREFIX" ]; then
		python3 - "$TRACE" "$PREFIX" "$limit" >"$PREFIX.info" <<'PY' ||
import struct, sys
src, dst, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(src, "rb") as f:
    hdr = f.read(24)
    e = "<" if struct.unpack_from("<I", hdr)[0] in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    n = fb = 0
    while fb < limit:
        rh = f.read(16)
        if len(rh) < 16:
            sys.exit(f"{src}: {fb} frame bytes, fewer than {limit}")
        caplen = struct.unpack_from(e + "I", rh, 8)[0]
        f.seek(caplen, 1)
        n += 1
        fb += caplen
    end = f.tell()
    f.seek(0)
    with open(dst, "wb") as o:
        left = end
        while left:
            b = f.read(min(left, 1 << 24))
            o.write(b)
            left -= len(b)
print(n, fb)
PY
			die "cannot cut the recording for $1 Mbit/s"
		"$BENCH_CHECK" pcap --port "$PORT" "$PREFIX" |
			sed -n 's/^total .* payload_unique \([0-9]*\) .*/\1/p' \
				>>"$PREFIX.info"
	fi
	read -r OFF_PKTS _ <"$PREFIX.info"
	OFF_PAYLOAD=$(tail -n 1 "$PREFIX.info")
}

cap_rx() { # "rx_packets rx_bytes" of CAP_IF
	topo_ns_exec cap cat "/sys/class/net/$CAP_IF/statistics/rx_packets" \
		"/sys/class/net/$CAP_IF/statistics/rx_bytes" | paste -sd ' '
}

jnum() { # file key: a top-level number of the replay's --stats-json
	sed -n "s/^  \"$2\": \([0-9.]*\),*$/\1/p" "$1"
}

HEADER="rate_mbit,rep,tool,secs,sent_pkts,sent_bytes,replay_mbit"
HEADER+=",offered_pkts,offered_bytes,offered_payload,lost_before_cap"
HEADER+=",kept_pkts,kept_bytes,kept_payload,pkt_share,byte_share"
HEADER+=",tool_drops,cpu_user_s,cpu_sys_s,sender_secs,sender_user_s"
HEADER+=",sender_sys_s,lossless,load1,note"
# LOAD_ROUND=N (N > 1): this invocation is round N, appended to the CSV;
# the report covers every round in it, so that several rounds need not
# hold the network lock at once.
if [ -z "$ROUND" ] || [ "$ROUND" = 1 ] || [ ! -s "$CSV" ]; then
	echo "$HEADER" >"$CSV"
fi

# One run: the tool captures while the prefix for RATE is replayed.
run_case() { # rate rep tool
	local rate=$1 rep=$2 tool=$3 rx0 rx1 md0 pk by sk mbit drops u=0 s=0
	local su=0 ss=0 el
	local opk oby kpk="" kby="" kpl="" psh bsh lossless note="" load out
	rm -rf "$RUN"
	mkdir -p "$RUN/out"
	TPID=""
	if [ "$tool" != none ] && ! start_tool "$tool"; then
		note="tool did not start: $(tail -n 1 "$RUN/tool.err")"
		stop_tool
		TPID=""
	fi
	read -r load _ </proc/loadavg
	read -r -a rx0 < <(cap_rx)
	md0=$(topo_mirror_drops)
	local cmd=("$FS_BIN" replay -i "$MIR_IF" -r "$PREFIX" -q --mbps "$rate"
		--stats-json "$RUN/replay.json")
	[ "$rep" = 1 ] && note_cmd "load at $rate Mbit/s" \
		"ip netns exec NS_A ${cmd[*]#"$FS_ROOT"/}"
	topo_ns_exec a timeout 300 "$BENCH_RUN" "$RUN/replay.rusage" "${cmd[@]}" \
		>"$RUN/replay.log" 2>&1 ||
		note+="replay failed: $(tail -n 1 "$RUN/replay.log") "
	# The last frames reach the tool, and AF_PACKET tools see a
	# TPACKET_V3 block only once it retires (libpcap: 1 s timeout here).
	sleep 1.2
	read -r -a rx1 < <(cap_rx)
	[ -n "$TPID" ] && stop_tool
	pk=$(jnum "$RUN/replay.json" packets)
	by=$(jnum "$RUN/replay.json" bytes)
	el=$(jnum "$RUN/replay.json" elapsed_s)
	mbit=$(awk -v g="$(jnum "$RUN/replay.json" gbps)" \
		'BEGIN { printf "%.1f", g * 1000 }')
	sk=$(sed -n 's/.*"skipped": {"too_large": \([0-9]*\),.*/\1/p' \
		"$RUN/replay.json")
	[ "${sk:-0}" = 0 ] || note+="replay skipped $sk frames as too large "
	opk=$((rx1[0] - rx0[0]))
	oby=$((rx1[1] - rx0[1]))
	drops=""
	[ "$tool" != none ] && drops=$(tool_drops "$tool")
	[ -s "$RUN/rusage" ] && read -r u s _ <"$RUN/rusage"
	[ -s "$RUN/replay.rusage" ] && read -r su ss _ <"$RUN/replay.rusage"
	shopt -s nullglob
	out=("$RUN"/out/cap.pcap*)
	shopt -u nullglob
	if [ "$tool" = none ]; then
		psh="" bsh="" lossless=""
	elif [ ${#out[@]} -gt 0 ]; then
		read -r kpk kby < <("$BENCH_CHECK" pcap --port "$PORT" "${out[@]}" |
			sed -n 's/^total records \([0-9]*\) record_bytes \([0-9]*\) .*/\1 \2/p')
		kby=$((kby - 16 * kpk)) # without the record headers
		psh=$(awk -v k="$kpk" -v o="$opk" 'BEGIN { printf "%.4f", o ? k / o : 0 }')
		bsh=$(awk -v k="$kby" -v o="$oby" 'BEGIN { printf "%.4f", o ? k / o : 0 }')
		lossless=$([ "$kpk" = "$opk" ] && [ "$kby" = "$oby" ] && echo 1 || echo 0)
	else
		mapfile -t out < <(find "$RUN/out" -type f 2>/dev/null)
		kpl=$("$BENCH_CHECK" streams --seed "$SEED" --conns "$CONNS" \
			--req-bytes "$REQ" --resp-bytes "$RESP" "${out[@]}" |
			sed -n 's/^total want [0-9]* covered \([0-9]*\)/\1/p')
		psh=""
		bsh=$(awk -v k="${kpl:-0}" -v o="$OFF_PAYLOAD" \
			'BEGIN { printf "%.4f", o ? k / o : 0 }')
		lossless=$([ "${kpl:-0}" = "$OFF_PAYLOAD" ] && echo 1 || echo 0)
	fi
	[ "${drops:-0}" = 0 ] || lossless=0
	[ -n "$TPID" ] || [ "$tool" = none ] || lossless=0
	echo "$rate,$rep,$tool,$SECS,$pk,$by,$mbit,$opk,$oby,$OFF_PAYLOAD,$(($(topo_mirror_drops) - md0)),$kpk,$kby,$kpl,$psh,$bsh,$drops,$u,$s,$el,$su,$ss,$lossless,$load,$note" >>"$CSV"
	log "$rate Mbit/s rep $rep $tool: replay $mbit Mbit/s, offered $opk pkts," \
		"kept ${kpk:-$kpl} (share $bsh of bytes), drops ${drops:-n/a}, lossless $lossless"
	for f in tool.err replay.log stats.json; do
		[ -e "$RUN/$f" ] && cp "$RUN/$f" "$LOGS/$rate-$rep-$tool.$f"
	done
	rm -rf "$RUN"
	sync
}

record_trace
REQ=$(sed -n 's/.* req=\([0-9]*\) .*/\1/p' "$WORK/trace.params")
for rate in $RATES; do
	cut_prefix "$rate"
	[ "$OFF_PKTS" -gt 0 ] || die "empty prefix for $rate Mbit/s"
done
top=0
for rate in $RATES; do [ "$rate" -gt "$top" ] && top=$rate; done
for ((rep = 1; rep <= REPS; rep++)); do
	for rate in $RATES; do
		cut_prefix "$rate"
		# The sender alone at the top rate: what it reaches with no
		# capture taking CPU from it.
		tools=$TOOLS
		[ "$rate" = "$top" ] && tools="none $TOOLS"
		for tool in $tools; do
			run_case "$rate" "${ROUND:-$rep}" "$tool"
		done
	done
done

python3 - "$CSV" "$CMDS" "$SECS" "$CONNS" "$RECORD_MBIT" >"$MD" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
secs, conns, rec = sys.argv[3], sys.argv[4], sys.argv[5]
label = {"fs-pcap": "flowsplice capture -w", "tcpdump": "tcpdump -w",
         "fs-streams": "flowsplice capture --streams", "tcpflow": "tcpflow -i"}
pairs = [("fs-pcap", "tcpdump"), ("fs-streams", "tcpflow")]
rates = sorted({int(r["rate_mbit"]) for r in rows})
reps = len({r["rep"] for r in rows})
SHORT = 0.95  # a sender below this share of the rate asked is noted
def runs(tool, rate):
    return [r for r in rows if r["tool"] == tool and int(r["rate_mbit"]) == rate]
def worst(tool, rate, col):
    v = [float(r[col]) for r in runs(tool, rate) if r[col]]
    return min(v) if v else None
def lossless(tool, rate):
    rs = runs(tool, rate)
    return bool(rs) and all(r["lossless"] == "1" for r in rs)
def zero_loss(tool):
    """(rate, bound): the sender's rate (the lowest of the rounds) at the
    highest step the tool kept whole, every lower step whole too; bound:
    it lost nothing at any step (its own limit is higher)."""
    best = 0.0
    for rate in rates:
        if not lossless(tool, rate):
            return best, False
        best = worst(tool, rate, "replay_mbit")
    return best, True
def pct(v):
    return "n/a" if v is None else f"{100 * v:.2f}%"
print(f"The offered load is a recording of real kernel TCP ({conns} "
      f"connections of tcpxfer's seeded content, MTU-sized frames, taken "
      f"at {rec} Mbit/s), replayed by `flowsplice replay --mbps R` for "
      f"{secs} s per run onto the capture veth; at each rate the tools "
      f"take turns on the very same packets.  Offered: what entered the "
      f"capture interface (its rx counters; equal to what the replay "
      f"sent in every run unless said below).  Kept: pcap tools, records "
      f"and frame bytes written; stream tools, stream bytes equal to what "
      f"was sent, over the TCP payload offered.  {reps} round(s); with "
      f"more, the worst run counts.  **Bold**: lossless (everything kept, "
      f"the tool's own drop counter 0).  The sender shares the 2 CPUs, "
      f"and the kernel's delivery to the capture (generic XDP and the "
      f"copy into the UMEM, or the copy into the TPACKET ring) runs in "
      f"its context: where it reached less than {SHORT:.0%} of the rate "
      f"asked, the cell gives the rate it reached (Mbit/s).")
print()
print("| offered Mbit/s | packets | "
      + " | ".join(label[t] for p in pairs for t in p) + " |")
print("| ---: | ---: |" + " ---: |" * 4)
for rate in rates:
    any_r = [r for r in rows if int(r["rate_mbit"]) == rate]
    cells = []
    for p in pairs:
        for t in p:
            if not runs(t, rate):
                cells.append("")
                continue
            if t in ("fs-pcap", "tcpdump"):
                c = (f"{pct(worst(t, rate, 'pkt_share'))} pkts, "
                     f"{pct(worst(t, rate, 'byte_share'))} bytes")
            else:
                c = f"{pct(worst(t, rate, 'byte_share'))} stream bytes"
            c = f"**{c}**" if lossless(t, rate) else c
            ach = worst(t, rate, "replay_mbit")
            if ach is not None and ach < SHORT * rate:
                c += f" (sent at {ach:.0f})"
            cells.append(c)
    print(f"| {rate} | {any_r[0]['offered_pkts']} | " + " | ".join(cells)
          + " |")
def reached(tool):
    v = sorted(float(r["replay_mbit"]) for r in runs(tool, rates[-1])
               if r["replay_mbit"])
    if not v:
        return ""
    return f"{v[0]:.0f}" if v[0] == v[-1] else f"{v[0]:.0f}-{v[-1]:.0f}"
def kernel_us(tool):
    """The sender's system time per packet sent at the top step, in us
    (its transmit, and the delivery to the capture run in its context)."""
    v = sorted(float(r["sender_sys_s"]) * 1e6 / int(r["sent_pkts"])
               for r in runs(tool, rates[-1])
               if r.get("sender_sys_s") and r["sent_pkts"])
    if not v:
        return ""
    return f"{v[0]:.2f}" if v[0] == v[-1] else f"{v[0]:.2f}-{v[-1]:.2f}"
print(f"| sender at the top step, Mbit/s | | "
      + " | ".join(reached(t) for p in pairs for t in p) + " |")
print(f"| sender's system time per packet there, us | | "
      + " | ".join(kernel_us(t) for p in pairs for t in p) + " |")
if runs("none", rates[-1]):
    print()
    print(f"With no capture running, the sender reached {reached('none')} "
          f"Mbit/s at the top step ({rates[-1]} asked), at "
          f"{kernel_us('none')} us of system time per packet; the "
          f"difference is what each capture's delivery (softirq work in "
          f"the sender's context) and its process took from it.")
print()
print("Zero-loss rate: the rate the sender reached at the highest step "
      "the tool kept whole, every lower step whole too; \"at least\" when "
      "the tool lost nothing at any step (the ladder, or the sender, ran "
      "out first), and the ratio is then a bound.")
print()
print("| flowsplice | peer | zero-loss rate, Mbit/s (fs vs peer) | ratio "
      "| share kept at the top step, fs / peer |")
print("| --- | --- | ---: | ---: | ---: |")
top = rates[-1] if rates else None
for fs, peer in pairs:
    if not runs(fs, top) or not runs(peer, top):
        continue
    (a, abound), (b, bbound) = zero_loss(fs), zero_loss(peer)
    col = "pkt_share" if fs == "fs-pcap" else "byte_share"
    def fmt(v, bound):
        if not v:
            return f"< {rates[0]}"
        return f"at least {v:.0f}" if bound else f"{v:.0f}"
    if abound and bbound:
        zr = "n/a: neither lost a packet"
    elif not b:
        zr = "n/a: the peer lost at every step"
    elif abound:
        zr = f"**at least {a / b:.2f}x**"
    elif bbound:
        zr = f"**at most {a / b:.2f}x**"
    else:
        zr = f"**{a / b:.2f}x**"
    sa, sb = worst(fs, top, col), worst(peer, top, col)
    sr = f"{sa / sb:.2f}x" if sa is not None and sb else "n/a"
    print(f"| {label[fs]} | {label[peer]} | {fmt(a, abound)} vs "
          f"{fmt(b, bbound)} | {zr} | {sr} ({pct(sa)} vs {pct(sb)}) |")
lost = [r for r in rows if r["lost_before_cap"] not in ("", "0")]
if lost:
    print()
    print(f"veth dropped frames before the capture interface in "
          f"{len(lost)} run(s) (column lost_before_cap of the CSV); "
          "the shares are of what entered it.")
print()
print("Commands (ns A replays on mir0, ns CAP captures on cap0; each "
      "rate replays its own prefix of the recording):")
print()
print(open(sys.argv[2]).read().rstrip())
PY
log "capture at fixed load: $CSV, $MD"
