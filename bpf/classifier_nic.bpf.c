// SPDX-License-Identifier: GPL-2.0
/*
 * classifier_nic: the classifier, loaded device-bound (prog_ifindex and
 * BPF_F_XDP_DEV_BOUND_ONLY) in native mode, that stamps packets with the
 * NIC's receive timestamp (bpf_xdp_metadata_rx_timestamp) where the NIC
 * gives one.  The same program as classifier.bpf.c otherwise, with the
 * same maps; the installed classifier.bpf.o (xdp-loader's) stays the
 * plain one, which loads on any interface and in any mode.
 */
#define FS_NIC_TS 1
#include "classifier.bpf.c"
