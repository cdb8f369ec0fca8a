// SPDX-License-Identifier: GPL-2.0
/*
 * bench_create: how many small files per second this disk takes, the way
 * stream capture makes them, against the plain way.
 *
 *   bench_create [-d dir] [-n files] [-s bytes] [-m chain|sync]
 *                [-w io-wq workers]
 *
 * chain: writer_write_file() (one open-write-close io_uring chain per
 *        file, registered slots), DIR/<i / 2000>/ shards made ahead as
 *        streams does, a loop turn submitting 64 files;
 * sync:  open(2), write(2), close(2) from this thread, same layout.
 * The clock stops when every file is closed (no fsync: stream files are
 * not synced either).  One line: mode, files, bytes each, seconds,
 * files/s.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "out/writer.h"

#define SHARD 2000 /* files per directory: two per flow of a shard */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void closed(void *ctx, uint64_t errors, int err)
{
	unsigned long *bad = ctx;

	if (errors || err)
		(*bad)++;
}

static unsigned int iowq;

static int run_chain(const char *dir, unsigned long n, const uint8_t *data,
		     uint32_t len, unsigned long *bad)
{
	struct writer_opts o = {.iowq_workers = iowq};
	struct writer *w;
	char path[4200];
	unsigned long i;
	int ret;

	ret = writer_create(&w, &o);
	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		if (i % SHARD == 0) {
			snprintf(path, sizeof(path), "%s/%lu", dir,
				 i / SHARD + 1);
			writer_mkdir(w, path);
		}
		snprintf(path, sizeof(path), "%s/%lu/f%lu", dir, i / SHARD, i);
		ret = writer_write_file(w, path, 0, data, len, NULL,
					WRITER_SIZE_KEEP, closed, bad);
		if (ret)
			break;
		if (i % 64 == 63)
			writer_submit(w);
	}
	writer_drain(w);
	writer_destroy(w);
	return ret;
}

static int run_sync(const char *dir, unsigned long n, const uint8_t *data,
		    uint32_t len, unsigned long *bad)
{
	char path[4200];
	unsigned long i;
	int fd;

	for (i = 0; i < n; i++) {
		if (i % SHARD == 0) {
			snprintf(path, sizeof(path), "%s/%lu", dir,
				 i / SHARD + 1);
			mkdir(path, 0755);
		}
		snprintf(path, sizeof(path), "%s/%lu/f%lu", dir, i / SHARD, i);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0 || write(fd, data, len) != (ssize_t)len)
			(*bad)++;
		if (fd >= 0)
			close(fd);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *dir = ".", *mode = "chain";
	unsigned long n = 20000, bad = 0;
	uint32_t len = 4000;
	char sub[4200];
	uint8_t *data;
	double t0, t;
	int c, ret;

	while ((c = getopt(argc, argv, "d:n:s:m:w:")) != -1) {
		switch (c) {
		case 'w':
			iowq = strtoul(optarg, NULL, 0);
			break;
		case 'd':
			dir = optarg;
			break;
		case 'n':
			n = strtoul(optarg, NULL, 0);
			break;
		case 's':
			len = strtoul(optarg, NULL, 0);
			break;
		case 'm':
			mode = optarg;
			break;
		default:
			fprintf(stderr,
				"usage: bench_create [-d dir] [-n files] "
				"[-s bytes] [-m chain|sync] [-w workers]\n");
			return 2;
		}
	}
	data = calloc(1, len ? len : 1);
	snprintf(sub, sizeof(sub), "%s/0", dir);
	if (!data || (mkdir(sub, 0755) && errno != EEXIST)) {
		perror("bench_create");
		return 1;
	}
	t0 = now_s();
	ret = strcmp(mode, "sync") ? run_chain(dir, n, data, len, &bad)
				   : run_sync(dir, n, data, len, &bad);
	t = now_s() - t0;
	if (ret) {
		fprintf(stderr, "bench_create: %s\n", strerror(-ret));
		return 1;
	}
	printf("%s files %lu bytes %u seconds %.3f files_per_s %.0f failed "
	       "%lu\n",
	       mode, n, len, t, n / t, bad);
	free(data);
	return bad ? 1 : 0;
}
