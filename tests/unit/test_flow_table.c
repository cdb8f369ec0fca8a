// SPDX-License-Identifier: GPL-2.0
/*
 * flow_table: symmetric hash, client detection, port reuse after FIN and
 * RST, with a new ISN and with a lower ISN on a connection never seen
 * closing, late SYN, eviction, idle and closed timeouts, a timestamp far
 * ahead (ignored) and a real pause, a keep-alive at a mid-stream pickup,
 * the data each direction delivers, and when a direction is told that no
 * new byte is due (its FIN in, or a RST).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "tcp/flow_table.h"
#include "testlib.h"

#define SEC 1000000000ull

struct ended {
	uint64_t id;
	enum flow_end why;
	uint64_t bytes[2];
	uint16_t cport;
	uint64_t gaps[2];
	uint64_t keepalives[2];
};

struct rec {
	struct ended e[64];
	int n;
	uint64_t data[2];
	int swaps;
	int fins[2]; /* flow_ops.fin calls per direction */
	uint64_t fin_data[2]; /* data[] at the call */
};

static void on_data(void *arg, struct flow *f, int dir, uint64_t off,
		    const uint8_t *p, uint32_t len, struct buf *b)
{
	struct rec *r = arg;

	(void)f, (void)off, (void)p, (void)b;
	r->data[dir] += len;
}

static void on_swap(void *arg, struct flow *f)
{
	(void)f;
	((struct rec *)arg)->swaps++;
}

static void on_end(void *arg, struct flow *f, enum flow_end why)
{
	struct rec *r = arg;

	if (r->n >= 64)
		return;
	r->e[r->n++] = (struct ended){
		f->id,
		why,
		{f->dir[0].st.bytes, f->dir[1].st.bytes},
		f->port[FLOW_C2S],
		{f->dir[0].st.gaps, f->dir[1].st.gaps},
		{f->dir[0].st.keepalives, f->dir[1].st.keepalives}};
}

static void on_fin(void *arg, struct flow *f, int dir)
{
	struct rec *r = arg;

	(void)f;
	r->fins[dir]++;
	r->fin_data[dir] = r->data[dir];
}

static const struct flow_ops ops = {
	.data = on_data,
	.swapped = on_swap,
	.fin = on_fin,
	.end = on_end,
};

static uint8_t payload[64] = "0123456789abcdefghijklmnopqrstuvwxyz";

static struct pkt mk(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
		     uint8_t flags, uint32_t seq, uint32_t len)
{
	struct pkt p;

	memset(&p, 0, sizeof(p));
	p.family = 4;
	p.l4proto = IPPROTO_TCP;
	p.has_ports = true;
	p.src.a[0] = htonl(src);
	p.dst.a[0] = htonl(dst);
	p.sport = sport;
	p.dport = dport;
	p.tcp_flags = flags;
	p.seq = seq;
	p.payload = payload;
	p.payload_len = p.payload_caplen = len;
	return p;
}

#define A 0xc6120001u
#define B 0xc6120002u

static void feed(struct flow_table *ft, struct pkt p, uint64_t ts)
{
	flow_table_packet(ft, &p, ts, NULL);
}

static struct flow_table *mk_table(struct rec *r, uint32_t max_flows)
{
	struct flow_table_cfg cfg;
	struct flow_table *ft;

	memset(r, 0, sizeof(*r));
	flow_table_cfg_default(&cfg);
	cfg.max_flows = max_flows;
	cfg.idle_timeout_ns = 60 * SEC;
	cfg.closed_timeout_ns = 5 * SEC;
	if (flow_table_create(&ft, &cfg, &ops, r))
		return NULL;
	return ft;
}

