// SPDX-License-Identifier: GPL-2.0
/*
 * replay_cmd: `flowsplice replay`, a capture back onto an interface
 * through AF_XDP transmit.  Owns the options and the run:
 *
 *   options, filter, pacing, interface, queues, input checked  ->  one
 *   UMEM, one TX socket per queue, each with its own range of frames
 *   ->  one sender thread per queue (replay_run.c) while the main thread
 *   waits for them or a stop signal, with a stats line and --stats-json
 *   each interval (replay_stats.c)  ->  summary, --stats-json.
 */
#include <errno.h>
#include <math.h>
#include <net/if.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cmd/commands.h"
#include "cmd/stop_signals.h"
#include "cmd/queue_list.h"
#include "cmd/replay_int.h"
#include "lib/cli.h"
#include "lib/log.h"
#include "live/capture_stats.h"
#include "parse/filter.h"

/* Ethernet header and one VLAN tag past the MTU, as drivers accept. */
#define L2_OVERHEAD (14 + 4)
#define TX_RING_MAX 2048u
/* How often main looks whether the senders have ended. */
#define POLL_NS 50000000ull

static const struct cli_cmd replay_cmd = {
	.name = "replay",
	.args = "-i IFACE -r FILE [FILTER...]",
	.summary = "Transmit the frames of a pcap/pcapng file on IFACE "
		   "through AF_XDP, one socket\nand one thread per TX queue, "
		   "each frame copied once into the UMEM and\nreleased when "
		   "the completion ring returns it.",
	.details =
		"Timing: the capture's own spacing (default; --speed scales "
		"it), --pps, --mbps,\nor --topspeed; at most one of them.  "
		"Packet k (counted after the filter) goes\nto the k-th queue "
		"of -Q, round-robin.  FILTER is pcap-filter(7), as tcpdump "
		"-r\nmeans it (default: every frame).  Exit status: 0 on success, 1 on "
		"a runtime error or bad input,\n2 on a usage error.  SIGINT "
		"or SIGTERM stops the replay; the summary prints.\n",
};

static enum cli_result replay_parse(struct replay_opts *o, int argc,
				    char **argv, int *first)
{
	const struct cli_opt opts[] = {
		CLI_OPT("interface", 'i', CLI_STR, &o->ifname, "IFACE",
			"interface to transmit on (required)"),
		CLI_OPT("read", 'r', CLI_STR, &o->input, "FILE",
			"pcap or pcapng file to replay, - for standard input "
			"(required)"),
		CLI_OPT("speed", 0, CLI_STR, &o->speed, "X",
			"the capture's spacing divided by X (2: twice as "
			"fast); default 1"),
		CLI_OPT_RANGE("pps", 0, CLI_UINT, &o->pps, "N",
			      "N packets per second", 1, 0),
		CLI_OPT("mbps", 0, CLI_STR, &o->mbps, "N",
			"N megabits per second of frame bytes (10^6 bits; "
			"no preamble, gap or FCS)"),
		CLI_OPT("topspeed", 't', CLI_FLAG, &o->topspeed, NULL,
			"as fast as the interface takes them"),
		CLI_OPT_DEF("loop", 'l', CLI_UINT, &o->loop, "N",
			    "replay the file N times; 0: until stopped", 1),
		CLI_OPT("queues", 'Q', CLI_STR, &o->queues, "LIST",
			"TX queues to use, e.g. 0,2-3 (default: all)"),
		CLI_OPT_DEF("stats-interval", 0, CLI_UINT, &o->stats_interval,
			    "SECS",
			    "seconds between stats lines on stderr; "
			    "0: none",
			    1),
		CLI_OPT("stats-json", 0, CLI_STR, &o->stats_json, "FILE",
			"keep FILE updated with the counters as JSON (each "
			"interval and at the end: the summary's); FILE must "
			"be a regular file or absent"),
		CLI_OPT_RANGE_DEF("frame-size", 0, CLI_UINT, &o->frame_size,
				  "BYTES", "UMEM frame size, 2048 or 4096",
				  2048, 4096, UMEM_FRAME_SIZE_DEFAULT),
		CLI_OPT_RANGE_DEF("frames", 0, CLI_UINT, &o->frames, "N",
				  "UMEM frames per queue (the file streams "
				  "through them)",
				  64, 1u << 20, UMEM_FRAMES_DEFAULT),
		CLI_OPT("verbose", 'v', CLI_FLAG, &o->verbose, NULL,
			"debug log output"),
		CLI_OPT("quiet", 'q', CLI_FLAG, &o->quiet, NULL,
			"no start-up line and no stats lines (the summary "
			"still prints)"),
		CLI_OPT_END,
	};
	struct cli_cmd cmd = replay_cmd;

	cmd.opts = opts;
	return cli_parse(&cmd, argc, argv, first);
}

