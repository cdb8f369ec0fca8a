// SPDX-License-Identifier: GPL-2.0
/*
 * filter_sets: lists of hosts, nets and ports as set predicates.  A run
 * of alike primitives joined by "or" ("host A or host B or ...", "tcp
 * port 80 or 443 or ...") or of negated ones joined by "and" ("not port
 * 22 and not port 80") becomes one predicate whose members the
 * classifier looks up in a map: the rule set holds any number of them,
 * and a frame costs one lookup per field it tests.
 *
 * Each rewrite is an identity on the tree (A or B is "in {A, B}", (t and
 * A) or (t and B) is "t and in {A, B}", not A and not B is "not in {A,
 * B}"), made only between neighbours in the written order, and a set
 * tests the source against every member before the destination, as
 * libpcap's optimiser orders the loads of a list.  Alike means the same
 * qualifiers (written, or taken from the primitive before), so that the
 * skeleton this file also writes (each list cut to its first member)
 * reads to libpcap as the expression does.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/filter_int.h"

/* Deeper than this, lists are left as they are (and the DNF refuses). */
#define MAX_VISIT_DEPTH 512

/* A chain's child that may join a list. */
struct cand {
	int kind; /* FS_PRED_*_SET; 0: not a member */
	int leaf; /* the predicate node */
	int prim; /* the primitive: qualifiers and text */
	int l4; /* "tcp port N": the tcp node; -1 */
};

/* A piece of the expression the skeleton leaves out: [start, end). */
struct cut {
	unsigned int start, end;
};

struct former {
	struct filter_tree *tr;
	const char *expr;
	struct filter_rules *out;
	struct cut *cuts;
	size_t ncuts, cutcap;
};

/* Prefix length of a contiguous mask of family, or -1. */
static int prefix_len(const struct fs_pred *p)
{
	int i, words = p->family == 6 ? 4 : 1, len = 0;
	uint32_t m;

	for (i = 0; i < words; i++) {
		m = ntohl(p->mask[i]);
		if (len < 32 * i && m)
			return -1;
		while (m & 0x80000000u) {
			len++;
			m <<= 1;
		}
		if (m)
			return -1;
	}
	return len;
}

/* The set kind a primitive's predicate may be a member of, or 0. */
static int member_kind(const struct node *leaf, const struct node *prim)
{
	const struct fs_pred *p = &leaf->pred;

	if (leaf->kind != N_PRED || p->negate)
		return 0;
	if (p->kind == FS_PRED_ADDR && prim->qtype == QT_HOST)
		return FS_PRED_HOST_SET;
	/* A /0 net loads no address in libpcap's program: no member. */
	if (p->kind == FS_PRED_ADDR && prim->qtype == QT_NET &&
	    prefix_len(p) > 0)
		return FS_PRED_NET_SET;
	if (p->kind == FS_PRED_PORT && prim->qtype == QT_PORT &&
	    p->port_lo == p->port_hi)
		return FS_PRED_PORT_SET;
	return 0;
}

/* What child c of a chain of kind is as a list member. */
static struct cand candidate(const struct filter_tree *tr, enum node_kind kind,
			     int c)
{
	const struct node *n = &tr->nodes[c], *l, *r;
	struct cand cd = {0, -1, -1, -1};

	if (kind == N_OR && n->kind == N_PRED && n->prim) {
		cd = (struct cand){member_kind(n, n), c, c, -1};
	} else if (kind == N_OR && n->kind == N_AND && n->prim) {
		l = &tr->nodes[n->l];
		r = &tr->nodes[n->r];
		if (l->kind == N_PRED && l->pred.kind == FS_PRED_L4)
			cd = (struct cand){member_kind(r, n), n->r, c, n->l};
	} else if (kind == N_AND && n->kind == N_NOT) {
		l = &tr->nodes[n->l];
		if (l->prim)
			cd = (struct cand){member_kind(l, l), n->l, n->l, -1};
	}
	if (!cd.kind)
		cd.leaf = -1;
	return cd;
}

