// SPDX-License-Identifier: GPL-2.0
/*
 * filter_plan: picks the rule-set path or the translated path for an
 * expression (see filter_plan.h), and owns the libpcap program and the
 * rule set of the choice.
 *
 * Where the two parsers read the same words differently (issue 12's
 * differential run found these), the expression goes to libpcap:
 * - a number with a leading zero: octal in libpcap ("port 010" is 8);
 * - "net" without "/LEN" or "mask": libpcap's "net 0" is 0.0.0.0/32;
 * - a bare value after a parenthesised group: libpcap takes the
 *   qualifiers from before the group.
 * The rule-set path's own meaning (VLAN-tagged and non-IP frames, frames
 * cut short, ARP for IPv4 hosts) is libpcap's by construction in the
 * classifier, and tests/offline/filter_differential.sh checks both
 * against libpcap on every frame of ../shared/pcaps.
 *
 * libpcap's compiler takes time that grows with the square of an
 * expression's length (a minute for a list of 1,000 hosts here), so an
 * expression whose lists became sets is checked by parts (the skeleton
 * and each member, see filter.h), and compiled whole only when its
 * classic program is asked for (filter_plan_pcap()).
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/filter.h"
#include "parse/filter_plan.h"

struct word {
	const char *s;
	size_t len;
};

static bool word_is(const struct word *w, const char *s)
{
	return w->len == strlen(s) && !memcmp(w->s, s, w->len);
}

/* Split on blanks; parentheses and ! are words of their own. */
static int split(const char *e, struct word *w, int max)
{
	int n = 0;

	while (*e && n < max) {
		size_t len = 1;

		if (isspace((unsigned char)*e)) {
			e++;
			continue;
		}
		if (!strchr("()!", *e))
			while (e[len] && !isspace((unsigned char)e[len]) &&
			       !strchr("()!", e[len]))
				len++;
		w[n].s = e;
		w[n++].len = len;
		e += len;
	}
	return *e ? -1 : n;
}

static bool is_operator(const struct word *w)
{
	return word_is(w, "and") || word_is(w, "or") || word_is(w, "&&") ||
	       word_is(w, "||");
}

static bool is_qualifier(const struct word *w)
{
	static const char *const q[] = {
		"tcp", "udp", "ip",  "ip6", "host", "net", "port", "portrange",
		"src", "dst", "not", "!",   "(",    ")",   "mask"};
	size_t i;

	for (i = 0; i < sizeof(q) / sizeof(q[0]); i++)
		if (word_is(w, q[i]))
			return true;
	return is_operator(w);
}

/* "010", "1.02.3.4", "80-090": a digit run that starts with 0. */
static bool leading_zero(const struct word *w)
{
	size_t i;

	for (i = 0; i + 1 < w->len; i++)
		if (w->s[i] == '0' && isdigit((unsigned char)w->s[i + 1]) &&
		    (i == 0 || !isalnum((unsigned char)w->s[i - 1])))
			return true;
	return false;
}

/*
 * NULL, or why expr must go to libpcap although filter_parse takes it.
 * A bare value takes the qualifiers of the primitive before it in both,
 * but libpcap skips the primitives of a group closed in between (its
 * context after a ")" is the one from before the "("): a bare value
 * after a ")" goes to libpcap.
 */
static const char *trap(const char *expr)
{
	size_t max = strlen(expr) + 1; /* a word is one byte or more */
	struct word *w = calloc(max, sizeof(*w));
	const char *why = NULL;
	bool closed = false, bare;
	int n, i;

	if (!w || max > INT_MAX) {
		free(w);
		return "out of memory";
	}
	n = split(expr, w, (int)max);
	if (n < 0)
		why = "too many words";
	for (i = 0; i < n && !why; i++) {
		if (leading_zero(&w[i]))
			why = "a number with a leading 0 (octal in libpcap)";
		else if (word_is(&w[i], "net") && i + 1 < n &&
			 !memchr(w[i + 1].s, '/', w[i + 1].len) &&
			 !(i + 2 < n && word_is(&w[i + 2], "mask")))
			why = "'net' without /LEN or mask";
		if (word_is(&w[i], ")"))
			closed = true;
		if (why || is_qualifier(&w[i]))
			continue;
		bare = i == 0 || is_operator(&w[i - 1]) ||
		       word_is(&w[i - 1], "(") || word_is(&w[i - 1], "not") ||
		       word_is(&w[i - 1], "!");
		if (bare && closed)
			why = "a bare value after a parenthesised group";
		closed = false;
	}
	free(w);
	return why;
}

