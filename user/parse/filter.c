// SPDX-License-Identifier: GPL-2.0
/*
 * filter: compiles the pcap-filter subset flowsplice supports into the
 * disjunctive normal form of headers/fs_shared.h, and evaluates that form
 * on parsed packets for offline mode.
 *
 * Four stages: a lexer (words, parentheses, &&, ||, !) and a recursive-
 * descent parser that build a tree of AND/OR/NOT over predicates (both in
 * filter_parse.c), lists made set predicates (filter_sets.c), and a
 * normaliser (here) that pushes negations to the leaves (De Morgan),
 * distributes AND over OR, and simplifies the terms before checking them
 * against the FS_MAX_TERMS x FS_MAX_PREDS limits of the classifier.  This
 * file also owns the matcher of rule sets on parsed packets.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/filter.h"
#include "parse/filter_int.h"

/* Working limits before simplification, above the classifier's. */
#define WORK_TERMS 64
#define WORK_PREDS 32
/* Nodes left once lists are sets: more cannot fit the limits above. */
#define WORK_NODES 4096

/*
 * Normal form.  Negations are pushed down while the tree is walked (neg
 * says whether an odd number of NOTs is above), so that NOT (a AND b)
 * yields the terms of (NOT a) OR (NOT b).
 */
struct wterm {
	unsigned int n;
	bool dead; /* holds p and not p: never true */
	struct fs_pred p[WORK_PREDS];
};

struct wdnf {
	unsigned int n;
	struct wterm *t;
};

/* Terms before simplification, saturating well above WORK_TERMS. */
#define DNF_COUNT_MAX (1ull << 31) /* a product of two fits in 64 bits */
static uint64_t dnf_count(const struct filter_tree *tr, int i, bool neg)
{
	const struct node *nd = &tr->nodes[i];
	uint64_t a, b;

	if (nd->kind == N_PRED)
		return 1;
	if (nd->kind == N_NOT)
		return dnf_count(tr, nd->l, !neg);
	a = dnf_count(tr, nd->l, neg);
	b = dnf_count(tr, nd->r, neg);
	if ((nd->kind == N_AND) != neg)
		return a * b > DNF_COUNT_MAX ? DNF_COUNT_MAX : a * b;
	return a + b > DNF_COUNT_MAX ? DNF_COUNT_MAX : a + b;
}

static bool pred_eq(const struct fs_pred *a, const struct fs_pred *b)
{
	return !memcmp(a, b, sizeof(*a));
}

static bool pred_opposite(const struct fs_pred *a, const struct fs_pred *b)
{
	struct fs_pred c = *b;

	c.negate = !c.negate;
	return pred_eq(a, &c);
}

static int term_add(struct wterm *t, const struct fs_pred *pr)
{
	unsigned int i;

	for (i = 0; i < t->n; i++) {
		if (pred_eq(&t->p[i], pr))
			return 0;
		if (pred_opposite(&t->p[i], pr))
			t->dead = true;
	}
	if (t->n == WORK_PREDS)
		return -E2BIG;
	t->p[t->n++] = *pr;
	return 0;
}

static int dnf_build(struct filter_tree *tr, int i, bool neg, struct wdnf *out);

/* Every term of a AND every term of b. */
static int dnf_and(struct filter_tree *tr, const struct wdnf *a,
		   const struct wdnf *b, struct wdnf *out)
{
	unsigned int i, j, k;
	struct wterm *t;

	out->t = calloc((size_t)a->n * b->n + 1, sizeof(*out->t));
	if (!out->t)
		return filter_fail(tr, -ENOMEM, "out of memory");
	for (i = 0; i < a->n; i++) {
		for (j = 0; j < b->n; j++) {
			t = &out->t[out->n];
			*t = a->t[i];
			for (k = 0; k < b->t[j].n; k++)
				if (term_add(t, &b->t[j].p[k]))
					return filter_fail(
						tr, -E2BIG,
						"filter too complex: more than %d predicates in one term (max %d)",
						WORK_PREDS, FS_MAX_PREDS);
			if (!t->dead)
				out->n++;
		}
	}
	return 0;
}

