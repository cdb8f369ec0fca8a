// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_rx: segment arrival (RFC 9293 3.10.7) for the passive side of a
 * connection whose client sends and we mostly receive:
 *
 *   checks     parse, addresses, checksums, options: each failure counted
 *   no conn    SYN: passive open (or a cookie past the half-open bound);
 *              ACK: a cookie's handshake completed; else a RST
 *   SYN_RCVD   a repeated SYN gets the SYN-ACK again; the ACK of our SYN
 *              establishes the connection and opens the sink
 *   synced     PAWS, the window check, RST and SYN by RFC 5961, the ACK
 *              (what we sent: a response, our FIN), then data and FIN
 *
 * The sink's shutdown and abort requests wait for the batch's flush
 * (tcp_ack_flush): a connection is never freed under a callback.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "lib/seq.h"
#include "tcp/tcp_rx_int.h"

/* A received segment, checked, its payload in pieces. */
struct seg {
	struct pkt p;
	struct tcp_opts o;
	const uint8_t *mac; /* the sender's */
	uint32_t len; /* payload */
	uint32_t seglen; /* len, plus one each for SYN and FIN */
	unsigned int n;
	struct iovec v[64];
	struct buf *b[64];
};

static const char *const end_names[] = TCP_END_NAMES;

const char *tcp_end_name(enum tcp_end e)
{
	return e < TCP_END_MAX ? end_names[e] : "?";
}

void tcp_rx_cfg_default(struct tcp_rx_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->family = 4;
	cfg->mss = 1460;
	cfg->rcv_buf = 4u << 20;
	cfg->max_conns = 1024;
	cfg->max_half_open = 256;
	cfg->syn_cookies = true;
	cfg->hold_bufs = 4096;
	cfg->window_bufs = 8192;
	cfg->idle_timeout_ns = 300ull * 1000000000ull;
	cfg->id_step = 1;
}

int tcp_rx_create(struct tcp_rx **out, const struct tcp_rx_cfg *cfg,
		  const struct tcp_rx_ops *ops, void *ctx)
{
	struct tcp_rx *e = calloc(1, sizeof(*e));
	int ret;

	if (!e)
		return -ENOMEM;
	e->cfg = *cfg;
	if (e->cfg.rcv_buf < 2u * e->cfg.mss)
		e->cfg.rcv_buf = 2u * e->cfg.mss;
	if (!e->cfg.id_step)
		e->cfg.id_step = 1;
	e->ops = ops;
	e->ctx = ctx;
	while (e->wscale < 14 && (65535u << e->wscale) < e->cfg.rcv_buf)
		e->wscale++;
	ret = tcp_conn_table_init(e);
	if (ret) {
		free(e);
		return ret;
	}
	*out = e;
	return 0;
}

void tcp_rx_destroy(struct tcp_rx *e)
{
	if (!e)
		return;
	while (e->free_ooo) {
		struct tcp_ooo *o = e->free_ooo;

		e->free_ooo = o->next;
		free(o);
	}
	tcp_conn_table_fini(e);
	free(e);
}

const struct tcp_conn_info *tcp_conn_info(const struct tcp_conn *c)
{
	return &c->info;
}

void tcp_conn_set_user(struct tcp_conn *c, void *user)
{
	c->user = user;
}

void *tcp_conn_user(const struct tcp_conn *c)
{
	return c->user;
}

void tcp_rx_get_stats(const struct tcp_rx *e, struct tcp_rx_stats *st)
{
	*st = e->st;
}

uint32_t tcp_rx_nconns(const struct tcp_rx *e)
{
	return e->nconns;
}

void tcp_rx_end(struct tcp_rx *e, struct tcp_conn *c, enum tcp_end why)
{
	if (c->opened) {
		e->st.ended[why]++;
		e->ops->end(e->ctx, c, why);
	}
	tcp_conn_free(e, c);
}