/* A positive, finite number for --speed and --mbps. */
static int parse_positive(const char *name, const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (end == s || *end || errno || !isfinite(*out) || *out <= 0) {
		pr_warn("--%s '%s': not a positive number\n", name, s);
		return -EINVAL;
	}
	return 0;
}

static int check_pacing(const struct replay_opts *o, struct pace_cfg *pc)
{
	double v;
	int n = !!o->speed + !!o->pps + !!o->mbps + o->topspeed;

	if (n > 1) {
		pr_warn("--speed, --pps, --mbps and --topspeed exclude each "
			"other\n");
		return -EINVAL;
	}
	pc->mode = PACE_CAPTURE;
	pc->speed = 1.0;
	if (o->topspeed) {
		pc->mode = PACE_TOPSPEED;
	} else if (o->pps) {
		pc->mode = PACE_PPS;
		pc->rate = o->pps;
	} else if (o->mbps) {
		if (parse_positive("mbps", o->mbps, &v))
			return -EINVAL;
		if (v > 1e7) {
			pr_warn("--mbps %s: more than 10^7 (10 Tbit/s)\n",
				o->mbps);
			return -EINVAL;
		}
		pc->mode = PACE_BITRATE;
		pc->rate = (uint64_t)(v * 1e6);
		if (!pc->rate)
			pc->rate = 1;
	} else if (o->speed) {
		if (parse_positive("speed", o->speed, &pc->speed))
			return -EINVAL;
	}
	return 0;
}

static int check_opts(const struct replay_opts *o, struct pace_cfg *pc)
{
	if (!o->ifname || !o->input) {
		pr_warn("%s is required\n",
			!o->ifname ? "-i IFACE" : "-r FILE");
		return -EINVAL;
	}
	if (o->frame_size != 2048 && o->frame_size != 4096) {
		pr_warn("--frame-size must be 2048 or 4096\n");
		return -EINVAL;
	}
	if (!strcmp(o->input, "-") && o->loop != 1) {
		pr_warn("--loop needs a file: standard input is read once\n");
		return -EINVAL;
	}
	return check_pacing(o, pc);
}

/* The interface's MTU, or 0 if it cannot be read. */
static uint32_t iface_mtu(const char *ifname)
{
	struct ifreq ifr = {0};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	uint32_t mtu = 0;

	if (fd < 0)
		return 0;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (!ioctl(fd, SIOCGIFMTU, &ifr))
		mtu = ifr.ifr_mtu;
	close(fd);
	return mtu;
}

static int parse_filter(struct replay *r, int argc, char **argv)
{
	char err[256], *expr;
	int ret;

	if (!argc)
		return 0;
	expr = filter_join_args(argc, argv);
	if (!expr) {
		pr_warn("out of memory\n");
		return -ENOMEM;
	}
	/* pcap-filter(7) as tcpdump -r means it, as read applies it */
	ret = pcap_expr_new(expr, PCAP_EXPR_ETHERNET, &r->px, err, sizeof(err));
	free(expr);
	if (ret == -EINVAL) {
		pr_warn("bad filter: %s\n", err);
		return CMD_USAGE;
	}
	return ret;
}

/* 0, CMD_USAGE or -errno, each with its message. */
static int replay_queues(struct replay *r)
{
	unsigned int ntx = queue_list_count(r->o->ifname, "tx");
	int ret;

	ret = queue_list_parse(r->o->queues, ntx, &r->queues, &r->nq);
	if (ret == -ENOMEM) {
		pr_warn("out of memory\n");
		return ret;
	}
	if (ret) {
		pr_warn("bad --queues '%s': %s has TX queues 0-%u\n",
			r->o->queues, r->o->ifname, ntx - 1);
		return CMD_USAGE;
	}
	if (strcmp(r->o->input, "-") || r->nq == 1)
		return 0;
	/* A stream has one reader: one sender. */
	if (r->o->queues) {
		pr_warn("-r - feeds one queue: give -Q with one queue\n");
		return CMD_USAGE;
	}
	r->nq = 1;
	return 0;
}

