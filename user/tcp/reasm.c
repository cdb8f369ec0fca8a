// SPDX-License-Identifier: GPL-2.0
/*
 * reasm: per-direction TCP reassembly (see reasm.h for the policies).
 *
 * Positions are 64-bit stream offsets.  Before the start of a direction
 * without SYN is known (REASM_PENDING), held segments are positioned
 * relative to the first sequence number seen, at PEND_ORIGIN, so that
 * data earlier in sequence space still has a place; choosing the start
 * rebases them to 0.
 *
 * The held list is sorted and never overlaps itself nor anything already
 * delivered: every held offset is >= next_off.  A new segment is compared
 * with the held data it overlaps (first received wins), and only the free
 * pieces between held segments are delivered or held.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "parse/pkt.h"
#include "tcp/reasm.h"
#include "lib/seq.h"

#define PEND_ORIGIN (1ull << 40)
#define SEQ_WINDOW (1 << 30)
#define FREE_SEGS_MAX 4096

struct reasm_seg {
	struct reasm_seg *next;
	uint64_t off;
	uint32_t len;
	bool copy; /* buf is a reasm_copy, counted in ctx->copy_bytes */
	bool psh; /* its packet had PSH: data, never a keep-alive probe */
	const uint8_t *data;
	struct buf *buf;
};

struct reasm_copy {
	struct buf b;
	uint8_t data[];
};

void reasm_cfg_default(struct reasm_cfg *cfg)
{
	*cfg = (struct reasm_cfg){
		.policy = REASM_HOLD_COPY,
		.max_ref_segs = 4096,
		.ooo_total = 256ull << 20,
		.ooo_per_flow = 8ull << 20,
		.max_segs_per_dir = 2048,
		.midstream_window = 64 << 10,
		.max_gaps_listed = 1024,
	};
}

void reasm_ctx_init(struct reasm_ctx *ctx, const struct reasm_cfg *cfg)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->cfg = *cfg;
}

void reasm_ctx_fini(struct reasm_ctx *ctx)
{
	struct reasm_seg *s;

	while ((s = ctx->free_segs)) {
		ctx->free_segs = s->next;
		free(s);
	}
	ctx->nfree = 0;
}

void reasm_init(struct reasm *r, struct reasm_ctx *ctx, uint64_t *flow_held,
		const struct reasm_sink *sink, void *sink_arg)
{
	memset(r, 0, sizeof(*r));
	r->ctx = ctx;
	r->flow_held = flow_held;
	r->sink = sink;
	r->sink_arg = sink_arg;
}

static struct reasm_seg *seg_alloc(struct reasm_ctx *ctx)
{
	struct reasm_seg *s = ctx->free_segs;

	if (s) {
		ctx->free_segs = s->next;
		ctx->nfree--;
		return s;
	}
	return malloc(sizeof(*s));
}

static void seg_free(struct reasm_ctx *ctx, struct reasm_seg *s)
{
	if (ctx->nfree >= FREE_SEGS_MAX) {
		free(s);
		return;
	}
	s->next = ctx->free_segs;
	ctx->free_segs = s;
	ctx->nfree++;
}

static void copy_release(struct buf *b)
{
	free(b);
}

/*
 * What holding a segment costs: the budgets count memory, not payload
 * alone, or many tiny segments would hold far more than the budget (a
 * 1-byte segment costs a list node, and a copy its header too).
 */
uint64_t reasm_hold_cost(uint32_t len, bool copy)
{
	return len + sizeof(struct reasm_seg) +
	       (copy ? sizeof(struct reasm_copy) : 0);
}

/* Unlink the head of the held list and drop the accounting (not the ref). */
static struct reasm_seg *pop_head(struct reasm *r)
{
	struct reasm_seg *s = r->held;
	struct reasm_ctx *ctx = r->ctx;
	uint64_t cost = reasm_hold_cost(s->len, s->copy);

	r->held = s->next;
	if (!r->held)
		r->held_last = NULL;
	r->nheld--;
	r->held_bytes -= s->len;
	*r->flow_held -= cost;
	ctx->held_bytes -= cost;
	if (s->copy) {
		ctx->copy_bytes -= cost;
	} else if (s->buf) {
		ctx->ref_segs--;
		if (ctx->cfg.hold_unref)
			ctx->cfg.hold_unref(s->buf);
	}
	return s;
}