static void send_rst(struct tcp_rx *e, struct tcp_conn *c)
{
	if (!tcp_send_seg(e, c, PKT_TCP_RST | PKT_TCP_ACK, c->snd_nxt, NULL, 0))
		e->st.rst_sent++;
}

/* The payload of s, piece by piece, from frag[] (frag[0] has headers). */
static int seg_pieces(struct seg *s, const struct iovec *frag,
		      struct buf *const *bufs, unsigned int nfrag)
{
	uint32_t left = s->p.payload_len, n, i;

	n = s->p.payload_caplen < left ? s->p.payload_caplen : left;
	s->n = 0;
	if (n) {
		s->v[0] = (struct iovec){(void *)s->p.payload, n};
		s->b[0] = bufs[0];
		s->n = 1;
	}
	left -= n;
	for (i = 1; i < nfrag && left; i++) {
		if (s->n == sizeof(s->v) / sizeof(s->v[0]))
			return -1;
		n = frag[i].iov_len < left ? frag[i].iov_len : left;
		s->v[s->n] = (struct iovec){frag[i].iov_base, n};
		s->b[s->n++] = bufs[i];
		left -= n;
	}
	return left ? -1 : 0;
}

/* Parse and check; the outcome counted when it is a drop. */
static int seg_check(struct tcp_rx *e, struct seg *s, const struct iovec *frag,
		     struct buf *const *bufs, unsigned int nfrag)
{
	const struct tcp_rx_cfg *cfg = &e->cfg;
	struct pkt *p = &s->p;
	enum tcp_csum_result cs;
	uint32_t wire = 0;
	unsigned int i;

	for (i = 0; i < nfrag; i++)
		wire += frag[i].iov_len; /* the whole chain: the wire length */
	if (pkt_parse(frag[0].iov_base, frag[0].iov_len, wire,
		      LINKTYPE_ETHERNET, p) != PKT_OK ||
	    p->l4proto != IPPROTO_TCP || !p->has_ports || p->fragment ||
	    p->nvlan || seg_pieces(s, frag, bufs, nfrag) ||
	    tcp_opts_parse(p->l4, p->payload - p->l4, &s->o)) {
		e->st.malformed++;
		return -1;
	}
	if (p->family != cfg->family || p->dport != cfg->port ||
	    memcmp(&p->dst, &cfg->addr, sizeof(p->dst))) {
		e->st.not_ours++;
		return -1;
	}
	cs = tcp_seg_verify(p, frag, nfrag);
	if (cs == TCP_CSUM_PARTIAL && cfg->accept_partial_csum) {
		e->st.csum_partial++;
	} else if (cs != TCP_CSUM_OK) {
		e->st.csum_bad++;
		return -1;
	}
	s->mac = (const uint8_t *)frag[0].iov_base + 6;
	s->len = p->payload_len;
	s->seglen = s->len + !!(p->tcp_flags & PKT_TCP_SYN) +
		    !!(p->tcp_flags & PKT_TCP_FIN);
	return 0;
}

static void take_syn_opts(struct tcp_rx *e, struct tcp_conn *c,
			  const struct seg *s)
{
	const struct tcp_opts *o = &s->o;

	c->info.mss = o->has_mss && o->mss ? o->mss
		      : s->p.family == 4   ? 536
					   : 1220;
	c->ws_ok = o->has_wscale;
	c->snd_wscale = o->has_wscale ? o->wscale : 0;
	c->rcv_wscale = o->has_wscale ? e->wscale : 0;
	c->info.wscale = c->snd_wscale;
	c->sack_ok = o->sack_ok;
	c->ts_ok = o->has_ts;
	c->ts_recent = o->tsval;
	c->ts_off = tcp_ts_offset(e, &s->p);
}

static void send_synack(struct tcp_rx *e, struct tcp_conn *c)
{
	tcp_send_seg(e, c, PKT_TCP_SYN | PKT_TCP_ACK, c->info.iss, NULL, 0);
}

