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
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fs_shared.h"
#include "lib/log.h"
#include "parse/pkt.h"
#include "live/worker.h"

#define RX_BATCH 64
#define HANDOFF_RING 1024
#define EXPIRE_EVERY_NS 100000000ull
#define KDROPS_EVERY_NS 10000000ull

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

int worker_group_init(struct worker_group *g, unsigned int nworkers,
		      bool streams, const struct flow_table_cfg *ft)
{
	unsigned int i;

	memset(g, 0, sizeof(*g));
	g->all = calloc(nworkers, sizeof(*g->all));
	if (!g->all)
		return -ENOMEM;
	g->nworkers = nworkers;
	g->streams = streams;
	g->ft = *ft;
	g->flow_ops = streams_flow_ops;
	g->flow_ops.verify = NULL;
	for (i = 0; i < nworkers; i++) {
		g->all[i].id = i;
		g->all[i].g = g;
	}
	return 0;
}

void worker_group_fini(struct worker_group *g)
{
	unsigned int i;

	for (i = 0; g->all && i < g->nworkers; i++)
		worker_fini(&g->all[i]);
	free(g->all);
	g->all = NULL;
}

int worker_group_link(struct worker_group *g)
{
	unsigned int i, j;
	int ret;

	if (g->nworkers < 2 || !g->streams)
		return 0;
	for (i = 0; i < g->nworkers; i++) {
		struct worker *wk = &g->all[i];

		ret = frame_pool_link(&wk->pool, i, g->nworkers);
		if (ret)
			return ret;
		wk->handoff_in = calloc(g->nworkers, sizeof(struct spsc));
		if (!wk->handoff_in)
			return -ENOMEM;
		for (j = 0; j < g->nworkers; j++)
			if (j != i &&
			    spsc_init(&wk->handoff_in[j], HANDOFF_RING,
				      sizeof(struct handoff)))
				return -ENOMEM;
	}
	return 0;
}

void worker_group_stop(struct worker_group *g)
{
	__atomic_store_n(&g->stop, 1, __ATOMIC_RELEASE);
}

void worker_group_abort(struct worker_group *g)
{
	__atomic_store_n(&g->abort, 1, __ATOMIC_RELAXED);
}

bool worker_group_aborted(struct worker_group *g)
{
	return __atomic_load_n(&g->abort, __ATOMIC_RELAXED);
}

static int64_t ts_ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000ll + t->tv_nsec;
}

/*
 * CLOCK_REALTIME - CLOCK_MONOTONIC, read between two monotonic reads, the
 * tightest of three tries: a thread preempted between two reads would
 * shift every timestamp by the time it lost until the next update, and
 * a queue's packets would step back in time.
 */
void worker_group_update_clock(struct worker_group *g)
{
	int64_t best = INT64_MAX, off = 0;
	struct timespec m0, r, m1;
	int i;

	for (i = 0; i < 3; i++) {
		clock_gettime(CLOCK_MONOTONIC, &m0);
		clock_gettime(CLOCK_REALTIME, &r);
		clock_gettime(CLOCK_MONOTONIC, &m1);
		if (ts_ns(&m1) - ts_ns(&m0) < best) {
			best = ts_ns(&m1) - ts_ns(&m0);
			off = ts_ns(&r) - (ts_ns(&m0) + best / 2);
		}
	}
	__atomic_store_n(&g->mono_to_real, off, __ATOMIC_RELAXED);
}

static int open_streams(struct worker *wk, const struct worker_outputs *o)
{
	struct flow_table_cfg cfg = wk->g->ft;
	/* Live: a wait (for a comparison, for a descriptor) drops packets. */
	struct streams_opts so = {
		.write_once = o->write_once,
		.hold_total = STREAMS_HOLD_TOTAL_DEFAULT,
		.direct = o->stream_direct,
	};
	int ret;

	ret = streams_create_shared(&wk->streams, wk->w, o->streams_dir,
				    o->max_open, o->index);
	if (ret)
		return ret;
	streams_set_opts(wk->streams, &so);
	cfg.id_first = wk->id;
	cfg.id_step = wk->g->nworkers;
	ret = flow_table_create(&wk->ft, &cfg, &wk->g->flow_ops, wk->streams);
	if (ret)
		pr_warn("flow table: %s\n", strerror(-ret));
	return ret;
}

/*
 * pcapng interface statistics of this queue, read where a file closes
 * (this worker at rotation, the main thread at the end): the socket's
 * kernel counters (one getsockopt) and the worker's own.
 */
