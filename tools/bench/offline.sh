#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Offline reassembly throughput: `flowsplice read --streams`, `tcpflow -r`
# and tshark on the same generated pcap (tracegen --case many: FLOWS
# interleaved connections, REORDER of their data segments displaced),
# read from the page cache.  Prints a markdown table: wall seconds, GB/s of
# pcap, CPU seconds per GB and the ratio to flowsplice, best of RUNS.
#
# tshark has no "write every stream" mode; `-q -z follow,tcp,raw,0` makes
# it dissect every packet with its TCP sequence analysis on (all streams)
# and reassemble one stream: a lower bound on the work of following all.
#
#   tools/bench/offline.sh            (FLOWS=1500 BYTES=400000 REORDER=0.05)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$root/build/flowsplice
gen=$root/build/tools/tracegen
FLOWS=${FLOWS:-1500}
BYTES=${BYTES:-400000}
REORDER=${REORDER:-0.05}
RUNS=${RUNS:-3}
work=${BENCH_DIR:-/tmp/fs-bench-offline}
mkdir -p "$work"
pcap=$work/many-$FLOWS-$BYTES-$REORDER/trace.pcap
[ -f "$pcap" ] || "$gen" --case many --seed 1 --flows "$FLOWS" \
	--bytes "$BYTES" --reorder "$REORDER" --out "$(dirname "$pcap")" >/dev/null
size=$(stat -c %s "$pcap")
cat "$pcap" >/dev/null # into the page cache

# best wall time of RUNS; prints "wall user sys"
measure() { # runs cmd...
	local runs=$1 best="" i t
	shift
	for ((i = 0; i < runs; i++)); do
		rm -rf "$work/out"
		mkdir -p "$work/out"
		sync
		/usr/bin/time -o "$work/time" -f '%e %U %S' "$@" >/dev/null 2>&1 ||
			echo "warning: $1 failed" >&2
		t=$(tail -n 1 "$work/time")
		if [ -z "$best" ] || awk -v a="$t" -v b="$best" \
			'BEGIN { split(a, x, " "); split(b, y, " "); exit !(x[1] < y[1]) }'; then
			best=$t
		fi
	done
	rm -rf "$work/out"
	echo "$best"
}

fs=$(measure "$RUNS" "$bin" read -r "$pcap" --streams "$work/out")
tf=$(measure "$RUNS" tcpflow -r "$pcap" -o "$work/out")
ts=$(measure 1 tshark -n -r "$pcap" -q -z follow,tcp,raw,0)

echo "pcap: $pcap ($size bytes, $FLOWS flows, reorder $REORDER)"
echo "kernel $(uname -r), $(nproc) CPUs, $(tcpflow -V 2>&1 | head -n 1), $(tshark -v 2>/dev/null | head -n 1)"
echo
echo "| tool | wall s | GB/s | CPU s/GB | time vs flowsplice |"
echo "| --- | ---: | ---: | ---: | ---: |"
row() { # name "wall user sys"
	awk -v n="$1" -v t="$2" -v f="$fs" -v sz="$size" 'BEGIN {
		split(t, a, " "); split(f, b, " "); gb = sz / 1e9;
		printf "| %s | %.2f | %.2f | %.2f | %.1fx |\n", n, a[1],
			gb / (a[1] > 0 ? a[1] : 0.01), (a[2] + a[3]) / gb,
			a[1] / (b[1] > 0 ? b[1] : 0.01) }'
}
row "flowsplice read --streams" "$fs"
row "tcpflow -r" "$tf"
row "tshark -q -z follow,tcp,raw,0" "$ts"