/* Past the half-open bound: a SYN-ACK that is its own state. */
static void send_cookie(struct tcp_rx *e, const struct seg *s, uint64_t now)
{
	struct tcp_conn c;

	memset(&c, 0, sizeof(c));
	tcp_list_init(&c.dack);
	c.state = TCPS_SYN_RCVD;
	c.info.family = s->p.family;
	c.info.client = s->p.src;
	c.info.server = s->p.dst;
	c.info.client_port = s->p.sport;
	c.info.server_port = s->p.dport;
	memcpy(c.mac, s->mac, 6);
	take_syn_opts(e, &c, s);
	c.rcv_nxt = s->p.seq + 1;
	c.rcv_adv = c.rcv_nxt;
	c.info.iss = tcp_cookie_make(e, &s->p, c.info.mss, now);
	if (c.ts_ok)
		c.ts_off = tcp_cookie_ts(tcp_ts_now(now, c.ts_off),
					 c.ws_ok ? (int8_t)c.snd_wscale : -1,
					 c.sack_ok) -
			   tcp_ts_now(now, 0);
	else
		c.ws_ok = c.sack_ok = false;
	send_synack(e, &c);
	e->st.cookies_sent++;
	e->cookie_ns = now;
}

static void passive_open(struct tcp_rx *e, const struct seg *s, uint64_t now)
{
	struct tcp_conn *c;

	if (e->nestab >= e->cfg.max_conns) {
		e->st.syn_refused++;
		return;
	}
	if (e->nhalf >= e->cfg.max_half_open) {
		if (!e->cfg.syn_cookies) {
			e->st.syn_refused++;
			return;
		}
		e->st.accepted++;
		send_cookie(e, s, now);
		return;
	}
	c = tcp_conn_new(e, &s->p, s->mac, now);
	if (!c) {
		e->st.syn_refused++;
		return;
	}
	e->st.accepted++;
	e->st.syns++;
	c->info.packets = 1;
	c->info.isn = s->p.seq;
	c->rcv_nxt = s->p.seq + 1;
	c->rcv_adv = c->rcv_nxt;
	c->info.iss = tcp_isn(e, &s->p, now);
	c->snd_una = c->info.iss;
	c->snd_nxt = c->info.iss + 1;
	c->snd_wnd = s->p.window;
	c->max_snd_wnd = c->snd_wnd;
	take_syn_opts(e, c, s);
	c->synack_ns = now;
	c->rto_ns = TCP_RX_SYNACK_RTO_NS;
	send_synack(e, c);
	tcp_rtx_arm(e, c, now + c->rto_ns);
}

/* SYN_RCVD -> ESTABLISHED: 0, or -1 when c is gone. */
static int establish(struct tcp_rx *e, struct tcp_conn *c, uint64_t now)
{
	if (c->synack_ns && !c->rtx_count) {
		c->srtt_ns = now - c->synack_ns;
		c->rto_ns = 4 * c->srtt_ns;
	} else {
		c->rto_ns = TCP_RX_SYNACK_RTO_NS;
	}
	if (c->rto_ns < TCP_RX_MIN_RTO_NS)
		c->rto_ns = TCP_RX_MIN_RTO_NS;
	tcp_rtx_disarm(c);
	tcp_conn_established(e, c);
	c->state = TCPS_ESTABLISHED;
	c->snd_una = c->snd_nxt;
	e->st.established++;
	c->opened = true;
	if (e->ops->open(e->ctx, c) < 0) {
		send_rst(e, c);
		tcp_rx_end(e, c, TCP_END_ABORT);
		return -1;
	}
	return 0;
}

