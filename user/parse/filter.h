/* SPDX-License-Identifier: GPL-2.0 */
/*
 * filter: the pcap-filter subset of the classifier's rule set.
 * filter_parse() compiles an expression into the rule set of
 * headers/fs_shared.h (a disjunction of conjunctions of possibly negated
 * predicates) that the XDP classifier evaluates with libpcap's meaning;
 * parse/filter_plan.h decides when an expression may take this path.
 * filter_match() evaluates a rule set on a struct pkt (the parser's view,
 * VLAN tags skipped): the unit tests' check of the normal form, not
 * libpcap's meaning; `flowsplice read` matches with libpcap.
 */
#ifndef FS_FILTER_H
#define FS_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "fs_shared.h"
#include "parse/pkt.h"

/* What an empty expression means: flowsplice is a TCP tool. */
#define FILTER_DEFAULT "tcp"

/*
 * Parse expr into *out.  Returns 0, or -EINVAL with a one-line message in
 * err that names the offending token (or -E2BIG when the expression does
 * not fit FS_MAX_TERMS x FS_MAX_PREDS once in normal form).
 */
int filter_parse(const char *expr, struct fs_ruleset *out, char *err,
		 size_t errlen);

bool filter_match(const struct fs_ruleset *rs, const struct pkt *p);

/* Join argv[0..argc-1] with spaces, as tcpdump does; caller frees. */
char *filter_join_args(int argc, char **argv);

#endif /* FS_FILTER_H */
