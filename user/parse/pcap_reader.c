// SPDX-License-Identifier: GPL-2.0
/*
 * pcap_reader: owns the offline input of a capture file, its read chunks
 * and the per-section interface table of pcapng.
 *
 * Input is read with read(2) into 1 MiB reference-counted chunks, refilled
 * only when the parse position runs out of bytes: one syscall per MiB of a
 * regular file, no malloc per record.  A record is handed out as a pointer
 * into its chunk.  When a record straddles the end of a chunk, the partial
 * bytes are moved to the start of a fresh chunk (or, when nobody else holds
 * the current chunk, to its own start); records that fit are never copied.
 * Chunks go back to a small free list when their last reference is dropped.
 * They belong to a pool that outlives the reader while any chunk is held, so
 * a consumer may buf_put() after pcap_reader_close(): the release callback
 * only touches the pool, never the reader.
 *
 * Choices:
 * - caplen above PCAP_MAX_CAPLEN is always corrupt.  caplen above the
 *   file's (pcap) or interface's (pcapng) snaplen is corrupt when that
 *   snaplen is sane, i.e. between 1 and PCAP_MAX_CAPLEN; writers put 0 or
 *   huge values there to mean "no limit", so those are not checked.
 *   (libpcap truncates such records instead; a record longer than the file
 *   says it can be is more likely damage than data.)
 * - pcapng blocks longer than 16 MiB, shorter than 12 bytes, not a multiple
 *   of 4 or whose trailing length differs are corrupt.  A packet block (or
 *   SHB/IDB) must fit in a chunk (1 MiB, so its options may take 768 KiB);
 *   other blocks up to 16 MiB are skipped as a stream.
 * - A Simple Packet Block has no timestamp: ts_ns is 0.  Its caplen is
 *   the smallest of its original length, its block room and interface 0's
 *   snaplen (when non-zero).  The obsolete Packet Block (type 2) is read
 *   like an EPB.
 * - Unknown link types are reported in rec.linktype, not refused here.
 *   A pcap header's link type field carries FCS bits above bit 25
 *   (LT_LINKTYPE in libpcap): rec.linktype is the link type proper,
 *   rec.linktype_field the whole field, for messages.
 * - A pcapng file must define an interface (IDB) before its first packet
 *   block, as libpcap requires: else it is refused at open, since the
 *   pcap output's link type comes from that interface.
 * - Errors: -EINVAL for a malformed input, -errno for a failed read; the
 *   error is sticky, and the message gives the offset of the bad record.
 */
#include <byteswap.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parse/pcap_reader.h"

#define CHUNK_SIZE (1u << 20)
#define POOL_KEEP 4
#define NG_MAX_BLOCK (16u << 20)
#define NG_MAX_IFACES 65536
#define ERR_LEN 256

#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_MAGIC_NS 0xa1b23c4du
#define PCAP_HDR_LEN 24
#define PCAP_REC_LEN 16
#define NG_SHB 0x0a0d0d0au
#define NG_BOM 0x1a2b3c4du
#define NG_IDB 1
#define NG_PB 2
#define NG_SPB 3
#define NG_EPB 6
#define NG_OPT_END 0
#define NG_OPT_TSRESOL 9
#define NG_OPT_TSOFFSET 14
#define NSEC 1000000000ull

struct chunk_pool {
	struct chunk *free;
	unsigned int nfree;
	unsigned int live; /* chunks allocated and not yet freed */
	bool closed; /* the reader is gone: free chunks on release */
};

struct chunk {
	struct buf buf;
	struct chunk_pool *pool;
	struct chunk *next;
	uint8_t data[];
};

enum ts_mode {
	TS_MUL, /* ns = ts * factor */
	TS_DIV, /* ns = ts / factor */
	TS_BIN, /* ns = ts * 1e9 >> shift */
};

struct ng_iface {
	int linktype;
	uint32_t snaplen;
	enum ts_mode mode;
	unsigned int shift;
	uint64_t factor;
	uint64_t offset_ns; /* if_tsoffset, as an unsigned wrapping addend */
};

