// SPDX-License-Identifier: GPL-2.0
/*
 * classifier: the XDP program in front of every capture queue.  It parses
 * Ethernet (up to four VLAN tags, 802.1Q and 802.1ad in any order),
 * IPv4/IPv6 (options, extension headers, fragments) and TCP/UDP with
 * bounds-checked cursors for its counters; then a translated filter in
 * fs_progs, when one is installed, decides by tail call, or else the
 * active rule set of fs_rules (a DNF, see headers/fs_shared.h, read with
 * libpcap's meaning) does.  A matching frame goes to the AF_XDP socket of
 * its RX queue with a struct fs_meta in front of it (its timestamp; with
 * FS_NIC_TS, classifier_nic.bpf.c, the NIC's where it gives one);
 * everything else goes to the kernel untouched.  The parser follows
 * headers/fs_parse_rules.h; the rule set's evaluation is in
 * classifier_rules.h.  Owns the maps xsks, fs_rules, fs_hosts, fs_nets,
 * fs_ports, fs_ctl, fs_stats, fs_qstats and fs_progs, all pinned by name
 * when a pin root is given.
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

#include "fs_parse_rules.h"
#include "fs_shared.h"

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

/* The members of the rule sets' set predicates, both slots. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FS_SET_MAP_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct fs_host_key);
	__type(value, __u8);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fs_hosts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, FS_SET_MAP_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct fs_net_key);
	__type(value, __u8);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fs_nets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FS_SET_MAP_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct fs_port_key);
	__type(value, __u8);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fs_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, FS_PROG_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fs_progs SEC(".maps");

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

/* What this parser found: for the fragment and malformed counters. */
struct pkt_info {
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

/*
 * The parser below follows headers/fs_parse_rules.h, the rules the
 * userspace parser follows too; "captured" is the linear part here.
 */

/* Returns the EtherType after at most FS_VLAN_MAX tags, or -1. */
static __always_inline int parse_eth(struct cursor *c)
{
	struct ethhdr *eth = c->pos;
	struct vlan_hdr *vh;
	__u16 proto;
	int i;

	if ((void *)(eth + 1) > c->end)
		return -1;
	proto = bpf_ntohs(eth->h_proto);
	c->pos = eth + 1;
#pragma unroll
	for (i = 0; i < FS_VLAN_MAX; i++) {
		if (!fs_is_vlan_tpid(proto))
			break;
		vh = c->pos;
		if ((void *)(vh + 1) > c->end)
			return -1;
		proto = bpf_ntohs(vh->proto);
		c->pos = vh + 1;
	}
	return proto;
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
		if (!fs_tcp_hlen_ok(hl, room) || c->pos + hl > c->end)
			return -1;
	} else if (pi->l4proto == IPPROTO_UDP) {
		uh = c->pos;
		if ((void *)(uh + 1) > c->end ||
		    !fs_udp_ok(bpf_ntohs(uh->len), room))
			return -1;
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

	if ((void *)(iph + 1) > c->end || iph->version != 4 ||
	    iph->ihl * 4 < FS_IP4_MIN_HLEN)
		return -1;
	hl = iph->ihl * 4;
	if (c->pos + hl > c->end)
		return -1;
	tot = fs_ip4_len(bpf_ntohs(iph->tot_len), hl, avail);
	if (!tot)
		return -1;
	pi->family = 4;
	pi->l4proto = iph->protocol;
	frag = bpf_ntohs(iph->frag_off);
	pi->fragment = fs_ip4_is_fragment(frag);
	if (fs_ip4_later_fragment(frag))
		return 0;
	c->pos += hl;
	return parse_l4(c, tot - hl, pi);
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
	__u16 frag;

	if ((void *)(eh + 1) > c->end)
		return -1;
	len = fs_ip6_ext_len(*nh, eh->hdrlen);
	if (*nh == FS_IP6_FRAGMENT) {
		fh = c->pos;
		if ((void *)(fh + 1) > c->end)
			return -1;
		frag = bpf_ntohs(fh->frag_off);
		pi->fragment |= fs_ip6_is_fragment(frag);
		later_frag = fs_ip6_later_fragment(frag);
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

	if ((void *)(ip6 + 1) > c->end || ip6->version != 6 ||
	    fs_ip6_payload(bpf_ntohs(ip6->payload_len), avail - FS_IP6_HLEN,
			   &room))
		return -1;
	pi->family = 6;
	nh = ip6->nexthdr;
	c->pos = ip6 + 1;
	for (i = 0; i < FS_IPV6_EXT_MAX; i++) {
		if (!fs_ip6_is_ext(nh))
			break;
		r = skip_ip6_ext(c, &nh, &room, pi);
		if (r < 0)
			return -1;
		if (r > 0) {
			pi->l4proto = nh;
			return 0;
		}
	}
	/* A longer chain than the rules walk: the protocol stays unknown. */
	if (fs_ip6_is_ext(nh))
		return 0;
	pi->l4proto = nh;
	return parse_l4(c, room, pi);
}

/*
 * The IP header and what follows, at off (after the link header and any
 * tags) with EtherType proto.  A global function is verified once on its
 * own, not once per VLAN depth: that keeps the extension header walk
 * within the verifier's budget.  0 or -1, as parse_frame().
 */
__noinline int fs_parse_l3(struct xdp_md *ctx, __u64 off, __u32 proto,
			   struct pkt_info *pi)
{
	struct cursor c;
	__u32 len;

	if (!ctx || !pi || off > FS_ETH_HLEN + FS_VLAN_MAX * FS_VLAN_HLEN)
		return -1;
	c.pos = (void *)(long)ctx->data + off;
	c.end = (void *)(long)ctx->data_end;
	len = bpf_xdp_get_buff_len(ctx);
	if (len < off)
		return -1;
	if (proto == FS_ETH_P_IP)
		return parse_ipv4(&c, len - off, pi);
	if (proto == FS_ETH_P_IPV6)
		return parse_ipv6(&c, len - off, pi);
	return 0;
}

/* 0: parsed (pi->family 0 when not IP), -1: malformed or truncated. */
static __always_inline int parse_frame(struct xdp_md *ctx, struct pkt_info *pi)
{
	struct cursor c = {
		.pos = (void *)(long)ctx->data,
		.end = (void *)(long)ctx->data_end,
	};
	int proto = parse_eth(&c);

	if (proto < 0)
		return -1;
	if (proto != FS_ETH_P_IP && proto != FS_ETH_P_IPV6)
		return 0;
	return fs_parse_l3(ctx, c.pos - (void *)(long)ctx->data, proto, pi);
}

#include "classifier_rules.h"

/* A struct fs_meta in front of the frame: 0 if there is no room. */
static __always_inline int write_meta(struct xdp_md *ctx, __u64 ts, __u32 magic)
{
	struct fs_meta *m;
	void *data;

	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*m)))
		return 0;
	m = (void *)(long)ctx->data_meta;
	data = (void *)(long)ctx->data;
	if ((void *)(m + 1) > data)
		return 0;
	m->ts_mono_ns = ts;
	m->magic = magic;
	m->rx_queue = ctx->rx_queue_index;
	return 1;
}

