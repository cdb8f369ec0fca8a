// SPDX-License-Identifier: GPL-2.0
/*
 * pcap_reader tests: every file variant written here byte by byte (pcap
 * us/ns in both byte orders; pcapng in both byte orders with several
 * interfaces, resolutions, offsets, block kinds and sections), every error
 * with its message and offset, records straddling read chunks with
 * references held across calls and past close, input from a pipe, and the
 * shared capture corpus counted by an independent walker.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "parse/pcap_reader.h"
#include "parse/pkt.h"
#include "testlib.h"

/* A growable output buffer writing integers in a chosen byte order. */
struct wb {
	uint8_t *p;
	size_t len, cap;
	bool be;
};

static void put(struct wb *w, const void *src, size_t n)
{
	if (w->len + n > w->cap) {
		w->cap = (w->len + n) * 2;
		w->p = realloc(w->p, w->cap);
		if (!w->p)
			abort();
	}
	memcpy(w->p + w->len, src, n);
	w->len += n;
}

static void put_uint(struct wb *w, uint64_t v, int n)
{
	uint8_t b[8];
	int i;

	for (i = 0; i < n; i++)
		b[w->be ? n - 1 - i : i] = v >> (8 * i);
	put(w, b, n);
}

#define put16(w, v) put_uint(w, v, 2)
#define put32(w, v) put_uint(w, v, 4)

static void put_zero(struct wb *w, size_t n)
{
	static const uint8_t z[64];

	while (n) {
		size_t k = n < sizeof(z) ? n : sizeof(z);

		put(w, z, k);
		n -= k;
	}
}

static void patch32(struct wb *w, size_t at, uint32_t v)
{
	struct wb t = {.be = w->be};

	put32(&t, v);
	memcpy(w->p + at, t.p, 4);
	free(t.p);
}

/* Payload byte i of record k: checkable without storing anything. */
static uint8_t pat(uint32_t k, uint32_t i)
{
	return (uint8_t)(k * 31 + i * 7 + (i >> 8));
}

static void put_pat(struct wb *w, uint32_t k, uint32_t n)
{
	uint32_t i;

	put_zero(w, n);
	for (i = 0; i < n; i++)
		w->p[w->len - n + i] = pat(k, i);
}

static bool pat_ok(const uint8_t *d, uint32_t k, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (d[i] != pat(k, i))
			return false;
	return true;
}

static void pcap_hdr(struct wb *w, bool ns, uint32_t snaplen, uint32_t lt)
{
	put32(w, ns ? 0xa1b23c4d : 0xa1b2c3d4);
	put16(w, 2);
	put16(w, 4);
	put32(w, 0);
	put32(w, 0);
	put32(w, snaplen);
	put32(w, lt);
}

/* Returns the record's offset. */
static size_t pcap_rec(struct wb *w, uint32_t sec, uint32_t frac, uint32_t k,
		       uint32_t caplen, uint32_t wirelen)
{
	size_t off = w->len;

	put32(w, sec);
	put32(w, frac);
	put32(w, caplen);
	put32(w, wirelen);
	put_pat(w, k, caplen);
	return off;
}

/* pcapng blocks: open, body, close (pads, writes both lengths). */
static size_t blk_open(struct wb *w, uint32_t type)
{
	size_t at = w->len;

	put32(w, type);
	put32(w, 0);
	return at;
}

static void blk_close(struct wb *w, size_t at)
{
	uint32_t total;

	put_zero(w, (4 - w->len % 4) % 4);
	total = w->len - at + 4;
	put32(w, total);
	patch32(w, at + 4, total);
}

static size_t ng_shb(struct wb *w)
{
	size_t at = blk_open(w, 0x0a0d0d0a);

	put32(w, 0x1a2b3c4d);
	put16(w, 1);
	put16(w, 0);
	put32(w, 0xffffffff);
	put32(w, 0xffffffff);
	blk_close(w, at);
	return at;
}

/* tsresol < 0: no option; tsoff != 0: an if_tsoffset option. */
static void ng_idb(struct wb *w, uint16_t lt, uint32_t snaplen, int tsresol,
		   int64_t tsoff)
{
	size_t at = blk_open(w, 1);

	put16(w, lt);
	put16(w, 0);
	put32(w, snaplen);
	put16(w, 2); /* if_name, to be skipped */
	put16(w, 3);
	put(w, "eth", 3);
	put_zero(w, 1);
	if (tsresol >= 0) {
		uint8_t v = tsresol;

		put16(w, 9);
		put16(w, 1);
		put(w, &v, 1);
		put_zero(w, 3);
	}
	if (tsoff) {
		put16(w, 14);
		put16(w, 8);
		put_uint(w, (uint64_t)tsoff, 8);
	}
	put16(w, 0);
	put16(w, 0);
	blk_close(w, at);
}

