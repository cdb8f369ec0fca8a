// SPDX-License-Identifier: GPL-2.0
/*
 * capture_stats: formatting of the counters.  Every drop has a name:
 *   ring_full   the socket's RX ring was full (kernel, rx_ring_full)
 *   fill_empty  no frame in the fill ring (kernel, fill_ring_empty_descs)
 *   kernel      other kernel drops (rx_dropped less the two above)
 *   invalid     invalid descriptors (rx_invalid_descs)
 *   nosock      matched on a queue without a socket (classifier: passed)
 *   chain       a multi-buffer chain longer than flowsplice takes
 *   write       the pcap write could not be queued
 * A write the kernel failed is reported apart (write_errors): it is
 * counted in writes, not packets, and its packets are in "written".
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "live/capture_stats.h"

static uint64_t kernel_other(const struct xsk_counts *k)
{
	/*
	 * The kernel counts a fill-ring miss in rx_dropped too; ring-full
	 * drops are separate.  What is left is "other".
	 */
	uint64_t fe = k->rx_fill_ring_empty_descs;

	return k->rx_dropped > fe ? k->rx_dropped - fe : 0;
}

uint64_t queue_snap_drops(const struct queue_snap *q)
{
	return q->k.rx_ring_full + q->k.rx_dropped + q->k.rx_invalid_descs +
	       q->w.chain_drop + q->w.write_fail;
}

struct totals {
	uint64_t pkts, bytes, written, ring_full, fill_empty, kernel, invalid,
		chain, handoff, write, redirected, wr_bytes, handed, flows,
		evicted, processed, wr_errors, files, written_once,
		dropped_bytes, room_drops;
};

static void sum(const struct capture_snap *s, struct totals *t)
{
	unsigned int i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < s->nq; i++) {
		const struct queue_snap *q = &s->q[i];

		t->pkts += q->w.rx_packets;
		t->bytes += q->w.rx_bytes;
		t->written += q->w.written;
		t->ring_full += q->k.rx_ring_full;
		t->fill_empty += q->k.rx_fill_ring_empty_descs;
		t->kernel += kernel_other(&q->k);
		t->invalid += q->k.rx_invalid_descs;
		t->chain += q->w.chain_drop;
		t->handoff += q->w.handoff_waits;
		t->handed += q->w.handed_out;
		t->flows += q->w.flows;
		t->evicted += q->w.evicted;
		t->write += q->w.write_fail;
		t->wr_errors += q->w.wr_errors;
		t->processed += q->w.processed;
		t->redirected += q->redirected;
		t->wr_bytes += q->w.wr_bytes;
		t->files += q->w.files;
		t->written_once += q->w.written_once;
		t->dropped_bytes += q->w.dropped_bytes;
		t->room_drops += q->w.room_drops;
	}
}

void capture_stats_line(FILE *f, const struct capture_snap *cur,
			const struct capture_snap *prev)
{
	struct totals a, b = {0};
	double dt;

	sum(cur, &a);
	if (prev)
		sum(prev, &b);
	dt = prev ? (cur->time_ns - prev->time_ns) / 1e9 : 1.0;
	if (dt <= 0)
		dt = 1.0;
	fprintf(f,
		"rx %" PRIu64 " pkts %.1f MB | %.0f pps %.1f Mbit/s | "
		"drops: ring_full %" PRIu64 " fill_empty %" PRIu64
		" kernel %" PRIu64 " nosock %" PRIu64 " chain %" PRIu64
		" write %" PRIu64 " (write errors %" PRIu64
		", handoff waits %" PRIu64 ")\n",
		a.pkts, a.bytes / 1e6, (a.pkts - b.pkts) / dt,
		(a.bytes - b.bytes) * 8 / dt / 1e6, a.ring_full, a.fill_empty,
		a.kernel + a.invalid, cur->xdp[FS_STAT_NOSOCK], a.chain,
		a.write, a.wr_errors, a.handoff);
	fflush(f);
}

