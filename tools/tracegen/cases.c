// SPDX-License-Identifier: GPL-2.0
/*
 * tracegen cases: each a recipe of connections, packets and transforms
 * (main.c lists what each one checks).
 */
#include <stdlib.h>
#include <string.h>

#include "tracegen.h"

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
	merge(g, l, 2, 0);
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
	merge(g, l, n, g->o->parallel);
	free(l);
}

const struct tg_case tg_cases[] = {
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

const size_t tg_ncases = sizeof(tg_cases) / sizeof(tg_cases[0]);