/* An ACK with no connection: a cookie's handshake?  NULL if not. */
static struct tcp_conn *cookie_open(struct tcp_rx *e, const struct seg *s,
				    uint64_t now)
{
	struct tcp_cookie ck;
	struct tcp_conn *c;

	/* Only while a cookie sent may still come back (two periods). */
	if (!e->cfg.syn_cookies || !e->cookie_ns ||
	    now - e->cookie_ns > TCP_RX_COOKIE_LIFE_NS ||
	    (s->p.tcp_flags & (PKT_TCP_SYN | PKT_TCP_RST)) ||
	    !(s->p.tcp_flags & PKT_TCP_ACK))
		return NULL;
	if (tcp_cookie_check(e, &s->p, now, &ck)) {
		e->st.cookies_bad++;
		return NULL;
	}
	if (e->nestab >= e->cfg.max_conns)
		return NULL;
	c = tcp_conn_new(e, &s->p, s->mac, now);
	if (!c)
		return NULL;
	e->st.cookies_ok++;
	c->info.cookie = true;
	c->info.isn = s->p.seq - 1;
	c->info.iss = s->p.ack - 1;
	c->info.mss = ck.mss;
	c->rcv_nxt = s->p.seq;
	/* About what the cookie's SYN-ACK announced. */
	c->rcv_adv = c->rcv_nxt + (tcp_window_avail(e, c) < 65535
					   ? tcp_window_avail(e, c)
					   : 65535);
	c->snd_una = c->info.iss;
	c->snd_nxt = s->p.ack;
	c->ts_off = tcp_ts_offset(e, &s->p);
	if (s->o.has_ts) {
		tcp_cookie_ts_decode(s->o.tsecr, &ck);
		c->ts_ok = true;
		c->ts_recent = s->o.tsval;
		c->sack_ok = ck.sack_ok;
		if (ck.wscale >= 0) {
			c->ws_ok = true;
			c->snd_wscale = ck.wscale;
			c->rcv_wscale = e->wscale;
			c->info.wscale = ck.wscale;
		}
	}
	return establish(e, c, now) ? NULL : c;
}

/* In-order bytes to the sink: 0, or -1 when the sink refused (c gone). */
static int deliver(struct tcp_rx *e, struct tcp_conn *c, const uint8_t *p,
		   uint32_t len, struct buf *b)
{
	if (e->ops->data(e->ctx, c, c->info.bytes, p, len, b) < 0) {
		e->st.sink_refused++;
		send_rst(e, c);
		tcp_rx_end(e, c, TCP_END_ABORT);
		return -1;
	}
	c->info.bytes += len;
	c->unabsorbed += len;
	c->rcv_nxt += len;
	e->st.bytes += len;
	return 0;
}

/* The client's FIN, in order; -1 when that ended c (both FINs done). */
static int got_fin(struct tcp_rx *e, struct tcp_conn *c)
{
	bool closing = c->state == TCPS_FIN_WAIT;

	c->rcv_nxt++;
	c->info.fin = true;
	c->ooo_fin = false;
	c->state = closing ? TCPS_LAST_ACK : TCPS_CLOSE_WAIT;
	tcp_send_ack(e, c);
	e->ops->fin(e->ctx, c);
	if (closing && c->snd_una == c->snd_nxt) {
		tcp_rx_end(e, c, TCP_END_FIN);
		return -1;
	}
	return 0;
}

/* Held data that rcv_nxt has reached; -1 when c is gone. */
static int drain_ooo(struct tcp_rx *e, struct tcp_conn *c)
{
	struct tcp_ooo *o;

	while ((o = tcp_ooo_take(e, c))) {
		uint32_t skip = c->rcv_nxt - o->seq;
		int ret = 0;

		if (skip < o->len)
			ret = deliver(e, c, o->p + skip, o->len - skip, o->b);
		tcp_ooo_put(e, o);
		if (ret)
			return -1;
	}
	return 0;
}

static void ack_policy(struct tcp_rx *e, struct tcp_conn *c, bool now_)
{
	uint32_t mss = c->rcv_mss ? c->rcv_mss : e->cfg.mss;

	if (now_ || c->unacked >= 2 * mss)
		tcp_send_ack(e, c);
	else
		tcp_dack_arm(e, c, e->now + TCP_RX_DELACK_NS);
}