struct pcap_reader {
	int fd;
	bool own_fd;
	bool can_wait; /* a pipe, FIFO, socket or terminal: reads may wait */
	void (*idle)(void *arg);
	void *idle_arg;
	bool eof;
	bool ng;
	bool swap;
	int err; /* sticky */
	int linktype;
	uint32_t linktype_field; /* pcap: with the FCS bits */
	uint32_t snaplen; /* pcap */
	uint32_t ts_mult; /* pcap: 1000 (us) or 1 (ns) */
	struct chunk_pool *pool;
	struct chunk *cur;
	size_t pos; /* parse position in cur */
	size_t len; /* valid bytes in cur */
	uint64_t base; /* input offset of cur->data[0] */
	struct ng_iface *ifs;
	unsigned int nifs, capifs;
	char msg[ERR_LEN];
};

static void chunk_release(struct buf *b)
{
	struct chunk *c =
		(struct chunk *)((char *)b - offsetof(struct chunk, buf));
	struct chunk_pool *pool = c->pool;

	if (!pool->closed && pool->nfree < POOL_KEEP) {
		c->next = pool->free;
		pool->free = c;
		pool->nfree++;
		return;
	}
	free(c);
	if (--pool->live == 0 && pool->closed)
		free(pool);
}

static struct chunk *chunk_new(struct chunk_pool *pool)
{
	struct chunk *c = pool->free;

	if (c) {
		pool->free = c->next;
		pool->nfree--;
	} else {
		c = malloc(sizeof(*c) + CHUNK_SIZE);
		if (!c)
			return NULL;
		c->pool = pool;
		c->buf.release = chunk_release;
		pool->live++;
	}
	c->buf.refs = 1;
	c->next = NULL;
	return c;
}

static int set_err(struct pcap_reader *r, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int set_err(struct pcap_reader *r, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	r->err = err;
	return err;
}

static inline uint32_t rd32(const struct pcap_reader *r, const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return r->swap ? bswap_32(v) : v;
}

static inline uint16_t rd16(const struct pcap_reader *r, const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return r->swap ? bswap_16(v) : v;
}

static inline size_t avail(const struct pcap_reader *r)
{
	return r->len - r->pos;
}

static inline uint64_t here(const struct pcap_reader *r)
{
	return r->base + r->pos;
}

static inline const uint8_t *cursor(const struct pcap_reader *r)
{
	return r->cur->data + r->pos;
}

/*
 * Move the unparsed tail to the start of a chunk.  In place when only the
 * reader holds the current chunk; otherwise a consumer still points into
 * it, so the tail goes to a fresh one.
 */
static int relocate(struct pcap_reader *r)
{
	size_t tail = avail(r);
	struct chunk *c = r->cur;

	if (c->buf.refs == 1) {
		memmove(c->data, c->data + r->pos, tail);
	} else {
		c = chunk_new(r->pool);
		if (!c)
			return set_err(r, -ENOMEM,
				       "out of memory for a %u-byte "
				       "read chunk",
				       CHUNK_SIZE);
		memcpy(c->data, cursor(r), tail);
		buf_put(&r->cur->buf);
		r->cur = c;
	}
	r->base += r->pos;
	r->pos = 0;
	r->len = tail;
	return 0;
}

static bool input_ready(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, 0) != 0;
}

/*
 * Make at least need (<= CHUNK_SIZE) bytes available at the parse position.
 * Returns 0 when they are, 1 when the input ended first, or -errno.
 */
static int fill(struct pcap_reader *r, size_t need)
{
	ssize_t n;
	int ret;

	if (r->pos + need > CHUNK_SIZE) {
		ret = relocate(r);
		if (ret)
			return ret;
	}
	while (avail(r) < need) {
		if (r->eof)
			return 1;
		if (r->idle && r->can_wait && !input_ready(r->fd))
			r->idle(r->idle_arg);
		n = read(r->fd, r->cur->data + r->len, CHUNK_SIZE - r->len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return set_err(r, -errno,
				       "read error at offset %llu: %s",
				       (unsigned long long)(r->base + r->len),
				       strerror(errno));
		}
		if (n == 0)
			r->eof = true;
		r->len += n;
	}
	return 0;
}