#ifdef FS_NIC_TS
/*
 * classifier_nic: the receive timestamp from the NIC, through the XDP
 * metadata kfunc, which only a device-bound program may call (and a
 * device-bound program may not be a tail call's target, so the
 * translated filter cannot read it itself: it is read here, before the
 * tail call).  A NIC that does not stamp the packet (an error, or 0: veth
 * gives the skb's hardware stamp, usually none) leaves it to the
 * classifier's clock, packet by packet.
 */
extern int bpf_xdp_metadata_rx_timestamp(const struct xdp_md *ctx,
					 __u64 *timestamp) __ksym;

static __always_inline int nic_meta(struct xdp_md *ctx)
{
	__u64 ts = 0;

	if (bpf_xdp_metadata_rx_timestamp(ctx, &ts) || !ts)
		return 0;
	return write_meta(ctx, ts, FS_META_MAGIC_NIC);
}
#else
static __always_inline int nic_meta(struct xdp_md *ctx)
{
	(void)ctx;
	return 0;
}
#endif

SEC("xdp.frags")
int fs_classify(struct xdp_md *ctx)
{
	struct pkt_info pi = {};
	int stamped;
	__u32 queue;
	int ret;

	stat_inc(FS_STAT_SEEN);
	/* The NIC's stamp first (classifier_nic): the filter may not return. */
	stamped = nic_meta(ctx);
	ret = parse_frame(ctx, &pi);
	if (pi.fragment)
		stat_inc(FS_STAT_FRAGMENT);
	if (ret < 0)
		stat_inc(FS_STAT_MALFORMED);
	/*
	 * A translated filter, when one is installed, decides and finishes
	 * the frame itself (cbpf_xlate's epilogue); a tail call does not
	 * return.  Otherwise the rule set decides, malformed or not: what
	 * this parser calls malformed, libpcap may still match.
	 */
	bpf_tail_call(ctx, &fs_progs, FS_PROG_FILTER);
	if (!rules_match(ctx))
		goto pass;
	stat_inc(FS_STAT_MATCHED);
	if (!stamped)
		write_meta(ctx, bpf_ktime_get_ns(), FS_META_MAGIC);
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
