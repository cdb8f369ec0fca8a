#!/bin/bash
# `read --streams` of 2000 short connections, 16 at a time, each ended as
# soon as it closes (--closed-timeout 0), so that files and index lines
# alternate (about 14 MB of streams, each direction written once in an
# open-write-close chain when its FIN is in) onto a 2 MiB tmpfs
# that fills up in the middle: exit 1; the full disk is said once by the
# stream writer (one line; the index, when it cannot be written either,
# says so in one more), the loss is counted (write errors in the summary,
# and in the write_errors of the directions whose lines could still be
# written); every line of flows.jsonl is whole JSON; every direction whose
# write_errors is 0 has its file exactly as sent, every other file holds
# only bytes of its stream (nothing written is wrong or moved).
set -u
: "${FS_BIN:?}" "${FS_ROOT:?}"
gen=$FS_ROOT/build/tools/tracegen
[ -x "$gen" ] || { echo "build/tools/tracegen not built"; exit 77; }
unshare -m true 2>/dev/null || { echo "no mount namespaces"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
bad() { echo "FAIL $*"; fail=1; }

"$gen" --case many --seed 8 --flows 2000 --parallel 16 --bytes 3000 \
	--out "$work/t" >/dev/null
mkdir "$work/mnt"
unshare -m bash -c '
	mount -t tmpfs -o size=2m tmpfs "$1" || exit 99
	"$2" read -r "$3" --streams "$1/st" --closed-timeout 0 2>"$4"
	rc=$?
	cp -a "$1/st" "$5"
	exit $rc' - "$work/mnt" "$FS_BIN" "$work/t/trace.pcap" "$work/err" \
	"$work/st"
rc=$?
[ "$rc" -eq 99 ] && { echo "cannot mount a tmpfs"; exit 77; }
[ "$rc" -eq 1 ] || { bad "exit $rc, expected 1"; tail -5 "$work/err"; }
grep -E -q 'Sanitizer|runtime error:' "$work/err" &&
	{ bad "sanitizer report"; head -30 "$work/err"; }
nfull=$(grep -c 'write to .*No space left on device' "$work/err")
[ "$nfull" -eq 1 ] || bad "the full disk said $nfull times, not once"
errors=$(grep -o '[0-9]* write errors' "$work/err" | cut -d' ' -f1)
[ "${errors:-0}" -gt 0 ] || bad "no write error counted"
python3 - "$work/st" "$work/t/expected" <<'PY' || bad "index or files"
import ipaddress, json, os, sys
d, exp = sys.argv[1:3]
conn = {}
with open(os.path.join(exp, "conns.tsv")) as f:
    hdr = f.readline().rstrip("\n").split("\t")
    for l in f:
        c = dict(zip(hdr, l.rstrip("\n").split("\t")))
        conn[(str(ipaddress.ip_address(c["client"])), int(c["cport"]))] = c["conn"]
data = open(os.path.join(d, "flows.jsonl"), "rb").read()
assert not data or data.endswith(b"\n"), "a line is cut"
exact = hit = 0
for l in data.split(b"\n")[:-1]:
    r = json.loads(l)
    for dd in ("c2s", "s2c"):
        x = r[dd]
        want = open(os.path.join(exp, "conn%s.%s" % (
            conn[(r["client"], r["client_port"])], dd)), "rb").read()
        path = os.path.join(d, x["file"]) if x["file"] else None
        got = open(path, "rb").read() if path and os.path.exists(path) else b""
        if x["write_errors"] == 0:
            assert got == want, "%s: differs, no write error" % x["file"]
            exact += 1
        else:
            hit += 1
            assert len(got) <= len(want), x["file"]
            assert all(a == b or a == 0 for a, b in zip(got, want)), \
                "%s: a byte that was not sent" % x["file"]
print("lines %d: %d directions exact, %d with write errors" %
      (len(data.split(b"\n")) - 1, exact, hit))
assert exact > 0, "the disk was full from the start"
PY
[ $fail -eq 0 ] && echo "ok   exit 1, one message, $errors write errors"
exit $fail
