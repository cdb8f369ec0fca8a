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
 *   bench_check streams [--seed S] [--conns N] [--first-id I]
 *		       [--req-bytes X] [--resp-bytes Y] FILE...
 *	Stream files (tcpflow's, flowsplice's) against the content tcpxfer
 *	sent with those options.  Each file is placed in the stream it
 *	belongs to; its bytes count where they equal the stream's.  Lines
 *	"file ...", "stream ID c2s|s2c want W covered C", then
 *	  total want W covered C
 *
 *   bench_check conns [--seed S] [--first-id I] [--req-bytes X]
 *		     [--resp-bytes Y] C2S S2C [C2S S2C ...]
 *	Whole connections: each pair is the two files one tool wrote for
 *	one connection (S2C "-" when it wrote none); the connection is kept
 *	when C2S is exactly the stream its header names and S2C exactly that
 *	connection's answer.  No bound on the number of connections.  One
 *	line "conns N kept K".
 *
 * Exit 0, or 1 on an unreadable or malformed file.
 */
#include <arpa/inet.h>
#include <endian.h>
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

#include "xfergen.h"

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

/*
 * --- stream files against tcpxfer's generated content -----------------------
 *
 * The streams of tools/lib/xfergen.h, the module tcpxfer sends from.  A
 * tool may split one direction over several files (tcpflow's "c1" files
 * after a jump in sequence); each file is placed by inverting one of its
 * first words (xfergen_word_index).  Stream index s is 2 id + dir.
 */
#define MIN_RUN 8 /* equal bytes shorter than this are chance, not data */

struct xfer {
	uint64_t seed, req, resp;
	unsigned int conns, first_id;
};

/* Expected bytes [off, off + len) of stream s. */
static void expect_fill(const struct xfer *x, unsigned int s, uint64_t off,
			uint8_t *buf, size_t len)
{
	xfergen_stream(x->first_id + s / 2, s & 1, x->req, x->resp, x->seed,
		       off, buf, len);
}

static uint64_t stream_len(const struct xfer *x, unsigned int s)
{
	return xfergen_stream_len(s & 1, x->req, x->resp);
}

/*
 * Which stream and offset the file's first bytes p[0..n) come from:
 * returns the stream index and sets *off, or -1.
 */
static int locate(const struct xfer *x, const uint8_t *p, size_t n,
		  uint64_t *off)
{
	unsigned int s, nstreams = 2 * x->conns;
	uint64_t v, k, body;
	size_t a;

	if (n >= 8 && !memcmp(p, XFERGEN_MAGIC, 4)) {
		uint32_t id = xfergen_get_be(p + 4, 4);

		if (id >= x->first_id && id - x->first_id < x->conns) {
			*off = 0;
			return 2 * (id - x->first_id);
		}
	}
	for (a = 0; a + 8 <= n && a < 8; a++) {
		memcpy(&v, p + a, 8);
		v = le64toh(v);
		for (s = 0; s < nstreams; s++) {
			uint64_t seed = xfergen_seed(
				x->seed, x->first_id + s / 2, s & 1);

			k = xfergen_word_index(seed, v);
			body = s & 1 ? 0 : XFERGEN_HDR_LEN;
			if (k * 8 >= a && body + k * 8 - a < stream_len(x, s)) {
				*off = body + k * 8 - a;
				return s;
			}
		}
	}
	return -1;
}

/* Runs of at least MIN_RUN equal bytes, as segments of stream space. */
static int match_runs(struct dir *d, uint64_t base, const uint8_t *a,
		      const uint8_t *b, size_t n, uint64_t *run_start,
		      uint64_t *run_len)
{
	size_t i;
	int ret;

	for (i = 0; i < n; i++) {
		if (a[i] == b[i]) {
			if (!(*run_len)++)
				*run_start = base + i;
			continue;
		}
		if (*run_len >= MIN_RUN) {
			ret = seg_add(d, *run_start, *run_len);
			if (ret)
				return ret;
		}
		*run_len = 0;
	}
	return 0;
}

static int stream_file(const struct xfer *x, struct dir *cov, const char *path)
{
	static uint8_t got[1 << 20], want[1 << 20];
	uint64_t off, pos, run_start = 0, run_len = 0;
	ssize_t n;
	int fd, s, ret = 0;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, got, 64);
	s = n > 0 ? locate(x, got, n, &off) : -1;
	if (s < 0) {
		printf("file %s unmatched\n", path);
		close(fd);
		return 0;
	}
	for (pos = 0; (n = pread(fd, got, sizeof(got), pos)) > 0; pos += n) {
		uint64_t end = stream_len(x, s);
		size_t m = off + pos >= end ? 0 : end - off - pos;

		m = m < (size_t)n ? m : (size_t)n;
		expect_fill(x, s, off + pos, want, m);
		if (!memcmp(got, want, m)) {
			if (!run_len)
				run_start = off + pos;
			run_len += m;
		} else {
			ret = match_runs(&cov[s], off + pos, got, want, m,
					 &run_start, &run_len);
		}
		if (ret || m < (size_t)n)
			break;
	}
	if (n < 0)
		ret = -errno;
	if (!ret && run_len >= MIN_RUN)
		ret = seg_add(&cov[s], run_start, run_len);
	printf("file %s stream %u %s offset %" PRIu64 " len %" PRIu64 "\n",
	       path, x->first_id + s / 2, s & 1 ? "s2c" : "c2s", off,
	       (uint64_t)lseek(fd, 0, SEEK_END));
	close(fd);
	return ret;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || end == s || *end ? -EINVAL : 0;
}

