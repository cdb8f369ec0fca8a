#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# End to end: random loss (LOSS_PERMILLE, default 2%) injected on
# both directions before the mirror point, so the kernel retransmits and the
# capture sees holes filled out of order: 12 concurrent transfers (up to
# 12 MiB a direction) must still be reassembled exactly, with no gap.
# See streams_loss_test in streams_lib.sh.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/streams_lib.sh"
streams_loss_test before
