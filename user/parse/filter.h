/* SPDX-License-Identifier: GPL-2.0 */
/*
 * filter: the pcap-filter subset flowsplice understands.  filter_parse()
 * compiles an expression into the rule set of headers/fs_shared.h (a
 * disjunction of conjunctions of possibly negated predicates) that the
 * XDP classifier evaluates; filter_match() evaluates the same rule set in
 * userspace for offline mode, with the same semantics.
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
