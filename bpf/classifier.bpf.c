// SPDX-License-Identifier: GPL-2.0
/*
 * classifier: the XDP program in front of every capture queue.  It parses
 * Ethernet (up to two VLAN tags), IPv4/IPv6 (options, extension headers,
 * fragments) and TCP/UDP with bounds-checked cursors, evaluates the active
 * rule set of fs_rules (a DNF, see headers/fs_shared.h) and redirects a
 * matching frame to the AF_XDP socket of its RX queue, with a struct
 * fs_meta in front of it.  Everything else, malformed frames included,
 * goes to the kernel untouched.  Owns the maps xsks, fs_rules, fs_ctl,
 * fs_stats and fs_qstats, all pinned by name when a pin root is given.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <xdp/xdp_helpers.h>

#include "fs_shared.h"

/* Kernel-internal values, not in the UAPI headers. */
#define FS_IP_MF 0x2000
#define FS_IP_OFFSET 0x1fff
#define FS_IP6_OFFSET 0xfff8
#define FS_VLAN_MAX 2
#define FS_IPV6_EXT_MAX 6

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, FS_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xsks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FS_RULE_SLOTS);
	__type(key, __u32);
	__type(value, struct fs_ruleset);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fs_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FS_CTL_MAX);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fs_ctl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FS_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fs_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FS_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fs_qstats SEC(".maps");

/* What the rules can look at; addresses in network order as in fs_pred. */
struct pkt_info {
	__u32 src[4];
	__u32 dst[4];
	__u16 sport; /* host order, valid when has_ports */
	__u16 dport;
	__u8 family; /* 0 (not IP), 4 or 6 */
	__u8 l4proto; /* IP protocol, also on non-first fragments; 0: unknown */
	__u8 has_ports;
	__u8 fragment;
};

struct cursor {
	void *pos;
	void *end;
};

struct vlan_hdr {
	__be16 tci;
	__be16 proto;
};

struct ip6_ext_hdr {
	__u8 nexthdr;
	__u8 hdrlen;
};

struct ip6_frag_hdr {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off;
	__be32 id;
};

static __always_inline void stat_inc(__u32 id)
{
	__u64 *v = bpf_map_lookup_elem(&fs_stats, &id);

	if (v)
		*v += 1;
}

static __always_inline void qstat_inc(__u32 queue)
{
	__u64 *v = bpf_map_lookup_elem(&fs_qstats, &queue);

	if (v)
		*v += 1;
}

/* Returns the EtherType after at most FS_VLAN_MAX tags, or -1. */
static __always_inline int parse_eth(struct cursor *c)
{
	struct ethhdr *eth = c->pos;
	struct vlan_hdr *vh;
	__u16 proto;
	int i;

	if ((void *)(eth + 1) > c->end)
		return -1;
	proto = eth->h_proto;
	c->pos = eth + 1;
#pragma unroll
	for (i = 0; i < FS_VLAN_MAX; i++) {
		if (proto != bpf_htons(ETH_P_8021Q) &&
		    proto != bpf_htons(ETH_P_8021AD))
			break;
		vh = c->pos;
		if ((void *)(vh + 1) > c->end)
			return -1;
		proto = vh->proto;
		c->pos = vh + 1;
	}
	return bpf_ntohs(proto);
}

/*
 * TCP or UDP header; room is what the IP header says is left of the
 * datagram, so a header cut by the IP length is as malformed as one cut by
 * the end of the frame.
 */
static __always_inline int parse_l4(struct cursor *c, __u32 room,
				    struct pkt_info *pi)
{
	struct tcphdr *th;
	struct udphdr *uh;
	__u32 hl;

	if (pi->l4proto == IPPROTO_TCP) {
		th = c->pos;
		if ((void *)(th + 1) > c->end)
			return -1;
		hl = th->doff * 4;
		if (hl < sizeof(*th) || hl > room || c->pos + hl > c->end)
			return -1;
		pi->sport = bpf_ntohs(th->source);
		pi->dport = bpf_ntohs(th->dest);
	} else if (pi->l4proto == IPPROTO_UDP) {
		uh = c->pos;
		if ((void *)(uh + 1) > c->end || sizeof(*uh) > room ||
		    bpf_ntohs(uh->len) < sizeof(*uh))
			return -1;
		pi->sport = bpf_ntohs(uh->source);
		pi->dport = bpf_ntohs(uh->dest);
	} else {
		return 0;
	}
	pi->has_ports = 1;
	return 0;
}

/* avail: bytes from the IP header to the end of the whole (multi-buffer) frame. */
static __always_inline int parse_ipv4(struct cursor *c, __u32 avail,
				      struct pkt_info *pi)
{
	struct iphdr *iph = c->pos;
	__u32 hl, tot;
	__u16 frag;