static size_t ng_epb(struct wb *w, uint32_t type, uint32_t ifc, uint64_t ts,
		     uint32_t k, uint32_t caplen, uint32_t wirelen)
{
	size_t at = blk_open(w, type);

	if (type == 2) { /* obsolete Packet Block: 16-bit id, drops */
		put16(w, ifc);
		put16(w, 0);
	} else {
		put32(w, ifc);
	}
	put32(w, ts >> 32);
	put32(w, (uint32_t)ts);
	put32(w, caplen);
	put32(w, wirelen);
	put_pat(w, k, caplen);
	blk_close(w, at);
	return at;
}

static size_t ng_spb(struct wb *w, uint32_t k, uint32_t n, uint32_t wirelen)
{
	size_t at = blk_open(w, 3);

	put32(w, wirelen);
	put_pat(w, k, n);
	blk_close(w, at);
	return at;
}

static size_t ng_other(struct wb *w, uint32_t type, uint32_t n)
{
	size_t at = blk_open(w, type);

	put_zero(w, n);
	blk_close(w, at);
	return at;
}

static const char *write_file(const char *name, const struct wb *w)
{
	static char path[4][256];
	static int turn;
	char *p = path[turn++ % 4];
	FILE *f;

	snprintf(p, sizeof(path[0]), "%s/%s", t_tmpdir(), name);
	f = fopen(p, "wb");
	if (!f || fwrite(w->p, 1, w->len, f) != w->len || fclose(f))
		abort();
	return p;
}

static struct pcap_reader *open_ok(const char *path)
{
	struct pcap_reader *r = NULL;
	char err[256];
	int ret = pcap_reader_open(path, &r, err, sizeof(err));

	if (ret)
		fprintf(stderr, "open %s: %d %s\n", path, ret, err);
	CHECK_EQ(ret, 0);
	return r;
}

struct want {
	uint64_t ts_ns;
	uint32_t caplen, wirelen, k, iface;
	int linktype;
	uint64_t offset;
};

static void check_recs(struct pcap_reader *r, const struct want *w, int n)
{
	struct pcap_rec rec;
	int i;

	for (i = 0; i < n; i++) {
		memset(&rec, 0xee, sizeof(rec));
		CHECK_EQ(pcap_reader_next(r, &rec), 1);
		CHECK_EQ(rec.ts_ns, w[i].ts_ns);
		CHECK_EQ(rec.caplen, w[i].caplen);
		CHECK_EQ(rec.wirelen, w[i].wirelen);
		CHECK_EQ(rec.linktype, w[i].linktype);
		CHECK_EQ(rec.iface, w[i].iface);
		CHECK_EQ(rec.offset, w[i].offset);
		CHECK(rec.buf && rec.buf->refs >= 1);
		CHECK(pat_ok(rec.data, w[i].k, rec.caplen));
	}
	CHECK_EQ(pcap_reader_next(r, &rec), 0);
	CHECK_EQ(pcap_reader_next(r, &rec), 0);
	CHECK_EQ(pcap_reader_error(r)[0], 0);
}

static void test_pcap_variants(void)
{
	int ns, be;

	for (ns = 0; ns < 2; ns++) {
		for (be = 0; be < 2; be++) {
			struct wb w = {.be = be};
			struct want want[3];
			struct pcap_reader *r;
			uint32_t mult = ns ? 1 : 1000;
			int lt = be ? LINKTYPE_RAW : LINKTYPE_ETHERNET;

			/* FCS bits above the link type must be masked. */
			pcap_hdr(&w, ns, 65535, lt | (ns ? 0x10000000 : 0));
			want[0] = (struct want){
				1700000000ull * 1000000000 + 123456ull * mult,
				60,
				60,
				1,
				0,
				lt,
				0};
			want[0].offset =
				pcap_rec(&w, 1700000000, 123456, 1, 60, 60);
			want[1] = (struct want){0, 0, 0, 2, 0, lt, 0};
			want[1].offset = pcap_rec(&w, 0, 0, 2, 0, 0);
			want[2] = (struct want){
				4294967295ull * 1000000000 + 999999ull * mult,
				1514,
				9000,
				3,
				0,
				lt,
				0};
			want[2].offset = pcap_rec(&w, 4294967295u, 999999, 3,
						  1514, 9000);
			r = open_ok(write_file("v.pcap", &w));
			if (r) {
				CHECK_EQ(pcap_reader_linktype(r), lt);
				check_recs(r, want, 3);
				pcap_reader_close(r);
			}
			free(w.p);
		}
	}
}

