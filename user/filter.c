// SPDX-License-Identifier: GPL-2.0
/*
 * filter: compiles the pcap-filter subset flowsplice supports into the
 * disjunctive normal form of headers/fs_shared.h, and evaluates that form
 * on parsed packets for offline mode.
 *
 * Three stages: a lexer (words, parentheses, &&, ||, !), a recursive-
 * descent parser that builds a tree of AND/OR/NOT over predicates, and a
 * normaliser that pushes negations to the leaves (De Morgan), distributes
 * AND over OR, and simplifies the terms before checking them against the
 * FS_MAX_TERMS x FS_MAX_PREDS limits of the classifier.
 *
 * As in pcap-filter(7), "and" and "or" have the same precedence and
 * associate to the left; "not" binds tighter than both.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"

/* Bounds on the input keep the recursion of the later stages shallow. */
#define MAX_TOKENS 1024
#define MAX_DEPTH 64
/* Working limits before simplification, above the classifier's. */
#define WORK_TERMS 64
#define WORK_PREDS 32
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

enum node_kind { N_PRED, N_AND, N_OR, N_NOT };

struct node {
	enum node_kind kind;
	int l, r;
	struct fs_pred pred;
};

enum q_proto { QP_NONE, QP_IP, QP_IP6, QP_TCP, QP_UDP };
enum q_dir { QD_NONE, QD_SRC, QD_DST, QD_ANY, QD_BOTH };
enum q_type { QT_NONE, QT_HOST, QT_NET, QT_PORT, QT_PORTRANGE };

struct quals {
	enum q_proto proto;
	enum q_dir dir;
	enum q_type type;
	const struct tok *proto_tok;
	bool valid;
};

struct parser {
	struct tok *toks;
	int ntok;
	int cur;
	struct node *nodes;
	int nnodes;
	int cap;
	int depth;
	struct quals ctx; /* qualifiers of the last primitive: "host a or b" */
	char *err;
	size_t errlen;
};

static const char *const keywords[] = {
	"tcp",	     "udp", "ip",  "ip6",  "host", "net", "port",
	"portrange", "src", "dst", "mask", "and",  "or",  "not",
};

