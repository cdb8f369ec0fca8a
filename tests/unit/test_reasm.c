// SPDX-License-Identifier: GPL-2.0
/*
 * reasm: every reassembly case, checked on what reaches the sink (offset,
 * length, bytes, and whether it is the caller's pointer), on the gaps and
 * counters, and on buffer references returning to the caller.
 */
#include <string.h>

#include "parse/pkt.h"
#include "tcp/reasm.h"
#include "testlib.h"

#define CAP 4096

struct tbuf {
	struct buf b;
	int released;
	uint8_t data[256];
};

static void tbuf_release(struct buf *b)
{
	((struct tbuf *)b)->released++;
}

struct emit {
	uint64_t off;
	uint32_t len;
	const uint8_t *p;
};

struct tsink {
	uint8_t out[CAP];
	uint8_t seen[CAP];
	struct emit log[64];
	int n;
	int rewrites; /* bytes written twice: must stay 0 */
	uint64_t max_end;
};

static void sink_data(void *arg, uint64_t off, const uint8_t *p, uint32_t len,
		      struct buf *b)
{
	struct tsink *s = arg;
	uint32_t i;

	CHECK(b == NULL || b->refs > 0);
	if (s->n < 64)
		s->log[s->n] = (struct emit){off, len, p};
	s->n++;
	for (i = 0; i < len && off + i < CAP; i++) {
		s->rewrites += s->seen[off + i];
		s->seen[off + i] = 1;
		s->out[off + i] = p[i];
	}
	if (off + len > s->max_end)
		s->max_end = off + len;
}

static int64_t sink_verify(void *arg, uint64_t off, const uint8_t *p,
			   uint32_t len)
{
	struct tsink *s = arg;
	int64_t d = 0;
	uint32_t i;

	for (i = 0; i < len; i++) {
		CHECK(off + i < CAP && s->seen[off + i]);
		d += s->out[off + i] != p[i];
	}
	return d;
}

static const struct reasm_sink sink_ops = {sink_data, sink_verify};

struct fixture {
	struct reasm_ctx ctx;
	struct reasm r;
	uint64_t flow_held;
	struct tsink s;
	struct tbuf bufs[16];
	int nb;
	struct reasm_gap g[32]; /* the gaps, kept past reasm_release */
	uint32_t ng;
};

static void fx_init(struct fixture *f, const struct reasm_cfg *cfg)
{
	struct reasm_cfg def;

	memset(f, 0, sizeof(*f));
	if (!cfg) {
		reasm_cfg_default(&def);
		cfg = &def;
	}
	reasm_ctx_init(&f->ctx, cfg);
	reasm_init(&f->r, &f->ctx, &f->flow_held, &sink_ops, &f->s);
}

/* A segment in its own buffer (the caller keeps one reference). */
static struct tbuf *seg(struct fixture *f, uint8_t flags, uint32_t seq,
			const char *payload)
{
	struct tbuf *t = &f->bufs[f->nb++];
	uint32_t len = strlen(payload);

	t->b.refs = 1;
	t->b.release = tbuf_release;
	memcpy(t->data, payload, len);
	reasm_push(&f->r, flags, seq, t->data, len, &t->b);
	return t;
}

/* Finish, then check nothing is held and every reference came back. */
static void fx_done(struct fixture *f)
{
	int i;

	reasm_finish(&f->r);
	CHECK_EQ(f->ctx.held_bytes, 0);
	CHECK_EQ(f->ctx.ref_segs, 0);
	CHECK_EQ(f->ctx.copy_bytes, 0);
	CHECK_EQ(f->flow_held, 0);
	CHECK(f->r.held == NULL);
	for (i = 0; i < f->nb; i++) {
		CHECK_EQ(f->bufs[i].b.refs, 1);
		CHECK_EQ(f->bufs[i].released, 0);
	}
	CHECK_EQ(f->s.rewrites, 0);
	f->ng = f->r.ngaps < 32 ? f->r.ngaps : 32;
	if (f->ng)
		memcpy(f->g, f->r.gaps, f->ng * sizeof(f->g[0]));
	reasm_release(&f->r);
	reasm_ctx_fini(&f->ctx);
}

