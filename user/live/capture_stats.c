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
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"
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

/*
 * Every per-queue counter, once: the --stats-json keys and the Prometheus
 * metrics (--metrics, --metrics-file) are both generated from this
 * table, so they cannot disagree.  json: the key in the queue's object,
 * or in its nested object obj ("drops", "streams"; a nested object's
 * entries are consecutive); prom: the metric name after "flowsplice_",
 * labelled queue (and cause).  DERIVED_KERNEL: the kernel
 * drops other than fill_empty, computed (kernel_other()).
 */
#define QOFF(m) offsetof(struct queue_snap, m)
#define DERIVED_KERNEL SIZE_MAX
#define COUNTER(j, p, off, h)                   \
	{                                       \
		j, p, NULL, false, off, h, NULL \
	}
#define GAUGE(j, p, off, h)                    \
	{                                      \
		j, p, NULL, true, off, h, NULL \
	}
#define DROP(cause, off, h)                                         \
	{                                                           \
		cause, "drops_total", cause, false, off, h, "drops" \
	}
#define STREAM(j, p, off, h)                         \
	{                                            \
		j, p, NULL, false, off, h, "streams" \
	}

static const struct qstat {
	const char *json;
	const char *prom;
	const char *cause;
	bool gauge;
	size_t off;
	const char *help;
	const char *obj; /* the queue's nested JSON object, or NULL */
} qstats[] = {
	COUNTER("redirected", "redirected_packets_total", QOFF(redirected),
		"Packets the classifier redirected to the queue."),
	COUNTER("rx_packets", "packets_total", QOFF(w.rx_packets),
		"Packets received from the queue's socket."),
	COUNTER("rx_bytes", "bytes_total", QOFF(w.rx_bytes),
		"Bytes received from the queue's socket."),
	COUNTER("rx_descs", "descriptors_total", QOFF(w.rx_descs),
		"RX descriptors (a multi-buffer packet takes several)."),
	COUNTER("written", "written_packets_total", QOFF(w.written),
		"Packets in the pcap files."),
	COUNTER("written_bytes", "written_bytes_total", QOFF(w.wr_bytes),
		"Bytes the writer completed."),
	COUNTER("no_meta", "no_meta_packets_total", QOFF(w.no_meta),
		"Packets without a classifier timestamp, stamped on receipt."),
	COUNTER("ts_nic", "nic_timestamped_packets_total", QOFF(w.ts_nic),
		"Packets stamped by the NIC (bpf_xdp_metadata_rx_timestamp)."),
	COUNTER("handed_out", "handed_out_packets_total", QOFF(w.handed_out),
		"Packets handed to their flow's owner worker."),
	COUNTER("handed_in", "handed_in_packets_total", QOFF(w.handed_in),
		"Packets received from other workers."),
	COUNTER("processed", "processed_packets_total", QOFF(w.processed),
		"Packets processed as their flow's owner."),
	COUNTER("not_tcp", "not_tcp_packets_total", QOFF(w.not_tcp),
		"Matched packets not reassembled (UDP, fragments)."),
	COUNTER("malformed", "malformed_packets_total", QOFF(w.malformed),
		"Packets unparsable in userspace."),
	COUNTER("flows", "flows_total", QOFF(w.flows),
		"Flows the worker owned."),
	GAUGE("flows_active", "flows_active", QOFF(w.flows_active),
	      "Flows the worker owns now."),
	COUNTER("evicted", "evicted_flows_total", QOFF(w.evicted),
		"Flows ended for the flow-table bound (--max-flows)."),
	COUNTER("gaps", "gaps_total", QOFF(w.gaps),
		"Holes recorded in the streams of the flows ended."),
	COUNTER("gap_bytes", "gap_bytes_total", QOFF(w.gap_bytes),
		"Bytes of the holes recorded in the streams of the flows ended."),
	COUNTER("stream_bytes", "stream_bytes_total", QOFF(w.stream_bytes),
		"Stream bytes reassembled in the flows ended."),
	GAUGE("held_frames_max", "held_frames_max", QOFF(w.held_frames_max),
	      "Most frames held by the reassembler."),
	COUNTER("hold_budget", "hold_budget_segments_total",
		QOFF(w.hold_budget), "Segments past the held-frame budget."),
	COUNTER("handoff_waits", "handoff_waits_total", QOFF(w.handoff_waits),
		"Waits for room in an owner's inbox."),
	COUNTER("loop_waits", "loop_waits_total", QOFF(w.loop_waits),
		"Times the worker loop waited for the writer."),
	DROP("ring_full", QOFF(k.rx_ring_full), "Packets dropped, by cause."),
	DROP("fill_empty", QOFF(k.rx_fill_ring_empty_descs), NULL),
	DROP("kernel", DERIVED_KERNEL, NULL),
	DROP("invalid", QOFF(k.rx_invalid_descs), NULL),
	DROP("chain", QOFF(w.chain_drop), NULL),
	DROP("write", QOFF(w.write_fail), NULL),
	COUNTER("write_errors", "write_errors_total", QOFF(w.wr_errors),
		"Writes the kernel failed."),
	STREAM("files", "stream_files_total", QOFF(w.files),
	       "Stream files created."),
	STREAM("written_once", "stream_written_once_files_total",
	       QOFF(w.written_once),
	       "Stream files written in one open-write-close chain."),
	STREAM("reopens", "stream_reopens_total", QOFF(w.reopens),
	       "Stream files closed for the open-file bound and reopened."),
	STREAM("renames", "stream_renames_total", QOFF(w.renames),
	       "Stream files renamed after a late SYN swapped the roles."),
	STREAM("hold_full", "stream_hold_full_total", QOFF(w.hold_full),
	       "Stream directions streamed because the hold bound was reached."),
	STREAM("room_drops", "stream_room_drops_total", QOFF(w.room_drops),
	       "Stream writes dropped: no descriptor free."),
	STREAM("dropped_bytes", "stream_dropped_bytes_total",
	       QOFF(w.dropped_bytes), "Stream bytes never written."),
	STREAM("write_errors", "stream_write_errors_total",
	       QOFF(w.stream_errors),
	       "Failed stream and index opens and writes."),
};

