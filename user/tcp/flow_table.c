// SPDX-License-Identifier: GPL-2.0
/*
 * flow_table: the bidirectional connection table (see flow_table.h).
 *
 * A chained hash table sized for max_flows, and two LRU lists ordered by
 * last packet time: active flows and closed ones.  Both are scanned from
 * their old end on every packet, so timeouts cost O(1) amortised.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "tcp/flow_table.h"
#include "lib/log.h"

struct flow_list {
	struct flow head; /* sentinel: head.next newest, head.prev oldest */
};

struct flow_table {
	struct flow_table_cfg cfg;
	struct flow_ops ops;
	void *arg;
	struct flow **buckets;
	uint32_t mask;
	struct flow_list active, closed;
	struct reasm_ctx rctx;
	uint64_t now;
	/* A packet's timestamp too far ahead of now, not yet confirmed. */
	uint64_t jump_ns;
	struct flow *jump_flow; /* the flow that packet touched, or NULL */
	uint64_t next_id;
	struct flow_table_stats st;
};

static const char *const end_names[FLOW_END_MAX] = {
	"fin", "rst", "timeout", "evicted", "eof", "shutdown", "reused",
};

const char *flow_end_name(enum flow_end why)
{
	return why < FLOW_END_MAX ? end_names[why] : "?";
}

void flow_table_cfg_default(struct flow_table_cfg *cfg)
{
	cfg->max_flows = 65536;
	cfg->idle_timeout_ns = 300ull * 1000000000;
	cfg->closed_timeout_ns = 10ull * 1000000000;
	cfg->id_first = 0;
	cfg->id_step = 1;
	reasm_cfg_default(&cfg->reasm);
}

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

static uint64_t ep_hash(const struct pkt_addr *a, uint16_t port)
{
	uint64_t h = mix64(((uint64_t)a->a[0] << 32 | a->a[1]) ^ port);

	return mix64(h ^ ((uint64_t)a->a[2] << 32 | a->a[3]));
}

static uint32_t hash_eps(const struct pkt_addr *a, uint16_t pa,
			 const struct pkt_addr *b, uint16_t pb,
			 const uint16_t *vlan, uint8_t nvlan)
{
	/* a sum commutes: both directions hash alike */
	uint64_t h = ep_hash(a, pa) + ep_hash(b, pb);

	h ^= (uint64_t)nvlan << 48 | (uint64_t)vlan[0] << 16 | vlan[1];
	h ^= (uint64_t)vlan[2] << 32 | (uint64_t)vlan[3] << 52;
	return (uint32_t)(mix64(h) >> 32);
}

uint32_t flow_hash_sym(const struct pkt *p)
{
	uint16_t vlan[PKT_VLAN_MAX] = {0};
	int i;

	for (i = 0; i < p->nvlan && i < PKT_VLAN_MAX; i++)
		vlan[i] = p->vlan[i];

	return hash_eps(&p->src, p->sport, &p->dst, p->dport, vlan, p->nvlan);
}

static void list_init(struct flow_list *l)
{
	l->head.next = l->head.prev = &l->head;
}

static void list_del(struct flow *f)
{
	f->prev->next = f->next;
	f->next->prev = f->prev;
}

static void list_add_newest(struct flow_list *l, struct flow *f)
{
	f->next = l->head.next;
	f->prev = &l->head;
	l->head.next->prev = f;
	l->head.next = f;
}

static struct flow *list_oldest(struct flow_list *l)
{
	return l->head.prev == &l->head ? NULL : l->head.prev;
}

/*
 * One sink per direction, so that the reasm callbacks know which one they
 * deliver; the argument is the flow.
 */
static void data_dir(struct flow *f, int dir, uint64_t off, const uint8_t *p,
		     uint32_t len, struct buf *b)
{
	if (f->ft->ops.data)
		f->ft->ops.data(f->ft->arg, f, dir, off, p, len, b);
}