static void json_queue(FILE *f, const struct queue_snap *q, int last)
{
	const struct worker_stats *w = &q->w;

	fprintf(f,
		"    {\"queue\": %u, \"redirected\": %" PRIu64
		", \"rx_packets\": %" PRIu64 ", \"rx_bytes\": %" PRIu64
		", \"rx_descs\": %" PRIu64 ", \"written\": %" PRIu64
		", \"written_bytes\": %" PRIu64 ", \"no_meta\": %" PRIu64
		",\n     \"handed_out\": %" PRIu64 ", \"handed_in\": %" PRIu64
		", \"processed\": %" PRIu64 ", \"not_tcp\": %" PRIu64
		", \"malformed\": %" PRIu64 ", \"flows\": %" PRIu64
		", \"flows_active\": %" PRIu64 ", \"evicted\": %" PRIu64
		", \"held_frames_max\": %" PRIu64 ", \"hold_budget\": %" PRIu64
		", \"handoff_waits\": %" PRIu64 ", \"loop_waits\": %" PRIu64
		",\n     \"drops\": {\"ring_full\": %" PRIu64
		", \"fill_empty\": %" PRIu64 ", \"kernel\": %" PRIu64
		", \"invalid\": %" PRIu64 ", \"chain\": %" PRIu64
		", \"write\": %" PRIu64 "}, \"write_errors\": %" PRIu64
		",\n     \"streams\": {\"files\": %" PRIu64
		", \"written_once\": %" PRIu64 ", \"reopens\": %" PRIu64
		", \"hold_full\": %" PRIu64 ", \"room_drops\": %" PRIu64
		", \"dropped_bytes\": %" PRIu64 ", \"write_errors\": %" PRIu64
		"}}%s\n",
		q->queue, q->redirected, w->rx_packets, w->rx_bytes,
		w->rx_descs, w->written, w->wr_bytes, w->no_meta, w->handed_out,
		w->handed_in, w->processed, w->not_tcp, w->malformed, w->flows,
		w->flows_active, w->evicted, w->held_frames_max, w->hold_budget,
		w->handoff_waits, w->loop_waits, q->k.rx_ring_full,
		q->k.rx_fill_ring_empty_descs, kernel_other(&q->k),
		q->k.rx_invalid_descs, w->chain_drop, w->write_fail,
		w->wr_errors, w->files, w->written_once, w->reopens,
		w->hold_full, w->room_drops, w->dropped_bytes, w->stream_errors,
		last ? "" : ",");
}

static const char *file_kind(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR:
		return "a directory";
	case S_IFLNK:
		return "a symbolic link";
	case S_IFIFO:
		return "a FIFO";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	case S_IFSOCK:
		return "a socket";
	default:
		return "not a regular file";
	}
}

/*
 * The document replaces path by rename(2), which would turn whatever is
 * there into a regular file: only a regular file (never followed through
 * a symlink) or nothing may be there.  -EEXIST otherwise.
 */
static int check_target(const char *path, mode_t *mode)
{
	struct stat st;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	*mode = st.st_mode;
	return S_ISREG(st.st_mode) ? 0 : -EEXIST;
}

/* A new, uniquely named file next to path, for the rename; its fd. */
static int open_tmp(const char *path, char *tmp, size_t len)
{
	int fd;

	if (snprintf(tmp, len, "%s.XXXXXX", path) >= (int)len)
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* mkostemp makes it 0600; the counters are no secret. */
	fchmod(fd, 0644);
	return fd;
}

int capture_stats_json_check(const char *path, char *why, size_t whylen)
{
	char tmp[PATH_MAX];
	mode_t mode = 0;
	int ret, fd;

	ret = check_target(path, &mode);
	if (ret == -EEXIST) {
		snprintf(why, whylen,
			 "is %s, not a regular file: refusing to replace it",
			 file_kind(mode));
		return ret;
	}
	if (ret) {
		snprintf(why, whylen, "%s", strerror(-ret));
		return ret;
	}
	fd = open_tmp(path, tmp, sizeof(tmp));
	if (fd < 0) {
		snprintf(why, whylen,
			 "cannot create a file in its directory: %s",
			 strerror(-fd));
		return fd;
	}
	close(fd);
	unlink(tmp);
	return 0;
}

