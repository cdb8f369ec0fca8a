// SPDX-License-Identifier: GPL-2.0
/*
 * flow_opts: what `capture` and `read` share about their flow settings
 * (flow_opts.h): the fit of the stream files' bound under the descriptor
 * limit, and whether stream files can be written direct.
 */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/resource.h>

#include "out/writer.h"

#include "cmd/flow_opts.h"
#include "lib/log.h"

/* Descriptors open now (the input, io_uring, -w, ...). */
static unsigned int fds_in_use(void)
{
	unsigned int n = 0;
	struct dirent *de;
	DIR *d;

	d = opendir("/proc/self/fd");
	if (!d)
		return 64;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	/* The directory's own descriptor was one of them. */
	return n ? n - 1 : 0;
}

/*
 * Past *max_open, stream files are closed and opened again later: raise
 * the descriptor limit as far as allowed first, and stay under it, leaving
 * room for what is open now and, per user, what opens after the bound is
 * set (flows.jsonl twice, the file a retransmission is compared with, a
 * worker's socket and ring, and a margin).
 */
void flow_opts_fit_open_files(unsigned int *max_open, unsigned int users)
{
	rlim_t spare = fds_in_use() + 8 * (rlim_t)users;
	rlim_t want = (rlim_t)*max_open * users + spare;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	if (rl.rlim_cur < want && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur < want) {
		*max_open = rl.rlim_cur > spare + users
				    ? (rl.rlim_cur - spare) / users
				    : 1;
		pr_info("at most %u stream files open%s (RLIMIT_NOFILE "
			"%llu)\n",
			*max_open, users > 1 ? " per worker" : "",
			(unsigned long long)rl.rlim_cur);
	}
}

bool flow_opts_stream_direct(int stream_io, const char *dir)
{
	int ret;

	if (stream_io != FLOW_STREAM_IO_DIRECT)
		return false;
	ret = writer_sparse_probe(dir);
	if (!ret)
		return true;
	if (ret == -EOPNOTSUPP)
		pr_info("stream files are written buffered: this kernel has no "
			"IORING_OP_FTRUNCATE (6.9) to set their length\n");
	else
		pr_info("stream files are written buffered: %s refuses "
			"O_DIRECT (%s)\n",
			dir, strerror(-ret));
	return false;
}