static void check_out(struct fixture *f, const char *want)
{
	size_t n = strlen(want), i;

	CHECK_EQ(f->s.max_end, n);
	for (i = 0; i < n && i < CAP; i++) {
		if (want[i] == '.') {
			CHECK(!f->s.seen[i]);
			continue;
		}
		if (f->s.out[i] != (uint8_t)want[i] || !f->s.seen[i]) {
			fprintf(stderr, "byte %zu: got '%c' want '%c'\n", i,
				f->s.out[i], want[i]);
			CHECK(0);
			return;
		}
	}
}

static void test_inorder(void)
{
	struct fixture f;
	struct tbuf *a, *b;

	fx_init(&f, NULL);
	seg(&f, PKT_TCP_SYN, 1000, "");
	a = seg(&f, PKT_TCP_ACK, 1001, "abc");
	b = seg(&f, PKT_TCP_ACK, 1004, "defg");
	CHECK_EQ(f.s.n, 2);
	CHECK_EQ(f.s.log[0].off, 0);
	CHECK_EQ(f.s.log[0].len, 3);
	CHECK(f.s.log[0].p == a->data); /* zero copy */
	CHECK_EQ(f.s.log[1].off, 3);
	CHECK(f.s.log[1].p == b->data);
	CHECK_EQ(f.r.st.bytes, 7);
	check_out(&f, "abcdefg");
	fx_done(&f);
	CHECK_EQ(f.r.st.gaps, 0);
	CHECK_EQ(reasm_length(&f.r), 7);
}

static void test_reorder(void)
{
	struct fixture f;
	struct tbuf *c;

	fx_init(&f, NULL);
	seg(&f, PKT_TCP_SYN, 1000, "");
	c = seg(&f, PKT_TCP_ACK, 1007, "ghi");
	seg(&f, PKT_TCP_ACK, 1004, "def");
	CHECK_EQ(f.s.n, 0);
	CHECK_EQ(c->b.refs, 2); /* held by reference */
	CHECK_EQ(f.ctx.held_bytes, 2 * reasm_hold_cost(3, false));
	CHECK_EQ(f.flow_held, 2 * reasm_hold_cost(3, false));
	CHECK_EQ(f.r.held_bytes, 6);
	seg(&f, PKT_TCP_ACK, 1001, "abc");
	CHECK_EQ(f.s.n, 3);
	CHECK_EQ(f.s.log[1].off, 3);
	CHECK_EQ(f.s.log[2].off, 6);
	CHECK(f.s.log[2].p == c->data);
	CHECK_EQ(c->b.refs, 1);
	check_out(&f, "abcdefghi");
	CHECK_EQ(f.r.st.overlaps, 0);
	fx_done(&f);
	CHECK_EQ(f.r.st.gaps, 0);
}

static void test_duplicate(void)
{
	struct fixture f;

	fx_init(&f, NULL);
	seg(&f, PKT_TCP_SYN, 5, "");
	seg(&f, 0, 6, "abcd");
	seg(&f, 0, 6, "abcd");
	seg(&f, 0, 8, "cdef");
	CHECK_EQ(f.r.st.overlaps, 2);
	CHECK_EQ(f.r.st.overlap_bytes, 6);
	CHECK_EQ(f.r.st.conflicts, 0);
	check_out(&f, "abcdef");
	fx_done(&f);
}

static void test_overlap_same_held(void)
{
	struct fixture f;

	fx_init(&f, NULL);
	seg(&f, PKT_TCP_SYN, 0, "");
	seg(&f, 0, 5, "efgh"); /* held 4..8 */
	seg(&f, 0, 3, "cdefg"); /* 2..7: 2..4 free, 4..7 overlap */
	CHECK_EQ(f.r.st.overlaps, 1);
	CHECK_EQ(f.r.st.overlap_bytes, 3);
	seg(&f, 0, 1, "ab");
	check_out(&f, "abcdefgh");
	CHECK_EQ(f.r.st.conflicts, 0);
	fx_done(&f);
}

