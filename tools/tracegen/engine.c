// SPDX-License-Identifier: GPL-2.0
/*
 * tracegen engine: every choice is drawn from one seeded generator, every
 * stream byte is a function of (key, offset), so a case is reproducible
 * from its seed alone.  b_* build one connection's packets in the order
 * its endpoints send them; t_* rearrange a packet list as a network or a
 * capture would (shuffle, duplicate, overlap, lose, interleave).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracegen.h"

static const uint8_t src_xor[] = {0, 0xa5, 0x5a};

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		fprintf(stderr, "tracegen: out of memory\n");
		exit(1);
	}
	return p;
}

uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

uint64_t rnd(struct gen *g)
{
	g->rng += 0x9e3779b97f4a7c15ull;
	return mix64(g->rng);
}

/* Uniform in [lo, hi]. */
uint64_t rnd_in(struct gen *g, uint64_t lo, uint64_t hi)
{
	return lo + rnd(g) % (hi - lo + 1);
}

bool chance(struct gen *g, double p)
{
	return (rnd(g) >> 11) * (1.0 / 9007199254740992.0) < p;
}

/* Bytes [off, off + len) of a stream, as sent by src. */
void stream_bytes(uint64_t key, uint64_t off, uint8_t *dst, size_t len,
		  enum src src)
{
	uint8_t x = src_xor[src];

	while (len) {
		uint64_t v = mix64(key ^ ((off >> 3) * 0xd6e8feb86659fd93ull));
		unsigned int o = off & 7;
		size_t n = 8 - o < len ? 8 - o : len, i;

		for (i = 0; i < n; i++)
			dst[i] = (uint8_t)(v >> (8 * (o + i))) ^ x;
		dst += n;
		off += n;
		len -= n;
	}
}

void seg_push(struct seglist *l, const struct seg *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 256;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = *s;
}

void b_init(struct bld *b, struct gen *g, struct seglist *out, uint32_t conn)
{
	memset(b, 0, sizeof(*b));
	b->g = g;
	b->out = out;
	b->conn = conn;
	b->c = &g->conns[conn];
	b->win[C2S] = b->win[S2C] = WIN;
}

struct seg *b_emit(struct bld *b, int d, uint8_t flags, int64_t off,
		   uint32_t len, enum src src)
{
	struct seg s = {
		.conn = b->conn,
		.dir = d,
		.flags = flags,
		.src = src,
		.win = b->win[d],
		.len = len,
		.off = off,
		.ack_off = b->sent[!d] + b->fin[!d],
	};

	seg_push(b->out, &s);
	return &b->out->v[b->out->n - 1];
}

void b_handshake(struct bld *b)
{
	b_emit(b, C2S, TH_SYN, -1, 0, SRC_CANON);
	b_emit(b, S2C, TH_SYN | TH_ACK, -1, 0, SRC_CANON)->ack_off = 0;
	b_emit(b, C2S, TH_ACK, 0, 0, SRC_CANON);
}

void b_ack(struct bld *b, int d)
{
	b_emit(b, d, TH_ACK, b->sent[d] + b->fin[d], 0, SRC_CANON);
}

static uint32_t seg_len(struct gen *g)
{
	unsigned int mss = g->o->mss;

	return chance(g, 0.25) ? rnd_in(g, 1, mss) : mss;
}

/* One data segment of d; returns its length (0 when d is done). */
uint32_t b_data(struct bld *b, int d, uint64_t limit)
{
	uint64_t left = limit - b->sent[d];
	uint32_t len = seg_len(b->g);

	if (len > left)
		len = left;
	if (!len)
		return 0;
	b_emit(b, d, TH_ACK, b->sent[d], len, SRC_CANON);
	b->sent[d] += len;
	return len;
}

/* Up to n bytes of d, with a pure ACK from the peer every two segments. */
void b_burst(struct bld *b, int d, uint64_t n)
{
	uint64_t limit = b->sent[d] + n;
	int k = 0;

	if (limit > b->c->bytes[d])
		limit = b->c->bytes[d];
	while (b_data(b, d, limit))
		if (++k % 2 == 0)
			b_ack(b, !d);
	if (b->out->n && b->out->v[b->out->n - 1].len)
		b->out->v[b->out->n - 1].flags |= TH_PSH;
}

/* Request/response bursts until both directions have sent everything. */
void b_exchange(struct bld *b)
{
	struct conn *c = b->c;
	int d = C2S;

	while (b->sent[C2S] < c->bytes[C2S] || b->sent[S2C] < c->bytes[S2C]) {
		if (b->sent[d] < c->bytes[d])
			b_burst(b, d, rnd_in(b->g, 1, 6) * b->g->o->mss);
		d = !d;
	}
}

