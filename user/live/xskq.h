/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xskq: one AF_XDP socket bound to one queue, sharing the UMEM with the
 * other queues' sockets (XDP_SHARED_UMEM), with its own fill and
 * completion rings, and an RX ring (capture), a TX ring (replay) or
 * both.  Owns the socket, its rings and the mode it got (zero-copy or
 * copy, multi-buffer or not).
 */
#ifndef FS_XSKQ_H
#define FS_XSKQ_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/if_xdp.h>
#include <xdp/xsk.h>

#include "live/umem.h"

/* Debian 12's UAPI headers (Linux 6.1) predate multi-buffer AF_XDP. */
#ifndef XDP_USE_SG
#define XDP_USE_SG (1 << 4)
#endif
#ifndef XDP_PKT_CONTD
#define XDP_PKT_CONTD (1 << 0)
#endif

struct xskq {
	struct xsk_socket *xsk;
	struct xsk_ring_cons rx;
	struct xsk_ring_prod tx;
	struct xsk_ring_prod *fq;
	struct xsk_ring_cons *cq;
	struct xsk_ring_prod fq_own;
	struct xsk_ring_cons cq_own;
	uint32_t queue_id;
	int fd;
	bool zerocopy; /* bound with XDP_ZEROCOPY */
	bool sg; /* bound with XDP_USE_SG (multi-buffer) */
	uint64_t wakeups;
};

struct xskq_opts {
	uint32_t rx_size; /* 0: no RX ring */
	uint32_t tx_size; /* 0: no TX ring */
	uint32_t fill_size;
	uint32_t comp_size;
	bool try_zerocopy; /* false: copy mode only (virtual devices) */
};

/*
 * Create the socket of queue queue_id on ifname.  The first socket created
 * on u (first = true) takes over the rings made with the UMEM.  Modes are
 * tried best first: zero-copy then copy, multi-buffer then without; the
 * socket records what it got.  Returns 0 or -errno.
 */
int xskq_open(struct xskq *q, struct umem *u, const char *ifname,
	      uint32_t queue_id, const struct xskq_opts *o, bool first);
void xskq_close(struct xskq *q);

/* Why a bind failed with err, as " (...)" for a message, or "". */
const char *xskq_bind_hint(int err);

/* Put up to max free frames of p into the fill ring; returns how many. */
uint32_t xskq_refill(struct xskq *q, struct umem *u, struct frame_pool *p,
		     uint32_t max);

/* Kick the kernel if the fill ring asks for it (need_wakeup). */
void xskq_wakeup_fill(struct xskq *q);

int xskq_stats(const struct xskq *q, struct xdp_statistics *st);

#endif /* FS_XSKQ_H */
