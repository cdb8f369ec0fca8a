// SPDX-License-Identifier: GPL-2.0
/*
 * tracegen: synthetic TCP traces with their exact expected streams, for the
 * reassembly tests and the offline benchmarks.
 *
 *   tracegen --case NAME --seed N --out DIR [--bytes B] [--mss M]
 *            [--flows N] [--reorder P]
 *
 * Writes DIR/trace.pcap (Ethernet, nanosecond timestamps, valid IPv4 and
 * TCP checksums) and, under DIR/expected/:
 *   conn<i>.c2s, conn<i>.s2c  every byte of each direction of connection i,
 *                 from the first byte after the SYN (or, when the capture
 *                 has no SYN for that direction, from the first captured
 *                 data byte), to the end of what the sender sent;
 *   conns.tsv     one line per connection: addresses, ports, ISNs, the
 *                 absolute sequence number of byte 0 of each expected file
 *                 (seq0), the file lengths and how it was closed;
 *   gaps.tsv      conn, dir, offset, length of bytes never captured
 *                 (the expected files hold the real bytes there: compare
 *                 only outside the gaps);
 *   conflicts.tsv conn, dir, offset, length, kind of bytes captured twice
 *                 with different contents.  The expected files follow
 *                 "first data received wins": the bytes that come first in
 *                 the capture are kept.  kind is "overlap" for a conflicting
 *                 retransmission and "keepalive" for a keep-alive's garbage
 *                 byte.
 * Every .tsv starts with a header line; offsets are from byte 0 of the
 * expected file.  The expected data are computed by replaying the packets
 * in capture order, so they describe exactly the trace that was written.
 *
 * Stream bytes are a seeded pseudo-random function of (seed, connection,
 * direction, offset): a case is reproducible from its seed alone.  The
 * client sends --bytes bytes per connection (default 20000), the server
 * that plus a third.  Segments are --mss bytes (default 1448), a quarter of
 * them shorter.  Addresses: 198.18.0.0/15, 2001:db8::/32.
 *
 * Cases (--case all writes each into DIR/<case>/):
 *   inorder       one connection, in order, FIN close
 *   reorder       segments (and FINs) shuffled in windows of 8 packets
 *   dup           a retransmitted SYN and duplicated data; RST close
 *   overlap-same  retransmissions overlapping earlier and later segments,
 *                 with identical bytes
 *   overlap-diff  the same with different bytes, and early bad copies
 *                 (conflicts.tsv lists every conflicting range)
 *   loss          segments missing from the capture, including the first
 *                 server segment and the last client one (gaps.tsv)
 *   wrap          ISNs close to 2^32: sequence numbers wrap mid-stream
 *   ipv6          one connection over IPv6
 *   vlan          two connections, one 802.1Q tagged, one QinQ
 *                 (802.1ad outer tag), interleaved
 *   port-reuse    two connections on the same 4-tuple, the second (new
 *                 ISN) a second after the first one's FIN
 *   midstream     the capture starts after the handshake and some data
 *   keepalive     keep-alive probes (seq = snd.nxt - 1, empty and with one
 *                 garbage byte) and zero-window probes (empty at snd.una - 1,
 *                 and one byte of real data that is not acknowledged)
 *   many          --flows N connections (default 100) interleaved, each
 *                 with --reorder P of its data segments displaced by up to
 *                 8 packets (default 0); every fifth closed by RST.  For
 *                 benchmarks: written through a large stdio buffer.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/cli.h"

#define C2S 0
#define S2C 1
#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10
#define WIN 65535
#define TS_START 1700000000ull
#define TS_STEP_NS 10000ull
#define MAX_FRAME 65600
#define MAX_FLOWS 1000000

enum src {
	SRC_CANON, /* the sender's real bytes */
	SRC_ALT, /* a conflicting copy */
	SRC_GARB, /* a keep-alive's garbage byte */
};

static const uint8_t src_xor[] = {0, 0xa5, 0x5a};

struct seg {
	uint32_t conn;
	uint8_t dir;
	uint8_t flags;
	uint8_t src;
	uint16_t win;
	uint32_t len;
	uint32_t gap_ms; /* idle time before this packet */
	int64_t off; /* seq = isn + 1 + off; -1 for a SYN */
	int64_t ack_off; /* ack = peer isn + 1 + ack_off */
};

struct seglist {
	struct seg *v;
	size_t n, cap;
};

struct ivl {
	uint64_t s, e;
	uint8_t src;
};

struct ivls {
	struct ivl *v;
	size_t n, cap;
};