/*
 * fill() for a header: 1 when it is there, 0 at a clean end of input
 * (no byte of it present), or an error naming what was cut short.
 */
static int need_header(struct pcap_reader *r, size_t need, const char *what)
{
	int ret = fill(r, need);

	if (ret < 0)
		return ret;
	if (ret == 0)
		return 1;
	if (avail(r) == 0)
		return 0;
	return set_err(r, -EINVAL,
		       "truncated %s at offset %llu: %zu bytes needed, %zu "
		       "present",
		       what, (unsigned long long)here(r), need, avail(r));
}

/* fill() for a whole record whose header announced len body bytes. */
static int need_body(struct pcap_reader *r, size_t hdr, size_t len,
		     const char *what)
{
	int ret = fill(r, hdr + len);

	if (ret <= 0)
		return ret;
	return set_err(
		r, -EINVAL,
		"truncated %s at offset %llu: header says %zu bytes, %zu "
		"present",
		what, (unsigned long long)here(r), len, avail(r) - hdr);
}

static int check_caplen(struct pcap_reader *r, uint32_t caplen,
			uint32_t snaplen, uint64_t off)
{
	if (caplen > PCAP_MAX_CAPLEN)
		return set_err(r, -EINVAL,
			       "record at offset %llu: caplen %u exceeds the "
			       "maximum %u",
			       (unsigned long long)off, caplen,
			       PCAP_MAX_CAPLEN);
	if (snaplen && snaplen <= PCAP_MAX_CAPLEN && caplen > snaplen)
		return set_err(r, -EINVAL,
			       "record at offset %llu: caplen %u exceeds "
			       "snaplen %u",
			       (unsigned long long)off, caplen, snaplen);
	return 0;
}

static int pcap_next(struct pcap_reader *r, struct pcap_rec *rec)
{
	const uint8_t *h;
	uint32_t caplen;
	int ret;

	if (avail(r) < PCAP_REC_LEN) {
		ret = need_header(r, PCAP_REC_LEN, "record header");
		if (ret <= 0)
			return ret;
	}
	h = cursor(r);
	caplen = rd32(r, h + 8);
	ret = check_caplen(r, caplen, r->snaplen, here(r));
	if (ret)
		return ret;
	if (avail(r) < PCAP_REC_LEN + caplen) {
		ret = need_body(r, PCAP_REC_LEN, caplen, "record");
		if (ret)
			return ret;
		h = cursor(r);
	}
	rec->ts_ns = rd32(r, h) * NSEC + (uint64_t)rd32(r, h + 4) * r->ts_mult;
	rec->caplen = caplen;
	rec->wirelen = rd32(r, h + 12);
	rec->linktype = r->linktype;
	rec->linktype_field = r->linktype_field;
	rec->iface = 0;
	rec->offset = here(r);
	rec->data = h + PCAP_REC_LEN;
	rec->buf = &r->cur->buf;
	r->pos += PCAP_REC_LEN + caplen;
	return 1;
}

static int pcap_open_hdr(struct pcap_reader *r, uint32_t magic)
{
	const uint8_t *h;
	int ret;

	r->swap = magic != PCAP_MAGIC_US && magic != PCAP_MAGIC_NS;
	ret = fill(r, PCAP_HDR_LEN);
	if (ret < 0)
		return ret;
	if (ret)
		return set_err(r, -EINVAL,
			       "truncated pcap file header at "
			       "offset 0: %u bytes needed, %zu present",
			       PCAP_HDR_LEN, avail(r));
	h = cursor(r);
	if (rd16(r, h + 4) != 2)
		return set_err(r, -EINVAL, "unsupported pcap version %u.%u",
			       rd16(r, h + 4), rd16(r, h + 6));
	r->ts_mult = rd32(r, h) == PCAP_MAGIC_NS ? 1 : 1000;
	r->snaplen = rd32(r, h + 16);
	/* The upper bits carry FCS information (LT_LINKTYPE in libpcap). */
	r->linktype_field = rd32(r, h + 20);
	r->linktype = r->linktype_field & 0x03ffffff;
	r->pos = PCAP_HDR_LEN;
	return 0;
}