static int64_t verify_dir(struct flow *f, int dir, uint64_t off,
			  const uint8_t *p, uint32_t len)
{
	if (!f->ft->ops.verify)
		return -1;
	return f->ft->ops.verify(f->ft->arg, f, dir, off, p, len);
}

static void c2s_data(void *arg, uint64_t off, const uint8_t *p, uint32_t len,
		     struct buf *b)
{
	data_dir(arg, FLOW_C2S, off, p, len, b);
}

static void s2c_data(void *arg, uint64_t off, const uint8_t *p, uint32_t len,
		     struct buf *b)
{
	data_dir(arg, FLOW_S2C, off, p, len, b);
}

static int64_t c2s_verify(void *arg, uint64_t off, const uint8_t *p,
			  uint32_t len)
{
	return verify_dir(arg, FLOW_C2S, off, p, len);
}

static int64_t s2c_verify(void *arg, uint64_t off, const uint8_t *p,
			  uint32_t len)
{
	return verify_dir(arg, FLOW_S2C, off, p, len);
}

static const struct reasm_sink dir_sinks[2] = {
	{c2s_data, c2s_verify},
	{s2c_data, s2c_verify},
};

int flow_table_create(struct flow_table **out, const struct flow_table_cfg *cfg,
		      const struct flow_ops *ops, void *arg)
{
	struct flow_table *ft;
	uint32_t n = 1024;

	if (!cfg->max_flows)
		return -EINVAL;
	ft = calloc(1, sizeof(*ft));
	if (!ft)
		return -ENOMEM;
	while (n < cfg->max_flows && n < (1u << 24))
		n <<= 1;
	ft->buckets = calloc(n, sizeof(*ft->buckets));
	if (!ft->buckets) {
		free(ft);
		return -ENOMEM;
	}
	ft->mask = n - 1;
	ft->cfg = *cfg;
	if (!ft->cfg.id_step)
		ft->cfg.id_step = 1;
	ft->next_id = cfg->id_first;
	ft->ops = *ops;
	ft->arg = arg;
	list_init(&ft->active);
	list_init(&ft->closed);
	reasm_ctx_init(&ft->rctx, &cfg->reasm);
	*out = ft;
	return 0;
}

void flow_table_destroy(struct flow_table *ft)
{
	struct flow *f;
	int d;

	if (!ft)
		return;
	while ((f = list_oldest(&ft->active)) ||
	       (f = list_oldest(&ft->closed))) {
		list_del(f);
		for (d = 0; d < 2; d++) {
			reasm_finish(&f->dir[d]);
			reasm_release(&f->dir[d]);
		}
		free(f);
	}
	reasm_ctx_fini(&ft->rctx);
	free(ft->buckets);
	free(ft);
}

struct reasm_ctx *flow_table_reasm_ctx(struct flow_table *ft)
{
	return &ft->rctx;
}

void flow_table_get_stats(const struct flow_table *ft,
			  struct flow_table_stats *st)
{
	*st = ft->st;
}

static bool same_ep(const struct pkt_addr *a, uint16_t pa,
		    const struct pkt_addr *b, uint16_t pb)
{
	return pa == pb && !memcmp(a, b, sizeof(*a));
}

static bool flow_matches(const struct flow *f, const struct pkt *p)
{
	if (f->family != p->family || f->nvlan != p->nvlan)
		return false;
	if (memcmp(f->vlan, p->vlan, f->nvlan * sizeof(f->vlan[0])))
		return false;
	return (same_ep(&f->addr[0], f->port[0], &p->src, p->sport) &&
		same_ep(&f->addr[1], f->port[1], &p->dst, p->dport)) ||
	       (same_ep(&f->addr[1], f->port[1], &p->src, p->sport) &&
		same_ep(&f->addr[0], f->port[0], &p->dst, p->dport));
}

