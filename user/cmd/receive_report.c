// SPDX-License-Identifier: GPL-2.0
/*
 * receive_report: the counters of `flowsplice receive`: a line per stats
 * interval, the --stats-json document (the engine's and the sink's
 * counters from field tables, so every counter is in it) and the final
 * summary, which reconciles per queue what the classifier redirected
 * with what the socket received and the kernel dropped, and what the
 * worker received with the engine's outcomes: every segment is accepted
 * or dropped under a named cause.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include "cmd/receive_int.h"
#include "live/capture_stats.h"

struct field {
	const char *name;
	size_t off;
};

#define TF(x)                                        \
	{                                            \
#x, offsetof(struct tcp_rx_stats, x) \
	}
#define RF(x)                                      \
	{                                          \
#x, offsetof(struct recv_stats, x) \
	}
#define WF(x)                                             \
	{                                                 \
#x, offsetof(struct recv_worker_stats, x) \
	}

/* The engine's outcomes: each segment is counted in exactly one. */
static const struct field outcomes[] = {
	TF(accepted),	TF(malformed),	 TF(not_ours),	    TF(csum_bad),
	TF(stray),	TF(syn_refused), TF(out_of_window), TF(rst_ignored),
	TF(challenged), TF(paws),	 TF(bad_ack),
};

static const struct field tcp_events[] = {
	TF(csum_partial),
	TF(syns),
	TF(cookies_sent),
	TF(cookies_ok),
	TF(cookies_bad),
	TF(established),
	TF(half_open_expired),
	TF(payload),
	TF(bytes),
	TF(dup_bytes),
	TF(ooo_segs),
	TF(ooo_dropped),
	TF(held_max),
	TF(acks),
	TF(dup_acks),
	TF(window_updates),
	TF(zero_windows),
	TF(rst_sent),
	TF(challenge_acks),
	TF(challenge_limited),
	TF(retransmits),
	TF(tx_full),
	TF(sink_refused),
	TF(conns),
	TF(conns_max),
};

static const struct field raw_fields[] = {
	RF(files), RF(complete),    RF(incomplete), RF(write_errors),
	RF(lines), RF(line_errors), RF(pending),
};

static const struct field http_fields[] = {
	RF(requests),	     RF(continues),    RF(created),
	RF(bad_request),     RF(not_allowed),  RF(exists),
	RF(length_required), RF(too_large),    RF(expectation),
	RF(head_too_large),  RF(server_error), RF(not_implemented),
	RF(bad_version),     RF(disk_full),    RF(body_bytes),
	RF(unlinked),
};

static const struct field worker_fields[] = {
	WF(rx_packets),	     WF(rx_bytes),   WF(rx_descs),  WF(chain_drop),
	WF(fill_empty),	     WF(tx_packets), WF(tx_bytes),  WF(tx_kicks),
	WF(tx_errors),	     WF(wr_bytes),   WF(wr_errors), WF(loop_waits),
	WF(frames_held_max),
};

#define NF(t) (sizeof(t) / sizeof((t)[0]))

static uint64_t get(const void *base, const struct field *f)
{
	uint64_t v;

	memcpy(&v, (const char *)base + f->off, sizeof(v));
	return v;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

void receive_snapshot(struct receive *r, struct receive_snap *s)
{
	__u64 v[FS_STAT_MAX] = {0}, q;
	unsigned int i, k;

	s->time_ns = mono_ns();
	s->nq = r->nq;
	if (r->prog && !xdp_prog_read_stats(r->prog, v))
		for (k = 0; k < FS_STAT_MAX; k++)
			s->xdp[k] = v[k] - r->xdp_base[k];
	for (i = 0; i < r->nq; i++) {
		struct receive_qsnap *qs = &s->q[i];
		struct recv_worker *wk = &r->g.all[i];
		struct xdp_statistics x;

		qs->queue = r->queues[i];
		recv_worker_read_stats(wk, &qs->w);
		if (r->prog && !xdp_prog_read_qstats(r->prog, r->queues[i], &q))
			qs->redirected = q - r->qbase[i];
		if (wk->tx.q.xsk && !xskq_stats(&wk->tx.q, &x)) {
			qs->ring_full = x.rx_ring_full;
			qs->fill_empty = x.rx_fill_ring_empty_descs;
			qs->kernel = x.rx_dropped;
			qs->invalid = x.rx_invalid_descs;
		}
	}
}

/* Sums over queues. */
struct totals {
	struct recv_worker_stats w;
	uint64_t redirected, ring_full, fill_empty, kernel, invalid;
};

static void sum(const struct receive_snap *s, struct totals *t)
{
	unsigned int i, k;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < s->nq; i++) {
		const uint64_t *src = (const uint64_t *)&s->q[i].w;
		uint64_t *dst = (uint64_t *)&t->w;

		for (k = 0; k < sizeof(t->w) / sizeof(uint64_t); k++)
			dst[k] += src[k];
		t->redirected += s->q[i].redirected;
		t->ring_full += s->q[i].ring_full;
		t->fill_empty += s->q[i].fill_empty;
		t->kernel += s->q[i].kernel;
		t->invalid += s->q[i].invalid;
	}
}