static int dnf_or(struct filter_tree *tr, const struct wdnf *a,
		  const struct wdnf *b, struct wdnf *out)
{
	out->t = calloc((size_t)a->n + b->n + 1, sizeof(*out->t));
	if (!out->t)
		return filter_fail(tr, -ENOMEM, "out of memory");
	memcpy(out->t, a->t, a->n * sizeof(*a->t));
	memcpy(out->t + a->n, b->t, b->n * sizeof(*b->t));
	out->n = a->n + b->n;
	return 0;
}

static int dnf_build(struct filter_tree *tr, int i, bool neg, struct wdnf *out)
{
	const struct node *nd = &tr->nodes[i];
	struct wdnf a = {0}, b = {0};
	int ret;

	memset(out, 0, sizeof(*out));
	if (nd->kind == N_NOT)
		return dnf_build(tr, nd->l, !neg, out);
	if (nd->kind == N_PRED) {
		out->t = calloc(1, sizeof(*out->t));
		if (!out->t)
			return filter_fail(tr, -ENOMEM, "out of memory");
		out->n = 1;
		out->t[0].n = 1;
		out->t[0].p[0] = nd->pred;
		out->t[0].p[0].negate = neg;
		return 0;
	}
	ret = dnf_build(tr, nd->l, neg, &a);
	if (!ret)
		ret = dnf_build(tr, nd->r, neg, &b);
	if (!ret && (nd->kind == N_AND) != neg)
		ret = dnf_and(tr, &a, &b, out);
	else if (!ret)
		ret = dnf_or(tr, &a, &b, out);
	free(a.t);
	free(b.t);
	return ret;
}

static bool term_subset(const struct wterm *a, const struct wterm *b)
{
	unsigned int i, j;

	for (i = 0; i < a->n; i++) {
		for (j = 0; j < b->n && !pred_eq(&a->p[i], &b->p[j]); j++)
			;
		if (j == b->n)
			return false;
	}
	return true;
}

/*
 * Absorption: a OR (a AND b) is a.  A term is dropped when another term's
 * predicates are a subset of its own (the first of equal terms is kept).
 */
static void dnf_absorb(struct wdnf *d)
{
	unsigned int i, j, n = 0;
	bool drop;

	for (j = 0; j < d->n; j++) {
		drop = false;
		for (i = 0; i < n && !drop; i++)
			drop = term_subset(&d->t[i], &d->t[j]);
		for (i = j + 1; i < d->n && !drop; i++)
			drop = term_subset(&d->t[i], &d->t[j]) &&
			       !term_subset(&d->t[j], &d->t[i]);
		if (!drop)
			d->t[n++] = d->t[j];
	}
	d->n = n;
}

static int dnf_store(struct filter_tree *tr, const struct wdnf *d,
		     struct fs_ruleset *out)
{
	unsigned int i;

	if (d->n > FS_MAX_TERMS)
		return filter_fail(tr, -E2BIG,
				   "filter too complex: %u terms (max %d)",
				   d->n, FS_MAX_TERMS);
	for (i = 0; i < d->n; i++)
		if (d->t[i].n > FS_MAX_PREDS)
			return filter_fail(
				tr, -E2BIG,
				"filter too complex: %u predicates in one term (max %d)",
				d->t[i].n, FS_MAX_PREDS);
	out->nterms = d->n;
	for (i = 0; i < d->n; i++) {
		out->terms[i].npreds = d->t[i].n;
		memcpy(out->terms[i].preds, d->t[i].p,
		       d->t[i].n * sizeof(d->t[i].p[0]));
	}
	return 0;
}