static void emit(struct reasm *r, const uint8_t *p, uint32_t len, struct buf *b)
{
	r->sink->data(r->sink_arg, r->next_off, p, len, b);
	r->st.bytes += len;
	r->next_off += len;
	r->next += len;
}

/* Deliver the held segments that now continue the stream. */
static void flush(struct reasm *r)
{
	while (r->held && r->held->off == r->next_off) {
		struct reasm_seg *s = pop_head(r);

		emit(r, s->data, s->len, s->buf);
		buf_put(s->buf);
		seg_free(r->ctx, s);
	}
}

static void add_gap(struct reasm *r, uint64_t off, uint64_t len)
{
	struct reasm_gap *g;
	uint32_t cap;

	r->st.gap_bytes += len;
	if (r->ngaps &&
	    r->gaps[r->ngaps - 1].off + r->gaps[r->ngaps - 1].len == off) {
		r->gaps[r->ngaps - 1].len += len;
		return;
	}
	r->st.gaps++;
	if (r->gaps_truncated)
		return;
	if (r->ngaps >= r->ctx->cfg.max_gaps_listed) {
		r->gaps_truncated = true;
		r->unlisted_from = off;
		return;
	}
	if (r->ngaps == r->gaps_cap) {
		cap = r->gaps_cap ? r->gaps_cap * 2 : 4;
		g = realloc(r->gaps, cap * sizeof(*g));
		if (!g) {
			r->gaps_truncated = true;
			r->unlisted_from = off;
			return;
		}
		r->gaps = g;
		r->gaps_cap = cap;
	}
	r->gaps[r->ngaps++] = (struct reasm_gap){off, len};
}

/* Move the stream to target, recording what lies before it as a gap. */
static void gap_to(struct reasm *r, uint64_t target)
{
	if (target > r->next_off) {
		add_gap(r, r->next_off, target - r->next_off);
		r->next += (uint32_t)(target - r->next_off);
		r->next_off = target;
	}
	flush(r);
}

static bool try_hold(struct reasm *r, uint64_t off, const uint8_t *data,
		     uint32_t len, struct buf *b)
{
	struct reasm_ctx *ctx = r->ctx;
	const struct reasm_cfg *cfg = &ctx->cfg;
	struct reasm_seg *s, **pp;
	bool ref = b && ctx->ref_segs < cfg->max_ref_segs &&
		   (!cfg->hold_ref || cfg->hold_ref(b));
	uint64_t cost = reasm_hold_cost(len, !ref);

	if (r->nheld >= cfg->max_segs_per_dir ||
	    *r->flow_held + cost > cfg->ooo_per_flow ||
	    ctx->held_bytes + cost > cfg->ooo_total ||
	    (!ref && cfg->policy == REASM_HOLD_DROP) || !(s = seg_alloc(ctx))) {
		if (ref && cfg->hold_unref)
			cfg->hold_unref(b);
		return false;
	}
	s->psh = r->push_flags & PKT_TCP_PSH;
	if (ref) {
		buf_get(b);
		s->buf = b;
		s->data = data;
		s->copy = false;
		ctx->ref_segs++;
	} else {
		struct reasm_copy *c = malloc(sizeof(*c) + len);

		if (!c) {
			seg_free(ctx, s);
			return false;
		}
		c->b.refs = 1;
		c->b.release = copy_release;
		memcpy(c->data, data, len);
		s->buf = &c->b;
		s->data = c->data;
		s->copy = true;
		ctx->copy_bytes += cost;
		ctx->copies++;
	}
	s->off = off;
	s->len = len;
	/* Behind a hole, data usually arrives in order: append in O(1). */
	if (r->held_last && r->held_last->off < off)
		pp = &r->held_last->next;
	else
		for (pp = &r->held; *pp && (*pp)->off < off; pp = &(*pp)->next)
			;
	s->next = *pp;
	*pp = s;
	if (!s->next)
		r->held_last = s;
	r->nheld++;
	r->held_bytes += len;
	*r->flow_held += cost;
	ctx->held_bytes += cost;
	return true;
}

/*
 * Deliver or hold a free piece of the stream (one that overlaps nothing
 * received).  Past a budget, the hole in front is recorded as a gap until
 * the piece is in order: the stream moves on, memory stays bounded.
 */
static void place(struct reasm *r, uint64_t off, const uint8_t *data,
		  uint32_t len, struct buf *b)
{
	for (;;) {
		if (off == r->next_off) {
			emit(r, data, len, b);
			flush(r);
			return;
		}
		if (try_hold(r, off, data, len, b))
			return;
		r->ctx->budget_skips++;
		gap_to(r, r->held && r->held->off < off ? r->held->off : off);
	}
}