const char *filter_path_name(enum filter_path path)
{
	return path == FILTER_PATH_RULES ? "rules" : "bpf";
}

/*
 * libpcap's check of an expression whose lists are sets: the skeleton
 * (every list cut to its first member) and each member cut out, on its
 * own.  0, or -EINVAL with libpcap's message about the piece it refused.
 */
static int check_by_parts(const struct filter_rules *r, char *err,
			  size_t errlen)
{
	const char *part = r->parts;
	size_t i;
	int ret = pcap_expr_check(r->skeleton, PCAP_EXPR_ETHERNET, err, errlen);

	for (i = 0; !ret && i < r->nparts; i++, part += strlen(part) + 1)
		ret = pcap_expr_check(part, PCAP_EXPR_ETHERNET, err, errlen);
	return ret;
}

/* "1 term; sets of 1000 hosts, 3 ports" */
static void describe(const struct filter_rules *r, char *s, size_t len)
{
	static const struct {
		int kind;
		const char *one, *many;
	} kinds[] = {{FS_PRED_HOST_SET, "host", "hosts"},
		     {FS_PRED_NET_SET, "net", "nets"},
		     {FS_PRED_PORT_SET, "port", "ports"}};
	const char *sep = "; sets of ";
	size_t off, i, n;

	off = snprintf(s, len, "%u term%s", r->rs.nterms,
		       r->rs.nterms == 1 ? "" : "s");
	for (i = 0; i < 3 && off < len; i++) {
		n = filter_rules_members(r, kinds[i].kind);
		if (!n)
			continue;
		off += snprintf(s + off, len - off, "%s%zu %s", sep, n,
				n == 1 ? kinds[i].one : kinds[i].many);
		sep = ", ";
	}
}

int filter_plan_new(const char *expr, struct filter_plan **out, char *err,
		    size_t errlen)
{
	struct filter_plan *fp = calloc(1, sizeof(*fp));
	char perr[200], what[160];
	const char *why;
	int ret, parsed;

	if (!fp)
		return -ENOMEM;
	if (!*expr)
		expr = FILTER_PLAN_DEFAULT;
	fp->expr = strdup(expr);
	if (!fp->expr) {
		free(fp);
		return -ENOMEM;
	}
	why = trap(expr);
	parsed = why ? -1 : filter_parse(expr, &fp->rules, perr, sizeof(perr));
	if (parsed == -ENOMEM) {
		filter_plan_free(fp);
		return -ENOMEM;
	}
	/* libpcap first: its syntax and its message. */
	if (!parsed && fp->rules.skeleton)
		ret = check_by_parts(&fp->rules, err, errlen);
	else
		ret = pcap_expr_new(expr, PCAP_EXPR_ETHERNET, &fp->px, err,
				    errlen);
	if (ret) {
		filter_plan_free(fp);
		return ret;
	}
	if (!parsed) {
		fp->path = FILTER_PATH_RULES;
		describe(&fp->rules, what, sizeof(what));
		snprintf(fp->why, sizeof(fp->why),
			 "rules: the classifier's rule set (%s)", what);
	} else {
		filter_rules_free(&fp->rules);
		fp->path = FILTER_PATH_BPF;
		snprintf(fp->why, sizeof(fp->why),
			 "bpf: libpcap's program translated to eBPF (%s)",
			 why ? why : perr);
	}
	*out = fp;
	return 0;
}

struct pcap_expr *filter_plan_pcap(struct filter_plan *fp, char *err,
				   size_t errlen)
{
	if (!fp->px &&
	    pcap_expr_new(fp->expr, PCAP_EXPR_ETHERNET, &fp->px, err, errlen))
		return NULL;
	return fp->px;
}

void filter_plan_free(struct filter_plan *fp)
{
	if (!fp)
		return;
	pcap_expr_free(fp->px);
	filter_rules_free(&fp->rules);
	free(fp->expr);
	free(fp);
}