static void test_overlap_diff(void)
{
	struct fixture f;

	fx_init(&f, NULL);
	seg(&f, PKT_TCP_SYN, 0, "");
	seg(&f, 0, 1, "abcd");
	seg(&f, 0, 3, "XXef"); /* 2 delivered bytes differ */
	seg(&f, 0, 9, "ijkl"); /* held */
	seg(&f, 0, 10, "YkZmn"); /* 2 held bytes differ, 2 new */
	seg(&f, 0, 7, "gh");
	check_out(&f, "abcdefghijklmn");
	CHECK_EQ(f.r.st.overlaps, 2);
	CHECK_EQ(f.r.st.conflicts, 2);
	CHECK_EQ(f.r.st.conflict_bytes, 4);
	CHECK_EQ(f.r.st.overlap_bytes, 5);
	fx_done(&f);
}

/* A segment spanning a hole, a held segment and more: pieces. */
static void test_span(void)
{
	struct fixture f;

	fx_init(&f, NULL);
	seg(&f, PKT_TCP_SYN, 0, "");
	seg(&f, 0, 5, "ef");
	seg(&f, 0, 9, "ij");
	seg(&f, 0, 1, "abcdefghijkl");
	check_out(&f, "abcdefghijkl");
	CHECK_EQ(f.r.st.overlap_bytes, 4);
	CHECK_EQ(f.ctx.held_bytes, 0);
	fx_done(&f);
}

static void test_gap_and_fin(void)
{
	struct fixture f;

	fx_init(&f, NULL);
	seg(&f, PKT_TCP_SYN, 100, "");
	seg(&f, 0, 101, "ab");
	seg(&f, 0, 106, "fg");
	seg(&f, PKT_TCP_FIN, 110, "jk"); /* FIN after k: stream is 12 bytes */
	seg(&f, 0, 112, "zz"); /* beyond the FIN: dropped */
	CHECK_EQ(f.r.st.after_fin, 2);
	CHECK(!reasm_fin_reached(&f.r));
	fx_done(&f);
	check_out(&f, "ab...fg..jk");
	CHECK_EQ(f.ng, 2);
	CHECK_EQ(f.g[0].off, 2);
	CHECK_EQ(f.g[0].len, 3);
	CHECK_EQ(f.g[1].off, 7);
	CHECK_EQ(f.g[1].len, 2);
	CHECK_EQ(f.r.st.gap_bytes, 5);
	CHECK_EQ(reasm_length(&f.r), 11);
	CHECK(reasm_fin_reached(&f.r));
}

static void test_gap_before_fin(void)
{
	struct fixture f;

	fx_init(&f, NULL);
	seg(&f, PKT_TCP_SYN, 100, "");
	seg(&f, 0, 101, "ab");
	seg(&f, PKT_TCP_FIN, 108, ""); /* bytes 2..6 never seen */
	fx_done(&f);
	check_out(&f, "ab");
	CHECK_EQ(f.ng, 1);
	CHECK_EQ(f.g[0].off, 2);
	CHECK_EQ(f.g[0].len, 5);
	CHECK_EQ(reasm_length(&f.r), 7);
}

static void test_fin_inorder(void)
{
	struct fixture f;

	fx_init(&f, NULL);
	seg(&f, PKT_TCP_SYN, 7, "");
	seg(&f, PKT_TCP_FIN | PKT_TCP_ACK, 8, "xy");
	CHECK(reasm_fin_reached(&f.r));
	seg(&f, 0, 10, "q");
	CHECK_EQ(f.r.st.after_fin, 1);
	check_out(&f, "xy");
	fx_done(&f);
}

