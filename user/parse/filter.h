/* SPDX-License-Identifier: GPL-2.0 */
/*
 * filter: the pcap-filter subset of the classifier's rule set.
 * filter_parse() compiles an expression into the rule set of
 * headers/fs_shared.h (a disjunction of conjunctions of possibly negated
 * predicates, lists of hosts, nets and ports as set predicates whose
 * members go to the set maps) that the XDP classifier evaluates with
 * libpcap's meaning; parse/filter_plan.h decides when an expression may
 * take this path.  filter_match() evaluates a rule set on a struct pkt
 * (the parser's view, VLAN tags skipped): the unit tests' check of the
 * normal form, not libpcap's meaning; `flowsplice read` matches with
 * libpcap.
 */
#ifndef FS_FILTER_H
#define FS_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "fs_shared.h"
#include "parse/pkt.h"

/* What an empty expression means: flowsplice is a TCP tool. */
#define FILTER_DEFAULT "tcp"

/* One member of a set predicate (FS_PRED_*_SET). */
struct filter_member {
	__u8 family; /* HOST_SET, NET_SET: 4 or 6 */
	__u8 plen; /* NET_SET: the prefix length */
	__u16 port; /* PORT_SET: host byte order */
	__u32 addr[4]; /* network byte order, IPv4 in addr[0], rest zero */
};

struct filter_set {
	__u8 kind; /* FS_PRED_HOST_SET, FS_PRED_NET_SET or FS_PRED_PORT_SET */
	__u32 n;
	struct filter_member *m; /* sorted, each member once */
};

/*
 * A rule set and the members of its set predicates (rs's preds name
 * sets[pred.set]).  skeleton (NULL when there is no set): the expression
 * with every list cut to its first member; parts: each member cut out,
 * as a primitive of its own, nparts NUL-terminated strings one after the
 * other.  libpcap checking the skeleton and every part checks the whole
 * expression, at a cost that grows with its length (libpcap's compiler
 * takes time that grows with the square of it: a minute for 1,000
 * hosts).
 */
struct filter_rules {
	struct fs_ruleset rs;
	__u32 nsets;
	struct filter_set sets[FS_MAX_SETS];
	char *skeleton;
	char *parts;
	size_t nparts, parts_len;
};

/*
 * Parse expr into *out (free it with filter_rules_free(), also after a
 * failure).  Returns 0, or -EINVAL with a one-line message in err that
 * names the offending token (or -E2BIG when the expression does not fit
 * FS_MAX_TERMS x FS_MAX_PREDS once in normal form, or its sets
 * FS_MAX_SETS and FS_SET_MAX_MEMBERS), or -ENOMEM.
 */
int filter_parse(const char *expr, struct filter_rules *out, char *err,
		 size_t errlen);

/* Free what out holds and empty it (a rule set matching nothing). */
void filter_rules_free(struct filter_rules *r);

/* The order of a set's members: family, prefix, port, address. */
int filter_member_cmp(const void *a, const void *b);

/* Members of all sets of kind (FS_PRED_*_SET) in r. */
size_t filter_rules_members(const struct filter_rules *r, int kind);

bool filter_match(const struct filter_rules *r, const struct pkt *p);

/* Join argv[0..argc-1] with spaces, as tcpdump does; caller frees. */
char *filter_join_args(int argc, char **argv);

#endif /* FS_FILTER_H */