static void test_hash(void)
{
	struct pkt a = mk(A, 1000, B, 80, 0, 0, 0);
	struct pkt b = mk(B, 80, A, 1000, 0, 0, 0);
	struct pkt c = mk(A, 1001, B, 80, 0, 0, 0);

	CHECK_EQ(flow_hash_sym(&a), flow_hash_sym(&b));
	CHECK(flow_hash_sym(&a) != flow_hash_sym(&c));
	a.nvlan = b.nvlan = 1;
	a.vlan[0] = b.vlan[0] = 10;
	CHECK_EQ(flow_hash_sym(&a), flow_hash_sym(&b));
	b.vlan[0] = 11;
	CHECK(flow_hash_sym(&a) != flow_hash_sym(&b));
}

/* A handshake, data both ways, FIN both ways: one flow, client = A. */
static void conn(struct flow_table *ft, uint32_t isn, uint64_t t)
{
	feed(ft, mk(A, 1000, B, 80, PKT_TCP_SYN, isn, 0), t);
	feed(ft, mk(B, 80, A, 1000, PKT_TCP_SYN | PKT_TCP_ACK, 5000, 0), t);
	feed(ft, mk(A, 1000, B, 80, PKT_TCP_ACK, isn + 1, 10), t);
	feed(ft, mk(B, 80, A, 1000, PKT_TCP_ACK, 5001, 20), t);
	feed(ft, mk(A, 1000, B, 80, PKT_TCP_FIN | PKT_TCP_ACK, isn + 11, 0), t);
	feed(ft, mk(B, 80, A, 1000, PKT_TCP_FIN | PKT_TCP_ACK, 5021, 0), t);
}

static void test_reuse_after_fin(void)
{
	struct flow_table_stats st;
	struct flow_table *ft;
	struct rec r;

	ft = mk_table(&r, 16);
	CHECK(ft != NULL);
	conn(ft, 100, 1 * SEC);
	CHECK_EQ(r.n, 0); /* closed, lingering */
	conn(ft, 100000, 2 * SEC); /* same ports, new SYN */
	CHECK_EQ(r.n, 1);
	CHECK_EQ(r.e[0].why, FLOW_END_FIN);
	CHECK_EQ(r.e[0].id, 0);
	CHECK_EQ(r.e[0].bytes[0], 10);
	CHECK_EQ(r.e[0].bytes[1], 20);
	CHECK_EQ(r.e[0].cport, 1000);
	flow_table_end_all(ft, FLOW_END_EOF);
	CHECK_EQ(r.n, 2);
	CHECK_EQ(r.e[1].id, 1);
	CHECK_EQ(r.e[1].why, FLOW_END_FIN);
	CHECK_EQ(r.e[1].bytes[0], 10);
	CHECK_EQ(r.data[0], 20);
	CHECK_EQ(r.data[1], 40);
	flow_table_get_stats(ft, &st);
	CHECK_EQ(st.flows, 2);
	CHECK_EQ(st.active, 0);
	flow_table_destroy(ft);
}

/* The end is whichever came first: an RST after both FINs leaves "fin". */
static void test_rst_after_fins(void)
{
	struct flow_table *ft;
	struct rec r;

	ft = mk_table(&r, 16);
	conn(ft, 100, SEC);
	feed(ft, mk(A, 1000, B, 80, PKT_TCP_RST, 112, 0), SEC);
	/* one FIN, then the RST: that one was reset */
	feed(ft, mk(A, 1001, B, 80, PKT_TCP_SYN, 300, 0), SEC);
	feed(ft, mk(B, 80, A, 1001, PKT_TCP_SYN | PKT_TCP_ACK, 700, 0), SEC);
	feed(ft, mk(A, 1001, B, 80, PKT_TCP_FIN | PKT_TCP_ACK, 301, 0), SEC);
	feed(ft, mk(B, 80, A, 1001, PKT_TCP_RST, 701, 0), SEC);
	flow_table_end_all(ft, FLOW_END_EOF);
	CHECK_EQ(r.n, 2);
	CHECK_EQ(r.e[0].cport, 1000);
	CHECK_EQ(r.e[0].why, FLOW_END_FIN);
	CHECK_EQ(r.e[1].cport, 1001);
	CHECK_EQ(r.e[1].why, FLOW_END_RST);
	flow_table_destroy(ft);
}

