/* SPDX-License-Identifier: GPL-2.0 */
/*
 * worker: one thread per RX queue.  Owns its queue socket, its frame pool,
 * its io_uring writer, its pcap output and, with stream reassembly, the
 * flow table of the flows it owns.
 *
 * Every flow has exactly one owner worker, picked by a symmetric hash of
 * its endpoints, because the two directions of a connection may arrive on
 * different queues.  A worker that receives a packet of a flow it does
 * not own hands the packet's descriptors to the owner over a lock-free
 * SPSC ring (no copy, no lock); the owner processes it as its own, and
 * when the last reference to a frame is dropped, the frame travels back
 * over another SPSC ring to the pool (and so the fill ring) it came from.
 */
#ifndef FS_WORKER_H
#define FS_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "tcp/flow_table.h"
#include "out/pcap_out.h"
#include "lib/spsc.h"
#include "tcp/streams.h"
#include "live/umem.h"
#include "out/writer.h"
#include "live/xskq.h"

/*
 * A packet spans at most this many descriptors: a 64 KiB GSO packet is
 * 18 pieces in 4 KiB frames, 37 in 2 KiB frames.
 */
#define WORKER_MAX_FRAGS 40

/*
 * Counters the worker updates and the main thread reads while it runs
 * (relaxed atomics: each is a single writer's monotonic count).
 */
struct worker_stats {
	uint64_t rx_packets; /* packets received on this queue */
	uint64_t rx_bytes;
	uint64_t rx_descs;
	uint64_t written; /* packets in the pcap files */
	/* packets whose write could not be queued, or cut after a failure */
	uint64_t write_fail;
	uint64_t chain_drop; /* chains too long for WORKER_MAX_FRAGS */
	uint64_t no_meta; /* no classifier timestamp: stamped on receipt */
	uint64_t wr_bytes; /* bytes the writer completed */
	uint64_t wr_errors; /* writes the kernel failed */
	uint64_t fill_empty; /* loop turns that found no frame to refill */
	uint64_t handed_out; /* packets handed to their flow's owner */
	uint64_t handed_in; /* packets received from other workers */
	uint64_t handoff_waits; /* owner's ring full: waited for room */
	uint64_t processed; /* packets processed as owner */
	uint64_t not_tcp; /* matched, not reassembled (UDP, fragments) */
	uint64_t malformed; /* unparsable in userspace */
	uint64_t flows; /* flows this worker owned */
	uint64_t flows_active;
	uint64_t evicted; /* flows ended for the flow-table bound */
	uint64_t gaps; /* holes recorded in streams */
	uint64_t gap_bytes;
	uint64_t held_frames_max; /* most frames held by the reassembler */
	uint64_t hold_budget; /* segments past the held-frame budget */
	uint64_t stream_bytes; /* in-order stream bytes written */
};

struct worker_cfg {
	unsigned int nworkers;
	struct worker *all;
	bool streams;
	struct flow_table_cfg ft;
};

struct worker {
	unsigned int id;
	const struct worker_cfg *cfg;
	struct xskq q;
	struct frame_pool pool;
	struct umem *umem;
	struct writer *w;
	struct pcap_out *pcap;
	uint64_t pcap_lost; /* pcap_out_lost() already moved out of written */
	struct flow_table *ft;
	struct streams *streams;
	pthread_t thread;
	struct worker_stats st;
	/* rings from every worker (index = producer): flows I own, my frames */
	struct spsc *handoff_in;
	struct spsc *return_in;
	uint64_t last_expire_ns;
	/* chain being assembled from the RX ring (may span batches) */
	struct iovec frag[WORKER_MAX_FRAGS];
	struct buf *fbuf[WORKER_MAX_FRAGS];
	unsigned int nfrag;
	uint32_t chain_len;
	bool chain_bad;
	uint64_t chain_ts;
};

/* Set by the main thread; workers finish what is queued and return. */
extern volatile int worker_stop;
/*
 * Set by the main thread (atomically) to stop waiting for writes that do
 * not complete: the workers' writers use it as writer_opts.abort.
 */
extern int worker_abort;
/*
 * Workers started with worker_start() wait at a gate until the main
 * thread opens it: worker_gate_open(true) once every worker runs, or
 * worker_gate_open(false) if one could not start, and then the started
 * ones return at once (a missing owner would never take its handoffs,
 * nor arrive at the shutdown phases).  worker_gate_reset() before a run.
 */
void worker_gate_reset(void);
void worker_gate_open(bool go);
/* CLOCK_REALTIME - CLOCK_MONOTONIC, ns; refreshed by the main thread. */
extern int64_t worker_mono_to_real;

/*
 * Allocate the handoff and return rings of every worker in cfg->all (a
 * no-op with one worker or without streams).  Frames of each pool must
 * have been assigned (umem_pool_init) before.
 */
int worker_links_init(const struct worker_cfg *cfg, uint32_t frames_per_pool);
void worker_links_free(const struct worker_cfg *cfg);

/*
 * Copy the writer's and the flow table's counters into wk's stats (the
 * worker does it each loop turn; the main thread once more after closing
 * the outputs of a joined worker, whose last blocks leave at close).
 */
void worker_publish_stats(struct worker *wk);
/*
 * reasm_cfg hold hooks for UMEM frames: a frame may be held by reference
 * while its pool has fewer than hold_max frames held, whichever workers
 * hold them (in generic mode every frame comes from queue 0's pool).
 */
bool worker_hold_ref(struct buf *b);
void worker_hold_unref(struct buf *b);
int worker_start(struct worker *wk);
void worker_join(struct worker *wk);
/* Join wk if it returns within ms milliseconds: 0, or -ETIMEDOUT. */
int worker_join_timed(struct worker *wk, unsigned int ms);

/* Snapshot of wk's counters, safe while the worker runs. */
void worker_read_stats(const struct worker *wk, struct worker_stats *out);

#endif /* FS_WORKER_H */