static int xfer_args(int argc, char **argv, struct xfer *x, int *first_file)
{
	uint64_t v;
	int i;

	*x = (struct xfer){.seed = 1, .conns = 1};
	for (i = 2; i + 1 < argc && !strncmp(argv[i], "--", 2); i += 2) {
		if (parse_u64(argv[i + 1], &v))
			return -EINVAL;
		if (!strcmp(argv[i], "--seed"))
			x->seed = v;
		else if (!strcmp(argv[i], "--conns") && v && v <= MAX_DIRS / 2)
			x->conns = v;
		else if (!strcmp(argv[i], "--first-id") && v <= UINT32_MAX)
			x->first_id = v;
		else if (!strcmp(argv[i], "--req-bytes"))
			x->req = v;
		else if (!strcmp(argv[i], "--resp-bytes"))
			x->resp = v;
		else
			return -EINVAL;
	}
	*first_file = i;
	return 0;
}

static int run_streams(int argc, char **argv)
{
	uint64_t want = 0, covered = 0, u, h;
	struct xfer x;
	unsigned int s;
	int i, first, ret;

	if (xfer_args(argc, argv, &x, &first)) {
		fprintf(stderr, "usage: bench_check streams [--seed S] "
				"[--conns N] [--first-id I] [--req-bytes X] "
				"[--resp-bytes Y] FILE...\n");
		return 2;
	}
	for (i = first; i < argc; i++) {
		ret = stream_file(&x, dirs, argv[i]);
		if (ret) {
			fprintf(stderr, "bench_check: %s: %s\n", argv[i],
				strerror(-ret));
			return 1;
		}
	}
	for (s = 0; s < 2 * x.conns; s++) {
		/* Coverage from the stream's first byte: holes count. */
		dirs[s].have_syn = true;
		dirs[s].isn = (uint64_t)-1;
		dir_cover(&dirs[s], &u, &h);
		want += stream_len(&x, s);
		covered += u;
		printf("stream %u %s want %" PRIu64 " covered %" PRIu64 "\n",
		       x.first_id + s / 2, s & 1 ? "s2c" : "c2s",
		       stream_len(&x, s), u);
	}
	printf("total want %" PRIu64 " covered %" PRIu64 "\n", want, covered);
	return 0;
}

/* Whether path holds exactly stream (id, dir) of x; id from its header if c2s. */
static bool file_is_stream(const struct xfer *x, const char *path, int dir,
			   uint32_t *id)
{
	static uint8_t got[1 << 16], want[1 << 16];
	uint64_t len = xfergen_stream_len(dir, x->req, x->resp), pos;
	bool ok = true;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	if (dir == 0) {
		n = pread(fd, got, 8, 0);
		if (n < 8 || memcmp(got, XFERGEN_MAGIC, 4)) {
			close(fd);
			return false;
		}
		*id = xfergen_get_be(got + 4, 4);
	}
	if (lseek(fd, 0, SEEK_END) != (off_t)len)
		ok = false;
	for (pos = 0; ok && pos < len; pos += n) {
		size_t m = len - pos < sizeof(got) ? len - pos : sizeof(got);

		n = pread(fd, got, m, pos);
		if (n != (ssize_t)m)
			break;
		xfergen_stream(*id, dir, x->req, x->resp, x->seed, pos, want,
			       m);
		ok = !memcmp(got, want, m);
	}
	close(fd);
	return ok && pos >= len;
}

static int run_conns(int argc, char **argv)
{
	unsigned long n = 0, kept = 0;
	struct xfer x;
	int i, first;
	uint32_t id;

	if (xfer_args(argc, argv, &x, &first) || (argc - first) % 2) {
		fprintf(stderr,
			"usage: bench_check conns [--seed S] "
			"[--req-bytes X] [--resp-bytes Y] C2S S2C...\n");
		return 2;
	}
	for (i = first; i + 1 < argc; i += 2) {
		n++;
		if (!file_is_stream(&x, argv[i], 0, &id))
			continue;
		if (strcmp(argv[i + 1], "-")
			    ? file_is_stream(&x, argv[i + 1], 1, &id)
			    : !xfergen_stream_len(1, x.req, x.resp))
			kept++;
	}
	printf("conns %lu kept %lu\n", n, kept);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "pcap"))
		return run_pcap(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "streams"))
		return run_streams(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "conns"))
		return run_conns(argc, argv);
	fprintf(stderr, "usage: bench_check pcap --port P FILE...\n"
			"       bench_check streams [OPTIONS] FILE...\n"
			"       bench_check conns [OPTIONS] C2S S2C...\n");
	return 2;
}
