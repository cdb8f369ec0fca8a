// SPDX-License-Identifier: GPL-2.0
/*
 * pkt: the userspace packet parser.  It owns the decoding of captured
 * frames (link header, VLAN tags, IPv4/IPv6 with extension headers,
 * TCP/UDP) into a struct pkt that points into the caller's buffer.
 *
 * Every read is checked against the captured length first: frames come
 * from the wire and from files, so any byte string must parse to a status
 * without reading outside [frame, frame + caplen).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "fs_parse_rules.h"
#include "parse/pkt.h"

#define SLL_HLEN 16
#define SLL2_HLEN 20

/*
 * Where the frame's bytes end: captured (cap) and on the wire (wire),
 * both from the start of the frame.
 */
struct span {
	uint32_t cap, wire;
};

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/*
 * The L4 region: len bytes announced by the IP header, of which avail
 * (<= len) were captured.
 */
static void set_payload(struct pkt *out, const uint8_t *p, uint32_t len,
			uint32_t avail)
{
	out->payload = p;
	out->payload_len = len;
	out->payload_caplen = avail;
}

static enum pkt_status parse_tcp(const uint8_t *l4, uint32_t len,
				 uint32_t avail, struct pkt *out)
{
	uint32_t doff;

	if (avail < FS_TCP_MIN_HLEN)
		return PKT_MALFORMED;
	doff = (uint32_t)(l4[12] >> 4) * 4;
	/* The options are part of the header: they must all be there. */
	if (!fs_tcp_hlen_ok(doff, len) || doff > avail)
		return PKT_MALFORMED;
	out->sport = rd16(l4);
	out->dport = rd16(l4 + 2);
	out->seq = rd32(l4 + 4);
	out->ack = rd32(l4 + 8);
	out->tcp_flags = l4[13];
	out->window = rd16(l4 + 14);
	out->has_ports = true;
	set_payload(out, l4 + doff, len - doff, avail - doff);
	return PKT_OK;
}

static enum pkt_status parse_udp(const uint8_t *l4, uint32_t len,
				 uint32_t avail, struct pkt *out)
{
	if (avail < FS_UDP_HLEN || !fs_udp_ok(rd16(l4 + 4), len))
		return PKT_MALFORMED;
	out->sport = rd16(l4);
	out->dport = rd16(l4 + 2);
	out->has_ports = true;
	set_payload(out, l4 + FS_UDP_HLEN, len - FS_UDP_HLEN,
		    avail - FS_UDP_HLEN);
	return PKT_OK;
}

/* avail <= len always: a capture never holds more than the IP length. */
static enum pkt_status parse_l4(const uint8_t *l4, uint32_t len, uint32_t avail,
				struct pkt *out)
{
	if (out->l4proto == IPPROTO_TCP || out->l4proto == IPPROTO_UDP)
		out->l4 = l4;
	switch (out->l4proto) {
	case IPPROTO_TCP:
		return parse_tcp(l4, len, avail, out);
	case IPPROTO_UDP:
		return parse_udp(l4, len, avail, out);
	default:
		/* Other protocols: the payload is everything after IP. */
		set_payload(out, l4, len, avail);
		return PKT_OK;
	}
}

/* rem: the frame's bytes from the IP header on, captured and on the wire. */
static enum pkt_status parse_ip4(const uint8_t *b, struct span rem,
				 struct pkt *out)
{
	uint32_t ihl, tot, avail;
	uint16_t frag;

	if (rem.cap < FS_IP4_MIN_HLEN || b[0] >> 4 != 4)
		return PKT_MALFORMED;
	ihl = (uint32_t)(b[0] & 0x0f) * 4;
	if (ihl < FS_IP4_MIN_HLEN || ihl > rem.cap)
		return PKT_MALFORMED;
	/* 0 (TSO, BIG TCP): the rest of the frame, as tcpdump guesses. */
	tot = fs_ip4_len(rd16(b + 2), ihl, rem.wire);
	if (!tot)
		return PKT_MALFORMED;
	out->family = 4;
	memcpy(&out->src.a[0], b + 12, 4);
	memcpy(&out->dst.a[0], b + 16, 4);
	out->l4proto = b[9];
	frag = rd16(b + 6);
	out->fragment = fs_ip4_is_fragment(frag);
	avail = min_u32(tot, rem.cap) - ihl;
	if (fs_ip4_later_fragment(frag)) {
		/* Not the first fragment: no L4 header here. */
		set_payload(out, b + ihl, tot - ihl, avail);
		return PKT_OK;
	}
	return parse_l4(b + ihl, tot - ihl, avail, out);
}

/*
 * Walk at most FS_IPV6_EXT_MAX extension headers of the len-byte payload
 * at p, avail of them captured.  *off moves past each one; returns 1 when
 * a non-first fragment ends the walk, 0 when an upper-layer protocol is
 * reached (l4proto 0: unknown, behind a longer chain), -1 when a header
 * is truncated or does not fit in the payload.
 */
