// SPDX-License-Identifier: GPL-2.0
/*
 * receive_cmd: `flowsplice receive`, a TCP receive engine on AF_XDP that
 * writes what clients upload to files.  Owns the options and the run:
 *
 *   options, listening address, interface, queues  ->  DIR and its
 *   flows.jsonl, one worker per queue (writer, engine, sink)  ->  the
 *   classifier attached, the UMEM and one socket per queue, the rule
 *   "tcp and dst host ADDR and dst port PORT", the sockets into xsks
 *   ->  workers run while the main thread prints stats and waits for a
 *   signal or the duration  ->  sockets out of xsks, classifier
 *   detached, workers reset what is open and drain their writes  ->
 *   summary, --stats-json.
 *
 * Everything the rule does not match (ARP, other ports, other addresses)
 * reaches the kernel as before.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "cmd/commands.h"
#include "cmd/queue_list.h"
#include "cmd/receive_int.h"
#include "cmd/stop_signals.h"
#include "lib/cli.h"
#include "lib/log.h"
#include "live/capture_stats.h"
#include "live/xdp_filter.h"

static const char *const xdp_modes[] = {"auto", "native", "generic", NULL};

static const struct cli_cmd receive_cmd = {
	.name = "receive",
	.args = "-i IFACE --listen ADDR:PORT --dir DIR [--http]",
	.summary = "Terminate the TCP connections clients open to ADDR:PORT "
		   "on IFACE in userspace\n(AF_XDP) and write each one's "
		   "bytes to a file in DIR through io_uring,\nstraight from "
		   "the receive buffers.  Everything else reaches the kernel "
		   "untouched.",
	.details =
		"Files: DIR/<id>-<client>.<port>, one per connection, and "
		"DIR/flows.jsonl, a line\nper connection once its file is "
		"closed.  Our FIN goes once the file is complete\n(closed "
		"without an error); a write that fails resets the "
		"connection.  With --http:\nDIR/NAME per upload (curl -T FILE "
		"http://ADDR:PORT/NAME), written to a hidden\ntemporary file, "
		"fsynced, renamed to NAME, then answered 201.\nOn veth, a client in a local namespace sends "
		"partial checksums unless its\nveth has transmit offload off "
		"(ethtool -K VETH tx off): see --partial-csum.\nExit status: "
		"0 on success, 1 on a runtime error, 2 on a usage error.  "
		"SIGINT\nor SIGTERM stops: open connections are reset, "
		"writes complete, files close.\n",
};

static enum cli_result receive_parse(struct receive_opts *o, int argc,
				     char **argv, int *first)
{
	const struct cli_opt opts[] = {
		CLI_OPT("interface", 'i', CLI_STR, &o->ifname, "IFACE",
			"interface to receive on (required)"),
		CLI_OPT("listen", 'l', CLI_STR, &o->listen, "ADDR:PORT",
			"the address and port clients connect to, an address "
			"of IFACE ([ADDR6]:PORT for IPv6; required)"),
		CLI_OPT("dir", 'D', CLI_STR, &o->dir, "DIR",
			"where the files go (made if missing; required)"),
		CLI_OPT("http", 0, CLI_FLAG, &o->http, NULL,
			"HTTP/1.1 uploads: PUT or POST /NAME writes the body to "
			"DIR/NAME, answered 201 once it is on disk"),
		CLI_OPT("max-upload", 0, CLI_SIZE, &o->max_upload, "BYTES",
			"--http: the largest body taken (K/M/G suffixes); "
			"past it 413 (default: no limit)"),
		CLI_OPT("overwrite", 0, CLI_FLAG, &o->overwrite, NULL,
			"--http: an upload replaces a file of its name (else "
			"409)"),
		CLI_OPT_RANGE_DEF("max-conns", 0, CLI_UINT, &o->max_conns, "N",
				  "established connections per queue; past "
				  "it SYNs are not answered (the client "
				  "retries)",
				  1, 1u << 20, 1024),
		CLI_OPT_RANGE_DEF("max-half-open", 0, CLI_UINT,
				  &o->max_half_open, "N",
				  "connections per queue between SYN and "
				  "ACK; past it SYN cookies (or, with "
				  "--no-syn-cookies, SYNs are not answered)",
				  0, 1u << 20, 256),
		CLI_OPT("no-syn-cookies", 0, CLI_FLAG, &o->no_syn_cookies, NULL,
			"no SYN cookies past --max-half-open"),
		CLI_OPT_RANGE_DEF("window", 0, CLI_SIZE, &o->window, "BYTES",
				  "the most one connection's receive window "
				  "opens to (K/M/G suffixes); it closes as "
				  "bytes wait for the disk",
				  16384, 1ull << 30, 4ull << 20),
		CLI_OPT_RANGE_DEF("idle-timeout", 0, CLI_UINT, &o->idle_timeout,
				  "SECS", "reset a connection silent this long",
				  1, 0, 300),
		CLI_OPT("partial-csum", 0, CLI_FLAG, &o->partial_csum, NULL,
			"take segments whose TCP checksum holds only the "
			"pseudo-header's sum, as a local sender with transmit "
			"offload leaves it (veth); counted as csum_partial"),
		CLI_OPT("queues", 'Q', CLI_STR, &o->queues, "LIST",
			"RX queues to receive on, e.g. 0,2-3 (default: all)"),
		CLI_OPT_ENUM_DEF("xdp-mode", 0, &o->xdp_mode, "MODE",
				 "XDP attach mode; auto: generic for virtual "
				 "devices, native otherwise",
				 xdp_modes, 0),
		CLI_OPT_RANGE_DEF("frame-size", 0, CLI_UINT, &o->frame_size,
				  "BYTES", "UMEM frame size, 2048 or 4096",
				  2048, 4096, UMEM_FRAME_SIZE_DEFAULT),
		CLI_OPT_RANGE_DEF("frames", 0, CLI_UINT, &o->frames, "N",
				  "UMEM frames per queue (an eighth, at most "
				  "2048, transmit; the windows share half of "
				  "the rest)",
				  256, 1u << 20, UMEM_FRAMES_DEFAULT),
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
		CLI_OPT("verbose", 'v', CLI_FLAG, &o->verbose, NULL,
			"debug log output"),
		CLI_OPT("quiet", 'q', CLI_FLAG, &o->quiet, NULL,
			"no start-up log and no stats lines (the summary "
			"still prints)"),
		CLI_OPT_END,
	};
	struct cli_cmd cmd = receive_cmd;

	cmd.opts = opts;
	return cli_parse(&cmd, argc, argv, first);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* "A.B.C.D:PORT" or "[ADDR6]:PORT"; 0 or -EINVAL. */
