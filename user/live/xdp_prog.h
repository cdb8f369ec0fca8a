/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xdp_prog: the classifier (bpf/classifier.bpf.c) as seen from userspace.
 * Attaches it to an interface through libxdp, or finds the one an operator
 * already loaded with `xdp-loader load` and leaves that one in place;
 * gives access to its maps: the xsks map for the AF_XDP sockets, the
 * double-buffered rule set with its set members, and the per-CPU
 * counters.
 *
 * Typical use by capture:
 *
 *	struct xdp_prog *xp;
 *	char why[160];
 *
 *	err = xdp_prog_attach(&xp, ifindex, XDP_PROG_MODE_AUTO, NULL,
 *			      why, sizeof(why));
 *	pr_info("classifier: %s\n", why);
 *	xdp_prog_set_rules(xp, &rules);
 *	... bpf_map_update_elem(xdp_prog_xsks_fd(xp), &queue, &xsk_fd, 0) ...
 *	xdp_prog_detach(xp);
 */
#ifndef FS_XDP_PROG_H
#define FS_XDP_PROG_H

#include <stdbool.h>
#include <stddef.h>

#include "fs_shared.h"
#include "parse/cbpf_xlate.h"
#include "parse/filter.h"

struct xdp_prog;

enum xdp_prog_mode {
	XDP_PROG_MODE_AUTO = 0, /* generic for virtual devices, else native */
	XDP_PROG_MODE_NATIVE,
	XDP_PROG_MODE_GENERIC, /* SKB mode */
};

/*
 * Attach the classifier to ifindex, or reuse the fs_classify program that
 * is already attached there (in whatever mode it was attached; mode is
 * then ignored).  pin_path (may be NULL): the directory whose maps to use
 * for a reused program, or where to pin the maps of a new one (bpffs is
 * mounted at /sys/fs/bpf when needed); NULL pins nothing.  AUTO picks
 * generic mode for veth and other devices without a parent device (native
 * XDP on a veth turns its peer's GSO off) and native mode otherwise,
 * falling back to generic when the driver refuses native XDP.
 *
 * why (may be NULL) receives one line for the start-up log: the mode and
 * the reason for it, and whether libxdp used its dispatcher or a single
 * (legacy) program.  This process is recorded in the classifier as the
 * capture that uses it.  Returns 0, or -errno with the cause in why;
 * nothing stays attached on failure.  -EBUSY: another flowsplice capture
 * that still runs uses the classifier (see xdp_prog_check_busy()); then
 * nothing was changed.
 */
int xdp_prog_attach(struct xdp_prog **out, int ifindex, enum xdp_prog_mode mode,
		    const char *pin_path, bool nic_ts, char *why,
		    size_t whylen);

/*
 * NIC timestamps (nic_ts above): in native mode a new classifier is
 * classifier_nic, loaded device-bound to the interface (prog_ifindex and
 * BPF_F_XDP_DEV_BOUND_ONLY, Linux 6.3), whose packets carry the NIC's
 * receive timestamp (bpf_xdp_metadata_rx_timestamp) where the NIC gives
 * one; if the kernel or the driver refuses it, or in generic mode (a
 * device-bound program attaches natively only), the plain classifier.
 * A device-bound program may tail-call the translated filter (a plain
 * program in fs_progs: the kernel refuses device-bound ones there), so
 * the filter swap works with either.  xdp_prog_nic_ts(): whether p is
 * device-bound (found in place: whether the attached program is
 * classifier_nic), and why not when it was asked for (*why, or NULL).
 */
bool xdp_prog_nic_ts(const struct xdp_prog *p, const char **why);
/*
 * Whether classifier_nic loads device-bound to ifindex (loaded, then
 * closed: nothing attached, for a capture to know before it opens its
 * files).  0, or -errno with the reason in why.
 */
int xdp_prog_probe_nic_ts(int ifindex, char *why, size_t whylen);
/* The mode xdp_prog_attach() would try first (AUTO resolved). */
enum xdp_prog_mode xdp_prog_resolve_mode(int ifindex, enum xdp_prog_mode mode);