	if ((void *)(iph + 1) > c->end || iph->version != 4 || iph->ihl < 5)
		return -1;
	hl = iph->ihl * 4;
	if (c->pos + hl > c->end)
		return -1;
	tot = bpf_ntohs(iph->tot_len);
	/* BIG TCP leaves tot_len 0 on GSO packets over 64 KiB. */
	if (tot == 0 && avail > 0xffff)
		tot = avail;
	if (tot < hl || tot > avail)
		return -1;
	pi->family = 4;
	pi->src[0] = iph->saddr;
	pi->dst[0] = iph->daddr;
	pi->l4proto = iph->protocol;
	frag = bpf_ntohs(iph->frag_off);
	if (frag & (FS_IP_MF | FS_IP_OFFSET)) {
		pi->fragment = 1;
		if (frag & FS_IP_OFFSET)
			return 0;
	}
	c->pos += hl;
	return parse_l4(c, tot - hl, pi);
}

static __always_inline int is_ip6_ext(__u8 nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING ||
	       nh == IPPROTO_DSTOPTS || nh == IPPROTO_FRAGMENT ||
	       nh == IPPROTO_AH;
}

/*
 * One extension header at c->pos: advances the cursor and *room, sets
 * *nh to the next header.  Returns 1 when the walk must stop because this
 * is a non-first fragment, 0 to go on, -1 when malformed.
 */
static __always_inline int skip_ip6_ext(struct cursor *c, __u8 *nh, __u32 *room,
					struct pkt_info *pi)
{
	struct ip6_ext_hdr *eh = c->pos;
	struct ip6_frag_hdr *fh;
	int later_frag = 0;
	__u32 len;

	if ((void *)(eh + 1) > c->end)
		return -1;
	if (*nh == IPPROTO_FRAGMENT) {
		fh = c->pos;
		if ((void *)(fh + 1) > c->end)
			return -1;
		len = sizeof(*fh);
		pi->fragment = 1;
		later_frag = !!(bpf_ntohs(fh->frag_off) & FS_IP6_OFFSET);
	} else if (*nh == IPPROTO_AH) {
		len = (eh->hdrlen + 2) * 4;
	} else {
		len = (eh->hdrlen + 1) * 8;
	}
	if (len > *room || c->pos + len > c->end)
		return -1;
	*nh = eh->nexthdr;
	*room -= len;
	c->pos += len;
	return later_frag;
}

static __always_inline int parse_ipv6(struct cursor *c, __u32 avail,
				      struct pkt_info *pi)
{
	struct ipv6hdr *ip6 = c->pos;
	__u32 room;
	__u8 nh;
	int i, r;

	if ((void *)(ip6 + 1) > c->end || ip6->version != 6)
		return -1;
	room = bpf_ntohs(ip6->payload_len);
	/* 0: a jumbogram or BIG TCP; the frame length is all we have. */
	if (room == 0)
		room = avail - sizeof(*ip6);
	if (room + sizeof(*ip6) > avail)
		return -1;
	pi->family = 6;
	__builtin_memcpy(pi->src, &ip6->saddr, 16);
	__builtin_memcpy(pi->dst, &ip6->daddr, 16);
	nh = ip6->nexthdr;
	c->pos = ip6 + 1;
	for (i = 0; i < FS_IPV6_EXT_MAX; i++) {
		if (!is_ip6_ext(nh))
			break;
		r = skip_ip6_ext(c, &nh, &room, pi);
		if (r < 0)
			return -1;
		if (r > 0) {
			pi->l4proto = nh;
			return 0;
		}
	}
	/* A longer chain than we walk: the protocol stays unknown. */
	if (is_ip6_ext(nh))
		return 0;
	pi->l4proto = nh;
	return parse_l4(c, room, pi);
}

/* 0: parsed (pi->family 0 when not IP), -1: malformed or truncated. */
static __always_inline int parse_frame(struct xdp_md *ctx, struct pkt_info *pi)
{
	struct cursor c = {
		.pos = (void *)(long)ctx->data,
		.end = (void *)(long)ctx->data_end,
	};
	__u32 len = bpf_xdp_get_buff_len(ctx), off;
	int proto = parse_eth(&c);

	if (proto < 0)
		return -1;
	off = c.pos - (void *)(long)ctx->data;
	if (proto == ETH_P_IP)
		return parse_ipv4(&c, len - off, pi);
	if (proto == ETH_P_IPV6)
		return parse_ipv6(&c, len - off, pi);
	return 0;
}

