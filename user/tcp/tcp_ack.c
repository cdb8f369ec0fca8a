// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_ack: what the engine tells the client about its receive side: the
 * window, ACKs with their timestamps and SACK blocks, RSTs and challenge
 * ACKs; and the out-of-order queue those SACK blocks describe.
 *
 * The window a connection may offer is the least of cfg.rcv_buf and its
 * share of cfg.window_bufs (buffers times the largest segment seen), less
 * the bytes the sink has not absorbed yet.  Its right edge never moves
 * back (RFC 9293 3.8.6.2.2), and moves forward only by at least
 * min(rcv_buf / 2, MSS) at a time (receiver SWS avoidance, RFC 1122
 * 4.2.3.3).
 */
#include <errno.h>
#include <stdlib.h>

#include "lib/seq.h"
#include "tcp/tcp_rx_int.h"

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static uint32_t conn_mss(const struct tcp_rx *e, const struct tcp_conn *c)
{
	return c->rcv_mss ? c->rcv_mss : e->cfg.mss;
}

uint32_t tcp_window_avail(const struct tcp_rx *e, const struct tcp_conn *c)
{
	uint64_t cap = e->cfg.rcv_buf;
	uint64_t share = (uint64_t)e->cfg.window_bufs /
			 (e->nestab ? e->nestab : 1) * conn_mss(e, c);

	if (share < cap)
		cap = share;
	return c->unabsorbed >= cap ? 0 : (uint32_t)(cap - c->unabsorbed);
}

uint16_t tcp_window(struct tcp_rx *e, struct tcp_conn *c)
{
	uint32_t base =
		seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv : c->rcv_nxt;
	uint32_t right = c->rcv_nxt + tcp_window_avail(e, c);
	uint32_t step = min_u32(e->cfg.rcv_buf / 2, conn_mss(e, c));
	uint32_t wnd, field, ws = c->rcv_wscale;

	if (c->state == TCPS_SYN_RCVD)
		ws = 0; /* a SYN's window is never scaled (RFC 7323 2.2) */
	if (!seq_gt(right, base) || right - base < step)
		right = base;
	wnd = right - c->rcv_nxt;
	field = wnd >> ws;
	if (field > 65535)
		field = 65535;
	/* Rounding must not pull the edge back. */
	if (field < 65535 && seq_lt(c->rcv_nxt + (field << ws), base))
		field++;
	if (!field && !c->zero_win)
		e->st.zero_windows++;
	c->zero_win = !field;
	c->rcv_adv = c->rcv_nxt + (field << ws);
	return (uint16_t)field;
}

/* The SACK blocks of c's held data, the latest piece's range first. */
static unsigned int sack_blocks(const struct tcp_conn *c, struct tcp_sack *out,
				unsigned int max)
{
	struct tcp_sack r[TCP_SEG_MAX_SACK * 4];
	const struct tcp_ooo *o;
	unsigned int n = 0, i, first = 0, k;

	for (o = c->ooo; o; o = o->next) {
		if (n && r[n - 1].right == o->seq) {
			r[n - 1].right = o->seq + o->len;
			continue;
		}
		if (n == sizeof(r) / sizeof(r[0]))
			break;
		r[n].left = o->seq;
		r[n].right = o->seq + o->len;
		n++;
	}
	for (i = 0; i < n; i++)
		if (seq_in(c->last_ooo, r[i].left, r[i].right - r[i].left))
			first = i;
	if (!n)
		return 0;
	out[0] = r[first];
	for (i = 0, k = 1; i < n && k < max; i++)
		if (i != first)
			out[k++] = r[i];
	return k;
}

int tcp_send_seg(struct tcp_rx *e, struct tcp_conn *c, uint8_t flags,
		 uint32_t seq, const uint8_t *data, uint32_t len)
{
	uint8_t frame[TCP_SEG_HDR_MAX + TCP_RX_SEND_MAX];
	struct tcp_sack sack[TCP_SEG_MAX_SACK];
	struct tcp_seg_out s = {
		.src_mac = e->cfg.mac,
		.dst_mac = c->mac,
		.family = c->info.family,
		.src = &c->info.server,
		.dst = &c->info.client,
		.sport = c->info.server_port,
		.dport = c->info.client_port,
		.seq = seq,
		.ack = c->rcv_nxt,
		.flags = flags,
		.wscale = -1,
		.ts = c->ts_ok,
		.tsval = tcp_ts_now(e->now, c->ts_off),
		.tsecr = c->ts_recent,
		.payload = data,
		.len = len,
	};
	uint32_t n;

	if (flags & PKT_TCP_SYN) {
		s.mss = e->cfg.mss;
		s.wscale = c->ws_ok ? (int8_t)c->rcv_wscale : -1;
		s.sack_ok = c->sack_ok;
	}
	if (flags & PKT_TCP_ACK) {
		s.win = tcp_window(e, c);
		if (c->sack_ok && c->ooo) {
			s.sack = sack;
			s.nsack = sack_blocks(c, sack, c->ts_ok ? 3 : 4);
		}
	}
	n = tcp_seg_build(frame, sizeof(frame), &s);
	if (!n || e->cfg.tx(e->cfg.tx_ctx, frame, n)) {
		e->st.tx_full++;
		return -EAGAIN;
	}
	if ((flags & PKT_TCP_ACK) && !(flags & PKT_TCP_RST)) {
		c->last_ack_sent = c->rcv_nxt;
		c->unacked = 0;
		c->ack_due = false;
		tcp_dack_disarm(c);
		c->info.acks++;
		e->st.acks++;
	}
	return 0;
}

void tcp_send_ack(struct tcp_rx *e, struct tcp_conn *c)
{
	tcp_send_seg(e, c, PKT_TCP_ACK, c->snd_nxt, NULL, 0);
}

