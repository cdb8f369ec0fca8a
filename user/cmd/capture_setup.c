// SPDX-License-Identifier: GPL-2.0
/*
 * capture_setup: the set-up and teardown order of a live capture, in the
 * order DESIGN.md gives: a check that no other capture uses the interface,
 * outputs (errors surface before anything is attached), the classifier,
 * the UMEM and one socket per queue, the rules, the sockets into xsks;
 * at the end the sockets leave xsks before anything is
 * closed, the classifier is detached if flowsplice attached it, then
 * files, sockets and the UMEM go.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "cmd/capture_int.h"
#include "lib/log.h"
#include "parse/pkt.h"

/*
 * Live, overlaps are compared with data still held, never by reading back
 * what was handed to the writer: that would wait for every write in flight
 * on each retransmission, and the RX ring would overflow meanwhile.
 */
static struct flow_ops live_flow_ops;

static int open_pcap(struct capture *c, struct worker *wk,
		     uint64_t rotate_bytes)
{
	struct pcap_out_opts po = {
		.rotate_bytes = rotate_bytes,
		.rotate_secs = c->o->rotate_secs,
		.linktype = LINKTYPE_ETHERNET,
		.direct = c->o->pcap_io == 0,
	};
	char path[4096];
	int ret;

	if (c->nq > 1)
		snprintf(path, sizeof(path), "%s.q%u", c->o->write,
			 c->queues[wk->id]);
	else
		snprintf(path, sizeof(path), "%s", c->o->write);
	po.path = path;
	ret = pcap_out_open(&wk->pcap, wk->w, &po);
	if (ret == -ENXIO)
		pr_warn("cannot write %s: a FIFO that no process reads (start "
			"the reader first)\n",
			path);
	else if (ret)
		pr_warn("cannot write %s: %s\n", path, strerror(-ret));
	return ret;
}

/*
 * One flow table and one streams per worker, all writing into DIR and one
 * shared flows.jsonl; flow ids interleave (worker i: i, i + n, ...).
 */
static int open_streams(struct capture *c, struct worker *wk)
{
	struct flow_table_cfg *fc = &c->wcfg.ft;
	struct flow_table_cfg cfg = *fc;
	int ret;

	ret = streams_create_shared(&wk->streams, wk->w, c->o->streams,
				    c->o->max_open, c->index);
	if (ret)
		return ret;
	cfg.id_first = wk->id;
	cfg.id_step = c->nq;
	ret = flow_table_create(&wk->ft, &cfg, &live_flow_ops, wk->streams);
	if (ret)
		pr_warn("flow table: %s\n", strerror(-ret));
	return ret;
}

static void flow_cfg(struct capture *c, struct flow_table_cfg *fc)
{
	flow_table_cfg_default(fc);
	fc->max_flows = c->o->max_flows;
	fc->idle_timeout_ns = c->o->idle_timeout * 1000000000ull;
	fc->reasm.policy = c->o->hold_policy;
	/*
	 * Every owner may hold frames of every pool (in generic mode all of
	 * them come from queue 0's), so --hold-frames bounds each pool,
	 * whichever workers hold its frames (the hooks count them), and its
	 * fill ring keeps the rest.
	 */
	fc->reasm.max_ref_segs = c->o->hold_frames;
	fc->reasm.hold_ref = worker_hold_ref;
	fc->reasm.hold_unref = worker_hold_unref;
	fc->reasm.ooo_per_flow = c->o->ooo_per_flow;
	fc->reasm.ooo_total = c->o->ooo_total;
}

static int open_outputs(struct capture *c, uint64_t rotate_bytes)
{
	/*
	 * Large writevs (a 64 KiB GSO packet alone is 18 iovecs), 32 MiB of
	 * direct staging to ride out disk stalls, and stream writes that
	 * linger up to 2 ms so that interleaved flows still leave in large
	 * writevs rather than one SQE per packet per loop turn.  A slow
	 * capture's partial direct block reaches the file every
	 * --flush-interval.
	 */
	struct writer_opts wopts = {
		.ring_entries = 256,
		.max_iov = 512,
		.direct_blocks = 32,
		.direct_flush_ms = c->o->flush_ms,
		.abort = &worker_abort,
		.linger_bytes = 256 << 10,
		.linger_us = 2000,
	};
	char err[4200];
	unsigned int i;
	int ret;

	c->wcfg.nworkers = c->nq;
	c->wcfg.all = c->wk;
	c->wcfg.streams = c->o->streams != NULL;
	flow_cfg(c, &c->wcfg.ft);
	live_flow_ops = streams_flow_ops;
	live_flow_ops.verify = NULL;
	if (c->o->streams) {
		ret = streams_open_index(c->o->streams, &c->index, err,
					 sizeof(err));
		if (ret) {
			pr_warn("%s\n", err);
			return ret;
		}
	}
	for (i = 0; i < c->nq; i++) {
		struct worker *wk = &c->wk[i];

		wk->id = i;
		wk->cfg = &c->wcfg;
		ret = writer_create(&wk->w, &wopts);
		if (ret) {
			pr_warn("io_uring setup failed: %s\n", strerror(-ret));
			return ret;
		}
		if (c->o->write && (ret = open_pcap(c, wk, rotate_bytes)))
			return ret;
		if (c->o->streams && (ret = open_streams(c, wk)))
			return ret;
	}
	return 0;
}

