// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_rx: the receive engine on crafted client segments (tools/lib's
 * frame builder), every frame it sends parsed back and checked: the
 * handshake and its options, in-order and out-of-order data with SACK,
 * the ACK policy, the window and its updates, FIN both ways, RST and SYN
 * checks (RFC 5961), PAWS, SYN cookies, retransmission and idle timers,
 * the connection bounds, checksums.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/seq.h"
#include "parse/pkt.h"
#include "pktbuild.h"
#include "tcp/tcp_rx.h"
#include "tcp/tcp_seg.h"
#include "testlib.h"

#define MS 1000000ull
#define SRV_PORT 5201
#define CLI_PORT 40000
#define MAX_TX 256

static const uint8_t srv_ip[4] = {198, 18, 0, 2}, cli_ip[4] = {198, 18, 0, 1};
static const uint8_t srv_mac[6] = {2, 0, 0, 0, 0, 2};
static const uint8_t cli_mac[6] = {2, 0, 0, 0, 0, 1};

/* A frame the engine sent, parsed. */
struct txf {
	uint8_t b[2048];
	uint32_t len;
	struct pkt p;
	struct tcp_opts o;
	uint16_t win;
};

struct harness {
	struct tcp_rx *e;
	struct tcp_rx_cfg cfg;
	struct txf tx[MAX_TX];
	unsigned int ntx, tx_seen;
	struct tcp_conn *conn;
	unsigned int opens, fins, ends;
	enum tcp_end why;
	uint8_t data[1 << 20];
	uint64_t ndata;
	bool absorb; /* report bytes absorbed at once */
	bool shut_on_fin;
	bool refuse;
	uint64_t now;
	uint32_t cli_seq; /* the client's next sequence number */
	uint32_t srv_seq; /* what the client acknowledges */
	uint32_t tsval;
	struct buf rxbuf;
	unsigned int live; /* frame copies not yet released */
};

/* A received frame's own buffer, as a UMEM frame is. */
struct tframe {
	struct buf b;
	struct harness *h;
	uint8_t data[];
};

static void rxbuf_release(struct buf *b)
{
	(void)b;
}

static void tframe_release(struct buf *b)
{
	struct tframe *t = (struct tframe *)b;

	t->h->live--;
	free(t);
}

/* Feed len bytes at p as one frame in its own buffer. */
static void h_input(struct harness *h, const uint8_t *p, uint32_t len)
{
	struct tframe *t = malloc(sizeof(*t) + len);
	struct buf *b = &t->b;
	struct iovec v = {t->data, len};

	t->b.refs = 1;
	t->b.release = tframe_release;
	t->h = h;
	memcpy(t->data, p, len);
	h->live++;
	tcp_rx_input(h->e, &v, &b, 1, h->now);
	buf_put(b);
}

static int h_tx(void *ctx, const uint8_t *frame, uint32_t len)
{
	struct harness *h = ctx;
	struct txf *t;
	struct iovec v;

	if (len > sizeof(t->b))
		return -EAGAIN;
	t = &h->tx[h->ntx++ % MAX_TX];
	memcpy(t->b, frame, len);
	t->len = len;
	CHECK_EQ(pkt_parse(t->b, len, len, LINKTYPE_ETHERNET, &t->p), PKT_OK);
	CHECK(!tcp_opts_parse(t->p.l4, t->p.payload - t->p.l4, &t->o));
	v = (struct iovec){t->b, len};
	CHECK_EQ(tcp_seg_verify(&t->p, &v, 1), TCP_CSUM_OK);
	CHECK(!memcmp(t->b, cli_mac, 6) && !memcmp(t->b + 6, srv_mac, 6));
	t->win = t->p.window;
	return 0;
}

static int h_open(void *ctx, struct tcp_conn *c)
{
	struct harness *h = ctx;

	h->opens++;
	h->conn = c;
	return h->refuse ? -1 : 0;
}

static int h_data(void *ctx, struct tcp_conn *c, uint64_t off, const uint8_t *p,
		  uint32_t len, struct buf *b)
{
	struct harness *h = ctx;

	(void)b;
	CHECK_EQ(off, h->ndata);
	if (h->ndata + len <= sizeof(h->data))
		memcpy(h->data + h->ndata, p, len);
	h->ndata += len;
	if (h->absorb)
		tcp_rx_absorbed(h->e, c, len);
	return 0;
}

static void h_fin(void *ctx, struct tcp_conn *c)
{
	struct harness *h = ctx;

	h->fins++;
	if (h->shut_on_fin)
		tcp_rx_shutdown(h->e, c);
}

static void h_end(void *ctx, struct tcp_conn *c, enum tcp_end why)
{
	struct harness *h = ctx;

	(void)c;
	h->ends++;
	h->why = why;
	h->conn = NULL;
}