/* May b join the list a is in? */
static bool alike(const struct filter_tree *tr, const struct cand *a,
		  const struct cand *b)
{
	const struct node *pa = &tr->nodes[a->prim], *pb = &tr->nodes[b->prim];

	if (!a->kind || a->kind != b->kind || (a->l4 < 0) != (b->l4 < 0))
		return false;
	if (a->l4 >= 0 && memcmp(&tr->nodes[a->l4].pred, &tr->nodes[b->l4].pred,
				 sizeof(struct fs_pred)))
		return false;
	return pa->qproto == pb->qproto && pa->qtype == pb->qtype &&
	       tr->nodes[a->leaf].pred.dir == tr->nodes[b->leaf].pred.dir;
}

static int add_member(struct former *f, struct filter_set *s,
		      const struct fs_pred *p)
{
	struct filter_member *m;
	size_t all = filter_rules_members(f->out, s->kind);

	if (all >= FS_SET_MAX_MEMBERS)
		return filter_fail(f->tr, -E2BIG,
				   "filter too complex: more than %d members "
				   "in the lists of one kind",
				   FS_SET_MAX_MEMBERS);
	if ((s->n & (s->n - 1)) == 0) {
		m = realloc(s->m, (s->n ? s->n * 2 : 4) * sizeof(*m));
		if (!m)
			return filter_fail(f->tr, -ENOMEM, "out of memory");
		s->m = m;
	}
	m = &s->m[s->n++];
	memset(m, 0, sizeof(*m));
	if (s->kind == FS_PRED_PORT_SET) {
		m->port = p->port_lo;
		return 0;
	}
	m->family = p->family;
	m->plen = s->kind == FS_PRED_NET_SET ? prefix_len(p) : 0;
	memcpy(m->addr, p->addr, sizeof(m->addr));
	return 0;
}

/* Append len bytes of s (and, with word, "word " first) to the parts. */
static int add_part(struct former *f, const char *word, const char *s,
		    size_t len)
{
	struct filter_rules *o = f->out;
	size_t need = o->parts_len + (word ? strlen(word) + 1 : 0) + len + 1;
	char *p = realloc(o->parts, need);

	if (!p)
		return filter_fail(f->tr, -ENOMEM, "out of memory");
	o->parts = p;
	p += o->parts_len;
	if (word)
		p += sprintf(p, "%s ", word);
	memcpy(p, s, len);
	p[len] = '\0';
	o->parts_len = need;
	o->nparts++;
	return 0;
}

static int add_cut(struct former *f, unsigned int start, unsigned int end)
{
	struct cut *c;

	if (f->ncuts == f->cutcap) {
		f->cutcap = f->cutcap ? f->cutcap * 2 : 16;
		c = realloc(f->cuts, f->cutcap * sizeof(*c));
		if (!c)
			return filter_fail(f->tr, -ENOMEM, "out of memory");
		f->cuts = c;
	}
	f->cuts[f->ncuts++] = (struct cut){start, end};
	return 0;
}

/* The part libpcap checks member c by: its text, a bare value typed. */
static int member_part(struct former *f, const struct cand *c)
{
	static const char *const types[] = {"", "host", "net", "port",
					    "portrange"};
	const struct node *p = &f->tr->nodes[c->prim];

	return add_part(f, p->bare ? types[p->qtype] : NULL, f->expr + p->start,
			p->end - p->start);
}

static int new_node(struct filter_tree *tr, enum node_kind kind, int l,
		    const struct fs_pred *pred)
{
	struct node *n;

	if (tr->nnodes == tr->cap) {
		n = realloc(tr->nodes, tr->cap * 2 * sizeof(*n));
		if (!n)
			return filter_fail(tr, -ENOMEM, "out of memory");
		tr->nodes = n;
		tr->cap *= 2;
	}
	n = &tr->nodes[tr->nnodes];
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->l = l;
	n->r = -1;
	if (pred)
		n->pred = *pred;
	return tr->nnodes++;
}

/*
 * Children ch[0..k-1] of a chain of kind, all alike: one set, and the
 * node that stands for them (with the span of the whole run).
 */
