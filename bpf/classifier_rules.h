/* SPDX-License-Identifier: GPL-2.0 */
/*
 * classifier_rules: the rule set's evaluation for classifier.bpf.c, which
 * includes it after its maps (fs_rules, fs_ctl and the set maps
 * fs_hosts, fs_nets, fs_ports).  rules_match() says whether the active
 * rule set (headers/fs_shared.h) matches a frame, with libpcap's meaning.
 * Not a program of its own.
 */
#ifndef FS_CLASSIFIER_RULES_H
#define FS_CLASSIFIER_RULES_H

/*
 * The rule set's view of a frame: the fields libpcap's programs for the
 * rule-set primitives read, at the offsets they read them (the EtherType
 * at 12 with no VLAN tag skipped, IPv4 ports after ip[0]'s header length
 * unless the fragment offset is set, IPv6 ports straight after the fixed
 * header, ARP/RARP addresses for IPv4 hosts).  So a rule means what the
 * same expression means to tcpdump: a VLAN-tagged frame is not "ip", a
 * non-IP frame is "not tcp", and a frame this file's parser calls
 * malformed still matches "ip".  A field past the end of the frame makes
 * the whole rule set fail, as a classic load out of bounds does.
 */
#define PV_IPV4 0x0800
#define PV_IPV6 0x86dd
#define PV_ARP 0x0806
#define PV_RARP 0x8035
#define PV_FRAG_HDR 44
#define PV_MAX_OFF 128

enum {
	PV_PROTO = 1 << 0, /* proto: ip[9] / ip6[6] */
	PV_PROTO2 = 1 << 1, /* proto2: ip6[40], after a fragment header */
	PV_FRAG = 1 << 2, /* later_frag: ip[6:2] & 0x1fff */
	PV_SRC = 1 << 3, /* src: IPv4, IPv6, or ARP sender address */
	PV_DST = 1 << 4,
	PV_SPORT = 1 << 5,
	PV_DPORT = 1 << 6,
};

struct pcap_view {
	__u32 src[4];
	__u32 dst[4];
	__u16 etype; /* host order */
	__u16 sport; /* host order */
	__u16 dport;
	__u8 proto;
	__u8 proto2;
	__u8 later_frag;
	__u8 have; /* PV_* */
	__u8 tag; /* FS_SET_TAG(active slot, 0): the slot's set members */
	__u8 pad;
};

/* n bytes at off: in the linear part, else from the fragments. */
static __always_inline int pv_load(struct xdp_md *ctx, __u32 off, void *dst,
				   __u32 n)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;

	if (off > PV_MAX_OFF)
		return -1;
	if (data + off + n <= end) {
		__builtin_memcpy(dst, data + off, n);
		return 0;
	}
	return bpf_xdp_load_bytes(ctx, off, dst, n) ? -1 : 0;
}

static __always_inline void pv_ports(struct xdp_md *ctx, __u32 off,
				     struct pcap_view *pv)
{
	__be16 v;

	if (!pv_load(ctx, off, &v, 2)) {
		pv->sport = bpf_ntohs(v);
		pv->have |= PV_SPORT;
	}
	if (!pv_load(ctx, off + 2, &v, 2)) {
		pv->dport = bpf_ntohs(v);
		pv->have |= PV_DPORT;
	}
}

static __always_inline int pv_has_ports(__u8 proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	       proto == IPPROTO_SCTP;
}

static __always_inline void pv_ipv4(struct xdp_md *ctx, struct pcap_view *pv)
{
	__be16 frag;
	__u8 vihl;

	if (!pv_load(ctx, ETH_HLEN + 9, &pv->proto, 1))
		pv->have |= PV_PROTO;
	if (!pv_load(ctx, ETH_HLEN + 12, &pv->src[0], 4))
		pv->have |= PV_SRC;
	if (!pv_load(ctx, ETH_HLEN + 16, &pv->dst[0], 4))
		pv->have |= PV_DST;
	if (pv_load(ctx, ETH_HLEN + 6, &frag, 2))
		return;
	pv->have |= PV_FRAG;
	pv->later_frag = fs_ip4_later_fragment(bpf_ntohs(frag));
	if (pv->later_frag || pv_load(ctx, ETH_HLEN, &vihl, 1))
		return;
	pv_ports(ctx, ETH_HLEN + (vihl & 0xf) * 4, pv);
}

static __always_inline void pv_ipv6(struct xdp_md *ctx, struct pcap_view *pv)
{
	if (!pv_load(ctx, ETH_HLEN + 6, &pv->proto, 1))
		pv->have |= PV_PROTO;
	if (!pv_load(ctx, ETH_HLEN + 40, &pv->proto2, 1))
		pv->have |= PV_PROTO2;
	if (!pv_load(ctx, ETH_HLEN + 8, pv->src, 16))
		pv->have |= PV_SRC;
	if (!pv_load(ctx, ETH_HLEN + 24, pv->dst, 16))
		pv->have |= PV_DST;
	pv_ports(ctx, ETH_HLEN + 40, pv);
}