/* The data of an acceptable segment; -1 when c is gone. */
static int take_data(struct tcp_rx *e, struct tcp_conn *c, struct seg *s)
{
	uint32_t seq = s->p.seq, end = seq + s->len, right = c->rcv_adv;
	bool filled = false;
	unsigned int i;

	if (s->len > c->rcv_mss)
		c->rcv_mss = s->len < e->cfg.mss ? s->len : e->cfg.mss;
	if (seq_lt(seq, c->rcv_nxt)) {
		c->info.dup_bytes += c->rcv_nxt - seq;
		e->st.dup_bytes += c->rcv_nxt - seq;
	}
	if (!seq_gt(right, c->rcv_nxt))
		right = c->rcv_nxt;
	if (seq_gt(end, right))
		end = right; /* past the window: not taken */
	if (seq_gt(seq, c->rcv_nxt)) {
		uint32_t off = 0;
		bool held = false;

		for (i = 0; i < s->n && seq_lt(seq + off, end); i++) {
			uint32_t l = s->v[i].iov_len;

			if (seq_gt(seq + off + l, end))
				l = end - (seq + off);
			held |= !tcp_ooo_add(e, c, seq + off, s->v[i].iov_base,
					     l, s->b[i]);
			off += s->v[i].iov_len;
		}
		if (held) {
			c->info.ooo_segs++;
			e->st.ooo_segs++;
		} else {
			c->info.ooo_dropped++;
			e->st.ooo_dropped++;
		}
		tcp_send_ack(e, c);
		return 0;
	}
	/* In order, perhaps after bytes we have. */
	for (i = 0; i < s->n; i++) {
		uint32_t at = seq, l = s->v[i].iov_len, skip = 0;

		seq += l;
		if (!seq_gt(seq, c->rcv_nxt))
			continue;
		if (seq_lt(at, c->rcv_nxt))
			skip = c->rcv_nxt - at;
		if (seq_gt(seq, end))
			l = end - at;
		if (l <= skip)
			break;
		c->unacked += l - skip;
		if (deliver(e, c, (const uint8_t *)s->v[i].iov_base + skip,
			    l - skip, s->b[i]))
			return -1;
	}
	if (c->ooo) {
		filled = true;
		if (drain_ooo(e, c))
			return -1;
	}
	if (c->ooo_fin && c->ooo_fin_seq == c->rcv_nxt)
		return got_fin(e, c);
	ack_policy(e, c, filled);
	return 0;
}

/* RFC 9293 3.10.7.4, first check. */
static bool acceptable(const struct tcp_conn *c, const struct seg *s)
{
	uint32_t wnd =
		seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	uint32_t seq = s->p.seq;

	if (!s->seglen)
		return wnd ? seq_in(seq, c->rcv_nxt, wnd) : seq == c->rcv_nxt;
	if (!wnd)
		return false;
	return seq_in(seq, c->rcv_nxt, wnd) ||
	       seq_in(seq + s->seglen - 1, c->rcv_nxt, wnd);
}

/* The peer's ACK of what we sent; -1 when c is gone. */
static int take_ack(struct tcp_rx *e, struct tcp_conn *c, const struct seg *s)
{
	uint32_t ack = s->p.ack, acked, data;

	if (seq_gt(ack, c->snd_nxt)) {
		e->st.bad_ack++;
		tcp_send_ack(e, c);
		return -1;
	}
	if (seq_lt(ack, c->snd_una - c->max_snd_wnd)) {
		e->st.bad_ack++;
		tcp_challenge_ack(e, c);
		return -1;
	}
	c->snd_wnd = (uint32_t)s->p.window << c->snd_wscale;
	if (c->snd_wnd > c->max_snd_wnd)
		c->max_snd_wnd = c->snd_wnd;
	if (!seq_gt(ack, c->snd_una))
		return 0;
	acked = ack - c->snd_una;
	data = acked < c->slen ? acked : c->slen;
	if (data) {
		memmove(c->sbuf, c->sbuf + data, c->slen - data);
		c->slen -= data;
	}
	c->snd_una = ack;
	c->rtx_count = 0;
	if (c->snd_una == c->snd_nxt)
		tcp_rtx_disarm(c);
	else
		tcp_rtx_arm(e, c, e->now + c->rto_ns);
	return 0;
}

