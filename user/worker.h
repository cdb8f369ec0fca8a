/* SPDX-License-Identifier: GPL-2.0 */
/*
 * worker: one thread per RX queue.  Owns its queue socket, its frame pool,
 * its io_uring writer and its pcap output; receives in batches, writes
 * each packet from its UMEM frames, and refills the fill ring with the
 * frames whose writes have completed.
 */
#ifndef FS_WORKER_H
#define FS_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "pcap_out.h"
#include "umem.h"
#include "writer.h"
#include "xskq.h"

/* A packet spans at most this many descriptors (64 KiB GSO: 17-18). */
#define WORKER_MAX_FRAGS 32

/*
 * Counters the worker updates and the main thread reads while it runs
 * (relaxed atomics: each is a single writer's monotonic count).
 */
struct worker_stats {
	uint64_t rx_packets; /* packets received (descriptor chains) */
	uint64_t rx_bytes;
	uint64_t rx_descs;
	uint64_t written; /* packets queued to the pcap file */
	uint64_t write_fail; /* packets whose write could not be queued */
	uint64_t chain_drop; /* chains too long or cut (malformed) */
	uint64_t no_meta; /* no classifier timestamp: stamped on receipt */
	uint64_t wr_bytes; /* bytes the writer completed */
	uint64_t wr_errors; /* writes the kernel failed */
	uint64_t fill_empty; /* loop turns that found no frame to refill */
};

struct worker {
	unsigned int id;
	struct xskq q;
	struct frame_pool pool;
	struct umem *umem;
	struct writer *w;
	struct pcap_out *pcap;
	pthread_t thread;
	struct worker_stats st;
	/* chain being assembled (may span RX batches) */
	struct iovec frag[WORKER_MAX_FRAGS];
	struct buf *fbuf[WORKER_MAX_FRAGS];
	unsigned int nfrag;
	uint32_t chain_len;
	bool chain_bad;
	uint64_t chain_ts;
	void *chain_hdr;
};

/* Set by the main thread; workers finish what is queued and return. */
extern volatile int worker_stop;
/* CLOCK_REALTIME - CLOCK_MONOTONIC, ns; refreshed by the main thread. */
extern int64_t worker_mono_to_real;

int worker_start(struct worker *wk);
void worker_join(struct worker *wk);

/* Snapshot of wk's counters, safe while the worker runs. */
void worker_read_stats(const struct worker *wk, struct worker_stats *out);

#endif /* FS_WORKER_H */
