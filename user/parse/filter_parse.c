// SPDX-License-Identifier: GPL-2.0
/*
 * filter parser: owns the lexer (words, parentheses, &&, ||, !) and the
 * recursive-descent parser that turns a pcap-filter expression into a tree
 * of AND/OR/NOT over predicates (filter_int.h), with the messages that
 * name the offending token.  filter.c normalises the tree.
 *
 * As in pcap-filter(7), "and" and "or" have the same precedence and
 * associate to the left; "not" binds tighter than both.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/filter_int.h"

/*
 * Bounds on the input: lists of many thousand hosts are fine (they become
 * set predicates); nesting is bounded to keep the recursion shallow.
 */
#define MAX_TOKENS (1 << 20)
#define MAX_DEPTH 64
#define MAX_SHOWN 48 /* longest token quoted in a message */

enum tok_kind {
	T_END,
	T_WORD,
	T_LPAREN,
	T_RPAREN,
	T_AND,
	T_OR,
	T_NOT,
	T_OTHER
};

struct tok {
	enum tok_kind kind;
	unsigned int pos; /* 1-based, for messages */
	unsigned int len;
	const char *s;
};

struct quals {
	enum q_proto proto;
	enum q_dir dir;
	enum q_type type;
	const struct tok *proto_tok;
	bool valid;
};

struct parser {
	struct tok *toks;
	int ntok, cap;
	int cur;
	struct filter_tree *tree; /* the nodes built, the message buffer */
	int depth;
	struct quals ctx; /* qualifiers of the last primitive: "host a or b" */
};

static const char *const keywords[] = {
	"tcp",	     "udp", "ip",  "ip6",  "host", "net", "port",
	"portrange", "src", "dst", "mask", "and",  "or",  "not",
};