static void test_rst_and_new_isn(void)
{
	struct flow_table *ft;
	struct rec r;

	ft = mk_table(&r, 16);
	feed(ft, mk(A, 1000, B, 80, PKT_TCP_SYN, 7, 0), 0);
	feed(ft, mk(A, 1000, B, 80, PKT_TCP_ACK, 8, 5), 0);
	feed(ft, mk(A, 1000, B, 80, PKT_TCP_SYN, 7, 0), 0); /* retransmitted */
	CHECK_EQ(r.n, 0);
	feed(ft, mk(A, 1000, B, 80, PKT_TCP_SYN, 9000, 0), 0); /* new ISN */
	CHECK_EQ(r.n, 1);
	CHECK_EQ(r.e[0].why, FLOW_END_REUSED);
	CHECK_EQ(r.e[0].bytes[0], 5);
	feed(ft, mk(B, 80, A, 1000, PKT_TCP_RST, 1, 0), SEC);
	feed(ft, mk(A, 1000, B, 80, PKT_TCP_ACK, 9001, 3), SEC); /* late */
	CHECK_EQ(r.n, 1);
	feed(ft, mk(A, 1000, B, 80, PKT_TCP_SYN, 9001, 0), 2 * SEC);
	CHECK_EQ(r.n, 2);
	CHECK_EQ(r.e[1].why, FLOW_END_RST);
	CHECK_EQ(r.e[1].bytes[0], 3);
	CHECK_EQ(r.e[1].id, 1);
	flow_table_end_all(ft, FLOW_END_SHUTDOWN);
	CHECK_EQ(r.n, 3);
	CHECK_EQ(r.e[2].why, FLOW_END_SHUTDOWN);
	CHECK_EQ(r.e[2].id, 2);
	flow_table_destroy(ft);
}

static void test_client_detection(void)
{
	struct flow_table *ft;
	struct rec r;

	ft = mk_table(&r, 16);
	/* SYN+ACK first: the client is its receiver */
	feed(ft, mk(B, 80, A, 2000, PKT_TCP_SYN | PKT_TCP_ACK, 1, 0), 0);
	/* no SYN: the first sender */
	feed(ft, mk(B, 81, A, 2001, PKT_TCP_ACK, 1, 4), 0);
	/* the server's data first, then the client's SYN: roles swapped */
	feed(ft, mk(B, 82, A, 2002, PKT_TCP_ACK, 500, 4), 0);
	feed(ft, mk(A, 2002, B, 82, PKT_TCP_SYN, 99, 0), 0);
	feed(ft, mk(A, 2002, B, 82, PKT_TCP_ACK, 100, 6), 0);
	CHECK_EQ(r.swaps, 1);
	flow_table_end_all(ft, FLOW_END_EOF);
	CHECK_EQ(r.n, 3);
	CHECK_EQ(r.e[0].cport, 2000);
	CHECK_EQ(r.e[1].cport, 81);
	CHECK_EQ(r.e[2].cport, 2002);
	CHECK_EQ(r.e[2].bytes[FLOW_C2S], 6);
	CHECK_EQ(r.e[2].bytes[FLOW_S2C], 4);
	CHECK_EQ(r.e[2].why, FLOW_END_EOF);
	flow_table_destroy(ft);
}

