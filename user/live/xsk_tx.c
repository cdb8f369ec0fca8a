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
		t->st.full++;
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
	t->st.kicks++;
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
	uint32_t idx, n, i;

	n = xsk_ring_cons__peek(t->q.cq, REAP_BATCH, &idx);
	if (!n)
		return 0;
	if (t->inflight > t->st.max_inflight)
		t->st.max_inflight = t->inflight;
	t->st.inflight_sum += t->inflight;
	t->st.samples++;
	for (i = 0; i < n; i++) {
		uint64_t addr = *xsk_ring_cons__comp_addr(t->q.cq, idx + i);
		struct frame *f = umem_frame(t->u, addr);
		uint32_t *end = &t->ends[f - t->u->frames - t->first];

		if (*end) {
			t->st.pkts++;
			t->st.bytes += *end;
			*end = 0;
		}
		frame_pool_put(&t->pool, f);
	}
	xsk_ring_cons__release(t->q.cq, n);
	t->inflight -= n;
	return n;
}
