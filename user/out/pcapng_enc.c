// SPDX-License-Identifier: GPL-2.0
/*
 * pcapng_enc: block encoding (pcapng_enc.h).  A block is type, total
 * length, body, options (code, length, value padded to 4 bytes, then
 * opt_endofopt), total length again.
 */
#include <string.h>

#include "out/pcapng_enc.h"

#define OPT_END 0
#define OPT_COMMENT 1
#define SHB_OS 3
#define SHB_USERAPPL 4
#define IF_NAME 2
#define IF_TSRESOL 9
#define EPB_DROPCOUNT 4
#define EPB_QUEUE 6
#define ISB_STARTTIME 2
#define ISB_ENDTIME 3
#define ISB_IFRECV 4
#define ISB_IFDROP 5
#define ISB_OSDROP 7
#define ISB_USRDELIV 8

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* A cursor over the caller's buffer; past cap it only counts. */
struct cur {
	uint8_t *buf;
	size_t cap, len;
};

static void put(struct cur *c, const void *p, size_t n)
{
	if (c->len + n <= c->cap)
		memcpy(c->buf + c->len, p, n);
	c->len += n;
}

static void put32(struct cur *c, uint32_t v)
{
	put(c, &v, 4);
}

static void opt(struct cur *c, uint16_t code, const void *p, uint16_t n)
{
	static const uint8_t zero[4];
	uint16_t h[2] = {code, n};

	put(c, h, 4);
	put(c, p, n);
	put(c, zero, pad4(n) - n);
}

static void opt_str(struct cur *c, uint16_t code, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n)
		opt(c, code, s, n < 0xfff0 ? n : 0xfff0);
}

static void opt_u64(struct cur *c, uint16_t code, uint64_t v)
{
	if (v != PCAPNG_UNKNOWN)
		opt(c, code, &v, 8);
}

/* A timestamp in if_tsresol 9 units: high word first. */
static void opt_ts(struct cur *c, uint16_t code, uint64_t ns)
{
	uint32_t w[2] = {ns >> 32, (uint32_t)ns};

	if (ns != PCAPNG_UNKNOWN)
		opt(c, code, w, 8);
}

/* Options end, the trailing length, and the leading one filled in. */
static size_t end_block(struct cur *c)
{
	uint32_t total;

	put32(c, OPT_END);
	total = c->len + 4;
	put32(c, total);
	if (c->len > c->cap)
		return 0;
	memcpy(c->buf + 4, &total, 4);
	return c->len;
}

size_t pcapng_shb(uint8_t *buf, size_t cap, const char *os, const char *appl)
{
	struct cur c = {buf, cap, 0};
	uint16_t ver[2] = {1, 0};
	int64_t section = -1;

	put32(&c, PCAPNG_SHB);
	put32(&c, 0);
	put32(&c, PCAPNG_BOM);
	put(&c, ver, 4);
	put(&c, &section, 8);
	opt_str(&c, SHB_OS, os);
	opt_str(&c, SHB_USERAPPL, appl);
	return end_block(&c);
}

size_t pcapng_idb(uint8_t *buf, size_t cap, uint16_t linktype, uint32_t snaplen,
		  const char *ifname, const char *comment)
{
	struct cur c = {buf, cap, 0};
	uint16_t lt[2] = {linktype, 0};
	uint8_t resol = 9;

	put32(&c, PCAPNG_IDB);
	put32(&c, 0);
	put(&c, lt, 4);
	put32(&c, snaplen);
	opt_str(&c, OPT_COMMENT, comment);
	opt_str(&c, IF_NAME, ifname);
	opt(&c, IF_TSRESOL, &resol, 1);
	return end_block(&c);
}

static size_t epb_opts_len(const struct pcapng_epb_opts *o)
{
	size_t n = 0;

	if (o->queue != PCAPNG_UNKNOWN)
		n += 8;
	if (o->drops)
		n += 12;
	return n ? n + 4 : 0;
}

uint32_t pcapng_epb_len(uint32_t caplen, const struct pcapng_epb_opts *o)
{
	return PCAPNG_EPB_HDR_LEN + pad4(caplen) + epb_opts_len(o) + 4;
}

void pcapng_epb_head(void *hdr, uint32_t ifid, uint64_t ts_ns, uint32_t caplen,
		     uint32_t origlen, uint32_t total)
{
	uint32_t h[7] = {PCAPNG_EPB,	  total,  ifid,	  ts_ns >> 32,
			 (uint32_t)ts_ns, caplen, origlen};

	memcpy(hdr, h, sizeof(h));
}

size_t pcapng_epb_tail(uint8_t *buf, uint32_t caplen,
		       const struct pcapng_epb_opts *o, uint32_t total)
{
	static const uint8_t zero[4];
	struct cur c = {buf, PCAPNG_EPB_TAIL_MAX, 0};

	put(&c, zero, pad4(caplen) - caplen);
	if (epb_opts_len(o)) {
		if (o->queue != PCAPNG_UNKNOWN) {
			uint32_t q = o->queue;

			opt(&c, EPB_QUEUE, &q, 4);
		}
		if (o->drops)
			opt(&c, EPB_DROPCOUNT, &o->drops, 8);
		put32(&c, OPT_END);
	}
	put32(&c, total);
	return c.len;
}

size_t pcapng_isb(uint8_t *buf, size_t cap, uint32_t ifid, uint64_t ts_ns,
		  const struct pcapng_isb_vals *v)
{
	struct cur c = {buf, cap, 0};

	put32(&c, PCAPNG_ISB);
	put32(&c, 0);
	put32(&c, ifid);
	put32(&c, ts_ns >> 32);
	put32(&c, (uint32_t)ts_ns);
	opt_ts(&c, ISB_STARTTIME, v->start_ns);
	opt_ts(&c, ISB_ENDTIME, ts_ns);
	opt_u64(&c, ISB_IFRECV, v->ifrecv);
	opt_u64(&c, ISB_IFDROP, v->ifdrop);
	opt_u64(&c, ISB_OSDROP, v->osdrop);
	opt_u64(&c, ISB_USRDELIV, v->usrdeliv);
	return end_block(&c);
}

void pcapng_pad(uint8_t *buf, uint32_t len)
{
	const uint32_t h[2] = {PCAPNG_PAD, len};

	memcpy(buf, h, sizeof(h));
	memset(buf + 8, 0, len - 12);
	memcpy(buf + len - 4, &len, 4);
}