static void test_eviction(void)
{
	struct flow_table_stats st;
	struct flow_table *ft;
	struct rec r;
	int i;

	ft = mk_table(&r, 4);
	for (i = 0; i < 6; i++)
		feed(ft, mk(A, 3000 + i, B, 80, PKT_TCP_ACK, 1, 2), i);
	feed(ft, mk(A, 3002, B, 80, PKT_TCP_ACK, 3, 2), 10); /* 3002 fresh */
	feed(ft, mk(A, 3010, B, 80, PKT_TCP_ACK, 1, 2), 11);
	CHECK_EQ(r.n, 3);
	CHECK_EQ(r.e[0].cport, 3000);
	CHECK_EQ(r.e[1].cport, 3001);
	CHECK_EQ(r.e[2].cport, 3003); /* least recently seen, not 3002 */
	CHECK_EQ(r.e[0].why, FLOW_END_EVICTED);
	CHECK_EQ(r.e[0].bytes[0], 2); /* closed properly: data delivered */
	flow_table_get_stats(ft, &st);
	CHECK_EQ(st.active, 4);
	CHECK_EQ(st.ended[FLOW_END_EVICTED], 3);
	flow_table_end_all(ft, FLOW_END_EOF);
	flow_table_destroy(ft);
}

static void test_timeouts(void)
{
	struct flow_table *ft;
	struct rec r;

	ft = mk_table(&r, 16);
	feed(ft, mk(A, 4000, B, 80, PKT_TCP_ACK, 1, 2), 0);
	conn(ft, 50, 0); /* closed at t=0 */
	feed(ft, mk(A, 4001, B, 80, PKT_TCP_ACK, 1, 2), 30 * SEC);
	CHECK_EQ(r.n, 1); /* closed timeout (5 s) passed */
	CHECK_EQ(r.e[0].why, FLOW_END_FIN);
	CHECK_EQ(r.e[0].cport, 1000);
	/* timestamps going backwards do not move the clock back */
	feed(ft, mk(A, 4002, B, 80, PKT_TCP_ACK, 1, 2), 1 * SEC);
	feed(ft, mk(A, 4001, B, 80, PKT_TCP_ACK, 3, 2), 61 * SEC);
	CHECK_EQ(r.n, 2);
	CHECK_EQ(r.e[1].why, FLOW_END_TIMEOUT);
	CHECK_EQ(r.e[1].cport, 4000);
	flow_table_expire(ft, 200 * SEC);
	CHECK_EQ(r.n, 4);
	flow_table_destroy(ft);
}

/* A hole that never fills: the gap is reported when the flow ends. */
static void test_gap_reported(void)
{
	struct flow_table_stats st;
	struct flow_table *ft;
	struct rec r;

	ft = mk_table(&r, 16);
	feed(ft, mk(A, 5000, B, 80, PKT_TCP_SYN, 10, 0), 0);
	feed(ft, mk(A, 5000, B, 80, PKT_TCP_ACK, 21, 5), 0);
	flow_table_end_all(ft, FLOW_END_EOF);
	CHECK_EQ(r.n, 1);
	CHECK_EQ(r.e[0].gaps[0], 1);
	CHECK_EQ(r.data[0], 5);
	/* the table's totals: the 10-byte hole, the 5 bytes after it */
	flow_table_get_stats(ft, &st);
	CHECK_EQ(st.gaps, 1);
	CHECK_EQ(st.gap_bytes, 10);
	CHECK_EQ(st.stream_bytes, 5);
	flow_table_destroy(ft);
}

/* A SYN captured after its connection closed, right before its data. */
static void test_late_syn_after_close(void)
{
	struct flow_table *ft;
	struct rec r;

	ft = mk_table(&r, 16);
	feed(ft, mk(A, 6000, B, 80, PKT_TCP_ACK | PKT_TCP_FIN, 101, 4), 0);
	feed(ft, mk(B, 80, A, 6000, PKT_TCP_ACK | PKT_TCP_FIN, 900, 0), 0);
	feed(ft, mk(A, 6000, B, 80, PKT_TCP_SYN, 100, 0), 0); /* its own */
	CHECK_EQ(r.n, 0);
	feed(ft, mk(A, 6000, B, 80, PKT_TCP_SYN, 50, 0), 0); /* a new one */
	CHECK_EQ(r.n, 1);
	CHECK_EQ(r.e[0].why, FLOW_END_FIN);
	CHECK_EQ(r.e[0].bytes[0], 4);
	flow_table_end_all(ft, FLOW_END_EOF);
	CHECK_EQ(r.n, 2);
	CHECK_EQ(r.e[1].id, 1);
	flow_table_destroy(ft);
}