int filter_fail(struct filter_tree *tr, int ret, const char *fmt, ...)
{
	va_list ap;

	if (tr->err && tr->errlen) {
		va_start(ap, fmt);
		vsnprintf(tr->err, tr->errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

/* printf arguments for a token: "%.*s" */
#define TOK(t) (int)((t)->len > MAX_SHOWN ? MAX_SHOWN : (t)->len), (t)->s

static bool tok_is(const struct tok *t, const char *word)
{
	return t->kind == T_WORD && strlen(word) == t->len &&
	       !memcmp(t->s, word, t->len);
}

static bool is_keyword(const struct tok *t)
{
	size_t i;

	for (i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (tok_is(t, keywords[i]))
			return true;
	return false;
}

/* What may stand for a value when the qualifiers are implied. */
static bool id_like(const struct tok *t)
{
	return t->kind == T_WORD && !is_keyword(t) &&
	       (isdigit((unsigned char)t->s[0]) || memchr(t->s, ':', t->len) ||
		memchr(t->s, '.', t->len));
}

static bool is_word_char(char c)
{
	return c && (isalnum((unsigned char)c) || strchr(".:/-_", c));
}

static int add_tok(struct parser *ps, enum tok_kind kind, const char *expr,
		   const char *s, unsigned int len)
{
	struct tok *t;

	if (kind != T_END && ps->ntok == MAX_TOKENS)
		return filter_fail(ps->tree, -E2BIG,
				   "filter too long: more than %d tokens",
				   MAX_TOKENS);
	if (ps->ntok == ps->cap) {
		t = realloc(ps->toks, (size_t)ps->cap * 2 * sizeof(*t));
		if (!t)
			return filter_fail(ps->tree, -ENOMEM, "out of memory");
		ps->toks = t;
		ps->cap *= 2;
	}
	t = &ps->toks[ps->ntok++];
	t->kind = kind;
	t->pos = (unsigned int)(s - expr) + 1;
	t->len = len;
	t->s = s;
	if (kind == T_WORD) {
		if (tok_is(t, "and"))
			t->kind = T_AND;
		else if (tok_is(t, "or"))
			t->kind = T_OR;
		else if (tok_is(t, "not"))
			t->kind = T_NOT;
	}
	return 0;
}

static enum tok_kind punct_kind(char c)
{
	switch (c) {
	case '(':
		return T_LPAREN;
	case ')':
		return T_RPAREN;
	case '!':
		return T_NOT;
	default:
		return T_OTHER;
	}
}

static int lex(struct parser *ps, const char *expr)
{
	const char *s = expr, *w;
	int ret = 0;

	ps->cap = 64;
	ps->toks = calloc(ps->cap, sizeof(*ps->toks));
	if (!ps->toks)
		return filter_fail(ps->tree, -ENOMEM, "out of memory");
	while (*s && !ret) {
		if (isspace((unsigned char)*s)) {
			s++;
		} else if (is_word_char(*s)) {
			for (w = s; is_word_char(*s); s++)
				;
			ret = add_tok(ps, T_WORD, expr, w, s - w);
		} else if ((s[0] == '&' || s[0] == '|') && s[1] == s[0]) {
			ret = add_tok(ps, s[0] == '&' ? T_AND : T_OR, expr, s,
				      2);
			s += 2;
		} else {
			ret = add_tok(ps, punct_kind(*s), expr, s, 1);
			s++;
		}
	}
	if (!ret)
		ret = add_tok(ps, T_END, expr, s, 0);
	return ret;
}

static const struct tok *peek(const struct parser *ps)
{
	return &ps->toks[ps->cur];
}

static const struct tok *next(struct parser *ps)
{
	const struct tok *t = &ps->toks[ps->cur];

	if (t->kind != T_END)
		ps->cur++;
	return t;
}

static int unexpected(struct parser *ps, const struct tok *t)
{
	if (t->kind == T_END && t > ps->toks)
		return filter_fail(ps->tree, -EINVAL,
				   "unexpected end of expression after '%.*s'",
				   TOK(t - 1));
	if (t->kind == T_END)
		return filter_fail(ps->tree, -EINVAL,
				   "unexpected end of expression");
	if (t->kind == T_OTHER ||
	    (t->kind == T_WORD && !is_keyword(t) && !id_like(t)))
		return filter_fail(ps->tree, -EINVAL,
				   "unsupported token '%.*s' at position %u",
				   TOK(t), t->pos);
	return filter_fail(ps->tree, -EINVAL,
			   "unexpected '%.*s' at position %u", TOK(t), t->pos);
}

static int new_node(struct parser *ps, enum node_kind kind, int l, int r,
		    const struct fs_pred *pred)
{
	struct filter_tree *tr = ps->tree;
	struct node *n;

	if (tr->nnodes == tr->cap) {
		int cap = tr->cap ? tr->cap * 2 : 64;

		n = realloc(tr->nodes, cap * sizeof(*n));
		if (!n)
			return filter_fail(tr, -ENOMEM, "out of memory");
		tr->nodes = n;
		tr->cap = cap;
	}
	n = &tr->nodes[tr->nnodes];
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->l = l;
	n->r = r;
	if (pred)
		n->pred = *pred;
	return tr->nnodes++;
}

/* The text of node n runs from token first to the last one taken. */
static int span(struct parser *ps, int n, const struct tok *first)
{
	const struct tok *last = &ps->toks[ps->cur - 1];
	struct node *nd;

	if (n < 0)
		return n;
	nd = &ps->tree->nodes[n];
	nd->start = first->pos - 1;
	nd->end = last->pos - 1 + last->len;
	return n;
}

static int and_node(struct parser *ps, int l, int r)
{
	if (l < 0)
		return l;
	if (r < 0)
		return r;
	return new_node(ps, N_AND, l, r, NULL);
}

/*
 * Unsigned decimal of len chars: -1 when not a number, -2 when above max.
 */
static long parse_uint(const char *s, size_t len, long max)
{
	bool over = false;
	long v = 0;
	size_t i;

	if (!len)
		return -1;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
		if (v > max) {
			over = true;
			v = max;
		}
	}
	return over ? -2 : v;
}

/* Copy a token into buf as a C string; false when it does not fit. */
static bool tok_copy(const struct tok *t, char *buf, size_t size)
{
	if (t->len >= size)
		return false;
	memcpy(buf, t->s, t->len);
	buf[t->len] = '\0';
	return true;
}

static int bad_addr(struct parser *ps, const struct tok *t)
{
	size_t i;

	if (memchr(t->s, ':', t->len))
		return filter_fail(ps->tree, -EINVAL,
				   "bad IPv6 address '%.*s' at position %u",
				   TOK(t), t->pos);
	for (i = 0; i < t->len; i++)
		if (!isdigit((unsigned char)t->s[i]) && !strchr("./", t->s[i]))
			return filter_fail(
				ps->tree, -EINVAL,
				"hostnames are not resolved: '%.*s' at position %u (use a numeric address)",
				TOK(t), t->pos);
	return filter_fail(ps->tree, -EINVAL,
			   "bad IPv4 address '%.*s' at position %u", TOK(t),
			   t->pos);
}

static int parse_host(struct parser *ps, const struct tok *t,
		      struct fs_pred *pr)
{
	char buf[INET6_ADDRSTRLEN];

	if (memchr(t->s, '/', t->len))
		return filter_fail(
			ps->tree, -EINVAL,
			"'%.*s' at position %u is a network: use 'net'", TOK(t),
			t->pos);
	if (!tok_copy(t, buf, sizeof(buf)))
		return bad_addr(ps, t);
	if (inet_pton(AF_INET, buf, pr->addr) == 1) {
		pr->family = 4;
		pr->mask[0] = 0xffffffff;
	} else if (inet_pton(AF_INET6, buf, pr->addr) == 1) {
		pr->family = 6;
		memset(pr->mask, 0xff, sizeof(pr->mask));
	} else {
		return bad_addr(ps, t);
	}
	return 0;
}

/*
 * IPv4 network numbers may be abbreviated as in pcap-filter: "10" is
 * 10.0.0.0/8 and "192.168" is 192.168.0.0/16.  Returns the number of
 * components (1-4), or -1.
 */
static int parse_v4_net(const char *s, __u32 *addr)
{
	uint32_t a = 0;
	int n = 0;
	long v;
	size_t len;

	for (;;) {
		len = strcspn(s, ".");
		v = parse_uint(s, len, 255);
		if (v < 0 || n == 4)
			return -1;
		a |= (uint32_t)v << (24 - 8 * n++);
		if (!s[len])
			break;
		s += len + 1;
	}
	*addr = htonl(a);
	return n;
}

static void prefix_mask(__u32 *mask, int plen)
{
	int i, bits;

	for (i = 0; i < 4; i++) {
		bits = plen - 32 * i;
		bits = bits < 0 ? 0 : bits > 32 ? 32 : bits;
		mask[i] = bits ? htonl(0xffffffffu << (32 - bits)) : 0;
	}
}

/* "mask M" after an IPv4 network number. */
static int parse_mask(struct parser *ps, struct fs_pred *pr)
{
	const struct tok *t = next(ps), *m = next(ps);
	char buf[INET_ADDRSTRLEN];

	if (m->kind != T_WORD || is_keyword(m))
		return m->kind == T_END
			       ? unexpected(ps, m)
			       : filter_fail(
					 ps->tree, -EINVAL,
					 "expected a mask after '%.*s' at position %u",
					 TOK(t), t->pos);
	if (!tok_copy(m, buf, sizeof(buf)) ||
	    inet_pton(AF_INET, buf, pr->mask) != 1)
		return filter_fail(ps->tree, -EINVAL,
				   "bad mask '%.*s' at position %u", TOK(m),
				   m->pos);
	return 0;
}

static int parse_net(struct parser *ps, const struct tok *t, struct fs_pred *pr)
{
	char buf[INET6_ADDRSTRLEN + 4], *slash;
	int plen = -1, maxlen, ncomp, i;

	if (!tok_copy(t, buf, sizeof(buf)))
		return bad_addr(ps, t);
	slash = strchr(buf, '/');
	if (slash) {
		*slash++ = '\0';
		plen = parse_uint(slash, strlen(slash), 128);
		if (plen < 0)
			return filter_fail(
				ps->tree, -EINVAL,
				"bad prefix length in '%.*s' at position %u",
				TOK(t), t->pos);
	}
	if (strchr(buf, ':')) {
		if (inet_pton(AF_INET6, buf, pr->addr) != 1)
			return bad_addr(ps, t);
		pr->family = 6;
		maxlen = 128;
		if (plen < 0)
			plen = 128;
	} else {
		ncomp = parse_v4_net(buf, pr->addr);
		if (ncomp < 0)
			return bad_addr(ps, t);
		pr->family = 4;
		maxlen = 32;
		if (plen < 0 && tok_is(peek(ps), "mask")) {
			if (parse_mask(ps, pr))
				return -EINVAL;
		} else if (plen < 0) {
			plen = 8 * ncomp;
		}
	}
	if (plen > maxlen)
		return filter_fail(
			ps->tree, -EINVAL,
			"bad prefix length in '%.*s' at position %u (max %d)",
			TOK(t), t->pos, maxlen);
	if (plen >= 0)
		prefix_mask(pr->mask, plen);
	for (i = 0; i < 4; i++)
		if (pr->addr[i] & ~pr->mask[i])
			return filter_fail(
				ps->tree, -EINVAL,
				"non-network bits set in '%.*s' at position %u",
				TOK(t), t->pos);
	return 0;
}

static int parse_port(struct parser *ps, const struct tok *t,
		      struct fs_pred *pr)
{
	long v = parse_uint(t->s, t->len, 65535);

	if (v == -1)
		return filter_fail(
			ps->tree, -EINVAL,
			"port '%.*s' at position %u is not a number (service names are not supported)",
			TOK(t), t->pos);
	if (v < 0)
		return filter_fail(
			ps->tree, -EINVAL,
			"port '%.*s' at position %u out of range (0-65535)",
			TOK(t), t->pos);
	pr->port_lo = pr->port_hi = (__u16)v;
	return 0;
}

static int parse_portrange(struct parser *ps, const struct tok *t,
			   struct fs_pred *pr)
{
	const char *dash = memchr(t->s, '-', t->len);
	long lo, hi;

	if (!dash)
		return filter_fail(
			ps->tree, -EINVAL,
			"bad port range '%.*s' at position %u (expected LOW-HIGH)",
			TOK(t), t->pos);
	lo = parse_uint(t->s, dash - t->s, 65535);
	hi = parse_uint(dash + 1, t->s + t->len - dash - 1, 65535);
	if (lo == -1 || hi == -1)
		return filter_fail(
			ps->tree, -EINVAL,
			"bad port range '%.*s' at position %u (expected LOW-HIGH, numeric)",
			TOK(t), t->pos);
	if (lo < 0 || hi < 0)
		return filter_fail(
			ps->tree, -EINVAL,
			"port range '%.*s' at position %u out of range (0-65535)",
			TOK(t), t->pos);
	if (lo > hi)
		return filter_fail(
			ps->tree, -EINVAL,
			"bad port range '%.*s' at position %u: low end above high end",
			TOK(t), t->pos);
	pr->port_lo = (__u16)lo;
	pr->port_hi = (__u16)hi;
	return 0;
}

static const char *proto_name(enum q_proto p)
{
	static const char *const names[] = {"", "ip", "ip6", "tcp", "udp"};

	return names[p];
}

/* The L3/L4 predicate a protocol keyword stands for. */
static struct fs_pred proto_pred(enum q_proto p)
{
	struct fs_pred pr;

	memset(&pr, 0, sizeof(pr));
	if (p == QP_IP || p == QP_IP6) {
		pr.kind = FS_PRED_L3;
		pr.family = p == QP_IP ? 4 : 6;
	} else {
		pr.kind = FS_PRED_L4;
		pr.proto = p == QP_TCP ? IPPROTO_TCP : IPPROTO_UDP;
	}
	return pr;
}

/* Which protocol qualifiers make sense with which type, as in pcap. */
static int check_quals(struct parser *ps, const struct quals *q,
		       const struct tok *id, const struct fs_pred *pr)
{
	bool addr = q->type == QT_HOST || q->type == QT_NET;
	bool l3 = q->proto == QP_IP || q->proto == QP_IP6;
	static const char *const types[] = {"", "host", "net", "port",
					    "portrange"};

	if (q->proto == QP_NONE)
		return 0;
	if (addr != l3)
		return filter_fail(
			ps->tree, -EINVAL,
			"'%s' cannot qualify '%s' (at position %u): write '%s and %s ...'",
			proto_name(q->proto), types[q->type], q->proto_tok->pos,
			proto_name(q->proto), types[q->type]);
	if (addr && pr->family != (q->proto == QP_IP ? 4 : 6))
		return filter_fail(
			ps->tree, -EINVAL,
			"'%s' does not go with IPv%d address '%.*s' at position %u",
			proto_name(q->proto), pr->family, TOK(id), id->pos);
	return 0;
}

static int parse_value(struct parser *ps, const struct quals *q,
		       const struct tok *t, struct fs_pred *pr)
{
	memset(pr, 0, sizeof(*pr));
	switch (q->type) {
	case QT_HOST:
		pr->kind = FS_PRED_ADDR;
		return parse_host(ps, t, pr);
	case QT_NET:
		pr->kind = FS_PRED_ADDR;
		return parse_net(ps, t, pr);
	case QT_PORT:
		pr->kind = FS_PRED_PORT;
		return parse_port(ps, t, pr);
	default:
		pr->kind = FS_PRED_PORT;
		return parse_portrange(ps, t, pr);
	}
}

/*
 * The value of a primitive, with its qualifiers applied.  "src and dst"
 * becomes two predicates, one per direction.  An address predicate
 * already checks the family, so "ip host X" compiles to the same single
 * predicate as "host X"; "tcp port N" needs the L4 predicate as well.
 */
static int parse_id(struct parser *ps, const struct quals *q)
{
	const struct tok *t = peek(ps);
	struct fs_pred pr;
	int n, m;

	if (t->kind != T_WORD || is_keyword(t)) {
		if (t->kind == T_END)
			return filter_fail(ps->tree, -EINVAL,
					   "missing value after '%.*s'",
					   TOK(t - 1));
		return filter_fail(
			ps->tree, -EINVAL,
			"expected a value after '%.*s', got '%.*s' at position %u",
			TOK(t - 1), TOK(t), t->pos);
	}
	next(ps);
	if (parse_value(ps, q, t, &pr) || check_quals(ps, q, t, &pr))
		return -EINVAL;
	/* libpcap's "host A" and "net N" cover ARP and RARP too; "ip host" not. */
	if (pr.kind == FS_PRED_ADDR && pr.family == 4 && q->proto == QP_NONE)
		pr.arp = 1;
	pr.dir = q->dir == QD_SRC || q->dir == QD_BOTH ? FS_DIR_SRC
		 : q->dir == QD_DST		       ? FS_DIR_DST
						       : FS_DIR_ANY;
	n = new_node(ps, N_PRED, -1, -1, &pr);
	if (q->dir == QD_BOTH) {
		pr.dir = FS_DIR_DST;
		n = and_node(ps, n, new_node(ps, N_PRED, -1, -1, &pr));
	}
	if (q->proto == QP_TCP || q->proto == QP_UDP) {
		pr = proto_pred(q->proto);
		m = new_node(ps, N_PRED, -1, -1, &pr);
		n = and_node(ps, m, n);
	}
	return n;
}

static enum q_proto kw_proto(const struct tok *t)
{
	return tok_is(t, "ip")	  ? QP_IP
	       : tok_is(t, "ip6") ? QP_IP6
	       : tok_is(t, "tcp") ? QP_TCP
	       : tok_is(t, "udp") ? QP_UDP
				  : QP_NONE;
}

static enum q_type kw_type(const struct tok *t)
{
	return tok_is(t, "host")	? QT_HOST
	       : tok_is(t, "net")	? QT_NET
	       : tok_is(t, "port")	? QT_PORT
	       : tok_is(t, "portrange") ? QT_PORTRANGE
					: QT_NONE;
}

/* src, dst, "src or dst", "dst or src", "src and dst", "dst and src" */
static enum q_dir parse_dir(struct parser *ps)
{
	const struct tok *t = peek(ps);
	bool src = tok_is(t, "src");
	enum q_dir d = src ? QD_SRC : QD_DST;

	if (!src && !tok_is(t, "dst"))
		return QD_NONE;
	next(ps);
	t = peek(ps);
	if ((t->kind == T_OR || t->kind == T_AND) &&
	    tok_is(t + 1, src ? "dst" : "src")) {
		d = t->kind == T_OR ? QD_ANY : QD_BOTH;
		ps->cur += 2;
	}
	return d;
}

/*
 * [proto] [dir] [type] value, or a protocol alone; a value alone takes
 * the qualifiers of the previous primitive ("port 80 or 443"), or is a
 * host when there is none.
 */
static int parse_primitive(struct parser *ps)
{
	const struct tok *t = peek(ps);
	struct quals q = {.proto_tok = t};
	struct fs_pred pr;
	bool bare = false;
	struct node *nd;
	int n;

	q.proto = kw_proto(t);
	if (q.proto)
		next(ps);
	q.dir = parse_dir(ps);
	q.type = kw_type(peek(ps));
	if (q.type)
		next(ps);
	if (!q.proto && !q.dir && !q.type) {
		if (!id_like(t))
			return unexpected(ps, t);
		if (ps->ctx.valid)
			q = ps->ctx;
		bare = true;
	} else if (q.proto && !q.dir && !q.type) {
		pr = proto_pred(q.proto);
		return span(ps, new_node(ps, N_PRED, -1, -1, &pr), t);
	}
	if (!q.type)
		q.type = QT_HOST;
	q.valid = true;
	ps->ctx = q;
	n = span(ps, parse_id(ps, &q), t);
	if (n < 0)
		return n;
	nd = &ps->tree->nodes[n];
	nd->prim = true;
	nd->bare = bare;
	nd->qproto = q.proto;
	nd->qtype = q.type;
	return n;
}

static int parse_expr(struct parser *ps);

static int parse_unary(struct parser *ps)
{
	const struct tok *t = peek(ps);
	int n;

	if (ps->depth == MAX_DEPTH)
		return filter_fail(
			ps->tree, -E2BIG,
			"filter nested too deeply at position %u (max %d levels)",
			t->pos, MAX_DEPTH);
	ps->depth++;
	if (t->kind == T_NOT) {
		next(ps);
		n = parse_unary(ps);
		if (n >= 0)
			n = span(ps, new_node(ps, N_NOT, n, -1, NULL), t);
	} else if (t->kind == T_LPAREN) {
		next(ps);
		n = parse_expr(ps);
		if (n >= 0 && peek(ps)->kind == T_END)
			n = filter_fail(ps->tree, -EINVAL,
					"missing ')' for '(' at position %u",
					t->pos);
		else if (n >= 0 && peek(ps)->kind != T_RPAREN)
			n = unexpected(ps, peek(ps));
		next(ps);
		if (n >= 0) {
			span(ps, n, t);
			ps->tree->nodes[n].paren = true;
		}
	} else {
		n = parse_primitive(ps);
	}
	ps->depth--;
	return n;
}

/* and/or: equal precedence, left to right, as pcap-filter(7) says. */
static int parse_expr(struct parser *ps)
{
	unsigned int start;
	enum tok_kind op;
	int l, r;

	l = parse_unary(ps);
	while (l >= 0) {
		op = peek(ps)->kind;
		if (op != T_AND && op != T_OR)
			break;
		next(ps);
		r = parse_unary(ps);
		if (r < 0)
			return r;
		start = ps->tree->nodes[l].start;
		l = new_node(ps, op == T_AND ? N_AND : N_OR, l, r, NULL);
		if (l >= 0) {
			ps->tree->nodes[l].start = start;
			ps->tree->nodes[l].end = ps->tree->nodes[r].end;
		}
	}
	return l;
}

int filter_tree_parse(struct filter_tree *tr, const char *expr)
{
	struct parser ps = {.tree = tr};
	int root;

	root = lex(&ps, expr);
	if (!root)
		root = parse_expr(&ps);
	if (root >= 0 && peek(&ps)->kind != T_END)
		root = unexpected(&ps, peek(&ps));
	free(ps.toks);
	return root;
}
