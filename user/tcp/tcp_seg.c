// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_seg: TCP options, checksums and frames of the receive engine.
 *
 * The checksum sums native 32-bit words into 64 bits and folds at the
 * end: the ones' complement sum does not depend on the byte order it is
 * taken in, so the folded value is stored as it is (RFC 1071).  A piece
 * that starts at an odd offset of the segment has its sum byte-swapped.
 */
#include <string.h>

#include "tcp/tcp_seg.h"

#define ETH_HLEN 14
#define IP4_HLEN 20
#define IP6_HLEN 40
#define TCP_HLEN 20

#define OPT_EOL 0
#define OPT_NOP 1
#define OPT_MSS 2
#define OPT_WS 3
#define OPT_SACK_OK 4
#define OPT_SACK 5
#define OPT_TS 8

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

int tcp_opts_parse(const uint8_t *th, uint32_t doff, struct tcp_opts *o)
{
	const uint8_t *p = th + TCP_HLEN, *end = th + doff;
	uint32_t i;

	memset(o, 0, sizeof(*o));
	while (p < end) {
		uint8_t kind = p[0], len;

		if (kind == OPT_EOL)
			break;
		if (kind == OPT_NOP) {
			p++;
			continue;
		}
		if (end - p < 2)
			return -1;
		len = p[1];
		if (len < 2 || len > end - p)
			return -1;
		switch (kind) {
		case OPT_MSS:
			if (len == 4) {
				o->has_mss = true;
				o->mss = (uint16_t)(p[2] << 8 | p[3]);
			}
			break;
		case OPT_WS:
			if (len == 3) {
				o->has_wscale = true;
				o->wscale = p[2] > 14 ? 14 : p[2];
			}
			break;
		case OPT_SACK_OK:
			if (len == 2)
				o->sack_ok = true;
			break;
		case OPT_SACK:
			if ((len - 2) % 8)
				break;
			for (i = 0; i < (len - 2u) / 8 && i < TCP_SEG_MAX_SACK;
			     i++) {
				o->sack[i].left = rd32(p + 2 + 8 * i);
				o->sack[i].right = rd32(p + 6 + 8 * i);
			}
			o->nsack = i;
			break;
		case OPT_TS:
			if (len == 10) {
				o->has_ts = true;
				o->tsval = rd32(p + 2);
				o->tsecr = rd32(p + 6);
			}
			break;
		default:
			break;
		}
		p += len;
	}
	return 0;
}

static uint64_t sum_native(const uint8_t *p, uint32_t len)
{
	uint64_t s = 0;
	uint32_t w;
	uint16_t h;

	while (len >= 4) {
		memcpy(&w, p, 4);
		s += w;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		memcpy(&h, p, 2);
		s += h;
		p += 2;
		len -= 2;
	}
	if (len) {
		h = 0;
		memcpy(&h, p, 1);
		s += h;
	}
	return s;
}

