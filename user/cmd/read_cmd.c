// SPDX-License-Identifier: GPL-2.0
/*
 * read_cmd: `flowsplice read`, offline mode.  A pcap/pcapng file (or
 * standard input) goes through the same pipeline as live capture: parse,
 * filter, then the flow table and reassembler writing stream files and
 * flows.jsonl (--streams), and/or the matching packets to a pcap (-w).
 * Bytes are written straight from the reader's chunks (zero copy for
 * in-order data), io_uring submissions once per batch of records.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/flow_opts.h"
#include "cmd/pcap_opts.h"
#include "lib/cli.h"
#include "cmd/commands.h"
#include "parse/filter.h"
#include "parse/filter_plan.h"
#include "parse/pcap_expr.h"
#include "tcp/flow_table.h"
#include "lib/log.h"
#include "out/pcap_out.h"
#include "parse/pcap_reader.h"
#include "parse/pkt.h"
#include "tcp/streams.h"
#include "out/writer.h"

#define SUBMIT_EVERY 64

struct read_opts {
	const char *input;
	const char *streams;
	const char *write;
	unsigned int max_flows;
	unsigned int idle_timeout;
	unsigned int closed_timeout;
	uint64_t ooo_per_flow;
	uint64_t ooo_total;
	int hold_policy;
	int format; /* enum pcap_out_format */
	unsigned int snaplen;
	unsigned int max_open;
	uint64_t write_once;
	int stream_io;
	bool verbose;
};

static const struct cli_cmd read_cmd = {
	.name = "read",
	.args = "[FILTER...]",
	.summary = "Reassemble the TCP flows of a pcap/pcapng file, or copy "
		   "its matching packets.",
	.details =
		"At least one of --streams and -w is needed.  FILTER is "
		"pcap-filter(7),\nmatched by libpcap as tcpdump -r does "
		"(default: all TCP, also behind up\nto four VLAN tags).  "
		"Stream files are named\n"
		"  DIR/<id / 1000>/<id>-<client>.<port>-<server>.<port>.c2s "
		"and .s2c\n"
		"(IPv6 with '_' for ':'); byte k of a file is stream byte k, "
		"holes stay sparse\nand are listed in flows.jsonl with "
		"their offset and length.\n",
};

/* The table points into o, this run's options: on the parse's stack. */
static enum cli_result parse_opts(struct read_opts *o, int argc, char **argv,
				  int *first)
{
	const struct cli_opt opts[] = {
		CLI_OPT("read", 'r', CLI_STR, &o->input, "FILE",
			"pcap or pcapng file to read, - for standard input"),
		CLI_OPT("streams", 's', CLI_STR, &o->streams, "DIR",
			"write each TCP direction to DIR, and DIR/flows.jsonl"),
		CLI_OPT("write", 'w', CLI_STR, &o->write, "FILE",
			"write the matching packets to a pcap (or pcapng) file"),
		PCAP_OPTS(o, 0),
		FLOW_OPTS(o, ""),
		CLI_OPT_DEF("closed-timeout", 0, CLI_UINT, &o->closed_timeout,
			    "SECS",
			    "keep a closed flow this long for late packets",
			    10),
		CLI_OPT("verbose", 'v', CLI_FLAG, &o->verbose, NULL,
			"debug messages (conflicting overlaps, ...)"),
		CLI_OPT_END,
	};
	struct cli_cmd cmd = read_cmd;

	cmd.opts = opts;
	return cli_parse(&cmd, argc, argv, first);
}

/* Bytes of direct stream blocks, staged and in flight (writer_opts). */
#define FS_SPARSE_TOTAL_OFFLINE (256ull << 20)

struct reader_run {
	struct read_opts *o;
	struct pcap_reader *rd;
	struct pcap_expr *px; /* the filter: libpcap's matcher */
	/* One writer per output, so that each one's figures are its own. */
	struct writer *w; /* --streams */
	struct writer *pw; /* -w */
	struct streams *st;
	bool stream_direct; /* stream files in sparse direct mode */
	struct flow_table *ft;
	struct pcap_out *po;
	uint64_t records, matched, malformed, other_link, out_errors;
	uint64_t pcap_records; /* taken before the pcap output is closed */
	int failed; /* exit code 1 after finishing */
	bool started; /* outputs open: a summary is due */
};

