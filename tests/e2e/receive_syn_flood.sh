#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# End to end: a SYN flood (from addresses nobody answers for, so no SYN-ACK
# is ever acknowledged) beside uploads.  The half-open table stays within
# --max-half-open, SYN cookies answer the rest, and the uploads, started
# during the flood, complete byte for byte.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/receive_lib.sh"
recv_init off
recv_start --max-half-open 32
topo_ns_exec a timeout 60 python3 - "$IF_A" "$MAC_A" "$MAC_B" "$IP_B" "$RECV_PORT" \
	20000 >"$OUT/flood.log" 2>&1 <<'PY' &
import random, socket, struct, sys
ifc, smac, dmac, dip, port, n = sys.argv[1:7]
smac = bytes.fromhex(smac.replace(":", ""))
dmac = bytes.fromhex(dmac.replace(":", ""))
dipb, port, n = socket.inet_aton(dip), int(port), int(n)

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
raw.bind((ifc, 0))
rnd = random.Random(7)
for i in range(n):
    sip = bytes([198, 18, 0, 128 + rnd.randrange(100)])
    tcp = struct.pack("!HHIIBBHHH", rnd.randrange(1024, 65536), port,
                      rnd.getrandbits(32), 0, 5 << 4, 0x02, 65535, 0, 0)
    c = csum(sip + dipb + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 0, 0x4000, 64, 6, 0,
                     sip, dipb)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    raw.send(dmac + smac + b"\x08\x00" + ip + tcp)
print(f"sent {n} SYNs")
PY
FLOOD=$!
sleep 0.3
upload during 95 4 2 $((4 * 1024 * 1024))
upload_wait during || die "the uploads during the flood failed"
wait "$FLOOD" || die "the flood did not run: $(cat "$OUT/flood.log")"
log "$(cat "$OUT/flood.log")"
recv_stop
[ "$RECV_RC" = 0 ] || die "flowsplice receive exited with $RECV_RC"
recv_check --run "seed=95,conns=4,req=$((4 * 1024 * 1024))" ||
	die "files differ from what was sent"
cmax=$(recv_stat tcp.conns_max)
log "half-open bound 32: at most $cmax connections at once, cookies sent" \
	"$(recv_stat tcp.cookies_sent), SYN-ACKs $(recv_stat tcp.syns)"
# 32 half-open, and the uploads (at most two at once).
[ "$cmax" -le 34 ] || die "$cmax connections at once, past the bound"
[ "$(recv_stat tcp.cookies_sent)" -gt 0 ] || die "no SYN cookie sent"
log "PASS"
