#!/bin/bash
# The same capture on a 2-queue capture veth: one socket per queue on a
# shared UMEM; together they hold every packet once (no loss, no dups).
QUEUES=2 exec "$(dirname "$0")/capture_pcap.sh"