/*
 * A connection picked up mid-stream and not seen closing (one-way capture,
 * FIN one way only), then a new connection on its ports with a lower ISN:
 * a new flow, not the old one's missed SYN spliced in before its data.
 */
static void test_reuse_lower_isn_unclosed(void)
{
	struct flow_table *ft;
	struct rec r;

	ft = mk_table(&r, 16);
	feed(ft, mk(A, 1234, B, 80, PKT_TCP_ACK, 1000000, 30), 0);
	feed(ft, mk(A, 1234, B, 80, PKT_TCP_ACK | PKT_TCP_FIN, 1000030, 10), 0);
	feed(ft, mk(A, 1234, B, 80, PKT_TCP_SYN, 500000, 0), SEC);
	CHECK_EQ(r.n, 1);
	CHECK_EQ(r.e[0].why, FLOW_END_REUSED);
	CHECK_EQ(r.e[0].bytes[0], 40);
	CHECK_EQ(r.e[0].gaps[0], 0);
	feed(ft, mk(A, 1234, B, 80, PKT_TCP_ACK, 500001, 40), SEC);
	feed(ft, mk(A, 1234, B, 80, PKT_TCP_ACK | PKT_TCP_FIN, 500041, 0), SEC);
	flow_table_end_all(ft, FLOW_END_EOF);
	CHECK_EQ(r.n, 2);
	CHECK_EQ(r.e[1].id, 1);
	CHECK_EQ(r.e[1].bytes[0], 40);
	CHECK_EQ(r.e[1].gaps[0], 0);
	CHECK_EQ(r.data[0], 80);
	flow_table_destroy(ft);
}

/* The same with both directions seen but the server's FIN missed. */
static void test_reuse_lower_isn_half_closed(void)
{
	struct flow_table *ft;
	struct rec r;
	uint32_t seq = 1000000;
	int i;

	ft = mk_table(&r, 16);
	for (i = 0; i < 4; i++, seq += 50) {
		feed(ft, mk(A, 1234, B, 80, PKT_TCP_ACK, seq, 50), 0);
		feed(ft, mk(B, 80, A, 1234, PKT_TCP_ACK, 1, 0), 0);
	}
	feed(ft, mk(A, 1234, B, 80, PKT_TCP_ACK | PKT_TCP_FIN, seq, 0), 0);
	feed(ft, mk(A, 1234, B, 80, PKT_TCP_SYN, 500000, 0), SEC);
	feed(ft, mk(B, 80, A, 1234, PKT_TCP_SYN | PKT_TCP_ACK, 7777, 0), SEC);
	feed(ft, mk(A, 1234, B, 80, PKT_TCP_ACK, 500001, 40), SEC);
	feed(ft, mk(A, 1234, B, 80, PKT_TCP_ACK | PKT_TCP_FIN, 500041, 0), SEC);
	feed(ft, mk(B, 80, A, 1234, PKT_TCP_ACK | PKT_TCP_FIN, 7778, 0), SEC);
	flow_table_end_all(ft, FLOW_END_EOF);
	CHECK_EQ(r.n, 2);
	CHECK_EQ(r.e[0].why, FLOW_END_REUSED);
	CHECK_EQ(r.e[0].bytes[0], 200);
	CHECK_EQ(r.e[1].why, FLOW_END_FIN);
	CHECK_EQ(r.e[1].bytes[0], 40);
	CHECK_EQ(r.e[1].cport, 1234);
	CHECK_EQ(r.data[0], 240);
	flow_table_destroy(ft);
}