static const struct tcp_rx_ops h_ops = {
	.open = h_open,
	.data = h_data,
	.fin = h_fin,
	.end = h_end,
};

static struct harness *h_new(void (*tweak)(struct tcp_rx_cfg *))
{
	struct harness *h = calloc(1, sizeof(*h));

	tcp_rx_cfg_default(&h->cfg);
	memcpy(h->cfg.addr.a, srv_ip, 4);
	h->cfg.port = SRV_PORT;
	memcpy(h->cfg.mac, srv_mac, 6);
	memset(h->cfg.key, 0x5a, sizeof(h->cfg.key));
	h->cfg.mss = 1460;
	h->cfg.rcv_buf = 256 * 1024;
	h->cfg.tx = h_tx;
	h->cfg.tx_ctx = h;
	if (tweak)
		tweak(&h->cfg);
	h->absorb = true;
	h->shut_on_fin = true;
	h->now = 1000 * MS;
	h->cli_seq = 1000000;
	h->tsval = 500;
	h->rxbuf.refs = 1;
	h->rxbuf.release = rxbuf_release;
	if (tcp_rx_create(&h->e, &h->cfg, &h_ops, h)) {
		free(h);
		return NULL;
	}
	return h;
}

static void h_free(struct harness *h)
{
	tcp_rx_end_all(h->e, h->now);
	tcp_rx_destroy(h->e);
	CHECK_EQ(h->rxbuf.refs, 1);
	CHECK_EQ(h->live, 0);
	free(h);
}

/* What the client sends: flags, seq, payload, options. */
struct cseg {
	uint8_t flags;
	uint32_t seq, ack;
	uint16_t win;
	uint32_t len; /* payload: byte k of the stream is (k * 7) & 0xff */
	uint64_t off; /* stream offset of the payload */
	bool syn_opts; /* MSS, SACK_OK, TS, WS 7 */
	bool no_ts;
	uint32_t tsval; /* 0: the harness's clock */
	uint32_t tsecr;
	uint16_t sport;
	bool bad_csum;
};

static void h_send(struct harness *h, const struct cseg *s)
{
	static struct pb f;
	uint8_t opts[40] = {0}, *o = opts, payload[65536];
	uint32_t i, ts = s->tsval ? s->tsval : h->tsval;

	pb_init(&f);
	pb_eth(&f, srv_mac, cli_mac, 0x0800);
	pb_ipv4(&f, &(struct pb_ip4){.src = cli_ip,
				     .dst = srv_ip,
				     .proto = IPPROTO_TCP});
	if (s->syn_opts) {
		*o++ = 2, *o++ = 4, *o++ = 1460 >> 8, *o++ = 1460 & 0xff;
		*o++ = 4, *o++ = 2;
	} else if (!s->no_ts) {
		*o++ = 1, *o++ = 1;
	}
	if (!s->no_ts) {
		*o++ = 8, *o++ = 10;
		*o++ = ts >> 24, *o++ = ts >> 16, *o++ = ts >> 8, *o++ = ts;
		*o++ = s->tsecr >> 24, *o++ = s->tsecr >> 16;
		*o++ = s->tsecr >> 8, *o++ = s->tsecr;
	}
	if (s->syn_opts)
		*o++ = 1, *o++ = 3, *o++ = 3, *o++ = 7;
	pb_tcp(&f, &(struct pb_tcp){.sport = s->sport ? s->sport : CLI_PORT,
				    .dport = SRV_PORT,
				    .seq = s->seq,
				    .ack = s->ack,
				    .flags = s->flags,
				    .win = s->win ? s->win : 1024,
				    .opt_len = (uint8_t)(o - opts),
				    .opts = opts});
	for (i = 0; i < s->len; i++)
		payload[i] = (uint8_t)((s->off + i) * 7);
	pb_payload(&f, payload, s->len);
	pb_finish(&f);
	if (s->bad_csum)
		f.b[f.l4 + 16] ^= 0x55;
	h_input(h, f.b, f.len);
}

/* The frames sent since the last call: count, the last one. */
static struct txf *h_last(struct harness *h, unsigned int *n)
{
	*n = h->ntx - h->tx_seen;
	h->tx_seen = h->ntx;
	return *n ? &h->tx[(h->ntx - 1) % MAX_TX] : NULL;
}

static void h_poll(struct harness *h, uint64_t adv)
{
	h->now += adv;
	tcp_rx_poll(h->e, h->now);
}