void tcp_ack_later(struct tcp_rx *e, struct tcp_conn *c)
{
	c->ack_due = true;
	if (c->pending)
		return;
	c->pending = true;
	c->pend_next = e->pending;
	e->pending = c;
}

void tcp_ack_flush(struct tcp_rx *e)
{
	while (e->pending) {
		struct tcp_conn *c = e->pending;

		e->pending = c->pend_next;
		c->pending = false;
		/* The sink's requests first: they may free c. */
		if (c->want_abort || c->want_shut) {
			tcp_rx_deferred(e, c);
			continue;
		}
		if (c->ack_due)
			tcp_send_ack(e, c);
	}
}

void tcp_send_rst(struct tcp_rx *e, const struct pkt *p, const uint8_t *mac,
		  uint32_t seg_len)
{
	uint8_t frame[TCP_SEG_HDR_MAX];
	struct tcp_seg_out s = {
		.src_mac = e->cfg.mac,
		.dst_mac = mac,
		.family = p->family,
		.src = &p->dst,
		.dst = &p->src,
		.sport = p->dport,
		.dport = p->sport,
		.wscale = -1,
	};
	uint32_t n;

	/* RFC 9293 3.10.7.1 */
	if (p->tcp_flags & PKT_TCP_ACK) {
		s.seq = p->ack;
		s.flags = PKT_TCP_RST;
	} else {
		s.ack = p->seq + seg_len;
		s.flags = PKT_TCP_RST | PKT_TCP_ACK;
	}
	n = tcp_seg_build(frame, sizeof(frame), &s);
	if (!n || e->cfg.tx(e->cfg.tx_ctx, frame, n)) {
		e->st.tx_full++;
		return;
	}
	e->st.rst_sent++;
}

void tcp_challenge_ack(struct tcp_rx *e, struct tcp_conn *c)
{
	uint64_t sec = e->now / 1000000000ull;

	if (sec != e->chal_sec) {
		e->chal_sec = sec;
		e->chal_count = 0;
	}
	if (e->chal_count >= TCP_RX_CHALLENGE_PER_S) {
		e->st.challenge_limited++;
		return;
	}
	e->chal_count++;
	e->st.challenge_acks++;
	tcp_send_ack(e, c);
}

static struct tcp_ooo *ooo_get(struct tcp_rx *e)
{
	struct tcp_ooo *o = e->free_ooo;

	if (e->held >= e->cfg.hold_bufs)
		return NULL;
	if (o)
		e->free_ooo = o->next;
	else
		o = malloc(sizeof(*o));
	if (o && ++e->held > e->st.held_max)
		e->st.held_max = e->held;
	return o;
}

void tcp_ooo_put(struct tcp_rx *e, struct tcp_ooo *o)
{
	buf_put(o->b);
	o->b = NULL;
	o->next = e->free_ooo;
	e->free_ooo = o;
	e->held--;
}

/* Insert [seq, seq + len) at p before *pp; false when out of budget. */
static bool ooo_insert(struct tcp_rx *e, struct tcp_conn *c,
		       struct tcp_ooo **pp, uint32_t seq, const uint8_t *p,
		       uint32_t len, struct buf *b)
{
	struct tcp_ooo *o = ooo_get(e);

	if (!o)
		return false;
	o->seq = seq;
	o->len = len;
	o->p = p;
	o->b = b;
	buf_get(b);
	o->next = *pp;
	*pp = o;
	if (!o->next)
		c->ooo_tail = o;
	c->nooo++;
	c->ooo_bytes += len;
	c->last_ooo = seq;
	return true;
}

int tcp_ooo_add(struct tcp_rx *e, struct tcp_conn *c, uint32_t seq,
		const uint8_t *p, uint32_t len, struct buf *b)
{
	uint32_t end = seq + len, s = seq;
	struct tcp_ooo **pp = &c->ooo, *o;
	bool any = false;

	/* Most out-of-order data continues the held data. */
	if (c->ooo_tail && seq_ge(seq, c->ooo_tail->seq + c->ooo_tail->len))
		pp = &c->ooo_tail->next;
	while (seq_lt(s, end)) {
		uint32_t oe;

		o = *pp;
		if (!o || seq_le(end, o->seq)) {
			any |= ooo_insert(e, c, pp, s, p + (s - seq), end - s,
					  b);
			break;
		}
		oe = o->seq + o->len;
		if (seq_lt(s, o->seq)) {
			if (!ooo_insert(e, c, pp, s, p + (s - seq), o->seq - s,
					b))
				break;
			any = true;
			pp = &(*pp)->next;
		}
		if (seq_gt(oe, s)) {
			/* Held already: the first copy stays. */
			uint32_t dup = min_u32(oe, end) - seq_max(s, o->seq);

			c->info.dup_bytes += dup;
			e->st.dup_bytes += dup;
			s = oe;
		}
		pp = &o->next;
	}
	return any ? 0 : -1;
}

struct tcp_ooo *tcp_ooo_take(struct tcp_rx *e, struct tcp_conn *c)
{
	struct tcp_ooo *o = c->ooo;

	(void)e;
	if (!o || seq_gt(o->seq, c->rcv_nxt))
		return NULL;
	c->ooo = o->next;
	if (!c->ooo)
		c->ooo_tail = NULL;
	c->nooo--;
	c->ooo_bytes -= o->len;
	return o;
}

void tcp_ooo_drop_all(struct tcp_rx *e, struct tcp_conn *c)
{
	while (c->ooo) {
		struct tcp_ooo *o = c->ooo;

		c->ooo = o->next;
		tcp_ooo_put(e, o);
	}
	c->ooo_tail = NULL;
	c->nooo = 0;
	c->ooo_bytes = 0;
}
