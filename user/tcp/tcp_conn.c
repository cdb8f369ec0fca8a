// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_conn: the engine's connections.  A chained hash table keyed by the
 * client's address and port (every connection has the same local end),
 * hashed with the engine's secret key so that a client cannot choose
 * collisions; and three lists: every connection by last activity (the
 * idle timeout looks at the head only), those with something to
 * retransmit (scanned every few milliseconds: half-open connections and
 * closing ones, a bounded few), and those with a delayed ACK armed (all
 * for the same delay, so in deadline order).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tcp/tcp_rx_int.h"

#define RTX_SCAN_NS 5000000ull

int tcp_conn_table_init(struct tcp_rx *e)
{
	uint64_t want = (uint64_t)e->cfg.max_conns + e->cfg.max_half_open;
	uint32_t n = 64;

	while (n < want && n < (1u << 24))
		n <<= 1;
	e->buckets = calloc(n, sizeof(*e->buckets));
	if (!e->buckets)
		return -ENOMEM;
	e->nbuckets = n;
	tcp_list_init(&e->lru);
	tcp_list_init(&e->rtx);
	tcp_list_init(&e->dack);
	return 0;
}

void tcp_conn_table_fini(struct tcp_rx *e)
{
	free(e->buckets);
	e->buckets = NULL;
}

static uint32_t bucket(const struct tcp_rx *e, int family,
		       const struct pkt_addr *addr, uint16_t port)
{
	return tcp_hash_client(e, family, addr, port) & (e->nbuckets - 1);
}

struct tcp_conn *tcp_conn_lookup(struct tcp_rx *e, int family,
				 const struct pkt_addr *addr, uint16_t port)
{
	struct tcp_conn *c = e->buckets[bucket(e, family, addr, port)];

	for (; c; c = c->hnext)
		if (c->info.client_port == port && c->info.family == family &&
		    !memcmp(&c->info.client, addr, sizeof(*addr)))
			return c;
	return NULL;
}

struct tcp_conn *tcp_conn_new(struct tcp_rx *e, const struct pkt *p,
			      const uint8_t *mac, uint64_t now)
{
	struct tcp_conn *c = calloc(1, sizeof(*c));
	uint32_t b;

	if (!c)
		return NULL;
	c->info.id = e->cfg.id_first + e->next_id++ * e->cfg.id_step;
	c->info.family = p->family;
	c->info.client = p->src;
	c->info.server = p->dst;
	c->info.client_port = p->sport;
	c->info.server_port = p->dport;
	c->info.first_ns = c->info.last_ns = now;
	memcpy(c->mac, mac, 6);
	tcp_list_init(&c->rtx);
	tcp_list_init(&c->dack);
	tcp_list_add_tail(&e->lru, &c->lru);
	c->active_ns = now;
	b = bucket(e, p->family, &p->src, p->sport);
	c->hnext = e->buckets[b];
	e->buckets[b] = c;
	e->nconns++;
	e->nhalf++;
	e->st.conns = e->nconns;
	if (e->nconns > e->st.conns_max)
		e->st.conns_max = e->nconns;
	return c;
}

void tcp_conn_established(struct tcp_rx *e, struct tcp_conn *c)
{
	if (c->counted_est)
		return;
	c->counted_est = true;
	e->nhalf--;
	e->nestab++;
}

void tcp_conn_free(struct tcp_rx *e, struct tcp_conn *c)
{
	struct tcp_conn **pp = &e->buckets[bucket(
		e, c->info.family, &c->info.client, c->info.client_port)];

	while (*pp && *pp != c)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = c->hnext;
	tcp_list_del(&c->lru);
	tcp_list_del(&c->rtx);
	tcp_list_del(&c->dack);
	if (c->pending) {
		struct tcp_conn **q = &e->pending;

		while (*q && *q != c)
			q = &(*q)->pend_next;
		if (*q)
			*q = c->pend_next;
	}
	tcp_ooo_drop_all(e, c);
	if (c->counted_est)
		e->nestab--;
	else
		e->nhalf--;
	e->nconns--;
	e->st.conns = e->nconns;
	free(c->sbuf);
	free(c);
}

void tcp_conn_touch(struct tcp_rx *e, struct tcp_conn *c, uint64_t now)
{
	c->active_ns = now;
	c->info.last_ns = now;
	tcp_list_del(&c->lru);
	tcp_list_add_tail(&e->lru, &c->lru);
}

void tcp_rtx_arm(struct tcp_rx *e, struct tcp_conn *c, uint64_t at)
{
	c->rtx_at = at;
	if (tcp_list_empty(&c->rtx))
		tcp_list_add_tail(&e->rtx, &c->rtx);
}

void tcp_rtx_disarm(struct tcp_conn *c)
{
	c->rtx_at = 0;
	c->rtx_count = 0;
	tcp_list_del(&c->rtx);
}

void tcp_dack_arm(struct tcp_rx *e, struct tcp_conn *c, uint64_t at)
{
	if (!tcp_list_empty(&c->dack))
		return; /* the earlier deadline stands */
	c->dack_at = at;
	tcp_list_add_tail(&e->dack, &c->dack);
}

void tcp_dack_disarm(struct tcp_conn *c)
{
	c->dack_at = 0;
	tcp_list_del(&c->dack);
}

static void run_dacks(struct tcp_rx *e, uint64_t now)
{
	while (!tcp_list_empty(&e->dack)) {
		struct tcp_conn *c = tcp_conn_of(e->dack.next, dack);

		if (c->dack_at > now)
			break;
		tcp_dack_disarm(c);
		tcp_send_ack(e, c);
	}
}

static void run_rtx(struct tcp_rx *e, uint64_t now)
{
	struct tcp_list *n, *next;

	if (now - e->rtx_checked_ns < RTX_SCAN_NS)
		return;
	e->rtx_checked_ns = now;
	for (n = e->rtx.next; n != &e->rtx; n = next) {
		struct tcp_conn *c = tcp_conn_of(n, rtx);

		next = n->next;
		/* May free c (and only c): next was taken first. */
		if (c->rtx_at && c->rtx_at <= now)
			tcp_rx_retransmit(e, c);
	}
}

/*
 * The idle list's head is the connection quiet the longest: end those
 * idle past the timeout, one by one, until one is not.
 */
static void run_idle(struct tcp_rx *e, uint64_t now)
{
	while (e->cfg.idle_timeout_ns && !tcp_list_empty(&e->lru)) {
		struct tcp_conn *c = tcp_conn_of(e->lru.next, lru);

		if (now - c->active_ns < e->cfg.idle_timeout_ns)
			break;
		tcp_rx_timeout(e, c);
	}
}

void tcp_conn_timers(struct tcp_rx *e, uint64_t now)
{
	run_dacks(e, now);
	run_rtx(e, now);
	run_idle(e, now);
}