static int compile(struct filter_tree *tr, int root, struct fs_ruleset *out)
{
	uint64_t count = dnf_count(tr, root, false);
	struct wdnf d;
	int ret;

	if (count >= DNF_COUNT_MAX)
		return filter_fail(
			tr, -E2BIG,
			"filter too complex: over %llu terms (max %d)",
			(unsigned long long)DNF_COUNT_MAX, FS_MAX_TERMS);
	if (count > WORK_TERMS)
		return filter_fail(tr, -E2BIG,
				   "filter too complex: %llu terms (max %d)",
				   (unsigned long long)count, FS_MAX_TERMS);
	ret = dnf_build(tr, root, false, &d);
	if (!ret) {
		dnf_absorb(&d);
		ret = dnf_store(tr, &d, out);
	}
	free(d.t);
	return ret;
}

/* Nodes reachable from root, counted up to max + 1 without recursion. */
static int tree_size(const struct filter_tree *tr, int root, int max)
{
	int *stack = malloc(((size_t)max + 2) * sizeof(*stack));
	int sp = 0, n = 0, i;

	if (!stack)
		return max + 1;
	stack[sp++] = root;
	while (sp && n <= max) {
		i = stack[--sp];
		n++;
		if (tr->nodes[i].kind == N_PRED)
			continue;
		stack[sp++] = tr->nodes[i].l;
		if (tr->nodes[i].r >= 0)
			stack[sp++] = tr->nodes[i].r;
	}
	free(stack);
	return n;
}

int filter_parse(const char *expr, struct filter_rules *out, char *err,
		 size_t errlen)
{
	struct filter_tree tr = {.err = err, .errlen = errlen};
	const char *s = expr ? expr : "";
	int root;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	while (isspace((unsigned char)*s))
		s++;
	if (!*s)
		s = FILTER_DEFAULT;
	else
		s = expr;
	root = filter_tree_parse(&tr, s);
	if (root >= 0)
		root = filter_sets_form(&tr, root, s, out);
	if (root >= 0 && tree_size(&tr, root, WORK_NODES) > WORK_NODES)
		root = filter_fail(&tr, -E2BIG,
				   "filter too complex: more than %d "
				   "predicates and operators",
				   WORK_NODES);
	if (root >= 0)
		root = compile(&tr, root, &out->rs);
	free(tr.nodes);
	if (root < 0)
		filter_rules_free(out);
	return root < 0 ? root : 0;
}

void filter_rules_free(struct filter_rules *r)
{
	__u32 i;

	for (i = 0; i < r->nsets && i < FS_MAX_SETS; i++)
		free(r->sets[i].m);
	free(r->skeleton);
	free(r->parts);
	memset(r, 0, sizeof(*r));
}

size_t filter_rules_members(const struct filter_rules *r, int kind)
{
	size_t n = 0;
	__u32 i;

	for (i = 0; i < r->nsets && i < FS_MAX_SETS; i++)
		if (r->sets[i].kind == kind)
			n += r->sets[i].n;
	return n;
}

/* The test itself, before negation: false when the packet lacks the field. */
static bool addr_eq(const struct fs_pred *pr, const struct pkt_addr *a)
{
	int i, n = pr->family == 4 ? 1 : 4;

	for (i = 0; i < n; i++)
		if ((a->a[i] & pr->mask[i]) != pr->addr[i])
			return false;
	return true;
}

static bool in_range(const struct fs_pred *pr, uint16_t port)
{
	return port >= pr->port_lo && port <= pr->port_hi;
}

int filter_member_cmp(const void *a, const void *b)
{
	const struct filter_member *x = a, *y = b;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if (x->plen != y->plen)
		return x->plen < y->plen ? -1 : 1;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return memcmp(x->addr, y->addr, sizeof(x->addr));
}

static bool in_net(const struct filter_member *m, int family,
		   const struct pkt_addr *a)
{
	struct fs_pred p = {.family = family};
	int i, bits;

	if (m->family != family)
		return false;
	for (i = 0; i < 4; i++) {
		bits = m->plen - 32 * i;
		bits = bits < 0 ? 0 : bits > 32 ? 32 : bits;
		p.mask[i] = bits ? htonl(0xffffffffu << (32 - bits)) : 0;
		p.addr[i] = m->addr[i];
	}
	return addr_eq(&p, a);
}

