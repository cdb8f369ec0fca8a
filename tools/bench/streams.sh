#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Stream output offline, side by side in one run: `flowsplice read
# --streams` (O_DIRECT, the default, and --stream-io buffered) against
# `tcpflow -r`, and the small-file creation rate of the same file system
# (tools/bench_create) as the ceiling for short flows.
#
#   bulk:  tracegen many, BULK_FLOWS interleaved connections of
#          BULK_BYTES (+ a third back), 5% of segments reordered
#   churn: tracegen many, CHURN_FLOWS connections of CHURN_BYTES, at most
#          CHURN_PAR at once (each next one starting as one ends)
#   create: bench_create, two files per churn flow (CHURN_BYTES + a third,
#          the mean of both directions), open-write-close chains
#
# Every run writes to a file system made for it (tools/bench/fslib.sh: a
# fresh ext4 on a loop file on the benchmarks' disk).  The
# input is read once beforehand (page cache warm); the clock runs from the
# start until `sync` returns, so that what is still in the page cache
# counts.  RUNS rounds of every tool in turn; medians, with the range.
#
#   tools/bench/streams.sh [OUT.md]      (root: mkfs, losetup, mount)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$root/build/flowsplice
gen=$root/build/tools/tracegen
create=$root/build/tools/bench_create
out_md=${1:-/dev/stdout}
work=${BENCH_WORK:-$root/build/bench/work}/streams
RUNS=${RUNS:-3}
BULK_FLOWS=${BULK_FLOWS:-1000}
BULK_BYTES=${BULK_BYTES:-300000}
CHURN_FLOWS=${CHURN_FLOWS:-100000}
CHURN_BYTES=${CHURN_BYTES:-2000}
CHURN_PAR=${CHURN_PAR:-64}
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	RUNS=1 BULK_FLOWS=20 BULK_BYTES=100000 CHURN_FLOWS=500
fi
[ "$(id -u)" = 0 ] || { echo "streams.sh: needs root (mkfs, mount)" >&2; exit 1; }
for t in "$bin" "$gen" "$create"; do
	[ -x "$t" ] || { echo "streams.sh: $t missing: run make" >&2; exit 1; }
done
command -v tcpflow >/dev/null || { echo "streams.sh: tcpflow missing" >&2; exit 1; }

mkdir -p "$work"
. "$root/tools/bench/fslib.sh"
fs_init "$work"
trap fs_done EXIT

trace() { # name flows bytes extra-args...
	local d=$work/$1
	if [ ! -f "$d/trace.pcap" ]; then
		rm -rf "$d"
		"$gen" --case many --seed 1 --flows "$2" --bytes "$3" "${@:4}" \
			--out "$d" >/dev/null
		rm -rf "$d/expected" # only the trace is needed here
	fi
	cat "$d/trace.pcap" >/dev/null
	echo "$d/trace.pcap"
}

# measure TAG cmd...: one run on a fresh fs, in $FS_MNT; appends
# "TAG wall_s cpu_s maxrss_kb rc" to $work/runs
measure() {
	local tag=$1 s e rc
	shift
	fs_fresh
	s=$(date +%s.%N)
	rc=0
	(cd "$FS_MNT" && /usr/bin/time -o "$work/time" -f '%U %S %M' "$@" \
		>"$work/$tag.out" 2>"$work/$tag.err") || rc=$?
	sync
	e=$(date +%s.%N)
	read -r u sy rss <"$work/time" || true
	[ "$rc" = 0 ] || tail -n 3 "$work/time" "$work/$tag.err" >&2
	echo "$tag $(echo "$e - $s" | bc) $(echo "${u:-0} + ${sy:-0}" | bc) ${rss:-0} $rc" >>"$work/runs"
}

bulk=$(trace bulk "$BULK_FLOWS" "$BULK_BYTES" --reorder 0.05)
churn=$(trace churn "$CHURN_FLOWS" "$CHURN_BYTES" --parallel "$CHURN_PAR")
: >"$work/runs"
nfiles=$((2 * CHURN_FLOWS))
fsize=$((CHURN_BYTES + CHURN_BYTES / 6)) # mean of B and B + B/3
for ((r = 0; r < RUNS; r++)); do
	measure bulk-fs "$bin" read -r "$bulk" --streams s
	measure bulk-fs-buffered "$bin" read -r "$bulk" --streams s \
		--stream-io buffered
	measure bulk-tcpflow tcpflow -r "$bulk" -o tf
	measure churn-fs "$bin" read -r "$churn" --streams s
	measure churn-tcpflow tcpflow -r "$churn" -o tf
	measure churn-create sh -c "mkdir c && exec $create -d c -n $nfiles -s $fsize -m chain"
done

python3 - "$work/runs" "$bulk" "$churn" "$CHURN_FLOWS" "$nfiles" \
	"$RUNS" >"$out_md" <<'PY'
import os, statistics, sys
runs, bulk, churn, nflows, nfiles, reps = sys.argv[1:7]
nflows, nfiles = int(nflows), int(nfiles)
t = {}
for l in open(runs):
    tag, wall, cpu, rss, rc = l.split()
    t.setdefault(tag, []).append((float(wall), float(cpu), int(rss), int(rc)))
def med(tag, i):
    return statistics.median(x[i] for x in t[tag])
def rng(tag, i):
    v = [x[i] for x in t[tag]]
    return f"{min(v):.2f}-{max(v):.2f}"
def failed(tag):
    return sum(1 for x in t[tag] if x[3])
print(f"Inputs: bulk {os.path.getsize(bulk) / 1e6:.0f} MB pcap "
      f"({bulk}), churn {os.path.getsize(churn) / 1e6:.0f} MB pcap, "
      f"{nflows} flows; {reps} rounds, medians (range); every run on a "
      f"fresh ext4, timed until sync returned.")
print()
print("| trace | tool | wall s | CPU s | peak RSS MiB | runs failed | "
      "tcpflow / tool (time) |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
for trace, tags in (("bulk", ("fs", "fs-buffered", "tcpflow")),
                    ("churn", ("fs", "tcpflow", "create"))):
    tf = med(f"{trace}-tcpflow", 0)
    names = {"fs": "flowsplice read --streams (direct)",
             "fs-buffered": "flowsplice read --streams --stream-io buffered",
             "tcpflow": "tcpflow -r", "create": f"bench_create ({nfiles} files)"}
    for k in tags:
        tag = f"{trace}-{k}"
        print(f"| {trace} | {names[k]} | {med(tag, 0):.2f} ({rng(tag, 0)}) "
              f"| {med(tag, 1):.2f} | {med(tag, 2) / 1024:.0f} | "
              f"{failed(tag)} | {tf / med(tag, 0):.2f}x |")
fs = med("churn-fs", 0)
cr = med("churn-create", 0)
print()
print(f"Churn: flowsplice wrote {nfiles / fs:.0f} files/s "
      f"({nflows / fs:.0f} flows/s), bench_create {nfiles / cr:.0f} "
      f"files/s on the same file system: {100 * cr / fs:.0f}% of the "
      f"creation rate.  Bulk: tcpflow took "
      f"{med('bulk-tcpflow', 0) / med('bulk-fs', 0):.2f}x flowsplice's time.")
PY