struct conflict {
	uint32_t conn;
	uint8_t dir;
	uint8_t kind; /* src of the later copy */
	uint64_t s, e;
};

struct conn {
	int family;
	int nvlan;
	uint16_t vlan_tpid[2], vlan_id[2];
	uint8_t caddr[16], saddr[16];
	uint16_t cport, sport;
	uint32_t isn[2];
	uint64_t bytes[2];
	uint64_t key[2];
	bool rst;
	/* filled by the replay */
	bool syn_seen[2], has_base[2];
	uint64_t base[2];
	struct ivls got[2];
};

struct opts {
	const char *cas, *out;
	uint64_t seed, bytes;
	unsigned int mss, flows;
	double reorder;
	bool flows_set, reorder_set;
};

struct gen {
	const struct opts *o;
	uint64_t rng;
	struct conn *conns;
	uint32_t nconns;
	struct seglist pkts;
	struct conflict *cf;
	size_t ncf, capcf;
};

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		fprintf(stderr, "tracegen: out of memory\n");
		exit(1);
	}
	return p;
}

static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t rnd(struct gen *g)
{
	g->rng += 0x9e3779b97f4a7c15ull;
	return mix64(g->rng);
}

/* Uniform in [lo, hi]. */
static uint64_t rnd_in(struct gen *g, uint64_t lo, uint64_t hi)
{
	return lo + rnd(g) % (hi - lo + 1);
}

static bool chance(struct gen *g, double p)
{
	return (rnd(g) >> 11) * (1.0 / 9007199254740992.0) < p;
}