static void worker_isb(void *ctx, struct pcapng_isb_vals *v)
{
	struct worker *wk = ctx;
	struct xdp_statistics k;

	v->start_ns = wk->g->start_real_ns;
	v->osdrop = wk->st.chain_drop + wk->st.write_fail;
	v->usrdeliv = wk->st.written;
	if (wk->q.xsk && !xskq_stats(&wk->q, &k)) {
		v->ifdrop = k.rx_ring_full + k.rx_dropped + k.rx_invalid_descs;
		v->ifrecv = wk->st.rx_packets + v->ifdrop;
	}
}

static void isb_add(uint64_t *sum, uint64_t v)
{
	if (v != PCAPNG_UNKNOWN)
		*sum = (*sum == PCAPNG_UNKNOWN ? 0 : *sum) + v;
}

void worker_group_isb(void *ctx, struct pcapng_isb_vals *v)
{
	struct worker_group *g = ctx;
	unsigned int i;

	v->start_ns = g->start_real_ns;
	for (i = 0; i < g->nworkers; i++) {
		struct pcapng_isb_vals q = {PCAPNG_UNKNOWN, PCAPNG_UNKNOWN,
					    PCAPNG_UNKNOWN, PCAPNG_UNKNOWN,
					    PCAPNG_UNKNOWN};

		worker_isb(&g->all[i], &q);
		isb_add(&v->ifrecv, q.ifrecv);
		isb_add(&v->ifdrop, q.ifdrop);
		isb_add(&v->osdrop, q.osdrop);
		isb_add(&v->usrdeliv, q.usrdeliv);
	}
}

int worker_init(struct worker *wk, const struct worker_outputs *o)
{
	struct writer_opts wopts = *o->wopts;
	struct pcap_out_opts po;
	int ret;

	wopts.abort = &wk->g->abort;
	ret = writer_create(&wk->w, &wopts);
	if (ret) {
		pr_warn("io_uring setup failed: %s\n", strerror(-ret));
		return ret;
	}
	if (o->pcap) {
		po = *o->pcap;
		wk->ng_drops = po.format == PCAP_OUT_PCAPNG;
		po.isb = worker_isb;
		po.isb_ctx = wk;
		ret = pcap_out_open(&wk->pcap, wk->w, &po);
		if (ret == -ENXIO)
			pr_warn("cannot write %s: a FIFO that no process reads "
				"(start the reader first)\n",
				o->pcap->path);
		else if (ret)
			pr_warn("cannot write %s: %s\n", o->pcap->path,
				strerror(-ret));
		if (ret)
			return ret;
	}
	if (o->streams_dir)
		return open_streams(wk, o);
	return 0;
}

int worker_bind(struct worker *wk, struct umem *u, uint32_t nframes,
		uint32_t hold_max, const char *ifname, uint32_t queue_id,
		const struct xskq_opts *xo)
{
	unsigned int tries;
	int ret;

	wk->umem = u;
	umem_pool_init(u, &wk->pool, wk->id * nframes, nframes);
	wk->pool.hold_max = hold_max;
	for (tries = 0;; tries++) {
		ret = xskq_open(&wk->q, u, ifname, queue_id, xo, wk->id == 0);
		if (ret != -EBUSY || tries == 20)
			return ret;
		usleep(50000);
	}
}

void worker_fini(struct worker *wk)
{
	unsigned int j;

	if (wk->ft) {
		/* Set-up failed before the workers ran: no data. */
		flow_table_end_all(wk->ft, FLOW_END_SHUTDOWN);
		flow_table_destroy(wk->ft);
		wk->ft = NULL;
	}
	if (wk->streams)
		streams_destroy(wk->streams);
	wk->streams = NULL;
	if (wk->pcap)
		pcap_out_close(wk->pcap);
	wk->pcap = NULL;
	if (wk->w)
		writer_destroy(wk->w);
	wk->w = NULL;
	xskq_close(&wk->q);
	for (j = 0; wk->handoff_in && j < wk->g->nworkers; j++)
		spsc_free(&wk->handoff_in[j]);
	free(wk->handoff_in);
	wk->handoff_in = NULL;
	frame_pool_unlink(&wk->pool);
}

/*
 * The NIC's timestamps are its clock's: say so once if that clock is far
 * from the system's (no PTP daemon keeps it on UTC), so that nobody takes
 * a capture dated years off for a fault of the capture.
 */
static void check_nic_clock(struct worker *wk, uint64_t nic_ns)
{
	int64_t off = (int64_t)(nic_ns - now_real_ns());

	wk->nic_checked = true;
	if (off > 1000000000ll || off < -1000000000ll)
		pr_warn("queue %u: the NIC's clock is %.3f s off the system "
			"clock; the packets carry the NIC's time (phc2sys "
			"would align it, -j host stamps them with the "
			"system's)\n",
			wk->q.queue_id, off / 1e9);
}

