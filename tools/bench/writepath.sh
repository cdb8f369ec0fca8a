#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The write path alone: flowsplice's writer (build/tools/bench_writer,
# pcap-like records from memory, clock stopped after close + fsync) in
# buffered and direct (aligned staging, O_DIRECT) mode, against fio's
# sequential write on the same file system, buffered and O_DIRECT, as the
# disk's physical limit.  Interleaved, BENCH_REPS rounds.
#
#   tools/bench/writepath.sh [CSV]      (default build/bench/writepath.csv)
#
# CSV: tool,mode,record,rep,bytes,seconds,gbs,cpu_s
# BENCH_QUICK=1 writes 64 MiB per run, one round.
set -u
FS_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CSV=${1:-$FS_ROOT/build/bench/writepath.csv}
WORK=${BENCH_WORK:-$FS_ROOT/build/bench/work}/writepath
WRITER=$FS_ROOT/build/tools/bench_writer
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	MIB=64 REPS=1
else
	MIB=${BENCH_WRITE_MIB:-1024}
	REPS=${BENCH_REPS:-3}
fi
RECORDS=${BENCH_RECORDS:-1514 65536}

[ -x "$WRITER" ] || { echo "writepath: $WRITER missing: run make" >&2; exit 1; }
command -v fio >/dev/null || { echo "writepath: fio missing: make deps" >&2; exit 1; }
mkdir -p "$WORK" "$(dirname "$CSV")"
trap 'rm -rf "$WORK"' EXIT
[ -s "$CSV" ] || echo "tool,mode,record,rep,bytes,seconds,gbs,cpu_s" >"$CSV"

writer_run() { # mode record rep
	local line
	# -s takes GiB; fractions give the quick mode's small files.
	line=$("$WRITER" -d "$WORK" -s "$(awk -v m="$MIB" \
		'BEGIN { print m / 1024 }')" -r "$2" -m "$1" -n 1 | tail -n 1)
	echo "$line" | awk -v rep="$3" '{
		for (i = 1; i <= NF; i++) {
			split($i, kv, "=")
			v[kv[1]] = kv[2]
			if ($i == "GB/s") gbs = $(i - 1)
		}
		sub(/s$/, "", v["total"]); sub(/s$/, "", v["cpu"])
		printf "writer,%s,%s,%s,%s,%s,%s,%s\n", $1, v["rec"], rep,
			v["bytes"], v["total"], gbs, v["cpu"] }' >>"$CSV"
	rm -f "$WORK"/*
}

# fio's runtime includes its end_fsync (a buffered 1 GiB run: 0.27 GB/s
# by its figure, 0.25 by the wall clock with its start-up).
fio_run() { # direct(0|1) rep
	local mode=buffered
	[ "$1" = 1 ] && mode=direct
	fio --name=seqwrite --filename="$WORK/fio.dat" --rw=write --bs=1M \
		--size="${MIB}M" --ioengine=io_uring --iodepth=8 \
		--direct="$1" --end_fsync=1 --output-format=json \
		>"$WORK/fio.json" 2>"$WORK/fio.err" ||
		{ cat "$WORK/fio.err" >&2; return 1; }
	python3 - "$WORK/fio.json" "$mode" "$2" >>"$CSV" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))["jobs"][0]
w, secs = j["write"], j["write"]["runtime"] / 1000
cpu = (j["usr_cpu"] + j["sys_cpu"]) / 100 * j["job_runtime"] / 1000
print(f"fio,{sys.argv[2]},1048576,{sys.argv[3]},{w['io_bytes']},"
      f"{secs:.3f},{w['io_bytes'] / secs / 1e9:.3f},{cpu:.2f}")
PY
	rm -f "$WORK"/*
}

CMDS=${CSV%.csv}.commands
{
	echo "- writer: \`bench_writer -d DIR -s $(awk -v m="$MIB" 'BEGIN { print m / 1024 }') -r RECORD -m buffered|direct -n 1\` (RECORD: ${RECORDS// /, })"
	echo "- fio: \`fio --name=seqwrite --filename=DIR/fio.dat --rw=write --bs=1M --size=${MIB}M --ioengine=io_uring --iodepth=8 --direct=0|1 --end_fsync=1 --output-format=json\`"
} >"$CMDS"
for ((rep = 1; rep <= REPS; rep++)); do
	for rec in $RECORDS; do
		writer_run buffered "$rec" "$rep"
		writer_run direct "$rec" "$rep"
	done
	fio_run 0 "$rep"
	fio_run 1 "$rep"
done
echo "writepath results in $CSV" >&2
