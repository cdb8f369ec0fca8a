/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xsk_tx: the transmit engine of one queue: an AF_XDP socket with a TX
 * ring (and an RX ring only if asked: xsk_tx_opts.rx_size) on the shared
 * UMEM, the range of UMEM frames it transmits from, and its completion
 * ring.
 *
 * A packet is copied once, into free frames of the engine's pool (one
 * frame, or a chain of up to xsk_tx_max_bufs() descriptors marked
 * XDP_PKT_CONTD when the socket got multi-buffer), and lent to the
 * kernel; its frames return to the pool only when the completion ring
 * hands them back.  Descriptors are submitted in batches, and the kernel
 * is kicked (sendto) only when the ring says it needs a wakeup and has
 * descriptors it has not taken yet.  Nothing here waits: a full ring or
 * an empty pool is -EAGAIN, and the caller reaps and retries.
 *
 * One engine belongs to one thread; engines share nothing but the UMEM
 * area, each within its own frames.  Its counters (st) are written by
 * that thread alone, each with a relaxed atomic store (a plain move:
 * nothing waits), so that another thread may read them meanwhile with
 * xsk_tx_read_stats().
 */
#ifndef FS_XSK_TX_H
#define FS_XSK_TX_H

#include <stdbool.h>
#include <stdint.h>

#include "live/umem.h"
#include "live/xskq.h"

/* Descriptors one packet may take: a copy-mode skb's head and frags. */
#define XSK_TX_MAX_CHAIN 17

struct xsk_tx_stats {
	uint64_t pkts, bytes; /* completed: the device is done with them */
	uint64_t kicks; /* sendto() calls */
	uint64_t full; /* puts refused for want of a frame or a ring slot */
	/* Frames submitted and not yet completed, sampled at each reap */
	uint64_t max_inflight;
	uint64_t inflight_sum, samples;
};

struct xsk_tx {
	struct xskq q;
	struct umem *u;
	struct frame_pool pool;
	uint32_t first; /* the pool's frames: [first, first + nframes) */
	uint32_t nframes;
	uint32_t batch; /* descriptors submitted at once */
	uint32_t unsubmitted; /* reserved and written, not yet submitted */
	uint32_t inflight; /* submitted, not completed */
	/* Per frame of the pool: its packet's length if it ends one, else 0 */
	uint32_t *ends;
	struct xsk_tx_stats st;
};

struct xsk_tx_opts {
	uint32_t tx_size; /* TX ring entries, a power of 2 */
	/*
	 * RX ring entries, a power of 2, or 0 for none: a socket that also
	 * receives (q.rx, its fill ring q.fq), whose frames the caller
	 * pools apart from the engine's.
	 */
	uint32_t rx_size;
	uint32_t batch;
	bool try_zerocopy;
};

/*
 * Bind queue queue_id of ifname for transmit, with frames [first, first
 * + count) of u.  first_sock: the first socket on u (takes the UMEM's
 * rings).  Returns 0 or -errno (xskq_bind_hint() explains some).
 */
int xsk_tx_open(struct xsk_tx *t, struct umem *u, uint32_t first,
		uint32_t count, const char *ifname, uint32_t queue_id,
		const struct xsk_tx_opts *o, bool first_sock);
void xsk_tx_close(struct xsk_tx *t);

/* The longest packet one descriptor chain of this socket carries. */
uint32_t xsk_tx_max_len(const struct xsk_tx *t);

/*
 * Copy a packet into the pool's frames and queue its descriptors; they
 * go to the kernel with the batch (or xsk_tx_flush()).  0; -EAGAIN: no
 * free frame or ring slot now (reap, then retry); -EMSGSIZE: longer than
 * xsk_tx_max_len(); or the error of the batch's xsk_tx_flush() (the
 * packet was queued).
 */
int xsk_tx_put(struct xsk_tx *t, const uint8_t *data, uint32_t len);

/*
 * Submit what is queued and kick the kernel if it needs it.  0, or a
 * -errno the kernel gave (-ENETDOWN, -ENXIO: the interface went away).
 */
int xsk_tx_flush(struct xsk_tx *t);

/* Take back what the completion ring returned; how many frames. */
uint32_t xsk_tx_reap(struct xsk_tx *t);

/*
 * The counters as they are now, read from any thread (each one a relaxed
 * atomic load: every counter alone is exact and never goes back; two of
 * them may be a packet apart).
 */
void xsk_tx_read_stats(const struct xsk_tx *t, struct xsk_tx_stats *out);

/* Frames lent to the kernel and not yet returned. */
static inline uint32_t xsk_tx_inflight(const struct xsk_tx *t)
{
	return t->inflight + t->unsubmitted;
}

#endif /* FS_XSK_TX_H */
