/* SPDX-License-Identifier: GPL-2.0 */
/*
 * capture_int: what the capture command (capture.c) and its set-up and
 * teardown (capture_setup.c) share: the options and the state of one run.
 * Internal to the capture command; not an API.
 */
#ifndef FS_CAPTURE_INT_H
#define FS_CAPTURE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/metrics_http.h"
#include "lib/privdrop.h"
#include "live/capture_stats.h"
#include "tcp/flow_index.h"
#include "fs_shared.h"
#include "parse/filter_plan.h"
#include "live/worker.h"
#include "live/xdp_prog.h"
#include "out/retain.h"

struct capture_opts {
	const char *ifname;
	const char *write;
	const char *queues;
	const char *stats_json;
	const char *pin_path;
	const char *rotate_size;
	const char *streams;
	const char *user; /* -Z */
	const char *metrics; /* ADDR:PORT */
	const char *metrics_file;
	const char *max_disk; /* --max-disk as given */
	const char *postrotate; /* -z */
	uint64_t max_disk_bytes; /* --max-disk SIZE, parsed */
	unsigned int max_disk_pct; /* --max-disk N%, parsed */
	unsigned int max_files; /* -W */
	int xdp_mode;
	int hold_policy;
	int pcap_io;
	int format; /* enum pcap_out_format */
	int ts_type; /* -j: enum capture_ts_type */
	unsigned int snaplen;
	unsigned int flush_ms;
	unsigned int max_flows;
	unsigned int idle_timeout;
	unsigned int hold_frames;
	unsigned int max_open;
	uint64_t write_once;
	int stream_io;
	uint64_t ooo_per_flow;
	uint64_t ooo_total;
	unsigned int rotate_secs;
	unsigned int duration;
	unsigned int stats_interval;
	unsigned int frame_size;
	unsigned int frames;
	unsigned int rx_size;
	unsigned int fill_size;
	bool per_queue_files;
	bool verbose;
	bool quiet;
};

/* -j, as tcpdump names them: who stamps the packets. */
enum capture_ts_type {
	CAPTURE_TS_AUTO, /* the NIC where it can (native mode), else host */
	CAPTURE_TS_HOST, /* the classifier's clock */
	CAPTURE_TS_ADAPTER_UNSYNCED, /* the NIC's clock, as it is */
};

struct capture {
	const struct capture_opts *o;
	int ifindex;
	unsigned int nq;
	unsigned int *queues;
	struct umem *umem;
	struct xdp_prog *prog;
	struct worker_group g; /* the workers, one per queue, and their run */
	struct flow_index *index; /* shared by the workers' streams */
	struct retain *retain; /* -W, --max-disk, -z; NULL without */
	struct pcap_merge *merge; /* several queues into one -w FILE */
	struct filter_plan *plan; /* the filter and its path */
	struct capture_snap prev, cur;
	uint64_t start_ns;
	int stats_json_err; /* the last --stats-json write's, logged once */
	int metrics_file_err; /* the same for --metrics-file */
	struct metrics_http *metrics; /* --metrics */
	/*
	 * Classifier counters at start: a program an operator loaded may
	 * have counted before this capture; only the difference is ours.
	 */
	__u64 xdp_base[FS_STAT_MAX];
	__u64 *qbase;
	struct privdrop pd; /* -Z: whom to become */
	/*
	 * Whether the NIC stamps the packets: planned before the files open
	 * (their pcapng interface block says it), then what the classifier
	 * attached does; and why not.
	 */
	bool nic_ts;
	char ts_why[200];
	bool streams_dir_made; /* --streams DIR did not exist before */
};

/*
 * Outputs, UMEM and sockets, classifier attached (or found) with the rules
 * set and the sockets in xsks.  Returns 0 or -errno, the cause logged.
 */
int capture_setup(struct capture *c, uint64_t rotate_bytes);

/* Classifier counters since start: xdp[] and per-queue redirected. */
void capture_read_xdp(struct capture *c, uint64_t xdp[FS_STAT_MAX],
		      uint64_t *qredir);

/*
 * Take the sockets out of xsks, read the classifier's final counters,
 * detach it if we attached it.  _quiet: the same, counters discarded.
 */
void capture_detach(struct capture *c, uint64_t xdp[FS_STAT_MAX],
		    uint64_t *qredir);
void capture_detach_quiet(struct capture *c);

/*
 * capture_privs.c, -Z: before set-up, note what flowsplice will create;
 * once set up (classifier, UMEM, sockets, first files), give what it
 * created to USER, become USER with no capabilities, and check that the
 * directories it will still create files in are writable.  0 or -errno,
 * the cause logged.
 */
int capture_privs_lookup(struct capture *c);
int capture_privs_drop(struct capture *c);

/* Free whatever set-up made (sockets, files, UMEM, rings). */
void capture_free(struct capture *c);

#endif /* FS_CAPTURE_INT_H */