static int open_outputs(struct reader_run *rr)
{
	/*
	 * Interleaved flows: a stream file's writev grows over many records
	 * (up to 256 KiB or 2 ms) instead of leaving one per record.
	 */
	struct writer_opts wopts = {
		.max_iov = 256,
		.linger_bytes = 256 << 10,
		.linger_us = 2000,
		/* --stream-io direct: reading outruns the disk, so blocks of
		 * 128 KiB for each of a thousand interleaved flows */
		.sparse_total = FS_SPARSE_TOTAL_OFFLINE,
	};
	struct streams_opts sopts;
	struct flow_table_cfg cfg;
	char err[PATH_MAX + 64];
	int ret;

	if ((rr->o->write && (ret = writer_create(&rr->pw, &wopts))) ||
	    (rr->o->streams && (ret = writer_create(&rr->w, &wopts)))) {
		pr_warn("io_uring: %s\n", strerror(-ret));
		return ret;
	}
	if (rr->o->write) {
		struct pcap_out_opts po = {
			.path = rr->o->write,
			.linktype = pcap_reader_linktype(rr->rd),
			.snaplen = rr->o->snaplen,
			.format = rr->o->format,
		};

		ret = pcap_out_open(&rr->po, rr->pw, &po);
		if (ret) {
			pr_warn("cannot write %s: %s\n", rr->o->write,
				strerror(-ret));
			return ret;
		}
	}
	if (!rr->o->streams)
		return 0;
	flow_opts_fit_open_files(&rr->o->max_open, 1);
	ret = streams_create(&rr->st, rr->w, rr->o->streams, rr->o->max_open,
			     err, sizeof(err));
	if (ret) {
		pr_warn("%s\n", err);
		return ret;
	}
	/* Offline, waiting (to compare a retransmission) loses nothing. */
	sopts.write_once = rr->o->write_once;
	sopts.hold_total = STREAMS_HOLD_TOTAL_DEFAULT;
	sopts.may_wait = true;
	sopts.direct =
		flow_opts_stream_direct(rr->o->stream_io, rr->o->streams);
	rr->stream_direct = sopts.direct;
	streams_set_opts(rr->st, &sopts);
	flow_table_cfg_default(&cfg);
	cfg.max_flows = rr->o->max_flows;
	cfg.idle_timeout_ns = rr->o->idle_timeout * 1000000000ull;
	cfg.closed_timeout_ns = rr->o->closed_timeout * 1000000000ull;
	cfg.reasm.ooo_per_flow = rr->o->ooo_per_flow;
	cfg.reasm.ooo_total = rr->o->ooo_total;
	cfg.reasm.policy = rr->o->hold_policy;
	/*
	 * A held reference pins a whole chunk of the reader: keep few, and
	 * let the policy decide past that.
	 */
	cfg.reasm.max_ref_segs = 64;
	ret = flow_table_create(&rr->ft, &cfg, &streams_flow_ops, rr->st);
	if (ret)
		pr_warn("flow table: %s\n", strerror(-ret));
	return ret;
}

static void write_packet(struct reader_run *rr, const struct pcap_rec *rec)
{
	struct iovec iov = {(void *)rec->data, rec->caplen};
	struct buf *b = rec->buf;

	if (rec->linktype != pcap_reader_linktype(rr->rd)) {
		rr->other_link++;
		return;
	}
	if (pcap_out_record(rr->po, rec->ts_ns, NULL, &iov, &b, 1,
			    rec->wirelen))
		rr->out_errors++;
}

/* Returns 0 to go on, or 1 to stop with exit code 1. */
static int one_record(struct reader_run *rr, const struct pcap_rec *rec)
{
	enum pkt_status st;
	char err[256];
	struct pkt p;
	int m;

	rr->records++;
	st = pkt_parse(rec->data, rec->caplen, rec->wirelen, rec->linktype, &p);
	if (st == PKT_BAD_LINKTYPE) {
		pr_warn("%s: unsupported link type %" PRIu32
			" (record at byte %" PRIu64 ")\n",
			rr->o->input, rec->linktype_field, rec->offset);
		return 1;
	}
	if (st == PKT_MALFORMED)
		rr->malformed++;
	/* tcpdump -r's decision, whatever this parser thinks of the frame. */
	m = pcap_expr_match(rr->px, (uint32_t)rec->linktype, rec->data,
			    rec->caplen, rec->wirelen, err, sizeof(err));
	if (m < 0) {
		pr_warn("%s: link type %" PRIu32 ": %s\n", rr->o->input,
			rec->linktype_field, err);
		return 1;
	}
	if (!m)
		return 0;
	rr->matched++;
	if (rr->po)
		write_packet(rr, rec);
	if (rr->ft && st != PKT_MALFORMED)
		flow_table_packet(rr->ft, &p, rec->ts_ns, rec->buf);
	return 0;
}

