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

#include "live/xdp_prog.h"
#include "parse/cbpf_xlate.h"
#include "parse/filter_plan.h"

/*
 * Load p; returns the program fd, or -errno with the verifier's last
 * words in why.
 */
int xdp_filter_load(const struct cbpf_prog *p, char *why, size_t whylen);

/*
 * Translate the classic program p[0..n-1] (maps: see cbpf_xlate()) and
 * load it: the program fd, or -errno with the translator's or the
 * verifier's message in why.
 */
int xdp_filter_build(const struct sock_filter *p, size_t n,
		     const struct cbpf_maps *maps, char *why, size_t whylen);

/*
 * Put fp into effect on the classifier xp: the rule set and its sets
 * (written, then the translated filter, if any, removed: one atomic
 * switch), or libpcap's
 * program translated against xp's maps, loaded and swapped into fs_progs
 * (atomic: a frame runs the old filter or the new one).  Returns 0, or
 * -errno with the cause in why.
 */
int xdp_filter_apply(struct xdp_prog *xp, struct filter_plan *fp, char *why,
		     size_t whylen);

#endif /* FS_XDP_FILTER_H */
