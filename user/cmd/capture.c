// SPDX-License-Identifier: GPL-2.0
/*
 * capture: the `flowsplice capture` command.  Owns its options, the run:
 *
 *   options, filter, interface, queues  ->  capture_setup() (outputs,
 *   classifier, UMEM and sockets; capture_setup.c)  ->  workers run while
 *   the main thread prints stats and waits for a signal or the duration
 *   ->  sockets out of xsks, classifier detached, workers drain their
 *   rings and writes  ->  summary  ->  capture_free().
 */
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "cmd/capture_int.h"
#include "live/capture_stats.h"
#include "cmd/flow_opts.h"
#include "cmd/pcap_opts.h"
#include "lib/cli.h"
#include "cmd/commands.h"
#include "cmd/stop_signals.h"
#include "cmd/queue_list.h"
#include "parse/filter.h"
#include "tcp/flow_index.h"
#include "lib/log.h"
#include "lib/sdnotify.h"
#include "parse/pkt.h"
#include "live/worker.h"
#include "live/xdp_prog.h"

static const char *const xdp_modes[] = {"auto", "native", "generic", NULL};
static const char *const pcap_ios[] = {"direct", "buffered", NULL};
/* enum capture_ts_type, in order */
static const char *const ts_types[] = {"auto", "host", "adapter_unsynced",
				       NULL};

static const struct cli_cmd capture_cmd = {
	.name = "capture",
	.args = "-i IFACE [FILTER...]",
	.summary = "Steer the packets that match FILTER (pcap-filter(7), "
		   "as tcpdump reads it;\ndefault: all TCP, also behind up to "
		   "four VLAN tags) into AF_XDP sockets,\none per RX queue, "
		   "and write them to disk through io_uring. Everything\nelse "
		   "reaches the kernel untouched.",
	.details = "Exit status: 0 on success, 1 on a runtime error, 2 on a "
		   "usage error.\nSIGINT, SIGTERM, SIGHUP or SIGQUIT (the last "
		   "two unless ignored, as under\nnohup) stops the capture "
		   "cleanly: writes in flight complete and every\nfile is "
		   "closed before the summary prints.  A second one cancels "
		   "writes\nthat do not complete (a FIFO's reader that "
		   "stopped) and ends the run (exit 1).\n",
};

/*
 * The option table points into o, the options of this run: it lives on
 * the stack of the call that parses into it, as o does.
 */