static int parse_listen(struct receive *r, const char *s)
{
	char host[64];
	const char *colon;
	unsigned long port;
	char *end;
	size_t n;

	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		n = close - s - 1;
		colon = close + 1;
		s++;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -EINVAL;
		n = colon - s;
	}
	if (!n || n >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, n);
	host[n] = 0;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || !port || port > 65535)
		return -EINVAL;
	memset(&r->addr, 0, sizeof(r->addr));
	if (inet_pton(AF_INET, host, r->addr.a) == 1)
		r->family = 4;
	else if (inet_pton(AF_INET6, host, r->addr.a) == 1)
		r->family = 6;
	else
		return -EINVAL;
	r->port = (uint16_t)port;
	snprintf(r->listen_str, sizeof(r->listen_str),
		 r->family == 6 ? "[%s]:%lu" : "%s:%lu", host, port);
	return 0;
}

static int check_opts(struct receive *r)
{
	const struct receive_opts *o = r->o;

	if (!o->ifname || !o->listen || !o->dir) {
		pr_warn("%s is required\n", !o->ifname	 ? "-i IFACE"
					    : !o->listen ? "--listen ADDR:PORT"
							 : "--dir DIR");
		return -EINVAL;
	}
	if (parse_listen(r, o->listen)) {
		pr_warn("--listen '%s': not ADDR:PORT (an IPv4 address, or an "
			"IPv6 one in brackets, and a port 1-65535)\n",
			o->listen);
		return -EINVAL;
	}
	if (o->frame_size != 2048 && o->frame_size != 4096) {
		pr_warn("--frame-size must be 2048 or 4096\n");
		return -EINVAL;
	}
	if (!*o->dir) {
		pr_warn("--dir needs a directory\n");
		return -EINVAL;
	}
	if ((o->max_upload || o->overwrite) && !o->http) {
		pr_warn("--max-upload and --overwrite need --http\n");
		return -EINVAL;
	}
	return 0;
}

/* The interface's MAC and MTU: 0 or -errno. */
static int iface_info(struct receive *r)
{
	struct ifreq ifr = {0};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", r->o->ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		ret = -errno;
	else
		memcpy(r->mac, ifr.ifr_hwaddr.sa_data, 6);
	if (!ret && ioctl(fd, SIOCGIFMTU, &ifr))
		ret = -errno;
	else if (!ret)
		r->mtu = ifr.ifr_mtu;
	close(fd);
	return ret;
}