/* 0, or -1 when the frame has no EtherType (every rule fails then). */
static __always_inline int pv_fill(struct xdp_md *ctx, struct pcap_view *pv)
{
	__be16 et;

	if (pv_load(ctx, 12, &et, 2))
		return -1;
	pv->etype = bpf_ntohs(et);
	if (pv->etype == PV_IPV4) {
		pv_ipv4(ctx, pv);
	} else if (pv->etype == PV_IPV6) {
		pv_ipv6(ctx, pv);
	} else if (pv->etype == PV_ARP || pv->etype == PV_RARP) {
		if (!pv_load(ctx, ETH_HLEN + 14, &pv->src[0], 4))
			pv->have |= PV_SRC;
		if (!pv_load(ctx, ETH_HLEN + 24, &pv->dst[0], 4))
			pv->have |= PV_DST;
	}
	return 0;
}

/* A field the predicate needs is past the end: the rule set fails. */
#define PV_ABORT (-1)
#define PV_NEED(pv, bit)                   \
	do {                               \
		if (!((pv)->have & (bit))) \
			return PV_ABORT;   \
	} while (0)

static __always_inline int addr_eq(const struct fs_pred *p, const __u32 *a)
{
	if (p->family == 4)
		return (a[0] & p->mask[0]) == (p->addr[0] & p->mask[0]);
	return (a[0] & p->mask[0]) == (p->addr[0] & p->mask[0]) &&
	       (a[1] & p->mask[1]) == (p->addr[1] & p->mask[1]) &&
	       (a[2] & p->mask[2]) == (p->addr[2] & p->mask[2]) &&
	       (a[3] & p->mask[3]) == (p->addr[3] & p->mask[3]);
}

/* Source first, then destination, as libpcap's programs load them. */
static __always_inline int pred_addr(const struct fs_pred *p,
				     const struct pcap_view *pv)
{
	int want = p->family == 6 ? PV_IPV6 : PV_IPV4;

	if (pv->etype != want &&
	    !(p->arp && (pv->etype == PV_ARP || pv->etype == PV_RARP)))
		return 0;
	/* A /0 net: libpcap's program loads no address for it. */
	if (!(p->mask[0] | p->mask[1] | p->mask[2] | p->mask[3]))
		return 1;
	if (p->dir != FS_DIR_DST) {
		PV_NEED(pv, PV_SRC);
		if (addr_eq(p, pv->src))
			return 1;
		if (p->dir == FS_DIR_SRC)
			return 0;
	}
	PV_NEED(pv, PV_DST);
	return addr_eq(p, pv->dst);
}

/*
 * The family whose members of a HOST_SET or NET_SET the frame's addresses
 * are looked up among (4, 6), or 0 when the set cannot match: as the
 * ADDR predicates it stands for, which look at IPv4 (and ARP/RARP for
 * unqualified hosts) or IPv6 frames only.
 */
static __always_inline int set_family(const struct fs_pred *p,
				      const struct pcap_view *pv)
{
	if (pv->etype == PV_IPV4 ||
	    (p->arp && (pv->etype == PV_ARP || pv->etype == PV_RARP)))
		return p->fams & FS_FAM_4 ? 4 : 0;
	if (pv->etype == PV_IPV6)
		return p->fams & FS_FAM_6 ? 6 : 0;
	return 0;
}

/* One lookup: is address a (of family fam) a member of p's set? */
static __always_inline int in_addr_set(const struct fs_pred *p,
				       const struct pcap_view *pv, int fam,
				       const __u32 *a)
{
	struct fs_host_key hk = {};
	struct fs_net_key nk = {};

	if (p->kind == FS_PRED_HOST_SET) {
		hk.tag = pv->tag + p->set;
		hk.family = fam;
		hk.addr[0] = a[0];
		if (fam == 6) {
			hk.addr[1] = a[1];
			hk.addr[2] = a[2];
			hk.addr[3] = a[3];
		}
		return bpf_map_lookup_elem(&fs_hosts, &hk) != NULL;
	}
	nk.prefixlen = FS_NET_KEY_BITS + (fam == 6 ? 128 : 32);
	nk.tag = pv->tag + p->set;
	nk.family = fam;
	nk.addr[0] = a[0];
	if (fam == 6) {
		nk.addr[1] = a[1];
		nk.addr[2] = a[2];
		nk.addr[3] = a[3];
	}
	return bpf_map_lookup_elem(&fs_nets, &nk) != NULL;
}

/*
 * A list of hosts or nets: the source among all members first, then the
 * destination, in the order libpcap's optimiser tests a list in.
 */