static enum cli_result capture_parse(struct capture_opts *o, int argc,
				     char **argv, int *first)
{
	const struct cli_opt opts[] = {
		CLI_OPT("interface", 'i', CLI_STR, &o->ifname, "IFACE",
			"interface to capture on (required)"),
		CLI_OPT("write", 'w', CLI_STR, &o->write, "FILE",
			"write packets to FILE (pcap, nanosecond timestamps, "
			"or --format pcapng); "
			"several queues share it (see --per-queue-files)"),
		PCAP_OPTS(o, 's'),
		CLI_OPT("per-queue-files", 0, CLI_FLAG, &o->per_queue_files,
			NULL,
			"with several queues, each queue writes FILE.qN "
			"instead of all into one FILE, merged O_DIRECT a "
			"region at a time and rotated for all at once (a "
			"FIFO always gets FILE.qN)"),
		CLI_OPT("streams", 0, CLI_STR, &o->streams, "DIR",
			"reassemble each TCP direction into "
			"DIR/<id / 1000>/<id>-...{c2s,s2c}, with "
			"DIR/flows.jsonl; may be "
			"combined with -w"),
		FLOW_OPTS(o, " per worker"),
		CLI_OPT("hold-frames", 0, CLI_UINT, &o->hold_frames, "N",
			"frames of each queue's UMEM pool that reassemblers "
			"may hold for out-of-order data, whichever workers "
			"hold them (default: a quarter of --frames)"),
		CLI_OPT_ENUM_DEF("pcap-io", 0, &o->pcap_io, "MODE",
				 "pcap file writes: O_DIRECT through aligned "
				 "staging blocks (4-7x faster on the measured "
				 "disk), or through the page cache",
				 pcap_ios, 0),
		CLI_OPT_RANGE_DEF("flush-interval", 0, CLI_UINT, &o->flush_ms,
				  "MS",
				  "direct pcap writes: every MS milliseconds "
				  "the partial last block goes to the file "
				  "(through the page cache), so at most that "
				  "much output waits in memory; 0: only at "
				  "rotation and exit",
				  0, 3600000, 1000),
		CLI_OPT_ENUM_DEF(
			"time-stamp-type", 'j', &o->ts_type, "TYPE",
			"who stamps the packets, as tcpdump -j: host (the "
			"classifier's clock), adapter_unsynced (the NIC's "
			"receive timestamps, native mode: a device-bound "
			"classifier; the classifier's clock for a packet the "
			"NIC does not stamp), auto (adapter_unsynced where the "
			"kernel loads it, else host)",
			ts_types, 0),
		CLI_OPT("queues", 'Q', CLI_STR, &o->queues, "LIST",
			"RX queues to capture, e.g. 0,2-3 (default: all)"),
		CLI_OPT_ENUM_DEF("xdp-mode", 0, &o->xdp_mode, "MODE",
				 "XDP attach mode; auto: generic for virtual "
				 "devices, native otherwise",
				 xdp_modes, 0),
		CLI_OPT("pin-path", 0, CLI_STR, &o->pin_path, "DIR",
			"use the classifier maps pinned under DIR, on a bpf "
			"file system (xdp-loader --pin-path)"),
		CLI_OPT("rotate-size", 'C', CLI_STR, &o->rotate_size, "SIZE",
			"start a new file past SIZE: a plain number is "
			"millions of bytes (as tcpdump), or use K/M/G "
			"suffixes"),
		CLI_OPT_RANGE(
			"rotate-seconds", 'G', CLI_UINT, &o->rotate_secs,
			"SECS",
			"start a new file every SECS seconds, aligned to the "
			"wall clock; FILE may hold strftime(3) conversions",
			1, 0),
		CLI_OPT_RANGE(
			"max-files", 'W', CLI_UINT, &o->max_files, "N",
			"with -C or -G, keep at most N files per output "
			"(the current one included): with -C alone the "
			"names cycle through FILE0..FILE<N-1>, as tcpdump's "
			"ring buffer; otherwise the oldest are deleted",
			1, 0),
		CLI_OPT("max-disk", 0, CLI_STR, &o->max_disk, "SIZE|N%",
			"with -C or -G, delete the oldest finished files to "
			"keep the capture files under SIZE (K/M/G suffixes) "
			"or the file system under N% use"),
		CLI_OPT("postrotate-command", 'z', CLI_STR, &o->postrotate,
			"CMD",
			"run CMD FILE on each finished -w file (as tcpdump "
			"-z), " RETAIN_MAX_JOBS_STR " at most at once, the "
			"rest queued; capture never waits for them"),
		CLI_OPT_RANGE(
			"duration", 'd', CLI_UINT, &o->duration, "SECS",
			"stop after SECS seconds (default: until SIGINT or "
			"SIGTERM)",
			1, 0),
		CLI_OPT_DEF("stats-interval", 0, CLI_UINT, &o->stats_interval,
			    "SECS",
			    "seconds between stats lines on stderr; "
			    "0: none",
			    1),
		CLI_OPT("stats-json", 0, CLI_STR, &o->stats_json, "FILE",
			"keep FILE updated with the counters as JSON (each "
			"interval and at exit); FILE must be a regular file "
			"or absent"),
		CLI_OPT("metrics", 0, CLI_STR, &o->metrics, "ADDR:PORT",
			"serve the counters at http://ADDR:PORT/metrics in "
			"the Prometheus text format (ADDR6 in brackets; "
			":PORT for every address), refreshed each stats "
			"interval"),
		CLI_OPT("metrics-file", 0, CLI_STR, &o->metrics_file, "FILE",
			"keep FILE updated with the same metrics (each "
			"interval and at exit, replaced atomically), for "
			"node_exporter's textfile collector"),
		CLI_OPT_RANGE_DEF("frame-size", 0, CLI_UINT, &o->frame_size,
				  "BYTES", "UMEM frame size, 2048 or 4096",
				  2048, 4096, UMEM_FRAME_SIZE_DEFAULT),
		CLI_OPT_RANGE_DEF("frames", 0, CLI_UINT, &o->frames, "N",
				  "UMEM frames per queue: 128 MiB of 4 KiB "
				  "frames, for bursts the disk cannot take at "
				  "once",
				  64, 1u << 20, UMEM_FRAMES_DEFAULT),
		CLI_OPT_RANGE(
			"rx-size", 0, CLI_UINT, &o->rx_size, "N",
			"RX ring entries per socket, a power of 2; rides out "
			"a worker that does not run for a while (default: "
			"16384, or half of --frames if that is less)",
			64, 1u << 16),
		CLI_OPT_RANGE(
			"fill-size", 0, CLI_UINT, &o->fill_size, "N",
			"fill ring entries per socket, a power of 2 (default: "
			"16384, or half of --frames if that is less)",
			64, 1u << 16),
		CLI_OPT("relinquish-privileges", 'Z', CLI_STR, &o->user, "USER",
			"once capturing, run as USER and its groups with no "
			"capabilities (a helper process keeps the right to "
			"detach the classifier); USER must be able to write "
			"where files are still created"),
		CLI_OPT("verbose", 'v', CLI_FLAG, &o->verbose, NULL,
			"debug log output, with libbpf's and libxdp's "
			"messages"),
		CLI_OPT("quiet", 'q', CLI_FLAG, &o->quiet, NULL,
			"no start-up log and no stats lines (the summary "
			"still prints)"),
		CLI_OPT_END,
	};
	struct cli_cmd cmd = capture_cmd;

	cmd.opts = opts;
	return cli_parse(&cmd, argc, argv, first);
}