static void test_wrap(void)
{
	struct fixture f;

	fx_init(&f, NULL);
	seg(&f, PKT_TCP_SYN, 0xfffffffbu, "");
	seg(&f, 0, 0x00000001u, "fgh"); /* after the wrap: held */
	seg(&f, 0, 0xfffffffcu, "abcdef"); /* crosses it, overlaps f */
	seg(&f, 0, 0x00000004u, "ij");
	check_out(&f, "abcdefghij");
	CHECK_EQ(f.r.st.overlap_bytes, 1);
	CHECK_EQ(f.r.st.conflicts, 0);
	fx_done(&f);
}

static void test_keepalive(void)
{
	struct fixture f;

	fx_init(&f, NULL);
	seg(&f, PKT_TCP_SYN, 0, "");
	seg(&f, 0, 1, "abc");
	seg(&f, PKT_TCP_ACK, 3, "Z"); /* garbage byte at next - 1 */
	seg(&f, PKT_TCP_ACK, 3, "");
	CHECK_EQ(f.r.st.keepalives, 1);
	CHECK_EQ(f.r.st.overlaps, 0);
	CHECK_EQ(f.r.st.conflicts, 0);
	seg(&f, 0, 4, "d");
	check_out(&f, "abcd");
	fx_done(&f);
}

static void test_zero_window_probe(void)
{
	struct fixture f;

	fx_init(&f, NULL);
	seg(&f, PKT_TCP_SYN, 0, "");
	seg(&f, 0, 1, "abc");
	seg(&f, PKT_TCP_ACK, 4, "d"); /* probe: the next byte */
	seg(&f, PKT_TCP_ACK, 4, "defgh"); /* sent again once the window opens */
	check_out(&f, "abcdefgh");
	CHECK_EQ(f.r.st.overlap_bytes, 1);
	CHECK_EQ(f.r.st.conflicts, 0);
	CHECK_EQ(f.r.st.keepalives, 0);
	fx_done(&f);
}

static void test_syn_data(void)
{
	struct fixture f;

	fx_init(&f, NULL);
	seg(&f, PKT_TCP_SYN, 41, "hi");
	seg(&f, PKT_TCP_ACK, 44, "there");
	seg(&f, PKT_TCP_SYN, 41, "hi"); /* retransmitted SYN */
	check_out(&f, "hithere");
	CHECK_EQ(f.s.log[0].off, 0);
	CHECK_EQ(f.r.st.overlap_bytes, 2);
	CHECK(reasm_syn_fits(&f.r, 41, true));
	CHECK(!reasm_syn_fits(&f.r, 42, false));
	fx_done(&f);
}

static void test_rst(void)
{
	struct fixture f;

	fx_init(&f, NULL);
	seg(&f, PKT_TCP_SYN, 0, "");
	seg(&f, 0, 1, "ab");
	seg(&f, PKT_TCP_RST, 3, "cause");
	CHECK(f.r.rst);
	check_out(&f, "abcause");
	fx_done(&f);
	seg(&f, 0, 10, "late"); /* after finish: ignored */
	CHECK_EQ(f.s.max_end, 7);
	CHECK_EQ(f.ng, 0);
}

static void test_midstream(void)
{
	struct fixture f;

	fx_init(&f, NULL);
	seg(&f, PKT_TCP_ACK, 5000, "def");
	seg(&f, PKT_TCP_ACK, 4997, "abc"); /* earlier than the first seen */
	CHECK_EQ(f.s.n, 0); /* start not chosen yet */
	CHECK(reasm_syn_fits(&f.r, 4990, false));
	CHECK(!reasm_syn_fits(&f.r, 4990, true));
	CHECK(reasm_syn_fits(&f.r, 4996, true));
	CHECK(!reasm_syn_fits(&f.r, 4997, false));
	/* within the midstream window below the lowest byte, not beyond */
	CHECK(reasm_syn_fits(&f.r, 4996 - (64 << 10), false));
	CHECK(!reasm_syn_fits(&f.r, 4995 - (64 << 10), false));
	CHECK(!reasm_syn_fits(&f.r, 4996 - (1 << 29), false));
	fx_done(&f);
	check_out(&f, "abcdef");
	CHECK(!f.r.syn);
	CHECK_EQ(f.r.base, 4997);
}

