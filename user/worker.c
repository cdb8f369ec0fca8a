// SPDX-License-Identifier: GPL-2.0
/*
 * worker: the per-queue receive loop.
 *
 * A frame arrives from the RX ring carrying the kernel's reference; the
 * worker adds the writes that point into it (pcap record header written
 * into the frame's headroom, so header and packet leave in one span) and
 * drops the RX reference.  The frame returns to the pool when the last
 * write completes, and the pool refills the fill ring once per loop turn.
 * No syscall per packet: one peek per batch, one io_uring submit per
 * turn, a wakeup only when the kernel asks for one.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#include "fs_shared.h"
#include "log.h"
#include "worker.h"

#define RX_BATCH 64

volatile int worker_stop;
int64_t worker_mono_to_real;

#define STAT_ADD(wk, field, n)                                  \
	__atomic_store_n(&(wk)->st.field, (wk)->st.field + (n), \
			 __ATOMIC_RELAXED)

static uint64_t now_real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/*
 * The classifier's timestamp sits just in front of the packet; take it and
 * clear the magic so a later packet in this frame never reads it stale.
 */
static uint64_t take_timestamp(struct worker *wk, uint8_t *data)
{
	struct fs_meta *m = (struct fs_meta *)(data - sizeof(*m));

	if (m->magic == FS_META_MAGIC) {
		m->magic = 0;
		return m->ts_mono_ns +
		       __atomic_load_n(&worker_mono_to_real, __ATOMIC_RELAXED);
	}
	STAT_ADD(wk, no_meta, 1);
	return now_real_ns();
}

static void chain_reset(struct worker *wk)
{
	unsigned int i;

	for (i = 0; i < wk->nfrag; i++)
		buf_put(wk->fbuf[i]);
	wk->nfrag = 0;
	wk->chain_len = 0;
	wk->chain_bad = false;
}

static void chain_done(struct worker *wk)
{
	int ret;

	STAT_ADD(wk, rx_packets, 1);
	STAT_ADD(wk, rx_bytes, wk->chain_len);
	if (wk->chain_bad) {
		STAT_ADD(wk, chain_drop, 1);
	} else if (wk->pcap) {
		ret = pcap_out_record(wk->pcap, wk->chain_ts, wk->chain_hdr,
				      wk->frag, wk->fbuf, wk->nfrag,
				      wk->chain_len);
		if (ret)
			STAT_ADD(wk, write_fail, 1);
		else
			STAT_ADD(wk, written, 1);
	}
	chain_reset(wk);
}

static void rx_desc(struct worker *wk, const struct xdp_desc *d)
{
	struct frame *f = umem_frame(wk->umem, d->addr);
	uint8_t *data = umem_data(wk->umem, d->addr);

	if (wk->nfrag == 0) {
		wk->chain_ts = take_timestamp(wk, data);
		wk->chain_hdr = data - PCAP_REC_HDR_LEN;
	}
	if (wk->nfrag == WORKER_MAX_FRAGS) {
		/* Keep consuming the chain, but it cannot be written whole. */
		wk->chain_bad = true;
		buf_put(&f->b);
	} else {
		wk->frag[wk->nfrag] = (struct iovec){data, d->len};
		wk->fbuf[wk->nfrag++] = &f->b;
	}
	wk->chain_len += d->len;
	if (!(d->options & XDP_PKT_CONTD))
		chain_done(wk);
}

/* Receive one batch; returns the number of descriptors consumed. */
static unsigned int rx_batch(struct worker *wk)
{
	uint32_t idx, n, i;

	n = xsk_ring_cons__peek(&wk->q.rx, RX_BATCH, &idx);
	for (i = 0; i < n; i++)
		rx_desc(wk, xsk_ring_cons__rx_desc(&wk->q.rx, idx + i));
	if (n) {
		xsk_ring_cons__release(&wk->q.rx, n);
		STAT_ADD(wk, rx_descs, n);
	}
	return n;
}

static void publish_writer_stats(struct worker *wk)
{
	struct writer_stats ws;

	writer_get_stats(wk->w, &ws);
	__atomic_store_n(&wk->st.wr_bytes, ws.bytes_written, __ATOMIC_RELAXED);
	__atomic_store_n(&wk->st.wr_errors, ws.write_errors, __ATOMIC_RELAXED);
}

static void refill(struct worker *wk)
{
	uint32_t want = xsk_prod_nb_free(wk->q.fq, wk->pool.nframes);

	if (want && !wk->pool.nfree)
		STAT_ADD(wk, fill_empty, 1);
	xskq_refill(&wk->q, wk->umem, &wk->pool, wk->pool.nfree);
	xskq_wakeup_fill(&wk->q);
}

static void idle_wait(struct worker *wk)
{
	struct pollfd pfd = {.fd = wk->q.fd, .events = POLLIN};

	/* Completions are reaped on the next turn: come back soon. */
	poll(&pfd, 1, writer_inflight(wk->w) ? 1 : 50);
}

static void *worker_main(void *arg)
{
	struct worker *wk = arg;
	int ret;

	refill(wk);
	while (!worker_stop) {
		unsigned int n = rx_batch(wk);

		ret = writer_submit(wk->w);
		if (ret)
			pr_warn("queue %u: io_uring submit: %s\n",
				wk->q.queue_id, strerror(-ret));
		refill(wk);
		publish_writer_stats(wk);
		if (!n)
			idle_wait(wk);
	}
	/* The classifier no longer redirects here: empty the ring. */
	while (rx_batch(wk))
		writer_submit(wk->w);
	chain_reset(wk);
	writer_drain(wk->w);
	publish_writer_stats(wk);
	return NULL;
}

int worker_start(struct worker *wk)
{
	return -pthread_create(&wk->thread, NULL, worker_main, wk);
}

void worker_join(struct worker *wk)
{
	pthread_join(wk->thread, NULL);
}

void worker_read_stats(const struct worker *wk, struct worker_stats *out)
{
	const uint64_t *src = (const uint64_t *)&wk->st;
	uint64_t *dst = (uint64_t *)out;
	unsigned int i;

	for (i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}