static uint64_t ng_ts(const struct ng_iface *ifc, uint64_t ts)
{
	switch (ifc->mode) {
	case TS_MUL:
		ts *= ifc->factor;
		break;
	case TS_DIV:
		ts /= ifc->factor;
		break;
	case TS_BIN:
		ts = (uint64_t)(((unsigned __int128)ts * NSEC) >> ifc->shift);
		break;
	}
	return ts + ifc->offset_ns;
}

static void ng_set_tsresol(struct ng_iface *ifc, uint8_t v)
{
	unsigned int k = v & 0x7f;
	uint64_t f = 1;

	if (v & 0x80) {
		ifc->mode = TS_BIN;
		ifc->shift = k;
		return;
	}
	if (k <= 9) {
		while (k++ < 9)
			f *= 10;
		ifc->mode = TS_MUL;
	} else if (k <= 28) {
		/* 10^19 is the largest power of ten in 64 bits. */
		while (k-- > 9)
			f *= 10;
		ifc->mode = TS_DIV;
	} else {
		/* Units below 1e-28 s: any 64-bit count is under 1 ns. */
		f = 0;
		ifc->mode = TS_MUL;
	}
	ifc->factor = f;
}

static int ng_idb_opts(struct pcap_reader *r, struct ng_iface *ifc,
		       const uint8_t *p, const uint8_t *end, uint64_t off)
{
	while (end - p >= 4) {
		uint16_t code = rd16(r, p), olen = rd16(r, p + 2);
		uint64_t secs;

		if (code == NG_OPT_END)
			break;
		if ((size_t)(end - p - 4) < olen)
			return set_err(r, -EINVAL,
				       "pcapng interface block at "
				       "offset %llu: option %u overruns the "
				       "block",
				       (unsigned long long)off, code);
		if (code == NG_OPT_TSRESOL && olen >= 1) {
			ng_set_tsresol(ifc, p[4]);
		} else if (code == NG_OPT_TSOFFSET && olen == 8) {
			memcpy(&secs, p + 4, 8);
			if (r->swap)
				secs = bswap_64(secs);
			ifc->offset_ns = secs * NSEC;
		}
		p += 4 + ((olen + 3u) & ~3u);
	}
	return 0;
}

static int ng_idb(struct pcap_reader *r, const uint8_t *b, uint32_t blen,
		  uint64_t off)
{
	struct ng_iface *ifc;

	if (blen < 20)
		return set_err(r, -EINVAL,
			       "pcapng interface block at offset "
			       "%llu too short: %u bytes",
			       (unsigned long long)off, blen);
	if (r->nifs == r->capifs) {
		unsigned int cap = r->capifs ? r->capifs * 2 : 8;
		struct ng_iface *n;

		if (r->nifs >= NG_MAX_IFACES)
			return set_err(r, -EINVAL,
				       "pcapng interface block at "
				       "offset %llu: more than %u interfaces",
				       (unsigned long long)off, NG_MAX_IFACES);
		n = realloc(r->ifs, cap * sizeof(*n));
		if (!n)
			return set_err(r, -ENOMEM,
				       "out of memory for "
				       "interfaces");
		r->ifs = n;
		r->capifs = cap;
	}
	ifc = &r->ifs[r->nifs];
	memset(ifc, 0, sizeof(*ifc));
	ifc->linktype = rd16(r, b + 8);
	ifc->snaplen = rd32(r, b + 12);
	ng_set_tsresol(ifc, 6);
	if (ng_idb_opts(r, ifc, b + 16, b + blen - 4, off))
		return r->err;
	if (r->linktype < 0)
		r->linktype = ifc->linktype;
	r->nifs++;
	return 0;
}