/* SYN, SYN-ACK, ACK: an established connection, data at cli_seq. */
static void h_connect(struct harness *h)
{
	struct txf *t;
	unsigned int n;

	h_send(h, &(struct cseg){.flags = PKT_TCP_SYN,
				 .seq = h->cli_seq,
				 .syn_opts = true});
	t = h_last(h, &n);
	CHECK_EQ(n, 1);
	if (!t)
		return;
	CHECK_EQ(t->p.tcp_flags, PKT_TCP_SYN | PKT_TCP_ACK);
	CHECK_EQ(t->p.ack, h->cli_seq + 1);
	h->cli_seq++;
	h->srv_seq = t->p.seq + 1;
	h_send(h, &(struct cseg){.flags = PKT_TCP_ACK,
				 .seq = h->cli_seq,
				 .ack = h->srv_seq});
	CHECK_EQ(h->opens, 1);
	h_last(h, &n);
	CHECK_EQ(n, 0);
}

/* A data segment of len bytes at stream offset off. */
static void h_data_seg(struct harness *h, uint64_t off, uint32_t len,
		       uint8_t extra)
{
	h_send(h, &(struct cseg){.flags = PKT_TCP_ACK | extra,
				 .seq = h->cli_seq + (uint32_t)off,
				 .ack = h->srv_seq,
				 .len = len,
				 .off = off});
}

static bool stream_ok(const struct harness *h, uint64_t n)
{
	uint64_t i;

	if (h->ndata != n)
		return false;
	for (i = 0; i < n; i++)
		if (h->data[i] != (uint8_t)(i * 7))
			return false;
	return true;
}

static void test_handshake(void)
{
	struct harness *h = h_new(NULL);
	struct tcp_rx_stats st;
	struct txf *t;
	unsigned int n;

	h_send(h, &(struct cseg){.flags = PKT_TCP_SYN,
				 .seq = 7,
				 .syn_opts = true,
				 .tsval = 4242});
	t = h_last(h, &n);
	CHECK_EQ(n, 1);
	CHECK_EQ(t->p.tcp_flags, PKT_TCP_SYN | PKT_TCP_ACK);
	CHECK_EQ(t->p.ack, 8);
	CHECK(t->o.has_mss && t->o.mss == 1460);
	CHECK(t->o.has_wscale && t->o.wscale == 3); /* 256 KiB */
	CHECK(t->o.sack_ok);
	CHECK(t->o.has_ts && t->o.tsecr == 4242);
	CHECK_EQ(t->p.sport, SRV_PORT);
	CHECK_EQ(t->p.dport, CLI_PORT);
	/* The same SYN again: the same SYN-ACK. */
	h_send(h, &(struct cseg){.flags = PKT_TCP_SYN,
				 .seq = 7,
				 .syn_opts = true,
				 .tsval = 4243});
	t = h_last(h, &n);
	CHECK_EQ(n, 1);
	CHECK_EQ(t->p.tcp_flags, PKT_TCP_SYN | PKT_TCP_ACK);
	/* An ACK of something else: RST, still half-open. */
	h_send(h, &(struct cseg){.flags = PKT_TCP_ACK,
				 .seq = 8,
				 .ack = t->p.seq + 5,
				 .tsval = 5000});
	t = h_last(h, &n);
	CHECK_EQ(n, 1);
	CHECK_EQ(t->p.tcp_flags, PKT_TCP_RST);
	CHECK_EQ(h->opens, 0);
	h_send(h, &(struct cseg){.flags = PKT_TCP_ACK,
				 .seq = 8,
				 .ack = h->tx[0].p.seq + 1,
				 .tsval = 5000});
	CHECK_EQ(h->opens, 1);
	tcp_rx_get_stats(h->e, &st);
	CHECK_EQ(st.established, 1);
	CHECK_EQ(st.syns, 1);
	CHECK_EQ(st.segs, st.accepted + st.bad_ack);
	h_free(h);
}

/* Two different ISNs for two clients, and the clock moves them. */
static void test_isn(void)
{
	struct harness *h = h_new(NULL);
	uint32_t a, b;
	unsigned int n;

	h_send(h, &(struct cseg){.flags = PKT_TCP_SYN, .seq = 7});
	a = h_last(h, &n)->p.seq;
	h_send(h,
	       &(struct cseg){.flags = PKT_TCP_SYN, .seq = 7, .sport = 40001});
	b = h_last(h, &n)->p.seq;
	CHECK(a != b);
	h_free(h);
}

