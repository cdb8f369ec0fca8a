// SPDX-License-Identifier: GPL-2.0
/*
 * recv_worker: the per-queue loop of `flowsplice receive` (see the
 * header).  A frame comes from the RX ring with the kernel's reference;
 * the chain it belongs to is one segment for the engine, which takes
 * references for what it holds out of order and hands in-order bytes to
 * the sink, whose writes take theirs; then the RX references are dropped
 * and a frame whose last reference goes returns to the pool and the fill
 * ring.
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "live/recv_worker.h"

#define RX_BATCH 64
#define PUBLISH_NS 2000000ull
#define DRAIN_TX_NS 1000000000ull

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int recv_group_init(struct recv_group *g, unsigned int n)
{
	struct timespec r, m;
	unsigned int i;

	memset(g, 0, sizeof(*g));
	g->all = calloc(n, sizeof(*g->all));
	if (!g->all)
		return -ENOMEM;
	g->n = n;
	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_MONOTONIC, &m);
	g->mono_to_real = (int64_t)(r.tv_sec - m.tv_sec) * 1000000000ll +
			  (r.tv_nsec - m.tv_nsec);
	for (i = 0; i < n; i++) {
		g->all[i].id = i;
		g->all[i].g = g;
	}
	return 0;
}

static void worker_fini(struct recv_worker *wk)
{
	if (wk->eng) {
		tcp_rx_end_all(wk->eng, mono_ns());
		tcp_rx_destroy(wk->eng);
		wk->eng = NULL;
	}
	recv_sink_destroy(wk->sink);
	wk->sink = NULL;
	if (wk->w)
		writer_destroy(wk->w);
	wk->w = NULL;
	xsk_tx_close(&wk->tx);
}

void recv_group_fini(struct recv_group *g)
{
	unsigned int i;

	for (i = 0; g->all && i < g->n; i++)
		worker_fini(&g->all[i]);
	free(g->all);
	g->all = NULL;
}

/*
 * The engine's frames out: copied into a TX frame.  A full ring gets one
 * submit and reap, then the frame is given up (TCP sends again).
 */
static int tx_frame(void *ctx, const uint8_t *frame, uint32_t len)
{
	struct recv_worker *wk = ctx;
	int ret = xsk_tx_put(&wk->tx, frame, len);

	if (ret == -EAGAIN) {
		if (xsk_tx_flush(&wk->tx))
			wk->st.tx_errors++;
		xsk_tx_reap(&wk->tx);
		ret = xsk_tx_put(&wk->tx, frame, len);
	}
	if (ret == -EAGAIN || ret == -EMSGSIZE)
		return -EAGAIN;
	if (ret)
		wk->st.tx_errors++; /* queued; the submit failed */
	return 0;
}

int recv_worker_init(struct recv_worker *wk, const struct recv_worker_cfg *cfg)
{
	struct recv_sink_cfg sc = cfg->sink;
	struct tcp_rx_cfg tc = cfg->tcp;
	const struct tcp_rx_ops *ops;
	int ret;

	ret = writer_create(&wk->w, cfg->wopts);
	if (ret) {
		pr_warn("io_uring setup failed: %s\n", strerror(-ret));
		return ret;
	}
	sc.mono_to_real = wk->g->mono_to_real;
	ret = recv_sink_create(&wk->sink, wk->w, &sc, &ops);
	if (ret) {
		pr_warn("cannot open %s/flows.jsonl: %s\n", sc.dir,
			strerror(-ret));
		return ret;
	}
	tc.id_first = wk->id;
	tc.id_step = wk->g->n;
	tc.tx = tx_frame;
	tc.tx_ctx = wk;
	ret = tcp_rx_create(&wk->eng, &tc, ops, wk->sink);
	if (ret) {
		pr_warn("receive engine: %s\n", strerror(-ret));
		return ret;
	}
	recv_sink_bind(wk->sink, wk->eng);
	return 0;
}

int recv_worker_bind(struct recv_worker *wk, struct umem *u, uint32_t first,
		     uint32_t nframes, uint32_t ntx, const char *ifname,
		     uint32_t queue, const struct xsk_tx_opts *xo)
{
	unsigned int tries;
	int ret;

	wk->umem = u;
	wk->queue = queue;
	umem_pool_init(u, &wk->pool, first + ntx, nframes - ntx);
	/* A queue whose socket just closed is released by a work item. */
	for (tries = 0;; tries++) {
		ret = xsk_tx_open(&wk->tx, u, first, ntx, ifname, queue, xo,
				  wk->id == 0);
		if (ret != -EBUSY || tries == 20)
			return ret;
		usleep(50000);
	}
}

static void put_all(struct buf *const *bufs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		buf_put(bufs[i]);
}

static void chain_done(struct recv_worker *wk, uint64_t now)
{
	wk->st.rx_packets++;
	wk->st.rx_bytes += wk->chain_len;
	if (wk->chain_bad)
		wk->st.chain_drop++;
	else
		tcp_rx_input(wk->eng, wk->frag, wk->fbuf, wk->nfrag, now);
	put_all(wk->fbuf, wk->nfrag);
	wk->nfrag = 0;
	wk->chain_len = 0;
	wk->chain_bad = false;
}

static void rx_desc(struct recv_worker *wk, const struct xdp_desc *d,
		    uint64_t now)
{
	struct frame *f = umem_frame(wk->umem, d->addr);

	if (wk->nfrag == RECV_MAX_FRAGS) {
		wk->chain_bad = true;
		buf_put(&f->b);
	} else {
		wk->frag[wk->nfrag] =
			(struct iovec){umem_data(wk->umem, d->addr), d->len};
		wk->fbuf[wk->nfrag++] = &f->b;
	}
	wk->chain_len += d->len;
	if (!(d->options & XDP_PKT_CONTD))
		chain_done(wk, now);
}