static void submit(struct reader_run *rr)
{
	if (rr->w)
		writer_submit(rr->w);
	if (rr->pw)
		writer_submit(rr->pw);
}

/*
 * The input is quiet: what is queued, lingering or not, goes now, and the
 * stream writer finishes its closes so that ended flows' lines reach
 * flows.jsonl (waiting costs nothing while there is nothing to read).
 */
static void input_idle(void *arg)
{
	struct reader_run *rr = arg;

	if (rr->w)
		writer_drain(rr->w);
	if (rr->pw)
		writer_flush(rr->pw);
}

static void read_all(struct reader_run *rr)
{
	struct pcap_rec rec;
	int ret;

	for (;;) {
		ret = pcap_reader_next(rr->rd, &rec);
		if (ret <= 0)
			break;
		if (one_record(rr, &rec)) {
			rr->failed = 1;
			return;
		}
		if (rr->records % SUBMIT_EVERY == 0)
			submit(rr);
	}
	if (ret < 0) {
		pr_warn("%s: %s\n", rr->o->input, pcap_reader_error(rr->rd));
		rr->failed = 1;
	}
}

/* Failed writes of the -w pcap: refused records and failed completions. */
static uint64_t pcap_errors(const struct reader_run *rr)
{
	struct writer_stats ws = {0};

	if (rr->pw)
		writer_get_stats(rr->pw, &ws);
	return rr->out_errors + ws.write_errors;
}

static void summary(struct reader_run *rr)
{
	struct flow_table_stats fs = {0};
	struct streams_stats ss = {0};
	struct writer_stats ws;
	struct reasm_ctx *rc;

	fprintf(stderr,
		"flowsplice read: %" PRIu64 " records, %" PRIu64
		" matched, %" PRIu64 " malformed\n",
		rr->records, rr->matched, rr->malformed);
	if (rr->o->write)
		fprintf(stderr,
			"  pcap: %" PRIu64 " packets written to %s, %" PRIu64
			" errors, %" PRIu64 " skipped (other link type)\n",
			rr->pcap_records, rr->o->write, pcap_errors(rr),
			rr->other_link);
	if (!rr->ft)
		return;
	writer_get_stats(rr->w, &ws);
	flow_table_get_stats(rr->ft, &fs);
	streams_get_stats(rr->st, &ss);
	rc = flow_table_reasm_ctx(rr->ft);
	fprintf(stderr,
		"  flows: %" PRIu64 " (max %" PRIu64
		" at once), ended: fin %" PRIu64 ", rst %" PRIu64
		", timeout %" PRIu64 ", evicted %" PRIu64 ", reused %" PRIu64
		", eof %" PRIu64 "; %" PRIu64
		" pushed out by --max-flows; %" PRIu64
		" timestamps far ahead ignored\n",
		fs.flows, fs.max_active, fs.ended[FLOW_END_FIN],
		fs.ended[FLOW_END_RST], fs.ended[FLOW_END_TIMEOUT],
		fs.ended[FLOW_END_EVICTED], fs.ended[FLOW_END_REUSED],
		fs.ended[FLOW_END_EOF], fs.evictions, fs.time_outliers);
	/* Bytes of the stream files and flows.jsonl; errors counted per file. */
	fprintf(stderr,
		"  streams: %" PRIu64 " files, %" PRIu64
		" bytes written, %" PRIu64 " budget gaps, %" PRIu64
		" copies, %" PRIu64 " reopens, %" PRIu64
		" write errors, %" PRIu64 " written once (%" PRIu64
		" past the memory bound), %" PRIu64
		" renamed after a late SYN, %" PRIu64 " loop waits\n",
		ss.files, ws.bytes_written - ws.sparse_extra, rc->budget_skips,
		rc->copies, ss.reopens, ss.write_errors, ss.written_once,
		ss.hold_full, ss.renames, ws.waits);
	if (rr->stream_direct)
		fprintf(stderr,
			"  stream io: direct, %" PRIu64
			" aligned writes, at most %" PRIu64
			" KiB staged, %" PRIu64
			" writes refused (staging bound)\n",
			ws.sparse_writes, ws.sparse_max >> 10,
			ws.sparse_refused);
	else
		fprintf(stderr, "  stream io: buffered\n");
}

/*
 * End every flow, drain, close: everything read so far is kept.  Returns
 * 1 when an output could not be written whole.
 */