static uint64_t count_diff(const uint8_t *a, const uint8_t *b, uint64_t n)
{
	uint64_t i, d = 0;

	if (!memcmp(a, b, n))
		return 0;
	for (i = 0; i < n; i++)
		d += a[i] != b[i];
	return d;
}

struct overlap {
	uint64_t bytes;
	uint64_t diff;
};

static void note_overlap(struct reasm *r, uint64_t off, const struct overlap *o)
{
	if (!o->bytes)
		return;
	r->st.overlaps++;
	r->st.overlap_bytes += o->bytes;
	if (!o->diff)
		return;
	r->st.conflicts++;
	r->st.conflict_bytes += o->diff;
	pr_debug(
		"reasm: conflicting overlap at offset %llu: %llu of %llu bytes differ (first received kept)\n",
		(unsigned long long)off, (unsigned long long)o->diff,
		(unsigned long long)o->bytes);
}

/* Compare [off, off+len) with the held data it overlaps. */
static void compare_held(const struct reasm *r, uint64_t off,
			 const uint8_t *data, uint32_t len, struct overlap *o)
{
	uint64_t end = off + len, lo, hi;
	const struct reasm_seg *h;

	for (h = r->held; h && h->off < end; h = h->next) {
		lo = off > h->off ? off : h->off;
		hi = end < h->off + h->len ? end : h->off + h->len;
		if (lo >= hi)
			continue;
		o->bytes += hi - lo;
		o->diff += count_diff(data + (lo - off),
				      h->data + (lo - h->off), hi - lo);
	}
}

/*
 * Insert [off, off+len) at or after next_off.  Returns the offset where
 * it stopped: off + len, or earlier when a pending direction could not
 * hold a piece and must choose its start first.
 */
static uint64_t insert(struct reasm *r, uint64_t off, const uint8_t *data,
		       uint32_t len, struct buf *b, struct overlap *o)
{
	uint64_t end = off + len, c = off, pe;
	const struct reasm_seg *h = r->held_last;

	/* Past everything held (the common case behind a hole): no walk. */
	if (h && r->state == REASM_OPEN && off >= h->off + h->len &&
	    off > r->next_off) {
		place(r, off, data, len, b);
		return end;
	}
	compare_held(r, off, data, len, o);
	while (c < end) {
		if (r->state == REASM_OPEN && c < r->next_off) {
			/* held data delivered meanwhile: compared above */
			c = end < r->next_off ? end : r->next_off;
			continue;
		}
		pe = end;
		for (h = r->held; h; h = h->next) {
			if (h->off + h->len <= c)
				continue;
			if (h->off < pe)
				pe = h->off;
			break;
		}
		if (pe <= c) {
			c = h->off + h->len; /* inside held data */
			continue;
		}
		if (r->state == REASM_OPEN) {
			place(r, c, data + (c - off), pe - c, b);
		} else if (!try_hold(r, c, data + (c - off), pe - c, b)) {
			return c;
		}
		c = pe;
	}
	return end;
}

static void verify_range(struct reasm *r, uint64_t pos, const uint8_t *p,
			 uint64_t len, struct overlap *o)
{
	int64_t d;

	o->bytes += len;
	if (!r->sink->verify)
		return;
	d = r->sink->verify(r->sink_arg, pos, p, len);
	if (d > 0)
		o->diff += d;
}

