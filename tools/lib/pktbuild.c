// SPDX-License-Identifier: GPL-2.0
/*
 * pktbuild: the frame builder of the tests and tracegen (pktbuild.h).
 * Headers are written field by field in network byte order, so a frame
 * is the same bytes on any host.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pktbuild.h"

#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_ICMP_ 1

void pb_put16(uint8_t *at, uint16_t v)
{
	at[0] = v >> 8;
	at[1] = v & 0xff;
}

void pb_put32(uint8_t *at, uint32_t v)
{
	pb_put16(at, v >> 16);
	pb_put16(at + 2, v & 0xffff);
}

void pb_init(struct pb *p)
{
	/* The buffer is zeroed as it is used (pb_put), not here. */
	p->len = p->l3 = p->l4 = p->hend = 0;
	p->family = 0;
	p->l4proto = 0;
	p->nhdr = 0;
}

uint8_t *pb_put(struct pb *p, uint32_t n)
{
	uint8_t *at = p->b + p->len;

	if (n > PB_FRAME_MAX - p->len) {
		fprintf(stderr, "pktbuild: frame past %u bytes\n",
			PB_FRAME_MAX);
		abort();
	}
	memset(at, 0, n);
	p->len += n;
	return at;
}

/* A header of n bytes: recorded, and the payload starts after it. */
static uint8_t *hdr(struct pb *p, uint32_t n)
{
	uint8_t *at = pb_put(p, n);

	if (p->nhdr < PB_MAX_HDRS) {
		p->hdr[p->nhdr].off = at - p->b;
		p->hdr[p->nhdr].len = n;
		p->nhdr++;
	}
	p->hend = p->len;
	return at;
}

uint8_t *pb_payload(struct pb *p, const void *data, uint32_t n)
{
	uint8_t *at = pb_put(p, n);
	uint32_t i;

	if (data)
		memcpy(at, data, n);
	else
		for (i = 0; i < n; i++)
			at[i] = 0xc0 + i;
	return at;
}

void pb_eth(struct pb *p, const void *dst, const void *src, uint16_t etype)
{
	uint8_t *at = hdr(p, 14);

	memcpy(at, dst ? dst : PB_MAC_DST, 6);
	memcpy(at + 6, src ? src : PB_MAC_SRC, 6);
	pb_put16(at + 12, etype);
}

void pb_vlan(struct pb *p, uint16_t tci, uint16_t etype)
{
	uint8_t *at = hdr(p, 4);

	pb_put16(at, tci);
	pb_put16(at + 2, etype);
}

void pb_sll(struct pb *p, uint16_t proto)
{
	pb_put16(hdr(p, 16) + 14, proto);
}

void pb_sll2(struct pb *p, uint16_t proto)
{
	pb_put16(hdr(p, 20), proto);
}

void pb_ipv4(struct pb *p, const struct pb_ip4 *h)
{
	static const uint8_t src[4] = {198, 18, 0, 1}, dst[4] = {198, 18, 0, 2};
	uint8_t *at;

	p->l3 = p->len;
	p->family = 4;
	at = hdr(p, 20);
	if (h->opt_len)
		hdr(p, h->opt_len);
	at[0] = 0x40 | (20 + h->opt_len) / 4;
	at[1] = h->tos;
	pb_put16(at + 4, h->id);
	pb_put16(at + 6, h->frag);
	at[8] = h->ttl ? h->ttl : 64;
	at[9] = h->proto;
	memcpy(at + 12, h->src ? h->src : src, 4);
	memcpy(at + 16, h->dst ? h->dst : dst, 4);
	memset(at + 20, 1, h->opt_len); /* NOP options */
}

