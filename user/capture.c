// SPDX-License-Identifier: GPL-2.0
/*
 * capture: the `flowsplice capture` command.  Owns the set-up and teardown
 * order of the live pipeline:
 *
 *   options, filter, interface  ->  UMEM + one socket per queue
 *   -> outputs opened (errors surface before anything is attached)
 *   -> classifier attached (or found), rules set, sockets in xsks
 *   -> workers run; the main thread prints stats and waits for a signal
 *   -> classifier detached / sockets removed first, workers drain their
 *      rings and in-flight writes, files closed, sockets, then UMEM.
 */
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "capture_stats.h"
#include "cli.h"
#include "commands.h"
#include "filter.h"
#include "flow_index.h"
#include "log.h"
#include "pkt.h"
#include "worker.h"
#include "xdp_prog.h"

struct capture_opts {
	const char *ifname;
	const char *write;
	const char *queues;
	const char *stats_json;
	const char *pin_path;
	const char *rotate_size;
	const char *streams;
	int xdp_mode;
	int hold_policy;
	int pcap_io;
	unsigned int max_flows;
	unsigned int idle_timeout;
	unsigned int hold_frames;
	unsigned int max_open;
	uint64_t ooo_per_flow;
	uint64_t ooo_total;
	unsigned int rotate_secs;
	unsigned int duration;
	unsigned int stats_interval;
	unsigned int frame_size;
	unsigned int frames;
	unsigned int rx_size;
	unsigned int fill_size;
	bool verbose;
	bool quiet;
};

static const char *const xdp_modes[] = {"auto", "native", "generic", NULL};
static const char *const hold_policies[] = {"copy", "drop", NULL};
static const char *const pcap_ios[] = {"direct", "buffered", NULL};

static struct capture_opts opt = {
	.stats_interval = 1,
	.frame_size = 4096,
	.frames = 32768,
	.rx_size = 4096,
	.fill_size = 4096,
	.max_flows = 65536,
	.idle_timeout = 300,
	.max_open = 1024,
	.ooo_per_flow = 8ull << 20,
	.ooo_total = 256ull << 20,
};

