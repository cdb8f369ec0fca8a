/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xdp_filter: a translated filter (parse/cbpf_xlate.h) as a loaded XDP
 * program.  The classifier reaches it through its fs_progs program array
 * (xdp_prog_set_filter()), so it is loaded with BPF_F_XDP_HAS_FRAGS like
 * the classifier.
 */
#ifndef FS_XDP_FILTER_H
#define FS_XDP_FILTER_H

#include <stddef.h>

#include "parse/cbpf_xlate.h"

/*
 * Load p; returns the program fd, or -errno with the verifier's last
 * words in why.
 */
int xdp_filter_load(const struct cbpf_prog *p, char *why, size_t whylen);

#endif /* FS_XDP_FILTER_H */