static void test_inorder_acks(void)
{
	struct harness *h = h_new(NULL);
	struct txf *t;
	unsigned int n;

	h_connect(h);
	h_data_seg(h, 0, 1460, 0);
	h_last(h, &n);
	CHECK_EQ(n, 0); /* delayed */
	h_data_seg(h, 1460, 1460, 0);
	t = h_last(h, &n);
	CHECK_EQ(n, 1); /* every second full-sized segment */
	CHECK_EQ(t->p.ack, h->cli_seq + 2920);
	h_data_seg(h, 2920, 100, PKT_TCP_PSH);
	h_last(h, &n);
	CHECK_EQ(n, 0);
	h_poll(h, 10 * MS);
	h_last(h, &n);
	CHECK_EQ(n, 0);
	h_poll(h, TCP_RX_DELACK_NS);
	t = h_last(h, &n);
	CHECK_EQ(n, 1);
	CHECK_EQ(t->p.ack, h->cli_seq + 3020);
	CHECK(stream_ok(h, 3020));
	/* A duplicate: ACKed at once, not delivered again. */
	h_data_seg(h, 1460, 1460, 0);
	t = h_last(h, &n);
	CHECK_EQ(n, 1);
	CHECK_EQ(t->p.ack, h->cli_seq + 3020);
	CHECK(stream_ok(h, 3020));
	h_free(h);
}

static void test_ooo_sack(void)
{
	struct harness *h = h_new(NULL);
	struct tcp_rx_stats st;
	struct txf *t;
	unsigned int n;

	h_connect(h);
	h_data_seg(h, 1000, 1000, 0);
	t = h_last(h, &n);
	CHECK_EQ(n, 1);
	CHECK_EQ(t->p.ack, h->cli_seq);
	CHECK_EQ(t->o.nsack, 1);
	CHECK_EQ(t->o.sack[0].left, h->cli_seq + 1000);
	CHECK_EQ(t->o.sack[0].right, h->cli_seq + 2000);
	CHECK_EQ(h->live, 1); /* held */
	h_data_seg(h, 3000, 500, 0);
	t = h_last(h, &n);
	CHECK_EQ(t->o.nsack, 2);
	CHECK_EQ(t->o.sack[0].left, h->cli_seq + 3000); /* the latest first */
	CHECK_EQ(t->o.sack[1].left, h->cli_seq + 1000);
	/* Overlapping what is held: only the new bytes are kept. */
	h_data_seg(h, 1500, 1000, 0);
	t = h_last(h, &n);
	CHECK_EQ(t->o.nsack, 2);
	CHECK_EQ(t->o.sack[0].left, h->cli_seq + 1000);
	CHECK_EQ(t->o.sack[0].right, h->cli_seq + 2500);
	h_data_seg(h, 0, 1000, 0);
	t = h_last(h, &n);
	CHECK_EQ(n, 1); /* a hole filled: at once */
	CHECK_EQ(t->p.ack, h->cli_seq + 2500);
	CHECK_EQ(t->o.nsack, 1);
	h_data_seg(h, 2500, 500, 0);
	t = h_last(h, &n);
	CHECK_EQ(t->p.ack, h->cli_seq + 3500);
	CHECK_EQ(t->o.nsack, 0);
	CHECK(stream_ok(h, 3500));
	CHECK_EQ(h->live, 0);
	tcp_rx_get_stats(h->e, &st);
	CHECK_EQ(st.ooo_segs, 3);
	CHECK_EQ(st.dup_bytes, 500);
	h_free(h);
}

static void test_ooo_budget(void)
{
	struct harness *h = h_new(NULL);
	struct tcp_rx_stats st;
	struct txf *t;
	unsigned int n, i;

	h_connect(h);
	for (i = 1; i <= 5000; i++)
		h_data_seg(h, i * 10, 10, 0);
	tcp_rx_get_stats(h->e, &st);
	CHECK_EQ(st.held_max, h->cfg.hold_bufs);
	CHECK(st.ooo_dropped > 0);
	h_data_seg(h, 0, 10, 0);
	t = h_last(h, &n);
	CHECK_EQ(t->p.ack, h->cli_seq + 10 + 10 * h->cfg.hold_bufs);
	CHECK(stream_ok(h, 10 + 10 * h->cfg.hold_bufs));
	h_free(h);
}

static void no_absorb_cfg(struct tcp_rx_cfg *c)
{
	c->rcv_buf = 8 * 1460;
}

static void test_window(void)
{
	struct harness *h = h_new(no_absorb_cfg);
	struct tcp_rx_stats st;
	struct txf *t;
	unsigned int n, i;
	uint32_t right;

	h->absorb = false;
	h_connect(h);
	for (i = 0; i < 8; i++)
		h_data_seg(h, i * 1460, 1460, 0);
	t = h_last(h, &n);
	CHECK_EQ(t->p.ack, h->cli_seq + 8 * 1460);
	CHECK_EQ(t->win, 0);
	/* Past the window: not taken, ACKed. */
	h_data_seg(h, 8 * 1460, 1460, 0);
	t = h_last(h, &n);
	CHECK_EQ(n, 1);
	CHECK_EQ(t->p.ack, h->cli_seq + 8 * 1460);
	CHECK_EQ(h->ndata, 8 * 1460);
	/* A little absorbed: below an MSS, no update (SWS avoidance). */
	tcp_rx_absorbed(h->e, h->conn, 1000);
	h_poll(h, 1);
	h_last(h, &n);
	CHECK_EQ(n, 0);
	tcp_rx_absorbed(h->e, h->conn, 4 * 1460);
	h_poll(h, 1);
	t = h_last(h, &n);
	CHECK_EQ(n, 1);
	CHECK(t->win > 0);
	right = t->p.ack + t->win; /* window scale 0 at this size */
	CHECK_EQ(right, h->cli_seq + 8 * 1460 + 1000 + 4 * 1460);
	tcp_rx_get_stats(h->e, &st);
	CHECK_EQ(st.window_updates, 1);
	CHECK(st.zero_windows >= 1);
	h_free(h);
}