static int make_set(struct former *f, enum node_kind kind, const int *ch,
		    const struct cand *cd, int k)
{
	struct filter_tree *tr = f->tr;
	struct filter_set *s = &f->out->sets[f->out->nsets];
	struct fs_pred p = tr->nodes[cd[0].leaf].pred;
	unsigned int start = tr->nodes[ch[0]].start;
	unsigned int end = tr->nodes[ch[k - 1]].end;
	int i, n, ret;

	s->kind = cd[0].kind;
	p.kind = cd[0].kind;
	p.set = f->out->nsets++;
	p.fams = 0;
	p.arp = 0;
	for (i = 0; i < k; i++) {
		const struct fs_pred *m = &tr->nodes[cd[i].leaf].pred;

		ret = add_member(f, s, m);
		if (!ret && i)
			ret = member_part(f, &cd[i]);
		if (ret)
			return ret;
		p.arp |= m->arp;
		if (s->kind != FS_PRED_PORT_SET)
			p.fams |= m->family == 6 ? FS_FAM_6 : FS_FAM_4;
	}
	ret = add_cut(f, tr->nodes[ch[0]].end, end);
	if (ret)
		return ret;
	memset(p.addr, 0, sizeof(p.addr));
	memset(p.mask, 0, sizeof(p.mask));
	p.family = 0;
	p.port_lo = p.port_hi = 0;
	n = new_node(tr, N_PRED, -1, &p);
	if (n >= 0 && kind == N_AND)
		n = new_node(tr, N_NOT, n, NULL);
	if (n >= 0 && cd[0].l4 >= 0) {
		i = new_node(tr, N_AND, cd[0].l4, NULL);
		if (i >= 0)
			tr->nodes[i].r = n;
		n = i;
	}
	if (n >= 0) {
		tr->nodes[n].start = start;
		tr->nodes[n].end = end;
	}
	return n;
}

static int visit(struct former *f, int i, int depth);

/* Does the chain at root go on through node i (its left spine)? */
static bool in_chain(const struct filter_tree *tr, int root, int i)
{
	const struct node *n = &tr->nodes[i];

	return n->kind == tr->nodes[root].kind &&
	       (i == root || (!n->paren && !n->prim));
}

/* The number of inner nodes of the chain at root. */
static int chain_len(const struct filter_tree *tr, int root)
{
	int i, k = 0;

	for (i = root; in_chain(tr, root, i); i = tr->nodes[i].l)
		k++;
	return k;
}

/*
 * The chain of same-kind nodes at root (through nodes neither in
 * parentheses nor a primitive's own): its children in order in ch, its
 * inner nodes bottom-up in in.  Returns the number of children.
 */
static int flatten(const struct filter_tree *tr, int root, int *ch, int *in)
{
	int n = 0, k = 0, i = root, j, t;

	while (in_chain(tr, root, i)) {
		ch[n++] = tr->nodes[i].r;
		in[k++] = i;
		i = tr->nodes[i].l;
	}
	ch[n++] = i;
	for (j = 0; j < n / 2; j++) {
		t = ch[j];
		ch[j] = ch[n - 1 - j];
		ch[n - 1 - j] = t;
	}
	for (j = 0; j < k / 2; j++) {
		t = in[j];
		in[j] = in[k - 1 - j];
		in[k - 1 - j] = t;
	}
	return n;
}

/* Are the members of a run all the same (a set of one is no list)? */
static bool all_same(const struct filter_tree *tr, const struct cand *cd, int k)
{
	int i;

	for (i = 1; i < k; i++)
		if (memcmp(&tr->nodes[cd[i].leaf].pred,
			   &tr->nodes[cd[0].leaf].pred, sizeof(struct fs_pred)))
			return false;
	return true;
}