static void test_midstream_window(void)
{
	struct fixture f;
	struct reasm_cfg cfg;

	reasm_cfg_default(&cfg);
	cfg.midstream_window = 6;
	fx_init(&f, &cfg);
	seg(&f, 0, 2000, "cd");
	seg(&f, 0, 1998, "ab");
	CHECK_EQ(f.s.n, 0);
	seg(&f, 0, 2002, "ef"); /* 6 bytes held: start chosen */
	CHECK_EQ(f.s.n, 3);
	check_out(&f, "abcdef");
	seg(&f, 0, 1990, "zz"); /* before the start now */
	CHECK_EQ(f.r.st.before_start, 2);
	fx_done(&f);
}

static void test_late_syn(void)
{
	struct fixture f;

	fx_init(&f, NULL);
	seg(&f, 0, 103, "cd");
	seg(&f, PKT_TCP_SYN, 100, ""); /* the SYN, captured after data */
	CHECK(f.r.syn);
	CHECK_EQ(f.s.n, 0); /* bytes 0..1 still missing */
	seg(&f, 0, 101, "ab");
	check_out(&f, "abcd");
	fx_done(&f);
	CHECK_EQ(f.ng, 0);
}

static void test_out_of_window(void)
{
	struct fixture f;

	fx_init(&f, NULL);
	seg(&f, PKT_TCP_SYN, 0, "");
	seg(&f, 0, 1, "ab");
	seg(&f, 0, 0x80000000u, "far");
	CHECK_EQ(f.r.st.out_of_window, 1);
	fx_done(&f);
	check_out(&f, "ab");
	CHECK_EQ(f.ng, 0);
}

static void test_budget_drop(void)
{
	struct fixture f;
	struct reasm_cfg cfg;
	struct tbuf *a;

	reasm_cfg_default(&cfg);
	cfg.policy = REASM_HOLD_DROP;
	cfg.max_ref_segs = 1;
	fx_init(&f, &cfg);
	seg(&f, PKT_TCP_SYN, 0, "");
	a = seg(&f, 0, 11, "klmno"); /* held: offsets 10..14 */
	CHECK_EQ(a->b.refs, 2);
	seg(&f, 0, 21, "uv"); /* no room: 0..9 becomes a gap */
	CHECK_EQ(f.ctx.budget_skips, 1);
	CHECK_EQ(f.r.ngaps, 1);
	CHECK_EQ(f.r.gaps[0].off, 0);
	CHECK_EQ(f.r.gaps[0].len, 10);
	CHECK_EQ(a->b.refs, 1);
	CHECK_EQ(f.ctx.ref_segs, 1); /* uv held now */
	seg(&f, 0, 1, "abcdefghij"); /* too late */
	CHECK_EQ(f.r.st.late_bytes, 10);
	seg(&f, 0, 16, "pqrst");
	check_out(&f, "..........klmnopqrstuv");
	CHECK_EQ(f.ctx.copies, 0);
	fx_done(&f);
	CHECK_EQ(f.ng, 1);
}

/*
 * Past max_gaps_listed, late bytes that fall in a gap that is not listed
 * are not read back and counted as conflicts (the hole reads as zeros).
 */
