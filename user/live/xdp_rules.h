/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xdp_rules: a rule set and the members of its sets in the classifier's
 * maps (fs_rules, fs_ctl, fs_hosts, fs_nets, fs_ports), written so that
 * the classifier never sees half of one: the inactive slot's members and
 * rules first, then one update of fs_ctl makes them active.  Used by
 * xdp_prog.h for an attached classifier and by the tests and tools that
 * run a loaded one.
 */
#ifndef FS_XDP_RULES_H
#define FS_XDP_RULES_H

#include "parse/filter.h"

struct xdp_rules_maps {
	int rules_fd, ctl_fd, hosts_fd, nets_fd, ports_fd;
};

/*
 * Install r: the inactive slot's old members removed, r's written there
 * with its rule set (generation: the active one's plus one, whatever
 * r->rs.generation says), then that slot made active.  Two installs in
 * quick succession may rewrite a slot a CPU is still reading: space them
 * by at least a packet's processing time (any human pace).  Returns the
 * new generation (>= 1), or -errno.
 */
long xdp_rules_install(const struct xdp_rules_maps *m,
		       const struct filter_rules *r);

/*
 * Read the active rule set and its sets' members into out (free it with
 * filter_rules_free()).  0 or -errno.
 */
int xdp_rules_read(const struct xdp_rules_maps *m, struct filter_rules *out);

#endif /* FS_XDP_RULES_H */