static int finish(struct reader_run *rr)
{
	struct streams_stats ss = {0};
	int ret = 0;

	if (rr->ft)
		flow_table_end_all(rr->ft, FLOW_END_EOF);
	if (rr->po) {
		rr->pcap_records = pcap_out_records(rr->po);
		if (pcap_out_close(rr->po) && !pcap_errors(rr))
			rr->out_errors++;
		rr->po = NULL;
	}
	if (rr->w && writer_drain(rr->w) < 0)
		ret = 1;
	if (rr->pw && writer_drain(rr->pw) < 0)
		ret = 1;
	if (rr->started)
		summary(rr);
	if (rr->st) {
		int err;

		streams_get_stats(rr->st, &ss);
		err = streams_destroy(rr->st);
		if (err)
			pr_warn("cannot write %s/flows.jsonl: "
				"%s\n",
				rr->o->streams, strerror(-err));
		if (err || ss.write_errors)
			ret = 1;
	}
	if (pcap_errors(rr))
		ret = 1;
	rr->st = NULL;
	flow_table_destroy(rr->ft);
	writer_destroy(rr->w);
	writer_destroy(rr->pw);
	return ret;
}

/* Opening -w truncates it: it must not be the file being read. */
static bool output_is_input(const struct read_opts *o,
			    const struct pcap_reader *rd)
{
	struct stat in, out;

	return o->write && !stat(o->write, &out) &&
	       !pcap_reader_stat(rd, &in) && in.st_dev == out.st_dev &&
	       in.st_ino == out.st_ino;
}

/*
 * libpcap compiles the filter (checked here for Ethernet, and per link
 * type on first use).  0, CMD_USAGE (libpcap's message printed) or
 * -ENOMEM.
 */
static int parse_filter(struct reader_run *rr, int argc, char **argv)
{
	char err[512], *expr;
	int ret;

	expr = argc ? filter_join_args(argc, argv) : NULL;
	if (argc && !expr) {
		pr_warn("out of memory\n");
		return -ENOMEM;
	}
	ret = pcap_expr_new(expr, PCAP_EXPR_ETHERNET, &rr->px, err,
			    sizeof(err));
	free(expr);
	if (ret == -EINVAL)
		pr_warn("bad filter: %s\n", err);
	return ret == -EINVAL ? CMD_USAGE : ret;
}

int cmd_read(int argc, char **argv)
{
	struct read_opts opt = {0}; /* defaults: the option table's */
	struct reader_run rr = {.o = &opt};
	struct pkt probe;
	char err[512];
	int first, ret;

	ret = parse_opts(&opt, argc, argv, &first);
	if (ret != CLI_OK)
		return ret == CLI_HELP ? 0 : CMD_USAGE;
	if (opt.verbose)
		log_set_level(LOG_LVL_DEBUG);
	if (!opt.input || (!opt.streams && !opt.write)) {
		pr_warn("%s\nTry 'flowsplice read --help'.\n",
			!opt.input
				? "-r FILE is required"
				: "nothing to do: give --streams DIR and/or -w FILE");
		return CMD_USAGE;
	}
	ret = parse_filter(&rr, argc - first, argv + first);
	if (ret)
		return ret;
	ret = pcap_reader_open(opt.input, &rr.rd, err, sizeof(err));
	if (ret) {
		pr_warn("%s\n", err);
		goto out;
	}
	/*
	 * The input's link type, when this reader takes it (the first record
	 * reports one it does not): libpcap may refuse the filter for it.
	 */
	if (pkt_parse(NULL, 0, 0, pcap_reader_linktype(rr.rd), &probe) !=
		    PKT_BAD_LINKTYPE &&
	    pcap_expr_prepare(rr.px, (uint32_t)pcap_reader_linktype(rr.rd), err,
			      sizeof(err))) {
		pr_warn("bad filter for %s: %s\n", opt.input, err);
		ret = CMD_USAGE;
		goto close;
	}
	if (output_is_input(&opt, rr.rd)) {
		pr_warn("-w %s is the input file: refusing to "
			"overwrite it\n",
			opt.write);
		ret = -EEXIST;
		goto close;
	}
	ret = open_outputs(&rr);
	if (ret) {
		finish(&rr);
		goto close;
	}
	rr.started = true;
	pcap_reader_set_idle(rr.rd, input_idle, &rr);
	read_all(&rr);
	ret = finish(&rr) || rr.failed ? -EIO : 0;
close:
	pcap_reader_close(rr.rd);
out:
	pcap_expr_free(rr.px);
	return ret;
}