/*
 * One capture per interface: the classifier runs a single rule set.
 * Returns -EBUSY, with the other capture's pid in why, when a flowsplice
 * capture that still runs uses the classifier attached to ifindex; 0
 * otherwise (no classifier, or its capture is gone).  Changes nothing,
 * so a capture can check before it opens its outputs.
 */
int xdp_prog_check_busy(int ifindex, char *why, size_t whylen);

/*
 * Find the fs_classify program attached to ifindex without attaching
 * anything (for `flowsplice filter -i`).  With pin_path, the maps come from
 * there and must be those of the attached program.  Returns 0, -ENOENT when
 * no classifier is attached, -ESTALE when pin_path does not hold the maps
 * of the attached classifier, or another -errno.
 */
int xdp_prog_find(int ifindex, const char *pin_path, struct xdp_prog **out);

/*
 * Detach the program if xdp_prog_attach() attached it (removing the pins it
 * made), never one it found in place, and clear this process's record as
 * its user; then free p.  NULL is a no-op.
 */
void xdp_prog_detach(struct xdp_prog *p);

/*
 * Keep the means to detach p once this process has given up its
 * privileges (-Z): a helper process, forked now with them, does nothing
 * but wait on a socket.  xdp_prog_detach() then has it detach the
 * program (and remove the pins it made), waiting for its answer; if this
 * process dies first, the helper detaches when the socket closes, so
 * even a killed capture leaves no classifier behind.  A no-op for a
 * program found in place (never detached).  Call it before any thread
 * is started.  Returns 0 or -errno.
 */
int xdp_prog_keep_detacher(struct xdp_prog *p);

/* The XSKMAP: key rx queue index, value an AF_XDP socket fd. */
int xdp_prog_xsks_fd(const struct xdp_prog *p);

/*
 * Install a rule set and its sets' members: written to the inactive
 * slot, then made active, so the classifier never sees half of one (see
 * xdp_rules_install()).  Returns the new generation (>= 1), or -errno.
 */
long xdp_prog_set_rules(struct xdp_prog *p, const struct filter_rules *r);

/* The maps a translated filter's epilogue uses (fds owned by p). */
void xdp_prog_filter_maps(const struct xdp_prog *p, struct cbpf_maps *out);

/*
 * Make the translated filter prog_fd decide every frame (one atomic
 * update of the fs_progs slot), or with prog_fd < 0 hand the decision
 * back to the rule set.  The slot holds its own reference: the caller may
 * close prog_fd.  The kernel empties fs_progs when the last file
 * descriptor or pin of the map goes, so a filter outlives this process
 * only while a capture runs or the maps are pinned.  0 or -errno.
 */
int xdp_prog_set_filter(struct xdp_prog *p, int prog_fd);

/* The id of the installed translated filter, 0 when none.  0 or -errno. */
int xdp_prog_filter_id(struct xdp_prog *p, __u32 *id);

/*
 * Read the active rule set and its sets' members (filter_rules_free()
 * it).  Returns 0 or -errno.
 */
int xdp_prog_get_rules(struct xdp_prog *p, struct filter_rules *out);

/* Counters summed over CPUs, indexed by enum fs_stat_id. 0 or -errno. */
int xdp_prog_read_stats(struct xdp_prog *p, __u64 out[FS_STAT_MAX]);

/* Frames redirected to the socket of one queue, summed over CPUs. */
int xdp_prog_read_qstats(struct xdp_prog *p, unsigned int queue, __u64 *out);

/* The mode in effect: NATIVE or GENERIC. */
enum xdp_prog_mode xdp_prog_mode(const struct xdp_prog *p);

/* True when the program was found in place rather than attached by us. */
bool xdp_prog_reused(const struct xdp_prog *p);

/* True when libxdp runs the program behind its dispatcher. */
bool xdp_prog_multiprog(const struct xdp_prog *p);

/* "auto", "native", "generic". */
const char *xdp_prog_mode_name(enum xdp_prog_mode mode);

#endif /* FS_XDP_PROG_H */
