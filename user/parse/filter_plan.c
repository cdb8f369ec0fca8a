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
 * - a bare value after a parenthesised group, or inside one: libpcap
 *   takes the qualifiers from before the group.
 * The rule-set path's own meaning (VLAN-tagged and non-IP frames, frames
 * cut short, ARP for IPv4 hosts) is libpcap's by construction in the
 * classifier, and tests/offline/filter_differential.sh checks both
 * against libpcap on every frame of ../shared/pcaps.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/filter.h"
#include "parse/filter_plan.h"

#define MAX_WORDS 1024

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

/* NULL, or why expr must go to libpcap although filter_parse takes it. */
static const char *trap(const char *expr)
{
	struct word *w = calloc(MAX_WORDS, sizeof(*w));
	const char *why = NULL;
	bool group = false;
	int n, i;

	if (!w)
		return "out of memory";
	n = split(expr, w, MAX_WORDS);
	if (n < 0)
		why = "too many words";
	for (i = 0; i < n && !why; i++) {
		if (leading_zero(&w[i]))
			why = "a number with a leading 0 (octal in libpcap)";
		else if (word_is(&w[i], "net") && i + 1 < n &&
			 !memchr(w[i + 1].s, '/', w[i + 1].len) &&
			 !(i + 2 < n && word_is(&w[i + 2], "mask")))
			why = "'net' without /LEN or mask";
		group |= word_is(&w[i], "(");
		if (group && !why && i > 0 &&
		    (is_operator(&w[i - 1]) || word_is(&w[i - 1], "(")) &&
		    !is_qualifier(&w[i]))
			why = "a bare value with a parenthesised group";
	}
	free(w);
	return why;
}

const char *filter_path_name(enum filter_path path)
{
	return path == FILTER_PATH_RULES ? "rules" : "bpf";
}

int filter_plan_new(const char *expr, struct filter_plan **out, char *err,
		    size_t errlen)
{
	struct filter_plan *fp = calloc(1, sizeof(*fp));
	char perr[200];
	const char *why;
	int ret;

	if (!fp)
		return -ENOMEM;
	if (!*expr)
		expr = FILTER_PLAN_DEFAULT;
	ret = pcap_expr_new(expr, PCAP_EXPR_ETHERNET, &fp->px, err, errlen);
	if (ret) {
		free(fp);
		return ret;
	}
	why = trap(expr);
	if (!why && !filter_parse(expr, &fp->rules, perr, sizeof(perr))) {
		fp->path = FILTER_PATH_RULES;
		snprintf(fp->why, sizeof(fp->why),
			 "rules: the classifier's rule set (%u terms)",
			 fp->rules.nterms);
	} else {
		fp->path = FILTER_PATH_BPF;
		snprintf(fp->why, sizeof(fp->why),
			 "bpf: libpcap's program translated to eBPF (%s)",
			 why ? why : perr);
	}
	*out = fp;
	return 0;
}

void filter_plan_free(struct filter_plan *fp)
{
	if (!fp)
		return;
	pcap_expr_free(fp->px);
	free(fp);
}