static unsigned int pow2_below(unsigned int v, unsigned int max)
{
	unsigned int n = 1;

	while (n * 2 <= v && n * 2 <= max)
		n *= 2;
	return n;
}

static int open_sockets(struct replay *r)
{
	uint32_t tx_size = pow2_below(r->o->frames, TX_RING_MAX);
	struct umem_opts uo = {
		.nframes = r->o->frames * r->nq,
		.frame_size = r->o->frame_size,
		.fill_size = 64, /* the kernel wants one; nothing is received */
		.comp_size = tx_size,
	};
	struct xsk_tx_opts xo = {
		.tx_size = tx_size,
		.batch = tx_size < 64 ? tx_size / 2 : 64,
		.try_zerocopy = true,
	};
	unsigned int i;
	int ret;

	ret = umem_create_said(&r->umem, &uo);
	if (ret)
		return ret;
	for (i = 0; i < r->nq; i++) {
		struct replay_q *rq = &r->q[i];

		ret = xsk_tx_open(&rq->tx, r->umem, i * r->o->frames,
				  r->o->frames, r->o->ifname, r->queues[i], &xo,
				  i == 0);
		if (ret) {
			pr_warn("cannot bind an AF_XDP socket to %s TX queue "
				"%u: %s%s\n",
				r->o->ifname, r->queues[i], strerror(-ret),
				xskq_bind_hint(ret));
			return ret;
		}
	}
	return 0;
}

static int replay_init(struct replay *r, int argc, char **argv)
{
	unsigned int i;
	char err[512];
	int ret;

	ret = parse_filter(r, argc, argv);
	if (ret)
		return ret;
	if (!if_nametoindex(r->o->ifname)) {
		pr_warn("no such interface: %s\n", r->o->ifname);
		return -ENODEV;
	}
	ret = replay_queues(r);
	if (ret)
		return ret;
	if (r->o->stats_json &&
	    capture_stats_json_check(r->o->stats_json, err, sizeof(err))) {
		pr_warn("--stats-json %s: %s\n", r->o->stats_json, err);
		return -EINVAL;
	}
	r->q = calloc(r->nq, sizeof(*r->q));
	r->qst = calloc(r->nq, sizeof(*r->qst));
	if (!r->q || !r->qst) {
		pr_warn("out of memory\n");
		return -ENOMEM;
	}
	for (i = 0; i < r->nq; i++) {
		r->q[i].r = r;
		r->q[i].idx = i;
		r->q[i].queue = r->queues[i];
	}
	/* A file that is not a capture fails here, before any socket. */
	ret = pcap_reader_open(r->o->input, &r->q[0].rd, err, sizeof(err));
	if (ret)
		pr_warn("%s\n", err);
	return ret;
}

static void set_max_len(struct replay *r)
{
	uint32_t chain = xsk_tx_max_len(&r->q[0].tx);

	r->mtu = iface_mtu(r->o->ifname);
	r->max_len = chain;
	if (r->mtu && r->mtu + L2_OVERHEAD < chain)
		r->max_len = r->mtu + L2_OVERHEAD;
	if (r->o->quiet)
		return;
	pr_info("%u TX queue socket(s) on %s, one UMEM (%u x %u bytes): %s "
		"mode, %s; frames up to %u bytes\n",
		r->nq, r->o->ifname, r->o->frames * r->nq, r->o->frame_size,
		r->q[0].tx.q.zerocopy ? "zero-copy" : "copy",
		r->q[0].tx.q.sg ? "multi-buffer" : "no multi-buffer",
		r->max_len);
}

/* The stats line and --stats-json of one interval, on main. */
static void interval(struct replay *r)
{
	struct replay_totals t;

	replay_totals(r, &t, pace_now_ns(), false);
	if (r->o->stats_interval && !r->o->quiet)
		replay_stats_line(r, stderr, &t);
	if (r->o->stats_json)
		replay_stats_json(r, &t);
}