static int ng_shb(struct pcap_reader *r, const uint8_t *b, uint32_t blen,
		  uint64_t off)
{
	if (blen < 28)
		return set_err(r, -EINVAL,
			       "pcapng section header at offset "
			       "%llu too short: %u bytes",
			       (unsigned long long)off, blen);
	if (rd16(r, b + 12) != 1)
		return set_err(r, -EINVAL,
			       "pcapng section header at offset "
			       "%llu: unsupported version %u.%u",
			       (unsigned long long)off, rd16(r, b + 12),
			       rd16(r, b + 14));
	/* Interface ids are per section. */
	r->nifs = 0;
	return 0;
}

static int ng_pkt(struct pcap_reader *r, uint32_t type, const uint8_t *b,
		  uint32_t blen, uint64_t off, struct pcap_rec *rec)
{
	const struct ng_iface *ifc;
	uint32_t id, caplen, room;
	int ret;

	if (blen < (type == NG_SPB ? 16u : 32u))
		return set_err(r, -EINVAL,
			       "pcapng packet block at offset %llu "
			       "too short: %u bytes",
			       (unsigned long long)off, blen);
	id = type == NG_EPB  ? rd32(r, b + 8)
	     : type == NG_PB ? rd16(r, b + 8)
			     : 0;
	if (id >= r->nifs)
		return set_err(r, -EINVAL,
			       "pcapng packet block at offset %llu "
			       "refers to interface %u, %u defined",
			       (unsigned long long)off, id, r->nifs);
	ifc = &r->ifs[id];
	if (type == NG_SPB) {
		rec->wirelen = rd32(r, b + 8);
		room = blen - 16;
		caplen = rec->wirelen < room ? rec->wirelen : room;
		if (ifc->snaplen && caplen > ifc->snaplen)
			caplen = ifc->snaplen;
		rec->ts_ns = 0;
		rec->data = b + 12;
	} else {
		caplen = rd32(r, b + 20);
		if (caplen > blen - 32)
			return set_err(r, -EINVAL,
				       "pcapng packet block at "
				       "offset %llu: caplen %u exceeds block "
				       "length %u",
				       (unsigned long long)off, caplen, blen);
		rec->wirelen = rd32(r, b + 24);
		rec->ts_ns = ng_ts(ifc, (uint64_t)rd32(r, b + 12) << 32 |
						rd32(r, b + 16));
		rec->data = b + 28;
	}
	ret = check_caplen(r, caplen, ifc->snaplen, off);
	if (ret)
		return ret;
	rec->caplen = caplen;
	rec->linktype = ifc->linktype;
	rec->linktype_field = ifc->linktype;
	rec->iface = id;
	rec->offset = off;
	rec->buf = &r->cur->buf;
	return 0;
}

static int ng_truncated(struct pcap_reader *r, uint64_t off, uint32_t blen,
			size_t present)
{
	return set_err(r, -EINVAL,
		       "truncated pcapng block at offset %llu: header says %u "
		       "bytes, %zu present",
		       (unsigned long long)off, blen, present);
}

/* Pass over a block too big for a chunk without holding it in memory. */
static int ng_skip_large(struct pcap_reader *r, uint32_t blen, uint64_t off)
{
	size_t left = blen - 4, take;
	uint32_t trail;
	int ret;

	while (left) {
		ret = fill(r, 1);
		if (ret < 0)
			return ret;
		if (ret)
			return ng_truncated(r, off, blen, blen - 4 - left);
		take = avail(r) < left ? avail(r) : left;
		r->pos += take;
		left -= take;
	}
	ret = fill(r, 4);
	if (ret < 0)
		return ret;
	if (ret)
		return ng_truncated(r, off, blen, blen - 4 + avail(r));
	trail = rd32(r, cursor(r));
	if (trail != blen)
		return set_err(r, -EINVAL,
			       "pcapng block at offset %llu: trailing length "
			       "%u differs from %u",
			       (unsigned long long)off, trail, blen);
	r->pos += 4;
	return 0;
}

