/* SPDX-License-Identifier: GPL-2.0 */
/*
 * worker: one thread per RX queue.  Owns its queue socket, its frame pool,
 * its io_uring writer, its pcap output, its inbox of handed-off packets
 * and, with stream reassembly, its streams and the flow table of the
 * flows it owns: worker_init()/worker_bind() build them, worker_fini()
 * frees them.  A worker group owns the workers of one run and what they
 * share with the main thread (stop flag, start gate, shutdown phases,
 * clock offset, abort flag); nothing of a run is global.
 *
 * Every flow has exactly one owner worker, picked by a symmetric hash of
 * its endpoints, because the two directions of a connection may arrive on
 * different queues.  A worker that receives a packet of a flow it does
 * not own hands the packet's descriptors to the owner over a lock-free
 * SPSC ring (no copy, no lock); the owner processes it as its own, and
 * when the last reference to a frame is dropped, the frame travels back
 * over its pool's return ring (umem.h) to the pool (and so the fill ring)
 * it came from.
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

struct flow_index;

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
	uint64_t ts_nic; /* stamped by the NIC (classifier_nic) */
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
	uint64_t gaps; /* holes recorded in streams (of the flows ended) */
	uint64_t gap_bytes;
	uint64_t held_frames_max; /* most frames held by the reassembler */
	uint64_t hold_budget; /* segments past the held-frame budget */
	uint64_t stream_bytes; /* stream bytes reassembled (flows ended) */
	/* times the loop waited for the writer (writer_stats.waits): 0 */
	uint64_t loop_waits;
	/* --streams output (streams_stats) */
	uint64_t files; /* stream files created */
	uint64_t written_once; /* of which in one open-write-close chain */
	uint64_t reopens; /* closed for the open-file bound, reopened */
	uint64_t renames; /* renamed: a late SYN swapped the roles */
	uint64_t hold_full; /* directions streamed: hold bound reached */
	uint64_t room_drops; /* writes dropped: no descriptor free */
	uint64_t dropped_bytes; /* stream bytes never written */
	uint64_t stream_errors; /* failed stream and index opens, writes */
};

struct worker_group;

struct worker {
	unsigned int id;
	struct worker_group *g;
	struct xskq q;
	struct frame_pool pool;
	struct umem *umem;
	struct writer *w;
	struct pcap_out *pcap;
	uint64_t pcap_lost; /* pcap_out_lost() already moved out of written */
	/* pcapng: the kernel's drops on this socket as last read, and when */
	bool ng_drops;
	uint64_t kdrops;
	uint64_t kdrops_ns;
	uint64_t drops_told; /* drops given to pcapng records so far */
	bool nic_checked; /* the first NIC timestamp compared with ours */
	struct flow_table *ft;
	struct streams *streams;
	pthread_t thread;
	struct worker_stats st;
	/* packets of flows I own, from every worker (index = producer) */
	struct spsc *handoff_in;
	uint64_t last_expire_ns;
	/* chain being assembled from the RX ring (may span batches) */
	struct iovec frag[WORKER_MAX_FRAGS];
	struct buf *fbuf[WORKER_MAX_FRAGS];
	unsigned int nfrag;
	uint32_t chain_len;
	bool chain_bad;
	uint64_t chain_ts;
};

/*
 * The workers of one live run and the state they share with the main
 * thread.  Configuration is set before the workers start; the run state
 * is written by the main thread and read by the workers with atomics.
 */
struct worker_group {
	unsigned int nworkers;
	struct worker *all;
	bool streams; /* packets go to their flow's owner worker */
	struct flow_table_cfg ft;
	/*
	 * Live, overlaps are compared with data still held, never by reading
	 * back what was handed to the writer: that would wait for every
	 * write in flight on each retransmission, and the RX ring would
	 * overflow meanwhile.
	 */
	struct flow_ops flow_ops;
	/* Set by the main thread; workers finish what is queued and return. */
	int stop;
	/* Stop waiting for writes that do not complete: writer_opts.abort. */
	int abort;
	/* Start gate: 0 wait, 1 go, -1 return at once. */
	int gate;
	/* Shutdown phases: workers that emptied their RX ring / inbox. */
	unsigned int phase_rx_done;
	unsigned int phase_inbox_done;
	/* CLOCK_REALTIME - CLOCK_MONOTONIC, ns, refreshed by the main thread */
	int64_t mono_to_real;
	uint64_t start_real_ns; /* worker_group_start(), wall clock */
};