static void test_gaps_truncated(void)
{
	struct fixture f;
	struct reasm_cfg cfg;

	reasm_cfg_default(&cfg);
	cfg.policy = REASM_HOLD_DROP;
	cfg.max_ref_segs = 1;
	cfg.max_gaps_listed = 1;
	fx_init(&f, &cfg);
	seg(&f, PKT_TCP_SYN, 0, "");
	seg(&f, 0, 11, "klmno"); /* held: 10..14 */
	seg(&f, 0, 21, "uv"); /* gap 0..9, listed */
	seg(&f, 0, 31, "EF"); /* gap 15..19, not listed */
	CHECK_EQ(f.r.ngaps, 1);
	CHECK(f.r.gaps_truncated);
	CHECK_EQ(f.r.st.gaps, 2);
	seg(&f, 0, 16, "pqrst"); /* late, into the unlisted gap */
	seg(&f, 0, 11, "klmno"); /* a duplicate before it: still verified */
	CHECK_EQ(f.r.st.conflicts, 0);
	CHECK_EQ(f.r.st.overlap_bytes, 5);
	seg(&f, 0, 11, "KLMNO"); /* a different duplicate: a conflict */
	CHECK_EQ(f.r.st.conflicts, 1);
	fx_done(&f);
	check_out(&f, "..........klmno.....uv........EF");
	CHECK_EQ(f.ng, 1);
}

/* A pool shared by several contexts, as UMEM frames are by workers. */
static int pool_held, pool_max, pool_refused;

static bool pool_ref(struct buf *b)
{
	(void)b;
	if (pool_held >= pool_max) {
		pool_refused++;
		return false;
	}
	pool_held++;
	return true;
}

static void pool_unref(struct buf *b)
{
	(void)b;
	pool_held--;
}

/*
 * The hold hooks bound what is held by reference across contexts: past
 * the pool's limit a segment is copied even though the context's own
 * max_ref_segs has room, and every segment leaving the list uncounts.
 */
static void test_hold_hooks(void)
{
	struct fixture f;
	struct reasm_cfg cfg;

	reasm_cfg_default(&cfg);
	cfg.hold_ref = pool_ref;
	cfg.hold_unref = pool_unref;
	pool_held = 0;
	pool_max = 1;
	pool_refused = 0;
	fx_init(&f, &cfg);
	seg(&f, PKT_TCP_SYN, 0, "");
	seg(&f, 0, 11, "klmno"); /* held by reference: the pool's one */
	CHECK_EQ(pool_held, 1);
	CHECK_EQ(f.ctx.ref_segs, 1);
	seg(&f, 0, 21, "uv"); /* the pool is full: copied */
	CHECK_EQ(pool_refused, 1);
	CHECK_EQ(f.ctx.ref_segs, 1);
	CHECK_EQ(f.ctx.copies, 1);
	seg(&f, 0, 1, "abcdefghij"); /* fills the hole: all released */
	CHECK_EQ(pool_held, 0);
	seg(&f, 0, 16, "pqrst");
	check_out(&f, "abcdefghijklmnopqrstuv");
	fx_done(&f);
	CHECK_EQ(pool_held, 0);

	/* Refused by a budget after the hook said yes: uncounted again. */
	cfg.ooo_per_flow = 1;
	pool_max = 8;
	fx_init(&f, &cfg);
	seg(&f, PKT_TCP_SYN, 0, "");
	seg(&f, 0, 11, "klmno");
	CHECK_EQ(pool_held, 0);
	fx_done(&f);
}

static void test_budget_copy(void)
{
	struct fixture f;
	struct reasm_cfg cfg;
	struct tbuf *a, *b;

	reasm_cfg_default(&cfg);
	cfg.policy = REASM_HOLD_COPY;
	cfg.max_ref_segs = 1;
	fx_init(&f, &cfg);
	seg(&f, PKT_TCP_SYN, 0, "");
	a = seg(&f, 0, 5, "efg");
	b = seg(&f, 0, 9, "ijk"); /* copied: its buffer is free at once */
	CHECK_EQ(a->b.refs, 2);
	CHECK_EQ(b->b.refs, 1);
	CHECK_EQ(f.ctx.copies, 1);
	CHECK_EQ(f.ctx.copy_bytes, reasm_hold_cost(3, true));
	CHECK_EQ(f.ctx.held_bytes,
		 reasm_hold_cost(3, false) + reasm_hold_cost(3, true));
	memset(b->data, '!', 3); /* the caller reuses its buffer */
	seg(&f, 0, 8, "h");
	seg(&f, 0, 1, "abcd");
	check_out(&f, "abcdefghijk");
	CHECK_EQ(f.r.ngaps, 0);
	fx_done(&f);
}