/* Bytes [off, off + len) of a stream, as sent by src. */
static void stream_bytes(uint64_t key, uint64_t off, uint8_t *dst, size_t len,
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

static void seg_push(struct seglist *l, const struct seg *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 256;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = *s;
}

/* Builds one connection's packets in the order the endpoints send them. */
struct bld {
	struct gen *g;
	struct seglist *out;
	uint32_t conn;
	struct conn *c;
	uint64_t sent[2];
	bool fin[2];
	uint16_t win[2];
};

static void b_init(struct bld *b, struct gen *g, struct seglist *out,
		   uint32_t conn)
{
	memset(b, 0, sizeof(*b));
	b->g = g;
	b->out = out;
	b->conn = conn;
	b->c = &g->conns[conn];
	b->win[C2S] = b->win[S2C] = WIN;
}

static struct seg *b_emit(struct bld *b, int d, uint8_t flags, int64_t off,
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

static void b_handshake(struct bld *b)
{
	b_emit(b, C2S, TH_SYN, -1, 0, SRC_CANON);
	b_emit(b, S2C, TH_SYN | TH_ACK, -1, 0, SRC_CANON)->ack_off = 0;
	b_emit(b, C2S, TH_ACK, 0, 0, SRC_CANON);
}

static void b_ack(struct bld *b, int d)
{
	b_emit(b, d, TH_ACK, b->sent[d] + b->fin[d], 0, SRC_CANON);
}

static uint32_t seg_len(struct gen *g)
{
	unsigned int mss = g->o->mss;

	return chance(g, 0.25) ? rnd_in(g, 1, mss) : mss;
}

/* One data segment of d; returns its length (0 when d is done). */
static uint32_t b_data(struct bld *b, int d, uint64_t limit)
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
static void b_burst(struct bld *b, int d, uint64_t n)
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
static void b_exchange(struct bld *b)
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

static void b_close(struct bld *b)
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

static void b_full(struct bld *b)
{
	b_handshake(b);
	b_exchange(b);
	b_close(b);
}

/* Connection i: addresses in 198.18.0.0/15 or 2001:db8::/32. */
static struct conn *conn_new(struct gen *g, int family, uint32_t i)
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
static void t_shuffle(struct gen *g, struct seglist *l, size_t start, size_t w)
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
static void t_displace(struct gen *g, struct seglist *l, double p)
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
static void t_dup(struct gen *g, struct seglist *l, double p)
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
static void t_overlap(struct gen *g, struct seglist *l, bool alt)
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
static void t_loss(struct gen *g, struct seglist *l, double p)
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

/* Interleave per-connection lists at random, keeping each one's order. */
static void merge(struct gen *g, struct seglist *lists, uint32_t n)
{
	uint32_t *act = xrealloc(NULL, n * sizeof(*act)), nact = n, k, i;
	size_t *pos = xrealloc(NULL, n * sizeof(*pos));

	for (i = 0; i < n; i++) {
		act[i] = i;
		pos[i] = 0;
	}
	while (nact) {
		k = rnd(g) % nact;
		i = act[k];
		seg_push(&g->pkts, &lists[i].v[pos[i]++]);
		if (pos[i] == lists[i].n)
			act[k] = act[--nact];
	}
	for (i = 0; i < n; i++)
		free(lists[i].v);
	free(act);
	free(pos);
}

static void cf_add(struct gen *g, uint32_t conn, int d, uint64_t s, uint64_t e,
		   enum src kind)
{
	struct conflict *last = g->ncf ? &g->cf[g->ncf - 1] : NULL;

	if (last && last->conn == conn && last->dir == d &&
	    last->kind == kind && last->e == s) {
		last->e = e;
		return;
	}
	if (g->ncf == g->capcf) {
		g->capcf = g->capcf ? g->capcf * 2 : 64;
		g->cf = xrealloc(g->cf, g->capcf * sizeof(*g->cf));
	}
	g->cf[g->ncf++] = (struct conflict){conn, d, kind, s, e};
}

static void ivl_insert_at(struct ivls *l, size_t i, uint64_t s, uint64_t e,
			  uint8_t src)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	memmove(&l->v[i + 1], &l->v[i], (l->n - i) * sizeof(*l->v));
	l->v[i] = (struct ivl){s, e, src};
	l->n++;
}

/* Join touching intervals of the same source. */
static void ivl_normalize(struct ivls *l)
{
	size_t i, j = 0;

	for (i = 1; i < l->n; i++) {
		if (l->v[j].e == l->v[i].s && l->v[j].src == l->v[i].src)
			l->v[j].e = l->v[i].e;
		else
			l->v[++j] = l->v[i];
	}
	if (l->n)
		l->n = j + 1;
}

/*
 * Record bytes [s, e) of a direction arriving from src: new bytes are
 * kept, bytes already held keep their first source, and differing
 * copies are conflicts.
 */
static void receive(struct gen *g, uint32_t conn, int d, uint64_t s, uint64_t e,
		    uint8_t src)
{
	struct ivls *l = &g->conns[conn].got[d];
	uint64_t cur = s, end;
	size_t i = l->n;

	if (!l->n || s >= l->v[l->n - 1].e) {
		ivl_insert_at(l, l->n, s, e, src);
		ivl_normalize(l);
		return;
	}
	while (i > 0 && l->v[i - 1].e > s)
		i--;
	while (cur < e) {
		if (i == l->n || l->v[i].s >= e) {
			ivl_insert_at(l, i, cur, e, src);
			break;
		}
		if (l->v[i].s > cur) {
			ivl_insert_at(l, i, cur, l->v[i].s, src);
			i++;
		}
		cur = l->v[i].s > cur ? l->v[i].s : cur;
		end = l->v[i].e < e ? l->v[i].e : e;
		if (l->v[i].src != src)
			cf_add(g, conn, d, cur, end, src);
		cur = end;
		i++;
	}
	ivl_normalize(l);
}

/* Replay the capture in order to find what a receiver holds. */
static void replay(struct gen *g)
{
	size_t i;

	for (i = 0; i < g->pkts.n; i++) {
		const struct seg *s = &g->pkts.v[i];
		struct conn *c = &g->conns[s->conn];
		int d = s->dir;
		int64_t st = s->off, e = s->off + s->len;

		if (s->flags & TH_SYN) {
			c->syn_seen[d] = c->has_base[d] = true;
			c->base[d] = 0;
		}
		if (!s->len)
			continue;
		if (!c->has_base[d]) {
			c->has_base[d] = true;
			c->base[d] = s->off;
		}
		/* Bytes before the stream's first (SYN or first seen). */
		if (st < (int64_t)c->base[d])
			st = c->base[d];
		if (e > st)
			receive(g, s->conn, d, st, e, s->src);
	}
}

static uint8_t *be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
	return p + 2;
}

static uint8_t *be32(uint8_t *p, uint32_t v)
{
	be16(p, v >> 16);
	be16(p + 2, v);
	return p + 4;
}