static int mkdir_p(const char *dir)
{
	char tmp[4096], *p;

	if (snprintf(tmp, sizeof(tmp), "%s", dir) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

/* 0, CMD_USAGE or -errno, each with its message. */
static int receive_init(struct receive *r)
{
	char err[512], expr[160], a[64];
	unsigned int nrx;
	int ret;

	r->ifindex = if_nametoindex(r->o->ifname);
	if (!r->ifindex) {
		pr_warn("no such interface: %s\n", r->o->ifname);
		return -ENODEV;
	}
	ret = iface_info(r);
	if (ret) {
		pr_warn("%s: cannot read its MAC address and MTU: %s\n",
			r->o->ifname, strerror(-ret));
		return ret;
	}
	nrx = queue_list_count(r->o->ifname, "rx");
	ret = queue_list_parse(r->o->queues, nrx, &r->queues, &r->nq);
	if (ret == -ENOMEM)
		goto nomem;
	if (ret) {
		pr_warn("bad --queues '%s': %s has RX queues 0-%u\n",
			r->o->queues, r->o->ifname, nrx - 1);
		return CMD_USAGE;
	}
	snprintf(expr, sizeof(expr), "tcp and dst host %s and dst port %u",
		 pkt_addr_str(&r->addr, r->family, a, sizeof(a)), r->port);
	ret = filter_plan_new(expr, &r->plan, err, sizeof(err));
	if (ret == -ENOMEM)
		goto nomem;
	if (ret) {
		pr_warn("cannot make the rule '%s': %s\n", expr, err);
		return -EINVAL;
	}
	if (r->o->stats_json &&
	    capture_stats_json_check(r->o->stats_json, err, sizeof(err))) {
		pr_warn("--stats-json %s: %s\n", r->o->stats_json, err);
		return -EINVAL;
	}
	r->prev.q = calloc(r->nq, sizeof(*r->prev.q));
	r->cur.q = calloc(r->nq, sizeof(*r->cur.q));
	r->qbase = calloc(r->nq, sizeof(*r->qbase));
	if (!r->prev.q || !r->cur.q || !r->qbase)
		goto nomem;
	return 0;
nomem:
	pr_warn("out of memory\n");
	return -ENOMEM;
}

/* DIR, its flows.jsonl, and a writer, an engine and a sink per queue. */
static int open_outputs(struct receive *r)
{
	const struct writer_opts wopts = {
		.ring_entries = 256,
		.max_iov = 512,
	};
	uint32_t ntx = r->o->frames / 8 < 2048 ? r->o->frames / 8 : 2048;
	uint32_t nrx = r->o->frames - ntx;
	struct recv_worker_cfg wc = {
		.sink =
			{
				.dir = r->o->dir,
				.http = r->o->http,
				.max_upload = r->o->max_upload
						      ? r->o->max_upload
						      : UINT64_MAX,
				.overwrite = r->o->overwrite,
			},
		.wopts = &wopts,
	};
	char path[4200];
	unsigned int i;
	int ret;

	ret = mkdir_p(r->o->dir);
	if (ret) {
		pr_warn("cannot create %s: %s\n", r->o->dir, strerror(-ret));
		return ret;
	}
	snprintf(path, sizeof(path), "%s/flows.jsonl", r->o->dir);
	ret = flow_index_open(&r->index, path);
	if (ret) {
		pr_warn("cannot write %s: %s\n", path, strerror(-ret));
		return ret;
	}
	wc.sink.index = r->index;
	tcp_rx_cfg_default(&wc.tcp);
	wc.tcp.family = r->family;
	wc.tcp.addr = r->addr;
	wc.tcp.port = r->port;
	memcpy(wc.tcp.mac, r->mac, 6);
	wc.tcp.mss = r->mtu - (r->family == 4 ? 40 : 60);
	wc.tcp.rcv_buf = (uint32_t)r->o->window;
	wc.tcp.max_conns = r->o->max_conns;
	wc.tcp.max_half_open = r->o->max_half_open;
	wc.tcp.syn_cookies = !r->o->no_syn_cookies;
	wc.tcp.hold_bufs = nrx / 4;
	wc.tcp.window_bufs = nrx / 2;
	wc.tcp.idle_timeout_ns = r->o->idle_timeout * 1000000000ull;
	wc.tcp.accept_partial_csum = r->o->partial_csum;
	if (getrandom(wc.tcp.key, sizeof(wc.tcp.key), 0) !=
	    sizeof(wc.tcp.key)) {
		ret = -errno;
		pr_warn("getrandom: %s\n", strerror(-ret));
		return ret;
	}
	ret = recv_group_init(&r->g, r->nq);
	if (ret) {
		pr_warn("out of memory\n");
		return ret;
	}
	for (i = 0; i < r->nq; i++) {
		ret = recv_worker_init(&r->g.all[i], &wc);
		if (ret)
			return ret;
	}
	return 0;
}

static unsigned int pow2_below(unsigned int v, unsigned int max)
{
	unsigned int n = 64;

	while (n * 2 <= v && n * 2 <= max)
		n *= 2;
	return n;
}

static int open_sockets(struct receive *r, bool native)
{
	uint32_t frames = r->o->frames;
	uint32_t ntx = frames / 8 < 2048 ? frames / 8 : 2048;
	uint32_t ring = pow2_below((frames - ntx) / 2, 8192);
	uint32_t txring = pow2_below(ntx, 2048);
	struct umem_opts uo = {
		.nframes = frames * r->nq,
		.frame_size = r->o->frame_size,
		.fill_size = ring,
		.comp_size = txring,
	};
	struct xsk_tx_opts xo = {
		.tx_size = txring,
		.rx_size = ring,
		.batch = 16,
		.try_zerocopy = native,
	};
	unsigned int i;
	int ret;

	ret = umem_create_said(&r->umem, &uo);
	if (ret)
		return ret;
	for (i = 0; i < r->nq; i++) {
		ret = recv_worker_bind(&r->g.all[i], r->umem, i * frames,
				       frames, ntx, r->o->ifname, r->queues[i],
				       &xo);
		if (ret) {
			pr_warn("cannot bind an AF_XDP socket to %s queue %u: "
				"%s%s\n",
				r->o->ifname, r->queues[i], strerror(-ret),
				xskq_bind_hint(ret));
			return ret;
		}
	}
	if (!r->o->quiet)
		pr_info("%u queue socket(s) on one UMEM (%u x %u bytes): %s "
			"mode, %s\n",
			r->nq, uo.nframes, uo.frame_size,
			r->g.all[0].tx.q.zerocopy ? "zero-copy" : "copy",
			r->g.all[0].tx.q.sg ? "multi-buffer"
					    : "no multi-buffer");
	return 0;
}

static int attach(struct receive *r)
{
	char why[512] = "";
	unsigned int i;
	int ret;

	ret = xdp_prog_check_busy(r->ifindex, why, sizeof(why));
	if (ret) {
		pr_warn("cannot receive on %s: %s\n", r->o->ifname, why);
		return ret;
	}
	ret = xdp_prog_attach(&r->prog, r->ifindex, r->o->xdp_mode, NULL, false,
			      why, sizeof(why));
	if (ret) {
		pr_warn("cannot attach the XDP classifier to %s: %s\n",
			r->o->ifname, *why ? why : strerror(-ret));
		return ret;
	}
	if (!r->o->quiet && *why)
		pr_info("XDP on %s: %s\n", r->o->ifname, why);
	ret = open_sockets(r, xdp_prog_mode(r->prog) == XDP_PROG_MODE_NATIVE);
	if (ret)
		return ret;
	ret = xdp_filter_apply(r->prog, r->plan, why, sizeof(why));
	if (ret < 0) {
		pr_warn("cannot install the rule: %s\n", why);
		return ret;
	}
	xdp_prog_read_stats(r->prog, r->xdp_base);
	for (i = 0; i < r->nq; i++) {
		__u32 key = r->queues[i];
		int fd = r->g.all[i].tx.q.fd;

		xdp_prog_read_qstats(r->prog, r->queues[i], &r->qbase[i]);
		if (bpf_map_update_elem(xdp_prog_xsks_fd(r->prog), &key, &fd,
					0)) {
			ret = -errno;
			pr_warn("cannot add queue %u's socket to xsks: %s\n",
				key, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/* Sockets out of xsks first (the counters read next are final). */
static void detach(struct receive *r)
{
	unsigned int i;

	if (!r->prog)
		return;
	for (i = 0; i < r->nq; i++) {
		__u32 key = r->queues[i];

		bpf_map_delete_elem(xdp_prog_xsks_fd(r->prog), &key);
	}
	/* The classifier's last counters stay in cur (see the summary). */
	receive_snapshot(r, &r->cur);
	xdp_prog_detach(r->prog);
	r->prog = NULL;
}

static void report(struct receive *r, bool line)
{
	struct receive_snap tmp;
	int ret;

	receive_snapshot(r, &r->cur);
	if (line && r->o->stats_interval && !r->o->quiet)
		receive_line(stderr, &r->cur,
			     r->prev.time_ns ? &r->prev : NULL);
	if (r->o->stats_json) {
		ret = receive_json(r, &r->cur);
		if (ret && ret != r->stats_json_err)
			pr_warn("cannot write %s: %s\n", r->o->stats_json,
				strerror(-ret));
		r->stats_json_err = ret;
	}
	tmp = r->prev;
	r->prev = r->cur;
	r->cur = tmp;
}

static void run_loop(struct receive *r, const sigset_t *sigs)
{
	uint64_t end = r->o->duration
			       ? r->start_ns + r->o->duration * 1000000000ull
			       : 0;
	uint64_t tick = (r->o->stats_interval ? r->o->stats_interval : 1) *
			1000000000ull;
	uint64_t next = r->start_ns + tick;

	for (;;) {
		uint64_t now = mono_ns(), wait = next > now ? next - now : 0;
		struct timespec ts;

		if (end && now >= end)
			return;
		if (end && end - now < wait)
			wait = end - now;
		ts.tv_sec = wait / 1000000000ull;
		ts.tv_nsec = wait % 1000000000ull;
		if (sigtimedwait(sigs, NULL, &ts) > 0)
			return;
		now = mono_ns();
		if (now < next)
			continue;
		report(r, true);
		next = next + tick > now ? next + tick : now + tick;
	}
}

static int receive_run(struct receive *r, const sigset_t *sigs)
{
	unsigned int i;
	int ret, err;

	r->start_ns = mono_ns();
	ret = recv_group_start(&r->g);
	if (!ret) {
		if (!r->o->quiet)
			pr_info("receiving on %s, %s, into %s\n", r->o->ifname,
				r->listen_str, r->o->dir);
		report(r, false);
		run_loop(r, sigs);
	}
	detach(r);
	recv_group_stop(&r->g);
	/* Every worker's files closed and lines written: the index is whole. */
	for (i = 0; i < r->nq; i++) {
		struct recv_worker *wk = &r->g.all[i];

		recv_sink_destroy(wk->sink);
		wk->sink = NULL;
	}
	err = flow_index_close(r->index);
	r->index = NULL;
	if (err && !ret) {
		pr_warn("closing %s/flows.jsonl: %s\n", r->o->dir,
			strerror(-err));
		ret = err;
	}
	/* Workers' last counters; the classifier's as read at the detach. */
	receive_snapshot(r, &r->cur);
	if (r->o->stats_json && (err = receive_json(r, &r->cur)) && !ret)
		ret = err;
	receive_summary(stderr, r, &r->cur);
	for (i = 0; i < r->nq && !ret; i++)
		if (r->cur.q[i].w.wr_errors)
			ret = -EIO;
	return ret;
}

static void receive_free(struct receive *r)
{
	if (r->prog)
		xdp_prog_detach(r->prog);
	recv_group_fini(&r->g);
	if (r->index)
		flow_index_close(r->index);
	umem_destroy(r->umem);
	filter_plan_free(r->plan);
	free(r->queues);
	free(r->prev.q);
	free(r->cur.q);
	free(r->qbase);
}

int cmd_receive(int argc, char **argv)
{
	struct receive_opts opt = {0}; /* defaults: the option table's */
	struct receive r = {.o = &opt};
	sigset_t sigs;
	int first, ret;

	ret = receive_parse(&opt, argc, argv, &first);
	if (ret != CLI_OK)
		return ret == CLI_HELP ? 0 : CMD_USAGE;
	if (opt.verbose)
		log_set_level(LOG_LVL_DEBUG);
	if (first < argc) {
		pr_warn("unexpected argument '%s'\n", argv[first]);
		return CMD_USAGE;
	}
	if (check_opts(&r))
		return CMD_USAGE;
	ret = receive_init(&r);
	if (ret)
		goto out;
	if (geteuid() != 0) {
		pr_warn("needs root (CAP_NET_ADMIN, CAP_BPF and CAP_NET_RAW) "
			"to attach XDP and open AF_XDP sockets\n");
		ret = -EPERM;
		goto out;
	}
	stop_signals_block(&sigs);
	ret = open_outputs(&r);
	if (!ret)
		ret = attach(&r);
	if (!ret)
		ret = receive_run(&r, &sigs);
out:
	receive_free(&r);
	return ret;
}
