// SPDX-License-Identifier: GPL-2.0
/*
 * xsk_tx: frames out through the TX ring, back through the completion
 * ring; kicks only when need_wakeup asks and the kernel has something
 * left to take.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "live/xsk_tx.h"

#define REAP_BATCH 256

/* The owner's update of a counter another thread may be reading. */
#define TX_STAT_SET(t, field, v) \
	__atomic_store_n(&(t)->st.field, (v), __ATOMIC_RELAXED)
#define TX_STAT_ADD(t, field, n) TX_STAT_SET(t, field, (t)->st.field + (n))

int xsk_tx_open(struct xsk_tx *t, struct umem *u, uint32_t first,
		uint32_t count, const char *ifname, uint32_t queue_id,
		const struct xsk_tx_opts *o, bool first_sock)
{
	struct xskq_opts xo = {
		.tx_size = o->tx_size,
		.rx_size = o->rx_size,
		.try_zerocopy = o->try_zerocopy,
	};
	int ret;

	memset(t, 0, sizeof(*t));
	t->u = u;
	t->first = first;
	t->nframes = count;
	t->batch = o->batch ? o->batch : 64;
	t->ends = calloc(count, sizeof(*t->ends));
	if (!t->ends)
		return -ENOMEM;
	umem_pool_init(u, &t->pool, first, count);
	ret = xskq_open(&t->q, u, ifname, queue_id, &xo, first_sock);
	if (ret) {
		free(t->ends);
		t->ends = NULL;
	}
	return ret;
}

void xsk_tx_close(struct xsk_tx *t)
{
	xskq_close(&t->q);
	free(t->ends);
	t->ends = NULL;
}

uint32_t xsk_tx_max_len(const struct xsk_tx *t)
{
	return t->u->frame_size * (t->q.sg ? XSK_TX_MAX_CHAIN : 1);
}

int xsk_tx_put(struct xsk_tx *t, const uint8_t *data, uint32_t len)
{
	uint32_t fs = t->u->frame_size, n = (len + fs - 1) / fs, idx, i;

	if (len > xsk_tx_max_len(t))
		return -EMSGSIZE;
	if (!n)
		n = 1;
	if (t->pool.nfree < n ||
	    xsk_ring_prod__reserve(&t->q.tx, n, &idx) != n) {
		TX_STAT_ADD(t, full, 1);
		return -EAGAIN;
	}
	for (i = 0; i < n; i++) {
		struct frame *f = frame_pool_get(&t->pool);
		struct xdp_desc *d = xsk_ring_prod__tx_desc(&t->q.tx, idx + i);
		uint32_t part = len - i * fs < fs ? len - i * fs : fs;

		d->addr = umem_frame_addr(t->u, f);
		d->len = part;
		d->options = i + 1 < n ? XDP_PKT_CONTD : 0;
		memcpy(umem_data(t->u, d->addr), data + i * fs, part);
		t->ends[f - t->u->frames - t->first] = i + 1 < n ? 0 : len;
	}
	t->unsubmitted += n;
	return t->unsubmitted >= t->batch ? xsk_tx_flush(t) : 0;
}

/* Descriptors submitted that the kernel has not taken off the ring. */
static uint32_t untaken(const struct xsk_tx *t)
{
	return *t->q.tx.producer -
	       __atomic_load_n(t->q.tx.consumer, __ATOMIC_ACQUIRE);
}

int xsk_tx_flush(struct xsk_tx *t)
{
	if (t->unsubmitted) {
		xsk_ring_prod__submit(&t->q.tx, t->unsubmitted);
		t->inflight += t->unsubmitted;
		t->unsubmitted = 0;
	}
	if (!untaken(t) || !xsk_ring_prod__needs_wakeup(&t->q.tx))
		return 0;
	TX_STAT_ADD(t, kicks, 1);
	if (sendto(t->q.fd, NULL, 0, MSG_DONTWAIT, NULL, 0) >= 0)
		return 0;
	/* Busy or out of budget: the descriptors wait for the next kick. */
	switch (errno) {
	case EAGAIN:
	case EBUSY:
	case ENOBUFS:
	case EINTR:
		return 0;
	default:
		return -errno;
	}
}

uint32_t xsk_tx_reap(struct xsk_tx *t)
{
	uint64_t pkts = 0, bytes = 0;
	uint32_t idx, n, i;

	n = xsk_ring_cons__peek(t->q.cq, REAP_BATCH, &idx);
	if (!n)
		return 0;
	if (t->inflight > t->st.max_inflight)
		TX_STAT_SET(t, max_inflight, t->inflight);
	TX_STAT_ADD(t, inflight_sum, t->inflight);
	TX_STAT_ADD(t, samples, 1);
	for (i = 0; i < n; i++) {
		uint64_t addr = *xsk_ring_cons__comp_addr(t->q.cq, idx + i);
		struct frame *f = umem_frame(t->u, addr);
		uint32_t *end = &t->ends[f - t->u->frames - t->first];

		if (*end) {
			pkts++;
			bytes += *end;
			*end = 0;
		}
		frame_pool_put(&t->pool, f);
	}
	TX_STAT_ADD(t, pkts, pkts);
	TX_STAT_ADD(t, bytes, bytes);
	xsk_ring_cons__release(t->q.cq, n);
	t->inflight -= n;
	return n;
}

_Static_assert(sizeof(struct xsk_tx_stats) % sizeof(uint64_t) == 0,
	       "xsk_tx_stats: 64-bit counters only");

void xsk_tx_read_stats(const struct xsk_tx *t, struct xsk_tx_stats *out)
{
	const uint64_t *src = (const uint64_t *)&t->st;
	uint64_t *dst = (uint64_t *)out;
	unsigned int i;

	for (i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}
