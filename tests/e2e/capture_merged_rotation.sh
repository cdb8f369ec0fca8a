#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# End to end: a merged -w series (four queues, native mode, one file at a
# time for all of them) with rotation, retention and -z.  Every case
# checks that two queues or more captured (else the test is void) and
# that the records on disk are exactly what the stats JSON says was
# written and redirected, with no drop:
#  - size: -C 1: BASE, BASE1, ... each a complete pcap within 1 MB
#    (rotation_check.py --merged), tcpdump reads each;
#  - time: -G 1: one file per second, each record inside its interval
#    (within the flush interval: see rotation_check.py);
#  - ng: --format pcapng -C 1: each file's regions padded, its last block
#    the statistics of all queues, tshark reads each without complaint;
#  - ring: -C 1 -W 3: exactly BASE0..BASE2 are left, complete, the rest
#    deleted and counted, nothing renamed aside left behind;
#  - budget: -C 1 --max-disk 6M on a 64 MB file system: the files left
#    add up to at most 6 MiB and the oldest went;
#  - z: -C 1 -z CMD: every file handed to CMD once, as many commands as
#    files finished.
set -u
. "$(dirname "$0")/lib.sh"
need_root
skip_if_no_xdp

OUT=$(mktemp -d /tmp/fs-mrot-XXXXXX)
topo_on_exit "rm -rf $OUT"
topo_trap
small_fs_up "$OUT/fs" 64M
topo_up 4
topo_bg b "$TCPXFER" server --port 5201 --conns 100
wait_port b 5201

cat >"$OUT/z.sh" <<EOF
#!/bin/bash
exec 9>>"$OUT/zlock"
flock 9
echo "\$1" >>"$OUT/done"
EOF
chmod +x "$OUT/z.sh"

run() { # name dir capture-args...
	local name=$1 dir=$2 pid rc
	shift 2
	mkdir -p "$dir"
	topo_bg cap "$FS_BIN" capture -i "$CAP_IF" --xdp-mode native \
		tcp port 5201 -w "$dir/r.pcap" --stats-json "$OUT/$name.json" \
		"$@" 2>"$OUT/$name.log"
	pid=$TOPO_BG_PID
	wait_started "$OUT/$name.json" "$pid" "$OUT/$name.log"
	# 4 connections, 20 Mbit/s in all: 13 MB in about 5 s.
	topo_ns_exec a "$TCPXFER" client --connect "$IP_B:5201" --conns 4 \
		--parallel 4 --req-bytes 3M --resp-bytes 300K --rate 20 \
		--seed 21 || die "$name: transfer failed"
	sleep 0.3
	kill -INT "$pid"
	wait "$pid"
	rc=$?
	tail -n 4 "$OUT/$name.log"
	[ "$rc" = 0 ] ||
		{ grep -v '^rx ' "$OUT/$name.log" | head -n 60
		  die "$name: capture exited with $rc"; }
	python3 - "$OUT/$name.json" <<'PY' || die "$name: one queue got all"
import json, sys
q = json.load(open(sys.argv[1]))["queues"]
sys.exit(0 if sum(1 for x in q if x["rx_packets"]) >= 2 else 1)
PY
}