static void test_close(void)
{
	struct harness *h = h_new(NULL);
	struct txf *t;
	unsigned int n;

	h_connect(h);
	h_data_seg(h, 0, 100, PKT_TCP_FIN);
	t = h_last(h, &n);
	CHECK_EQ(n, 1);
	CHECK_EQ(t->p.ack, h->cli_seq + 101);
	CHECK_EQ(h->fins, 1);
	h_poll(h, 1);
	t = h_last(h, &n);
	CHECK_EQ(n, 1);
	CHECK_EQ(t->p.tcp_flags, PKT_TCP_FIN | PKT_TCP_ACK);
	/* Not acknowledged: sent again. */
	h_poll(h, 300 * MS);
	h_poll(h, 10 * MS);
	t = h_last(h, &n);
	CHECK_EQ(n, 1);
	CHECK_EQ(t->p.tcp_flags, PKT_TCP_FIN | PKT_TCP_ACK);
	CHECK_EQ(h->ends, 0);
	h_send(h, &(struct cseg){.flags = PKT_TCP_ACK,
				 .seq = h->cli_seq + 101,
				 .ack = t->p.seq + 1});
	CHECK_EQ(h->ends, 1);
	CHECK_EQ(h->why, TCP_END_FIN);
	CHECK(stream_ok(h, 100));
	h_free(h);
}

/* The FIN beyond a hole waits for it. */
static void test_fin_ooo(void)
{
	struct harness *h = h_new(NULL);
	unsigned int n;

	h->shut_on_fin = false;
	h_connect(h);
	h_data_seg(h, 100, 100, PKT_TCP_FIN);
	CHECK_EQ(h->fins, 0);
	h_data_seg(h, 0, 100, 0);
	CHECK_EQ(h->fins, 1);
	CHECK_EQ(h_last(h, &n)->p.ack, h->cli_seq + 201);
	CHECK(stream_ok(h, 200));
	h_free(h);
}

static void test_rst(void)
{
	struct harness *h = h_new(NULL);
	struct tcp_rx_stats st;
	struct txf *t;
	unsigned int n;

	h_connect(h);
	h_data_seg(h, 0, 100, 0);
	/* Out of the window: ignored, no answer. */
	h_send(h, &(struct cseg){.flags = PKT_TCP_RST,
				 .seq = h->cli_seq + 100 + 10000000});
	h_last(h, &n);
	CHECK_EQ(n, 0);
	/* In the window, not exact: a challenge ACK. */
	h_send(h, &(struct cseg){.flags = PKT_TCP_RST,
				 .seq = h->cli_seq + 100 + 5});
	t = h_last(h, &n);
	CHECK_EQ(n, 1);
	CHECK_EQ(t->p.tcp_flags, PKT_TCP_ACK);
	CHECK_EQ(t->p.ack, h->cli_seq + 100);
	/* A SYN: a challenge ACK too. */
	h_send(h, &(struct cseg){.flags = PKT_TCP_SYN, .seq = 12345});
	t = h_last(h, &n);
	CHECK_EQ(n, 1);
	CHECK_EQ(t->p.tcp_flags, PKT_TCP_ACK);
	CHECK_EQ(h->ends, 0);
	/* Data out of the window: ACKed, not taken. */
	h_send(h, &(struct cseg){.flags = PKT_TCP_ACK,
				 .seq = h->cli_seq + 100 + 20000000,
				 .ack = h->srv_seq,
				 .len = 10});
	CHECK_EQ(h_last(h, &n)->p.ack, h->cli_seq + 100);
	CHECK_EQ(h->ndata, 100);
	/* An ACK of data never sent: ACKed, dropped. */
	h_send(h, &(struct cseg){.flags = PKT_TCP_ACK,
				 .seq = h->cli_seq + 100,
				 .ack = h->srv_seq + 1000,
				 .len = 10,
				 .off = 100});
	CHECK_EQ(h->ndata, 100);
	h_last(h, &n);
	CHECK_EQ(n, 1);
	tcp_rx_get_stats(h->e, &st);
	CHECK_EQ(st.rst_ignored, 1);
	CHECK_EQ(st.challenged, 2);
	CHECK_EQ(st.bad_ack, 1);
	/* The exact one ends it. */
	h_send(h,
	       &(struct cseg){.flags = PKT_TCP_RST, .seq = h->cli_seq + 100});
	CHECK_EQ(h->ends, 1);
	CHECK_EQ(h->why, TCP_END_RST);
	h_free(h);
}