/* Send what the response buffer holds and the window takes, then FIN. */
static void output(struct tcp_rx *e, struct tcp_conn *c)
{
	uint32_t mss = c->info.mss < e->cfg.mss ? c->info.mss : e->cfg.mss;

	for (;;) {
		uint32_t sent = c->snd_nxt - c->snd_una, n;

		if (sent >= c->slen)
			break;
		n = c->slen - sent < mss ? c->slen - sent : mss;
		if (sent + n > c->snd_wnd && sent)
			break;
		if (tcp_send_seg(e, c, PKT_TCP_ACK | PKT_TCP_PSH, c->snd_nxt,
				 c->sbuf + sent, n))
			break;
		c->snd_nxt += n;
	}
	if (c->fin_queued && !c->fin_sent &&
	    c->snd_nxt - c->snd_una == c->slen &&
	    !tcp_send_seg(e, c, PKT_TCP_FIN | PKT_TCP_ACK, c->snd_nxt, NULL,
			  0)) {
		c->fin_sent = true;
		c->snd_nxt++;
		c->state = c->state == TCPS_CLOSE_WAIT ? TCPS_LAST_ACK
						       : TCPS_FIN_WAIT;
	}
	if (c->snd_nxt != c->snd_una && tcp_list_empty(&c->rtx))
		tcp_rtx_arm(e, c, e->now + c->rto_ns);
}

/* A segment of a connection in SYN_RCVD or later. */
static void conn_input(struct tcp_rx *e, struct tcp_conn *c, struct seg *s,
		       uint64_t now)
{
	uint8_t fl = s->p.tcp_flags;
	uint32_t seq = s->p.seq;

	c->info.packets++;
	c->info.payload += s->len;
	if (c->state == TCPS_SYN_RCVD &&
	    (fl & (PKT_TCP_SYN | PKT_TCP_ACK | PKT_TCP_RST)) == PKT_TCP_SYN) {
		/* Our SYN-ACK was lost; another ISN is another client. */
		if (seq == c->info.isn) {
			e->st.accepted++;
			send_synack(e, c);
		} else {
			e->st.stray++;
		}
		return;
	}
	/* RFC 5961 4: whatever its sequence number. */
	if (fl & PKT_TCP_SYN) {
		e->st.challenged++;
		tcp_challenge_ack(e, c);
		return;
	}
	if (c->ts_ok && s->o.has_ts && !(fl & PKT_TCP_RST) &&
	    seq_lt(s->o.tsval, c->ts_recent)) {
		e->st.paws++;
		tcp_send_ack(e, c);
		return;
	}
	if (!acceptable(c, s)) {
		if (fl & PKT_TCP_RST) {
			e->st.rst_ignored++;
			return;
		}
		if (s->len && seq_le(seq + s->len, c->rcv_nxt)) {
			e->st.dup_bytes += s->len;
			c->info.dup_bytes += s->len;
			e->st.dup_acks++;
		}
		e->st.out_of_window++;
		tcp_send_ack(e, c);
		return;
	}
	if (fl & PKT_TCP_RST) {
		if (seq == c->rcv_nxt) {
			e->st.accepted++;
			tcp_rx_end(e, c, TCP_END_RST);
			return;
		}
		e->st.challenged++;
		tcp_challenge_ack(e, c);
		return;
	}
	if (!(fl & PKT_TCP_ACK)) {
		e->st.bad_ack++;
		return;
	}
	tcp_conn_touch(e, c, now);
	if (c->state == TCPS_SYN_RCVD) {
		if (!seq_gt(s->p.ack, c->snd_una) ||
		    seq_gt(s->p.ack, c->snd_nxt)) {
			e->st.bad_ack++;
			tcp_send_rst(e, &s->p, s->mac, s->seglen);
			return;
		}
		if (e->nestab >= e->cfg.max_conns) {
			e->st.syn_refused++;
			return;
		}
		if (establish(e, c, now)) {
			e->st.accepted++;
			return;
		}
	}
	if (take_ack(e, c, s))
		return;
	e->st.accepted++;
	e->st.payload += s->len;
	if (s->o.has_ts && c->ts_ok && seq_le(seq, c->last_ack_sent) &&
	    seq_ge(s->o.tsval, c->ts_recent))
		c->ts_recent = s->o.tsval;
	if (c->state == TCPS_LAST_ACK && c->fin_sent &&
	    c->snd_una == c->snd_nxt) {
		tcp_rx_end(e, c, TCP_END_FIN);
		return;
	}
	if (c->state != TCPS_ESTABLISHED && c->state != TCPS_FIN_WAIT)
		return;
	if (s->len && take_data(e, c, s))
		return;
	if ((c->state == TCPS_ESTABLISHED || c->state == TCPS_FIN_WAIT) &&
	    (fl & PKT_TCP_FIN)) {
		uint32_t fin = s->p.seq + s->len;

		if (fin == c->rcv_nxt) {
			if (got_fin(e, c))
				return;
		} else if (seq_gt(fin, c->rcv_nxt)) {
			c->ooo_fin = true;
			c->ooo_fin_seq = fin;
		}
	}
	if (c->slen)
		output(e, c);
}