static struct flow *lookup(struct flow_table *ft, const struct pkt *p,
			   uint32_t h)
{
	struct flow *f;

	for (f = ft->buckets[h & ft->mask]; f; f = f->hnext)
		if (f->hash == h && flow_matches(f, p))
			return f;
	return NULL;
}

static void unhash(struct flow_table *ft, struct flow *f)
{
	struct flow **pp = &ft->buckets[f->hash & ft->mask];

	while (*pp != f)
		pp = &(*pp)->hnext;
	*pp = f->hnext;
}

/* Finish both directions, report, free. */
static void flow_end(struct flow_table *ft, struct flow *f, enum flow_end why)
{
	int d;

	if (f->closed)
		why = f->closed_by_rst ? FLOW_END_RST : FLOW_END_FIN;
	unhash(ft, f);
	list_del(f);
	if (ft->jump_flow == f)
		ft->jump_flow = NULL;
	for (d = 0; d < 2; d++) {
		reasm_finish(&f->dir[d]);
		ft->st.gaps += f->dir[d].st.gaps;
		ft->st.gap_bytes += f->dir[d].st.gap_bytes;
		ft->st.stream_bytes += f->dir[d].st.bytes;
	}
	if (ft->ops.end)
		ft->ops.end(ft->arg, f, why);
	for (d = 0; d < 2; d++)
		reasm_release(&f->dir[d]);
	ft->st.ended[why]++;
	ft->st.active--;
	free(f);
}

void flow_table_expire(struct flow_table *ft, uint64_t now_ns)
{
	struct flow *f;

	if (now_ns > ft->now)
		ft->now = now_ns;
	while ((f = list_oldest(&ft->closed)) &&
	       f->seen_ns + ft->cfg.closed_timeout_ns < ft->now)
		flow_end(ft, f, FLOW_END_TIMEOUT);
	while ((f = list_oldest(&ft->active)) &&
	       f->seen_ns + ft->cfg.idle_timeout_ns < ft->now)
		flow_end(ft, f, FLOW_END_TIMEOUT);
}

/*
 * The clock from a packet's timestamp.  One record stamped far in the
 * future (a corrupt or bogus timestamp) must not end every flow as
 * "timeout": a jump of more than idle_timeout ahead is taken only when the
 * next packet confirms it (a real pause in the traffic), and then only as
 * far as both packets agree.  The flow of the first packet of a pause was
 * stamped with the old clock; it moves to the new one, so that it does
 * not expire for a pause that it ended.
 */
static void packet_clock(struct flow_table *ft, uint64_t ts)
{
	uint64_t now = ts;

	if (ft->now && ts > ft->now + ft->cfg.idle_timeout_ns) {
		if (!ft->jump_ns) {
			ft->jump_ns = ts;
			ft->st.time_outliers++;
			return;
		}
		if (ft->jump_ns < now)
			now = ft->jump_ns;
		/* the first packet of the pause was no outlier after all */
		ft->st.time_outliers--;
		if (ft->jump_flow)
			ft->jump_flow->seen_ns = now;
	}
	ft->jump_ns = 0;
	ft->jump_flow = NULL;
	flow_table_expire(ft, now);
}

void flow_table_end_all(struct flow_table *ft, enum flow_end why)
{
	struct flow *f;

	while ((f = list_oldest(&ft->closed)))
		flow_end(ft, f, why);
	while ((f = list_oldest(&ft->active)))
		flow_end(ft, f, why);
}

static void evict_one(struct flow_table *ft)
{
	struct flow *f = list_oldest(&ft->closed);

	if (!f)
		f = list_oldest(&ft->active);
	if (!f)
		return;
	/* A closed flow keeps "fin"/"rst" as its end; the eviction counts. */
	ft->st.evictions++;
	flow_end(ft, f, FLOW_END_EVICTED);
}