static const struct cli_opt capture_opts[] = {
	CLI_OPT("interface", 'i', CLI_STR, &opt.ifname, "IFACE",
		"interface to capture on (required)"),
	CLI_OPT("write", 'w', CLI_STR, &opt.write, "FILE",
		"write packets to pcap FILE (nanosecond timestamps); with "
		"several queues, FILE.qN per queue"),
	CLI_OPT("streams", 0, CLI_STR, &opt.streams, "DIR",
		"reassemble each TCP direction into DIR/<id>-...{c2s,s2c}, "
		"with DIR/flows.jsonl; may be combined with -w"),
	CLI_OPT_RANGE("max-flows", 0, CLI_UINT, &opt.max_flows, "N",
		      "flows tracked per worker; past it the least recently "
		      "seen is ended as evicted (default: 65536)",
		      1, 1u << 24),
	CLI_OPT_RANGE("idle-timeout", 0, CLI_UINT, &opt.idle_timeout, "SECS",
		      "end a flow idle this long (default: 300)", 1, 0),
	CLI_OPT("hold-frames", 0, CLI_UINT, &opt.hold_frames, "N",
		"UMEM frames per worker the reassembler may hold for "
		"out-of-order data (default: a quarter of --frames)"),
	CLI_OPT_ENUM("hold-policy", 0, &opt.hold_policy, "POLICY",
		     "past --hold-frames: copy out-of-order data into a "
		     "bounded arena, or drop it and record a gap (default: "
		     "copy)",
		     hold_policies),
	CLI_OPT("ooo-per-flow", 0, CLI_SIZE, &opt.ooo_per_flow, "BYTES",
		"out-of-order bytes held per flow (default: 8M)"),
	CLI_OPT("ooo-total", 0, CLI_SIZE, &opt.ooo_total, "BYTES",
		"out-of-order bytes held per worker (default: 256M)"),
	CLI_OPT_RANGE("max-open", 0, CLI_UINT, &opt.max_open, "N",
		      "stream files open at once per worker (default: 1024)", 1,
		      1u << 20),
	CLI_OPT_ENUM("pcap-io", 0, &opt.pcap_io, "MODE",
		     "pcap file writes: O_DIRECT through aligned staging "
		     "blocks, or through the page cache (default: direct, "
		     "4-7x faster on the measured disk)",
		     pcap_ios),
	CLI_OPT("queues", 'Q', CLI_STR, &opt.queues, "LIST",
		"RX queues to capture, e.g. 0,2-3 (default: all)"),
	CLI_OPT_ENUM("xdp-mode", 0, &opt.xdp_mode, "MODE",
		     "XDP attach mode (default: auto: generic for virtual "
		     "devices, native otherwise)",
		     xdp_modes),
	CLI_OPT("pin-path", 0, CLI_STR, &opt.pin_path, "DIR",
		"use the classifier maps pinned under DIR (xdp-loader "
		"--pin-path)"),
	CLI_OPT("rotate-size", 'C', CLI_STR, &opt.rotate_size, "SIZE",
		"start a new file past SIZE: a plain number is millions of "
		"bytes (as tcpdump), or use K/M/G suffixes"),
	CLI_OPT_RANGE("rotate-seconds", 'G', CLI_UINT, &opt.rotate_secs, "SECS",
		      "start a new file every SECS seconds, aligned to the "
		      "wall clock; FILE may hold strftime(3) conversions",
		      1, 0),
	CLI_OPT_RANGE("duration", 'd', CLI_UINT, &opt.duration, "SECS",
		      "stop after SECS seconds (default: until SIGINT or "
		      "SIGTERM)",
		      1, 0),
	CLI_OPT("stats-interval", 0, CLI_UINT, &opt.stats_interval, "SECS",
		"seconds between stats lines on stderr; 0: none (default: 1)"),
	CLI_OPT("stats-json", 0, CLI_STR, &opt.stats_json, "FILE",
		"keep FILE updated with the counters as JSON (each interval "
		"and at exit)"),
	CLI_OPT_RANGE("frame-size", 0, CLI_UINT, &opt.frame_size, "BYTES",
		      "UMEM frame size, 2048 or 4096 (default: 4096)", 2048,
		      4096),
	CLI_OPT_RANGE("frames", 0, CLI_UINT, &opt.frames, "N",
		      "UMEM frames per queue: 128 MiB of 4 KiB frames buffers bursts the disk cannot take at once (default: 32768)", 64, 1u << 20),
	CLI_OPT_RANGE("rx-size", 0, CLI_UINT, &opt.rx_size, "N",
		      "RX ring entries per socket, a power of 2 (default: "
		      "4096)",
		      64, 1u << 16),
	CLI_OPT_RANGE("fill-size", 0, CLI_UINT, &opt.fill_size, "N",
		      "fill ring entries per socket, a power of 2 (default: "
		      "4096)",
		      64, 1u << 16),
	CLI_OPT("verbose", 'v', CLI_FLAG, &opt.verbose, NULL,
		"debug log output, with libbpf's and libxdp's messages"),
	CLI_OPT("quiet", 'q', CLI_FLAG, &opt.quiet, NULL,
		"no start-up log and no stats lines (the summary still "
		"prints)"),
	CLI_OPT_END};

static const struct cli_cmd capture_cmd = {
	.name = "capture",
	.args = "-i IFACE [FILTER...]",
	.summary = "Steer the packets that match FILTER (pcap-filter subset, "
		   "default \"" FILTER_DEFAULT "\")\ninto AF_XDP sockets, one "
		   "per RX queue, and write them to disk through\nio_uring. "
		   "Everything else reaches the kernel untouched.",
	.details = "Exit status: 0 on success, 1 on a runtime error, 2 on a "
		   "usage error.\nSIGINT or SIGTERM stops the capture cleanly: "
		   "writes in flight complete and every\nfile is closed "
		   "before the summary prints.\n",
	.opts = capture_opts,
};

struct capture {
	int ifindex;
	unsigned int nq;
	unsigned int *queues;
	struct umem *umem;
	struct worker *wk;
	struct xdp_prog *prog;
	struct worker_cfg wcfg;
	struct flow_index *index; /* shared by the workers' streams */
	struct fs_ruleset rules;
	struct capture_snap prev, cur;
	uint64_t start_ns;
	/*
	 * Classifier counters at start: a program an operator loaded may
	 * have counted before this capture; only the difference is ours.
	 */
	__u64 xdp_base[FS_STAT_MAX];
	__u64 *qbase;
};

