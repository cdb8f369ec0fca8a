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
#include <sys/stat.h>
#include <bpf/bpf.h>

#include "cmd/capture_int.h"
#include "cmd/flow_opts.h"
#include "lib/log.h"
#include "live/xdp_filter.h"
#include "parse/pkt.h"

/* -w FILE, or FILE.qN with several queues unless they share FILE. */
static void pcap_path(const struct capture *c, unsigned int i, char *path,
		      size_t size)
{
	if (c->nq > 1 && !c->merge)
		snprintf(path, size, "%s.q%u", c->o->write, c->queues[i]);
	else
		snprintf(path, size, "%s", c->o->write);
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

/*
 * -W, --max-disk, -z: the finished files go to the main thread's retain
 * (one series per queue, or one for a merged file).  With -C alone, -W
 * is the names' ring (the oldest file is renamed aside, retain deletes
 * it); otherwise retain deletes past N.
 */
static int open_retain(struct capture *c, struct pcap_out_opts *po,
		       unsigned int nseries)
{
	bool ring = c->o->rotate_size && !c->o->rotate_secs;
	struct retain_opts ro = {
		.max_files = ring ? 0 : c->o->max_files,
		.max_bytes = c->o->max_disk_bytes,
		.max_pct = c->o->max_disk_pct,
		.command = c->o->postrotate,
	};
	int ret;

	po->max_files = c->o->max_files;
	if (!c->o->write ||
	    !(c->o->max_files || c->o->max_disk || c->o->postrotate))
		return 0;
	ret = retain_create(&c->retain, &ro, nseries);
	if (ret) {
		pr_warn("out of memory\n");
		return ret;
	}
	po->on_file = retain_on_file;
	return 0;
}

/*
 * Several queues into -w FILE: one merged file (series), unless
 * --per-queue-files or a FIFO (no offsets).
 */
static bool want_merge(const struct capture *c)
{
	struct stat sb;

	return c->nq > 1 && c->o->write && !c->o->per_queue_files &&
	       (stat(c->o->write, &sb) || S_ISREG(sb.st_mode));
}

/*
 * The merged file: the header each file starts with, the interface
 * statistics of all queues at each file's end (pcapng), the finished
 * files to retain's one series.
 */
static int open_merge(struct capture *c, struct pcap_out_opts *po)
{
	uint8_t hdr[4096];
	struct pcap_merge_opts mo = {
		.path = c->o->write,
		.rotate_bytes = po->rotate_bytes,
		.rotate_secs = po->rotate_secs,
		.max_files = c->o->max_files,
		.aligned = c->o->format == PCAP_OUT_PCAPNG,
		.buffered = !po->direct,
		.hdr = hdr,
		.flush_ms = c->o->flush_ms,
		.isb = c->o->format == PCAP_OUT_PCAPNG ? worker_group_isb
						       : NULL,
		.isb_ctx = &c->g,
		.on_file = c->retain ? retain_on_file : NULL,
		.on_file_ctx = c->retain ? retain_series(c->retain, 0) : NULL,
	};
	int ret = pcap_out_header(po, hdr, sizeof(hdr), &mo.hdr_len);

	if (!ret)
		ret = pcap_merge_create(&c->merge, &mo);
	if (ret) {
		pr_warn("cannot write %s: %s\n", c->o->write, strerror(-ret));
		return ret;
	}
	po->merge = c->merge;
	po->on_file = NULL; /* the merge tells */
	return 0;
}

/* What each pcapng file's interface block says of its timestamps. */
#define TS_COMMENT_NIC                                                       \
	"timestamps: the NIC's receive timestamps "                          \
	"(bpf_xdp_metadata_rx_timestamp in a device-bound XDP classifier), " \
	"in the NIC's clock; for a packet the NIC does not stamp, the "      \
	"classifier's clock (bpf_ktime_get_ns, CLOCK_MONOTONIC moved to "    \
	"CLOCK_REALTIME)"
#define TS_COMMENT_HOST                                                 \
	"timestamps: the classifier's clock (bpf_ktime_get_ns in XDP, " \
	"CLOCK_MONOTONIC moved to CLOCK_REALTIME)"

/*
 * Who stamps the packets, known before the files open (their pcapng
 * interface block says it): the NIC in native mode, through a
 * device-bound classifier (-j auto, adapter_unsynced), when the kernel
 * loads one for this interface (a load, then closed: nothing attached
 * yet), or when the classifier attached already is one; otherwise the
 * classifier's clock, and why in ts_why.  -j adapter_unsynced that cannot
 * be had is an error.
 */
static int plan_timestamps(struct capture *c)
{
	struct xdp_prog *found;

	c->nic_ts = false;
	*c->ts_why = 0;
	if (c->o->ts_type == CAPTURE_TS_HOST) {
		snprintf(c->ts_why, sizeof(c->ts_why), "-j host");
	} else if (!xdp_prog_find(c->ifindex, c->o->pin_path, &found)) {
		c->nic_ts = xdp_prog_nic_ts(found, NULL);
		xdp_prog_detach(found); /* only frees: found in place */
		if (!c->nic_ts)
			snprintf(c->ts_why, sizeof(c->ts_why),
				 "the classifier attached already is not "
				 "device-bound");
	} else if (xdp_prog_resolve_mode(c->ifindex, c->o->xdp_mode) ==
		   XDP_PROG_MODE_GENERIC) {
		snprintf(c->ts_why, sizeof(c->ts_why),
			 "generic XDP mode (a device-bound program attaches "
			 "in native mode only)");
	} else {
		c->nic_ts = !xdp_prog_probe_nic_ts(c->ifindex, c->ts_why,
						   sizeof(c->ts_why));
	}
	if (c->o->ts_type == CAPTURE_TS_ADAPTER_UNSYNCED && !c->nic_ts) {
		pr_warn("-j adapter_unsynced: the NIC cannot stamp the packets "
			"on %s: %s\n",
			c->o->ifname, c->ts_why);
		return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * One writer per worker; one flow table and one streams per worker, all
 * writing into DIR and one shared flows.jsonl.
 */
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
	const struct writer_opts wopts = {
		.ring_entries = 256,
		.max_iov = 512,
		.direct_blocks = 32,
		.direct_flush_ms = c->o->flush_ms,
		.linger_bytes = 256 << 10,
		.linger_us = 2000,
	};
	struct pcap_out_opts po = {
		.rotate_bytes = rotate_bytes,
		.rotate_secs = c->o->rotate_secs,
		.linktype = LINKTYPE_ETHERNET,
		.snaplen = c->o->snaplen,
		.format = c->o->format,
		.ifname = c->o->ifname,
		.ts_comment = c->nic_ts ? TS_COMMENT_NIC : TS_COMMENT_HOST,
		.direct = c->o->pcap_io == 0,
	};
	struct worker_outputs wo = {
		.wopts = &wopts,
		.pcap = c->o->write ? &po : NULL,
		.streams_dir = c->o->streams,
		.max_open = c->o->max_open,
		.write_once = c->o->write_once,
	};
	struct flow_table_cfg fc;
	char err[4200], path[4096];
	bool merged = want_merge(c);
	unsigned int i;
	int ret;

	flow_cfg(c, &fc);
	ret = worker_group_init(&c->g, c->nq, c->o->streams != NULL, &fc);
	if (!ret)
		ret = open_retain(c, &po, merged ? 1 : c->nq);
	if (!ret && merged)
		ret = open_merge(c, &po);
	if (ret)
		return ret;
	if (c->o->streams) {
		ret = streams_open_index(c->o->streams, &c->index, err,
					 sizeof(err));
		if (ret) {
			pr_warn("%s\n", err);
			return ret;
		}
		wo.index = c->index;
		wo.stream_direct =
			flow_opts_stream_direct(c->o->stream_io, c->o->streams);
	}
	po.path = path;
	for (i = 0; i < c->nq; i++) {
		pcap_path(c, i, path, sizeof(path));
		if (c->retain && !merged)
			po.on_file_ctx = retain_series(c->retain, i);
		ret = worker_init(&c->g.all[i], &wo);
		if (ret)
			return ret;
		if (c->retain && (!merged || i == 0))
			retain_set_current(c->retain, i, c->g.all[i].pcap);
	}
	return 0;
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

	ret = umem_create_said(&c->umem, &uo);
	if (ret)
		return ret;
	for (i = 0; i < c->nq; i++) {
		ret = worker_bind(&c->g.all[i], c->umem, c->o->frames,
				  c->o->hold_frames, c->o->ifname, c->queues[i],
				  &xo);
		if (ret) {
			pr_warn("cannot bind an AF_XDP socket to %s queue %u: "
				"%s%s\n",
				c->o->ifname, c->queues[i], strerror(-ret),
				xskq_bind_hint(ret));
			return ret;
		}
	}
	ret = worker_group_link(&c->g);
	if (ret) {
		pr_warn("cannot allocate the handoff rings: %s\n",
			strerror(-ret));
		return ret;
	}
	if (!c->o->quiet) {
		pr_info("%u queue socket(s) on one shared UMEM (%u x %u bytes): "
			"%s mode, %s\n",
			c->nq, uo.nframes, uo.frame_size,
			c->g.all[0].q.zerocopy ? "zero-copy" : "copy",
			c->g.all[0].q.sg ? "multi-buffer (XDP_USE_SG)"
					 : "no multi-buffer");
		if (!c->g.all[0].q.sg)
			pr_warn("multi-buffer AF_XDP unavailable: packets larger "
				"than a %u-byte frame are dropped by the kernel "
				"(counted under 'kernel')\n",
				c->o->frame_size);
	}
	return 0;
}

/* The start-up log's line on timestamps, once the classifier runs. */
static int say_timestamps(struct capture *c)
{
	const char *why = NULL;
	bool nic = xdp_prog_nic_ts(c->prog, &why);

	if (!nic && c->o->ts_type == CAPTURE_TS_ADAPTER_UNSYNCED) {
		pr_warn("-j adapter_unsynced: the NIC cannot stamp the packets "
			"on %s: %s\n",
			c->o->ifname,
			why ? why
			    : "the classifier is not "
			      "device-bound");
		return -EOPNOTSUPP;
	}
	if (c->nic_ts && !nic && c->o->write && c->o->format == PCAP_OUT_PCAPNG)
		pr_warn("the files' interface block says the NIC stamps the "
			"packets, but %s: the classifier's clock stamps them "
			"all\n",
			why ? why : "the classifier is not device-bound");
	c->nic_ts = nic;
	if (c->o->quiet)
		return 0;
	if (nic)
		pr_info("timestamps on %s: the NIC's (a device-bound classifier "
			"reads bpf_xdp_metadata_rx_timestamp), the "
			"classifier's clock for a packet the NIC does not "
			"stamp\n",
			c->o->ifname);
	else
		pr_info("timestamps on %s: the classifier's clock "
			"(bpf_ktime_get_ns): %s\n",
			c->o->ifname,
			why	     ? why
			: *c->ts_why ? c->ts_why
				     : "-");
	return 0;
}

static int attach_classifier_prog(struct capture *c)
{
	char why[512] = "";
	int ret;

	ret = xdp_prog_attach(&c->prog, c->ifindex, c->o->xdp_mode,
			      c->o->pin_path, c->nic_ts, why, sizeof(why));
	if (ret) {
		/* why names the cause; errno alone says too little. */
		pr_warn("cannot attach the XDP classifier to %s: %s\n",
			c->o->ifname, *why ? why : strerror(-ret));
		return ret;
	}
	if (!c->o->quiet && *why)
		pr_info("XDP on %s: %s\n", c->o->ifname, why);
	return say_timestamps(c);
}

/*
 * Once the sockets are bound: a failed bind leaves the filter in place.
 * The rule set, or libpcap's program translated and tail-called.
 */
static int set_rules(struct capture *c)
{
	char why[256] = "";
	int ret = xdp_filter_apply(c->prog, c->plan, why, sizeof(why));

	if (ret < 0) {
		pr_warn("cannot install the filter: %s\n", why);
		return ret;
	}
	return 0;
}

static int attach_sockets(struct capture *c)
{
	unsigned int i;
	int ret;

	for (i = 0; i < c->nq; i++) {
		__u32 key = c->g.all[i].q.queue_id;
		int fd = c->g.all[i].q.fd;

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
		__u32 key = c->g.all[i].q.queue_id;

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
	ret = plan_timestamps(c);
	if (!ret)
		ret = open_outputs(c, rotate_bytes);
	if (ret)
		return ret;
	ret = attach_classifier_prog(c);
	if (ret)
		return ret;
	/* -Z: the last moment with one thread and no UMEM to copy. */
	if (c->o->user) {
		ret = xdp_prog_keep_detacher(c->prog);
		if (ret) {
			pr_warn("-Z: cannot fork the helper that detaches the "
				"classifier at exit: %s\n",
				strerror(-ret));
			return ret;
		}
	}
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
	metrics_http_close(c->metrics);
	worker_group_fini(&c->g);
	retain_destroy(c->retain);
	pcap_merge_destroy(c->merge);
	if (c->index)
		flow_index_close(c->index);
	umem_destroy(c->umem);
	free(c->queues);
	filter_plan_free(c->plan);
	c->plan = NULL;
	free(c->prev.q);
	free(c->cur.q);
	free(c->qbase);
}