void receive_line(FILE *f, const struct receive_snap *cur,
		  const struct receive_snap *prev)
{
	struct totals a, b = {0};
	double dt;

	sum(cur, &a);
	if (prev)
		sum(prev, &b);
	dt = prev ? (cur->time_ns - prev->time_ns) / 1e9 : 0;
	if (dt <= 0)
		dt = 1;
	fprintf(f,
		"rx %" PRIu64
		" pkts %.1f MB | %.0f pps %.1f Mbit/s | conns %" PRIu64
		" (%" PRIu64 " established) | written %.1f MB | drops: "
		"ring_full %" PRIu64 " fill_empty %" PRIu64 " kernel %" PRIu64
		" csum %" PRIu64 " tx_full %" PRIu64 "\n",
		a.w.rx_packets, a.w.rx_bytes / 1e6,
		(a.w.rx_packets - b.w.rx_packets) / dt,
		(a.w.rx_bytes - b.w.rx_bytes) * 8 / dt / 1e6, a.w.tcp.conns,
		a.w.tcp.established, a.w.wr_bytes / 1e6, a.ring_full,
		a.fill_empty, a.kernel - a.fill_empty + a.invalid,
		a.w.tcp.csum_bad, a.w.tcp.tx_full);
}

static void json_fields(FILE *f, const char *name, const void *base,
			const struct field *fl, size_t n, bool last)
{
	size_t i;

	fprintf(f, "\"%s\": {", name);
	for (i = 0; i < n; i++)
		fprintf(f, "%s\"%s\": %" PRIu64, i ? ", " : "", fl[i].name,
			get(base, &fl[i]));
	fprintf(f, "}%s", last ? "" : ", ");
}

struct doc {
	const struct receive *r;
	const struct receive_snap *s;
};

static void json_queue(FILE *f, const struct receive_qsnap *q)
{
	unsigned int e;

	fprintf(f,
		"    {\"queue\": %u, \"redirected\": %" PRIu64
		", \"drops\": {\"ring_full\": %" PRIu64
		", \"fill_empty\": %" PRIu64 ", \"kernel\": %" PRIu64
		", \"invalid\": %" PRIu64 ", \"chain\": %" PRIu64 "}, ",
		q->queue, q->redirected, q->ring_full, q->fill_empty,
		q->kernel > q->fill_empty ? q->kernel - q->fill_empty : 0,
		q->invalid, q->w.chain_drop);
	json_fields(f, "worker", &q->w, worker_fields, NF(worker_fields),
		    false);
	json_fields(f, "segments", &q->w.tcp, outcomes, NF(outcomes), false);
	json_fields(f, "tcp", &q->w.tcp, tcp_events, NF(tcp_events), false);
	fprintf(f, "\"ended\": {");
	for (e = 0; e < TCP_END_MAX; e++)
		fprintf(f, "%s\"%s\": %" PRIu64, e ? ", " : "", tcp_end_name(e),
			q->w.tcp.ended[e]);
	fprintf(f, "}, ");
	json_fields(f, "files", &q->w.sink, raw_fields, NF(raw_fields), false);
	json_fields(f, "http", &q->w.sink, http_fields, NF(http_fields), true);
	fprintf(f, "}");
}