/* Runs of alike children become sets; returns the new child count. */
static int group(struct former *f, enum node_kind kind, int *ch, int n)
{
	struct cand *cd = calloc((size_t)n + 1, sizeof(*cd));
	int i, j, k, m = 0, s;

	if (!cd)
		return filter_fail(f->tr, -ENOMEM, "out of memory");
	for (i = 0; i < n; i++)
		cd[i] = candidate(f->tr, kind, ch[i]);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && alike(f->tr, &cd[i], &cd[j]); j++)
			;
		k = j - i;
		if (k < FILTER_SET_MIN || f->out->nsets == FS_MAX_SETS ||
		    all_same(f->tr, cd + i, k)) {
			while (i < j)
				ch[m++] = ch[i++];
			continue;
		}
		s = make_set(f, kind, ch + i, cd + i, k);
		if (s < 0) {
			free(cd);
			return s;
		}
		ch[m++] = s;
	}
	free(cd);
	return m;
}

/* The chain at root, its children visited and its lists made sets. */
static int visit_chain(struct former *f, int root, int depth)
{
	struct filter_tree *tr = f->tr;
	struct node top = tr->nodes[root];
	int k = chain_len(tr, root);
	int *ch = calloc((size_t)k * 2 + 1, sizeof(*ch)), *in;
	int n, i, acc;

	if (!ch)
		return filter_fail(tr, -ENOMEM, "out of memory");
	in = ch + k + 1;
	n = flatten(tr, root, ch, in);
	for (i = 0; i < n; i++) {
		ch[i] = visit(f, ch[i], depth + 1);
		if (ch[i] < 0) {
			acc = ch[i];
			goto out;
		}
	}
	n = group(f, top.kind, ch, n);
	acc = n < 0 ? n : ch[0];
	/* The inner nodes again, bottom-up, over what is left. */
	for (i = 1; i < n; i++) {
		tr->nodes[in[i - 1]].l = acc;
		tr->nodes[in[i - 1]].r = ch[i];
		acc = in[i - 1];
	}
	if (acc >= 0) {
		tr->nodes[acc].start = top.start;
		tr->nodes[acc].end = top.end;
		tr->nodes[acc].paren = top.paren;
	}
out:
	free(ch);
	return acc;
}

static int visit(struct former *f, int i, int depth)
{
	struct node *n = &f->tr->nodes[i];
	int l;

	if (depth > MAX_VISIT_DEPTH || n->kind == N_PRED || n->prim)
		return i;
	if (n->kind == N_NOT) {
		l = visit(f, n->l, depth + 1);
		if (l < 0)
			return l;
		f->tr->nodes[i].l = l;
		return i;
	}
	return visit_chain(f, i, depth);
}

/* Sorted, each member once: what filter_match() searches. */
static void sort_members(struct filter_set *s)
{
	__u32 i, n = 0;

	qsort(s->m, s->n, sizeof(*s->m), filter_member_cmp);
	for (i = 0; i < s->n; i++)
		if (!n || filter_member_cmp(&s->m[n - 1], &s->m[i]))
			s->m[n++] = s->m[i];
	s->n = n;
}

static int cmp_cut(const void *a, const void *b)
{
	const struct cut *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* The expression without the cuts. */
static int write_skeleton(struct former *f)
{
	size_t len = strlen(f->expr), off = 0, i, n = 0;
	char *s = malloc(len + 1);

	if (!s)
		return filter_fail(f->tr, -ENOMEM, "out of memory");
	qsort(f->cuts, f->ncuts, sizeof(*f->cuts), cmp_cut);
	for (i = 0; i < f->ncuts; i++) {
		memcpy(s + n, f->expr + off, f->cuts[i].start - off);
		n += f->cuts[i].start - off;
		off = f->cuts[i].end;
	}
	memcpy(s + n, f->expr + off, len - off);
	s[n + len - off] = '\0';
	f->out->skeleton = s;
	return 0;
}

int filter_sets_form(struct filter_tree *tr, int root, const char *expr,
		     struct filter_rules *out)
{
	struct former f = {.tr = tr, .expr = expr, .out = out};
	__u32 i;
	int ret;

	root = visit(&f, root, 0);
	for (i = 0; i < out->nsets; i++)
		sort_members(&out->sets[i]);
	ret = root >= 0 && out->nsets ? write_skeleton(&f) : 0;
	free(f.cuts);
	return ret ? ret : root;
}