static void no_conn(struct tcp_rx *e, struct seg *s, uint64_t now)
{
	uint8_t fl = s->p.tcp_flags;
	struct tcp_conn *c;

	if (fl & PKT_TCP_RST) {
		e->st.stray++;
		return;
	}
	if ((fl & (PKT_TCP_SYN | PKT_TCP_ACK)) == PKT_TCP_SYN) {
		passive_open(e, s, now);
		return;
	}
	c = cookie_open(e, s, now);
	if (c) {
		conn_input(e, c, s, now);
		return;
	}
	e->st.stray++;
	tcp_send_rst(e, &s->p, s->mac, s->seglen);
}

void tcp_rx_input(struct tcp_rx *e, const struct iovec *frag,
		  struct buf *const *bufs, unsigned int nfrag, uint64_t now)
{
	struct tcp_conn *c;
	struct seg s;

	e->now = now;
	e->st.segs++;
	if (seg_check(e, &s, frag, bufs, nfrag))
		return;
	c = tcp_conn_lookup(e, s.p.family, &s.p.src, s.p.sport);
	if (c)
		conn_input(e, c, &s, now);
	else
		no_conn(e, &s, now);
}

void tcp_rx_poll(struct tcp_rx *e, uint64_t now)
{
	e->now = now;
	tcp_ack_flush(e);
	tcp_conn_timers(e, now);
	tcp_ack_flush(e);
}

void tcp_rx_absorbed(struct tcp_rx *e, struct tcp_conn *c, uint64_t len)
{
	uint32_t cur, avail, mss;

	c->unabsorbed = len < c->unabsorbed ? c->unabsorbed - len : 0;
	if (c->state != TCPS_ESTABLISHED)
		return;
	cur = seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	avail = tcp_window_avail(e, c);
	mss = c->rcv_mss ? c->rcv_mss : e->cfg.mss;
	/* Worth telling: the window at least doubles, by an MSS or more. */
	if (avail > 2 * cur && avail - cur >= mss && !c->ack_due) {
		e->st.window_updates++;
		tcp_ack_later(e, c);
	}
}