static void emit(FILE *f, const void *arg)
{
	static const char *const xdp_names[] = FS_STAT_NAMES;
	const struct doc *d = arg;
	const struct receive_snap *s = d->s;
	unsigned int i;

	fprintf(f, "{\n  \"interface\": \"%s\",\n  \"listen\": \"%s\",\n",
		d->r->o->ifname, d->r->listen_str);
	fprintf(f, "  \"elapsed_s\": %.3f,\n  \"xdp\": {",
		(s->time_ns - d->r->start_ns) / 1e9);
	for (i = 0; i < FS_STAT_MAX; i++)
		fprintf(f, "%s\"%s\": %" PRIu64, i ? ", " : "", xdp_names[i],
			s->xdp[i]);
	fprintf(f, "},\n  \"queues\": [\n");
	for (i = 0; i < s->nq; i++) {
		json_queue(f, &s->q[i]);
		fprintf(f, "%s\n", i + 1 < s->nq ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
}

int receive_json(const struct receive *r, const struct receive_snap *s)
{
	const struct doc d = {r, s};

	return stats_json_replace(r->o->stats_json, emit, &d);
}

/* Packets of queue q that no counter explains. */
static int64_t unexplained(const struct receive_qsnap *q, FILE *f)
{
	const struct tcp_rx_stats *t = &q->w.tcp;
	int64_t a, b;
	uint64_t out = 0;
	size_t i;

	for (i = 0; i < NF(outcomes); i++)
		out += get(t, &outcomes[i]);
	a = (int64_t)q->redirected -
	    (int64_t)(q->w.rx_packets + q->ring_full + q->kernel + q->invalid);
	b = (int64_t)q->w.rx_packets - (int64_t)(q->w.chain_drop + t->segs);
	if (a)
		fprintf(f,
			"  queue %u: redirected %" PRIu64 " != received + "
			"kernel drops (off by %" PRId64 ")\n",
			q->queue, q->redirected, a);
	if (b)
		fprintf(f,
			"  queue %u: received %" PRIu64 " != segments + chain "
			"drops (off by %" PRId64 ")\n",
			q->queue, q->w.rx_packets, b);
	if (out != t->segs)
		fprintf(f,
			"  queue %u: segments %" PRIu64 " != outcomes %" PRIu64
			"\n",
			q->queue, t->segs, out);
	return (a < 0 ? -a : a) + (b < 0 ? -b : b) +
	       (int64_t)(out > t->segs ? out - t->segs : t->segs - out);
}

int64_t receive_summary(FILE *f, const struct receive *r,
			const struct receive_snap *s)
{
	const struct tcp_rx_stats *t;
	struct totals a;
	int64_t bad = 0;
	unsigned int i, e;
	size_t k;

	sum(s, &a);
	t = &a.w.tcp;
	fprintf(f,
		"flowsplice receive: %" PRIu64 " connections (%" PRIu64
		" complete, %" PRIu64 " incomplete), %" PRIu64
		" bytes received in order, %" PRIu64 " written, in %.3f s\n",
		t->established, a.w.sink.complete, a.w.sink.incomplete,
		t->bytes, a.w.wr_bytes, (s->time_ns - r->start_ns) / 1e9);
	fprintf(f,
		"  packets: %" PRIu64 " redirected, %" PRIu64
		" received; kernel drops: ring_full %" PRIu64
		", fill_empty %" PRIu64 ", other %" PRIu64
		"; chain drops %" PRIu64 "\n",
		a.redirected, a.w.rx_packets, a.ring_full, a.fill_empty,
		a.kernel - a.fill_empty + a.invalid, a.w.chain_drop);
	fprintf(f, "  segments: %" PRIu64, t->segs);
	for (k = 0; k < NF(outcomes); k++)
		fprintf(f, "%s %s %" PRIu64, k ? "," : ":", outcomes[k].name,
			get(t, &outcomes[k]));
	fprintf(f, "\n  tcp:");
	for (k = 0; k < NF(tcp_events); k++)
		fprintf(f, "%s %s %" PRIu64, k ? "," : "", tcp_events[k].name,
			get(t, &tcp_events[k]));
	fprintf(f, "\n  ended:");
	for (e = 0; e < TCP_END_MAX; e++)
		fprintf(f, "%s %s %" PRIu64, e ? "," : "", tcp_end_name(e),
			t->ended[e]);
	fprintf(f,
		"\n  files: %" PRIu64 " created, %" PRIu64
		" write errors, %" PRIu64 " index lines (%" PRIu64
		" lost); transmit: %" PRIu64 " frames, %" PRIu64
		" kicks, %" PRIu64 " refused, %" PRIu64 " errors\n",
		a.w.sink.files, a.w.sink.write_errors, a.w.sink.lines,
		a.w.sink.line_errors, a.w.tx_packets, a.w.tx_kicks, t->tx_full,
		a.w.tx_errors);
	if (r->o->http) {
		fprintf(f, "  http:");
		for (k = 0; k < NF(http_fields); k++)
			fprintf(f, "%s %s %" PRIu64, k ? "," : "",
				http_fields[k].name,
				get(&a.w.sink, &http_fields[k]));
		fprintf(f, "\n");
	}
	for (i = 0; i < s->nq; i++)
		bad += unexplained(&s->q[i], f);
	if (!bad)
		fprintf(f, "  every redirected packet is accounted for\n");
	return bad;
}