static void test_budget_per_flow(void)
{
	struct fixture f;
	struct reasm_cfg cfg;

	reasm_cfg_default(&cfg);
	cfg.ooo_per_flow = 2 * reasm_hold_cost(3, false) - 1;
	fx_init(&f, &cfg);
	seg(&f, PKT_TCP_SYN, 0, "");
	seg(&f, 0, 3, "cde");
	seg(&f, 0, 8, "hij"); /* no room: the hole at 0..1 becomes a gap */
	CHECK_EQ(f.r.ngaps, 1);
	CHECK(f.r.ngaps && f.r.gaps[0].len == 2);
	CHECK(f.flow_held <= cfg.ooo_per_flow);
	seg(&f, 0, 6, "fg");
	check_out(&f, "..cdefghij");
	fx_done(&f);
	CHECK_EQ(f.ctx.budget_skips, 1);
}

static void test_budget_total_bounded(void)
{
	struct fixture f;
	struct reasm_cfg cfg;
	char p[2] = "x";
	uint32_t i;

	reasm_cfg_default(&cfg);
	cfg.ooo_total = 3 * reasm_hold_cost(1, false);
	cfg.max_segs_per_dir = 4;
	fx_init(&f, &cfg);
	seg(&f, PKT_TCP_SYN, 0, "");
	for (i = 0; i < 12; i++) {
		p[0] = 'a' + i;
		seg(&f, 0, 1 + 2 * i, p); /* every other byte: a hole each */
		CHECK(f.ctx.held_bytes <= cfg.ooo_total);
		CHECK(f.r.nheld <= 3);
	}
	fx_done(&f);
	check_out(&f, "a.b.c.d.e.f.g.h.i.j.k.l");
	CHECK_EQ(f.ng, 11);
}

/*
 * Mid-stream pickup of an idle connection: its keep-alive (one garbage
 * byte at snd.nxt - 1) comes first, the peer's ACK (past it) after.
 */
static void test_keepalive_pickup(void)
{
	struct fixture f;

	fx_init(&f, NULL);
	seg(&f, PKT_TCP_ACK, 4999, "Z");
	reasm_peer_ack(&f.r, 5000);
	seg(&f, PKT_TCP_ACK, 5000, "GET /");
	fx_done(&f);
	check_out(&f, "GET /");
	CHECK_EQ(f.r.base, 5000);
	CHECK_EQ(f.r.st.keepalives, 1);
	CHECK_EQ(f.r.st.before_start, 0);
	CHECK_EQ(f.ng, 0);

	/* the peer's ACK seen first: the probe is told apart at once */
	fx_init(&f, NULL);
	reasm_peer_ack(&f.r, 5000);
	seg(&f, PKT_TCP_ACK, 4999, "Z");
	CHECK(f.r.held == NULL);
	seg(&f, PKT_TCP_ACK, 5000, "GET /");
	fx_done(&f);
	check_out(&f, "GET /");
	CHECK_EQ(f.r.st.keepalives, 1);

	/* no ACK from the peer (one-way capture): nothing to tell it apart */
	fx_init(&f, NULL);
	seg(&f, PKT_TCP_ACK, 4999, "Z");
	seg(&f, PKT_TCP_ACK, 5000, "GET /");
	fx_done(&f);
	check_out(&f, "ZGET /");
	CHECK_EQ(f.r.st.keepalives, 0);

	/* the peer's ACK not past the byte: data, not a probe */
	fx_init(&f, NULL);
	reasm_peer_ack(&f.r, 4999);
	seg(&f, PKT_TCP_ACK, 4999, "Z");
	seg(&f, PKT_TCP_ACK, 5000, "GET /");
	fx_done(&f);
	check_out(&f, "ZGET /");
	CHECK_EQ(f.r.st.keepalives, 0);

	/*
	 * Interactive data picked up mid-stream: a 1-byte segment with PSH
	 * (probes carry ACK alone), the next right after it, the peer's ACK
	 * past both.  Data: kept.
	 */
	fx_init(&f, NULL);
	seg(&f, PKT_TCP_ACK | PKT_TCP_PSH, 4999, "l");
	seg(&f, PKT_TCP_ACK | PKT_TCP_PSH, 5000, "s -la\n");
	reasm_peer_ack(&f.r, 5006);
	fx_done(&f);
	check_out(&f, "ls -la\n");
	CHECK_EQ(f.r.base, 4999);
	CHECK_EQ(f.r.st.keepalives, 0);
}