/* A missed SYN shortly before the first byte seen is the same connection. */
static void test_late_syn_near(void)
{
	struct flow_table *ft;
	struct rec r;

	ft = mk_table(&r, 16);
	feed(ft, mk(A, 1234, B, 80, PKT_TCP_ACK, 20000, 30), 0);
	feed(ft, mk(A, 1234, B, 80, PKT_TCP_SYN, 18999, 0), 0);
	CHECK_EQ(r.n, 0);
	flow_table_end_all(ft, FLOW_END_EOF);
	CHECK_EQ(r.n, 1);
	CHECK_EQ(r.e[0].bytes[0], 30);
	CHECK_EQ(r.e[0].gaps[0], 1); /* the 1000 bytes never seen */
	flow_table_destroy(ft);
}

/*
 * One packet stamped far in the future (another flow's) does not move the
 * clock: the connection around it goes on, nothing ends as "timeout".
 */
static void test_time_outlier(void)
{
	struct flow_table_stats st;
	struct flow_table *ft;
	struct rec r;

	ft = mk_table(&r, 16);
	feed(ft, mk(A, 7000, B, 80, PKT_TCP_SYN, 0, 0), 100 * SEC);
	feed(ft, mk(A, 7000, B, 80, PKT_TCP_ACK, 1, 10), 101 * SEC);
	feed(ft, mk(A, 7001, B, 80, PKT_TCP_SYN, 0, 0), 4000000000ull * SEC);
	feed(ft, mk(A, 7000, B, 80, PKT_TCP_ACK, 11, 10), 102 * SEC);
	feed(ft, mk(A, 7000, B, 80, PKT_TCP_ACK, 21, 10), 103 * SEC);
	CHECK_EQ(r.n, 0);
	flow_table_expire(ft, 104 * SEC);
	CHECK_EQ(r.n, 0);
	flow_table_get_stats(ft, &st);
	CHECK_EQ(st.time_outliers, 1);
	CHECK_EQ(st.ended[FLOW_END_TIMEOUT], 0);
	flow_table_end_all(ft, FLOW_END_EOF);
	CHECK_EQ(r.n, 2);
	CHECK_EQ(r.e[1].cport, 7000);
	CHECK_EQ(r.e[1].bytes[0], 30);
	flow_table_destroy(ft);
}

/*
 * A real pause: the second packet after it confirms the jump, idle flows
 * end as "timeout", but not the flow whose packet ended the pause.
 */
static void test_time_pause(void)
{
	struct flow_table_stats st;
	struct flow_table *ft;
	struct rec r;

	ft = mk_table(&r, 16);
	feed(ft, mk(A, 7100, B, 80, PKT_TCP_ACK, 1, 2), 10 * SEC);
	feed(ft, mk(A, 7101, B, 80, PKT_TCP_ACK, 1, 2), 10 * SEC);
	feed(ft, mk(A, 7100, B, 80, PKT_TCP_ACK, 3, 2), 200 * SEC);
	CHECK_EQ(r.n, 0); /* not confirmed yet */
	feed(ft, mk(A, 7102, B, 80, PKT_TCP_ACK, 1, 2), 201 * SEC);
	CHECK_EQ(r.n, 1);
	CHECK_EQ(r.e[0].why, FLOW_END_TIMEOUT);
	CHECK_EQ(r.e[0].cport, 7101);
	feed(ft, mk(A, 7102, B, 80, PKT_TCP_ACK, 3, 2), 255 * SEC);
	CHECK_EQ(r.n, 1); /* 7100 seen at 200 s: not idle for 60 s yet */
	flow_table_get_stats(ft, &st);
	CHECK_EQ(st.time_outliers, 0);
	flow_table_end_all(ft, FLOW_END_EOF);
	CHECK_EQ(r.n, 3);
	CHECK_EQ(r.e[1].cport, 7100);
	CHECK_EQ(r.e[1].why, FLOW_END_EOF);
	CHECK_EQ(r.e[1].bytes[0], 4);
	flow_table_destroy(ft);
}

/*
 * Mid-stream pickup with a keep-alive first: the peer's ACK reaches the
 * client direction, and the probe's byte is not stream byte 0.
 */