static __always_inline int addr_match(const struct fs_pred *p, const __u32 *a)
{
	if (p->family == 4)
		return (a[0] & p->mask[0]) == (p->addr[0] & p->mask[0]);
	return (a[0] & p->mask[0]) == (p->addr[0] & p->mask[0]) &&
	       (a[1] & p->mask[1]) == (p->addr[1] & p->mask[1]) &&
	       (a[2] & p->mask[2]) == (p->addr[2] & p->mask[2]) &&
	       (a[3] & p->mask[3]) == (p->addr[3] & p->mask[3]);
}

static __always_inline int port_match(const struct fs_pred *p, __u16 port)
{
	return port >= p->port_lo && port <= p->port_hi;
}

/* The raw predicate, before negation; false when the field is absent. */
static __always_inline int pred_raw(const struct fs_pred *p,
				    const struct pkt_info *pi)
{
	switch (p->kind) {
	case FS_PRED_L3:
		return pi->family == p->family;
	case FS_PRED_L4:
		return pi->family && pi->l4proto == p->proto;
	case FS_PRED_ADDR:
		if (pi->family != p->family)
			return 0;
		if (p->dir == FS_DIR_SRC)
			return addr_match(p, pi->src);
		if (p->dir == FS_DIR_DST)
			return addr_match(p, pi->dst);
		return addr_match(p, pi->src) || addr_match(p, pi->dst);
	case FS_PRED_PORT:
		if (!pi->has_ports)
			return 0;
		if (p->dir == FS_DIR_SRC)
			return port_match(p, pi->sport);
		if (p->dir == FS_DIR_DST)
			return port_match(p, pi->dport);
		return port_match(p, pi->sport) || port_match(p, pi->dport);
	}
	return 0;
}

/*
 * A global function is verified once on its own, not once per term: that
 * keeps the verifier's work linear in FS_MAX_TERMS + FS_MAX_PREDS.
 */
__noinline int fs_term_match(const struct fs_term *t, const struct pkt_info *pi)
{
	__u32 i, n;

	if (!t || !pi)
		return 0;
	n = t->npreds;
	for (i = 0; i < FS_MAX_PREDS; i++) {
		if (i >= n)
			break;
		if (pred_raw(&t->preds[i], pi) == !!t->preds[i].negate)
			return 0;
	}
	/* An empty conjunction is true, as in filter_match(). */
	return 1;
}

static __always_inline int rules_match(const struct pkt_info *pi)
{
	__u32 key = FS_CTL_ACTIVE, *active, i, n;
	struct fs_ruleset *rs;

	active = bpf_map_lookup_elem(&fs_ctl, &key);
	key = active ? (*active & 1) : 0;
	rs = bpf_map_lookup_elem(&fs_rules, &key);
	if (!rs)
		return 0;
	n = rs->nterms;
	for (i = 0; i < FS_MAX_TERMS; i++) {
		if (i >= n)
			break;
		if (fs_term_match(&rs->terms[i], pi))
			return 1;
	}
	return 0;
}

static __always_inline void write_meta(struct xdp_md *ctx)
{
	struct fs_meta *m;
	void *data;

	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*m)))
		return;
	m = (void *)(long)ctx->data_meta;
	data = (void *)(long)ctx->data;
	if ((void *)(m + 1) > data)
		return;
	m->ts_mono_ns = bpf_ktime_get_ns();
	m->magic = FS_META_MAGIC;
	m->rx_queue = ctx->rx_queue_index;
}

SEC("xdp.frags")
int fs_classify(struct xdp_md *ctx)
{
	struct pkt_info pi = {};
	__u32 queue;
	int ret;

	stat_inc(FS_STAT_SEEN);
	ret = parse_frame(ctx, &pi);
	if (pi.fragment)
		stat_inc(FS_STAT_FRAGMENT);
	if (ret < 0) {
		stat_inc(FS_STAT_MALFORMED);
		goto pass;
	}
	if (!pi.family || !rules_match(&pi))
		goto pass;
	stat_inc(FS_STAT_MATCHED);
	write_meta(ctx);
	queue = ctx->rx_queue_index;
	ret = bpf_redirect_map(&xsks, queue, XDP_PASS);
	if (ret == XDP_REDIRECT) {
		stat_inc(FS_STAT_REDIRECTED);
		if (queue < FS_MAX_QUEUES)
			qstat_inc(queue);
		return ret;
	}
	stat_inc(FS_STAT_NOSOCK);
pass:
	stat_inc(FS_STAT_PASSED);
	return XDP_PASS;
}

/* For xdp-loader and the libxdp dispatcher: run first, chain on pass. */
struct {
	__uint(priority, 10);
	__uint(XDP_PASS, 1);
} XDP_RUN_CONFIG(fs_classify);

char _license[] SEC("license") = "GPL";