static __always_inline int pred_addr_set(const struct fs_pred *p,
					 const struct pcap_view *pv)
{
	int fam = set_family(p, pv);

	if (!fam)
		return 0;
	if (p->dir != FS_DIR_DST) {
		PV_NEED(pv, PV_SRC);
		if (in_addr_set(p, pv, fam, pv->src))
			return 1;
		if (p->dir == FS_DIR_SRC)
			return 0;
	}
	PV_NEED(pv, PV_DST);
	return in_addr_set(p, pv, fam, pv->dst);
}

/* 1 when the frame has ports to test, 0 when not, or PV_ABORT. */
static __always_inline int has_ports(const struct pcap_view *pv)
{
	if (pv->etype != PV_IPV4 && pv->etype != PV_IPV6)
		return 0;
	PV_NEED(pv, PV_PROTO);
	if (!pv_has_ports(pv->proto))
		return 0;
	if (pv->etype == PV_IPV4) {
		PV_NEED(pv, PV_FRAG);
		if (pv->later_frag)
			return 0;
	}
	return 1;
}

/* Is port a member of p's set (PORT_SET), or in its range (PORT)? */
static __always_inline int port_in(const struct fs_pred *p,
				   const struct pcap_view *pv, __u16 port)
{
	struct fs_port_key k = {};

	if (p->kind == FS_PRED_PORT)
		return port >= p->port_lo && port <= p->port_hi;
	k.tag = pv->tag + p->set;
	k.port = port;
	return bpf_map_lookup_elem(&fs_ports, &k) != NULL;
}

static __always_inline int pred_port(const struct fs_pred *p,
				     const struct pcap_view *pv)
{
	int r = has_ports(pv);

	if (r <= 0)
		return r;
	if (p->dir != FS_DIR_DST) {
		PV_NEED(pv, PV_SPORT);
		if (port_in(p, pv, pv->sport))
			return 1;
		if (p->dir == FS_DIR_SRC)
			return 0;
	}
	PV_NEED(pv, PV_DPORT);
	return port_in(p, pv, pv->dport);
}

/* IPv6: the next header, or the one after a fragment header. */
static __always_inline int pred_l4(const struct fs_pred *p,
				   const struct pcap_view *pv)
{
	if (pv->etype != PV_IPV4 && pv->etype != PV_IPV6)
		return 0;
	PV_NEED(pv, PV_PROTO);
	if (pv->proto == p->proto)
		return 1;
	if (pv->etype == PV_IPV4 || pv->proto != PV_FRAG_HDR)
		return 0;
	PV_NEED(pv, PV_PROTO2);
	return pv->proto2 == p->proto;
}

/* The raw predicate before negation: 1, 0, or PV_ABORT. */
static __always_inline int pred_raw(const struct fs_pred *p,
				    const struct pcap_view *pv)
{
	switch (p->kind) {
	case FS_PRED_L3:
		return pv->etype == (p->family == 6 ? PV_IPV6 : PV_IPV4);
	case FS_PRED_L4:
		return pred_l4(p, pv);
	case FS_PRED_ADDR:
		return pred_addr(p, pv);
	case FS_PRED_PORT:
	case FS_PRED_PORT_SET:
		return pred_port(p, pv);
	case FS_PRED_HOST_SET:
	case FS_PRED_NET_SET:
		return pred_addr_set(p, pv);
	}
	return 0;
}

/*
 * A global function is verified once on its own, not once per term: that
 * keeps the verifier's work linear in FS_MAX_TERMS + FS_MAX_PREDS.
 * Returns 1, 0 or PV_ABORT.
 */
__noinline int fs_term_match(const struct fs_term *t,
			     const struct pcap_view *pv)
{
	__u32 i, n;
	int r;

	if (!t || !pv)
		return 0;
	n = t->npreds;
	for (i = 0; i < FS_MAX_PREDS; i++) {
		if (i >= n)
			break;
		r = pred_raw(&t->preds[i], pv);
		if (r < 0)
			return PV_ABORT;
		if (r == !!t->preds[i].negate)
			return 0;
	}
	/* An empty conjunction is true, as in filter_match(). */
	return 1;
}

static __always_inline int rules_match(struct xdp_md *ctx)
{
	__u32 key = FS_CTL_ACTIVE, *active, i, n;
	struct pcap_view pv = {};
	struct fs_ruleset *rs;
	int r;

	active = bpf_map_lookup_elem(&fs_ctl, &key);
	key = active ? (*active & 1) : 0;
	rs = bpf_map_lookup_elem(&fs_rules, &key);
	pv.tag = FS_SET_TAG(key, 0);
	if (!rs || !rs->nterms || pv_fill(ctx, &pv))
		return 0;
	n = rs->nterms;
	for (i = 0; i < FS_MAX_TERMS; i++) {
		if (i >= n)
			break;
		r = fs_term_match(&rs->terms[i], &pv);
		if (r)
			return r > 0;
	}
	return 0;
}

#endif /* FS_CLASSIFIER_RULES_H */