int stats_json_replace(const char *path, void (*emit)(FILE *f, const void *arg),
		       const void *arg)
{
	char tmp[PATH_MAX];
	mode_t mode;
	FILE *f;
	int ret, fd;

	ret = check_target(path, &mode);
	if (ret)
		return ret;
	fd = open_tmp(path, tmp, sizeof(tmp));
	if (fd < 0)
		return fd;
	f = fdopen(fd, "w");
	if (!f) {
		ret = -errno;
		close(fd);
		unlink(tmp);
		return ret;
	}
	emit(f, arg);
	if (fflush(f))
		ret = -errno;
	else if (ferror(f))
		ret = -EIO;
	if (fclose(f) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

struct capture_doc {
	const char *ifname;
	const struct capture_snap *s;
	double elapsed_s;
};

static void emit_capture(FILE *f, const void *arg)
{
	static const char *const names[] = FS_STAT_NAMES;
	const struct capture_doc *d = arg;
	const struct capture_snap *s = d->s;
	unsigned int i;

	fprintf(f, "{\n  \"interface\": \"%s\",\n  \"elapsed_s\": %.3f,\n",
		d->ifname, d->elapsed_s);
	fprintf(f, "  \"xdp\": {");
	for (i = 0; i < FS_STAT_MAX; i++)
		fprintf(f, "%s\"%s\": %" PRIu64, i ? ", " : "", names[i],
			s->xdp[i]);
	fprintf(f, "},\n  \"queues\": [\n");
	for (i = 0; i < s->nq; i++)
		json_queue(f, &s->q[i], i + 1 == s->nq);
	fprintf(f, "  ]\n}\n");
}

int capture_stats_json(const char *path, const char *ifname,
		       const struct capture_snap *s, double elapsed_s)
{
	const struct capture_doc d = {ifname, s, elapsed_s};

	return stats_json_replace(path, emit_capture, &d);
}

int64_t capture_stats_summary(FILE *f, const struct capture_snap *s,
			      double elapsed_s)
{
	struct totals t;
	int64_t unexplained = 0;
	unsigned int i;

	sum(s, &t);
	fprintf(f, "\nflowsplice capture summary (%.1f s)\n", elapsed_s);
	fprintf(f,
		"  classifier: seen %" PRIu64 ", matched %" PRIu64
		", redirected %" PRIu64 ", nosock %" PRIu64
		", malformed %" PRIu64 ", passed %" PRIu64 "\n",
		s->xdp[FS_STAT_SEEN], s->xdp[FS_STAT_MATCHED],
		s->xdp[FS_STAT_REDIRECTED], s->xdp[FS_STAT_NOSOCK],
		s->xdp[FS_STAT_MALFORMED], s->xdp[FS_STAT_PASSED]);
	for (i = 0; i < s->nq; i++) {
		const struct queue_snap *q = &s->q[i];
		int64_t gap =
			(int64_t)q->redirected -
			(int64_t)(q->w.rx_packets + q->k.rx_ring_full +
				  q->k.rx_dropped + q->k.rx_invalid_descs);

		fprintf(f,
			"  queue %u: redirected %" PRIu64 ", received %" PRIu64
			" (%" PRIu64 " bytes), written %" PRIu64
			", dropped %" PRIu64 "%s\n",
			q->queue, q->redirected, q->w.rx_packets, q->w.rx_bytes,
			q->w.written, queue_snap_drops(q),
			gap ? " (counts differ: see below)" : "");
		if (gap > 0)
			unexplained += gap;
		if (s->pcap) {
			gap = (int64_t)q->w.processed -
			      (int64_t)(q->w.written + q->w.write_fail);
			if (gap) {
				fprintf(f,
					"  queue %u: processed %" PRIu64
					" but written %" PRIu64
					" + write drops %" PRIu64 "\n",
					q->queue, q->w.processed, q->w.written,
					q->w.write_fail);
				unexplained += gap > 0 ? gap : -gap;
			}
		}
	}
	if (t.pkts != t.processed + t.chain) {
		int64_t gap =
			(int64_t)t.pkts - (int64_t)(t.processed + t.chain);

		fprintf(f,
			"  received %" PRIu64 " but processed %" PRIu64
			" + chain drops %" PRIu64 "\n",
			t.pkts, t.processed, t.chain);
		unexplained += gap > 0 ? gap : -gap;
	}
	fprintf(f,
		"  total: received %" PRIu64 " packets, %" PRIu64
		" bytes; written %" PRIu64 " packets (%" PRIu64
		" bytes to disk)\n",
		t.pkts, t.bytes, t.written, t.wr_bytes);
	fprintf(f,
		"  drops: ring_full %" PRIu64 ", fill_empty %" PRIu64
		", kernel %" PRIu64 ", invalid %" PRIu64 ", nosock %" PRIu64
		", chain %" PRIu64 ", write %" PRIu64 "\n",
		t.ring_full, t.fill_empty, t.kernel, t.invalid,
		s->xdp[FS_STAT_NOSOCK], t.chain, t.write);
	if (t.wr_errors)
		fprintf(f,
			"  write errors: %" PRIu64
			" writes failed in the kernel (see the log for which "
			"file)\n",
			t.wr_errors);
	if (t.flows)
		fprintf(f,
			"  streams: %" PRIu64 " flows (%" PRIu64
			" evicted), %" PRIu64
			" packets handed to their flow's owner worker (%" PRIu64
			" waits for room)\n",
			t.flows, t.evicted, t.handed, t.handoff);
	if (t.files || t.dropped_bytes)
		fprintf(f,
			"  stream files: %" PRIu64 " (%" PRIu64
			" written in one open-write-close); %" PRIu64
			" stream bytes not written (%" PRIu64
			" writes found no descriptor free)\n",
			t.files, t.written_once, t.dropped_bytes, t.room_drops);
	if (unexplained)
		fprintf(f,
			"  %" PRId64
			" packets are not explained by any counter\n",
			unexplained);
	else if (t.wr_errors)
		fprintf(f,
			"  every redirected packet is counted, but %" PRIu64
			" writes failed: the files they hit are incomplete "
			"(pcap files end at their last whole record)\n",
			t.wr_errors);
	else
		fprintf(f, "  every redirected packet is accounted for\n");
	return unexplained;
}
