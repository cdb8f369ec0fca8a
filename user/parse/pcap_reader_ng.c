// SPDX-License-Identifier: GPL-2.0
/*
 * pcap_reader_ng: pcapng blocks (SHB, IDB, EPB, SPB and the obsolete PB;
 * several interfaces and sections; both byte orders), as libpcap's
 * sf-pcapng.c.  Owns the per-section interface table.
 *
 * Choices:
 * - Blocks longer than 16 MiB, shorter than 12 bytes, not a multiple of 4
 *   or whose trailing length differs are corrupt.  A packet block (or
 *   SHB/IDB) must fit in a chunk (1 MiB, so its options may take 768 KiB);
 *   other blocks up to 16 MiB are skipped as a stream.
 * - A Simple Packet Block has no timestamp: ts_ns is 0.  Its caplen is
 *   the smallest of its original length, its block room and interface 0's
 *   snaplen (when non-zero).  The obsolete Packet Block (type 2) is read
 *   like an EPB.
 * - A file must define an interface (IDB) before its first packet block,
 *   as libpcap requires: else it is refused at open, since the pcap
 *   output's link type comes from that interface.
 */
#include <errno.h>
#include <stdlib.h>

#include "parse/pcap_reader_int.h"

#define NG_MAX_BLOCK (16u << 20)
#define NG_MAX_IFACES 65536
#define NG_BOM 0x1a2b3c4du
#define NG_IDB 1
#define NG_PB 2
#define NG_SPB 3
#define NG_EPB 6
#define NG_OPT_END 0
#define NG_OPT_TSRESOL 9
#define NG_OPT_TSOFFSET 14

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
			return reader_set_err(
				r, -EINVAL,
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
		return reader_set_err(r, -EINVAL,
				      "pcapng interface block at offset "
				      "%llu too short: %u bytes",
				      (unsigned long long)off, blen);
	if (r->nifs == r->capifs) {
		unsigned int cap = r->capifs ? r->capifs * 2 : 8;
		struct ng_iface *n;

		if (r->nifs >= NG_MAX_IFACES)
			return reader_set_err(
				r, -EINVAL,
				"pcapng interface block at "
				"offset %llu: more than %u interfaces",
				(unsigned long long)off, NG_MAX_IFACES);
		n = realloc(r->ifs, cap * sizeof(*n));
		if (!n)
			return reader_set_err(r, -ENOMEM,
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
		return reader_set_err(r, -EINVAL,
				      "pcapng section header at offset "
				      "%llu too short: %u bytes",
				      (unsigned long long)off, blen);
	if (rd16(r, b + 12) != 1)
		return reader_set_err(r, -EINVAL,
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
		return reader_set_err(r, -EINVAL,
				      "pcapng packet block at offset %llu "
				      "too short: %u bytes",
				      (unsigned long long)off, blen);
	id = type == NG_EPB  ? rd32(r, b + 8)
	     : type == NG_PB ? rd16(r, b + 8)
			     : 0;
	if (id >= r->nifs)
		return reader_set_err(r, -EINVAL,
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
			return reader_set_err(
				r, -EINVAL,
				"pcapng packet block at "
				"offset %llu: caplen %u exceeds block "
				"length %u",
				(unsigned long long)off, caplen, blen);
		rec->wirelen = rd32(r, b + 24);
		rec->ts_ns = ng_ts(ifc, (uint64_t)rd32(r, b + 12) << 32 |
						rd32(r, b + 16));
		rec->data = b + 28;
	}
	ret = reader_check_caplen(r, caplen, ifc->snaplen, off);
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
	return reader_set_err(
		r, -EINVAL,
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
		ret = reader_fill(r, 1);
		if (ret < 0)
			return ret;
		if (ret)
			return ng_truncated(r, off, blen, blen - 4 - left);
		take = avail(r) < left ? avail(r) : left;
		r->pos += take;
		left -= take;
	}
	ret = reader_fill(r, 4);
	if (ret < 0)
		return ret;
	if (ret)
		return ng_truncated(r, off, blen, blen - 4 + avail(r));
	trail = rd32(r, cursor(r));
	if (trail != blen)
		return reader_set_err(
			r, -EINVAL,
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

	ret = reader_need_header(r, 8, "pcapng block header");
	if (ret <= 0)
		return ret;
	*type = rd32(r, cursor(r));
	if (*type == NG_SHB) {
		/* 8 bytes are present: this never reports a clean end. */
		ret = reader_need_header(r, 12, "pcapng section header");
		if (ret < 0)
			return ret;
		memcpy(&bom, cursor(r) + 8, 4);
		if (bom != NG_BOM && bswap_32(bom) != NG_BOM)
			return reader_set_err(
				r, -EINVAL,
				"pcapng section header at "
				"offset %llu: bad byte-order magic "
				"0x%08x",
				(unsigned long long)here(r), bom);
		r->swap = bom != NG_BOM;
	}
	b = cursor(r);
	*blen = rd32(r, b + 4);
	if (*blen < 12 || *blen % 4 || *blen > NG_MAX_BLOCK)
		return reader_set_err(
			r, -EINVAL,
			"pcapng block at offset %llu "
			"(type 0x%x) has an absurd length of %u bytes",
			(unsigned long long)here(r), *type, *blen);
	if (*blen > CHUNK_SIZE &&
	    (ng_is_packet(*type) || *type == NG_SHB || *type == NG_IDB))
		return reader_set_err(
			r, -EINVAL,
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
		return reader_set_err(r, -EINVAL,
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
			ret = reader_need_body(r, 0, blen, "pcapng block");
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

int pcapng_next(struct pcap_reader *r, struct pcap_rec *rec)
{
	return ng_next(r, rec, false);
}

int pcapng_open(struct pcap_reader *r)
{
	int ret;

	r->ng = true;
	ret = ng_next(r, NULL, true);
	if (ret < 0)
		return ret;
	/* Like libpcap: the link type comes from an IDB before any packet. */
	if (r->linktype < 0 && ret == 2)
		return reader_set_err(r, -EINVAL,
				      "pcapng packet block at offset %llu "
				      "comes before any interface description "
				      "block",
				      (unsigned long long)here(r));
	if (r->linktype < 0)
		return reader_set_err(r, -EINVAL,
				      "pcapng file without an interface "
				      "description block (end of file at "
				      "offset %llu)",
				      (unsigned long long)here(r));
	return 0;
}
