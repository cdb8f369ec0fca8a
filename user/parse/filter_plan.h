/* SPDX-License-Identifier: GPL-2.0 */
/*
 * filter_plan: which path evaluates an expression in XDP.  libpcap
 * compiles every expression first: it is the reference for the syntax
 * (its error message is the one the user sees) and for the meaning.
 * The rule-set path (filter.h, the classifier's maps: fast, lists of any
 * length at the cost of one, any number of updates) takes an expression
 * only when filter_parse() accepts it and none of the spellings on which
 * the hand-written parser and libpcap read different meanings occurs in
 * it; everything else runs as libpcap's program translated to eBPF
 * (cbpf_xlate.h).
 */
#ifndef FS_FILTER_PLAN_H
#define FS_FILTER_PLAN_H

#include <stddef.h>

#include "fs_shared.h"
#include "parse/filter.h"
#include "parse/pcap_expr.h"

/* What no expression means (Ethernet, as XDP sees frames). */
#define FILTER_PLAN_DEFAULT PCAP_EXPR_DEFAULT

enum filter_path {
	FILTER_PATH_RULES, /* the classifier's rule set */
	FILTER_PATH_BPF, /* libpcap's program, translated */
};

struct filter_plan {
	enum filter_path path;
	char why[320]; /* the path and why, one line */
	char *expr; /* as planned (the default spelled out) */
	struct filter_rules rules; /* FILTER_PATH_RULES */
	/*
	 * libpcap's program, Ethernet: always on the bpf path; on the rules
	 * path NULL until filter_plan_pcap() when the expression was checked
	 * by parts.
	 */
	struct pcap_expr *px;
};

/*
 * Plan expr (an empty string means FILTER_PLAN_DEFAULT).  Returns 0 with *out
 * allocated (filter_plan_free()), -EINVAL with libpcap's message in err,
 * or -ENOMEM.
 */
int filter_plan_new(const char *expr, struct filter_plan **out, char *err,
		    size_t errlen);
void filter_plan_free(struct filter_plan *fp);

/*
 * libpcap's program for the whole expression, compiled now if it was not
 * (slow for long lists: see filter_plan.c).  NULL with libpcap's message
 * in err when it cannot be compiled.
 */
struct pcap_expr *filter_plan_pcap(struct filter_plan *fp, char *err,
				   size_t errlen);

/* "rules" or "bpf". */
const char *filter_path_name(enum filter_path path);

#endif /* FS_FILTER_PLAN_H */
