// SPDX-License-Identifier: GPL-2.0
/*
 * replay_stats: the counters of a replay as main sees them: snapshots of
 * the senders' counters while they run (each --stats-interval) and once
 * they have ended, turned into the stats line, the summary and the
 * --stats-json document.  Everything here runs on main: a sender never
 * waits for it (it only stores its counters, main loads them).
 */
#include <inttypes.h>
#include <string.h>

#include "cmd/replay_int.h"
#include "live/capture_stats.h"

/*
 * Every sender reads and judges every record; one stopped early by a
 * signal has seen fewer: the most any saw is the count.
 */
void replay_totals(struct replay *r, struct replay_totals *t, uint64_t now_ns,
		   bool final)
{
	unsigned int i, s;

	memset(t, 0, sizeof(*t));
	t->final = final;
	t->q = r->qst;
	for (i = 0; i < r->nq; i++) {
		const struct replay_q *rq = &r->q[i];
		struct xsk_tx_stats *st = &r->qst[i];
		uint64_t v;

		xsk_tx_read_stats(&rq->tx, st);
		t->pkts += st->pkts;
		t->bytes += st->bytes;
		t->kicks += st->kicks;
		t->inflight_sum += st->inflight_sum;
		t->samples += st->samples;
		if (st->max_inflight > t->max_inflight)
			t->max_inflight = st->max_inflight;
		v = __atomic_load_n(&rq->records, __ATOMIC_RELAXED);
		if (v > t->records)
			t->records = v;
		for (s = 0; s < SKIP_MAX; s++) {
			v = __atomic_load_n(&rq->skipped[s], __ATOMIC_RELAXED);
			if (v > t->skipped[s])
				t->skipped[s] = v;
		}
		v = __atomic_load_n(&rq->passes, __ATOMIC_RELAXED);
		if (!i || v < t->passes)
			t->passes = v;
		if (!final)
			continue;
		t->unfinished += rq->unfinished;
		if (rq->end_ns > t->end_ns)
			t->end_ns = rq->end_ns;
	}
	if (!final)
		t->end_ns = now_ns;
	t->elapsed_s =
		t->end_ns > r->start_ns ? (t->end_ns - r->start_ns) / 1e9 : 0;
	if (t->elapsed_s > 0) {
		t->pps = t->pkts / t->elapsed_s;
		t->gbps = t->bytes * 8 / t->elapsed_s / 1e9;
	}
	t->mean_inflight =
		t->samples ? (double)t->inflight_sum / t->samples : 0;
}

static uint64_t skipped_all(const struct replay_totals *t)
{
	uint64_t n = 0;
	unsigned int s;

	for (s = 0; s < SKIP_MAX; s++)
		n += t->skipped[s];
	return n;
}

void replay_stats_line(struct replay *r, FILE *f, const struct replay_totals *t)
{
	uint64_t from = r->prev_ns ? r->prev_ns : r->start_ns;
	double dt = t->end_ns > from ? (t->end_ns - from) / 1e9 : 0;

	if (dt <= 0)
		dt = 1.0;
	fprintf(f,
		"tx %" PRIu64 " pkts %.1f MB | %.0f pps %.1f Mbit/s | "
		"read %" PRIu64 " records, %" PRIu64 " passes, %" PRIu64
		" skipped | in flight at most %" PRIu64 ", %" PRIu64 " kicks\n",
		t->pkts, t->bytes / 1e6, (t->pkts - r->prev_pkts) / dt,
		(t->bytes - r->prev_bytes) * 8 / dt / 1e6, t->records,
		t->passes, skipped_all(t), t->max_inflight, t->kicks);
	fflush(f);
	r->prev_ns = t->end_ns;
	r->prev_pkts = t->pkts;
	r->prev_bytes = t->bytes;
}

void replay_summary(const struct replay *r, FILE *f,
		    const struct replay_totals *t)
{
	unsigned int i;

	fprintf(f,
		"flowsplice replay: %" PRIu64 " packets, %" PRIu64
		" bytes sent in %.3f s: %.0f pps, %.3f Gbit/s\n",
		t->pkts, t->bytes, t->elapsed_s, t->pps, t->gbps);
	fprintf(f,
		"  read: %" PRIu64 " records, %" PRIu64
		" passes; skipped: %" PRIu64 " too large, %" PRIu64
		" filtered, %" PRIu64 " malformed, %" PRIu64 " not Ethernet\n",
		t->records, t->passes, t->skipped[SKIP_TOO_LARGE],
		t->skipped[SKIP_FILTERED], t->skipped[SKIP_MALFORMED],
		t->skipped[SKIP_NOT_ETHERNET]);
	fprintf(f,
		"  completion lag: %" PRIu64
		" frames in flight at most, %.1f on average; %" PRIu64
		" kicks; %" PRIu64 " frames not completed\n",
		t->max_inflight, t->mean_inflight, t->kicks, t->unfinished);
	if (r->nq < 2)
		return;
	fprintf(f, "  queues:");
	for (i = 0; i < r->nq; i++)
		fprintf(f, "%s %u: %" PRIu64, i ? "," : "", r->q[i].queue,
			t->q[i].pkts);
	fprintf(f, " packets\n");
}

struct replay_doc {
	const struct replay *r;
	const struct replay_totals *t;
};

static void emit_json(FILE *f, const void *arg)
{
	static const char *const skip_names[] = REPLAY_SKIP_NAMES;
	const struct replay_doc *d = arg;
	const struct replay_totals *t = d->t;
	unsigned int i;

	fprintf(f,
		"{\n  \"interface\": \"%s\",\n  \"final\": %s,\n"
		"  \"elapsed_s\": %.6f,\n"
		"  \"packets\": %" PRIu64 ",\n  \"bytes\": %" PRIu64
		",\n  \"pps\": %.1f,\n  \"gbps\": %.6f,\n"
		"  \"records\": %" PRIu64 ",\n  \"passes\": %" PRIu64
		",\n  \"skipped\": {",
		d->r->o->ifname, t->final ? "true" : "false", t->elapsed_s,
		t->pkts, t->bytes, t->pps, t->gbps, t->records, t->passes);
	for (i = 0; i < SKIP_MAX; i++)
		fprintf(f, "%s\"%s\": %" PRIu64, i ? ", " : "", skip_names[i],
			t->skipped[i]);
	fprintf(f,
		"},\n  \"completion_lag\": {\"max_frames\": %" PRIu64
		", \"mean_frames\": %.1f},\n  \"kicks\": %" PRIu64
		",\n  \"unfinished\": %" PRIu64 ",\n  \"queues\": [\n",
		t->max_inflight, t->mean_inflight, t->kicks, t->unfinished);
	for (i = 0; i < d->r->nq; i++) {
		const struct xsk_tx_stats *st = &t->q[i];

		fprintf(f,
			"    {\"queue\": %u, \"packets\": %" PRIu64
			", \"bytes\": %" PRIu64 ", \"kicks\": %" PRIu64
			", \"max_inflight\": %" PRIu64 "}%s\n",
			d->r->q[i].queue, st->pkts, st->bytes, st->kicks,
			st->max_inflight, i + 1 < d->r->nq ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
}

int replay_stats_json(struct replay *r, const struct replay_totals *t)
{
	const struct replay_doc d = {r, t};

	return stats_write_said(
		r->o->stats_json,
		stats_json_replace(r->o->stats_json, emit_json, &d),
		&r->json_err);
}