static unsigned int rx_batch(struct recv_worker *wk)
{
	uint64_t now = mono_ns();
	uint32_t idx, n, i;

	n = xsk_ring_cons__peek(&wk->tx.q.rx, RX_BATCH, &idx);
	for (i = 0; i < n; i++)
		rx_desc(wk, xsk_ring_cons__rx_desc(&wk->tx.q.rx, idx + i), now);
	if (n) {
		xsk_ring_cons__release(&wk->tx.q.rx, n);
		wk->st.rx_descs += n;
	}
	return n;
}

static void refill(struct recv_worker *wk)
{
	struct xskq *q = &wk->tx.q;
	uint32_t want = xsk_prod_nb_free(q->fq, wk->pool.nframes);
	uint32_t held = wk->pool.nframes - wk->pool.nfree;

	if (want && !wk->pool.nfree)
		wk->st.fill_empty++;
	xskq_refill(q, wk->umem, &wk->pool, wk->pool.nfree);
	xskq_wakeup_fill(q);
	/* Out of the pool: in the fill and RX rings, or held. */
	if (held > wk->st.frames_held_max)
		wk->st.frames_held_max = held;
}

static void tx_work(struct recv_worker *wk)
{
	if (xsk_tx_flush(&wk->tx))
		wk->st.tx_errors++;
	xsk_tx_reap(&wk->tx);
}

static void publish(struct recv_worker *wk, uint64_t now)
{
	const uint64_t *src = (const uint64_t *)&wk->st;
	uint64_t *dst = (uint64_t *)&wk->pub;
	struct writer_stats ws;
	unsigned int i;

	wk->published_ns = now;
	writer_get_stats(wk->w, &ws);
	wk->st.wr_bytes = ws.bytes_written;
	wk->st.wr_errors = ws.write_errors;
	wk->st.loop_waits = ws.waits;
	wk->st.tx_packets = wk->tx.st.pkts;
	wk->st.tx_bytes = wk->tx.st.bytes;
	wk->st.tx_kicks = wk->tx.st.kicks;
	tcp_rx_get_stats(wk->eng, &wk->st.tcp);
	recv_sink_get_stats(wk->sink, &wk->st.sink);
	for (i = 0; i < sizeof(wk->st) / sizeof(uint64_t); i++)
		__atomic_store_n(&dst[i], src[i], __ATOMIC_RELAXED);
}

void recv_worker_read_stats(const struct recv_worker *wk,
			    struct recv_worker_stats *out)
{
	const uint64_t *src = (const uint64_t *)&wk->pub;
	uint64_t *dst = (uint64_t *)out;
	unsigned int i;

	for (i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

static void idle_wait(struct recv_worker *wk)
{
	struct pollfd pfd = {.fd = wk->tx.q.fd, .events = POLLIN};
	int ms = 50;

	/* Completions and timers are not on the fd. */
	if (writer_inflight(wk->w) || tcp_rx_nconns(wk->eng) ||
	    xsk_tx_inflight(&wk->tx))
		ms = 1;
	poll(&pfd, 1, ms);
}

static void turn(struct recv_worker *wk, unsigned int *n)
{
	uint64_t now;
	int ret;

	*n = rx_batch(wk);
	ret = writer_submit(wk->w);
	if (ret)
		pr_warn("queue %u: io_uring submit: %s\n", wk->queue,
			strerror(-ret));
	now = mono_ns();
	tcp_rx_poll(wk->eng, now);
	tx_work(wk);
	refill(wk);
	if (now - wk->published_ns >= PUBLISH_NS)
		publish(wk, now);
}

/*
 * The classifier no longer redirects here: take what the RX ring holds,
 * reset every connection, let the RSTs out, wait for the writes and the
 * files (and their lines).
 */
static void shutdown_drain(struct recv_worker *wk)
{
	uint64_t t0;
	unsigned int n;

	do
		turn(wk, &n);
	while (n);
	put_all(wk->fbuf, wk->nfrag);
	wk->nfrag = 0;
	tcp_rx_end_all(wk->eng, mono_ns());
	writer_drain(wk->w);
	tcp_rx_poll(wk->eng, mono_ns());
	t0 = mono_ns();
	do {
		tx_work(wk);
		if (!xsk_tx_inflight(&wk->tx))
			break;
		sched_yield();
	} while (mono_ns() - t0 < DRAIN_TX_NS);
	refill(wk);
	publish(wk, mono_ns());
}

static void *worker_main(void *arg)
{
	struct recv_worker *wk = arg;
	unsigned int n;
	int g;

	while (!(g = __atomic_load_n(&wk->g->gate, __ATOMIC_ACQUIRE)))
		sched_yield();
	if (g < 0)
		return NULL;
	refill(wk);
	publish(wk, mono_ns());
	while (!__atomic_load_n(&wk->g->stop, __ATOMIC_ACQUIRE)) {
		turn(wk, &n);
		if (!n)
			idle_wait(wk);
	}
	shutdown_drain(wk);
	return NULL;
}

int recv_group_start(struct recv_group *g)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < g->n; i++) {
		ret = -pthread_create(&g->all[i].thread, NULL, worker_main,
				      &g->all[i]);
		if (ret) {
			pr_warn("cannot start worker %u: %s\n", i,
				strerror(-ret));
			break;
		}
		g->all[i].started = true;
	}
	__atomic_store_n(&g->gate, ret ? -1 : 1, __ATOMIC_RELEASE);
	return ret;
}

void recv_group_stop(struct recv_group *g)
{
	unsigned int i;

	__atomic_store_n(&g->stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < g->n; i++)
		if (g->all[i].started) {
			pthread_join(g->all[i].thread, NULL);
			g->all[i].started = false;
		}
}
