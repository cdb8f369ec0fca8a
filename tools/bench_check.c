// SPDX-License-Identifier: GPL-2.0
/*
 * bench_check: what a capture tool wrote, measured against what was sent,
 * fast enough for the multi-gigabyte files of the benchmarks.
 *
 *   bench_check pcap --port P FILE...
 *	TCP payload coverage per direction of every connection to or from
 *	port P, over all FILEs (pcap, micro or nanosecond, either byte
 *	order; Ethernet or Linux cooked).  Sequence numbers are unwrapped
 *	to 64 bits, so streams past 4 GiB are measured right.  One line per
 *	direction, then
 *	  total records R record_bytes B payload_unique U holes H dirs D
 *	holes are bytes missing between the first byte (ISN + 1 when the
 *	SYN was captured, else the lowest sequence seen) and the highest.
 *
 *   bench_check cmp A B
 *	Bytes equal at the same offset in A and B ("-" is stdin, e.g. the
 *	output of tcpxfer expect):  equal E len_a LA len_b LB
 *
 * Exit 0, or 1 on an unreadable or malformed file.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_DIRS 4096

struct seg {
	uint64_t start, end; /* unwrapped sequence space */
};

struct dir {
	uint32_t src, dst;
	uint16_t sport, dport;
	bool have_syn;
	uint64_t isn; /* unwrapped */
	uint64_t last; /* unwrapped reference for the next sequence */
	bool started;
	uint64_t pkts;
	struct seg *segs;
	size_t nsegs, cap;
};

static struct dir dirs[MAX_DIRS];
static size_t ndirs;
static uint64_t n_records, record_bytes;

static struct dir *dir_get(uint32_t src, uint16_t sport, uint32_t dst,
			   uint16_t dport)
{
	size_t i;

	for (i = 0; i < ndirs; i++) {
		struct dir *d = &dirs[i];

		if (d->src == src && d->dst == dst && d->sport == sport &&
		    d->dport == dport)
			return d;
	}
	if (ndirs == MAX_DIRS)
		return NULL;
	dirs[ndirs] = (struct dir){
		.src = src, .dst = dst, .sport = sport, .dport = dport};
	return &dirs[ndirs++];
}

/* Nearest 64-bit value to ref whose low 32 bits are seq. */
static uint64_t unwrap(struct dir *d, uint32_t seq)
{
	uint64_t v;

	if (!d->started) {
		d->started = true;
		d->last = (1ULL << 32) + seq; /* room to go back */
		return d->last;
	}
	v = d->last + (int32_t)(seq - (uint32_t)d->last);
	if (v > d->last)
		d->last = v;
	return v;
}

static int seg_add(struct dir *d, uint64_t start, uint64_t len)
{
	if (d->nsegs == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 1024;
		struct seg *s = realloc(d->segs, cap * sizeof(*s));

		if (!s)
			return -ENOMEM;
		d->segs = s;
		d->cap = cap;
	}
	d->segs[d->nsegs++] = (struct seg){start, start + len};
	return 0;
}

/* Offset of the IP header after the link header, or -1 if not IPv4. */
static long l3_offset(const uint8_t *p, uint32_t len, uint32_t linktype)
{
	uint32_t off, et;

	if (linktype == 1) { /* Ethernet */
		off = 12;
	} else if (linktype == 113) { /* Linux cooked v1 */
		off = 14;
	} else {
		return -1;
	}
	if (len < off + 2)
		return -1;
	et = p[off] << 8 | p[off + 1];
	off += 2;
	while ((et == 0x8100 || et == 0x88a8) && len >= off + 4) {
		et = p[off + 2] << 8 | p[off + 3];
		off += 4;
	}
	return et == 0x0800 ? (long)off : -1;
}

static int packet(const uint8_t *p, uint32_t len, uint32_t linktype,
		  uint16_t port)
{
	long l3 = l3_offset(p, len, linktype);
	uint32_t ihl, tot, end, l4, doff, seq, src, dst;
	uint16_t sport, dport;
	struct dir *d;
	uint64_t s;

	if (l3 < 0 || len < l3 + 20 || p[l3 + 9] != 6)
		return 0;
	ihl = (p[l3] & 0xf) * 4;
	tot = p[l3 + 2] << 8 | p[l3 + 3];
	/* GSO super-packets may carry 0: the capture has the length. */
	end = tot ? l3 + tot : len;
	if (end > len)
		end = len;
	l4 = l3 + ihl;
	if (end < l4 + 20)
		return 0;
	memcpy(&src, p + l3 + 12, 4);
	memcpy(&dst, p + l3 + 16, 4);
	sport = p[l4] << 8 | p[l4 + 1];
	dport = p[l4 + 2] << 8 | p[l4 + 3];
	if (sport != port && dport != port)
		return 0;
	seq = (uint32_t)p[l4 + 4] << 24 | p[l4 + 5] << 16 | p[l4 + 6] << 8 |
	      p[l4 + 7];
	doff = (p[l4 + 12] >> 4) * 4;
	d = dir_get(src, sport, dst, dport);
	if (!d)
		return -ENOSPC;
	d->pkts++;
	s = unwrap(d, seq);
	if (p[l4 + 13] & 0x02) {
		d->have_syn = true;
		d->isn = s;
	}
	if (end > l4 + doff)
		return seg_add(d, s, end - l4 - doff);
	return 0;
}

static uint32_t rd32(const uint8_t *p, bool swap)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