static int ip6_walk_ext(const uint8_t *p, uint32_t len, uint32_t avail,
			uint32_t *off, struct pkt *out)
{
	uint8_t nh = out->l4proto;
	uint16_t frag;
	uint32_t hlen;
	int i;

	for (i = 0; i < FS_IPV6_EXT_MAX && fs_ip6_is_ext(nh); i++) {
		if (avail - *off < FS_IP6_EXT_MIN)
			return -1;
		hlen = fs_ip6_ext_len(nh, p[*off + 1]);
		if (hlen > avail - *off || hlen > len - *off)
			return -1;
		frag = nh == FS_IP6_FRAGMENT ? rd16(p + *off + 2) : 0;
		nh = p[*off];
		*off += hlen;
		out->l4proto = nh;
		if (fs_ip6_is_fragment(frag))
			out->fragment = true;
		if (fs_ip6_later_fragment(frag))
			return 1;
	}
	if (fs_ip6_is_ext(nh))
		out->l4proto = 0;
	return 0;
}

static enum pkt_status parse_ip6(const uint8_t *b, struct span rem,
				 struct pkt *out)
{
	uint32_t len, avail, off = 0;
	int ret;

	if (rem.cap < FS_IP6_HLEN || b[0] >> 4 != 6)
		return PKT_MALFORMED;
	/* 0 means a jumbogram or BIG TCP: the rest of the frame. */
	if (fs_ip6_payload(rd16(b + 4), rem.wire - FS_IP6_HLEN, &len))
		return PKT_MALFORMED;
	avail = min_u32(len, rem.cap - FS_IP6_HLEN);
	out->family = 6;
	memcpy(out->src.a, b + 8, 16);
	memcpy(out->dst.a, b + 24, 16);
	out->l4proto = b[6];
	ret = ip6_walk_ext(b + FS_IP6_HLEN, len, avail, &off, out);
	if (ret < 0)
		return PKT_MALFORMED;
	if (ret > 0 || !out->l4proto) {
		set_payload(out, b + FS_IP6_HLEN + off, len - off, avail - off);
		return PKT_OK;
	}
	return parse_l4(b + FS_IP6_HLEN + off, len - off, avail - off, out);
}

/* The IP header (after any tags) at off of the frame: from offsets. */
static struct span span_from(struct span all, uint32_t off)
{
	return (struct span){all.cap - off, all.wire - off};
}

static enum pkt_status parse_l3(const uint8_t *frame, struct span all,
				uint32_t off, uint16_t etype, struct pkt *out)
{
	while (fs_is_vlan_tpid(etype)) {
		/* Deeper stacks are not parsed (nor classified). */
		if (out->nvlan == PKT_VLAN_MAX)
			return PKT_NOT_IP;
		if (all.cap - off < FS_VLAN_HLEN)
			return PKT_MALFORMED;
		out->vlan[out->nvlan++] = rd16(frame + off) & 0x0fff;
		etype = rd16(frame + off + 2);
		off += FS_VLAN_HLEN;
	}
	out->l3_off = off;
	if (etype == FS_ETH_P_IP)
		return parse_ip4(frame + off, span_from(all, off), out);
	if (etype == FS_ETH_P_IPV6)
		return parse_ip6(frame + off, span_from(all, off), out);
	return PKT_NOT_IP;
}

static enum pkt_status parse_raw(const uint8_t *frame, struct span all,
				 struct pkt *out)
{
	if (all.cap < 1)
		return PKT_MALFORMED;
	switch (frame[0] >> 4) {
	case 4:
		return parse_ip4(frame, all, out);
	case 6:
		return parse_ip6(frame, all, out);
	default:
		return PKT_MALFORMED;
	}
}

enum pkt_status pkt_parse(const uint8_t *frame, uint32_t caplen,
			  uint32_t wirelen, int linktype, struct pkt *out)
{
	struct span all = {caplen, wirelen > caplen ? wirelen : caplen};

	memset(out, 0, sizeof(*out));
	if (!frame)
		all.cap = all.wire = 0;
	switch (linktype) {
	case LINKTYPE_ETHERNET:
		if (all.cap < FS_ETH_HLEN)
			return PKT_MALFORMED;
		return parse_l3(frame, all, FS_ETH_HLEN, rd16(frame + 12), out);
	case LINKTYPE_LINUX_SLL:
		if (all.cap < SLL_HLEN)
			return PKT_MALFORMED;
		return parse_l3(frame, all, SLL_HLEN, rd16(frame + 14), out);
	case LINKTYPE_LINUX_SLL2:
		if (all.cap < SLL2_HLEN)
			return PKT_MALFORMED;
		return parse_l3(frame, all, SLL2_HLEN, rd16(frame), out);
	case LINKTYPE_RAW:
	case LINKTYPE_IPV4:
	case LINKTYPE_IPV6:
		return parse_raw(frame, all, out);
	default:
		return PKT_BAD_LINKTYPE;
	}
}

const char *pkt_addr_str(const struct pkt_addr *a, int family, char *buf,
			 unsigned int len)
{
	int af = family == 4 ? AF_INET : family == 6 ? AF_INET6 : -1;

	if (len == 0)
		return buf;
	if (af < 0 || !inet_ntop(af, a->a, buf, len))
		snprintf(buf, len, "?");
	return buf;
}