/* FIN of d, carried by d's last data segment when that came last. */
static void b_fin(struct bld *b, int d)
{
	struct seglist *l = b->out;
	struct seg *last = l->n ? &l->v[l->n - 1] : NULL;

	if (last && last->conn == b->conn && last->dir == d && last->len &&
	    last->off + last->len == (int64_t)b->sent[d])
		last->flags |= TH_FIN;
	else
		b_emit(b, d, TH_FIN | TH_ACK, b->sent[d], 0, SRC_CANON);
	b->fin[d] = true;
}

void b_close(struct bld *b)
{
	struct seglist *l = b->out;
	int d = C2S;

	if (b->c->rst) {
		b_emit(b, S2C, TH_RST | TH_ACK, b->sent[S2C], 0, SRC_CANON);
		return;
	}
	if (l->n && l->v[l->n - 1].len)
		d = l->v[l->n - 1].dir;
	b_fin(b, d);
	b_fin(b, !d);
	b_ack(b, d);
}

void b_full(struct bld *b)
{
	b_handshake(b);
	b_exchange(b);
	b_close(b);
}

/* Connection i: addresses in 198.18.0.0/15 or 2001:db8::/32. */
struct conn *conn_new(struct gen *g, int family, uint32_t i)
{
	uint32_t h = i % 65000 + 1, n = g->nconns++;
	struct conn *c;
	int d;

	g->conns = xrealloc(g->conns, g->nconns * sizeof(*c));
	c = &g->conns[n];
	memset(c, 0, sizeof(*c));
	c->family = family;
	if (family == 4) {
		memcpy(c->caddr, (uint8_t[]){198, 18, h >> 8, h & 255}, 4);
		memcpy(c->saddr, (uint8_t[]){198, 19, 0, 1}, 4);
	} else {
		memcpy(c->caddr,
		       (uint8_t[]){0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1}, 8);
		memcpy(c->saddr, c->caddr, 8);
		c->saddr[7] = 2;
		c->caddr[14] = h >> 8;
		c->caddr[15] = h & 255;
		c->saddr[15] = 1;
	}
	c->cport = 40000 + i / 65000;
	c->sport = family == 4 ? 80 : 443;
	c->bytes[C2S] = g->o->bytes;
	c->bytes[S2C] = g->o->bytes + g->o->bytes / 3;
	for (d = 0; d < 2; d++) {
		c->isn[d] = (uint32_t)rnd(g);
		c->key[d] = mix64(g->o->seed * 0x100000001b3ull ^
				  ((uint64_t)n << 1 | d));
	}
	return c;
}

/* Fisher-Yates within consecutive windows of w packets from start on. */
void t_shuffle(struct gen *g, struct seglist *l, size_t start, size_t w)
{
	size_t i, j, k, n;
	struct seg t;

	for (i = start; i < l->n; i += w) {
		n = l->n - i < w ? l->n - i : w;
		for (j = n - 1; j > 0; j--) {
			k = rnd(g) % (j + 1);
			t = l->v[i + j];
			l->v[i + j] = l->v[i + k];
			l->v[i + k] = t;
		}
	}
}

/*
 * Move a fraction p of the data segments 1..8 packets later.  Walking
 * backwards, a moved segment is never moved again.
 */
void t_displace(struct gen *g, struct seglist *l, double p)
{
	size_t i, j;
	struct seg s;

	for (i = l->n; i-- > 0;) {
		if (!l->v[i].len || !chance(g, p))
			continue;
		j = i + rnd_in(g, 1, 8);
		if (j >= l->n)
			j = l->n - 1;
		s = l->v[i];
		memmove(&l->v[i], &l->v[i + 1], (j - i) * sizeof(s));
		l->v[j] = s;
	}
}

static void list_replace(struct seglist *l, struct seglist *with)
{
	free(l->v);
	*l = *with;
}

/* Send a copy of a fraction p of the data segments 1..6 packets later. */
void t_dup(struct gen *g, struct seglist *l, double p)
{
	struct seglist out = {0};
	struct {
		struct seg s;
		unsigned int due;
	} q[16];
	unsigned int nq = 0, k;
	size_t i;

	for (i = 0; i < l->n; i++) {
		seg_push(&out, &l->v[i]);
		for (k = 0; k < nq;) {
			if (--q[k].due)
				k++;
			else {
				seg_push(&out, &q[k].s);
				q[k] = q[--nq];
			}
		}
		if (l->v[i].len && nq < 16 && chance(g, p))
			q[nq++] = (typeof(q[0])){l->v[i], rnd_in(g, 1, 6)};
	}
	for (k = 0; k < nq; k++)
		seg_push(&out, &q[k].s);
	list_replace(l, &out);
}