static bool is_pow2(unsigned int v)
{
	return v && !(v & (v - 1));
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void update_clock_offset(void)
{
	struct timespec r, m;

	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_MONOTONIC, &m);
	__atomic_store_n(&worker_mono_to_real,
			 (int64_t)(r.tv_sec - m.tv_sec) * 1000000000ll +
				 (r.tv_nsec - m.tv_nsec),
			 __ATOMIC_RELAXED);
}

static unsigned int count_rx_queues(const char *ifname)
{
	char path[128];
	unsigned int n = 0;

	for (;;) {
		snprintf(path, sizeof(path), "/sys/class/net/%s/queues/rx-%u",
			 ifname, n);
		if (access(path, F_OK))
			break;
		n++;
	}
	return n ? n : 1;
}

/* Parse "0,2-3" into a sorted, duplicate-free list below max. */
static int parse_queues(const char *s, unsigned int max, unsigned int **out,
			unsigned int *n)
{
	bool seen[FS_MAX_QUEUES] = {0};
	unsigned int i, cnt = 0;
	const char *p = s;

	while (*p) {
		char *end;
		unsigned long a = strtoul(p, &end, 10), b = a;

		if (end == p)
			return -EINVAL;
		if (*end == '-') {
			p = end + 1;
			b = strtoul(p, &end, 10);
			if (end == p || b < a)
				return -EINVAL;
		}
		if (b >= max || b >= FS_MAX_QUEUES)
			return -ERANGE;
		for (i = a; i <= b; i++)
			seen[i] = true;
		p = end;
		if (*p == ',')
			p++;
		else if (*p)
			return -EINVAL;
	}
	*out = calloc(FS_MAX_QUEUES, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (i = 0; i < FS_MAX_QUEUES; i++)
		if (seen[i])
			(*out)[cnt++] = i;
	*n = cnt;
	return cnt ? 0 : -EINVAL;
}

static int parse_rotate_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s)
		return 0;
	v = strtoull(s, &end, 10);
	if (end != s && !*end && *s != '-') {
		*out = v * 1000000ull; /* tcpdump -C: millions of bytes */
		return *out ? 0 : -EINVAL;
	}
	return cli_parse_size(s, out) || !*out ? -EINVAL : 0;
}

static int check_opts(struct capture_opts *o, uint64_t *rotate_bytes)
{
	if (!o->ifname) {
		fprintf(stderr, "flowsplice capture: -i IFACE is required\n");
		return -EINVAL;
	}
	if (!o->write && !o->streams) {
		fprintf(stderr,
			"flowsplice capture: nothing to do: give -w FILE "
			"and/or --streams DIR\n");
		return -EINVAL;
	}
	if (!o->hold_frames)
		o->hold_frames = o->frames / 4;
	if (o->hold_frames >= o->frames) {
		fprintf(stderr,
			"flowsplice capture: --hold-frames %u must be below "
			"--frames %u\n",
			o->hold_frames, o->frames);
		return -EINVAL;
	}
	if (o->frame_size != 2048 && o->frame_size != 4096) {
		fprintf(stderr,
			"flowsplice capture: --frame-size must be 2048 or 4096\n");
		return -EINVAL;
	}
	if (!is_pow2(o->rx_size) || !is_pow2(o->fill_size)) {
		fprintf(stderr, "flowsplice capture: ring sizes must be powers "
				"of 2\n");
		return -EINVAL;
	}
	if (o->fill_size > o->frames) {
		fprintf(stderr,
			"flowsplice capture: --fill-size %u exceeds --frames %u\n",
			o->fill_size, o->frames);
		return -EINVAL;
	}
	if (parse_rotate_size(o->rotate_size, rotate_bytes)) {
		fprintf(stderr, "flowsplice capture: invalid -C size '%s'\n",
			o->rotate_size);
		return -EINVAL;
	}
	return 0;
}

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
		.rotate_secs = opt.rotate_secs,
		.linktype = LINKTYPE_ETHERNET,
		.direct = opt.pcap_io == 0,
	};
	char path[4096];
	int ret;

	if (c->nq > 1)
		snprintf(path, sizeof(path), "%s.q%u", opt.write,
			 c->queues[wk->id]);
	else
		snprintf(path, sizeof(path), "%s", opt.write);
	po.path = path;
	ret = pcap_out_open(&wk->pcap, wk->w, &po);
	if (ret)
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

	ret = streams_create_shared(&wk->streams, wk->w, opt.streams,
				    opt.max_open, c->index);
	if (ret)
		return ret;
	cfg.id_first = wk->id;
	cfg.id_step = c->nq;
	ret = flow_table_create(&wk->ft, &cfg, &live_flow_ops, wk->streams);
	if (ret)
		pr_warn("flow table: %s\n", strerror(-ret));
	return ret;
}