static bool is_pow2(unsigned int v)
{
	return v && !(v & (v - 1));
}

/*
 * Ring default: 16384 entries, or the largest power of 2 not above half
 * of the UMEM frames, so that a smaller --frames still starts and leaves
 * frames for the RX ring and the writes in flight.
 */
static unsigned int default_ring_size(unsigned int frames)
{
	unsigned int n = 16384;

	while (n > 64 && n > frames / 2)
		n >>= 1;
	return n;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* -C: 0, -EINVAL (not a size, or 0) or -ERANGE (2^64 bytes or more). */
static int parse_rotate_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	int ret;

	if (!s)
		return 0;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (end != s && !*end && *s != '-') {
		/* tcpdump -C: millions of bytes */
		if (errno || v > UINT64_MAX / 1000000)
			return -ERANGE;
		*out = v * 1000000ull;
		return *out ? 0 : -EINVAL;
	}
	ret = cli_parse_size(s, out);
	return ret ? ret : *out ? 0 : -EINVAL;
}

/* --max-disk: "N%" (1..99) or a size (K/M/G), never 0. */
static int parse_max_disk(struct capture_opts *o)
{
	char *end;
	unsigned long v;

	if (!o->max_disk)
		return 0;
	errno = 0;
	v = strtoul(o->max_disk, &end, 10);
	if (end != o->max_disk && !strcmp(end, "%") && *o->max_disk != '-') {
		if (errno || v < 1 || v > 99)
			return -ERANGE;
		o->max_disk_pct = v;
		return 0;
	}
	if (cli_parse_size(o->max_disk, &o->max_disk_bytes) ||
	    !o->max_disk_bytes)
		return -EINVAL;
	return 0;
}

/* -W, --max-disk and -z: what they need, and --max-disk's value. */
static int check_file_opts(struct capture_opts *o)
{
	bool rot = o->rotate_size || o->rotate_secs;

	if ((o->max_files || o->max_disk || o->postrotate) && !o->write) {
		pr_warn("-W, --max-disk and -z need -w FILE\n");
		return -EINVAL;
	}
	if ((o->max_files || o->max_disk) && !rot) {
		pr_warn("-W and --max-disk need -C or -G (there is only one "
			"file otherwise)\n");
		return -EINVAL;
	}
	if (o->postrotate && !*o->postrotate) {
		pr_warn("-z needs a command\n");
		return -EINVAL;
	}
	if (parse_max_disk(o)) {
		pr_warn("invalid --max-disk '%s': a size (e.g. 500M, 2G) or a "
			"file system use from 1%% to 99%%\n",
			o->max_disk);
		return -EINVAL;
	}
	return 0;
}

