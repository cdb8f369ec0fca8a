/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcap_reader_int: what the reader's parts share; internal to
 * user/parse/pcap_reader*.c, not an API (that is pcap_reader.h).
 *
 *   pcap_reader.c        open, close, next: format detection, errors
 *   pcap_reader_chunk.c  the input: reference-counted read chunks
 *   pcap_reader_pcap.c   classic pcap (file header, record headers)
 *   pcap_reader_ng.c     pcapng blocks (SHB, IDB, EPB, SPB, PB)
 *
 * as libpcap splits savefile.c, sf-pcap.c and sf-pcapng.c.
 */
#ifndef FS_PCAP_READER_INT_H
#define FS_PCAP_READER_INT_H

#include <byteswap.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "parse/pcap_reader.h"

#define CHUNK_SIZE (1u << 20)
#define ERR_LEN 256
#define NSEC 1000000000ull

#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_MAGIC_NS 0xa1b23c4du
#define NG_SHB 0x0a0d0d0au

struct chunk_pool;

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

/* pcap_reader.c */

/* Sets the sticky error and its message; returns err. */
int reader_set_err(struct pcap_reader *r, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* caplen against PCAP_MAX_CAPLEN and a sane snaplen: 0 or -EINVAL. */
int reader_check_caplen(struct pcap_reader *r, uint32_t caplen,
			uint32_t snaplen, uint64_t off);

/* pcap_reader_chunk.c */

/* A pool with its first chunk in r->cur: 0 or -ENOMEM. */
int chunk_pool_create(struct pcap_reader *r);

/* Frees the idle chunks, drops r->cur; the pool goes with its last chunk. */
void chunk_pool_close(struct pcap_reader *r);

/*
 * Make at least need (<= CHUNK_SIZE) bytes available at the parse position.
 * Returns 0 when they are, 1 when the input ended first, or -errno.
 */
int reader_fill(struct pcap_reader *r, size_t need);

/*
 * reader_fill() for a header: 1 when it is there, 0 at a clean end of
 * input (no byte of it present), or an error naming what was cut short.
 */
int reader_need_header(struct pcap_reader *r, size_t need, const char *what);

/* reader_fill() for a whole record whose header announced len body bytes. */
int reader_need_body(struct pcap_reader *r, size_t hdr, size_t len,
		     const char *what);

/* pcap_reader_pcap.c: classic pcap, after its magic (byte order). */
int pcap_classic_open(struct pcap_reader *r, uint32_t magic);
int pcap_classic_next(struct pcap_reader *r, struct pcap_rec *rec);

/* pcap_reader_ng.c: pcapng, at its first section header. */
int pcapng_open(struct pcap_reader *r);
int pcapng_next(struct pcap_reader *r, struct pcap_rec *rec);

#endif /* FS_PCAP_READER_INT_H */