/* Ones'-complement sum of big-endian 16-bit words; n even but the last. */
static uint64_t csum_add(uint64_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* IPv4 or IPv6 header at p for l4len bytes of TCP; returns its end. */
static uint8_t *put_ip(const struct conn *c, int d, uint8_t *p, uint32_t l4len,
		       uint16_t id, uint64_t *pseudo)
{
	const uint8_t *src = d == C2S ? c->caddr : c->saddr;
	const uint8_t *dst = d == C2S ? c->saddr : c->caddr;
	int alen = c->family == 4 ? 4 : 16;
	uint8_t ph[4] = {0, 6};

	if (c->family == 4) {
		p[0] = 0x45;
		p[1] = 0;
		be16(p + 2, 20 + l4len);
		be16(p + 4, id);
		be16(p + 6, 0x4000);
		p[8] = 64;
		p[9] = 6;
		be16(p + 10, 0);
		memcpy(p + 12, src, 4);
		memcpy(p + 16, dst, 4);
		be16(p + 10, csum_fold(csum_add(0, p, 20)));
		p += 20;
	} else {
		be32(p, 0x60000000);
		be16(p + 4, l4len);
		p[6] = 6;
		p[7] = 64;
		memcpy(p + 8, src, 16);
		memcpy(p + 24, dst, 16);
		p += 40;
	}
	be16(ph + 2, l4len);
	*pseudo = csum_add(csum_add(csum_add(0, src, alen), dst, alen), ph, 4);
	return p;
}

/* The whole frame of s into f; returns its length. */
static size_t build_frame(struct gen *g, const struct seg *s, uint8_t *f,
			  uint16_t id)
{
	const struct conn *c = &g->conns[s->conn];
	int d = s->dir, k, optlen = (s->flags & TH_SYN) ? 4 : 0;
	uint32_t l4len = 20 + optlen + s->len;
	uint8_t *p = f, *tcp;
	uint64_t sum;

	memcpy(p, (uint8_t[]){2, 0, 0, 0, 0, d == C2S ? 2 : 1}, 6);
	memcpy(p + 6, (uint8_t[]){2, 0, 0, 0, 0, d == C2S ? 1 : 2}, 6);
	p += 12;
	for (k = 0; k < c->nvlan; k++) {
		p = be16(p, c->vlan_tpid[k]);
		p = be16(p, c->vlan_id[k]);
	}
	p = be16(p, c->family == 4 ? 0x0800 : 0x86dd);
	p = put_ip(c, d, p, l4len, id, &sum);
	tcp = p;
	p = be16(p, d == C2S ? c->cport : c->sport);
	p = be16(p, d == C2S ? c->sport : c->cport);
	p = be32(p, c->isn[d] + 1 + (uint64_t)s->off);
	p = be32(p, (s->flags & TH_ACK) ? c->isn[!d] + 1 + (uint64_t)s->ack_off
					: 0);
	*p++ = (5 + optlen / 4) << 4;
	*p++ = s->flags;
	p = be16(p, s->win);
	p = be32(p, 0); /* checksum and urgent pointer */
	if (optlen) {
		p = be16(p, 0x0204);
		p = be16(p, g->o->mss);
	}
	stream_bytes(c->key[d], s->off, p, s->len, s->src);
	p += s->len;
	be16(tcp + 16, csum_fold(csum_add(sum, tcp, l4len)));
	return p - f;
}

static int write_pcap(struct gen *g, const char *path)
{
	static uint8_t frame[MAX_FRAME];
	uint64_t ts = TS_START * 1000000000ull;
	struct {
		uint32_t magic;
		uint16_t major, minor;
		uint32_t zone, sigfigs, snaplen, linktype;
	} hdr = {0xa1b23c4d, 2, 4, 0, 0, 262144, 1};
	uint16_t id = 1;
	FILE *f = fopen(path, "wb");
	size_t i;

	if (!f)
		goto fail;
	/* Big buffer: one write(2) per 4 MiB, not per packet. */
	setvbuf(f, NULL, _IOFBF, 4 << 20);
	fwrite(&hdr, sizeof(hdr), 1, f);
	for (i = 0; i < g->pkts.n; i++) {
		const struct seg *s = &g->pkts.v[i];
		uint32_t rec[4];
		size_t n = build_frame(g, s, frame, id++);

		ts += TS_STEP_NS + s->gap_ms * 1000000ull;
		rec[0] = ts / 1000000000ull;
		rec[1] = ts % 1000000000ull;
		rec[2] = rec[3] = n;
		fwrite(rec, sizeof(rec), 1, f);
		fwrite(frame, n, 1, f);
	}
	if (ferror(f) || fclose(f))
		goto fail;
	return 0;
fail:
	fprintf(stderr, "tracegen: %s: %s\n", path, strerror(errno));
	return -1;
}

static const char *const dir_name[] = {"c2s", "s2c"};

static FILE *open_out(const char *dir, const char *name, const char *header)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/expected/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		fprintf(stderr, "tracegen: %s: %s\n", path, strerror(errno));
	else if (header)
		fputs(header, f);
	return f;
}

