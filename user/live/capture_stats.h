/* SPDX-License-Identifier: GPL-2.0 */
/*
 * capture_stats: turns the classifier's, the kernel's and the workers'
 * counters into the per-interval stats line, the --stats-json document
 * and the final summary that reconciles what XDP redirected with what
 * userspace accounted for.
 */
#ifndef FS_CAPTURE_STATS_H
#define FS_CAPTURE_STATS_H

#include <linux/if_xdp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "fs_shared.h"
#include "out/retain.h"
#include "live/worker.h"

/* The socket's XDP_STATISTICS, in plain uint64_t. */
struct xsk_counts {
	uint64_t rx_dropped;
	uint64_t rx_invalid_descs;
	uint64_t rx_ring_full;
	uint64_t rx_fill_ring_empty_descs;
};

struct queue_snap {
	unsigned int queue;
	struct worker_stats w;
	struct xsk_counts k;
	uint64_t redirected; /* classifier's count for this queue */
};

struct capture_snap {
	uint64_t time_ns; /* CLOCK_MONOTONIC */
	uint64_t xdp[FS_STAT_MAX];
	unsigned int nq;
	bool pcap; /* -w: every processed packet is written or write_fail */
	bool retain; /* -W, --max-disk or -z: files counted */
	bool nic_ts; /* the classifier reads the NIC's timestamps */
	struct retain_stats files;
	struct queue_snap *q; /* nq entries */
};

/* One line per interval on f: rates since prev (NULL: since start). */
void capture_stats_line(FILE *f, const struct capture_snap *cur,
			const struct capture_snap *prev);

/*
 * The whole snapshot as JSON, written to a unique temporary file next to
 * path and renamed over it (the temporary is removed on failure).  Only a
 * regular file at path is replaced: -EEXIST when something else is there
 * (a symlink, a device, a FIFO, a directory).  Returns 0 or -errno.
 */
int capture_stats_json(const char *path, const char *ifname,
		       const struct capture_snap *s, double elapsed_s);

/*
 * The same for any document: emit(f, arg) writes it, and path is
 * replaced by rename(2) only if every byte was written.  Returns 0 or
 * -errno (-EEXIST as above).
 */
int stats_json_replace(const char *path, void (*emit)(FILE *f, const void *arg),
		       const void *arg);

/*
 * ret, the result of a periodic write of path (stats_json_replace() and
 * the like), said once: a failure is logged when it differs from the
 * last one (*last), so a file that stays unwritable is not logged each
 * interval.  Returns ret.
 */
int stats_write_said(const char *path, int ret, int *last);

/*
 * The snapshot in the Prometheus text exposition format (0.0.4): every
 * counter of the JSON document, generated from the same table, named
 * flowsplice_*_total (counters) with labels interface and queue (and
 * cause for flowsplice_drops_total), with HELP and TYPE lines.
 * _file: the same document replacing path as capture_stats_json() does
 * (for node_exporter's textfile collector).  Returns 0 or -errno.
 */
void capture_stats_prom(FILE *f, const char *ifname,
			const struct capture_snap *s, double elapsed_s);
int capture_stats_prom_file(const char *path, const char *ifname,
			    const struct capture_snap *s, double elapsed_s);

/*
 * Whether capture_stats_json() (or stats_json_replace()) can write path:
 * nothing or a regular file
 * there, and a file can be made in its directory (made and removed).
 * Returns 0, or -errno with the cause in why.
 */
int capture_stats_json_check(const char *path, char *why, size_t whylen);

/*
 * The final summary on f, once the workers have drained.  It reconciles
 * per queue, redirected = received + kernel drops; over all queues (a
 * packet may be processed by another queue's worker), received =
 * processed + chain drops; and with -w, per queue, processed = written +
 * write drops.  Returns the number of packets that no counter explains
 * (0 when everything is accounted for).
 */
int64_t capture_stats_summary(FILE *f, const struct capture_snap *s,
			      double elapsed_s);

/* Packets lost to a named cause in queue snapshot q. */
uint64_t queue_snap_drops(const struct queue_snap *q);

#endif /* FS_CAPTURE_STATS_H */