/* Writes a section with every block kind; fills want, returns count. */
static int ng_section(struct wb *w, struct want *want)
{
	int n = 0;

	ng_shb(w);
	ng_other(w, 0x0bad, 10); /* custom block */
	ng_idb(w, LINKTYPE_ETHERNET, 64, -1, 0); /* 0: default us */
	ng_idb(w, LINKTYPE_RAW, 0, 9, 0); /* 1: ns */
	ng_idb(w, LINKTYPE_LINUX_SLL2, 262144, 0x80 | 20, 100); /* 2: 2^-20 */
	ng_idb(w, LINKTYPE_IPV6, 0, 3, -5); /* 3: ms, offset -5 s */
	ng_idb(w, 147, 0, 12, 0); /* 4: ps, unknown link */
	ng_other(w, 4, 20); /* NRB */
	want[n] = (struct want){1234567890123456ull * 1000, 60, 60, 10, 0,
				LINKTYPE_ETHERNET,	    0};
	want[n++].offset = ng_epb(w, 6, 0, 1234567890123456ull, 10, 60, 60);
	want[n] = (struct want){1234567890123456789ull, 61, 100, 11, 1,
				LINKTYPE_RAW,		0};
	want[n++].offset = ng_epb(w, 6, 1, 1234567890123456789ull, 11, 61, 100);
	ng_other(w, 5, 16); /* ISB */
	want[n] = (struct want){5500000000ull + 100000000000ull,
				7,
				7,
				12,
				2,
				LINKTYPE_LINUX_SLL2,
				0};
	want[n++].offset = ng_epb(w, 6, 2, (5ull << 20) | (1u << 19), 12, 7, 7);
	want[n] = (struct want){
		600000000ull - 5000000000ull, 5, 5, 13, 3, LINKTYPE_IPV6, 0};
	want[n++].offset = ng_epb(w, 6, 3, 600, 13, 5, 5);
	want[n] = (struct want){1234, 3, 3, 14, 4, 147, 0};
	want[n++].offset = ng_epb(w, 6, 4, 1234567, 14, 3, 3);
	ng_other(w, 0x0a, 12); /* DSB */
	/* SPB: caplen limited by interface 0's snaplen of 64, not its room. */
	want[n] = (struct want){0, 64, 100, 15, 0, LINKTYPE_ETHERNET, 0};
	want[n++].offset = ng_spb(w, 15, 68, 100);
	/* SPB shorter than the snaplen: its own wirelen. */
	want[n] = (struct want){0, 9, 9, 16, 0, LINKTYPE_ETHERNET, 0};
	want[n++].offset = ng_spb(w, 16, 9, 9);
	want[n] = (struct want){77000, 20, 20, 17, 1, LINKTYPE_RAW, 0};
	want[n++].offset = ng_epb(w, 2, 1, 77000, 17, 20, 20);
	ng_other(w, 0x40000bad, 4); /* custom, non-copyable */
	return n;
}

static void test_pcapng_variants(void)
{
	int be;

	for (be = 0; be < 2; be++) {
		struct wb w = {.be = be};
		struct want want[32];
		struct pcap_reader *r;
		int n;

		n = ng_section(&w, want);
		/* Second section in the other byte order, fresh interfaces. */
		w.be = !be;
		ng_shb(&w);
		ng_idb(&w, LINKTYPE_IPV4, 600, -1, 0);
		want[n] = (struct want){42000, 40, 40, 20, 0, LINKTYPE_IPV4, 0};
		want[n++].offset = ng_epb(&w, 6, 0, 42, 20, 40, 40);
		r = open_ok(write_file("v.pcapng", &w));
		if (r) {
			CHECK_EQ(pcap_reader_linktype(r), LINKTYPE_ETHERNET);
			check_recs(r, want, n);
			pcap_reader_close(r);
		}
		free(w.p);
	}
}