static void put_range(FILE *f, const struct conn *c, int d, uint64_t s,
		      uint64_t e, enum src src)
{
	static uint8_t buf[1 << 16];

	while (s < e) {
		size_t n = e - s < sizeof(buf) ? e - s : sizeof(buf);

		stream_bytes(c->key[d], s, buf, n, src);
		fwrite(buf, n, 1, f);
		s += n;
	}
}

/*
 * conn<i>.<dir>: the first-received bytes of each range, the real ones
 * where nothing was captured (and those ranges into gaps.tsv).
 */
static int write_stream(struct gen *g, const char *dir, uint32_t i, int d,
			FILE *gaps)
{
	const struct conn *c = &g->conns[i];
	const struct ivls *l = &c->got[d];
	uint64_t pos = c->base[d], end = c->bytes[d], s;
	char name[64];
	size_t k;
	FILE *f;

	snprintf(name, sizeof(name), "conn%u.%s", i, dir_name[d]);
	f = open_out(dir, name, NULL);
	if (!f)
		return -1;
	for (k = 0; k <= l->n && pos < end; k++) {
		s = k < l->n ? l->v[k].s : end;
		if (s > pos) {
			put_range(f, c, d, pos, s, SRC_CANON);
			fprintf(gaps, "%u\t%s\t%llu\t%llu\n", i, dir_name[d],
				(unsigned long long)(pos - c->base[d]),
				(unsigned long long)(s - pos));
			pos = s;
		}
		if (k < l->n) {
			put_range(f, c, d, pos, l->v[k].e, l->v[k].src);
			pos = l->v[k].e;
		}
	}
	return fclose(f) ? -1 : 0;
}