static void test_paws(void)
{
	struct harness *h = h_new(NULL);
	struct tcp_rx_stats st;
	unsigned int n;

	h_connect(h);
	h->tsval = 1000;
	h_data_seg(h, 0, 100, 0);
	h->tsval = 900; /* older */
	h_data_seg(h, 100, 100, 0);
	CHECK_EQ(h->ndata, 100);
	h_last(h, &n);
	tcp_rx_get_stats(h->e, &st);
	CHECK_EQ(st.paws, 1);
	h_free(h);
}

static void cookie_cfg(struct tcp_rx_cfg *c)
{
	c->max_half_open = 0;
}

static void test_cookies(void)
{
	struct harness *h = h_new(cookie_cfg);
	struct tcp_rx_stats st;
	struct txf *t;
	unsigned int n;
	uint32_t iss;

	h_send(h, &(struct cseg){.flags = PKT_TCP_SYN,
				 .seq = 99,
				 .syn_opts = true,
				 .tsval = 77});
	t = h_last(h, &n);
	CHECK_EQ(n, 1);
	CHECK_EQ(t->p.tcp_flags, PKT_TCP_SYN | PKT_TCP_ACK);
	CHECK(t->o.has_wscale && t->o.sack_ok && t->o.has_ts);
	iss = t->p.seq;
	tcp_rx_get_stats(h->e, &st);
	CHECK_EQ(st.conns, 0);
	/* A forged cookie: RST. */
	h_send(h, &(struct cseg){.flags = PKT_TCP_ACK,
				 .seq = 100,
				 .ack = iss + 2,
				 .tsval = 78,
				 .tsecr = t->o.tsval});
	t = h_last(h, &n);
	CHECK_EQ(t->p.tcp_flags, PKT_TCP_RST);
	CHECK_EQ(h->opens, 0);
	h_send(h, &(struct cseg){.flags = PKT_TCP_ACK,
				 .seq = 100,
				 .ack = iss + 1,
				 .tsval = 78,
				 .tsecr = h->tx[0].o.tsval,
				 .len = 50,
				 .off = 0});
	CHECK_EQ(h->opens, 1);
	tcp_rx_get_stats(h->e, &st);
	CHECK_EQ(st.cookies_ok, 1);
	CHECK_EQ(st.cookies_bad, 1);
	CHECK(tcp_conn_info(h->conn)->cookie);
	CHECK_EQ(tcp_conn_info(h->conn)->wscale, 7);
	h->cli_seq = 100;
	h->srv_seq = iss + 1;
	h->tsval = 79;
	h_data_seg(h, 50, 50, 0);
	CHECK(stream_ok(h, 100));
	h_free(h);
}

static void test_synack_retransmit(void)
{
	struct harness *h = h_new(NULL);
	struct tcp_rx_stats st;
	unsigned int n, i;

	h_send(h, &(struct cseg){.flags = PKT_TCP_SYN, .seq = 7});
	h_last(h, &n);
	for (i = 0; i < 5; i++) {
		h_poll(h, (1000ull << i) * MS + MS);
		h_poll(h, 10 * MS);
		h_last(h, &n);
		CHECK_EQ(n, 1);
	}
	h_poll(h, 64000 * MS);
	h_poll(h, 10 * MS);
	tcp_rx_get_stats(h->e, &st);
	CHECK_EQ(st.retransmits, 5);
	CHECK_EQ(st.half_open_expired, 1);
	CHECK_EQ(st.conns, 0);
	CHECK_EQ(h->ends, 0); /* never opened: nothing to tell the sink */
	h_free(h);
}

static void idle_cfg(struct tcp_rx_cfg *c)
{
	c->idle_timeout_ns = 2000 * MS;
}

static void test_idle(void)
{
	struct harness *h = h_new(idle_cfg);
	struct txf *t;
	unsigned int n;

	h_connect(h);
	h_poll(h, 1500 * MS);
	CHECK_EQ(h->ends, 0);
	h_poll(h, 600 * MS);
	CHECK_EQ(h->ends, 1);
	CHECK_EQ(h->why, TCP_END_TIMEOUT);
	t = h_last(h, &n);
	CHECK(t && (t->p.tcp_flags & PKT_TCP_RST));
	h_free(h);
}

static void max_cfg(struct tcp_rx_cfg *c)
{
	c->max_conns = 1;
}

