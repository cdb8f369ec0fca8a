// SPDX-License-Identifier: GPL-2.0
/*
 * bench_writer: the writer's throughput to disk, buffered against direct
 * mode, for records of a given size written from memory in loop turns of
 * a batch of records (as a capture worker does).  The clock stops after
 * writer_close() and an fsync(): without the fsync, buffered mode would
 * time the page cache, not the disk.
 *
 *   bench_writer [-d dir] [-s GiB] [-r record bytes]... [-m buffered|direct]
 *                [-n repeats] [-B records per turn] [-b block KiB]
 *                [-k blocks]
 *
 * One line per run: mode, record size, bytes, seconds writing, seconds in
 * close+fsync, GB/s (10^9 bytes) overall, and the process's CPU seconds (user+sys, the
 * io_uring workers included; kernel writeback threads are not).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "out/writer.h"

#define SRC_BYTES (64u << 20) /* records are cut from here, cyclically */
#define MAX_SIZES 8

struct bench {
	const char *dir;
	uint64_t bytes;
	uint32_t sizes[MAX_SIZES];
	unsigned int nsizes;
	int modes; /* bit 0 buffered, bit 1 direct */
	unsigned int repeats;
	unsigned int batch;
	struct writer_opts wo;
	uint8_t *src;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* Every record of rec bytes into f, a writer_submit() per batch. */
static int write_all(struct bench *b, struct writer *w, struct wfile *f,
		     uint32_t rec)
{
	uint64_t off = 0, src = 0;
	unsigned int n = 0;
	int ret;

	while (off < b->bytes) {
		uint32_t len = b->bytes - off < rec ? b->bytes - off : rec;

		if (src + len > SRC_BYTES)
			src = 0;
		ret = writer_write(w, f, off, b->src + src, len, NULL);
		if (ret)
			return ret;
		off += len;
		src += len;
		if (++n % b->batch == 0) {
			ret = writer_submit(w);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* Make the file's bytes durable: fsync through a fresh descriptor. */
static int sync_path(const char *path)
{
	int fd = open(path, O_RDONLY);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd))
		ret = -errno;
	close(fd);
	return ret;
}

static int run_one(struct bench *b, bool direct, uint32_t rec)
{
	double t0, t1, t2, c0, c1;
	struct writer_stats st;
	struct writer *w;
	struct wfile *f;
	char path[4096];
	int ret;

	snprintf(path, sizeof(path), "%s/bench_writer.out", b->dir);
	unlink(path);
	sync();
	ret = writer_create(&w, &b->wo);
	if (ret)
		return ret;
	c0 = cpu_s();
	t0 = now_s();
	ret = writer_open(w, path, direct ? WRITER_DIRECT : 0, &f);
	if (ret)
		goto out;
	if (direct && !wfile_is_direct(f))
		fprintf(stderr, "%s: O_DIRECT refused, buffered\n", path);
	ret = write_all(b, w, f, rec);
	t1 = now_s();
	if (writer_close(w, f) && !ret)
		ret = -EIO;
	if (!ret)
		ret = sync_path(path);
	t2 = now_s();
	c1 = cpu_s();
	if (ret)
		goto out;
	writer_get_stats(w, &st);
	printf("%-8s rec=%-6u bytes=%llu write=%.2fs close+fsync=%.2fs "
	       "total=%.2fs %.2f GB/s cpu=%.2fs sqes=%llu waits=%llu\n",
	       direct ? "direct" : "buffered", rec,
	       (unsigned long long)st.bytes_written, t1 - t0, t2 - t1, t2 - t0,
	       st.bytes_written / (t2 - t0) / 1e9, c1 - c0,
	       (unsigned long long)st.writes_submitted,
	       (unsigned long long)st.stage_waits);
	fflush(stdout);
out:
	writer_destroy(w);
	unlink(path);
	return ret;
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-d dir] [-s GiB] [-r record bytes]... "
		"[-m buffered|direct] [-n repeats]\n"
		"          [-B records per turn] [-b block KiB] [-k blocks]\n"
		"defaults: -d /tmp -s 2 -r 1500 -r 65536, both modes, -n 1, "
		"-B 64,\n"
		"          the writer's own block size and pool\n",
		prog);
}

static int parse(struct bench *b, int argc, char **argv)
{
	int c;

	while ((c = getopt(argc, argv, "d:s:r:m:n:B:b:k:h")) != -1) {
		switch (c) {
		case 'd':
			b->dir = optarg;
			break;
		case 's':
			b->bytes = strtod(optarg, NULL) * (1 << 30);
			break;
		case 'r':
			if (b->nsizes == MAX_SIZES)
				return -1;
			b->sizes[b->nsizes++] = strtoul(optarg, NULL, 0);
			break;
		case 'm':
			if (!strcmp(optarg, "buffered"))
				b->modes = 1;
			else if (!strcmp(optarg, "direct"))
				b->modes = 2;
			else
				return -1;
			break;
		case 'n':
			b->repeats = strtoul(optarg, NULL, 0);
			break;
		case 'B':
			b->batch = strtoul(optarg, NULL, 0);
			break;
		case 'b':
			b->wo.direct_block_size = strtoul(optarg, NULL, 0)
						  << 10;
			break;
		case 'k':
			b->wo.direct_blocks = strtoul(optarg, NULL, 0);
			break;
		default:
			return -1;
		}
	}
	return b->bytes && b->repeats && b->batch && optind == argc ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct bench b = {
		.dir = "/tmp",
		.bytes = 2ull << 30,
		.modes = 3,
		.repeats = 1,
		.batch = 64,
	};
	unsigned int i, r, k;
	int ret;

	if (parse(&b, argc, argv)) {
		usage(argv[0]);
		return 2;
	}
	if (!b.nsizes) {
		b.sizes[b.nsizes++] = 1500;
		b.sizes[b.nsizes++] = 65536;
	}
	b.src = malloc(SRC_BYTES);
	if (!b.src)
		return 1;
	for (i = 0; i < SRC_BYTES; i++)
		b.src[i] = i * 2654435761u >> 13;
	for (r = 0; r < b.repeats; r++) {
		for (i = 0; i < b.nsizes; i++) {
			for (k = 0; k < 2; k++) {
				if (!(b.modes & (1 << k)))
					continue;
				ret = run_one(&b, k == 1, b.sizes[i]);
				if (ret) {
					fprintf(stderr, "%s: %s\n", b.dir,
						strerror(-ret));
					return 1;
				}
			}
		}
	}
	free(b.src);
	return 0;
}
