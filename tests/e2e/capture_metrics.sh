#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# End to end: --metrics and --metrics-file.  A capture serves
# http://127.0.0.1:PORT/metrics in its network namespace while a transfer
# runs; scrapes during it must be valid Prometheus text with every
# counter of the stats JSON at most its final value (metrics_check.py),
# a scrape once the traffic is over must equal the final stats JSON (but
# for what the stop itself writes), and
# so must the --metrics-file left at exit; its packet total must be the
# summary's.  Other paths get 404, other methods 405.
set -u
. "$(dirname "$0")/lib.sh"
need_root
skip_if_no_xdp
command -v curl >/dev/null || die "curl not installed"

OUT=$(mktemp -d /tmp/fs-metrics-XXXXXX)
topo_on_exit "rm -rf $OUT"
topo_trap
topo_up 1
topo_ns_exec cap ip link set lo up
PORT=9464
URL=http://127.0.0.1:$PORT

scrape() { # out-file [path]
	topo_ns_exec cap curl -sS --max-time 5 -o "$1" \
		-w '%{http_code} %{content_type}' "$URL${2:-/metrics}"
}

topo_bg b "$TCPXFER" server --port 5201 --conns 4
wait_port b 5201
topo_bg cap "$FS_BIN" capture -i "$CAP_IF" tcp port 5201 \
	-w "$OUT/c.pcap" --stats-json "$OUT/stats.json" \
	--metrics "127.0.0.1:$PORT" --metrics-file "$OUT/m.prom" \
	2>"$OUT/cap.log"
pid=$TOPO_BG_PID
wait_started "$OUT/stats.json" "$pid" "$OUT/cap.log"
[ -s "$OUT/m.prom" ] || { cat "$OUT/cap.log"; die "no --metrics-file"; }

topo_bg a "$TCPXFER" client --connect "$IP_B:5201" --conns 4 --parallel 2 \
	--req-bytes 4M --resp-bytes 1M --rate 30 --seed 9
client=$TOPO_BG_PID
during=()
for i in 1 2 3; do
	sleep 1.1
	r=$(scrape "$OUT/during$i.prom") || die "scrape $i failed"
	[ "$r" = "200 text/plain; version=0.0.4; charset=utf-8" ] ||
		die "scrape $i: $r"
	during+=(--during "$OUT/during$i.prom")
done
wait "$client" || die "the transfer failed"
r=$(scrape "$OUT/404" /other) || die "scrape of /other failed"
[ "${r%% *}" = 404 ] || die "/other: $r, not 404"
r=$(topo_ns_exec cap curl -sS --max-time 5 -o /dev/null -w '%{http_code}' \
	-X POST "$URL/metrics") || die "POST failed"
[ "$r" = 405 ] || die "POST /metrics: $r, not 405"
# Two intervals with no traffic: the served document is the final one.
sleep 2.5
scrape "$OUT/after.prom" >/dev/null || die "scrape after the transfer failed"
kill -INT "$pid"
wait "$pid"
rc=$?
tail -n 8 "$OUT/cap.log"
[ "$rc" = 0 ] || die "capture exited with $rc"

python3 "$FS_ROOT/tests/e2e/metrics_check.py" "$OUT/stats.json" \
	--settled "$OUT/after.prom" --final "$OUT/m.prom" "${during[@]}" ||
	die "metrics disagree with the stats JSON"
sum=$(sed -n 's/.*total: received \([0-9]*\) packets.*/\1/p' "$OUT/cap.log")
prom=$(awk '/^flowsplice_packets_total/ {s += $2} END {print s}' "$OUT/m.prom")
[ -n "$sum" ] && [ "$sum" = "$prom" ] ||
	die "summary received $sum packets, metrics $prom"
log "PASS: $sum packets in the summary and the metrics"