static const char *bind_hint(int err)
{
	switch (err) {
	case -EAFNOSUPPORT:
		return " (kernel without AF_XDP)";
	case -EBUSY:
		return " (another AF_XDP socket holds this queue: another "
		       "capture's, or another program's)";
	default:
		return "";
	}
}

/*
 * The kernel releases the queue of a socket that was closed (a capture
 * just killed, say) from a work item: bind says EBUSY for a moment.
 * Another capture that still runs was refused before; wait up to a second.
 */
static int bind_queue(struct capture *c, struct worker *wk,
		      const struct xskq_opts *xo, unsigned int i)
{
	unsigned int tries;
	int ret;

	for (tries = 0;; tries++) {
		ret = xskq_open(&wk->q, c->umem, c->o->ifname, c->queues[i], xo,
				i == 0);
		if (ret != -EBUSY || tries == 20)
			return ret;
		usleep(50000);
	}
}

static int open_sockets(struct capture *c, bool native)
{
	struct umem_opts uo = {
		.nframes = c->o->frames * c->nq,
		.frame_size = c->o->frame_size,
		.fill_size = c->o->fill_size,
		.comp_size = 64,
	};
	struct xskq_opts xo = {
		.rx_size = c->o->rx_size,
		.fill_size = c->o->fill_size,
		.comp_size = 64,
		.try_zerocopy = native,
	};
	unsigned int i;
	int ret;

	ret = umem_create(&c->umem, &uo);
	if (ret) {
		pr_warn("cannot create the UMEM (%u frames of %u bytes): %s%s\n",
			uo.nframes, uo.frame_size, strerror(-ret),
			ret == -EPERM || ret == -ENOMEM
				? " (RLIMIT_MEMLOCK too low without CAP_IPC_LOCK? "
				  "try fewer --frames)"
				: "");
		return ret;
	}
	for (i = 0; i < c->nq; i++) {
		struct worker *wk = &c->wk[i];

		wk->umem = c->umem;
		umem_pool_init(c->umem, &wk->pool, i * c->o->frames,
			       c->o->frames);
		wk->pool.hold_max = c->o->hold_frames;
		ret = bind_queue(c, wk, &xo, i);
		if (ret) {
			pr_warn("cannot bind an AF_XDP socket to %s queue %u: "
				"%s%s\n",
				c->o->ifname, c->queues[i], strerror(-ret),
				bind_hint(ret));
			return ret;
		}
	}
	ret = worker_links_init(&c->wcfg, c->o->frames);
	if (ret) {
		pr_warn("cannot allocate the handoff rings: %s\n",
			strerror(-ret));
		return ret;
	}
	if (!c->o->quiet) {
		pr_info("%u queue socket(s) on one shared UMEM (%u x %u bytes): "
			"%s mode, %s\n",
			c->nq, uo.nframes, uo.frame_size,
			c->wk[0].q.zerocopy ? "zero-copy" : "copy",
			c->wk[0].q.sg ? "multi-buffer (XDP_USE_SG)"
				      : "no multi-buffer");
		if (!c->wk[0].q.sg)
			pr_warn("multi-buffer AF_XDP unavailable: packets larger "
				"than a %u-byte frame are dropped by the kernel "
				"(counted under 'kernel')\n",
				c->o->frame_size);
	}
	return 0;
}

static int attach_classifier_prog(struct capture *c)
{
	char why[512] = "";
	int ret;

	ret = xdp_prog_attach(&c->prog, c->ifindex, c->o->xdp_mode,
			      c->o->pin_path, why, sizeof(why));
	if (ret) {
		/* why names the cause; errno alone says too little. */
		pr_warn("cannot attach the XDP classifier to %s: %s\n",
			c->o->ifname, *why ? why : strerror(-ret));
		return ret;
	}
	if (!c->o->quiet && *why)
		pr_info("XDP on %s: %s\n", c->o->ifname, why);
	return 0;
}

/* Once the sockets are bound: a failed bind leaves the rules in place. */
static int set_rules(struct capture *c)
{
	long ret = xdp_prog_set_rules(c->prog, &c->rules);

	if (ret < 0) {
		pr_warn("cannot load the filter rules: %s\n", strerror(-ret));
		return ret;
	}
	return 0;
}