/* Expect open to succeed and the first failing next() to give msg. */
static void expect_next_err(const struct wb *w, int good, const char *msg)
{
	struct pcap_reader *r = open_ok(write_file("e", w));
	struct pcap_rec rec;
	int i;

	if (!r)
		return;
	for (i = 0; i < good; i++)
		CHECK_EQ(pcap_reader_next(r, &rec), 1);
	CHECK_EQ(pcap_reader_next(r, &rec), -EINVAL);
	if (strcmp(pcap_reader_error(r), msg)) {
		fprintf(stderr, "got  '%s'\nwant '%s'\n", pcap_reader_error(r),
			msg);
		CHECK(0);
	}
	/* Errors are sticky. */
	CHECK_EQ(pcap_reader_next(r, &rec), -EINVAL);
	pcap_reader_close(r);
}

static void expect_open_err(const char *path, int err, const char *msg)
{
	struct pcap_reader *r = (void *)1;
	char buf[512], want[512];

	CHECK_EQ(pcap_reader_open(path, &r, buf, sizeof(buf)), err);
	CHECK(r == NULL);
	snprintf(want, sizeof(want), "%s: %s", path, msg);
	if (strcmp(buf, want)) {
		fprintf(stderr, "got  '%s'\nwant '%s'\n", buf, want);
		CHECK(0);
	}
}

static void test_pcap_errors(void)
{
	struct wb w = {0};

	pcap_hdr(&w, false, 65535, 1);
	pcap_rec(&w, 1, 1, 1, 0, 0);
	put32(&w, 1);
	put32(&w, 2);
	put32(&w, 1500);
	put32(&w, 1500);
	put_zero(&w, 312);
	expect_next_err(&w, 1,
			"truncated record at offset 40: header says "
			"1500 bytes, 312 present");
	w.len = 24 + 16 + 7;
	expect_next_err(&w, 1,
			"truncated record header at offset 40: 16 "
			"bytes needed, 7 present");

	/* Above the absolute maximum, even with a "no limit" snaplen. */
	w.len = 0;
	pcap_hdr(&w, false, 0, 1);
	pcap_rec(&w, 1, 1, 1, 200, 200); /* snaplen 0: not checked */
	pcap_rec(&w, 1, 1, 1, 300000, 300000);
	expect_next_err(&w, 1,
			"record at offset 240: caplen 300000 exceeds "
			"the maximum 262144");

	w.len = 0;
	pcap_hdr(&w, false, 100, 1);
	pcap_rec(&w, 1, 1, 1, 100, 100);
	pcap_rec(&w, 1, 1, 1, 101, 101);
	expect_next_err(&w, 1,
			"record at offset 140: caplen 101 exceeds "
			"snaplen 100");
	free(w.p);
}

static void test_open_errors(void)
{
	struct wb w = {0};
	char path[300];

	snprintf(path, sizeof(path), "%s/missing", t_tmpdir());
	expect_open_err(path, -ENOENT, strerror(ENOENT));
	expect_open_err(t_tmpdir(), -EISDIR,
			"read error at offset 0: Is a "
			"directory");
	put(&w, "GIF89a..", 8);
	expect_open_err(write_file("gif", &w), -EINVAL,
			"not a pcap or pcapng file (magic 0x47494638)");
	w.len = 0;
	expect_open_err(write_file("empty", &w), -EINVAL,
			"not a pcap or pcapng file: only 0 bytes");
	pcap_hdr(&w, true, 65535, 1);
	w.len = 10;
	expect_open_err(write_file("short", &w), -EINVAL,
			"truncated pcap file header at offset 0: 24 bytes "
			"needed, 10 present");
	w.len = 0;
	pcap_hdr(&w, true, 65535, 1);
	w.p[4] = 1;
	expect_open_err(write_file("v1", &w), -EINVAL,
			"unsupported pcap version 1.4");
	w.len = 0;
	ng_shb(&w);
	w.p[8] = 0x11;
	expect_open_err(write_file("bom", &w), -EINVAL,
			"pcapng section header at offset 0: bad byte-order "
			"magic 0x1a2b3c11");
	free(w.p);
}

/* A pcapng file whose third block is bad; off is where it starts. */
static size_t ng_prefix(struct wb *w)
{
	w->len = 0;
	ng_shb(w);
	ng_idb(w, 1, 0, -1, 0);
	ng_epb(w, 6, 0, 1, 1, 10, 10);
	return w->len;
}