static void test_max_conns(void)
{
	struct harness *h = h_new(max_cfg);
	struct tcp_rx_stats st;
	unsigned int n;

	h_connect(h);
	h_send(h,
	       &(struct cseg){.flags = PKT_TCP_SYN, .seq = 7, .sport = 40001});
	h_last(h, &n);
	CHECK_EQ(n, 0);
	tcp_rx_get_stats(h->e, &st);
	CHECK_EQ(st.syn_refused, 1);
	h_free(h);
}

static void test_stray(void)
{
	struct harness *h = h_new(NULL);
	struct txf *t;
	unsigned int n;

	h_send(h, &(struct cseg){.flags = PKT_TCP_ACK, .seq = 5, .ack = 777});
	t = h_last(h, &n);
	CHECK_EQ(n, 1);
	CHECK_EQ(t->p.tcp_flags, PKT_TCP_RST);
	CHECK_EQ(t->p.seq, 777);
	h_send(h, &(struct cseg){.flags = PKT_TCP_RST, .seq = 5});
	h_last(h, &n);
	CHECK_EQ(n, 0);
	h_free(h);
}

static void partial_cfg(struct tcp_rx_cfg *c)
{
	c->accept_partial_csum = true;
}

static void test_checksums(void)
{
	struct harness *h = h_new(NULL), *hp = h_new(partial_cfg);
	struct tcp_rx_stats st;
	unsigned int n;

	h_send(h, &(struct cseg){
			  .flags = PKT_TCP_SYN, .seq = 7, .bad_csum = true});
	h_last(h, &n);
	CHECK_EQ(n, 0);
	tcp_rx_get_stats(h->e, &st);
	CHECK_EQ(st.csum_bad, 1);
	/* A partial checksum: the pseudo-header's sum only. */
	{
		static struct pb f;
		struct tcp_csum c = {0};
		struct pkt_addr s = {0}, d = {0};
		struct iovec v;
		struct buf *b = &hp->rxbuf;
		uint16_t sum;

		pb_init(&f);
		pb_eth(&f, srv_mac, cli_mac, 0x0800);
		pb_ipv4(&f, &(struct pb_ip4){.src = cli_ip,
					     .dst = srv_ip,
					     .proto = IPPROTO_TCP});
		pb_tcp(&f, &(struct pb_tcp){.sport = CLI_PORT,
					    .dport = SRV_PORT,
					    .seq = 7,
					    .flags = PKT_TCP_SYN,
					    .win = 1000});
		pb_finish(&f);
		memcpy(s.a, cli_ip, 4);
		memcpy(d.a, srv_ip, 4);
		tcp_csum_pseudo(&c, 4, &s, &d, 20);
		sum = (uint16_t)~tcp_csum_fold(&c);
		memcpy(f.b + f.l4 + 16, &sum, 2);
		v = (struct iovec){f.b, f.len};
		tcp_rx_input(h->e, &v, &b, 1, h->now);
		tcp_rx_input(hp->e, &v, &b, 1, hp->now);
	}
	tcp_rx_get_stats(h->e, &st);
	CHECK_EQ(st.csum_bad, 2);
	h_last(hp, &n);
	CHECK_EQ(n, 1);
	tcp_rx_get_stats(hp->e, &st);
	CHECK_EQ(st.csum_partial, 1);
	h_free(h);
	h_free(hp);
}

/* Data in pieces (a GSO packet's chain), odd lengths across them. */
static void test_chain(void)
{
	struct harness *h = h_new(NULL);
	static struct pb f;
	uint8_t payload[5000];
	struct iovec v[3];
	struct buf *b[3];
	uint32_t i, hl;
	unsigned int n;

	h_connect(h);
	for (i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7);
	pb_init(&f);
	pb_eth(&f, srv_mac, cli_mac, 0x0800);
	pb_ipv4(&f, &(struct pb_ip4){.src = cli_ip,
				     .dst = srv_ip,
				     .proto = IPPROTO_TCP});
	pb_tcp(&f, &(struct pb_tcp){.sport = CLI_PORT,
				    .dport = SRV_PORT,
				    .seq = h->cli_seq,
				    .ack = h->srv_seq,
				    .flags = PKT_TCP_ACK,
				    .win = 1000});
	pb_payload(&f, payload, sizeof(payload));
	pb_finish(&f);
	hl = f.hend;
	v[0] = (struct iovec){f.b, hl + 1001};
	v[1] = (struct iovec){f.b + hl + 1001, 2001};
	v[2] = (struct iovec){f.b + hl + 3002, sizeof(payload) - 3002};
	b[0] = b[1] = b[2] = &h->rxbuf;
	tcp_rx_input(h->e, v, b, 3, h->now);
	CHECK(stream_ok(h, sizeof(payload)));
	CHECK_EQ(h_last(h, &n)->p.ack, h->cli_seq + sizeof(payload));
	h_free(h);
}