/*
 * The classifier's timestamp sits just in front of the packet; take it and
 * clear the magic so a later packet in this frame never reads it stale.
 * The classifier's clock is CLOCK_MONOTONIC, moved to CLOCK_REALTIME by
 * the group's offset; classifier_nic's, where the NIC stamps the packet,
 * is the NIC's (its PTP hardware clock), taken as it is.
 */
static uint64_t take_timestamp(struct worker *wk, uint8_t *data)
{
	struct fs_meta *m = (struct fs_meta *)(data - sizeof(*m));

	if (m->magic == FS_META_MAGIC) {
		m->magic = 0;
		return m->ts_mono_ns +
		       __atomic_load_n(&wk->g->mono_to_real, __ATOMIC_RELAXED);
	}
	if (m->magic == FS_META_MAGIC_NIC) {
		m->magic = 0;
		STAT_ADD(wk, ts_nic, 1);
		if (!wk->nic_checked)
			check_nic_clock(wk, m->ts_mono_ns);
		return m->ts_mono_ns;
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

/*
 * pcapng drop counts: the kernel's drops on this socket, read every
 * KDROPS_EVERY_NS (one getsockopt, never per packet), so that a burst's
 * drops land on the packets around it.
 */
static void read_kernel_drops(struct worker *wk)
{
	struct xdp_statistics k;
	uint64_t now;

	if (!wk->ng_drops)
		return;
	now = now_real_ns();
	if (now - wk->kdrops_ns < KDROPS_EVERY_NS)
		return;
	wk->kdrops_ns = now;
	if (!xskq_stats(&wk->q, &k))
		wk->kdrops = k.rx_ring_full + k.rx_dropped + k.rx_invalid_descs;
}

/*
 * Drops of this queue counted since the last record (pcapng
 * epb_dropcount): the worker's own at once, the kernel's as last read.
 */
static uint64_t new_drops(struct worker *wk)
{
	uint64_t all = wk->st.chain_drop + wk->st.write_fail + wk->kdrops;
	uint64_t d = all > wk->drops_told ? all - wk->drops_told : 0;

	wk->drops_told = all > wk->drops_told ? all : wk->drops_told;
	return d;
}

/* Write and reassemble a packet of a flow this worker owns. */
static void process(struct worker *wk, uint64_t ts, const struct iovec *frag,
		    struct buf *const *bufs, unsigned int nfrag, uint32_t len,
		    uint32_t queue, const struct pkt *parsed,
		    enum pkt_status pst)
{
	struct pkt p;

	STAT_ADD(wk, processed, 1);
	if (wk->pcap) {
		struct pcap_out_pkt pk = {
			.ts_ns = ts,
			.wirelen = len,
			.queue = queue,
			.drops = new_drops(wk),
		};

		/* The record header goes into the headroom of the frame. */
		if (pcap_out_packet(wk->pcap, &pk,
				    (uint8_t *)frag[0].iov_base -
					    PCAP_OUT_HDR_ROOM,
				    frag, bufs, nfrag))
			STAT_ADD(wk, write_fail, 1);
		else
			STAT_ADD(wk, written, 1);
	}
	if (wk->ft) {
		if (!parsed) {
			pst = pkt_parse(frag[0].iov_base, frag[0].iov_len, len,
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
static unsigned int owner_of(const struct pkt *p, const struct worker_group *g)
{
	return ((uint64_t)flow_hash_sym(p) * g->nworkers) >> 32;
}

static void chain_done(struct worker *wk)
{
	const struct worker_group *g = wk->g;
	struct pkt p, *parsed = NULL;
	enum pkt_status pst = PKT_OK;

	STAT_ADD(wk, rx_packets, 1);
	STAT_ADD(wk, rx_bytes, wk->chain_len);
	if (wk->chain_bad) {
		STAT_ADD(wk, chain_drop, 1);
		put_all(wk->fbuf, wk->nfrag);
		goto out;
	}
	if (g->streams && g->nworkers > 1) {
		pst = pkt_parse(wk->frag[0].iov_base, wk->frag[0].iov_len,
				wk->chain_len, LINKTYPE_ETHERNET, &p);
		if (pst == PKT_OK && p.l4proto == IPPROTO_TCP && p.has_ports) {
			struct worker *owner = &g->all[owner_of(&p, g)];

			if (owner != wk) {
				hand_off(wk, owner);
				goto out;
			}
		}
		parsed = &p;
	}
	process(wk, wk->chain_ts, wk->frag, wk->fbuf, wk->nfrag, wk->chain_len,
		wk->q.queue_id, parsed, pst);
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

	for (j = 0; wk->handoff_in && j < wk->g->nworkers; j++) {
		if (j == wk->id)
			continue;
		while ((n = spsc_pop(&wk->handoff_in[j], h, 8))) {
			for (i = 0; i < n; i++) {
				struct iovec frag[WORKER_MAX_FRAGS];
				struct buf *bufs[WORKER_MAX_FRAGS];

				for (k = 0; k < h[i].nfrag; k++) {
					uint64_t off = h[i].frag[k].off;
					struct frame *f =
						umem_frame(wk->umem, off);

					/* Its releases are ours now. */
					frame_hand_to(f, wk->id);
					frag[k].iov_base =
						(uint8_t *)wk->umem->area + off;
					frag[k].iov_len = h[i].frag[k].len;
					bufs[k] = &f->b;
				}
				process(wk, h[i].ts, frag, bufs, h[i].nfrag,
					h[i].len, wk->g->all[j].q.queue_id,
					NULL, PKT_OK);
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
	frame_pool_reclaim(&wk->pool);
}

static void worker_publish_stats(struct worker *wk)
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
	/* Bytes of the files: sparse blocks' padding left out. */
	STAT_SET(wk, wr_bytes, ws.bytes_written - ws.sparse_extra);
	STAT_SET(wk, wr_errors, ws.write_errors);
	STAT_SET(wk, loop_waits, ws.waits);
	if (wk->ft) {
		struct flow_table_stats fs;
		struct reasm_ctx *rc = flow_table_reasm_ctx(wk->ft);

		flow_table_get_stats(wk->ft, &fs);
		STAT_SET(wk, flows, fs.flows);
		STAT_SET(wk, flows_active, fs.active);
		STAT_SET(wk, evicted, fs.evictions);
		STAT_SET(wk, gaps, fs.gaps);
		STAT_SET(wk, gap_bytes, fs.gap_bytes);
		STAT_SET(wk, stream_bytes, fs.stream_bytes);
		STAT_SET(wk, hold_budget, rc->budget_skips);
		if (rc->ref_segs > wk->st.held_frames_max)
			STAT_SET(wk, held_frames_max, rc->ref_segs);
	}
	if (wk->streams) {
		struct streams_stats ss;

		streams_get_stats(wk->streams, &ss);
		STAT_SET(wk, files, ss.files);
		STAT_SET(wk, written_once, ss.written_once);
		STAT_SET(wk, reopens, ss.reopens);
		STAT_SET(wk, renames, ss.renames);
		STAT_SET(wk, hold_full, ss.hold_full);
		STAT_SET(wk, room_drops, ss.room_drops);
		STAT_SET(wk, dropped_bytes, ss.dropped_bytes);
		STAT_SET(wk, stream_errors, ss.write_errors);
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
	while (__atomic_load_n(phase, __ATOMIC_ACQUIRE) < wk->g->nworkers) {
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
	wait_phase(wk, &wk->g->phase_rx_done);
	while (inbox(wk))
		writer_submit(wk->w);
	wait_phase(wk, &wk->g->phase_inbox_done);
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

	while (!(ret = __atomic_load_n(&wk->g->gate, __ATOMIC_ACQUIRE)))
		sched_yield();
	if (ret < 0)
		return NULL;
	refill(wk);
	while (!__atomic_load_n(&wk->g->stop, __ATOMIC_ACQUIRE)) {
		unsigned int n = rx_batch(wk);

		n += inbox(wk);
		returns(wk);
		expire(wk, false);
		read_kernel_drops(wk);
		pcap_out_poll(wk->pcap);
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

int worker_group_start(struct worker_group *g, unsigned int *started)
{
	unsigned int i;
	int ret = 0;

	g->stop = 0;
	g->abort = 0;
	g->start_real_ns = now_real_ns();
	g->phase_rx_done = 0;
	g->phase_inbox_done = 0;
	__atomic_store_n(&g->gate, 0, __ATOMIC_RELEASE);
	for (i = 0; i < g->nworkers; i++) {
		ret = -pthread_create(&g->all[i].thread, NULL, worker_main,
				      &g->all[i]);
		if (ret) {
			pr_warn("cannot start worker %u: %s\n", i,
				strerror(-ret));
			break;
		}
	}
	*started = i;
	__atomic_store_n(&g->gate, ret ? -1 : 1, __ATOMIC_RELEASE);
	return ret;
}

int worker_finish(struct worker *wk)
{
	int ret = 0, r;

	if (wk->ft) {
		flow_table_destroy(wk->ft);
		wk->ft = NULL;
	}
	if (wk->streams) {
		ret = streams_destroy(wk->streams);
		wk->streams = NULL;
	}
	r = pcap_out_finish(wk->pcap);
	if (r) {
		pr_warn("closing the pcap of queue %u: %s\n", wk->q.queue_id,
			strerror(-r));
		ret = r;
	}
	/* Last blocks and cuts are in the counters once the files closed. */
	if (wk->w)
		worker_publish_stats(wk);
	return ret;
}

void worker_refresh_stats(struct worker *wk)
{
	if (wk->w)
		worker_publish_stats(wk);
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