static struct flow *flow_new(struct flow_table *ft, const struct pkt *p,
			     uint32_t h, uint64_t ts)
{
	bool syn = p->tcp_flags & PKT_TCP_SYN, ack = p->tcp_flags & PKT_TCP_ACK;
	bool rev = syn && ack; /* a SYN+ACK comes from the server */
	struct flow *f;
	int d;

	while (ft->st.active >= ft->cfg.max_flows)
		evict_one(ft);
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->ft = ft;
	f->id = ft->next_id;
	ft->next_id += ft->cfg.id_step;
	f->hash = h;
	f->family = p->family;
	f->nvlan = p->nvlan;
	memset(f->vlan, 0, sizeof(f->vlan));
	memcpy(f->vlan, p->vlan, p->nvlan * sizeof(f->vlan[0]));
	f->addr[rev] = p->src;
	f->port[rev] = p->sport;
	f->addr[!rev] = p->dst;
	f->port[!rev] = p->dport;
	f->first_ns = f->last_ns = ts;
	f->seen_ns = ft->now;
	for (d = 0; d < 2; d++)
		reasm_init(&f->dir[d], &ft->rctx, &f->held, &dir_sinks[d], f);
	f->hnext = ft->buckets[h & ft->mask];
	ft->buckets[h & ft->mask] = f;
	list_add_newest(&ft->active, f);
	ft->st.flows++;
	if (++ft->st.active > ft->st.max_active)
		ft->st.max_active = ft->st.active;
	return f;
}

/* A late SYN (no ACK) from the server side: the roles were guessed wrong. */
static void flow_swap(struct flow_table *ft, struct flow *f)
{
	struct reasm r;
	struct pkt_addr a;
	uint64_t n;
	uint16_t port;
	bool told;

	a = f->addr[0], f->addr[0] = f->addr[1], f->addr[1] = a;
	port = f->port[0], f->port[0] = f->port[1], f->port[1] = port;
	n = f->pkts[0], f->pkts[0] = f->pkts[1], f->pkts[1] = n;
	n = f->payload[0], f->payload[0] = f->payload[1], f->payload[1] = n;
	r = f->dir[0], f->dir[0] = f->dir[1], f->dir[1] = r;
	told = f->fin_told[0], f->fin_told[0] = f->fin_told[1];
	f->fin_told[1] = told;
	f->dir[0].sink = &dir_sinks[0];
	f->dir[1].sink = &dir_sinks[1];
	ft->st.swaps++;
	if (ft->ops.swapped)
		ft->ops.swapped(ft->arg, f);
}

static int pkt_dir(const struct flow *f, const struct pkt *p)
{
	return !same_ep(&f->addr[0], f->port[0], &p->src, p->sport);
}

/*
 * A SYN on ports in use: the same connection (retransmitted SYN, or one
 * captured late), or a new one that ends the old.
 */
static struct flow *check_syn(struct flow_table *ft, struct flow *f,
			      const struct pkt *p)
{
	int d = pkt_dir(f, p);
	const struct reasm *r = &f->dir[d];
	bool ack = p->tcp_flags & PKT_TCP_ACK;

	if (!reasm_syn_fits(r, p->seq, f->closed)) {
		flow_end(ft, f, FLOW_END_REUSED);
		return NULL;
	}
	if (!ack && d == FLOW_S2C && !r->syn && !f->dir[FLOW_C2S].syn)
		flow_swap(ft, f);
	return f;
}

static void touch(struct flow_table *ft, struct flow *f, uint64_t ts)
{
	if (ts > f->last_ns)
		f->last_ns = ts;
	f->seen_ns = ft->now;
	list_del(f);
	if (!f->closed && (f->dir[0].rst || f->dir[1].rst)) {
		f->closed = true;
		f->closed_by_rst = true;
	} else if (!f->closed && f->dir[0].fin && f->dir[1].fin) {
		f->closed = true;
	}
	list_add_newest(f->closed ? &ft->closed : &ft->active, f);
}

/*
 * A payload cut short by the snap length leaves its missing tail as a
 * hole; the FIN still sits after the whole payload.
 */