static void addr_str(const struct conn *c, const uint8_t *a, char *buf,
		     size_t len)
{
	int k, n = 0;

	if (c->family == 4) {
		snprintf(buf, len, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
		return;
	}
	/* Full form, no "::" compression: simple and unambiguous. */
	for (k = 0; k < 16; k += 2)
		n += snprintf(buf + n, len - n, "%s%x", k ? ":" : "",
			      a[k] << 8 | a[k + 1]);
}

static void conn_line(FILE *f, const struct conn *c, uint32_t i)
{
	char ca[64], sa[64], vlan[32] = "-";
	int d;

	addr_str(c, c->caddr, ca, sizeof(ca));
	addr_str(c, c->saddr, sa, sizeof(sa));
	if (c->nvlan == 1)
		snprintf(vlan, sizeof(vlan), "%u", c->vlan_id[0]);
	else if (c->nvlan == 2)
		snprintf(vlan, sizeof(vlan), "%u.%u", c->vlan_id[0],
			 c->vlan_id[1]);
	fprintf(f, "%u\t%d\t%s\t%s\t%u\t%s\t%u", i, c->family, vlan, ca,
		c->cport, sa, c->sport);
	for (d = 0; d < 2; d++)
		fprintf(f, "\t%u", c->isn[d]);
	for (d = 0; d < 2; d++)
		fprintf(f, "\t%u", (uint32_t)(c->isn[d] + 1 + c->base[d]));
	for (d = 0; d < 2; d++)
		fprintf(f, "\t%llu",
			(unsigned long long)(c->bytes[d] - c->base[d]));
	fprintf(f, "\t%s\n", c->rst ? "rst" : "fin");
}

static int write_expected(struct gen *g, const char *dir)
{
	FILE *conns, *gaps, *cf;
	int ret = 0, d;
	uint32_t i;
	size_t k;

	conns = open_out(dir, "conns.tsv",
			 "conn\tfamily\tvlan\tclient\tcport\tserver\tsport\t"
			 "c2s_isn\ts2c_isn\tc2s_seq0\ts2c_seq0\tc2s_bytes\t"
			 "s2c_bytes\tclose\n");
	gaps = open_out(dir, "gaps.tsv", "conn\tdir\toffset\tlength\n");
	cf = open_out(dir, "conflicts.tsv",
		      "conn\tdir\toffset\tlength\tkind\n");
	if (!conns || !gaps || !cf)
		ret = -1;
	for (i = 0; !ret && i < g->nconns; i++) {
		conn_line(conns, &g->conns[i], i);
		for (d = 0; d < 2 && !ret; d++)
			ret = write_stream(g, dir, i, d, gaps);
	}
	for (k = 0; !ret && k < g->ncf; k++) {
		const struct conflict *x = &g->cf[k];
		uint64_t base = g->conns[x->conn].base[x->dir];

		fprintf(cf, "%u\t%s\t%llu\t%llu\t%s\n", x->conn,
			dir_name[x->dir], (unsigned long long)(x->s - base),
			(unsigned long long)(x->e - x->s),
			x->kind == SRC_GARB ? "keepalive" : "overlap");
	}
	if ((conns && fclose(conns)) || (gaps && fclose(gaps)) ||
	    (cf && fclose(cf)))
		ret = -1;
	if (ret)
		fprintf(stderr, "tracegen: writing %s/expected failed\n", dir);
	return ret;
}

static void one_conn(struct gen *g, int family)
{
	struct bld b;

	conn_new(g, family, 0);
	b_init(&b, g, &g->pkts, 0);
	b_full(&b);
}

static void case_inorder(struct gen *g)
{
	one_conn(g, 4);
}

static void case_reorder(struct gen *g)
{
	one_conn(g, 4);
	t_shuffle(g, &g->pkts, 3, 8); /* the handshake stays first */
}

static void case_dup(struct gen *g)
{
	struct seg syn;
	struct bld b;

	conn_new(g, 4, 0)->rst = true;
	b_init(&b, g, &g->pkts, 0);
	b_full(&b);
	t_dup(g, &g->pkts, 0.25);
	/* A retransmitted SYN right after the first. */
	syn = g->pkts.v[0];
	syn.gap_ms = 1000;
	seg_push(&g->pkts, &syn);
	memmove(&g->pkts.v[2], &g->pkts.v[1], (g->pkts.n - 2) * sizeof(syn));
	g->pkts.v[1] = syn;
}

static void case_overlap_same(struct gen *g)
{
	one_conn(g, 4);
	t_overlap(g, &g->pkts, false);
}

static void case_overlap_diff(struct gen *g)
{
	one_conn(g, 4);
	t_overlap(g, &g->pkts, true);
}

static void case_loss(struct gen *g)
{
	one_conn(g, 4);
	t_loss(g, &g->pkts, 0.1);
}

static void case_wrap(struct gen *g)
{
	struct conn *c = conn_new(g, 4, 0);
	struct bld b;

	c->isn[C2S] = (uint32_t)(0 - c->bytes[C2S] / 2);
	c->isn[S2C] = (uint32_t)(0 - c->bytes[S2C] / 3);
	b_init(&b, g, &g->pkts, 0);
	b_full(&b);
}

static void case_ipv6(struct gen *g)
{
	one_conn(g, 6);
}

static void case_vlan(struct gen *g)
{
	struct seglist l[2] = {{0}, {0}};
	struct conn *c;
	struct bld b;
	uint32_t i;

	for (i = 0; i < 2; i++)
		conn_new(g, 4, i);
	c = &g->conns[0];
	c->nvlan = 1;
	c->vlan_tpid[0] = 0x8100;
	c->vlan_id[0] = 100;
	c = &g->conns[1];
	c->nvlan = 2;
	c->vlan_tpid[0] = 0x88a8;
	c->vlan_id[0] = 200;
	c->vlan_tpid[1] = 0x8100;
	c->vlan_id[1] = 300;
	for (i = 0; i < 2; i++) {
		b_init(&b, g, &l[i], i);
		b_full(&b);
	}
	merge(g, l, 2);
}

static void case_port_reuse(struct gen *g)
{
	struct conn *c;
	struct bld b;
	size_t first;

	conn_new(g, 4, 0);
	c = conn_new(g, 4, 0);
	/* A new ISN above the old connection's last sequence number. */
	c->isn[C2S] = g->conns[0].isn[C2S] + g->conns[0].bytes[C2S] + 100000 +
		      rnd_in(g, 0, 100000);
	b_init(&b, g, &g->pkts, 0);
	b_full(&b);
	first = g->pkts.n;
	b_init(&b, g, &g->pkts, 1);
	b_full(&b);
	g->pkts.v[first].gap_ms = 1000;
}

/* Cut before the client's second burst: no handshake in the capture. */
static void case_midstream(struct gen *g)
{
	struct seglist *l = &g->pkts;
	size_t i, cut = 0;
	int bursts = 0, last = -1;

	one_conn(g, 4);
	for (i = 0; i < l->n; i++) {
		if (!l->v[i].len)
			continue;
		if (l->v[i].dir == C2S && last != C2S) {
			cut = i;
			if (++bursts == 2)
				break;
		}
		last = l->v[i].dir;
	}
	memmove(l->v, l->v + cut, (l->n - cut) * sizeof(*l->v));
	l->n -= cut;
}

static void probe(struct bld *b, int d, int64_t off, uint32_t len, enum src src,
		  uint32_t gap_ms)
{
	b_emit(b, d, TH_ACK, off, len, src)->gap_ms = gap_ms;
	b_ack(b, !d);
}

static void case_keepalive(struct gen *g)
{
	struct conn *c = conn_new(g, 4, 0);
	struct bld b;

	b_init(&b, g, &g->pkts, 0);
	b_handshake(&b);
	b_burst(&b, C2S, c->bytes[C2S] / 2);
	b_burst(&b, S2C, c->bytes[S2C] / 2);
	/* Keep-alives: Linux sends none, BSD and Windows one garbage byte. */
	probe(&b, C2S, b.sent[C2S] - 1, 0, SRC_CANON, 5000);
	/* The garbage byte overlaps the last byte sent, if any was. */
	if (b.sent[C2S])
		probe(&b, C2S, b.sent[C2S] - 1, 1, SRC_GARB, 5000);
	if (b.sent[S2C])
		probe(&b, S2C, b.sent[S2C] - 1, 1, SRC_GARB, 5000);
	/* The server's window closes after two more segments. */
	b_data(&b, C2S, c->bytes[C2S]);
	b_data(&b, C2S, c->bytes[C2S]);
	b.win[S2C] = 0;
	b_ack(&b, S2C);
	/*
	 * Zero-window probes: Linux's is empty at snd.una - 1; others send
	 * the next byte, which the closed window refuses (no ACK for it).
	 */
	probe(&b, C2S, b.sent[C2S] - 1, 0, SRC_CANON, 200);
	if (b.sent[C2S] < c->bytes[C2S])
		probe(&b, C2S, b.sent[C2S], 1, SRC_CANON, 400);
	b.win[S2C] = WIN;
	b_ack(&b, S2C);
	b_exchange(&b);
	b_close(&b);
}

static void case_many(struct gen *g)
{
	uint32_t i, n = g->o->flows;
	struct seglist *l = xrealloc(NULL, n * sizeof(*l));
	struct bld b;

	for (i = 0; i < n; i++) {
		conn_new(g, 4, i)->rst = i % 5 == 4;
		memset(&l[i], 0, sizeof(l[i]));
		b_init(&b, g, &l[i], i);
		b_full(&b);
		if (g->o->reorder > 0)
			t_displace(g, &l[i], g->o->reorder);
	}
	merge(g, l, n);
	free(l);
}

static const struct {
	const char *name;
	void (*build)(struct gen *g);
	const char *desc;
} cases[] = {
	{"inorder", case_inorder, "one connection, in order, FIN close"},
	{"reorder", case_reorder, "packets shuffled in windows of 8"},
	{"dup", case_dup, "a retransmitted SYN, duplicated data, RST"},
	{"overlap-same", case_overlap_same,
	 "overlapping retransmissions, same bytes"},
	{"overlap-diff", case_overlap_diff,
	 "overlapping copies with other bytes (first wins)"},
	{"loss", case_loss, "segments missing from the capture"},
	{"wrap", case_wrap, "sequence numbers wrap past 2^32"},
	{"ipv6", case_ipv6, "one connection over IPv6"},
	{"vlan", case_vlan, "802.1Q and QinQ connections, interleaved"},
	{"port-reuse", case_port_reuse,
	 "the same 4-tuple again after a FIN, new ISN"},
	{"midstream", case_midstream, "the capture misses the handshake"},
	{"keepalive", case_keepalive, "keep-alive and zero-window probes"},
	{"many", case_many, "--flows connections interleaved (benchmarks)"},
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

static int make_dir(const char *path)
{
	if (mkdir(path, 0755) && errno != EEXIST) {
		fprintf(stderr, "tracegen: mkdir %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	return 0;
}

static void gen_free(struct gen *g)
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

static int run_case(const struct opts *o, size_t k, const char *dir)
{
	struct gen g = {.o = o};
	char path[4096];
	const char *p;
	int ret;

	/* Each case draws from its own sequence: same seed, same trace. */
	g.rng = mix64(o->seed);
	for (p = cases[k].name; *p; p++)
		g.rng = mix64(g.rng ^ (uint8_t)*p);
	cases[k].build(&g);
	replay(&g);
	snprintf(path, sizeof(path), "%s/expected", dir);
	ret = make_dir(dir) ?: make_dir(path);
	snprintf(path, sizeof(path), "%s/trace.pcap", dir);
	if (!ret)
		ret = write_pcap(&g, path) ?: write_expected(&g, dir);
	gen_free(&g);
	return ret;
}

static void usage(FILE *f)
{
	size_t k;

	fprintf(f,
		"Usage: tracegen --case NAME --out DIR [OPTIONS]\n\n"
		"Write a synthetic TCP trace (DIR/trace.pcap) and the exact "
		"streams a\nreassembler must produce from it "
		"(DIR/expected/conn<i>.c2s, .s2c,\nconns.tsv, gaps.tsv, "
		"conflicts.tsv).\n\n"
		"Options:\n"
		"  --case NAME    a case below, or all (each in DIR/<case>/)\n");
	fprintf(f,
		"  --out DIR      output directory (created)\n"
		"  --seed N       seed of the streams and choices (default 1)\n"
		"  --bytes B      client bytes per connection, K/M/G suffixes;"
		"\n                 the server sends B + B/3 (default 20000)\n"
		"  --mss M        full segment size, 1..65000 (default 1448)\n"
		"  --flows N      many: connections (default 100)\n"
		"  --reorder P    many: fraction of data segments displaced by"
		"\n                 up to 8 packets, 0..1 (default 0)\n"
		"  -h, --help     show this help and exit\n\nCases:\n");
	for (k = 0; k < NCASES; k++)
		fprintf(f, "  %-14s %s\n", cases[k].name, cases[k].desc);
}

static int parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || end == s || *end || *s == '-' || *out > max ? -1 : 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{"case", required_argument, NULL, 'c'},
		{"out", required_argument, NULL, 'o'},
		{"seed", required_argument, NULL, 's'},
		{"bytes", required_argument, NULL, 'b'},
		{"mss", required_argument, NULL, 'm'},
		{"flows", required_argument, NULL, 'f'},
		{"reorder", required_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	uint64_t v;
	char *end;
	int c, idx = 0;

	while ((c = getopt_long(argc, argv, "h", lo, &idx)) != -1) {
		switch (c) {
		case 'c':
			o->cas = optarg;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 's':
			if (parse_uint(optarg, UINT64_MAX, &o->seed))
				goto bad;
			break;
		case 'b':
			if (cli_parse_size(optarg, &o->bytes) || !o->bytes ||
			    o->bytes > (1ull << 40))
				goto bad;
			break;
		case 'm':
			if (parse_uint(optarg, 65000, &v) || !v)
				goto bad;
			o->mss = v;
			break;
		case 'f':
			if (parse_uint(optarg, MAX_FLOWS, &v) || !v)
				goto bad;
			o->flows = v;
			o->flows_set = true;
			break;
		case 'r':
			o->reorder = strtod(optarg, &end);
			if (end == optarg || *end || !(o->reorder >= 0) ||
			    o->reorder > 1)
				goto bad;
			o->reorder_set = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc || !o->cas || !o->out) {
		fprintf(stderr, "tracegen: --case and --out are required, "
				"and nothing else\n");
		return -1;
	}
	return 0;
bad:
	fprintf(stderr, "tracegen: invalid value '%s' for --%s\n", optarg,
		lo[idx].name);
	return -1;
}

int main(int argc, char **argv)
{
	struct opts o = {.seed = 1, .bytes = 20000, .mss = 1448, .flows = 100};
	char dir[4096];
	bool all;
	size_t k;

	if (parse_opts(argc, argv, &o))
		return 2;
	all = !strcmp(o.cas, "all");
	if ((o.flows_set || o.reorder_set) && !all && strcmp(o.cas, "many")) {
		fprintf(stderr, "tracegen: --flows and --reorder apply to "
				"--case many only\n");
		return 2;
	}
	for (k = 0; k < NCASES && !all; k++)
		if (!strcmp(o.cas, cases[k].name))
			return run_case(&o, k, o.out) ? 1 : 0;
	if (!all) {
		fprintf(stderr,
			"tracegen: unknown case '%s' (--help lists "
			"them)\n",
			o.cas);
		return 2;
	}
	if (make_dir(o.out))
		return 1;
	for (k = 0; k < NCASES; k++) {
		snprintf(dir, sizeof(dir), "%s/%s", o.out, cases[k].name);
		if (run_case(&o, k, dir))
			return 1;
	}
	return 0;
}