static void test_pcapng_errors(void)
{
	struct wb w = {0};
	char msg[256];
	size_t off;

	off = ng_prefix(&w);
	blk_open(&w, 6);
	patch32(&w, off + 4, 17u << 20);
	snprintf(msg, sizeof(msg),
		 "pcapng block at offset %zu (type 0x6) "
		 "has an absurd length of %u bytes",
		 off, 17u << 20);
	expect_next_err(&w, 1, msg);
	patch32(&w, off + 4, 8);
	snprintf(msg, sizeof(msg),
		 "pcapng block at offset %zu (type 0x6) "
		 "has an absurd length of 8 bytes",
		 off);
	expect_next_err(&w, 1, msg);
	patch32(&w, off + 4, 30);
	snprintf(msg, sizeof(msg),
		 "pcapng block at offset %zu (type 0x6) "
		 "has an absurd length of 30 bytes",
		 off);
	expect_next_err(&w, 1, msg);

	off = ng_prefix(&w);
	ng_epb(&w, 6, 0, 1, 1, 10, 10);
	patch32(&w, w.len - 4, 48);
	snprintf(msg, sizeof(msg),
		 "pcapng block at offset %zu: trailing "
		 "length 48 differs from 44",
		 off);
	expect_next_err(&w, 1, msg);

	off = ng_prefix(&w);
	ng_epb(&w, 6, 0, 1, 1, 1000, 1000);
	w.len -= 500;
	snprintf(msg, sizeof(msg),
		 "truncated pcapng block at offset %zu: "
		 "header says 1032 bytes, 532 present",
		 off);
	expect_next_err(&w, 1, msg);
	w.len = off + 5;
	snprintf(msg, sizeof(msg),
		 "truncated pcapng block header at offset "
		 "%zu: 8 bytes needed, 5 present",
		 off);
	expect_next_err(&w, 1, msg);

	off = ng_prefix(&w);
	ng_epb(&w, 6, 3, 1, 1, 10, 10);
	snprintf(msg, sizeof(msg),
		 "pcapng packet block at offset %zu "
		 "refers to interface 3, 1 defined",
		 off);
	expect_next_err(&w, 1, msg);

	off = ng_prefix(&w);
	ng_epb(&w, 6, 0, 1, 1, 10, 10);
	patch32(&w, off + 20, 13);
	snprintf(msg, sizeof(msg),
		 "pcapng packet block at offset %zu: "
		 "caplen 13 exceeds block length 44",
		 off);
	expect_next_err(&w, 1, msg);

	off = ng_prefix(&w);
	ng_epb(&w, 6, 0, 1, 1, 300000, 300000);
	snprintf(msg, sizeof(msg),
		 "record at offset %zu: caplen 300000 "
		 "exceeds the maximum 262144",
		 off);
	expect_next_err(&w, 1, msg);
	free(w.p);
}

/* Blocks bigger than a read chunk: skipped when not needed. */
static void test_pcapng_large_blocks(void)
{
	struct wb w = {0};
	struct want want[2];
	struct pcap_reader *r;
	char msg[256];
	size_t off;

	ng_prefix(&w);
	want[0] = (struct want){1000, 10, 10, 1, 0, 1, 0};
	want[0].offset = w.len - 44;
	ng_other(&w, 0x0bad, 3u << 20);
	want[1] = (struct want){2000, 20, 20, 2, 0, 1, 0};
	want[1].offset = ng_epb(&w, 6, 0, 2, 2, 20, 20);
	r = open_ok(write_file("big", &w));
	if (r) {
		check_recs(r, want, 2);
		pcap_reader_close(r);
	}

	off = ng_prefix(&w);
	ng_other(&w, 0x0bad, 3u << 20);
	patch32(&w, w.len - 4, 4);
	snprintf(msg, sizeof(msg),
		 "pcapng block at offset %zu: trailing "
		 "length 4 differs from %u",
		 off, (3u << 20) + 12);
	expect_next_err(&w, 1, msg);
	w.len -= 1000;
	snprintf(msg, sizeof(msg),
		 "truncated pcapng block at offset %zu: "
		 "header says %u bytes, %u present",
		 off, (3u << 20) + 12, (3u << 20) + 12 - 1000);
	expect_next_err(&w, 1, msg);

	/* A packet block must fit in a chunk, options included. */
	off = ng_prefix(&w);
	blk_open(&w, 6);
	put32(&w, 0);
	put32(&w, 0);
	put32(&w, 0);
	put32(&w, 4);
	put32(&w, 4);
	put_zero(&w, 2u << 20);
	blk_close(&w, off);
	snprintf(msg, sizeof(msg),
		 "pcapng block at offset %zu (type 0x6) is "
		 "too large to read: %u bytes",
		 off, (2u << 20) + 32);
	expect_next_err(&w, 1, msg);
	free(w.p);
}