static void push(struct reasm *r, const struct pkt *p, struct buf *b)
{
	uint8_t flags = p->tcp_flags;
	uint32_t fin_seq;

	if (p->payload_caplen >= p->payload_len || !(flags & PKT_TCP_FIN)) {
		reasm_push(r, flags, p->seq, p->payload, p->payload_caplen, b);
		return;
	}
	fin_seq = p->seq + !!(flags & PKT_TCP_SYN) + p->payload_len;
	reasm_push(r, flags & ~PKT_TCP_FIN, p->seq, p->payload,
		   p->payload_caplen, b);
	reasm_push(r, PKT_TCP_FIN, fin_seq, NULL, 0, NULL);
}

/*
 * flow_ops.fin, once per direction: d reached its FIN, or a RST ended
 * both (no new byte can come after it).
 */
static void tell_done(struct flow_table *ft, struct flow *f, int d, bool rst)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (f->fin_told[i] ||
		    !(rst || (i == d && reasm_fin_reached(&f->dir[i]))))
			continue;
		f->fin_told[i] = true;
		ft->ops.fin(ft->arg, f, i);
	}
}

void flow_table_packet(struct flow_table *ft, const struct pkt *p,
		       uint64_t ts_ns, struct buf *b)
{
	flow_table_packet_frags(ft, p, ts_ns, b, NULL, NULL, 0);
}

/*
 * The payload continues in nmore more pieces (a multi-buffer packet):
 * each goes to the reassembler as the segment that follows the previous
 * one, and a FIN applies after the last.
 */
static void push_frags(struct reasm *r, const struct pkt *p, struct buf *b,
		       const struct iovec *more, struct buf *const *mbufs,
		       unsigned int nmore)
{
	uint8_t flags = p->tcp_flags;
	uint32_t seq = p->seq + !!(flags & PKT_TCP_SYN) + p->payload_caplen;
	unsigned int i;

	reasm_push(r, flags & ~PKT_TCP_FIN, p->seq, p->payload,
		   p->payload_caplen, b);
	for (i = 0; i < nmore; i++) {
		reasm_push(r, 0, seq, more[i].iov_base, more[i].iov_len,
			   mbufs[i]);
		seq += more[i].iov_len;
	}
	/* The pieces are the whole packet: the FIN follows the last byte. */
	if (flags & PKT_TCP_FIN)
		reasm_push(r, PKT_TCP_FIN, seq, NULL, 0, NULL);
}

void flow_table_packet_frags(struct flow_table *ft, const struct pkt *p,
			     uint64_t ts_ns, struct buf *b,
			     const struct iovec *more, struct buf *const *mbufs,
			     unsigned int nmore)
{
	struct flow *f;
	uint32_t h;
	unsigned int i;
	int d;

	if (p->l4proto != IPPROTO_TCP || !p->has_ports ||
	    (p->family != 4 && p->family != 6)) {
		ft->st.not_tcp++;
		return;
	}
	ft->st.packets++;
	packet_clock(ft, ts_ns);
	h = flow_hash_sym(p);
	f = lookup(ft, p, h);
	if (f && (p->tcp_flags & PKT_TCP_SYN))
		f = check_syn(ft, f, p);
	if (!f)
		f = flow_new(ft, p, h, ts_ns);
	if (!f)
		return;
	d = pkt_dir(f, p);
	if (p->tcp_flags & PKT_TCP_ACK)
		reasm_peer_ack(&f->dir[!d], p->ack);
	f->pkts[d]++;
	f->payload[d] += p->payload_caplen;
	for (i = 0; i < nmore; i++)
		f->payload[d] += more[i].iov_len;
	if (nmore)
		push_frags(&f->dir[d], p, b, more, mbufs, nmore);
	else
		push(&f->dir[d], p, b);
	if (ft->ops.fin)
		tell_done(ft, f, d, p->tcp_flags & PKT_TCP_RST);
	touch(ft, f, ts_ns);
	if (ft->jump_ns)
		ft->jump_flow = f;
}