/* The sink closes first: FIN_WAIT, data still taken, then theirs. */
static void test_active_close(void)
{
	struct harness *h = h_new(NULL);
	struct txf *t;
	unsigned int n;

	h->shut_on_fin = false;
	h_connect(h);
	h_data_seg(h, 0, 100, 0);
	tcp_rx_shutdown(h->e, h->conn);
	h_poll(h, 1);
	t = h_last(h, &n);
	CHECK_EQ(n, 1);
	CHECK_EQ(t->p.tcp_flags, PKT_TCP_FIN | PKT_TCP_ACK);
	CHECK_EQ(t->p.ack, h->cli_seq + 100);
	h->srv_seq = t->p.seq + 1;
	/* Our FIN acknowledged; the client goes on, then closes. */
	h_data_seg(h, 100, 50, 0);
	h_data_seg(h, 150, 50, PKT_TCP_FIN);
	t = h_last(h, &n);
	CHECK(n >= 1);
	CHECK_EQ(t->p.ack, h->cli_seq + 201);
	CHECK_EQ(h->fins, 1);
	CHECK_EQ(h->ends, 1);
	CHECK_EQ(h->why, TCP_END_FIN);
	CHECK(stream_ok(h, 200));
	h_free(h);
}

/* Both FINs cross: theirs before ours is acknowledged. */
static void test_simultaneous_close(void)
{
	struct harness *h = h_new(NULL);
	struct txf *t;
	unsigned int n;
	uint32_t fin_seq;

	h->shut_on_fin = false;
	h_connect(h);
	tcp_rx_shutdown(h->e, h->conn);
	h_poll(h, 1);
	fin_seq = h_last(h, &n)->p.seq;
	h_send(h, &(struct cseg){.flags = PKT_TCP_FIN | PKT_TCP_ACK,
				 .seq = h->cli_seq,
				 .ack = h->srv_seq});
	CHECK_EQ(h->ends, 0);
	h_send(h, &(struct cseg){.flags = PKT_TCP_ACK,
				 .seq = h->cli_seq + 1,
				 .ack = fin_seq + 1});
	CHECK_EQ(h->ends, 1);
	CHECK_EQ(h->why, TCP_END_FIN);
	t = h_last(h, &n);
	(void)t;
	h_free(h);
}

/* A response: sent, sent again until acknowledged, then gone. */
static void test_send(void)
{
	static const char big[TCP_RX_SEND_MAX + 1];
	struct harness *h = h_new(NULL);
	struct tcp_rx_stats st;
	struct txf *t;
	unsigned int n;

	h_connect(h);
	CHECK_EQ(tcp_rx_send(h->e, h->conn, "HTTP/1.1 201 Created\r\n\r\n", 25),
		 0);
	t = h_last(h, &n);
	CHECK_EQ(n, 1);
	CHECK_EQ(t->p.payload_len, 25);
	CHECK(!memcmp(t->p.payload, "HTTP/1.1 201", 12));
	CHECK_EQ(t->p.seq, h->srv_seq);
	h_poll(h, 500 * MS);
	h_poll(h, 10 * MS);
	t = h_last(h, &n);
	CHECK_EQ(n, 1); /* retransmitted */
	CHECK_EQ(t->p.payload_len, 25);
	h_send(h, &(struct cseg){.flags = PKT_TCP_ACK,
				 .seq = h->cli_seq,
				 .ack = h->srv_seq + 25});
	h_poll(h, 5000 * MS);
	h_poll(h, 10 * MS);
	h_last(h, &n);
	CHECK_EQ(n, 0);
	tcp_rx_get_stats(h->e, &st);
	CHECK_EQ(st.retransmits, 1);
	CHECK_EQ(tcp_rx_send(h->e, h->conn, big, sizeof(big)), -EMSGSIZE);
	h_free(h);
}

static const struct t_case cases[] = {
	T_CASE(test_handshake),
	T_CASE(test_isn),
	T_CASE(test_inorder_acks),
	T_CASE(test_ooo_sack),
	T_CASE(test_ooo_budget),
	T_CASE(test_window),
	T_CASE(test_close),
	T_CASE(test_fin_ooo),
	T_CASE(test_rst),
	T_CASE(test_paws),
	T_CASE(test_cookies),
	T_CASE(test_synack_retransmit),
	T_CASE(test_idle),
	T_CASE(test_max_conns),
	T_CASE(test_stray),
	T_CASE(test_checksums),
	T_CASE(test_chain),
	T_CASE(test_active_close),
	T_CASE(test_simultaneous_close),
	T_CASE(test_send),
};

T_MAIN(cases)