__attribute__((format(printf, 3, 4))) static int
fail(struct parser *ps, int ret, const char *fmt, ...)
{
	va_list ap;

	if (ps->err && ps->errlen) {
		va_start(ap, fmt);
		vsnprintf(ps->err, ps->errlen, fmt, ap);
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

	if (kind != T_END && ps->ntok == MAX_TOKENS) /* + 1 for T_END */
		return fail(ps, -E2BIG, "filter too long: more than %d tokens",
			    MAX_TOKENS);
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

	ps->toks = calloc(MAX_TOKENS + 1, sizeof(*ps->toks));
	if (!ps->toks)
		return fail(ps, -ENOMEM, "out of memory");
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
		return fail(ps, -EINVAL,
			    "unexpected end of expression after '%.*s'",
			    TOK(t - 1));
	if (t->kind == T_END)
		return fail(ps, -EINVAL, "unexpected end of expression");
	if (t->kind == T_OTHER ||
	    (t->kind == T_WORD && !is_keyword(t) && !id_like(t)))
		return fail(ps, -EINVAL,
			    "unsupported token '%.*s' at position %u", TOK(t),
			    t->pos);
	return fail(ps, -EINVAL, "unexpected '%.*s' at position %u", TOK(t),
		    t->pos);
}

static int new_node(struct parser *ps, enum node_kind kind, int l, int r,
		    const struct fs_pred *pred)
{
	struct node *n;

	if (ps->nnodes == ps->cap) {
		int cap = ps->cap ? ps->cap * 2 : 64;

		n = realloc(ps->nodes, cap * sizeof(*n));
		if (!n)
			return fail(ps, -ENOMEM, "out of memory");
		ps->nodes = n;
		ps->cap = cap;
	}
	n = &ps->nodes[ps->nnodes];
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->l = l;
	n->r = r;
	if (pred)
		n->pred = *pred;
	return ps->nnodes++;
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
		return fail(ps, -EINVAL,
			    "bad IPv6 address '%.*s' at position %u", TOK(t),
			    t->pos);
	for (i = 0; i < t->len; i++)
		if (!isdigit((unsigned char)t->s[i]) && !strchr("./", t->s[i]))
			return fail(
				ps, -EINVAL,
				"hostnames are not resolved: '%.*s' at position %u (use a numeric address)",
				TOK(t), t->pos);
	return fail(ps, -EINVAL, "bad IPv4 address '%.*s' at position %u",
		    TOK(t), t->pos);
}

static int parse_host(struct parser *ps, const struct tok *t,
		      struct fs_pred *pr)
{
	char buf[INET6_ADDRSTRLEN];

	if (memchr(t->s, '/', t->len))
		return fail(ps, -EINVAL,
			    "'%.*s' at position %u is a network: use 'net'",
			    TOK(t), t->pos);
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
			       : fail(ps, -EINVAL,
				      "expected a mask after '%.*s' at position %u",
				      TOK(t), t->pos);
	if (!tok_copy(m, buf, sizeof(buf)) ||
	    inet_pton(AF_INET, buf, pr->mask) != 1)
		return fail(ps, -EINVAL, "bad mask '%.*s' at position %u",
			    TOK(m), m->pos);
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
			return fail(
				ps, -EINVAL,
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
		return fail(
			ps, -EINVAL,
			"bad prefix length in '%.*s' at position %u (max %d)",
			TOK(t), t->pos, maxlen);
	if (plen >= 0)
		prefix_mask(pr->mask, plen);
	for (i = 0; i < 4; i++)
		if (pr->addr[i] & ~pr->mask[i])
			return fail(
				ps, -EINVAL,
				"non-network bits set in '%.*s' at position %u",
				TOK(t), t->pos);
	return 0;
}

static int parse_port(struct parser *ps, const struct tok *t,
		      struct fs_pred *pr)
{
	long v = parse_uint(t->s, t->len, 65535);

	if (v == -1)
		return fail(
			ps, -EINVAL,
			"port '%.*s' at position %u is not a number (service names are not supported)",
			TOK(t), t->pos);
	if (v < 0)
		return fail(ps, -EINVAL,
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
		return fail(
			ps, -EINVAL,
			"bad port range '%.*s' at position %u (expected LOW-HIGH)",
			TOK(t), t->pos);
	lo = parse_uint(t->s, dash - t->s, 65535);
	hi = parse_uint(dash + 1, t->s + t->len - dash - 1, 65535);
	if (lo == -1 || hi == -1)
		return fail(
			ps, -EINVAL,
			"bad port range '%.*s' at position %u (expected LOW-HIGH, numeric)",
			TOK(t), t->pos);
	if (lo < 0 || hi < 0)
		return fail(
			ps, -EINVAL,
			"port range '%.*s' at position %u out of range (0-65535)",
			TOK(t), t->pos);
	if (lo > hi)
		return fail(
			ps, -EINVAL,
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
		return fail(
			ps, -EINVAL,
			"'%s' cannot qualify '%s' (at position %u): write '%s and %s ...'",
			proto_name(q->proto), types[q->type], q->proto_tok->pos,
			proto_name(q->proto), types[q->type]);
	if (addr && pr->family != (q->proto == QP_IP ? 4 : 6))
		return fail(
			ps, -EINVAL,
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
			return fail(ps, -EINVAL, "missing value after '%.*s'",
				    TOK(t - 1));
		return fail(
			ps, -EINVAL,
			"expected a value after '%.*s', got '%.*s' at position %u",
			TOK(t - 1), TOK(t), t->pos);
	}
	next(ps);
	if (parse_value(ps, q, t, &pr) || check_quals(ps, q, t, &pr))
		return -EINVAL;
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
	} else if (q.proto && !q.dir && !q.type) {
		pr = proto_pred(q.proto);
		return new_node(ps, N_PRED, -1, -1, &pr);
	}
	if (!q.type)
		q.type = QT_HOST;
	q.valid = true;
	ps->ctx = q;
	return parse_id(ps, &q);
}

static int parse_expr(struct parser *ps);

static int parse_unary(struct parser *ps)
{
	const struct tok *t = peek(ps);
	int n;

	if (ps->depth == MAX_DEPTH)
		return fail(
			ps, -E2BIG,
			"filter nested too deeply at position %u (max %d levels)",
			t->pos, MAX_DEPTH);
	ps->depth++;
	if (t->kind == T_NOT) {
		next(ps);
		n = parse_unary(ps);
		if (n >= 0)
			n = new_node(ps, N_NOT, n, -1, NULL);
	} else if (t->kind == T_LPAREN) {
		next(ps);
		n = parse_expr(ps);
		if (n >= 0 && peek(ps)->kind == T_END)
			n = fail(ps, -EINVAL,
				 "missing ')' for '(' at position %u", t->pos);
		else if (n >= 0 && peek(ps)->kind != T_RPAREN)
			n = unexpected(ps, peek(ps));
		next(ps);
	} else {
		n = parse_primitive(ps);
	}
	ps->depth--;
	return n;
}

/* and/or: equal precedence, left to right, as pcap-filter(7) says. */
static int parse_expr(struct parser *ps)
{
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
		l = new_node(ps, op == T_AND ? N_AND : N_OR, l, r, NULL);
	}
	return l;
}

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
static uint64_t dnf_count(const struct parser *ps, int i, bool neg)
{
	const struct node *nd = &ps->nodes[i];
	uint64_t a, b;

	if (nd->kind == N_PRED)
		return 1;
	if (nd->kind == N_NOT)
		return dnf_count(ps, nd->l, !neg);
	a = dnf_count(ps, nd->l, neg);
	b = dnf_count(ps, nd->r, neg);
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

static int dnf_build(struct parser *ps, int i, bool neg, struct wdnf *out);

/* Every term of a AND every term of b. */
static int dnf_and(struct parser *ps, const struct wdnf *a,
		   const struct wdnf *b, struct wdnf *out)
{
	unsigned int i, j, k;
	struct wterm *t;

	out->t = calloc((size_t)a->n * b->n + 1, sizeof(*out->t));
	if (!out->t)
		return fail(ps, -ENOMEM, "out of memory");
	for (i = 0; i < a->n; i++) {
		for (j = 0; j < b->n; j++) {
			t = &out->t[out->n];
			*t = a->t[i];
			for (k = 0; k < b->t[j].n; k++)
				if (term_add(t, &b->t[j].p[k]))
					return fail(
						ps, -E2BIG,
						"filter too complex: more than %d predicates in one term (max %d)",
						WORK_PREDS, FS_MAX_PREDS);
			if (!t->dead)
				out->n++;
		}
	}
	return 0;
}

static int dnf_or(struct parser *ps, const struct wdnf *a, const struct wdnf *b,
		  struct wdnf *out)
{
	out->t = calloc((size_t)a->n + b->n + 1, sizeof(*out->t));
	if (!out->t)
		return fail(ps, -ENOMEM, "out of memory");
	memcpy(out->t, a->t, a->n * sizeof(*a->t));
	memcpy(out->t + a->n, b->t, b->n * sizeof(*b->t));
	out->n = a->n + b->n;
	return 0;
}

static int dnf_build(struct parser *ps, int i, bool neg, struct wdnf *out)
{
	const struct node *nd = &ps->nodes[i];
	struct wdnf a = {0}, b = {0};
	int ret;

	memset(out, 0, sizeof(*out));
	if (nd->kind == N_NOT)
		return dnf_build(ps, nd->l, !neg, out);
	if (nd->kind == N_PRED) {
		out->t = calloc(1, sizeof(*out->t));
		if (!out->t)
			return fail(ps, -ENOMEM, "out of memory");
		out->n = 1;
		out->t[0].n = 1;
		out->t[0].p[0] = nd->pred;
		out->t[0].p[0].negate = neg;
		return 0;
	}
	ret = dnf_build(ps, nd->l, neg, &a);
	if (!ret)
		ret = dnf_build(ps, nd->r, neg, &b);
	if (!ret && (nd->kind == N_AND) != neg)
		ret = dnf_and(ps, &a, &b, out);
	else if (!ret)
		ret = dnf_or(ps, &a, &b, out);
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

static int dnf_store(struct parser *ps, const struct wdnf *d,
		     struct fs_ruleset *out)
{
	unsigned int i;

	if (d->n > FS_MAX_TERMS)
		return fail(ps, -E2BIG, "filter too complex: %u terms (max %d)",
			    d->n, FS_MAX_TERMS);
	for (i = 0; i < d->n; i++)
		if (d->t[i].n > FS_MAX_PREDS)
			return fail(
				ps, -E2BIG,
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

static int compile(struct parser *ps, int root, struct fs_ruleset *out)
{
	uint64_t count = dnf_count(ps, root, false);
	struct wdnf d;
	int ret;

	if (count >= DNF_COUNT_MAX)
		return fail(ps, -E2BIG,
			    "filter too complex: over %llu terms (max %d)",
			    (unsigned long long)DNF_COUNT_MAX, FS_MAX_TERMS);
	if (count > WORK_TERMS)
		return fail(ps, -E2BIG,
			    "filter too complex: %llu terms (max %d)",
			    (unsigned long long)count, FS_MAX_TERMS);
	ret = dnf_build(ps, root, false, &d);
	if (!ret) {
		dnf_absorb(&d);
		ret = dnf_store(ps, &d, out);
	}
	free(d.t);
	return ret;
}

int filter_parse(const char *expr, struct fs_ruleset *out, char *err,
		 size_t errlen)
{
	struct parser ps = {.err = err, .errlen = errlen};
	const char *s = expr ? expr : "";
	int root;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	while (isspace((unsigned char)*s))
		s++;
	root = lex(&ps, *s ? expr : FILTER_DEFAULT);
	if (!root)
		root = parse_expr(&ps);
	if (root >= 0 && peek(&ps)->kind != T_END)
		root = unexpected(&ps, peek(&ps));
	if (root >= 0)
		root = compile(&ps, root, out);
	free(ps.toks);
	free(ps.nodes);
	if (root < 0)
		memset(out, 0, sizeof(*out));
	return root < 0 ? root : 0;
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

static bool pred_test(const struct fs_pred *pr, const struct pkt *p)
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
	default:
		return false;
	}
}

bool filter_match(const struct fs_ruleset *rs, const struct pkt *p)
{
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
			ok = pred_test(&t->preds[j], p) != !!t->preds[j].negate;
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
