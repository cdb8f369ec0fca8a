#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# End to end: flowsplice receive --http with curl (the kernel's TCP) as
# the client.  PUT with curl -T of 0 B, 1 MiB and 64 MiB (Expect:
# 100-continue), a chunked PUT, a POST, two uploads on one connection:
# 201 and each DIR/NAME byte for byte the file sent.  Then the refusals,
# each with its status and no file under the name: 409 (the name exists;
# the file unchanged), 413 (past --max-upload, by Content-Length and by
# chunks), 400 (unsafe names, a malformed request line, a body cut
# short), 405 (GET), 431 (a long head), 505 (HTTP/2.0); nothing outside
# DIR, no temporary file left.  Last, --overwrite replaces a name.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/receive_lib.sh"
RECV_PORT=8080
recv_init off
command -v curl >/dev/null || die "curl not installed"
SRC=$OUT/src
mkdir -p "$SRC"
: >"$SRC/empty"
head -c $((1024 * 1024)) /dev/urandom >"$SRC/one"
head -c $((64 * 1024 * 1024)) /dev/urandom >"$SRC/big"
head -c $((3 * 1024 * 1024 + 5)) /dev/urandom >"$SRC/three"
recv_start --http --max-upload 100M
URL=http://$IP_B:$RECV_PORT
put() { # expected-status curl-args...
	local want=$1 got
	shift
	got=$(topo_ns_exec a curl -sS -o /dev/null -w '%{http_code}' \
		--max-time 60 "$@") || true
	[ "$got" = "$want" ] || die "curl $*: $got, expected $want"
}
put 201 -T "$SRC/empty" "$URL/empty.bin"
put 201 -T "$SRC/one" "$URL/one.bin"
put 201 -T "$SRC/big" "$URL/big.bin"
put 201 -T "$SRC/three" -H 'Transfer-Encoding: chunked' "$URL/chunked.bin"
put 201 --data-binary @"$SRC/one" "$URL/post.bin"
out=$(topo_ns_exec a curl -sS -o /dev/null -w '%{http_code} %{num_connects}\n' \
	-T "$SRC/one" "$URL/k1" -T "$SRC/three" "$URL/k2")
[ "$(echo $out)" = "201 1 201 0" ] || die "two uploads on one connection: $out"
for f in empty:empty.bin one:one.bin big:big.bin three:chunked.bin \
	one:post.bin one:k1 three:k2; do
	cmp "$SRC/${f%%:*}" "$OUT/recv/${f#*:}" || die "${f#*:} differs from what was sent"
done
# Refusals.
put 409 -T "$SRC/three" "$URL/one.bin"
cmp "$SRC/one" "$OUT/recv/one.bin" || die "409 changed the file"
head -c $((101 * 1024 * 1024)) /dev/zero >"$SRC/huge"
put 413 -T "$SRC/huge" "$URL/huge.bin"
put 413 -T "$SRC/huge" -H 'Transfer-Encoding: chunked' "$URL/huge2.bin"
rm -f "$SRC/huge"
put 400 -T "$SRC/one" "$URL/.hidden"
put 400 -T "$SRC/one" --path-as-is "$URL/../escape"
put 400 -T "$SRC/one" "$URL/a%2Fb"
put 405 "$URL/one.bin"
raw() { # request-bytes (printf format) -> status code of the answer
	topo_ns_exec a timeout 10 python3 - "$IP_B" "$RECV_PORT" "$1" <<'PY'
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
s.sendall(sys.argv[3].encode().decode("unicode_escape").encode("latin-1"))
s.shutdown(socket.SHUT_WR)
data = b""
while True:
    b = s.recv(4096)
    if not b:
        break
    data += b
print(data.split(b" ")[1].decode() if data.startswith(b"HTTP/1.1 ") else "none")
PY
}
[ "$(raw 'PUT /x\r\n\r\n')" = 400 ] || die "a malformed request line: not 400"
[ "$(raw 'PUT /x HTTP/2.0\r\nContent-Length: 1\r\n\r\nx')" = 505 ] || die "HTTP/2.0: not 505"
[ "$(raw "PUT /x HTTP/1.1\r\nX: $(head -c 9000 /dev/zero | tr '\0' a)\r\n\r\n")" = 431 ] ||
	die "a long head: not 431"
[ "$(raw 'PUT /cut HTTP/1.1\r\nContent-Length: 100\r\n\r\nonly ten b')" = 400 ] ||
	die "a body cut short: not 400"
[ "$(raw 'PUT /nolen HTTP/1.1\r\n\r\n')" = 411 ] || die "no length: not 411"
[ "$(raw 'PUT / HTTP/1.1\r\nContent-Length: 1\r\n\r\nx')" = 400 ] || die "no name: not 400"
recv_stop
[ "$RECV_RC" = 0 ] || die "flowsplice receive exited with $RECV_RC"
ls -A "$OUT/recv" | sort >"$OUT/names"
printf '%s\n' big.bin chunked.bin empty.bin flows.jsonl k1 k2 one.bin post.bin |
	sort | diff - "$OUT/names" || die "DIR holds other files than the uploads"
[ -z "$(find "$OUT" -name escape)" ] || die "a file outside DIR"
v=$(recv_stat http.created)
[ "$v" = 7 ] || die "created $v, not 7"
for c in http.exists:1 http.too_large:2 http.not_allowed:1 http.head_too_large:1 \
	http.bad_version:1 http.length_required:1; do
	v=$(recv_stat "${c%:*}")
	[ "$v" = "${c#*:}" ] || die "${c%:*} is $v, not ${c#*:}"
done
[ "$(recv_stat http.bad_request)" -ge 5 ] || die "bad_request: $(recv_stat http.bad_request)"
# --overwrite replaces.
recv_start --http --overwrite
put 201 -T "$SRC/three" "$URL/one.bin"
recv_stop
[ "$RECV_RC" = 0 ] || die "flowsplice receive exited with $RECV_RC"
cmp "$SRC/three" "$OUT/recv/one.bin" || die "--overwrite did not replace one.bin"
log "PASS"