static void flow_cfg(struct flow_table_cfg *fc)
{
	flow_table_cfg_default(fc);
	fc->max_flows = opt.max_flows;
	fc->idle_timeout_ns = opt.idle_timeout * 1000000000ull;
	fc->reasm.policy = opt.hold_policy;
	fc->reasm.max_ref_segs = opt.hold_frames;
	fc->reasm.ooo_per_flow = opt.ooo_per_flow;
	fc->reasm.ooo_total = opt.ooo_total;
}

static int open_outputs(struct capture *c, uint64_t rotate_bytes)
{
	/* Large writevs: a 64 KiB GSO packet alone is 18 iovecs. */
	struct writer_opts wopts = {
		.ring_entries = 256,
		.max_iov = 512,
		.direct_blocks = 32, /* 32 MiB of staging rides out disk stalls */
	};
	char err[4200];
	unsigned int i;
	int ret;

	c->wcfg.nworkers = c->nq;
	c->wcfg.all = c->wk;
	c->wcfg.streams = opt.streams != NULL;
	flow_cfg(&c->wcfg.ft);
	live_flow_ops = streams_flow_ops;
	live_flow_ops.verify = NULL;
	if (opt.streams) {
		ret = streams_open_index(opt.streams, &c->index, err,
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
		if (opt.write && (ret = open_pcap(c, wk, rotate_bytes)))
			return ret;
		if (opt.streams && (ret = open_streams(c, wk)))
			return ret;
	}
	return 0;
}

static int open_sockets(struct capture *c, bool native)
{
	struct umem_opts uo = {
		.nframes = opt.frames * c->nq,
		.frame_size = opt.frame_size,
		.fill_size = opt.fill_size,
		.comp_size = 64,
	};
	struct xskq_opts xo = {
		.rx_size = opt.rx_size,
		.fill_size = opt.fill_size,
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
		umem_pool_init(c->umem, &wk->pool, i * opt.frames, opt.frames);
		ret = xskq_open(&wk->q, c->umem, opt.ifname, c->queues[i], &xo,
				i == 0);
		if (ret) {
			pr_warn("cannot bind an AF_XDP socket to %s queue %u: "
				"%s%s\n",
				opt.ifname, c->queues[i], strerror(-ret),
				ret == -EAFNOSUPPORT
					? " (kernel without AF_XDP)"
					: "");
			return ret;
		}
	}
	ret = worker_links_init(&c->wcfg, opt.frames);
	if (ret) {
		pr_warn("cannot allocate the handoff rings: %s\n",
			strerror(-ret));
		return ret;
	}
	if (!opt.quiet) {
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
				opt.frame_size);
	}
	return 0;
}

