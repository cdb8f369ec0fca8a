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

#include "parse/pkt.h"

#define ETH_HLEN 14
#define SLL_HLEN 16
#define SLL2_HLEN 20
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86dd
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88a8
#define VLAN_HLEN 4
#define IP4_MIN_HLEN 20
#define IP6_HLEN 40
#define TCP_MIN_HLEN 20
#define UDP_HLEN 8
#define IP6_MAX_EXT 8

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

	if (avail < TCP_MIN_HLEN)
		return PKT_MALFORMED;
	doff = (uint32_t)(l4[12] >> 4) * 4;
	/* The options are part of the header: they must all be there. */
	if (doff < TCP_MIN_HLEN || doff > avail)
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
	if (avail < UDP_HLEN)
		return PKT_MALFORMED;
	out->sport = rd16(l4);
	out->dport = rd16(l4 + 2);
	out->has_ports = true;
	set_payload(out, l4 + UDP_HLEN, len - UDP_HLEN, avail - UDP_HLEN);
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

static enum pkt_status parse_ip4(const uint8_t *b, uint32_t rem,
				 struct pkt *out)
{
	uint32_t ihl, tot, avail;
	uint16_t frag;

	if (rem < IP4_MIN_HLEN || b[0] >> 4 != 4)
		return PKT_MALFORMED;
	ihl = (uint32_t)(b[0] & 0x0f) * 4;
	if (ihl < IP4_MIN_HLEN || ihl > rem)
		return PKT_MALFORMED;
	tot = rd16(b + 2);
	/*
	 * A total length of 0 is what TSO/BIG TCP packets carry when seen
	 * on the sending host; tcpdump then trusts the captured length,
	 * and so do we.
	 */
	if (tot == 0)
		tot = rem;
	if (tot < ihl)
		return PKT_MALFORMED;
	out->family = 4;
	memcpy(&out->src.a[0], b + 12, 4);
	memcpy(&out->dst.a[0], b + 16, 4);
	out->l4proto = b[9];
	frag = rd16(b + 6);
	out->fragment = (frag & 0x3fff) != 0; /* MF or an offset */
	avail = min_u32(tot, rem) - ihl;
	if (frag & 0x1fff) {
		/* Not the first fragment: no L4 header here. */
		set_payload(out, b + ihl, tot - ihl, avail);
		return PKT_OK;
	}
	return parse_l4(b + ihl, tot - ihl, avail, out);
}

static bool ip6_is_ext(uint8_t nh)
{
	return nh == 0 || nh == 43 || nh == 60 || nh == 44 || nh == 51;
}

/*
 * Walk at most IP6_MAX_EXT extension headers.  *off moves past each one;
 * returns 1 when a non-first fragment ends the walk, 0 when an upper-layer
 * protocol is reached, -1 when the chain is truncated, inconsistent or too
 * long.
 */
static int ip6_walk_ext(const uint8_t *p, uint32_t avail, uint32_t *off,
			struct pkt *out)
{
	uint8_t nh = out->l4proto;
	uint16_t frag;
	uint32_t hlen;
	int i;

	for (i = 0; i < IP6_MAX_EXT && ip6_is_ext(nh); i++) {
		if (avail - *off < 8) /* every extension header is >= 8 */
			return -1;
		if (nh == 51) /* AH counts 4-byte words, less 2 */
			hlen = ((uint32_t)p[*off + 1] + 2) * 4;
		else if (nh == 44) /* fragment header: fixed size */
			hlen = 8;
		else
			hlen = ((uint32_t)p[*off + 1] + 1) * 8;
		if (hlen > avail - *off)
			return -1;
		frag = nh == 44 ? rd16(p + *off + 2) : 0;
		nh = p[*off];
		*off += hlen;
		out->l4proto = nh;
		if (frag & 0xfff9) /* an offset, or more fragments */
			out->fragment = true;
		if (frag & 0xfff8)
			return 1;
	}
	return ip6_is_ext(nh) ? -1 : 0;
}

static enum pkt_status parse_ip6(const uint8_t *b, uint32_t rem,
				 struct pkt *out)
{
	uint32_t len, avail, off = 0;
	int ret;

	if (rem < IP6_HLEN || b[0] >> 4 != 6)
		return PKT_MALFORMED;
	len = rd16(b + 4);
	/* 0 means a jumbogram: as with IPv4 TSO, trust the capture. */
	if (len == 0)
		len = rem - IP6_HLEN;
	avail = min_u32(len, rem - IP6_HLEN);
	out->family = 6;
	memcpy(out->src.a, b + 8, 16);
	memcpy(out->dst.a, b + 24, 16);
	out->l4proto = b[6];
	ret = ip6_walk_ext(b + IP6_HLEN, avail, &off, out);
	if (ret < 0)
		return PKT_MALFORMED;
	if (ret > 0) {
		set_payload(out, b + IP6_HLEN + off, len - off, avail - off);
		return PKT_OK;
	}
	return parse_l4(b + IP6_HLEN + off, len - off, avail - off, out);
}

static enum pkt_status parse_l3(const uint8_t *frame, uint32_t caplen,
				uint32_t off, uint16_t etype, struct pkt *out)
{
	while (etype == ETH_P_8021Q || etype == ETH_P_8021AD) {
		/* Deeper stacks are not parsed (nor classified). */
		if (out->nvlan == PKT_VLAN_MAX)
			return PKT_NOT_IP;
		if (caplen - off < VLAN_HLEN)
			return PKT_MALFORMED;
		out->vlan[out->nvlan++] = rd16(frame + off) & 0x0fff;
		etype = rd16(frame + off + 2);
		off += VLAN_HLEN;
	}
	out->l3_off = off;
	if (etype == ETH_P_IP)
		return parse_ip4(frame + off, caplen - off, out);
	if (etype == ETH_P_IPV6)
		return parse_ip6(frame + off, caplen - off, out);
	return PKT_NOT_IP;
}

static enum pkt_status parse_raw(const uint8_t *frame, uint32_t caplen,
				 struct pkt *out)
{
	if (caplen < 1)
		return PKT_MALFORMED;
	switch (frame[0] >> 4) {
	case 4:
		return parse_ip4(frame, caplen, out);
	case 6:
		return parse_ip6(frame, caplen, out);
	default:
		return PKT_MALFORMED;
	}
}

enum pkt_status pkt_parse(const uint8_t *frame, uint32_t caplen, int linktype,
			  struct pkt *out)
{
	memset(out, 0, sizeof(*out));
	if (!frame)
		caplen = 0;
	switch (linktype) {
	case LINKTYPE_ETHERNET:
		if (caplen < ETH_HLEN)
			return PKT_MALFORMED;
		return parse_l3(frame, caplen, ETH_HLEN, rd16(frame + 12), out);
	case LINKTYPE_LINUX_SLL:
		if (caplen < SLL_HLEN)
			return PKT_MALFORMED;
		return parse_l3(frame, caplen, SLL_HLEN, rd16(frame + 14), out);
	case LINKTYPE_LINUX_SLL2:
		if (caplen < SLL2_HLEN)
			return PKT_MALFORMED;
		return parse_l3(frame, caplen, SLL2_HLEN, rd16(frame), out);
	case LINKTYPE_RAW:
	case LINKTYPE_IPV4:
	case LINKTYPE_IPV6:
		return parse_raw(frame, caplen, out);
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