/* Index of the first gap that ends after pos. */
static uint32_t gap_search(const struct reasm *r, uint64_t pos)
{
	uint32_t lo = 0, hi = r->ngaps, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (r->gaps[mid].off + r->gaps[mid].len <= pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Bytes before next_off: duplicates (verified if possible) or late.  Past
 * the first gap that is not listed, neither can be told: those bytes are
 * left alone (a hole read back as zeros is no conflict).
 */
static void account_old(struct reasm *r, int64_t off, const uint8_t *data,
			uint32_t len, struct overlap *o)
{
	const struct reasm_gap *g;
	uint64_t end, pos, stop;
	uint32_t i;

	if (off < 0) {
		uint64_t n = (uint64_t)-off < len ? (uint64_t)-off : len;

		r->st.before_start += n;
		data += n;
		len -= n;
		off = 0;
	}
	end = (uint64_t)off + len;
	if (r->gaps_truncated && end > r->unlisted_from)
		end = r->unlisted_from > (uint64_t)off ? r->unlisted_from
						       : (uint64_t)off;
	pos = off;
	i = gap_search(r, pos);
	while (pos < end) {
		g = i < r->ngaps ? &r->gaps[i] : NULL;
		if (g && g->off <= pos) {
			stop = g->off + g->len < end ? g->off + g->len : end;
			r->st.late_bytes += stop - pos;
			pos = stop;
			i++;
			continue;
		}
		stop = g && g->off < end ? g->off : end;
		verify_range(r, pos, data + (pos - off), stop - pos, o);
		pos = stop;
	}
}

/* Rebase a pending direction so that stream byte 0 is at pending offset
 * origin (sequence number base), and start delivering. */
static void anchor(struct reasm *r, uint64_t origin, uint32_t base)
{
	struct reasm_seg *s, **pp = &r->held;

	while (r->held && r->held->off + r->held->len <= origin) {
		s = pop_head(r);
		r->st.before_start += s->len;
		buf_put(s->buf);
		seg_free(r->ctx, s);
	}
	while ((s = *pp)) {
		if (s->off < origin) {
			uint32_t cut = origin - s->off;

			r->st.before_start += cut;
			s->data += cut;
			s->len -= cut;
			s->off = origin;
			r->held_bytes -= cut;
			*r->flow_held -= cut;
			r->ctx->held_bytes -= cut;
			if (s->copy)
				r->ctx->copy_bytes -= cut;
		}
		s->off -= origin;
		pp = &s->next;
	}
	r->state = REASM_OPEN;
	r->base = base;
	r->next = base;
	r->next_off = 0;
	flush(r);
}

static uint32_t pending_seq(const struct reasm *r, uint64_t off)
{
	return r->base + (uint32_t)(off - PEND_ORIGIN);
}

/*
 * A keep-alive captured before the peer's ACK that would tell it apart
 * (see reasm.h): a lone byte at the head, sent without PSH (probes carry
 * ACK alone; interactive data has PSH), the next held byte right after
 * it, and the peer's ACK past it.  Dropped and counted, not stream byte 0.
 */
static void drop_keepalive_head(struct reasm *r)
{
	struct reasm_seg *s = r->held;

	if (!s || s->len != 1 || s->psh || !s->next ||
	    s->next->off != s->off + 1 || !r->peer_acked ||
	    !seq_gt(r->peer_ack, pending_seq(r, s->off)))
		return;
	pop_head(r);
	r->st.keepalives++;
	buf_put(s->buf);
	seg_free(r->ctx, s);
}

static void anchor_lowest(struct reasm *r)
{
	drop_keepalive_head(r);
	if (r->held)
		anchor(r, r->held->off, pending_seq(r, r->held->off));
	else
		anchor(r, PEND_ORIGIN, r->base);
}

static void push_open(struct reasm *r, uint32_t seq, const uint8_t *data,
		      uint32_t len, struct buf *b)
{
	int32_t d = seq_diff(seq, r->next);
	struct overlap o = {0, 0};
	uint64_t off;

	if (d >= SEQ_WINDOW || d <= -SEQ_WINDOW) {
		r->st.out_of_window++;
		return;
	}
	if (len <= 1 && d == -1) {
		r->st.keepalives++;
		return;
	}
	if (d < 0) {
		uint32_t old = (uint32_t)-d < len ? (uint32_t)-d : len;

		account_old(r, (int64_t)r->next_off + d, data, old, &o);
		data += old;
		len -= old;
		d = 0;
	}
	off = r->next_off + d;
	if (len && off == r->next_off && !r->held)
		emit(r, data, len, b);
	else if (len)
		insert(r, off, data, len, b, &o);
	note_overlap(r, off, &o);
}

static void push_pending(struct reasm *r, uint32_t seq, const uint8_t *data,
			 uint32_t len, struct buf *b)
{
	int32_t d = seq_diff(seq, r->base);
	struct overlap o = {0, 0};
	uint64_t off = PEND_ORIGIN + d, stop, low;

	if (d >= SEQ_WINDOW || d <= -SEQ_WINDOW) {
		r->st.out_of_window++;
		return;
	}
	stop = insert(r, off, data, len, b, &o);
	note_overlap(r, off, &o);
	if (stop < off + len) {
		/* out of room before a start was chosen: choose it now */
		drop_keepalive_head(r);
		low = r->held && r->held->off < stop ? r->held->off : stop;
		anchor(r, low, pending_seq(r, low));
		push_open(r, seq + (uint32_t)(stop - off), data + (stop - off),
			  len - (uint32_t)(stop - off), b);
		return;
	}
	if (r->held_bytes >= r->ctx->cfg.midstream_window)
		anchor_lowest(r);
}

static void trim_fin(struct reasm *r, uint32_t seq, uint32_t *len)
{
	if (!r->fin || !*len)
		return;
	if (seq_ge(seq, r->fin_seq)) {
		r->st.after_fin += *len;
		*len = 0;
	} else if (seq_gt(seq + *len, r->fin_seq)) {
		r->st.after_fin += seq + *len - r->fin_seq;
		*len = r->fin_seq - seq;
	}
}

static void on_syn(struct reasm *r, uint32_t isn)
{
	if (r->syn)
		return;
	r->syn = true;
	r->isn = isn;
	if (r->state == REASM_NEW) {
		r->state = REASM_OPEN;
		r->base = r->next = isn + 1;
		r->next_off = 0;
	} else if (r->state == REASM_PENDING) {
		anchor(r, PEND_ORIGIN + seq_diff(isn + 1, r->base), isn + 1);
	}
	/* OPEN without SYN: the start was chosen already; keep it. */
}

void reasm_push(struct reasm *r, uint8_t flags, uint32_t seq,
		const uint8_t *data, uint32_t len, struct buf *b)
{
	if (r->state == REASM_DONE) {
		r->st.after_fin += len;
		return;
	}
	if (flags & PKT_TCP_SYN) {
		on_syn(r, seq);
		seq++;
	}
	if (flags & PKT_TCP_RST)
		r->rst = true;
	r->push_flags = flags;
	trim_fin(r, seq, &len);
	if (len == 1 && r->state != REASM_OPEN && r->peer_acked &&
	    seq + 1 == r->peer_ack) {
		/* a keep-alive before the start is chosen (see reasm.h) */
		r->st.keepalives++;
		len = 0;
	}
	if (len) {
		r->st.segs++;
		if (r->state == REASM_NEW) {
			r->state = REASM_PENDING;
			r->base = seq;
		}
		if (r->state == REASM_OPEN)
			push_open(r, seq, data, len, b);
		else
			push_pending(r, seq, data, len, b);
	}
	if ((flags & PKT_TCP_FIN) && !r->fin) {
		r->fin = true;
		r->fin_seq = seq + len;
	}
}

bool reasm_syn_fits(const struct reasm *r, uint32_t isn, bool exact)
{
	uint32_t low;
	int32_t d;

	if (r->syn)
		return isn == r->isn;
	switch (r->state) {
	case REASM_NEW:
		return !exact;
	case REASM_PENDING:
		low = r->held ? pending_seq(r, r->held->off) : r->base;
		break;
	case REASM_OPEN:
		low = r->base;
		break;
	default:
		return false;
	}
	if (exact)
		return isn + 1 == low;
	/*
	 * A SYN missed or captured late precedes the first byte seen by no
	 * more than capture reordering or loss at the start can explain: the
	 * midstream window.  Further below it is a new connection on the
	 * same ports (a new ISN may be anywhere), not a missed SYN whose
	 * acceptance would splice the old stream after a huge hole.
	 */
	d = seq_diff(low, isn + 1);
	return d >= 0 && (uint32_t)d <= r->ctx->cfg.midstream_window;
}

void reasm_peer_ack(struct reasm *r, uint32_t ack)
{
	if (!r->peer_acked || seq_gt(ack, r->peer_ack)) {
		r->peer_ack = ack;
		r->peer_acked = true;
	}
}

bool reasm_fin_reached(const struct reasm *r)
{
	if (r->state == REASM_DONE)
		return r->fin;
	return r->fin && r->state == REASM_OPEN && r->next == r->fin_seq;
}

void reasm_finish(struct reasm *r)
{
	int32_t d;

	if (r->state == REASM_DONE)
		return;
	if (r->state == REASM_PENDING)
		anchor_lowest(r);
	while (r->held)
		gap_to(r, r->held->off);
	if (r->state == REASM_OPEN && r->fin) {
		d = seq_diff(r->fin_seq, r->next);
		if (d > 0 && d < SEQ_WINDOW)
			gap_to(r, r->next_off + d);
	}
	r->state = REASM_DONE;
}

void reasm_release(struct reasm *r)
{
	free(r->gaps);
	r->gaps = NULL;
	r->ngaps = r->gaps_cap = 0;
}
