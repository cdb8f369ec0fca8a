/* SPDX-License-Identifier: GPL-2.0 */
/*
 * recv_worker: one thread per queue for `flowsplice receive`.  Owns its
 * queue's AF_XDP socket (RX and TX rings on the shared UMEM), the frames
 * it receives into (its fill ring's pool) and those it transmits from
 * (xsk_tx), its io_uring writer, its TCP receive engine (tcp_rx.h) and
 * the engine's sink (recv_out.h: raw files, or HTTP uploads).
 *
 * A connection's segments all arrive on one queue: the client is the
 * only sender of what the classifier steers here, and RSS (or, in
 * generic XDP mode on veth, queue 0 for everything) keeps one sender's
 * packets of a connection on one queue.  So each worker terminates the
 * connections that arrive on its queue and answers on the same queue;
 * no packet crosses workers (capture's owner handoff is not needed).
 *
 * The loop: take a batch from the RX ring (descriptor chains become one
 * segment), give each segment to the engine, then submit the writer's
 * work and reap its completions (absorbed bytes reopen windows), run the
 * engine's timers and held-back ACKs, submit the TX ring (a kick only on
 * need_wakeup), take back completed TX frames, refill the fill ring.  It
 * never waits but in poll(2) when nothing came, for at most 1 ms while a
 * connection or a write is open (delayed ACKs are due within 40 ms).
 */
#ifndef FS_RECV_WORKER_H
#define FS_RECV_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "live/umem.h"
#include "live/xsk_tx.h"
#include "out/writer.h"
#include "tcp/recv_out.h"
#include "tcp/tcp_rx.h"

/* Descriptors one packet may span (a 64 KiB GSO packet: 17 of 4 KiB). */
#define RECV_MAX_FRAGS 40

/*
 * Counters the main thread reads while the worker runs: every field a
 * uint64_t, published every few milliseconds with relaxed atomic stores
 * (no lock), read the same way.
 */
struct recv_worker_stats {
	uint64_t rx_packets, rx_bytes, rx_descs;
	uint64_t chain_drop; /* chains longer than RECV_MAX_FRAGS */
	uint64_t fill_empty; /* loop turns that found no frame to refill */
	uint64_t tx_packets, tx_bytes, tx_kicks; /* completed by the device */
	uint64_t tx_errors; /* TX ring submits the kernel refused */
	uint64_t wr_bytes, wr_errors; /* the writer's */
	uint64_t loop_waits; /* the loop waited for the writer: 0 */
	uint64_t frames_held_max; /* most RX frames out of the pool */
	struct tcp_rx_stats tcp;
	struct recv_stats sink;
};

struct recv_group;

struct recv_worker {
	unsigned int id;
	struct recv_group *g;
	uint32_t queue;
	struct umem *umem;
	struct xsk_tx tx; /* the socket; its TX frames */
	struct frame_pool pool; /* its RX frames */
	struct writer *w;
	struct tcp_rx *eng;
	struct recv_out *sink;
	pthread_t thread;
	bool started;
	struct recv_worker_stats st; /* the loop's own */
	struct recv_worker_stats pub; /* published copy */
	/* the chain being assembled from the RX ring */
	struct iovec frag[RECV_MAX_FRAGS];
	struct buf *fbuf[RECV_MAX_FRAGS];
	unsigned int nfrag;
	uint32_t chain_len;
	bool chain_bad;
	uint64_t published_ns;
};

/* The workers of one run and what they share with the main thread. */
struct recv_group {
	unsigned int n;
	struct recv_worker *all;
	int stop; /* set by the main thread */
	int gate; /* 0 wait, 1 go, -1 return */
	int64_t mono_to_real; /* CLOCK_REALTIME - CLOCK_MONOTONIC at start */
};

/* What each worker is made of. */
struct recv_worker_cfg {
	struct recv_sink_cfg sink; /* mono_to_real set per group */
	const struct writer_opts *wopts;
	struct tcp_rx_cfg tcp; /* id_first, id_step, tx set per worker */
};

int recv_group_init(struct recv_group *g, unsigned int n);
void recv_group_fini(struct recv_group *g);

/* The writer, the sink and the engine of wk.  0 or -errno, logged. */
int recv_worker_init(struct recv_worker *wk, const struct recv_worker_cfg *cfg);

/*
 * The socket of queue on ifname with frames [first, first + nframes) of
 * u: the first ntx for transmitting, the rest for the fill ring.  The
 * first worker's socket takes the UMEM's rings.  0 or -errno.
 */
int recv_worker_bind(struct recv_worker *wk, struct umem *u, uint32_t first,
		     uint32_t nframes, uint32_t ntx, const char *ifname,
		     uint32_t queue, const struct xsk_tx_opts *xo);

/* Start every worker (a gate lets them go together).  0 or -errno. */
int recv_group_start(struct recv_group *g);
/*
 * Stop: each worker takes what its RX ring still holds, resets every
 * connection (ending them "shutdown"), sends what is queued, waits for
 * its writes and files; then they are joined.
 */
void recv_group_stop(struct recv_group *g);

void recv_worker_read_stats(const struct recv_worker *wk,
			    struct recv_worker_stats *out);

#endif /* FS_RECV_WORKER_H */
