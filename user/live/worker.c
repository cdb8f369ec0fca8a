// SPDX-License-Identifier: GPL-2.0
/*
 * worker: the per-queue receive loop.
 *
 * A frame arrives from the RX ring carrying the kernel's reference.  The
 * packet it starts goes to its flow's owner (this worker, or another one
 * through its handoff ring).  The owner adds the references of the writes
 * that point into the frame (the pcap record header goes into the frame's
 * headroom, so header and packet leave in one span; in-order stream bytes
 * leave as iovecs into the frame) and of the reassembler if it holds the
 * data out of order, then drops the RX reference.  The frame goes home
 * when the last reference goes: to this worker's pool, or over the return
 * ring of the worker whose pool it belongs to.  Pools refill their fill
 * rings once per loop turn.
 *
 * No syscall per packet: one peek per batch, one io_uring submit per
 * turn, a wakeup only when the kernel asks for one.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include "fs_shared.h"
#include "lib/log.h"
#include "parse/pkt.h"
#include "live/worker.h"

#define RX_BATCH 64
#define HANDOFF_RING 1024
#define EXPIRE_EVERY_NS 100000000ull

volatile int worker_stop;
int worker_abort;
int64_t worker_mono_to_real;
static int worker_gate; /* 0: wait, 1: go, -1: return at once */

void worker_gate_reset(void)
{
	__atomic_store_n(&worker_gate, 0, __ATOMIC_RELEASE);
}

void worker_gate_open(bool go)
{
	__atomic_store_n(&worker_gate, go ? 1 : -1, __ATOMIC_RELEASE);
}

/* Shutdown phases: every worker has emptied its RX ring / its inbox. */
static unsigned int phase_rx_done, phase_inbox_done;

static __thread struct worker *self;

/* A packet handed to its flow's owner: descriptors only, no bytes. */
struct handoff {
	uint64_t ts;
	uint32_t nfrag;
	uint32_t len;
	struct {
		uint64_t off; /* of the bytes in the UMEM area */
		uint32_t len;
		uint32_t pad;
	} frag[WORKER_MAX_FRAGS];
};

#define STAT_ADD(wk, field, n)                                  \
	__atomic_store_n(&(wk)->st.field, (wk)->st.field + (n), \
			 __ATOMIC_RELAXED)
#define STAT_SET(wk, field, v) \
	__atomic_store_n(&(wk)->st.field, (v), __ATOMIC_RELAXED)

static uint64_t now_real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static struct worker *pool_worker(struct frame_pool *p)
{
	return (struct worker *)((char *)p - offsetof(struct worker, pool));
}

/*
 * The last reference to a frame is gone.  A frame of this worker's pool
 * goes on its free list; another worker's goes back over its return ring
 * (sized for every frame of that pool, so never full).
 */
static void frame_release(struct buf *b)
{
	struct frame *f = (struct frame *)b;
	struct worker *home = pool_worker(f->pool);
	uint32_t idx;

	if (!self || self == home) {
		f->next = f->pool->free;
		f->pool->free = f;
		f->pool->nfree++;
		return;
	}
	idx = f - home->umem->frames;
	if (spsc_push(&home->return_in[self->id], &idx))
		pr_warn("return ring of worker %u full: frame lost\n",
			home->id);
}

bool worker_hold_ref(struct buf *b)
{
	struct frame_pool *p = ((struct frame *)b)->pool;

	if (__atomic_add_fetch(&p->held, 1, __ATOMIC_RELAXED) <= p->hold_max)
		return true;
	__atomic_sub_fetch(&p->held, 1, __ATOMIC_RELAXED);
	return false;
}

void worker_hold_unref(struct buf *b)
{
	struct frame_pool *p = ((struct frame *)b)->pool;

	__atomic_sub_fetch(&p->held, 1, __ATOMIC_RELAXED);
}