static bool ng_is_packet(uint32_t type)
{
	return type == NG_EPB || type == NG_SPB || type == NG_PB;
}

/* Read the next block header; sets the byte order at a section header. */
static int ng_block_hdr(struct pcap_reader *r, uint32_t *type, uint32_t *blen)
{
	const uint8_t *b;
	uint32_t bom;
	int ret;

	ret = need_header(r, 8, "pcapng block header");
	if (ret <= 0)
		return ret;
	*type = rd32(r, cursor(r));
	if (*type == NG_SHB) {
		/* 8 bytes are present: this never reports a clean end. */
		ret = need_header(r, 12, "pcapng section header");
		if (ret < 0)
			return ret;
		memcpy(&bom, cursor(r) + 8, 4);
		if (bom != NG_BOM && bswap_32(bom) != NG_BOM)
			return set_err(r, -EINVAL,
				       "pcapng section header at "
				       "offset %llu: bad byte-order magic "
				       "0x%08x",
				       (unsigned long long)here(r), bom);
		r->swap = bom != NG_BOM;
	}
	b = cursor(r);
	*blen = rd32(r, b + 4);
	if (*blen < 12 || *blen % 4 || *blen > NG_MAX_BLOCK)
		return set_err(r, -EINVAL,
			       "pcapng block at offset %llu "
			       "(type 0x%x) has an absurd length of %u bytes",
			       (unsigned long long)here(r), *type, *blen);
	if (*blen > CHUNK_SIZE &&
	    (ng_is_packet(*type) || *type == NG_SHB || *type == NG_IDB))
		return set_err(r, -EINVAL,
			       "pcapng block at offset %llu "
			       "(type 0x%x) is too large to read: %u bytes",
			       (unsigned long long)here(r), *type, *blen);
	return 1;
}

static int ng_dispatch(struct pcap_reader *r, uint32_t type, uint32_t blen,
		       struct pcap_rec *rec)
{
	const uint8_t *b = cursor(r);
	uint64_t off = here(r);
	uint32_t trail = rd32(r, b + blen - 4);

	if (trail != blen)
		return set_err(r, -EINVAL,
			       "pcapng block at offset %llu: "
			       "trailing length %u differs from %u",
			       (unsigned long long)off, trail, blen);
	switch (type) {
	case NG_SHB:
		return ng_shb(r, b, blen, off);
	case NG_IDB:
		return ng_idb(r, b, blen, off);
	case NG_EPB:
	case NG_SPB:
	case NG_PB:
		return ng_pkt(r, type, b, blen, off, rec) ?: 1;
	default:
		return 0;
	}
}

/*
 * Returns 1 with a record, 0 at the end of input, or an error.  With
 * stop_at_idb (used by open), returns 2 after the first interface block
 * or before the first packet block, so that the file's link type is known.
 */
static int ng_next(struct pcap_reader *r, struct pcap_rec *rec,
		   bool stop_at_idb)
{
	uint32_t type = 0, blen = 0;
	int ret;

	for (;;) {
		ret = ng_block_hdr(r, &type, &blen);
		if (ret <= 0)
			return ret;
		if (stop_at_idb && ng_is_packet(type))
			return 2;
		if (blen > CHUNK_SIZE) {
			ret = ng_skip_large(r, blen, here(r));
			if (ret)
				return ret;
			continue;
		}
		if (avail(r) < blen) {
			ret = need_body(r, 0, blen, "pcapng block");
			if (ret)
				return ret;
		}
		ret = ng_dispatch(r, type, blen, rec);
		if (ret < 0)
			return ret;
		r->pos += blen;
		if (ret)
			return 1;
		if (stop_at_idb && type == NG_IDB)
			return 2;
	}
}