/*
 * flow_ops.fin: once per direction, when its bytes up to the FIN are in
 * (a FIN ahead of a hole waits for the hole), and for both on a RST;
 * the flow itself stays in the table (closed) until its timeout.
 */
static void test_fin_told(void)
{
	struct flow_table *ft;
	struct rec r;

	ft = mk_table(&r, 16);
	conn(ft, 100, SEC);
	CHECK_EQ(r.fins[0], 1);
	CHECK_EQ(r.fins[1], 1);
	CHECK_EQ(r.fin_data[0], 10);
	CHECK_EQ(r.fin_data[1], 20);
	CHECK_EQ(r.n, 0); /* still in the table */
	/* A retransmitted FIN: not told again. */
	feed(ft, mk(A, 1000, B, 80, PKT_TCP_FIN | PKT_TCP_ACK, 111, 0), SEC);
	CHECK_EQ(r.fins[0], 1);
	flow_table_end_all(ft, FLOW_END_EOF);
	flow_table_destroy(ft);

	/* The FIN before the bytes it follows: told once they came. */
	ft = mk_table(&r, 16);
	feed(ft, mk(A, 2000, B, 80, PKT_TCP_SYN, 50, 0), 0);
	feed(ft, mk(B, 80, A, 2000, PKT_TCP_SYN | PKT_TCP_ACK, 900, 0), 0);
	feed(ft, mk(A, 2000, B, 80, PKT_TCP_FIN | PKT_TCP_ACK, 61, 0), 0);
	CHECK_EQ(r.fins[0], 0);
	feed(ft, mk(A, 2000, B, 80, PKT_TCP_ACK, 51, 10), 0);
	CHECK_EQ(r.fins[0], 1);
	CHECK_EQ(r.fin_data[0], 10);
	CHECK_EQ(r.fins[1], 0);
	/* A RST ends both: the other direction is told too, once. */
	feed(ft, mk(B, 80, A, 2000, PKT_TCP_RST, 901, 0), 0);
	CHECK_EQ(r.fins[0], 1);
	CHECK_EQ(r.fins[1], 1);
	flow_table_end_all(ft, FLOW_END_EOF);
	CHECK_EQ(r.n, 1);
	flow_table_destroy(ft);
}

static void test_keepalive_pickup(void)
{
	struct flow_table *ft;
	struct pkt p;
	struct rec r;

	ft = mk_table(&r, 16);
	p = mk(A, 7200, B, 80, PKT_TCP_ACK, 4999, 1);
	p.ack = 7;
	feed(ft, p, 0);
	p = mk(B, 80, A, 7200, PKT_TCP_ACK, 7, 0);
	p.ack = 5000;
	feed(ft, p, 0);
	p = mk(A, 7200, B, 80, PKT_TCP_ACK | PKT_TCP_PSH, 5000, 16);
	p.ack = 7;
	feed(ft, p, 0);
	flow_table_end_all(ft, FLOW_END_EOF);
	CHECK_EQ(r.n, 1);
	CHECK_EQ(r.e[0].bytes[0], 16);
	CHECK_EQ(r.data[0], 16);
	CHECK_EQ(r.e[0].keepalives[0], 1);
	flow_table_destroy(ft);
}

static const struct t_case cases[] = {
	T_CASE(test_hash),
	T_CASE(test_reuse_after_fin),
	T_CASE(test_rst_and_new_isn),
	T_CASE(test_rst_after_fins),
	T_CASE(test_client_detection),
	T_CASE(test_eviction),
	T_CASE(test_timeouts),
	T_CASE(test_gap_reported),
	T_CASE(test_late_syn_after_close),
	T_CASE(test_reuse_lower_isn_unclosed),
	T_CASE(test_reuse_lower_isn_half_closed),
	T_CASE(test_late_syn_near),
	T_CASE(test_time_outlier),
	T_CASE(test_time_pause),
	T_CASE(test_keepalive_pickup),
	T_CASE(test_fin_told),
};

T_MAIN(cases)
