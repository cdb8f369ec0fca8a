#!/bin/bash
# `read --streams` onto a file system that fills up (a 2 MiB tmpfs in a
# private mount namespace, 8 MB of streams), with --max-open-files 2 so that
# files are closed and opened again all the time: no crash, exit 1 (write
# errors happened), no leftover temporary file, and every byte the summary
# counts as written is still in its stream file at its offset (no byte written
# before is deleted, none is wrong).
set -u
. "$(dirname "$0")/lib.sh"
need_tracegen
need_mount_ns

"$TRACEGEN" --case many --seed 4 --flows 60 --bytes 60000 --out "$work/t" >/dev/null

# check STREAMS_DIR STDERR: the stream files against the expected streams.
check() {
	python3 - "$work/t/expected" "$@" <<'PY'
import ipaddress, os, re, sys
exp, d, errf = sys.argv[1:4]
conn = {}
with open(os.path.join(exp, "conns.tsv")) as f:
    hdr = f.readline().rstrip("\n").split("\t")
    for l in f:
        c = dict(zip(hdr, l.rstrip("\n").split("\t")))
        conn[(str(ipaddress.ip_address(c["client"])), int(c["cport"]))] = c["conn"]
m = re.search(r"(\d+) bytes written", open(errf).read())
written = int(m.group(1))
index = os.path.getsize(os.path.join(d, "flows.jsonl"))
kept = wrong = 0
names = [os.path.relpath(os.path.join(r, n), d)
         for r, _, ns in os.walk(d) for n in ns]
for name in names:
    if name == "flows.jsonl":
        continue
    m = re.fullmatch(r"\d+/\d+-([0-9.]+)\.(\d+)-[0-9.]+\.\d+\.(c2s|s2c)", name)
    if not m:
        print("unexpected file", name)
        sys.exit(1)
    got = open(os.path.join(d, name), "rb").read()
    want = open(os.path.join(exp, "conn%s.%s" % (conn[(m[1], int(m[2]))], m[3])), "rb").read()
    if len(got) > len(want):
        print(name, "longer than its stream")
        sys.exit(1)
    # Unwritten bytes read as 0; written ones equal the stream's.
    kept += sum(1 for a, b in zip(got, want) if a == b and b)
    wrong += sum(1 for a, b in zip(got, want) if a != b and a)
stream = written - index
print("written %d (streams %d), nonzero bytes kept %d, wrong %d" %
      (written, stream, kept, wrong))
# A 256th of random stream bytes are 0: those cannot be told from holes.
sys.exit(0 if wrong == 0 and 0.98 * stream <= kept <= stream and
         stream > 1000000 else 1)
PY
}

bin=$FS_BIN
tag=${bin#"$FS_ROOT"/}
rm -rf "$work/mnt"
mkdir "$work/mnt"
unshare -m bash -c '
	mount -t tmpfs -o size=2m tmpfs "$1" || exit 99
	"$2" read -r "$3" --streams "$1/st" --max-open-files 2 2>"$4"
	rc=$?
	cp -a "$1/st" "$5"
	exit $rc' - "$work/mnt" "$bin" "$work/t/trace.pcap" \
	"$work/err" "$work/st-${tag//\//_}"
rc=$?
[ "$rc" -eq 99 ] && { echo "cannot mount a tmpfs"; exit 77; }
[ "$rc" -eq 1 ] || { bad "$tag: exit $rc, expected 1"; tail -5 "$work/err"; }
grep -E -q 'Sanitizer|runtime error:' "$work/err" &&
	{ bad "$tag: sanitizer report"; head -30 "$work/err"; }
errors=$(grep -o '[0-9]* write errors' "$work/err" | cut -d' ' -f1)
[ "${errors:-0}" -gt 0 ] || bad "$tag: no write error counted"
if check "$work/st-${tag//\//_}" "$work/err"; then
	echo "ok   $tag: every byte written is in place"
else
	bad "$tag: stream files lost or garbled bytes"
fi
exit $fail