static int check_opts(struct capture_opts *o, uint64_t *rotate_bytes)
{
	int ret;

	if (!o->ifname) {
		pr_warn("-i IFACE is required\n");
		return -EINVAL;
	}
	if (!o->write && !o->streams) {
		pr_warn("nothing to do: give -w FILE "
			"and/or --streams DIR\n");
		return -EINVAL;
	}
	if (!o->hold_frames)
		o->hold_frames = o->frames / 4;
	if (o->hold_frames >= o->frames) {
		pr_warn("--hold-frames %u must be below "
			"--frames %u\n",
			o->hold_frames, o->frames);
		return -EINVAL;
	}
	if (o->frame_size != 2048 && o->frame_size != 4096) {
		pr_warn("--frame-size must be 2048 or 4096\n");
		return -EINVAL;
	}
	if (!o->rx_size)
		o->rx_size = default_ring_size(o->frames);
	if (!o->fill_size)
		o->fill_size = default_ring_size(o->frames);
	if (!is_pow2(o->rx_size) || !is_pow2(o->fill_size)) {
		pr_warn("ring sizes must be powers "
			"of 2\n");
		return -EINVAL;
	}
	if (o->fill_size > o->frames) {
		pr_warn("--fill-size %u exceeds --frames %u\n", o->fill_size,
			o->frames);
		return -EINVAL;
	}
	ret = parse_rotate_size(o->rotate_size, rotate_bytes);
	if (ret == -ERANGE) {
		pr_warn("-C %s out of range (1..%" PRIu64
			" millions of bytes, or %" PRIu64
			" bytes with a K/M/G suffix)\n",
			o->rotate_size, UINT64_MAX / 1000000, UINT64_MAX);
		return ret;
	}
	if (ret) {
		pr_warn("invalid -C size '%s'\n", o->rotate_size);
		return -EINVAL;
	}
	return check_file_opts(o);
}

