#!/bin/bash
# sanitized: no (times the tools against their peers)
# make bench, smoke sized: tools/bench/run.sh with BENCH_QUICK=1 into a
# temporary directory runs every benchmark and reports.  Checks only that
# it ran: a CSV row with the transfer complete for every capture tool and
# phase, a fixed-load row for every tool of capture_load.sh, every
# write-path variant, the summary CSVs and the report.  No
# timing is asserted (benchmarks are not tests).
set -u
FS_ROOT=${FS_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (netns, XDP)"; exit 77; }
OUT=$(mktemp -d /tmp/fs-bench-smoke-XXXXXX)
trap 'rm -rf "$OUT"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

BENCH_QUICK=1 BENCH_OUT=$OUT "$FS_ROOT/tools/bench/run.sh" ||
	fail "run.sh exited $?"
csv=$OUT/raw/capture.csv
[ -s "$csv" ] || fail "no $csv"
cat "$csv"
tools="fs-pcap tcpdump netsniff-ng tcpflow"
"$FS_BIN" capture --help | grep -q -- --streams &&
	tools+=" fs-streams fs-both"
for phase in sweep full; do
	for tool in $tools; do
		# Columns: phase, queues, tool, ..., client_ok (6), ...,
		# fraction (12); the transfer must have completed, and the
		# tool must have written something.
		awk -F, -v p="$phase" -v t="$tool" '$1 == p && $3 == t &&
			$6 == 4 && $12 > 0 { f = 1 } END { exit !f }' "$csv" ||
			fail "no complete $phase row for $tool"
	done
done
awk -F, '$1 == "full" && $3 == "none" && $6 == 4 { f = 1 }
	END { exit !f }' "$csv" || fail "no baseline (no capture) row"
for v in "writer,buffered" "writer,direct" "fio,buffered" "fio,direct"; do
	grep -q "^$v," "$OUT/raw/writepath.csv" || fail "no $v row"
done
for tool in flowsplice tcpreplay; do
	for input in 64B 1514B mixed; do
		awk -F, -v t="$tool" -v i="$input" '$1 == i && $2 == t &&
			$3 == "top" && $5 > 0 { f = 1 } END { exit !f }' \
			"$OUT/raw/replay.csv" || fail "no replay row for $tool, $input"
	done
done
# Columns: rate (1), tool (3), ..., offered_pkts (8), ..., kept_pkts
# (12), kept_payload (14): the load arrived and the tool wrote some of it.
for tool in fs-pcap tcpdump fs-streams tcpflow; do
	awk -F, -v t="$tool" '$3 == t && $8 > 0 && ($12 > 0 || $14 > 0) {
		f = 1 } END { exit !f }' "$OUT/raw/capture_load.csv" ||
		fail "no capture_load row for $tool"
done
grep -q "fixed offered load" "$OUT/RESULTS.md" ||
	fail "report lacks the fixed-load section"
for f in results/capture_summary.csv results/writepath_summary.csv \
	RESULTS.md; do
	[ -s "$OUT/$f" ] || fail "no $f"
done
grep -q "tcpdump -w" "$OUT/RESULTS.md" || fail "report lacks the peers"
echo PASS