static void noop_release(struct buf *b)
{
	(void)b;
}

/*
 * 1-byte segments, each behind a hole: the budget pays for each held
 * segment's list node (and copy header), not for its one byte alone, so
 * a per-flow budget of 2000 bytes holds a few dozen of them, not 2000.
 */
static void test_budget_overhead(enum reasm_policy policy)
{
	static uint8_t data[CAP];
	struct buf b = {.refs = 1, .release = noop_release};
	bool copy = policy == REASM_HOLD_COPY;
	struct reasm_cfg cfg;
	struct fixture f;
	uint32_t i, max = 0, bad = 0;
	uint64_t cost;

	reasm_cfg_default(&cfg);
	cfg.policy = policy;
	cfg.max_ref_segs = copy ? 0 : 4096;
	cfg.ooo_per_flow = 2000;
	fx_init(&f, &cfg);
	cost = reasm_hold_cost(1, copy);
	CHECK(cost >= 1 + 2 * sizeof(void *));
	seg(&f, PKT_TCP_SYN, 0, "");
	for (i = 0; i < 1500; i++) {
		data[i] = 'a' + i % 26;
		reasm_push(&f.r, 0, 2 + 2 * i, &data[i], 1, copy ? NULL : &b);
		if (f.flow_held != f.r.nheld * cost ||
		    f.ctx.held_bytes != f.flow_held ||
		    f.r.held_bytes != f.r.nheld)
			bad++;
		if (f.r.nheld > max)
			max = f.r.nheld;
	}
	CHECK_EQ(bad, 0); /* held: nheld segments at cost each */
	CHECK(max <= cfg.ooo_per_flow / cost);
	CHECK(max >= cfg.ooo_per_flow / cost - 1);
	CHECK(f.ctx.budget_skips > 0);
	if (copy)
		CHECK_EQ(f.ctx.copy_bytes, f.ctx.held_bytes);
	fx_done(&f);
	CHECK_EQ(b.refs, 1);
}

static void test_budget_overhead_drop(void)
{
	test_budget_overhead(REASM_HOLD_DROP);
}

static void test_budget_overhead_copy(void)
{
	test_budget_overhead(REASM_HOLD_COPY);
}

static const struct t_case cases[] = {
	T_CASE(test_inorder),
	T_CASE(test_reorder),
	T_CASE(test_duplicate),
	T_CASE(test_overlap_same_held),
	T_CASE(test_overlap_diff),
	T_CASE(test_span),
	T_CASE(test_gap_and_fin),
	T_CASE(test_gap_before_fin),
	T_CASE(test_fin_inorder),
	T_CASE(test_wrap),
	T_CASE(test_keepalive),
	T_CASE(test_keepalive_pickup),
	T_CASE(test_zero_window_probe),
	T_CASE(test_syn_data),
	T_CASE(test_rst),
	T_CASE(test_midstream),
	T_CASE(test_midstream_window),
	T_CASE(test_late_syn),
	T_CASE(test_out_of_window),
	T_CASE(test_budget_drop),
	T_CASE(test_gaps_truncated),
	T_CASE(test_hold_hooks),
	T_CASE(test_budget_copy),
	T_CASE(test_budget_per_flow),
	T_CASE(test_budget_total_bounded),
	T_CASE(test_budget_overhead_drop),
	T_CASE(test_budget_overhead_copy),
};

T_MAIN(cases)
