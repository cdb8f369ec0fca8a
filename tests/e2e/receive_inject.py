#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""An upload with forged segments injected in the middle of it.

  receive_inject.py IFACE SRC_MAC DST_MAC SRC_IP DST_IP PORT TCPXFER

Runs in the client's namespace.  Sends the first half of tcpxfer's
stream (seed 90, connection 0, 200000 bytes of body) on a kernel TCP
socket, learns the connection's sequence numbers from the receiver's
ACKs (an AF_PACKET socket on IFACE), then injects on IFACE, as a third
party on the path would:
  - a RST far outside the window          (must be ignored)
  - a RST inside the window, not exact    (must get a challenge ACK)
  - a SYN on the connection               (must get a challenge ACK)
  - data 2^30 bytes ahead                 (must be ACKed, not taken)
  - data just before the window's start   (a duplicate: ACKed, not taken)
  - a RST for a connection that does not exist (ignored)
then sends the rest and closes.  Prints how many challenge ACKs came
back; exits 1 if the connection failed.
"""
import socket
import struct
import subprocess
import sys
import time


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def frame(smac, dmac, sip, dip, sport, dport, seq, ack, flags, data=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xffffffff,
                      ack & 0xffffffff, 5 << 4, flags, 65535, 0, 0) + data
    ph = sip + dip + struct.pack("!BBH", 0, 6, len(tcp))
    c = csum(ph + tcp)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64,
                     6, 0, sip, dip)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return dmac + smac + b"\x08\x00" + ip + tcp


def main():
    ifc, smac, dmac, sip, dip, port, tcpxfer = sys.argv[1:8]
    smac = bytes.fromhex(smac.replace(":", ""))
    dmac = bytes.fromhex(dmac.replace(":", ""))
    sipb, dipb, port = socket.inet_aton(sip), socket.inet_aton(dip), int(port)
    data = subprocess.run([tcpxfer, "expect", "--seed", "90", "--conn", "0",
                           "--req-bytes", "200000", "--resp-bytes", "0",
                           "--dir", "c2s"], check=True,
                          stdout=subprocess.PIPE).stdout
    raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    raw.bind((ifc, 0))
    raw.settimeout(0.2)
    s = socket.create_connection((dip, port), timeout=10)
    cport = s.getsockname()[1]
    half = len(data) // 2
    s.sendall(data[:half])
    time.sleep(0.5)
    # The receiver's latest ACK: its seq and what it acknowledges.
    last = None
    t0 = time.time()
    while time.time() - t0 < 1.0:
        try:
            f = raw.recv(2048)
        except socket.timeout:
            break
        if len(f) < 54 or f[12:14] != b"\x08\x00" or f[23] != 6:
            continue
        ihl = (f[14] & 15) * 4
        t = f[14 + ihl:]
        sp, dp, seq, ack = struct.unpack("!HHII", t[:12])
        if sp == port and dp == cport and f[26:30] == dipb:
            last = (seq, ack)
    if not last:
        print("no ACK from the receiver seen", file=sys.stderr)
        return 1
    srv_seq, rcv_nxt = last

    def inject(seq, ack, flags, payload=b"", sport=cport):
        raw.send(frame(smac, dmac, sipb, dipb, sport, port, seq, ack, flags,
                       payload))

    # Drain what the sniffer holds, then count challenge ACKs.
    while True:
        try:
            raw.recv(2048)
        except socket.timeout:
            break
    inject(rcv_nxt + (1 << 31), 0, 0x04)              # RST, far away
    inject(rcv_nxt + 1000, 0, 0x04)                   # RST, in window
    inject(rcv_nxt + 12345, 0, 0x02)                  # SYN
    inject(rcv_nxt + (1 << 30), srv_seq, 0x18, b"X" * 100)   # data, far
    inject(rcv_nxt - 100, srv_seq, 0x18, data[half - 100:half])  # dup
    inject(7, 0, 0x04, sport=cport ^ 0x5555)          # RST, no such conn
    acks = 0
    t0 = time.time()
    while time.time() - t0 < 0.5:
        try:
            f = raw.recv(2048)
        except socket.timeout:
            break
        if len(f) < 54 or f[12:14] != b"\x08\x00" or f[23] != 6:
            continue
        ihl = (f[14] & 15) * 4
        t = f[14 + ihl:]
        sp, dp, seq, ack = struct.unpack("!HHII", t[:12])
        if sp == port and dp == cport and t[13] == 0x10 and ack == rcv_nxt:
            acks += 1
    s.sendall(data[half:])
    s.shutdown(socket.SHUT_WR)
    if s.recv(1) != b"":
        print("data from the receiver", file=sys.stderr)
        return 1
    s.close()
    print(f"acks_after_injection={acks}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