int worker_links_init(const struct worker_cfg *cfg, uint32_t frames_per_pool)
{
	unsigned int i, j, k;

	phase_rx_done = 0;
	phase_inbox_done = 0;
	if (cfg->nworkers < 2 || !cfg->streams)
		return 0;
	for (i = 0; i < cfg->nworkers; i++) {
		struct worker *wk = &cfg->all[i];

		wk->handoff_in = calloc(cfg->nworkers, sizeof(struct spsc));
		wk->return_in = calloc(cfg->nworkers, sizeof(struct spsc));
		if (!wk->handoff_in || !wk->return_in)
			return -ENOMEM;
		for (j = 0; j < cfg->nworkers; j++) {
			if (j == i)
				continue;
			if (spsc_init(&wk->handoff_in[j], HANDOFF_RING,
				      sizeof(struct handoff)) ||
			    spsc_init(&wk->return_in[j], frames_per_pool,
				      sizeof(uint32_t)))
				return -ENOMEM;
		}
		/* Every frame of this pool, wherever it sits in the UMEM. */
		for (k = 0; k < wk->umem->nframes; k++) {
			struct frame *f = &wk->umem->frames[k];

			if (f->pool == &wk->pool)
				f->b.release = frame_release;
		}
	}
	return 0;
}

void worker_links_free(const struct worker_cfg *cfg)
{
	unsigned int i, j;

	for (i = 0; i < cfg->nworkers; i++) {
		struct worker *wk = &cfg->all[i];

		for (j = 0; j < cfg->nworkers; j++) {
			if (wk->handoff_in)
				spsc_free(&wk->handoff_in[j]);
			if (wk->return_in)
				spsc_free(&wk->return_in[j]);
		}
		free(wk->handoff_in);
		free(wk->return_in);
		wk->handoff_in = wk->return_in = NULL;
	}
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

static void put_all(struct buf *const *bufs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		buf_put(bufs[i]);
}

/* Write and reassemble a packet of a flow this worker owns. */
static void process(struct worker *wk, uint64_t ts, const struct iovec *frag,
		    struct buf *const *bufs, unsigned int nfrag, uint32_t len,
		    const struct pkt *parsed, enum pkt_status pst)
{
	struct pkt p;

	STAT_ADD(wk, processed, 1);
	if (wk->pcap) {
		/* The record header goes into the headroom of the frame. */
		if (pcap_out_record(wk->pcap, ts,
				    (uint8_t *)frag[0].iov_base -
					    PCAP_REC_HDR_LEN,
				    frag, bufs, nfrag, len))
			STAT_ADD(wk, write_fail, 1);
		else
			STAT_ADD(wk, written, 1);
	}
	if (wk->ft) {
		if (!parsed) {
			pst = pkt_parse(frag[0].iov_base, frag[0].iov_len,
					LINKTYPE_ETHERNET, &p);
			parsed = &p;
		}
		if (pst == PKT_MALFORMED)
			STAT_ADD(wk, malformed, 1);
		else if (pst != PKT_OK || parsed->l4proto != IPPROTO_TCP ||
			 !parsed->has_ports)
			STAT_ADD(wk, not_tcp, 1);
		else
			flow_table_packet_frags(wk->ft, parsed, ts, bufs[0],
						frag + 1, bufs + 1, nfrag - 1);
	}
	put_all(bufs, nfrag);
}

static unsigned int inbox(struct worker *wk);
static void returns(struct worker *wk);
static void refill(struct worker *wk);

static void hand_off(struct worker *wk, struct worker *owner)
{
	struct handoff h = {
		.ts = wk->chain_ts, .nfrag = wk->nfrag, .len = wk->chain_len};
	unsigned int i;

	for (i = 0; i < wk->nfrag; i++) {
		h.frag[i].off = (uint8_t *)wk->frag[i].iov_base -
				(uint8_t *)wk->umem->area;
		h.frag[i].len = wk->frag[i].iov_len;
	}
	/*
	 * The owner is behind: wait for room rather than drop, and take in
	 * our own inbox meanwhile, so that two workers waiting on each
	 * other both move on.  Owners keep taking their inbox until every
	 * worker has emptied its RX ring (shutdown_drain), so this ends.
	 */
	while (spsc_push(&owner->handoff_in[wk->id], &h)) {
		STAT_ADD(wk, handoff_waits, 1);
		/* Nothing of ours to do: let the owner have the CPU. */
		if (!inbox(wk))
			sched_yield();
		returns(wk);
		writer_submit(wk->w);
		refill(wk);
	}
	/* The frames' RX references now belong to the owner. */
	STAT_ADD(wk, handed_out, 1);
}

/*
 * The flow's owner, from the high bits of the symmetric hash: the flow
 * table buckets on the low bits, which must stay spread within a worker.
 */
static unsigned int owner_of(const struct pkt *p, const struct worker_cfg *cfg)
{
	return ((uint64_t)flow_hash_sym(p) * cfg->nworkers) >> 32;
}

static void chain_done(struct worker *wk)
{
	const struct worker_cfg *cfg = wk->cfg;
	struct pkt p, *parsed = NULL;
	enum pkt_status pst = PKT_OK;

	STAT_ADD(wk, rx_packets, 1);
	STAT_ADD(wk, rx_bytes, wk->chain_len);
	if (wk->chain_bad) {
		STAT_ADD(wk, chain_drop, 1);
		put_all(wk->fbuf, wk->nfrag);
		goto out;
	}
	if (cfg->streams && cfg->nworkers > 1) {
		pst = pkt_parse(wk->frag[0].iov_base, wk->frag[0].iov_len,
				LINKTYPE_ETHERNET, &p);
		if (pst == PKT_OK && p.l4proto == IPPROTO_TCP && p.has_ports) {
			struct worker *owner = &cfg->all[owner_of(&p, cfg)];

			if (owner != wk) {
				hand_off(wk, owner);
				goto out;
			}
		}
		parsed = &p;
	}
	process(wk, wk->chain_ts, wk->frag, wk->fbuf, wk->nfrag, wk->chain_len,
		parsed, pst);
out:
	wk->nfrag = 0;
	wk->chain_len = 0;
	wk->chain_bad = false;
}

static void rx_desc(struct worker *wk, const struct xdp_desc *d)
{
	struct frame *f = umem_frame(wk->umem, d->addr);
	uint8_t *data = umem_data(wk->umem, d->addr);

	if (wk->nfrag == 0)
		wk->chain_ts = take_timestamp(wk, data);
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

/* Packets of my flows that other workers received. */
static unsigned int inbox(struct worker *wk)
{
	struct handoff h[8];
	unsigned int j, n, i, k, total = 0;

	for (j = 0; wk->handoff_in && j < wk->cfg->nworkers; j++) {
		if (j == wk->id)
			continue;
		while ((n = spsc_pop(&wk->handoff_in[j], h, 8))) {
			for (i = 0; i < n; i++) {
				struct iovec frag[WORKER_MAX_FRAGS];
				struct buf *bufs[WORKER_MAX_FRAGS];

				for (k = 0; k < h[i].nfrag; k++) {
					uint64_t off = h[i].frag[k].off;

					frag[k].iov_base =
						(uint8_t *)wk->umem->area + off;
					frag[k].iov_len = h[i].frag[k].len;
					bufs[k] = &umem_frame(wk->umem, off)->b;
				}
				process(wk, h[i].ts, frag, bufs, h[i].nfrag,
					h[i].len, NULL, PKT_OK);
			}
			STAT_ADD(wk, handed_in, n);
			total += n;
		}
	}
	return total;
}

/* My frames that other workers finished with. */
static void returns(struct worker *wk)
{
	uint32_t idx[64];
	unsigned int j, n, i;

	for (j = 0; wk->return_in && j < wk->cfg->nworkers; j++) {
		if (j == wk->id)
			continue;
		while ((n = spsc_pop(&wk->return_in[j], idx, 64)))
			for (i = 0; i < n; i++) {
				struct frame *f = &wk->umem->frames[idx[i]];

				f->next = wk->pool.free;
				wk->pool.free = f;
				wk->pool.nfree++;
			}
	}
}

void worker_publish_stats(struct worker *wk)
{
	struct writer_stats ws;

	writer_get_stats(wk->w, &ws);
	if (wk->pcap && pcap_out_lost(wk->pcap) != wk->pcap_lost) {
		/* Cut from a failed file: counted as written, not on disk. */
		uint64_t d = pcap_out_lost(wk->pcap) - wk->pcap_lost;

		STAT_SET(wk, written, wk->st.written - d);
		STAT_ADD(wk, write_fail, d);
		wk->pcap_lost += d;
	}
	STAT_SET(wk, wr_bytes, ws.bytes_written);
	STAT_SET(wk, wr_errors, ws.write_errors);
	if (wk->ft) {
		struct flow_table_stats fs;
		struct reasm_ctx *rc = flow_table_reasm_ctx(wk->ft);

		flow_table_get_stats(wk->ft, &fs);
		STAT_SET(wk, flows, fs.flows);
		STAT_SET(wk, flows_active, fs.active);
		STAT_SET(wk, evicted, fs.evictions);
		STAT_SET(wk, hold_budget, rc->budget_skips);
		if (rc->ref_segs > wk->st.held_frames_max)
			STAT_SET(wk, held_frames_max, rc->ref_segs);
	}
}

static void refill(struct worker *wk)
{
	uint32_t want = xsk_prod_nb_free(wk->q.fq, wk->pool.nframes);

	/* Frames run short: lingering writes go now, not in 2 ms. */
	if (wk->pool.nfree < wk->pool.nframes / 8)
		writer_flush(wk->w);

	if (want && !wk->pool.nfree)
		STAT_ADD(wk, fill_empty, 1);
	xskq_refill(&wk->q, wk->umem, &wk->pool, wk->pool.nfree);
	xskq_wakeup_fill(&wk->q);
}

static void idle_wait(struct worker *wk)
{
	struct pollfd pfd = {.fd = wk->q.fd, .events = POLLIN};
	int ms = 50;

	/* Completions and other workers' rings are not on the fd. */
	if (writer_inflight(wk->w) || wk->handoff_in)
		ms = 1;
	poll(&pfd, 1, ms);
}

static void expire(struct worker *wk, bool force)
{
	uint64_t now = now_real_ns();

	if (!wk->ft || (!force && now - wk->last_expire_ns < EXPIRE_EVERY_NS))
		return;
	wk->last_expire_ns = now;
	flow_table_expire(wk->ft, now);
}

static void wait_phase(struct worker *wk, unsigned int *phase)
{
	__atomic_add_fetch(phase, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(phase, __ATOMIC_ACQUIRE) < wk->cfg->nworkers) {
		/* Keep taking frames home, and my flows' packets in. */
		returns(wk);
		inbox(wk);
		writer_submit(wk->w);
		sched_yield();
	}
}

/*
 * Clean stop: the classifier no longer redirects here.  Empty the RX
 * ring; once every worker has, empty the inbox (no more handoffs can
 * come); then end every flow ("shutdown") and wait for every write.
 */
static void shutdown_drain(struct worker *wk)
{
	while (rx_batch(wk))
		writer_submit(wk->w);
	put_all(wk->fbuf, wk->nfrag);
	wk->nfrag = 0;
	wait_phase(wk, &phase_rx_done);
	while (inbox(wk))
		writer_submit(wk->w);
	wait_phase(wk, &phase_inbox_done);
	if (wk->ft)
		flow_table_end_all(wk->ft, FLOW_END_SHUTDOWN);
	writer_drain(wk->w);
	returns(wk);
	worker_publish_stats(wk);
}

static void *worker_main(void *arg)
{
	struct worker *wk = arg;
	int ret;

	self = wk;
	while (!(ret = __atomic_load_n(&worker_gate, __ATOMIC_ACQUIRE)))
		sched_yield();
	if (ret < 0)
		return NULL;
	refill(wk);
	while (!worker_stop) {
		unsigned int n = rx_batch(wk);

		n += inbox(wk);
		returns(wk);
		expire(wk, false);
		ret = writer_submit(wk->w);
		if (ret)
			pr_warn("queue %u: io_uring submit: %s\n",
				wk->q.queue_id, strerror(-ret));
		refill(wk);
		worker_publish_stats(wk);
		if (!n)
			idle_wait(wk);
	}
	shutdown_drain(wk);
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

int worker_join_timed(struct worker *wk, unsigned int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000l;
	if (ts.tv_nsec >= 1000000000l) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000l;
	}
	return -pthread_timedjoin_np(wk->thread, NULL, &ts);
}

void worker_read_stats(const struct worker *wk, struct worker_stats *out)
{
	const uint64_t *src = (const uint64_t *)&wk->st;
	uint64_t *dst = (uint64_t *)out;
	unsigned int i;

	for (i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}