/* One address, or one port (a NULL), against set s. */
static bool in_set(const struct filter_set *s, int family,
		   const struct pkt_addr *a, uint16_t port)
{
	struct filter_member key = {.family = (__u8)family};
	__u32 i;

	if (s->kind == FS_PRED_NET_SET) {
		for (i = 0; i < s->n; i++)
			if (in_net(&s->m[i], family, a))
				return true;
		return false;
	}
	if (a)
		memcpy(key.addr, a->a, sizeof(key.addr));
	else
		key.port = port;
	return bsearch(&key, s->m, s->n, sizeof(*s->m), filter_member_cmp) !=
	       NULL;
}

static bool set_test(const struct filter_rules *r, const struct fs_pred *pr,
		     const struct pkt *p)
{
	const struct filter_set *s = &r->sets[pr->set % FS_MAX_SETS];
	int fam = pr->fams & (p->family == 6 ? FS_FAM_6 : FS_FAM_4);

	if (pr->set >= r->nsets)
		return false;
	if (pr->kind == FS_PRED_PORT_SET) {
		if (!p->has_ports ||
		    (p->l4proto != IPPROTO_TCP && p->l4proto != IPPROTO_UDP))
			return false;
		return (pr->dir != FS_DIR_DST &&
			in_set(s, 0, NULL, p->sport)) ||
		       (pr->dir != FS_DIR_SRC && in_set(s, 0, NULL, p->dport));
	}
	if (!fam)
		return false;
	return (pr->dir != FS_DIR_DST && in_set(s, p->family, &p->src, 0)) ||
	       (pr->dir != FS_DIR_SRC && in_set(s, p->family, &p->dst, 0));
}

static bool pred_test(const struct filter_rules *r, const struct fs_pred *pr,
		      const struct pkt *p)
{
	switch (pr->kind) {
	case FS_PRED_L3:
		return p->family && p->family == pr->family;
	case FS_PRED_L4:
		return p->family && p->l4proto == pr->proto;
	case FS_PRED_ADDR:
		if (!p->family || p->family != pr->family)
			return false;
		if (pr->dir == FS_DIR_SRC)
			return addr_eq(pr, &p->src);
		if (pr->dir == FS_DIR_DST)
			return addr_eq(pr, &p->dst);
		return addr_eq(pr, &p->src) || addr_eq(pr, &p->dst);
	case FS_PRED_PORT:
		if (!p->has_ports ||
		    (p->l4proto != IPPROTO_TCP && p->l4proto != IPPROTO_UDP))
			return false;
		if (pr->dir == FS_DIR_SRC)
			return in_range(pr, p->sport);
		if (pr->dir == FS_DIR_DST)
			return in_range(pr, p->dport);
		return in_range(pr, p->sport) || in_range(pr, p->dport);
	case FS_PRED_HOST_SET:
	case FS_PRED_NET_SET:
	case FS_PRED_PORT_SET:
		return p->family && set_test(r, pr, p);
	default:
		return false;
	}
}

bool filter_match(const struct filter_rules *r, const struct pkt *p)
{
	const struct fs_ruleset *rs = &r->rs;
	unsigned int i, j, nterms, npreds;
	const struct fs_term *t;
	bool ok;

	/* As the classifier: rules apply to IP packets only. */
	if (p->family != 4 && p->family != 6)
		return false;
	nterms = rs->nterms < FS_MAX_TERMS ? rs->nterms : FS_MAX_TERMS;
	for (i = 0; i < nterms; i++) {
		t = &rs->terms[i];
		npreds = t->npreds < FS_MAX_PREDS ? t->npreds : FS_MAX_PREDS;
		ok = true;
		for (j = 0; j < npreds && ok; j++)
			ok = pred_test(r, &t->preds[j], p) !=
			     !!t->preds[j].negate;
		if (ok)
			return true;
	}
	return false;
}

char *filter_join_args(int argc, char **argv)
{
	size_t len = 1, off = 0;
	char *s;
	int i;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = malloc(len);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (i = 0; i < argc; i++)
		off += sprintf(s + off, "%s%s", i ? " " : "", argv[i]);
	return s;
}