/* Record sizes for the straddling tests: small, MTU-ish and jumbo. */
static uint32_t size_of(uint32_t k)
{
	uint32_t x = k * 2654435761u;

	switch (x >> 29) {
	case 0:
		return 0;
	case 1:
		return 65535 + (x & 0xffff);
	case 2:
	case 3:
		return x % 64;
	default:
		return x % 9000;
	}
}

struct held {
	struct buf *buf;
	const uint8_t *data;
	uint32_t k, len;
};

/*
 * Read a many-chunk file, checking every record and holding a reference
 * to every fifth one across calls; held bytes are checked after close.
 */
static void read_big(const char *path, uint32_t nrec)
{
	struct held *held = calloc(nrec, sizeof(*held));
	struct pcap_reader *r = open_ok(path);
	struct pcap_rec rec;
	uint32_t k, nheld = 0, bad = 0, i;
	int ret;

	if (!r || !held) {
		free(held);
		return;
	}
	for (k = 0; (ret = pcap_reader_next(r, &rec)) == 1; k++) {
		if (rec.caplen != size_of(k) ||
		    !pat_ok(rec.data, k, rec.caplen))
			bad++;
		if (k % 5 == 0) {
			buf_get(rec.buf);
			held[nheld++] =
				(struct held){rec.buf, rec.data, k, rec.caplen};
		}
	}
	CHECK_EQ(ret, 0);
	CHECK_EQ(k, nrec);
	CHECK_EQ(bad, 0);
	for (i = 0; i < nheld / 2; i++) {
		bad += !pat_ok(held[i].data, held[i].k, held[i].len);
		buf_put(held[i].buf);
	}
	pcap_reader_close(r);
	for (; i < nheld; i++) {
		bad += !pat_ok(held[i].data, held[i].k, held[i].len);
		buf_put(held[i].buf);
	}
	CHECK_EQ(bad, 0);
	free(held);
}

static void big_pcap(struct wb *w, uint32_t nrec)
{
	uint32_t k;

	w->len = 0;
	pcap_hdr(w, true, 0, 1);
	for (k = 0; k < nrec; k++)
		pcap_rec(w, k, k, k, size_of(k), size_of(k));
}

static void big_pcapng(struct wb *w, uint32_t nrec)
{
	uint32_t k;

	w->len = 0;
	ng_shb(w);
	ng_idb(w, 1, 0, -1, 0);
	for (k = 0; k < nrec; k++) {
		if (k % 97 == 0)
			ng_other(w, 5, k % 300);
		ng_epb(w, 6, 0, k, k, size_of(k), size_of(k));
	}
}

static void test_straddle(void)
{
	struct wb w = {0};

	big_pcap(&w, 1000);
	CHECK(w.len > (5u << 20));
	read_big(write_file("big.pcap", &w), 1000);
	big_pcapng(&w, 1000);
	read_big(write_file("big.pcapng", &w), 1000);
	free(w.p);
}

/* Feed bytes through a pipe in odd-sized pieces from a child process. */
static pid_t pipe_writer(const struct wb *w, int *rfd)
{
	int fds[2];
	pid_t pid;

	if (pipe(fds))
		abort();
	pid = fork();
	if (pid == 0) {
		size_t off = 0, n;

		close(fds[0]);
		while (off < w->len) {
			n = w->len - off < 4093 ? w->len - off : 4093;
			if (write(fds[1], w->p + off, n) != (ssize_t)n)
				_exit(1);
			off += n;
		}
		_exit(0);
	}
	close(fds[1]);
	*rfd = fds[0];
	return pid;
}

static void test_pipe(void)
{
	struct wb w = {0};
	char path[64];
	int rfd, saved, st;
	pid_t pid;

	big_pcapng(&w, 600);
	pid = pipe_writer(&w, &rfd);
	saved = dup(STDIN_FILENO);
	dup2(rfd, STDIN_FILENO);
	close(rfd);
	read_big("-", 600);
	dup2(saved, STDIN_FILENO);
	close(saved);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && !WEXITSTATUS(st));

	big_pcap(&w, 600);
	pid = pipe_writer(&w, &rfd);
	snprintf(path, sizeof(path), "/dev/fd/%d", rfd);
	read_big(path, 600);
	close(rfd);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && !WEXITSTATUS(st));
	free(w.p);
}

static uint32_t get32(const uint8_t *p, bool swap)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