static uint16_t fold16(uint64_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

void tcp_csum_add(struct tcp_csum *c, const void *p, uint32_t len)
{
	uint16_t s;

	if (!len)
		return;
	s = fold16(sum_native(p, len));
	/* This piece's even bytes are the odd ones of the segment. */
	c->sum += c->odd ? (uint16_t)(s << 8 | s >> 8) : s;
	c->odd ^= len & 1;
}

uint16_t tcp_csum_fold(const struct tcp_csum *c)
{
	return (uint16_t)~fold16(c->sum);
}

void tcp_csum_pseudo(struct tcp_csum *c, int family, const struct pkt_addr *src,
		     const struct pkt_addr *dst, uint32_t len)
{
	uint8_t tail[8] = {0};

	if (family == 4) {
		tcp_csum_add(c, src->a, 4);
		tcp_csum_add(c, dst->a, 4);
		tail[1] = 6; /* IPPROTO_TCP */
		wr16(tail + 2, (uint16_t)len);
		tcp_csum_add(c, tail, 4);
		return;
	}
	tcp_csum_add(c, src->a, 16);
	tcp_csum_add(c, dst->a, 16);
	wr32(tail, len);
	tail[7] = 6;
	tcp_csum_add(c, tail, 8);
}

enum tcp_csum_result tcp_seg_verify(const struct pkt *p,
				    const struct iovec *frag,
				    unsigned int nfrag)
{
	const uint8_t *frame = frag[0].iov_base, *ip = frame + p->l3_off;
	uint32_t hlen = p->payload - p->l4, left, n, i;
	struct tcp_csum c = {0}, ph = {0};
	uint16_t field, partial;

	if (p->family == 4) {
		struct tcp_csum ic = {0};

		tcp_csum_add(&ic, ip, (ip[0] & 15) * 4u);
		if (tcp_csum_fold(&ic))
			return TCP_CSUM_IP_BAD;
	}
	tcp_csum_pseudo(&ph, p->family, &p->src, &p->dst,
			hlen + p->payload_len);
	c = ph;
	tcp_csum_add(&c, p->l4, hlen);
	left = p->payload_len;
	n = p->payload_caplen < left ? p->payload_caplen : left;
	tcp_csum_add(&c, p->payload, n);
	left -= n;
	for (i = 1; i < nfrag && left; i++) {
		n = frag[i].iov_len < left ? frag[i].iov_len : left;
		tcp_csum_add(&c, frag[i].iov_base, n);
		left -= n;
	}
	if (!tcp_csum_fold(&c))
		return TCP_CSUM_OK;
	memcpy(&field, p->l4 + 16, 2);
	partial = (uint16_t)~tcp_csum_fold(&ph);
	return field == partial ? TCP_CSUM_PARTIAL : TCP_CSUM_BAD;
}

/* The options of s at o; returns their length, a multiple of 4. */
static uint32_t put_opts(uint8_t *o, const struct tcp_seg_out *s)
{
	uint8_t *p = o;
	unsigned int i;

	if (s->mss) {
		p[0] = OPT_MSS;
		p[1] = 4;
		wr16(p + 2, s->mss);
		p += 4;
	}
	if (s->sack_ok && s->ts) {
		p[0] = OPT_SACK_OK;
		p[1] = 2;
		p += 2;
	} else if (s->ts || s->sack_ok) {
		p[0] = p[1] = OPT_NOP;
		if (s->sack_ok) {
			p[2] = OPT_SACK_OK;
			p[3] = 2;
		}
		p += s->sack_ok ? 4 : 2;
	}
	if (s->ts) {
		p[0] = OPT_TS;
		p[1] = 10;
		wr32(p + 2, s->tsval);
		wr32(p + 6, s->tsecr);
		p += 10;
	}
	if (s->wscale >= 0) {
		p[0] = OPT_NOP;
		p[1] = OPT_WS;
		p[2] = 3;
		p[3] = (uint8_t)s->wscale;
		p += 4;
	}
	if (s->nsack) {
		p[0] = p[1] = OPT_NOP;
		p[2] = OPT_SACK;
		p[3] = 2 + 8 * s->nsack;
		p += 4;
		for (i = 0; i < s->nsack; i++) {
			wr32(p, s->sack[i].left);
			wr32(p + 4, s->sack[i].right);
			p += 8;
		}
	}
	return p - o;
}

uint32_t tcp_seg_build(uint8_t *buf, uint32_t cap, const struct tcp_seg_out *s)
{
	uint32_t iphl = s->family == 4 ? IP4_HLEN : IP6_HLEN;
	uint8_t opts[40], *ip = buf + ETH_HLEN, *th = ip + iphl;
	uint32_t olen, tcplen, total;
	struct tcp_csum c = {0};
	uint16_t sum;

	if (s->nsack > (s->ts ? 3 : 4))
		return 0;
	olen = put_opts(opts, s);
	if (olen > sizeof(opts))
		return 0;
	tcplen = TCP_HLEN + olen + s->len;
	total = ETH_HLEN + iphl + tcplen;
	if (total > cap || tcplen + (s->family == 4 ? IP4_HLEN : 0) > 65535)
		return 0;
	memcpy(buf, s->dst_mac, 6);
	memcpy(buf + 6, s->src_mac, 6);
	wr16(buf + 12, s->family == 4 ? 0x0800 : 0x86dd);
	if (s->family == 4) {
		memset(ip, 0, IP4_HLEN);
		ip[0] = 0x45;
		wr16(ip + 2, (uint16_t)(IP4_HLEN + tcplen));
		wr16(ip + 6, 0x4000); /* DF */
		ip[8] = 64;
		ip[9] = 6;
		memcpy(ip + 12, s->src->a, 4);
		memcpy(ip + 16, s->dst->a, 4);
		tcp_csum_add(&c, ip, IP4_HLEN);
		sum = tcp_csum_fold(&c);
		memcpy(ip + 10, &sum, 2);
	} else {
		memset(ip, 0, IP6_HLEN);
		ip[0] = 0x60;
		wr16(ip + 4, (uint16_t)tcplen);
		ip[6] = 6;
		ip[7] = 64;
		memcpy(ip + 8, s->src->a, 16);
		memcpy(ip + 24, s->dst->a, 16);
	}
	wr16(th, s->sport);
	wr16(th + 2, s->dport);
	wr32(th + 4, s->seq);
	wr32(th + 8, s->ack);
	th[12] = (uint8_t)((TCP_HLEN + olen) / 4 << 4);
	th[13] = s->flags;
	wr16(th + 14, s->win);
	memset(th + 16, 0, 4);
	memcpy(th + TCP_HLEN, opts, olen);
	if (s->len)
		memcpy(th + TCP_HLEN + olen, s->payload, s->len);
	memset(&c, 0, sizeof(c));
	tcp_csum_pseudo(&c, s->family, s->src, s->dst, tcplen);
	tcp_csum_add(&c, th, tcplen);
	sum = tcp_csum_fold(&c);
	memcpy(th + 16, &sum, 2);
	return total;
}
