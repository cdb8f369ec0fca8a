#!/bin/bash
# The classifier attached by an operator with `xdp-loader load -p PIN`:
# flowsplice capture --pin-path PIN adds its sockets, captures everything,
# and leaves the operator's program attached when it stops.
PRELOAD=1 exec "$(dirname "$0")/capture_pcap.sh"