static int attach_sockets(struct capture *c)
{
	unsigned int i;
	int ret;

	for (i = 0; i < c->nq; i++) {
		__u32 key = c->wk[i].q.queue_id;
		int fd = c->wk[i].q.fd;

		if (bpf_map_update_elem(xdp_prog_xsks_fd(c->prog), &key, &fd,
					0)) {
			ret = -errno;
			pr_warn("cannot add queue %u's socket to xsks: %s\n",
				key, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/* libbpf's __u64 is unsigned long long; the snapshots use uint64_t. */
void capture_read_xdp(struct capture *c, uint64_t xdp[FS_STAT_MAX],
		      uint64_t *qredir)
{
	__u64 v[FS_STAT_MAX] = {0}, q;
	unsigned int i;

	if (!xdp_prog_read_stats(c->prog, v))
		for (i = 0; i < FS_STAT_MAX; i++)
			xdp[i] = v[i] - c->xdp_base[i];
	for (i = 0; i < c->nq; i++)
		if (!xdp_prog_read_qstats(c->prog, c->queues[i], &q))
			qredir[i] = q - c->qbase[i];
}

static void read_xdp_base(struct capture *c)
{
	unsigned int i;

	xdp_prog_read_stats(c->prog, c->xdp_base);
	for (i = 0; i < c->nq; i++)
		xdp_prog_read_qstats(c->prog, c->queues[i], &c->qbase[i]);
}

/*
 * Stop redirecting before the sockets go (Suricata's teardown order):
 * sockets leave xsks first, so that the classifier counters read next are
 * final; then the program is detached (if flowsplice attached it).
 */
void capture_detach(struct capture *c, uint64_t xdp[FS_STAT_MAX],
		    uint64_t *qredir)
{
	unsigned int i;

	if (!c->prog)
		return;
	for (i = 0; i < c->nq; i++) {
		__u32 key = c->wk[i].q.queue_id;

		bpf_map_delete_elem(xdp_prog_xsks_fd(c->prog), &key);
	}
	capture_read_xdp(c, xdp, qredir);
	xdp_prog_detach(c->prog);
	c->prog = NULL;
}

void capture_detach_quiet(struct capture *c)
{
	uint64_t xdp[FS_STAT_MAX], *qredir = calloc(c->nq, sizeof(*qredir));

	if (qredir)
		capture_detach(c, xdp, qredir);
	else if (c->prog)
		xdp_prog_detach(c->prog);
	c->prog = NULL;
	free(qredir);
}

int capture_setup(struct capture *c, uint64_t rotate_bytes)
{
	char why[512];
	int ret;

	/*
	 * Before anything is opened or changed: another capture's outputs
	 * may be the same files, and its filter must stay in place.
	 */
	ret = xdp_prog_check_busy(c->ifindex, why, sizeof(why));
	if (ret) {
		pr_warn("cannot capture on %s: %s\n", c->o->ifname, why);
		return ret;
	}
	ret = open_outputs(c, rotate_bytes);
	if (ret)
		return ret;
	ret = attach_classifier_prog(c);
	if (ret)
		return ret;
	ret = open_sockets(c, xdp_prog_mode(c->prog) == XDP_PROG_MODE_NATIVE);
	if (ret)
		return ret;
	ret = set_rules(c);
	if (ret)
		return ret;
	read_xdp_base(c);
	return attach_sockets(c);
}

void capture_free(struct capture *c)
{
	unsigned int i;

	for (i = 0; c->wk && i < c->nq; i++) {
		struct worker *wk = &c->wk[i];

		if (wk->ft) {
			/* Set-up failed before the workers ran: no data. */
			flow_table_end_all(wk->ft, FLOW_END_SHUTDOWN);
			flow_table_destroy(wk->ft);
		}
		if (wk->streams)
			streams_destroy(wk->streams);
		if (wk->pcap)
			pcap_out_close(wk->pcap);
		if (wk->w)
			writer_destroy(wk->w);
		xskq_close(&wk->q);
	}
	if (c->index)
		flow_index_close(c->index);
	worker_links_free(&c->wcfg);
	umem_destroy(c->umem);
	free(c->wk);
	free(c->queues);
	free(c->prev.q);
	free(c->cur.q);
	free(c->qbase);
}

/* After the worker stopped: its flows are ended, its writes complete. */
int capture_close_outputs(struct capture *c, struct worker *wk)
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
		pr_warn("closing the pcap of queue %u: %s\n", c->queues[wk->id],
			strerror(-r));
		ret = r;
	}
	/* Last blocks and cuts are in the counters once the files closed. */
	if (wk->w)
		worker_publish_stats(wk);
	pcap_out_close(wk->pcap);
	wk->pcap = NULL;
	return ret;
}