# files NAME DIR KEEP-REGEX COUNT|- MAX-BYTES|- FORMAT: the files left
# (names, count, budget), each complete; with retention, the counts.
files() {
	python3 - "$OUT/$1.json" "$2" "$3" "$4" "$5" "$6" <<'PY' || die "$1: files wrong"
import json, os, re, struct, sys
stats, d, pat, want, maxb, fmt = sys.argv[1:]
st = json.load(open(stats))
names = sorted(os.listdir(d))
bad = [n for n in names if not re.fullmatch(pat, n)]
assert not bad, f"unexpected names {bad} (of {names})"
if want != "-":
    assert len(names) == int(want), f"{len(names)} files, not {want}: {names}"
total = recs = 0
for n in names:
    b = open(os.path.join(d, n), "rb").read()
    if fmt == "pcap":
        assert struct.unpack_from("<I", b)[0] == 0xA1B23C4D, n
        off = 24
        while off < len(b):
            off += 16 + struct.unpack_from("<I", b, off + 8)[0]
            recs += 1
    else:
        off, pads, last = 0, 0, None
        while off < len(b):
            t, ln = struct.unpack_from("<II", b, off)
            pads += t == 0x8F5A0000
            recs += t == 6
            last = t
            off += ln
        assert pads >= 1 and last == 5, f"{n}: {pads} pads, last block {last}"
    assert off == len(b), f"{n} is not complete"
    total += len(b)
if maxb != "-":
    assert total <= int(maxb), f"{total} bytes kept, budget {maxb}"
fl = st.get("files", {})
q = st["queues"]
for x in q:
    assert x["write_errors"] == 0 and x["drops"]["write"] == 0, x
if want != "-" or maxb != "-":
    assert fl["deleted"] > 0 and fl["delete_errors"] == 0, fl
    assert fl["finished"] - fl["deleted"] == len(names), \
        f"finished {fl['finished']} - deleted {fl['deleted']} != {len(names)}"
else:
    written = sum(x["written"] for x in q)
    assert recs == written, f"{recs} records on disk, {written} written"
print(f"ok: {len(names)} files, {total} bytes, {recs} records")
PY
}

base=$FS_ROOT/tests/e2e/rotation_check.py

run size "$OUT/size" -C 1
python3 "$base" "$OUT/size" r.pcap --merged --size 1000000 \
	--stats "$OUT/size.json" | tail -n 2 || die "size: rotated files wrong"
for f in "$OUT/size"/*; do
	tcpdump -nr "$f" >/dev/null 2>"$OUT/err" ||
		die "tcpdump cannot read $f: $(cat "$OUT/err")"
done

run time "$OUT/time" -G 1
python3 "$base" "$OUT/time" r.pcap --merged --secs 1 \
	--stats "$OUT/time.json" | tail -n 2 || die "time: rotated files wrong"

run ng "$OUT/ng" -C 1 --format pcapng
files ng "$OUT/ng" 'r\.pcap[0-9]*' - - pcapng
for f in "$OUT/ng"/*; do
	tshark -r "$f" >/dev/null 2>"$OUT/err"
	grep -v 'Running as user "root"' "$OUT/err" | grep -q . &&
		die "ng: tshark on $f: $(cat "$OUT/err")"
done

run ring "$OUT/ring" -C 1 -W 3
files ring "$OUT/ring" 'r\.pcap[0-2]' 3 - pcap
grep -q "deleted .*r.pcap" "$OUT/ring.log" || die "ring: deletions not logged"

run budget "$OUT/fs/mnt/b" -C 1 --max-disk 6M
files budget "$OUT/fs/mnt/b" 'r\.pcap[0-9]*' - $((6 * 1024 * 1024)) pcap
ls "$OUT/fs/mnt/b" | grep -qx 'r.pcap' && die "budget: the oldest file is left"

run z "$OUT/z" -C 1 -z "$OUT/z.sh"
files z "$OUT/z" 'r\.pcap[0-9]*' - - pcap
python3 - "$OUT" <<'PY' || die "z: -z runs wrong"
import json, os, sys
d = sys.argv[1]
st = json.load(open(d + "/z.json"))["files"]
files = sorted(os.path.join(d, "z", n) for n in os.listdir(d + "/z"))
done = sorted(open(d + "/done").read().split())
assert len(files) >= 5, f"only {len(files)} files"
assert done == files, f"commands ran on {done}, files are {files}"
assert st["commands"] == st["finished"] == len(files), st
assert st["commands_failed"] == 0, st
print(f"ok: {len(files)} files, each handed to -z once")
PY
log "PASS"
