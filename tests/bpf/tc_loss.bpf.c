// SPDX-License-Identifier: GPL-2.0
/*
 * tc_loss: a tc classifier (direct-action) that drops a configurable
 * fraction of TCP data segments, for tests on this kernel, which has no
 * netem.  tests/e2e/lib.sh (loss_on) attaches it on the test topology's
 * mirror point, before or after the mirror filter.
 *
 * Settings live in the loss_cfg map, not in rodata, because iproute2's tc
 * loads the object itself and cannot set rodata; lib.sh writes the map
 * after the load (an all-zero config drops nothing).
 *
 * Only TCP segments that carry payload are candidates: SYN, pure ACK and
 * FIN without data always pass, so connections open and close.  One
 * decision is made per skb; a GSO skb (up to 64 KiB) is dropped whole,
 * like a burst loss.  Kept packets return TC_ACT_UNSPEC so that the tc
 * filters after this one (the mirror) still run.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

/* Layout written by lib.sh with bpftool (little endian, 16 bytes). */
struct loss_cfg {
	__u32 permille; /* drop probability in 1/1000; 0 disables */
	__u32 port; /* drop only if source or destination port; 0: any */
	__u64 seed; /* 0: bpf_get_prandom_u32; else per-CPU xorshift */
};

struct loss_stats {
	__u64 data_pkts; /* TCP segments with payload that matched the port */
	__u64 dropped;
	__u64 dropped_bytes; /* TCP payload bytes dropped */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct loss_cfg);
} loss_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct loss_stats);
} loss_stats SEC(".maps");

/* Per-CPU generator state, so that a seeded run needs no atomics. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} loss_rng SEC(".maps");

static __always_inline __u32 loss_random(const struct loss_cfg *cfg)
{
	__u32 zero = 0;
	__u64 *st, x;

	if (!cfg->seed)
		return bpf_get_prandom_u32();
	st = bpf_map_lookup_elem(&loss_rng, &zero);
	if (!st)
		return bpf_get_prandom_u32();
	x = *st;
	if (!x)
		x = cfg->seed * 0x9e3779b97f4a7c15ULL +
		    bpf_get_smp_processor_id() + 1;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*st = x;
	return (x * 0x2545f4914f6cdd1dULL) >> 32;
}

/*
 * Find the TCP header and the payload length.  Returns the TCP header
 * offset, or -1 when the packet is not TCP over IPv4/IPv6 without
 * extension headers.
 */
static __always_inline int loss_parse(struct __sk_buff *skb, __u32 *payload)
{
	__u32 l3 = sizeof(struct ethhdr), l4, l3_end;
	struct ipv6hdr ip6;
	struct iphdr ip4;

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		if (bpf_skb_load_bytes(skb, l3, &ip4, sizeof(ip4)))
			return -1;
		if (ip4.protocol != IPPROTO_TCP || ip4.ihl < 5 ||
		    (ip4.frag_off & bpf_htons(0x1fff)))
			return -1;
		l4 = l3 + ip4.ihl * 4;
		l3_end = l3 + bpf_ntohs(ip4.tot_len);
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		if (bpf_skb_load_bytes(skb, l3, &ip6, sizeof(ip6)))
			return -1;
		if (ip6.nexthdr != IPPROTO_TCP)
			return -1;
		l4 = l3 + sizeof(ip6);
		l3_end = l4 + bpf_ntohs(ip6.payload_len);
	} else {
		return -1;
	}
	/* GSO skbs beyond 64 KiB (BIG TCP) carry a zero length field. */
	if (l3_end <= l4 || l3_end > skb->len)
		l3_end = skb->len;
	*payload = l3_end - l4;
	return l4;
}

SEC("tc")
int tc_loss(struct __sk_buff *skb)
{
	struct loss_stats *st;
	struct loss_cfg *cfg;
	__u32 zero = 0, payload = 0, hlen;
	struct tcphdr th;
	int l4;

	cfg = bpf_map_lookup_elem(&loss_cfg, &zero);
	st = bpf_map_lookup_elem(&loss_stats, &zero);
	if (!cfg || !st || !cfg->permille)
		return TC_ACT_UNSPEC;
	l4 = loss_parse(skb, &payload);
	if (l4 < 0 || bpf_skb_load_bytes(skb, l4, &th, sizeof(th)))
		return TC_ACT_UNSPEC;
	hlen = th.doff * 4;
	if (payload <= hlen)
		return TC_ACT_UNSPEC;
	if (cfg->port && bpf_ntohs(th.source) != cfg->port &&
	    bpf_ntohs(th.dest) != cfg->port)
		return TC_ACT_UNSPEC;
	__sync_fetch_and_add(&st->data_pkts, 1);
	if (loss_random(cfg) % 1000 >= cfg->permille)
		return TC_ACT_UNSPEC;
	__sync_fetch_and_add(&st->dropped, 1);
	__sync_fetch_and_add(&st->dropped_bytes, payload - hlen);
	return TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "GPL";