void pb_ipv6(struct pb *p, const struct pb_ip6 *h)
{
	static const uint8_t src[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	static const uint8_t dst[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
	uint8_t *at;

	p->l3 = p->len;
	p->family = 6;
	at = hdr(p, 40);
	at[0] = 0x60;
	at[6] = h->nh;
	at[7] = h->hop ? h->hop : 64;
	memcpy(at + 8, h->src ? h->src : src, 16);
	memcpy(at + 24, h->dst ? h->dst : dst, 16);
}

void pb_ipv6_ext(struct pb *p, uint8_t type, uint8_t nh, uint32_t len)
{
	uint8_t *at = hdr(p, len);

	at[0] = nh;
	/* AH counts 4-byte words less 2, the others 8-byte words less 1. */
	at[1] = type == 51 ? len / 4 - 2 : type == 44 ? 0 : len / 8 - 1;
	if ((type == 0 || type == 60) && len >= 8) {
		at[2] = 1; /* PadN over the rest */
		at[3] = len - 4;
	}
}

void pb_ipv6_frag(struct pb *p, uint8_t nh, uint16_t off_flags, uint32_t id)
{
	uint8_t *at = hdr(p, 8);

	at[0] = nh;
	pb_put16(at + 2, off_flags);
	pb_put32(at + 4, id);
}

void pb_tcp(struct pb *p, const struct pb_tcp *t)
{
	uint8_t *at;

	p->l4 = p->len;
	p->l4proto = IPPROTO_TCP_;
	at = hdr(p, 20);
	if (t->opt_len)
		hdr(p, t->opt_len);
	pb_put16(at, t->sport);
	pb_put16(at + 2, t->dport);
	pb_put32(at + 4, t->seq);
	pb_put32(at + 8, t->ack);
	at[12] = (20 + t->opt_len) / 4 << 4;
	at[13] = t->flags;
	pb_put16(at + 14, t->win);
	if (t->opts)
		memcpy(at + 20, t->opts, t->opt_len);
	else
		memset(at + 20, 1, t->opt_len); /* NOPs */
}

void pb_udp(struct pb *p, uint16_t sport, uint16_t dport)
{
	uint8_t *at;

	p->l4 = p->len;
	p->l4proto = IPPROTO_UDP_;
	at = hdr(p, 8);
	pb_put16(at, sport);
	pb_put16(at + 2, dport);
}

void pb_icmp(struct pb *p, uint8_t type, uint8_t code)
{
	uint8_t *at;

	p->l4 = p->len;
	p->l4proto = IPPROTO_ICMP_;
	at = hdr(p, 8);
	at[0] = type;
	at[1] = code;
}

/* Ones'-complement sum of big-endian 16-bit words; n even but the last. */
static uint64_t csum_add(uint64_t sum, const uint8_t *at, uint32_t n)
{
	uint32_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)at[i] << 8 | at[i + 1];
	if (n & 1)
		sum += (uint32_t)at[n - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The TCP/UDP pseudo-header of the IP header at l3. */
static uint64_t pseudo(const struct pb *p, uint32_t l4len)
{
	const uint8_t *ip = p->b + p->l3;
	int alen = p->family == 4 ? 4 : 16;
	const uint8_t *src = ip + (p->family == 4 ? 12 : 8);
	uint8_t ph[4] = {0, p->l4proto};

	pb_put16(ph + 2, l4len);
	return csum_add(csum_add(csum_add(0, src, alen), src + alen, alen), ph,
			4);
}

void pb_finish(struct pb *p)
{
	uint8_t *ip = p->b + p->l3, *l4 = p->b + p->l4;
	uint32_t l4len = p->len - p->l4;
	uint16_t sum;

	if (p->family == 4) {
		pb_put16(ip + 2, p->len - p->l3);
		pb_put16(ip + 10, 0);
		pb_put16(ip + 10, csum_fold(csum_add(0, ip, (ip[0] & 15) * 4)));
	} else if (p->family == 6) {
		pb_put16(ip + 4, p->len - p->l3 - 40);
	}
	if (!p->family)
		return;
	switch (p->l4proto) {
	case IPPROTO_TCP_:
		pb_put16(l4 + 16, 0);
		pb_put16(l4 + 16,
			 csum_fold(csum_add(pseudo(p, l4len), l4, l4len)));
		break;
	case IPPROTO_UDP_:
		pb_put16(l4 + 4, l4len);
		pb_put16(l4 + 6, 0);
		sum = csum_fold(csum_add(pseudo(p, l4len), l4, l4len));
		pb_put16(l4 + 6, sum ? sum : 0xffff); /* 0 is "no checksum" */
		break;
	case IPPROTO_ICMP_:
		pb_put16(l4 + 2, 0);
		pb_put16(l4 + 2, csum_fold(csum_add(0, l4, l4len)));
		break;
	}
}