void tcp_rx_deferred(struct tcp_rx *e, struct tcp_conn *c)
{
	if (c->want_abort) {
		send_rst(e, c);
		tcp_rx_end(e, c, TCP_END_ABORT);
		return;
	}
	c->want_shut = false;
	c->shut = true;
	c->fin_queued = true;
	output(e, c);
	if (c->ack_due)
		tcp_send_ack(e, c);
}

static void defer(struct tcp_rx *e, struct tcp_conn *c)
{
	bool due = c->ack_due;

	tcp_ack_later(e, c);
	c->ack_due = due;
}

void tcp_rx_shutdown(struct tcp_rx *e, struct tcp_conn *c)
{
	if (c->shut || c->want_shut)
		return;
	c->want_shut = true;
	defer(e, c);
}

void tcp_rx_abort(struct tcp_rx *e, struct tcp_conn *c)
{
	c->want_abort = true;
	defer(e, c);
}

int tcp_rx_send(struct tcp_rx *e, struct tcp_conn *c, const void *data,
		uint32_t len)
{
	uint8_t *nb;

	if (c->fin_queued || c->want_shut ||
	    (c->state != TCPS_ESTABLISHED && c->state != TCPS_CLOSE_WAIT))
		return -EPIPE;
	if (c->slen + len > TCP_RX_SEND_MAX)
		return -EMSGSIZE;
	if (!c->sbuf) {
		nb = malloc(TCP_RX_SEND_MAX);
		if (!nb)
			return -ENOMEM;
		c->sbuf = nb;
	}
	memcpy(c->sbuf + c->slen, data, len);
	c->slen += len;
	output(e, c);
	return 0;
}

void tcp_rx_retransmit(struct tcp_rx *e, struct tcp_conn *c)
{
	uint32_t mss = c->info.mss < e->cfg.mss ? c->info.mss : e->cfg.mss;

	c->rtx_count++;
	if (c->state == TCPS_SYN_RCVD) {
		if (c->rtx_count > TCP_RX_SYNACK_RETRIES) {
			e->st.half_open_expired++;
			tcp_rx_end(e, c, TCP_END_TIMEOUT);
			return;
		}
		send_synack(e, c);
	} else if (c->rtx_count > TCP_RX_RETRIES) {
		send_rst(e, c);
		tcp_rx_end(e, c, TCP_END_TIMEOUT);
		return;
	} else if (c->slen) {
		tcp_send_seg(e, c, PKT_TCP_ACK | PKT_TCP_PSH, c->snd_una,
			     c->sbuf, c->slen < mss ? c->slen : mss);
	} else if (c->fin_sent) {
		tcp_send_seg(e, c, PKT_TCP_FIN | PKT_TCP_ACK, c->snd_nxt - 1,
			     NULL, 0);
	}
	c->info.retransmits++;
	e->st.retransmits++;
	c->rto_ns *= 2;
	if (c->rto_ns > TCP_RX_MAX_RTO_NS)
		c->rto_ns = TCP_RX_MAX_RTO_NS;
	tcp_rtx_arm(e, c, e->now + c->rto_ns);
}

void tcp_rx_timeout(struct tcp_rx *e, struct tcp_conn *c)
{
	if (c->state != TCPS_SYN_RCVD)
		send_rst(e, c);
	tcp_rx_end(e, c, TCP_END_TIMEOUT);
}

void tcp_rx_end_all(struct tcp_rx *e, uint64_t now)
{
	e->now = now;
	tcp_ack_flush(e);
	while (!tcp_list_empty(&e->lru)) {
		struct tcp_conn *c = tcp_conn_of(e->lru.next, lru);

		if (c->state != TCPS_SYN_RCVD)
			send_rst(e, c);
		tcp_rx_end(e, c, TCP_END_SHUTDOWN);
	}
}
