/* SPDX-License-Identifier: GPL-2.0 */
/*
 * replay_int: what the replay command (replay_cmd.c: options, set-up,
 * the run), its per-queue senders (replay_run.c) and its counters
 * (replay_stats.c: stats lines, summary, --stats-json) share.  Internal
 * to the replay command; not an API.
 */
#ifndef FS_REPLAY_INT_H
#define FS_REPLAY_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "fs_shared.h"
#include "lib/pace.h"
#include "live/umem.h"
#include "live/xsk_tx.h"
#include "parse/pcap_expr.h"
#include "parse/pcap_reader.h"

struct replay_opts {
	const char *ifname;
	const char *input;
	const char *queues;
	const char *stats_json;
	const char *speed;
	const char *mbps;
	unsigned int pps;
	unsigned int loop;
	unsigned int stats_interval;
	unsigned int frames;
	unsigned int frame_size;
	bool topspeed;
	bool verbose;
	bool quiet;
};

/* Why a record was not sent; every sender counts all of them alike. */
enum replay_skip {
	SKIP_TOO_LARGE, /* over the MTU, or more than one chain can carry */
	SKIP_FILTERED, /* the filter did not match */
	SKIP_MALFORMED, /* shorter than an Ethernet header, or unparsable */
	SKIP_NOT_ETHERNET, /* another link type: not for an Ethernet wire */
	SKIP_MAX,
};

#define REPLAY_SKIP_NAMES                                            \
	{                                                            \
		"too_large", "filtered", "malformed", "not_ethernet" \
	}

struct replay;

/*
 * One queue: its socket, its thread, its share of the packets.  The
 * counters (records, skipped, passes and tx.st) are written by the
 * sender alone, with relaxed atomic stores, and read by main meanwhile
 * (each interval); the rest is main's only once the sender has ended.
 */
struct replay_q {
	struct replay *r;
	unsigned int idx; /* sends packet k when k % nq == idx */
	unsigned int queue;
	pthread_t th;
	bool started;
	struct pcap_reader *rd; /* the first pass's, when main opened it */
	struct xsk_tx tx;
	uint64_t records; /* read, all passes */
	uint64_t skipped[SKIP_MAX];
	uint64_t passes; /* passes completed */
	uint32_t unfinished; /* frames that never came back at the end */
	uint64_t end_ns; /* the last completion */
	int err; /* -errno: the input failed (errmsg says how) or the kernel */
	bool tx_failed; /* the kernel's: what is in flight is not waited for */
	char errmsg[600];
};

struct replay {
	const struct replay_opts *o;
	struct pcap_expr *px; /* FILTER given: libpcap's decision per record */
	struct pace_cfg pace;
	unsigned int nq;
	unsigned int *queues;
	struct umem *umem;
	struct replay_q *q;
	uint32_t max_len; /* the longest frame the interface takes */
	uint32_t mtu;
	uint64_t start_ns;
	int stop; /* atomic: a stop signal came */
	unsigned int running; /* atomic: senders not yet done */
	/* main's, for the stats lines and --stats-json */
	struct xsk_tx_stats *qst; /* a snapshot per queue, nq entries */
	uint64_t prev_ns, prev_pkts, prev_bytes; /* the last stats line's */
	int json_err; /* the last --stats-json write's, logged once */
};

/* The senders' counters at one moment, summed over the queues. */
struct replay_totals {
	uint64_t pkts, bytes, kicks, max_inflight, inflight_sum, samples;
	uint64_t records, skipped[SKIP_MAX], passes;
	uint64_t unfinished, end_ns;
	double elapsed_s, pps, gbps, mean_inflight;
	bool final; /* every sender has ended */
	const struct xsk_tx_stats *q; /* per queue: r->qst */
};

/* The sender thread of one queue (replay_run.c). */
void *replay_run(void *arg);

/*
 * replay_stats.c, all called by main.  A snapshot of the counters (into
 * r->qst) while the senders run (final false: the time is now_ns) or
 * once they have all ended (final: to the last completion).
 */
void replay_totals(struct replay *r, struct replay_totals *t, uint64_t now_ns,
		   bool final);
/* One stats line on f: totals, and the rates since the previous line. */
void replay_stats_line(struct replay *r, FILE *f,
		       const struct replay_totals *t);
/* The summary on f. */
void replay_summary(const struct replay *r, FILE *f,
		    const struct replay_totals *t);
/* --stats-json replaced by t's document; 0 or -errno (said once). */
int replay_stats_json(struct replay *r, const struct replay_totals *t);

#endif /* FS_REPLAY_INT_H */