/*
 * nworkers workers (ids 0..n-1), none built yet; streams: flows go to
 * their owner worker, whose flow table is made from ft.  0 or -ENOMEM.
 */
int worker_group_init(struct worker_group *g, unsigned int nworkers,
		      bool streams, const struct flow_table_cfg *ft);
/* worker_fini() every worker, and free the array (after set-up failures). */
void worker_group_fini(struct worker_group *g);
/*
 * Once every worker is bound: the handoff rings and the pools' return
 * rings (nothing with one worker or without streams).  0 or -ENOMEM.
 */
int worker_group_link(struct worker_group *g);
/*
 * Start every worker; they wait at a gate until all run, then go (or,
 * if one could not start, the started ones return at once: a missing
 * owner would never take its handoffs, nor arrive at the shutdown
 * phases).  *started: how many to join.  0 or -errno, logged.
 */
int worker_group_start(struct worker_group *g, unsigned int *started);
/* Workers finish what is queued (shutdown phases) and return. */
void worker_group_stop(struct worker_group *g);
/* The writers cancel what is in flight and stop waiting for it. */
void worker_group_abort(struct worker_group *g);
bool worker_group_aborted(struct worker_group *g);
/* Refresh the clock offset the workers stamp packets with. */
void worker_group_update_clock(struct worker_group *g);

/* What one worker writes: see worker_init(). */
struct worker_outputs {
	const struct writer_opts *wopts; /* .abort is the group's */
	const struct pcap_out_opts *pcap; /* NULL: no pcap; its own path */
	const char *streams_dir; /* NULL: no streams */
	unsigned int max_open;
	uint64_t write_once; /* streams_opts.write_once */
	bool stream_direct; /* streams_opts.direct */
	struct flow_index *index; /* shared flows.jsonl */
};

/*
 * Build wk's outputs: its writer, pcap output, and with streams its
 * streams and flow table (flow ids interleave: worker i: i, i + n, ...).
 * 0 or -errno, the cause logged; worker_fini() frees what was built.
 */
int worker_init(struct worker *wk, const struct worker_outputs *o);
/*
 * Give wk frames [id * nframes, + nframes) of u as its pool (reassemblers
 * may hold hold_max of them) and open its socket on ifname's queue
 * queue_id (the first worker's takes over the UMEM's rings).  A queue
 * whose socket was just closed is retried for up to a second (the kernel
 * releases it from a work item).  0 or -errno.
 */
int worker_bind(struct worker *wk, struct umem *u, uint32_t nframes,
		uint32_t hold_max, const char *ifname, uint32_t queue_id,
		const struct xskq_opts *xo);
/*
 * After wk stopped (its flows ended, its writes complete): free its flow
 * table, close its streams and pcap, take their last counters.  0 or the
 * first -errno, logged.
 */
int worker_finish(struct worker *wk);
/* Take the counters again (a merged file's cut, known once all closed). */
void worker_refresh_stats(struct worker *wk);
/*
 * pcap_merge_opts.isb for a merged pcapng file: the interface statistics
 * of every queue (ctx: the worker_group), summed.
 */
void worker_group_isb(void *ctx, struct pcapng_isb_vals *v);
/* Free whatever wk still owns: flow table, outputs, writer, socket, rings. */
void worker_fini(struct worker *wk);

/*
 * reasm_cfg hold hooks for UMEM frames: a frame may be held by reference
 * while its pool has fewer than hold_max frames held, whichever workers
 * hold them (in generic mode every frame comes from queue 0's pool).
 */
bool worker_hold_ref(struct buf *b);
void worker_hold_unref(struct buf *b);
/* Join wk if it returns within ms milliseconds: 0, or -ETIMEDOUT. */
int worker_join_timed(struct worker *wk, unsigned int ms);

/* Snapshot of wk's counters, safe while the worker runs. */
void worker_read_stats(const struct worker *wk, struct worker_stats *out);

#endif /* FS_WORKER_H */