int pcap_reader_next(struct pcap_reader *r, struct pcap_rec *rec)
{
	if (r->err)
		return r->err;
	return r->ng ? ng_next(r, rec, false) : pcap_next(r, rec);
}

const char *pcap_reader_error(const struct pcap_reader *r)
{
	return r->msg;
}

int pcap_reader_linktype(const struct pcap_reader *r)
{
	return r->linktype;
}

void pcap_reader_close(struct pcap_reader *r)
{
	struct chunk_pool *pool;
	struct chunk *c;

	if (!r)
		return;
	pool = r->pool;
	pool->closed = true;
	while ((c = pool->free)) {
		pool->free = c->next;
		pool->live--;
		free(c);
	}
	pool->nfree = 0;
	/* Frees the pool too when this was the last live chunk. */
	if (r->cur)
		buf_put(&r->cur->buf);
	else if (!pool->live)
		free(pool);
	if (r->own_fd)
		close(r->fd);
	free(r->ifs);
	free(r);
}

static int reader_init(struct pcap_reader *r, const char *path)
{
	struct stat st;

	r->linktype = -1;
	r->pool = calloc(1, sizeof(*r->pool));
	if (!r->pool)
		return set_err(r, -ENOMEM, "out of memory");
	r->cur = chunk_new(r->pool);
	if (!r->cur)
		return set_err(r, -ENOMEM, "out of memory");
	if (!strcmp(path, "-")) {
		r->fd = STDIN_FILENO;
	} else {
		r->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (r->fd < 0)
			return set_err(r, -errno, "%s", strerror(errno));
		r->own_fd = true;
		posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	}
	r->can_wait = fstat(r->fd, &st) ||
		      !(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode));
	return 0;
}

void pcap_reader_set_idle(struct pcap_reader *r, void (*fn)(void *arg),
			  void *arg)
{
	r->idle = fn;
	r->idle_arg = arg;
}

int pcap_reader_stat(const struct pcap_reader *r, struct stat *st)
{
	return fstat(r->fd, st) ? -errno : 0;
}

static int reader_start(struct pcap_reader *r)
{
	uint32_t magic;
	int ret;

	ret = fill(r, 4);
	if (ret < 0)
		return ret;
	if (ret)
		return set_err(r, -EINVAL,
			       "not a pcap or pcapng file: only "
			       "%zu bytes",
			       avail(r));
	memcpy(&magic, cursor(r), 4);
	if (magic == PCAP_MAGIC_US || magic == PCAP_MAGIC_NS ||
	    bswap_32(magic) == PCAP_MAGIC_US ||
	    bswap_32(magic) == PCAP_MAGIC_NS)
		return pcap_open_hdr(r, magic);
	if (magic != NG_SHB)
		return set_err(r, -EINVAL,
			       "not a pcap or pcapng file (magic "
			       "0x%08x)",
			       bswap_32(magic));
	r->ng = true;
	ret = ng_next(r, NULL, true);
	if (ret < 0)
		return ret;
	/* Like libpcap: the link type comes from an IDB before any packet. */
	if (r->linktype < 0 && ret == 2)
		return set_err(r, -EINVAL,
			       "pcapng packet block at offset %llu comes "
			       "before any interface description block",
			       (unsigned long long)here(r));
	if (r->linktype < 0)
		return set_err(r, -EINVAL,
			       "pcapng file without an interface description "
			       "block (end of file at offset %llu)",
			       (unsigned long long)here(r));
	return 0;
}

int pcap_reader_open(const char *path, struct pcap_reader **out, char *err,
		     size_t errlen)
{
	struct pcap_reader *r = calloc(1, sizeof(*r));
	int ret;

	*out = NULL;
	if (!r) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	r->fd = -1;
	ret = reader_init(r, path);
	if (!ret)
		ret = reader_start(r);
	if (ret) {
		snprintf(err, errlen, "%s: %s", path, r->msg);
		if (!r->pool) {
			free(r);
			return ret;
		}
		pcap_reader_close(r);
		return ret;
	}
	*out = r;
	return 0;
}