/* Count packets without the reader; -1 when the file does not parse. */
static long count_independently(const uint8_t *d, size_t n)
{
	bool swap = d[0] == 0xa1 || (d[0] == 0x0a && d[8] == 0x1a);
	size_t off;
	long cnt = 0;

	if (n >= 24 && (get32(d, swap) & 0xffff0000) == 0xa1b20000) {
		for (off = 24; off + 16 <= n; cnt++)
			off += 16 + get32(d + off + 8, swap);
		return off == n ? cnt : -1;
	}
	for (off = 0; off + 12 <= n;) {
		uint32_t type = get32(d + off, swap);

		cnt += type == 2 || type == 3 || type == 6;
		off += get32(d + off + 4, swap);
	}
	return off == n ? cnt : -1;
}

static void test_corpus(void)
{
	const char *shared = getenv("FS_SHARED");
	char dir[512], path[1024];
	struct dirent *de;
	int files = 0;
	DIR *dp;

	snprintf(dir, sizeof(dir), "%s/pcaps",
		 shared ? shared : "/work/shared");
	dp = opendir(dir);
	if (!dp) {
		T_SKIP("no corpus at %s", dir);
	}
	while ((de = readdir(dp))) {
		size_t l = strlen(de->d_name);
		struct pcap_reader *r;
		struct pcap_rec rec;
		struct stat sb;
		uint8_t *d;
		long want, got = 0;
		FILE *f;
		int ret;

		if (l < 5 || strcmp(de->d_name + l - 5, ".pcap"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "rb");
		if (!f || fstat(fileno(f), &sb))
			abort();
		d = malloc(sb.st_size + 1);
		if (fread(d, 1, sb.st_size, f) != (size_t)sb.st_size)
			abort();
		fclose(f);
		want = count_independently(d, sb.st_size);
		free(d);
		r = open_ok(path);
		if (!r)
			continue;
		while ((ret = pcap_reader_next(r, &rec)) == 1)
			got++;
		if (ret || got != want)
			fprintf(stderr,
				"%s: ret %d (%s), %ld records, want "
				"%ld\n",
				path, ret, pcap_reader_error(r), got, want);
		CHECK_EQ(ret, 0);
		CHECK_EQ(got, want);
		pcap_reader_close(r);
		files++;
	}
	closedir(dp);
	CHECK(files > 0);
}

/* A direction of a tracegen connection, rebuilt from the capture. */
struct tg_dir {
	uint8_t *want, *got, *have;
	size_t len;
	uint32_t seq0;
	long conflicts;
};

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *d = NULL;
	struct stat sb;

	if (f && !fstat(fileno(f), &sb)) {
		d = malloc(sb.st_size + 1);
		*len = fread(d, 1, sb.st_size, f);
	}
	if (f)
		fclose(f);
	return d;
}

/* First data received wins, as tracegen's expected files say. */
static void tg_take(struct tg_dir *t, const struct pkt *p)
{
	int32_t rel = (int32_t)(p->seq - t->seq0);
	uint32_t i;

	for (i = 0; i < p->payload_caplen; i++) {
		int64_t o = (int64_t)rel + i;

		if (o < 0 || (size_t)o >= t->len)
			continue;
		if (!t->have[o]) {
			t->have[o] = 1;
			t->got[o] = p->payload[i];
		} else if (t->got[o] != p->payload[i]) {
			t->conflicts++;
		}
	}
}

/* Sum of the lengths a .tsv of expected/ lists for direction d. */
static long tsv_bytes(const char *dir, const char *file, int d,
		      const struct tg_dir *t, long *have_inside)
{
	char path[700], line[256], name[8];
	unsigned long long off, len, k;
	unsigned int conn;
	long sum = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/expected/%s", dir, file);
	f = fopen(path, "r");
	CHECK(f && fgets(line, sizeof(line), f));
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%u %7s %llu %llu", &conn, name, &off, &len) !=
			    4 ||
		    strcmp(name, d ? "s2c" : "c2s"))
			continue;
		sum += len;
		for (k = off; have_inside && k < off + len && k < t->len; k++)
			*have_inside += t->have[k];
	}
	if (f)
		fclose(f);
	return sum;
}

/*
 * Every byte outside gaps.tsv matches, the gaps are exactly the holes,
 * and conflicts.tsv counts the bytes that came twice, differently.
 */