#define NQSTATS (sizeof(qstats) / sizeof(qstats[0]))

static uint64_t qstat_get(const struct qstat *st, const struct queue_snap *q)
{
	if (st->off == DERIVED_KERNEL)
		return kernel_other(&q->k);
	return *(const uint64_t *)((const char *)q + st->off);
}

static void json_queue(FILE *f, const struct queue_snap *q, int last)
{
	const char *obj = NULL;
	unsigned int i;

	fprintf(f, "    {\"queue\": %u", q->queue);
	for (i = 0; i < NQSTATS; i++) {
		const struct qstat *st = &qstats[i];

		if (st->obj != obj) {
			fprintf(f, "%s,\n     ", obj ? "}" : "");
			if (st->obj)
				fprintf(f, "\"%s\": {", st->obj);
			obj = st->obj;
		} else {
			fprintf(f, ", ");
		}
		fprintf(f, "\"%s\": %" PRIu64, st->json, qstat_get(st, q));
	}
	fprintf(f, "%s}%s\n", obj ? "}" : "", last ? "" : ",");
}

/* -W, --max-disk, -z: the finished files and what became of them. */
static void json_files(FILE *f, const struct retain_stats *r)
{
	fprintf(f,
		"  \"files\": {\"finished\": %" PRIu64 ", \"deleted\": %" PRIu64
		", \"deleted_bytes\": %" PRIu64 ", \"delete_errors\": %" PRIu64
		", \"commands\": %" PRIu64 ", \"commands_failed\": %" PRIu64
		", \"commands_waiting\": %" PRIu64 "},\n",
		r->finished, r->deleted, r->deleted_bytes, r->delete_errors,
		r->commands, r->commands_failed, r->commands_waiting);
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

static void json_doc(FILE *f, const char *ifname, const struct capture_snap *s,
		     double elapsed_s)
{
	static const char *const names[] = FS_STAT_NAMES;
	unsigned int i;

	fprintf(f, "{\n  \"interface\": \"%s\",\n  \"elapsed_s\": %.3f,\n",
		ifname, elapsed_s);
	fprintf(f, "  \"xdp\": {");
	for (i = 0; i < FS_STAT_MAX; i++)
		fprintf(f, "%s\"%s\": %" PRIu64, i ? ", " : "", names[i],
			s->xdp[i]);
	fprintf(f, "},\n");
	if (s->retain)
		json_files(f, &s->files);
	fprintf(f, "  \"queues\": [\n");
	for (i = 0; i < s->nq; i++)
		json_queue(f, &s->q[i], i + 1 == s->nq);
	fprintf(f, "  ]\n}\n");
}

/* A label value: backslash, double quote and newline escaped. */
static void prom_label(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

/* "flowsplice_NAME{interface="IFNAME"": the caller adds labels and "}". */
static void prom_sample(FILE *f, const char *name, const char *ifname)
{
	fprintf(f, "flowsplice_%s{interface=\"", name);
	prom_label(f, ifname);
	fputc('"', f);
}

static void prom_family(FILE *f, const char *name, const char *type,
			const char *help)
{
	fprintf(f, "# HELP flowsplice_%s %s\n# TYPE flowsplice_%s %s\n", name,
		help, name, type);
}

static void prom_queue_family(FILE *f, const char *ifname,
			      const struct capture_snap *s, unsigned int first)
{
	const struct qstat *st = &qstats[first];
	unsigned int i, q;

	prom_family(f, st->prom, st->gauge ? "gauge" : "counter", st->help);
	for (q = 0; q < s->nq; q++)
		for (i = first; i < NQSTATS; i++) {
			if (strcmp(qstats[i].prom, st->prom))
				continue;
			prom_sample(f, st->prom, ifname);
			fprintf(f, ",queue=\"%u\"", s->q[q].queue);
			if (qstats[i].cause)
				fprintf(f, ",cause=\"%s\"", qstats[i].cause);
			fprintf(f, "} %" PRIu64 "\n",
				qstat_get(&qstats[i], &s->q[q]));
		}
}

void capture_stats_prom(FILE *f, const char *ifname,
			const struct capture_snap *s, double elapsed_s)
{
	static const char *const names[] = FS_STAT_NAMES;
	char name[64], help[128];
	unsigned int i, j;

	prom_family(f, "elapsed_seconds", "gauge",
		    "Seconds since the capture started.");
	prom_sample(f, "elapsed_seconds", ifname);
	fprintf(f, "} %.3f\n", elapsed_s);
	for (i = 0; i < FS_STAT_MAX; i++) {
		snprintf(name, sizeof(name), "classifier_%s_packets_total",
			 names[i]);
		snprintf(help, sizeof(help),
			 "Frames the XDP classifier counted as %s.", names[i]);
		prom_family(f, name, "counter", help);
		prom_sample(f, name, ifname);
		fprintf(f, "} %" PRIu64 "\n", s->xdp[i]);
	}
	/* A family once, at its first entry: its lines must be together. */
	for (i = 0; i < NQSTATS; i++) {
		for (j = 0; j < i && strcmp(qstats[j].prom, qstats[i].prom);
		     j++)
			;
		if (j == i)
			prom_queue_family(f, ifname, s, i);
	}
}

/*
 * Write emit's document to a unique temporary file next to path and
 * rename it over path: a reader sees the old document or the new one.
 */
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

int stats_write_said(const char *path, int ret, int *last)
{
	if (ret && ret != *last)
		pr_warn("cannot write %s: %s\n", path,
			ret == -EEXIST ? "something other than a regular file "
					 "is there now: not replaced"
				       : strerror(-ret));
	*last = ret;
	return ret;
}

/* A capture document (JSON or Prometheus text) for stats_json_replace. */
struct capture_doc {
	void (*render)(FILE *f, const char *ifname,
		       const struct capture_snap *s, double elapsed_s);
	const char *ifname;
	const struct capture_snap *s;
	double elapsed_s;
};

static void emit_doc(FILE *f, const void *arg)
{
	const struct capture_doc *d = arg;

	d->render(f, d->ifname, d->s, d->elapsed_s);
}

int capture_stats_json(const char *path, const char *ifname,
		       const struct capture_snap *s, double elapsed_s)
{
	const struct capture_doc d = {json_doc, ifname, s, elapsed_s};

	return stats_json_replace(path, emit_doc, &d);
}

int capture_stats_prom_file(const char *path, const char *ifname,
			    const struct capture_snap *s, double elapsed_s)
{
	const struct capture_doc d = {capture_stats_prom, ifname, s, elapsed_s};

	return stats_json_replace(path, emit_doc, &d);
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
	if (s->nic_ts) {
		uint64_t nic = 0;

		for (i = 0; i < s->nq; i++)
			nic += s->q[i].w.ts_nic;
		fprintf(f,
			"  timestamps: %" PRIu64 " of %" PRIu64
			" packets stamped by the NIC, the rest by the "
			"classifier's clock\n",
			nic, t.pkts);
	}
	if (s->retain)
		fprintf(f,
			"  files: %" PRIu64 " finished, %" PRIu64
			" deleted (%" PRIu64 " bytes, %" PRIu64
			" failed), %" PRIu64 " -z commands (%" PRIu64
			" failed, %" PRIu64 " not started)\n",
			s->files.finished, s->files.deleted,
			s->files.deleted_bytes, s->files.delete_errors,
			s->files.commands, s->files.commands_failed,
			s->files.commands_waiting);
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