static void t_overlap_one(struct gen *g, struct seglist *out,
			  const struct seg *prev, const struct seg *cur,
			  int pat, bool alt)
{
	int64_t mid_p = prev->off + prev->len / 2;
	int64_t mid_c = cur->off + cur->len / 2;
	struct seg r = *cur;

	r.src = alt ? SRC_ALT : SRC_CANON;
	r.flags = TH_ACK;
	r.off = mid_p;
	switch (pat) {
	case 0: /* a retransmission spanning two received segments */
		r.len = mid_c - mid_p;
		seg_push(out, cur);
		seg_push(out, &r);
		break;
	case 1: /* repacketised: half of the last segment and all of this */
		r.len = cur->off + cur->len - mid_p;
		r.flags = cur->flags;
		seg_push(out, &r);
		break;
	case 2: /* ahead of time: half the last and half of this one */
		r.len = mid_c - mid_p;
		seg_push(out, &r);
		seg_push(out, cur);
		break;
	default: /* a bad copy of this segment first, then the real one */
		r.off = cur->off;
		r.len = cur->len;
		seg_push(out, &r);
		seg_push(out, cur);
		break;
	}
	(void)g;
}

/*
 * Overlapping retransmissions every two or three data segments of each
 * direction, cycling through the patterns of t_overlap_one().  alt: the
 * overlapping copies carry different bytes.
 */
void t_overlap(struct gen *g, struct seglist *l, bool alt)
{
	struct seglist out = {0};
	struct seg prev[2];
	bool have[2] = {false, false};
	int wait[2] = {2, 2}, pat[2] = {0, 0};
	size_t i;

	for (i = 0; i < l->n; i++) {
		const struct seg *cur = &l->v[i];
		int d = cur->dir;

		if (!cur->len) {
			seg_push(&out, cur);
			continue;
		}
		if (!have[d] || prev[d].len < 2 || cur->len < 2 ||
		    prev[d].off + prev[d].len != cur->off || --wait[d] > 0) {
			seg_push(&out, cur);
		} else {
			wait[d] = rnd_in(g, 2, 3);
			t_overlap_one(g, &out, &prev[d], cur,
				      pat[d]++ % (alt ? 4 : 3), alt);
		}
		prev[d] = *cur;
		have[d] = true;
	}
	list_replace(l, &out);
}

/*
 * Leave out a fraction p of the data segments, and always the first of
 * the server and the last of the client.  A lost segment's FIN is kept as
 * a bare FIN so that every stream has a known end.
 */
void t_loss(struct gen *g, struct seglist *l, double p)
{
	struct seglist out = {0};
	size_t i, first_s2c = l->n, last_c2s = l->n;

	for (i = 0; i < l->n; i++) {
		if (!l->v[i].len)
			continue;
		if (l->v[i].dir == S2C && first_s2c == l->n)
			first_s2c = i;
		if (l->v[i].dir == C2S)
			last_c2s = i;
	}
	for (i = 0; i < l->n; i++) {
		struct seg s = l->v[i];

		if (!s.len ||
		    (i != first_s2c && i != last_c2s && !chance(g, p))) {
			seg_push(&out, &s);
			continue;
		}
		if (s.flags & TH_FIN) {
			s.off += s.len;
			s.len = 0;
			s.flags = TH_FIN | TH_ACK;
			seg_push(&out, &s);
		}
	}
	list_replace(l, &out);
}

/* tracegen.h */
void merge(struct gen *g, struct seglist *lists, uint32_t n, uint32_t window)
{
	uint32_t *act = xrealloc(NULL, n * sizeof(*act)), nact, next, k, i;
	size_t *pos = xrealloc(NULL, n * sizeof(*pos));

	nact = window && window < n ? window : n;
	for (i = 0; i < n; i++) {
		act[i] = i;
		pos[i] = 0;
	}
	next = nact;
	while (nact) {
		k = rnd(g) % nact;
		i = act[k];
		seg_push(&g->pkts, &lists[i].v[pos[i]++]);
		if (pos[i] == lists[i].n)
			act[k] = next < n ? act[next++] : act[--nact];
	}
	for (i = 0; i < n; i++)
		free(lists[i].v);
	free(act);
	free(pos);
}

void gen_free(struct gen *g)
{
	uint32_t i;

	for (i = 0; i < g->nconns; i++) {
		free(g->conns[i].got[0].v);
		free(g->conns[i].got[1].v);
	}
	free(g->conns);
	free(g->pkts.v);
	free(g->cf);
}