static void snapshot(struct capture *c, struct capture_snap *s)
{
	uint64_t *qredir = calloc(c->nq, sizeof(*qredir));
	unsigned int i;

	s->time_ns = mono_ns();
	s->nq = c->nq;
	s->pcap = c->o->write != NULL;
	s->retain = c->retain != NULL;
	s->nic_ts = c->nic_ts;
	if (c->retain)
		retain_get_stats(c->retain, &s->files);
	if (c->prog && qredir)
		capture_read_xdp(c, s->xdp, qredir);
	for (i = 0; i < c->nq; i++) {
		struct queue_snap *q = &s->q[i];
		struct xdp_statistics k;

		q->queue = c->queues[i];
		worker_read_stats(&c->g.all[i], &q->w);
		if (c->g.all[i].q.xsk && !xskq_stats(&c->g.all[i].q, &k)) {
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

/* The document served at --metrics: rendered here, copied there. */
static void publish_metrics(struct capture *c, const struct capture_snap *s,
			    double elapsed)
{
	size_t len = 0;
	char *doc = NULL;
	FILE *f = open_memstream(&doc, &len);

	if (!f)
		return;
	capture_stats_prom(f, c->o->ifname, s, elapsed);
	if (!fclose(f))
		metrics_http_publish(c->metrics, doc, len);
	free(doc);
}

/* --stats-json, --metrics-file and --metrics from one snapshot. */
static int write_stats(struct capture *c, const struct capture_snap *s)
{
	double elapsed = (s->time_ns - c->start_ns) / 1e9;
	int ret = 0, r;

	if (c->o->stats_json)
		ret = stats_write_said(c->o->stats_json,
				       capture_stats_json(c->o->stats_json,
							  c->o->ifname, s,
							  elapsed),
				       &c->stats_json_err);
	if (c->o->metrics_file) {
		r = stats_write_said(c->o->metrics_file,
				     capture_stats_prom_file(c->o->metrics_file,
							     c->o->ifname, s,
							     elapsed),
				     &c->metrics_file_err);
		ret = ret ? ret : r;
	}
	if (c->metrics)
		publish_metrics(c, s, elapsed);
	return ret;
}

static void report(struct capture *c, bool line)
{
	struct capture_snap tmp;

	snapshot(c, &c->cur);
	if (line && c->o->stats_interval && !c->o->quiet)
		capture_stats_line(stderr, &c->cur,
				   c->prev.time_ns ? &c->prev : NULL);
	write_stats(c, &c->cur);
	/* cur becomes prev; the queue arrays swap with it. */
	tmp = c->prev;
	c->prev = c->cur;
	c->cur = tmp;
}

/*
 * A deleted interface (or one moved to another network namespace) takes
 * its queues and the classifier with it and nothing says so: the sockets
 * just stop receiving.  A rename keeps the index and the capture.
 */
static bool iface_gone(const struct capture *c)
{
	char name[IF_NAMESIZE];

	return !if_indextoname(c->ifindex, name) && errno == ENXIO;
}

/*
 * Wait for a stop signal or the duration, reporting each interval and
 * checking for the interface each second.  -ENODEV: it disappeared.
 */
static int run_loop(struct capture *c, const sigset_t *sigs)
{
	uint64_t end = c->o->duration
			       ? c->start_ns + c->o->duration * 1000000000ull
			       : 0;
	uint64_t tick = (c->o->stats_interval ? c->o->stats_interval : 1) *
			1000000000ull;
	uint64_t next = c->start_ns + tick;
	/*
	 * Retention and -z keep up with rotations between stats lines; a
	 * rotating merged file's ends come here too, and its -W ring waits
	 * for them.
	 */
	bool merge_rot = c->merge && (c->o->rotate_size || c->o->rotate_secs);
	uint64_t most = merge_rot   ? 10000000ull
			: c->retain ? 100000000ull
				    : 1000000000ull;

	for (;;) {
		uint64_t now = mono_ns(), wait = next > now ? next - now : 0;
		struct timespec ts;

		if (end && now >= end)
			return 0;
		if (end && end - now < wait)
			wait = end - now;
		if (wait > most)
			wait = most;
		ts.tv_sec = wait / 1000000000ull;
		ts.tv_nsec = wait % 1000000000ull;
		if (sigtimedwait(sigs, NULL, &ts) > 0)
			return 0;
		pcap_merge_poll(c->merge);
		retain_poll(c->retain);
		if (iface_gone(c)) {
			pr_warn("interface %s disappeared: stopping (if it was "
				"moved to another network namespace rather "
				"than deleted, the classifier is still "
				"attached to it there: ip link set dev %s xdp "
				"off)\n",
				c->o->ifname, c->o->ifname);
			return -ENODEV;
		}
		now = mono_ns();
		if (now < next)
			continue;
		worker_group_update_clock(&c->g);
		report(c, true);
		next = next + tick > now ? next + tick : now + tick;
	}
}

/*
 * Wait for the workers to empty their rings and writes.  Writes that do
 * not complete (a FIFO whose reader stopped, a hung disk) would hold them
 * for good: a second stop signal has the writers cancel what is in
 * flight and stop waiting (worker_group_abort), which ends the run in
 * about a second.
 */
static void join_workers(struct capture *c, const sigset_t *sigs,
			 unsigned int started)
{
	const struct timespec now = {0};
	uint64_t t0 = mono_ns();
	bool told = false;
	unsigned int i = 0;

	while (i < started) {
		if (!worker_join_timed(&c->g.all[i], 100)) {
			i++;
			continue;
		}
		if (!told && mono_ns() - t0 > 2000000000ull) {
			pr_info("waiting for the writes in flight; a second "
				"SIGINT or SIGTERM stops without them\n");
			told = true;
		}
		if (!worker_group_aborted(&c->g) &&
		    sigtimedwait(sigs, NULL, &now) > 0) {
			pr_warn("second stop signal: cancelling the writes in "
				"flight\n");
			worker_group_abort(&c->g);
		}
	}
}

/* After a second stop signal: what the cancelled writes held. */
static void report_unwritten(struct capture *c)
{
	uint64_t writes = 0, bytes = 0;
	struct writer_stats ws;
	unsigned int i;

	for (i = 0; i < c->nq; i++) {
		if (!c->g.all[i].w)
			continue;
		writer_get_stats(c->g.all[i].w, &ws);
		writes += ws.write_errors;
		bytes += ws.bytes_failed;
	}
	pr_warn("stopped without waiting: %" PRIu64 " bytes (%" PRIu64
		" writes) were not written\n",
		bytes, writes);
}

/* Type=notify: a failure to tell the service manager is worth a line. */
static void notify(const char *state)
{
	int ret = sdnotify_send(state);

	if (ret)
		pr_warn("cannot notify the service manager ($NOTIFY_SOCKET) of "
			"%s: %s\n",
			state, strerror(-ret));
}

/* Once every worker runs and the classifier redirects to their sockets. */
static void notify_ready(const struct capture *c)
{
	char state[128];

	snprintf(state, sizeof(state),
		 "READY=1\nSTATUS=capturing on %s, %u queue(s)", c->o->ifname,
		 c->nq);
	notify(state);
}

static int capture_run(struct capture *c, const sigset_t *sigs)
{
	uint64_t xdp[FS_STAT_MAX] = {0}, *qredir;
	unsigned int i, started = 0;
	int ret = 0;

	qredir = calloc(c->nq, sizeof(*qredir));
	if (!qredir)
		return -ENOMEM;
	worker_group_update_clock(&c->g);
	c->start_ns = mono_ns();
	ret = worker_group_start(&c->g, &started);
	if (!ret) {
		notify_ready(c);
		ret = run_loop(c, sigs);
	}
	notify("STOPPING=1");
	capture_detach(c, xdp, qredir);
	worker_group_stop(&c->g);
	join_workers(c, sigs, started);
	for (i = 0; i < c->nq; i++) {
		int r = worker_finish(&c->g.all[i]);

		if (r && !ret)
			ret = r;
	}
	if (c->merge) {
		/* The merged file's end: its cut is in the counters after. */
		int r = pcap_merge_close(c->merge);

		if (r && !ret)
			ret = r;
		for (i = 0; i < c->nq; i++)
			worker_refresh_stats(&c->g.all[i]);
	}
	if (worker_group_aborted(&c->g)) {
		report_unwritten(c);
		if (!ret)
			ret = -ECANCELED;
	}
	/* Every file closed: the last ones' retention and commands. */
	for (i = 0; c->retain && i < (c->merge ? 1 : c->nq); i++)
		retain_set_current(c->retain, i, NULL);
	retain_finish(c->retain, sigs);
	/*
	 * Final counters: workers drained and every file closed (a direct
	 * pcap's last block leaves at close); classifier values from before
	 * the detach.
	 */
	report(c, false);
	memcpy(c->prev.xdp, xdp, sizeof(xdp));
	for (i = 0; i < c->nq; i++)
		c->prev.q[i].redirected = qredir[i];
	if (c->index) {
		int r = flow_index_close(c->index);

		c->index = NULL;
		if (r && !ret) {
			pr_warn("closing %s/flows.jsonl: %s\n", c->o->streams,
				strerror(-r));
			ret = r;
		}
	}
	{
		int r = write_stats(c, &c->prev);

		if (r && !ret)
			ret = r;
	}
	capture_stats_summary(stderr, &c->prev,
			      (c->prev.time_ns - c->start_ns) / 1e9);
	/* A write the kernel failed left a file short: not a clean run. */
	for (i = 0; i < c->nq && !ret; i++)
		if (c->prev.q[i].w.wr_errors)
			ret = -EIO;
	free(qredir);
	return ret;
}

/* 0, CMD_USAGE or -errno, each with its message. */
static int capture_init(struct capture *c, int argc, char **argv)
{
	char err[512], *expr;
	unsigned int nrx;
	int ret;

	expr = filter_join_args(argc, argv);
	if (!expr)
		goto nomem;
	ret = filter_plan_new(expr, &c->plan, err, sizeof(err));
	free(expr);
	if (ret == -ENOMEM)
		goto nomem;
	if (ret) {
		pr_warn("bad filter: %s\n", err);
		return CMD_USAGE;
	}
	pr_info("filter path: %s\n", c->plan->why);
	c->ifindex = if_nametoindex(c->o->ifname);
	if (!c->ifindex) {
		pr_warn("no such interface: %s\n", c->o->ifname);
		return -ENODEV;
	}
	nrx = queue_list_count(c->o->ifname, "rx");
	ret = queue_list_parse(c->o->queues, nrx, &c->queues, &c->nq);
	if (ret == -ENOMEM)
		goto nomem;
	if (ret) {
		pr_warn("bad --queues '%s': %s has "
			"RX queues 0-%u\n",
			c->o->queues, c->o->ifname, nrx - 1);
		return CMD_USAGE;
	}
	if (capture_privs_lookup(c))
		return CMD_USAGE;
	if (c->o->stats_json &&
	    capture_stats_json_check(c->o->stats_json, err, sizeof(err))) {
		pr_warn("--stats-json %s: %s\n", c->o->stats_json, err);
		return -EINVAL;
	}
	if (c->o->metrics_file &&
	    capture_stats_json_check(c->o->metrics_file, err, sizeof(err))) {
		pr_warn("--metrics-file %s: %s\n", c->o->metrics_file, err);
		return -EINVAL;
	}
	if (c->o->metrics) {
		ret = metrics_http_open(&c->metrics, c->o->metrics, err,
					sizeof(err));
		if (ret) {
			pr_warn("--metrics %s: %s\n", c->o->metrics, err);
			return ret == -EINVAL ? CMD_USAGE : ret;
		}
	}
	c->prev.q = calloc(c->nq, sizeof(*c->prev.q));
	c->cur.q = calloc(c->nq, sizeof(*c->cur.q));
	c->qbase = calloc(c->nq, sizeof(*c->qbase));
	if (!c->prev.q || !c->cur.q || !c->qbase)
		goto nomem;
	return 0;
nomem:
	pr_warn("out of memory\n");
	return -ENOMEM;
}

int cmd_capture(int argc, char **argv)
{
	struct capture_opts opt = {0}; /* defaults: the option table's */
	struct capture c = {.o = &opt};
	uint64_t rotate_bytes = 0;
	sigset_t sigs;
	int first, ret;

	ret = capture_parse(&opt, argc, argv, &first);
	if (ret != CLI_OK)
		return ret == CLI_HELP ? 0 : CMD_USAGE;
	if (opt.verbose)
		log_set_level(LOG_LVL_DEBUG);
	if (check_opts(&opt, &rotate_bytes))
		return CMD_USAGE;
	ret = capture_init(&c, argc - first, argv + first);
	if (ret)
		goto out;
	if (opt.streams)
		flow_opts_fit_open_files(&opt.max_open, c.nq);
	if (geteuid() != 0) {
		pr_warn("needs root (CAP_NET_ADMIN, "
			"CAP_BPF and CAP_NET_RAW) to attach XDP and "
			"open AF_XDP sockets\n");
		ret = -EPERM;
		goto out;
	}
	/*
	 * Workers inherit a mask without the stop signals: main takes them.
	 * SIGHUP (a closed terminal) and SIGQUIT stop as cleanly as SIGINT
	 * and SIGTERM, rather than leave the classifier attached.
	 */
	stop_signals_block(&sigs);
	/* A -w FIFO's reader that exits: EPIPE, counted; not a kill. */
	signal(SIGPIPE, SIG_IGN);
	ret = capture_setup(&c, rotate_bytes);
	if (!ret)
		ret = capture_privs_drop(&c);
	/* After the drop: a thread made before it would keep its caps. */
	if (!ret && c.metrics) {
		ret = metrics_http_start(c.metrics);
		if (ret)
			pr_warn("--metrics: cannot start its thread: %s\n",
				strerror(-ret));
	}
	if (!ret)
		ret = capture_run(&c, &sigs);
	else
		capture_detach_quiet(&c);
out:
	capture_free(&c);
	return ret;
}