static int pcap_file(const char *path, uint16_t port)
{
	uint32_t magic, linktype;
	const uint8_t *m;
	struct stat st;
	size_t off;
	bool swap;
	int fd, ret = 0;

	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st)) {
		fprintf(stderr, "bench_check: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	if (st.st_size < 24) {
		close(fd);
		return 0; /* a tool stopped before writing its header */
	}
	m = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return -errno;
	madvise((void *)m, st.st_size, MADV_SEQUENTIAL);
	memcpy(&magic, m, 4);
	swap = magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1;
	if (!swap && magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) {
		fprintf(stderr, "bench_check: %s: not a pcap file\n", path);
		ret = -EINVAL;
		goto out;
	}
	linktype = rd32(m + 20, swap) & 0xffff;
	for (off = 24; off + 16 <= (size_t)st.st_size && !ret;) {
		uint32_t caplen = rd32(m + off + 8, swap);

		/* A tool killed mid-write leaves a short last record. */
		if (off + 16 + caplen > (size_t)st.st_size)
			break;
		n_records++;
		record_bytes += 16 + caplen;
		ret = packet(m + off + 16, caplen, linktype, port);
		off += 16 + caplen;
	}
out:
	munmap((void *)m, st.st_size);
	return ret;
}

static int seg_cmp(const void *a, const void *b)
{
	const struct seg *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Union of the segments; holes from the stream's first byte on. */
static void dir_cover(struct dir *d, uint64_t *uniq, uint64_t *holes)
{
	uint64_t have, u = 0, h = 0;
	size_t i;

	qsort(d->segs, d->nsegs, sizeof(*d->segs), seg_cmp);
	have = d->have_syn ? d->isn + 1 : d->nsegs ? d->segs[0].start : 0;
	for (i = 0; i < d->nsegs; i++) {
		struct seg *s = &d->segs[i];

		if (s->start > have)
			h += s->start - have;
		if (s->end > have) {
			u += s->end - (s->start > have ? s->start : have);
			have = s->end;
		}
	}
	*uniq = u;
	*holes = h;
}

static void addr(char *out, size_t len, uint32_t a, uint16_t port)
{
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	snprintf(out, len, "%s:%u", ip, port);
}

static int run_pcap(int argc, char **argv)
{
	uint64_t tu = 0, th = 0;
	unsigned long port;
	size_t i;
	int ret;

	if (argc < 4 || strcmp(argv[2], "--port")) {
		fprintf(stderr, "usage: bench_check pcap --port P FILE...\n");
		return 2;
	}
	port = strtoul(argv[3], NULL, 10);
	if (!port || port > 65535) {
		fprintf(stderr, "bench_check: bad port '%s'\n", argv[3]);
		return 2;
	}
	for (i = 4; i < (size_t)argc; i++) {
		ret = pcap_file(argv[i], port);
		if (ret) {
			fprintf(stderr, "bench_check: %s: %s\n", argv[i],
				strerror(-ret));
			return 1;
		}
	}
	for (i = 0; i < ndirs; i++) {
		char a[32], b[32];
		uint64_t u, h;

		dir_cover(&dirs[i], &u, &h);
		tu += u;
		th += h;
		addr(a, sizeof(a), dirs[i].src, dirs[i].sport);
		addr(b, sizeof(b), dirs[i].dst, dirs[i].dport);
		printf("dir %s>%s pkts %" PRIu64
		       " syn %d payload_unique %" PRIu64 " holes %" PRIu64 "\n",
		       a, b, dirs[i].pkts, dirs[i].have_syn, u, h);
	}
	printf("total records %" PRIu64 " record_bytes %" PRIu64
	       " payload_unique %" PRIu64 " holes %" PRIu64 " dirs %zu\n",
	       n_records, record_bytes, tu, th, ndirs);
	return 0;
}

static int open_in(const char *path)
{
	int fd = strcmp(path, "-") ? open(path, O_RDONLY) : 0;

	if (fd < 0)
		fprintf(stderr, "bench_check: %s: %s\n", path, strerror(errno));
	return fd;
}

/* Read up to len bytes, short only at end of file. */
static ssize_t read_full(int fd, uint8_t *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += n;
	}
	return got;
}

static int run_cmp(int argc, char **argv)
{
	static uint8_t a[1 << 20], b[1 << 20];
	uint64_t la = 0, lb = 0, eq = 0;
	int fa, fb;

	if (argc != 4) {
		fprintf(stderr, "usage: bench_check cmp A B\n");
		return 2;
	}
	fa = open_in(argv[2]);
	fb = open_in(argv[3]);
	if (fa < 0 || fb < 0)
		return 1;
	for (;;) {
		ssize_t na = read_full(fa, a, sizeof(a));
		ssize_t nb = read_full(fb, b, sizeof(b));
		ssize_t n, i;

		if (na < 0 || nb < 0) {
			fprintf(stderr, "bench_check: read: %s\n",
				strerror(-(na < 0 ? na : nb)));
			return 1;
		}
		n = na < nb ? na : nb;
		if (n && !memcmp(a, b, n)) {
			eq += n;
		} else {
			for (i = 0; i < n; i++)
				eq += a[i] == b[i];
		}
		la += na;
		lb += nb;
		if (!na && !nb)
			break;
	}
	printf("equal %" PRIu64 " len_a %" PRIu64 " len_b %" PRIu64 "\n", eq,
	       la, lb);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "pcap"))
		return run_pcap(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "cmp"))
		return run_cmp(argc, argv);
	fprintf(stderr, "usage: bench_check pcap --port P FILE...\n"
			"       bench_check cmp A B\n");
	return 2;
}