static int attach_classifier_prog(struct capture *c)
{
	char why[256] = "";
	int ret;

	ret = xdp_prog_attach(&c->prog, c->ifindex, opt.xdp_mode, opt.pin_path,
			      why, sizeof(why));
	if (ret) {
		pr_warn("cannot attach the XDP classifier to %s: %s%s%s\n",
			opt.ifname, strerror(-ret), *why ? ": " : "", why);
		return ret;
	}
	if (!opt.quiet && *why)
		pr_info("XDP on %s: %s\n", opt.ifname, why);
	ret = xdp_prog_set_rules(c->prog, &c->rules);
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
static void read_xdp_counters(struct capture *c, uint64_t xdp[FS_STAT_MAX],
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
static void detach_classifier(struct capture *c, uint64_t xdp[FS_STAT_MAX],
			      uint64_t *qredir)
{
	unsigned int i;

	if (!c->prog)
		return;
	for (i = 0; i < c->nq; i++) {
		__u32 key = c->wk[i].q.queue_id;

		bpf_map_delete_elem(xdp_prog_xsks_fd(c->prog), &key);
	}
	read_xdp_counters(c, xdp, qredir);
	xdp_prog_detach(c->prog);
	c->prog = NULL;
}

static void detach_classifier_quiet(struct capture *c)
{
	uint64_t xdp[FS_STAT_MAX], *qredir = calloc(c->nq, sizeof(*qredir));

	if (qredir)
		detach_classifier(c, xdp, qredir);
	else if (c->prog)
		xdp_prog_detach(c->prog);
	c->prog = NULL;
	free(qredir);
}

static void snapshot(struct capture *c, struct capture_snap *s)
{
	uint64_t *qredir = calloc(c->nq, sizeof(*qredir));
	unsigned int i;

	s->time_ns = mono_ns();
	s->nq = c->nq;
	if (c->prog && qredir)
		read_xdp_counters(c, s->xdp, qredir);
	for (i = 0; i < c->nq; i++) {
		struct queue_snap *q = &s->q[i];
		struct xdp_statistics k;

		q->queue = c->queues[i];
		worker_read_stats(&c->wk[i], &q->w);
		if (c->wk[i].q.xsk && !xskq_stats(&c->wk[i].q, &k)) {
			q->k.rx_dropped = k.rx_dropped;
			q->k.rx_invalid_descs = k.rx_invalid_descs;
			q->k.rx_ring_full = k.rx_ring_full;
			q->k.rx_fill_ring_empty_descs =
				k.rx_fill_ring_empty_descs;
		}
		if (c->prog && qredir)
			q->redirected = qredir[i];
	}
	free(qredir);
}

static void report(struct capture *c, bool line)
{
	struct capture_snap tmp;
	int ret;

	snapshot(c, &c->cur);
	if (line && opt.stats_interval && !opt.quiet)
		capture_stats_line(stderr, &c->cur,
				   c->prev.time_ns ? &c->prev : NULL);
	if (opt.stats_json) {
		ret = capture_stats_json(opt.stats_json, opt.ifname, &c->cur,
					 (c->cur.time_ns - c->start_ns) / 1e9);
		if (ret)
			pr_warn("cannot write %s: %s\n", opt.stats_json,
				strerror(-ret));
	}
	/* cur becomes prev; the queue arrays swap with it. */
	tmp = c->prev;
	c->prev = c->cur;
	c->cur = tmp;
}

/* Wait for SIGINT/SIGTERM or the duration, reporting each interval. */
static void run_loop(struct capture *c, const sigset_t *sigs)
{
	uint64_t end =
		opt.duration ? c->start_ns + opt.duration * 1000000000ull : 0;
	unsigned int tick = opt.stats_interval ? opt.stats_interval : 1;

	for (;;) {
		uint64_t now = mono_ns(), wait = tick * 1000000000ull;
		struct timespec ts;
		int sig;

		if (end && now >= end)
			break;
		if (end && end - now < wait)
			wait = end - now;
		ts.tv_sec = wait / 1000000000ull;
		ts.tv_nsec = wait % 1000000000ull;
		sig = sigtimedwait(sigs, NULL, &ts);
		if (sig == SIGINT || sig == SIGTERM)
			break;
		update_clock_offset();
		report(c, true);
	}
}

static int capture_setup(struct capture *c, uint64_t rotate_bytes)
{
	int ret;

	ret = open_outputs(c, rotate_bytes);
	if (ret)
		return ret;
	ret = attach_classifier_prog(c);
	if (ret)
		return ret;
	ret = open_sockets(c, xdp_prog_mode(c->prog) == XDP_PROG_MODE_NATIVE);
	if (ret)
		return ret;
	read_xdp_base(c);
	return attach_sockets(c);
}

static void capture_free(struct capture *c)
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
static int close_worker_outputs(struct capture *c, struct worker *wk)
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
	r = pcap_out_close(wk->pcap);
	wk->pcap = NULL;
	if (r) {
		pr_warn("closing the pcap of queue %u: %s\n", c->queues[wk->id],
			strerror(-r));
		ret = r;
	}
	return ret;
}

static int capture_run(struct capture *c, const sigset_t *sigs)
{
	uint64_t xdp[FS_STAT_MAX] = {0}, *qredir;
	unsigned int i, started = 0;
	int ret = 0;

	qredir = calloc(c->nq, sizeof(*qredir));
	if (!qredir)
		return -ENOMEM;
	update_clock_offset();
	c->start_ns = mono_ns();
	worker_stop = 0;
	for (i = 0; i < c->nq; i++, started++) {
		ret = worker_start(&c->wk[i]);
		if (ret) {
			pr_warn("cannot start worker %u: %s\n", i,
				strerror(-ret));
			break;
		}
	}
	if (!ret)
		run_loop(c, sigs);
	detach_classifier(c, xdp, qredir);
	worker_stop = 1;
	for (i = 0; i < started; i++)
		worker_join(&c->wk[i]);
	/* Final counters: workers drained; classifier values from before. */
	report(c, false);
	memcpy(c->prev.xdp, xdp, sizeof(xdp));
	for (i = 0; i < c->nq; i++)
		c->prev.q[i].redirected = qredir[i];
	for (i = 0; i < c->nq; i++) {
		int r = close_worker_outputs(c, &c->wk[i]);

		if (r && !ret)
			ret = r;
	}
	if (c->index) {
		int r = flow_index_close(c->index);

		c->index = NULL;
		if (r && !ret) {
			pr_warn("closing %s/flows.jsonl: %s\n", opt.streams,
				strerror(-r));
			ret = r;
		}
	}
	if (opt.stats_json)
		capture_stats_json(opt.stats_json, opt.ifname, &c->prev,
				   (c->prev.time_ns - c->start_ns) / 1e9);
	capture_stats_summary(stderr, &c->prev,
			      (c->prev.time_ns - c->start_ns) / 1e9);
	free(qredir);
	return ret;
}

static int capture_init(struct capture *c, int argc, char **argv)
{
	char err[256], *expr;
	unsigned int nrx;
	int ret;

	expr = filter_join_args(argc, argv);
	if (!expr)
		return -ENOMEM;
	ret = filter_parse(expr, &c->rules, err, sizeof(err));
	free(expr);
	if (ret) {
		fprintf(stderr, "flowsplice capture: bad filter: %s\n", err);
		return EXIT_USAGE;
	}
	c->ifindex = if_nametoindex(opt.ifname);
	if (!c->ifindex) {
		fprintf(stderr, "flowsplice capture: no such interface: %s\n",
			opt.ifname);
		return 1;
	}
	nrx = count_rx_queues(opt.ifname);
	if (opt.queues) {
		ret = parse_queues(opt.queues, nrx, &c->queues, &c->nq);
		if (ret) {
			fprintf(stderr,
				"flowsplice capture: bad --queues '%s': %s has "
				"RX queues 0-%u\n",
				opt.queues, opt.ifname, nrx - 1);
			return EXIT_USAGE;
		}
	} else {
		unsigned int i;

		c->nq = nrx < FS_MAX_QUEUES ? nrx : FS_MAX_QUEUES;
		c->queues = calloc(c->nq, sizeof(*c->queues));
		if (!c->queues)
			return 1;
		for (i = 0; i < c->nq; i++)
			c->queues[i] = i;
	}
	c->wk = calloc(c->nq, sizeof(*c->wk));
	c->prev.q = calloc(c->nq, sizeof(*c->prev.q));
	c->cur.q = calloc(c->nq, sizeof(*c->cur.q));
	c->qbase = calloc(c->nq, sizeof(*c->qbase));
	if (!c->wk || !c->prev.q || !c->cur.q || !c->qbase)
		return 1;
	return 0;
}

int cmd_capture(int argc, char **argv)
{
	struct capture c = {0};
	uint64_t rotate_bytes = 0;
	sigset_t sigs;
	int first, ret;

	switch (cli_parse(&capture_cmd, argc, argv, &first)) {
	case CLI_HELP:
		return 0;
	case CLI_USAGE:
		return EXIT_USAGE;
	case CLI_OK:
		break;
	}
	if (opt.verbose)
		log_set_level(LOG_LVL_DEBUG);
	if (check_opts(&opt, &rotate_bytes))
		return EXIT_USAGE;
	ret = capture_init(&c, argc - first, argv + first);
	if (ret)
		goto out;
	if (geteuid() != 0) {
		fprintf(stderr,
			"flowsplice capture: needs root (CAP_NET_ADMIN, "
			"CAP_BPF and CAP_NET_RAW) to attach XDP and "
			"open AF_XDP sockets\n");
		ret = 1;
		goto out;
	}
	/* Workers inherit a mask without SIGINT/SIGTERM: main takes them. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	ret = capture_setup(&c, rotate_bytes) ? 1 : 0;
	if (!ret)
		ret = capture_run(&c, &sigs) ? 1 : 0;
	else
		detach_classifier_quiet(&c);
out:
	capture_free(&c);
	return ret;
}