/*
 * Until every sender is done, or a stop signal tells them to stop; each
 * interval (each second with --stats-interval 0) a stats line and the
 * --stats-json document.  Only main waits here: the senders never wait
 * for it, they store their counters and go on.
 */
static void wait_senders(struct replay *r, const sigset_t *sigs)
{
	uint64_t tick = (r->o->stats_interval ? r->o->stats_interval : 1) *
			1000000000ull;
	uint64_t next = r->start_ns + tick;
	bool every = r->o->stats_json || (r->o->stats_interval && !r->o->quiet);

	while (__atomic_load_n(&r->running, __ATOMIC_ACQUIRE)) {
		uint64_t now = pace_now_ns(), wait = POLL_NS;
		struct timespec ts;

		if (every && now >= next) {
			interval(r);
			next = next + tick > now ? next + tick : now + tick;
			continue;
		}
		if (every && next - now < wait)
			wait = next - now;
		ts.tv_sec = wait / 1000000000ull;
		ts.tv_nsec = wait % 1000000000ull;
		if (sigtimedwait(sigs, NULL, &ts) > 0)
			__atomic_store_n(&r->stop, 1, __ATOMIC_RELAXED);
	}
}

static int run_senders(struct replay *r, const sigset_t *sigs)
{
	unsigned int i;
	int ret = 0;

	r->running = r->nq;
	r->start_ns = pace_now_ns();
	for (i = 0; i < r->nq; i++) {
		ret = -pthread_create(&r->q[i].th, NULL, replay_run, &r->q[i]);
		if (ret) {
			pr_warn("cannot start a sender thread: %s\n",
				strerror(-ret));
			__atomic_store_n(&r->stop, 1, __ATOMIC_RELAXED);
			__atomic_sub_fetch(&r->running, r->nq - i,
					   __ATOMIC_RELEASE);
			break;
		}
		r->q[i].started = true;
	}
	wait_senders(r, sigs);
	for (i = 0; i < r->nq; i++)
		if (r->q[i].started)
			pthread_join(r->q[i].th, NULL);
	return ret;
}

/* The first sender's error, said once: they all read the same file. */
static int report(struct replay *r)
{
	struct replay_totals t;
	unsigned int i;
	int ret = 0, err;

	replay_totals(r, &t, 0, true);
	for (i = 0; i < r->nq && !ret; i++) {
		if (!r->q[i].err)
			continue;
		pr_warn("%s\n", r->q[i].errmsg);
		ret = r->q[i].err;
	}
	replay_summary(r, stderr, &t);
	if (r->o->stats_json) {
		err = replay_stats_json(r, &t);
		if (err && !ret)
			ret = err;
	}
	if (!ret && t.unfinished)
		ret = -ETIMEDOUT;
	return ret;
}

static void replay_free(struct replay *r)
{
	unsigned int i;

	for (i = 0; r->q && i < r->nq; i++) {
		if (r->q[i].rd)
			pcap_reader_close(r->q[i].rd);
		xsk_tx_close(&r->q[i].tx);
	}
	umem_destroy(r->umem);
	free(r->q);
	free(r->qst);
	free(r->queues);
	pcap_expr_free(r->px);
}

int cmd_replay(int argc, char **argv)
{
	struct replay_opts opt = {0}; /* defaults: the option table's */
	struct replay r = {.o = &opt};
	sigset_t sigs;
	int first, ret;

	ret = replay_parse(&opt, argc, argv, &first);
	if (ret != CLI_OK)
		return ret == CLI_HELP ? 0 : CMD_USAGE;
	if (opt.verbose)
		log_set_level(LOG_LVL_DEBUG);
	if (check_opts(&opt, &r.pace))
		return CMD_USAGE;
	ret = replay_init(&r, argc - first, argv + first);
	if (ret)
		goto out;
	if (geteuid() != 0) {
		pr_warn("needs root (CAP_NET_ADMIN and CAP_NET_RAW) to open "
			"AF_XDP sockets\n");
		ret = -EPERM;
		goto out;
	}
	/* Senders inherit a mask without the stop signals: main takes them. */
	stop_signals_block(&sigs);
	ret = open_sockets(&r);
	if (ret)
		goto out;
	set_max_len(&r);
	ret = run_senders(&r, &sigs);
	if (!ret)
		ret = report(&r);
out:
	replay_free(&r);
	return ret;
}
