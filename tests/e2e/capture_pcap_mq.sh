#!/bin/bash
# The same capture on a multi-queue capture veth, one socket per queue on a
# shared UMEM.  Generic mode (the default on veth) reports every packet on
# queue 0 (DESIGN.md); native mode follows the sender's TX queue, so there
# each queue's socket must get its share.  Together they hold every packet
# exactly once.
set -u
here=$(dirname "$0")
QUEUES=2 XDP_MODE=generic PCAP_IO=buffered "$here/capture_pcap.sh" || exit $?
QUEUES=4 XDP_MODE=native EXPECT_SPREAD=1 exec "$here/capture_pcap.sh"