static void tg_compare(const char *dir, int d, struct tg_dir *t, bool want_gaps)
{
	long listed, holes = 0, bad = 0, conflicts;
	size_t k;

	listed = tsv_bytes(dir, "gaps.tsv", d, t, &bad);
	conflicts = tsv_bytes(dir, "conflicts.tsv", d, t, NULL);
	for (k = 0; k < t->len; k++) {
		holes += !t->have[k];
		bad += t->have[k] && t->got[k] != t->want[k];
	}
	if (bad || holes != listed || conflicts != t->conflicts)
		fprintf(stderr,
			"%s %d: %ld bad bytes, %ld holes, %ld listed, "
			"%ld conflicts, %ld listed\n",
			dir, d, bad, holes, listed, t->conflicts, conflicts);
	CHECK_EQ(bad, 0);
	CHECK_EQ(holes, listed);
	CHECK_EQ(conflicts, t->conflicts);
	CHECK(want_gaps == (listed > 0));
}

/* Rebuild both directions of a one-connection tracegen case. */
static void tg_check_case(const char *dir, bool want_conflicts, bool want_gaps)
{
	char path[700], line[512];
	struct tg_dir t[2] = {{0}, {0}};
	struct pcap_reader *r;
	struct pcap_rec rec;
	uint64_t last_ts = 0;
	struct pkt p;
	int d, ret;
	FILE *f;

	snprintf(path, sizeof(path), "%s/expected/conns.tsv", dir);
	f = fopen(path, "r");
	CHECK(f && fgets(line, sizeof(line), f) &&
	      fgets(line, sizeof(line), f));
	if (f)
		fclose(f);
	CHECK(sscanf(line, "%*s %*s %*s %*s %*s %*s %*s %*s %*s %u %u",
		     &t[0].seq0, &t[1].seq0) == 2);
	for (d = 0; d < 2; d++) {
		snprintf(path, sizeof(path), "%s/expected/conn0.%s", dir,
			 d ? "s2c" : "c2s");
		t[d].want = slurp(path, &t[d].len);
		t[d].got = calloc(t[d].len + 1, 1);
		t[d].have = calloc(t[d].len + 1, 1);
	}
	snprintf(path, sizeof(path), "%s/trace.pcap", dir);
	r = open_ok(path);
	while (r && (ret = pcap_reader_next(r, &rec)) == 1) {
		CHECK_EQ(rec.linktype, LINKTYPE_ETHERNET);
		CHECK(rec.ts_ns > last_ts);
		last_ts = rec.ts_ns;
		CHECK_EQ(pkt_parse(rec.data, rec.caplen, rec.wirelen,
				   rec.linktype, &p),
			 PKT_OK);
		if (p.payload_caplen)
			tg_take(&t[p.sport != 40000], &p);
	}
	if (r) {
		CHECK_EQ(ret, 0);
		pcap_reader_close(r);
	}
	for (d = 0; d < 2; d++) {
		CHECK(t[d].want && t[d].len > 0);
		if (t[d].want)
			tg_compare(dir, d, &t[d], want_gaps);
		CHECK(want_conflicts == (t[d].conflicts > 0));
		free(t[d].want);
		free(t[d].got);
		free(t[d].have);
	}
}

/*
 * tracegen's traces through this reader and pkt_parse: the expected
 * streams must be what a first-wins receiver rebuilds from the capture.
 */
static void test_tracegen(void)
{
	static const char *const one_conn[] = {
		"inorder", "reorder", "dup",  "overlap-same", "overlap-diff",
		"loss",	   "wrap",    "ipv6", "midstream",    "keepalive",
	};
	const char *root = getenv("FS_ROOT");
	char cmd[1024], dir[300];
	size_t i;

	snprintf(cmd, sizeof(cmd), "%s/build/tools/tracegen",
		 root ? root : ".");
	if (access(cmd, X_OK)) {
		T_SKIP("%s not built", cmd);
	}
	snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd),
		 " --case all --seed 11 --bytes 9000 --mss 700 --out %s/tg",
		 t_tmpdir());
	CHECK_EQ(system(cmd), 0);
	for (i = 0; i < sizeof(one_conn) / sizeof(one_conn[0]); i++) {
		snprintf(dir, sizeof(dir), "%s/tg/%s", t_tmpdir(), one_conn[i]);
		tg_check_case(dir,
			      !strcmp(one_conn[i], "overlap-diff") ||
				      !strcmp(one_conn[i], "keepalive"),
			      !strcmp(one_conn[i], "loss"));
	}
}

static const struct t_case cases[] = {
	T_CASE(test_pcap_variants), T_CASE(test_pcapng_variants),
	T_CASE(test_pcap_errors),   T_CASE(test_open_errors),
	T_CASE(test_pcapng_errors), T_CASE(test_pcapng_large_blocks),
	T_CASE(test_straddle),	    T_CASE(test_pipe),
	T_CASE(test_corpus),	    T_CASE(test_tracegen),
};

T_MAIN(cases)
