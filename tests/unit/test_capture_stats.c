// SPDX-License-Identifier: GPL-2.0
/*
 * capture_stats: the final summary reconciles every redirected packet
 * (kernel side per queue, userspace over the queues and per queue with
 * -w), and says how many no counter explains; write errors in the kernel
 * are reported apart from packet drops, and the JSON carries both.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "live/capture_stats.h"
#include "testlib.h"

struct fx {
	struct capture_snap s;
	struct queue_snap q[2];
	char out[4096]; /* the summary */
};

/*
 * Two queues: queue 0 received 100 (2 lost to ring_full), handed 30 to
 * queue 1's worker; queue 1 received 20 and took 30; one chain dropped.
 */
static void fill(struct fx *f)
{
	struct capture_snap *s = &f->s;
	struct queue_snap *q = f->q;

	memset(f, 0, sizeof(*f));
	s->nq = 2;
	s->q = q;
	s->pcap = true;
	q[0].queue = 0;
	q[0].redirected = 102;
	q[0].k.rx_ring_full = 2;
	q[0].w.rx_packets = 100;
	q[0].w.chain_drop = 1;
	q[0].w.handed_out = 30;
	q[0].w.processed = 69;
	q[0].w.written = 68;
	q[0].w.write_fail = 1;
	q[1].queue = 1;
	q[1].redirected = 20;
	q[1].w.rx_packets = 20;
	q[1].w.handed_in = 30;
	q[1].w.processed = 50;
	q[1].w.written = 50;
}

/* The summary into fx->out; returns what it returns. */
static int64_t summary(struct fx *fx)
{
	FILE *f = fmemopen(fx->out, sizeof(fx->out), "w");
	int64_t n;

	if (!f)
		abort();
	n = capture_stats_summary(f, &fx->s, 1.0);
	fclose(f);
	return n;
}

/*
 * The number after the word key on the first line of text that starts
 * with prefix (after its indent) and has one: "drops: ring_full 2, chain
 * 1" gives chain 1.  -1 when no such line has it.
 */
static long long stat_of(const char *text, const char *prefix, const char *key)
{
	size_t kl = strlen(key), pl = strlen(prefix);
	const char *line, *p, *end;
	char *num_end;
	long long v;

	for (line = text; *line; line = *end ? end + 1 : end) {
		end = strchrnul(line, '\n');
		while (*line == ' ')
			line++;
		if (strncmp(line, prefix, pl))
			continue;
		for (p = line; p + kl < end; p++) {
			if (strncmp(p, key, kl) ||
			    (p > line && p[-1] != ' ' && p[-1] != '('))
				continue;
			v = strtoll(p + kl + 1, &num_end, 10);
			if (p[kl] == ' ' && num_end > p + kl + 1)
				return v;
		}
	}
	return -1;
}

/*
 * The number of "key": in the JSON object of queue q, up to the next
 * queue's object.  -1 when missing.
 */
static long long json_of(const char *json, unsigned int q, const char *key)
{
	char at[32], k[64];
	const char *obj, *next, *p;

	snprintf(at, sizeof(at), "{\"queue\": %u,", q);
	snprintf(k, sizeof(k), "\"%s\": ", key);
	obj = strstr(json, at);
	if (!obj)
		return -1;
	next = strstr(obj + 1, "{\"queue\": ");
	p = strstr(obj, k);
	if (!p || (next && p > next))
		return -1;
	return strtoll(p + strlen(k), NULL, 10);
}

static void test_all_accounted(void)
{
	struct fx f;

	fill(&f);
	CHECK_EQ(summary(&f), 0);
	CHECK_EQ(stat_of(f.out, "queue 0:", "redirected"), 102);
	CHECK_EQ(stat_of(f.out, "queue 0:", "received"), 100);
	CHECK_EQ(stat_of(f.out, "queue 0:", "dropped"), 4);
	CHECK_EQ(stat_of(f.out, "queue 1:", "received"), 20);
	CHECK_EQ(stat_of(f.out, "total:", "received"), 120);
	CHECK_EQ(stat_of(f.out, "drops:", "ring_full"), 2);
	CHECK_EQ(stat_of(f.out, "drops:", "chain"), 1);
	CHECK_EQ(stat_of(f.out, "drops:", "write"), 1);
	/* No mismatch line: processed is on none. */
	CHECK_EQ(stat_of(f.out, "", "processed"), -1);
	CHECK_EQ(stat_of(f.out, "write errors:", "errors:"), -1);
}

/*
 * A packet received but never processed nor dropped (lost in a handoff,
 * say) is caught over the queues.
 */
static void test_lost_between_queues(void)
{
	struct fx f;

	fill(&f);
	f.q[1].w.processed = 49;
	f.q[1].w.written = 49;
	CHECK_EQ(summary(&f), 1);
	CHECK_EQ(stat_of(f.out, "received", "received"), 120);
	CHECK_EQ(stat_of(f.out, "received", "processed"), 118);
	CHECK_EQ(stat_of(f.out, "received", "drops"), 1);
}

/*
 * With -w, a processed packet that is neither written nor a write drop is
 * caught per queue; without -w nothing is written, and that is no loss.
 */
static void test_unwritten_per_queue(void)
{
	struct fx f;

	fill(&f);
	f.q[0].w.written = 67;
	CHECK_EQ(summary(&f), 1);
	CHECK_EQ(stat_of(f.out, "queue 0:", "processed"), 69);
	CHECK_EQ(stat_of(f.out, "queue 0:", "written"), 67);
	CHECK_EQ(stat_of(f.out, "queue 1:", "processed"), -1);
	f.s.pcap = false;
	f.q[0].w.written = f.q[0].w.write_fail = f.q[1].w.written = 0;
	CHECK_EQ(summary(&f), 0);
	CHECK_EQ(stat_of(f.out, "", "processed"), -1);
}

/* The kernel side, per queue: a redirected packet no counter has. */
static void test_redirected_unreceived(void)
{
	struct fx f;

	fill(&f);
	f.q[1].redirected = 21;
	CHECK_EQ(summary(&f), 1);
	CHECK_EQ(stat_of(f.out, "queue 1:", "redirected"), 21);
	CHECK_EQ(stat_of(f.out, "queue 1:", "received"), 20);
}

/*
 * Kernel write errors: reported, not mixed into packet drops, and in the
 * JSON per queue next to the write drops.
 */
static void test_write_errors(void)
{
	char buf[4096];
	struct fx fx;
	FILE *f;

	fill(&fx);
	fx.q[1].w.wr_errors = 3;
	CHECK_EQ(summary(&fx), 0);
	CHECK_EQ(stat_of(fx.out, "write errors:", "errors:"), 3);
	CHECK_EQ(stat_of(fx.out, "drops:", "chain"), 1);
	CHECK_EQ(stat_of(fx.out, "drops:", "write"), 1);

	snprintf(buf, sizeof(buf), "%s/stats.json", t_tmpdir());
	CHECK_EQ(capture_stats_json(buf, "veth0", &fx.s, 1.0), 0);
	f = fopen(buf, "r");
	CHECK(f != NULL);
	if (!f)
		return;
	buf[fread(buf, 1, sizeof(buf) - 1, f)] = 0;
	fclose(f);
	CHECK_EQ(json_of(buf, 0, "write_errors"), 0);
	CHECK_EQ(json_of(buf, 0, "write"), 1);
	CHECK_EQ(json_of(buf, 0, "chain"), 1);
	CHECK_EQ(json_of(buf, 1, "write_errors"), 3);
	CHECK_EQ(json_of(buf, 1, "write"), 0);
	CHECK_EQ(json_of(buf, 1, "redirected"), 20);
}

/* How many times needle occurs in hay. */
static int count_of(const char *hay, const char *needle)
{
	int n = 0;

	for (; (hay = strstr(hay, needle)); hay++)
		n++;
	return n;
}

/*
 * The Prometheus document: per-queue samples with their labels, a drop
 * per cause under one family, HELP and TYPE once per family.
 */
static void test_prometheus_text(void)
{
	size_t len = 0;
	char *doc = NULL;
	struct fx fx;
	FILE *f;

	fill(&fx);
	f = open_memstream(&doc, &len);
	CHECK(f != NULL);
	if (!f)
		return;
	capture_stats_prom(f, "veth0", &fx.s, 1.5);
	fclose(f);
	CHECK_EQ(count_of(doc, "\nflowsplice_packets_total{interface=\"veth0\","
			       "queue=\"0\"} 100\n"),
		 1);
	CHECK_EQ(count_of(doc, "\nflowsplice_packets_total{interface=\"veth0\","
			       "queue=\"1\"} 20\n"),
		 1);
	CHECK_EQ(count_of(doc, "\nflowsplice_drops_total{interface=\"veth0\","
			       "queue=\"0\",cause=\"ring_full\"} 2\n"),
		 1);
	CHECK_EQ(count_of(doc, "\nflowsplice_redirected_packets_total{interface"
			       "=\"veth0\",queue=\"0\"} 102\n"),
		 1);
	CHECK_EQ(count_of(doc, "# TYPE flowsplice_drops_total counter\n"), 1);
	CHECK_EQ(count_of(doc, "# HELP flowsplice_drops_total "), 1);
	/* 6 causes x 2 queues */
	CHECK_EQ(count_of(doc, "\nflowsplice_drops_total{"), 12);
	CHECK_EQ(count_of(doc, "# TYPE "), count_of(doc, "# HELP "));
	CHECK_EQ(count_of(doc, "flowsplice_elapsed_seconds{interface=\"veth0\"}"
			       " 1.500\n"),
		 1);
	free(doc);
}

static const struct t_case cases[] = {
	T_CASE(test_all_accounted),	  T_CASE(test_lost_between_queues),
	T_CASE(test_unwritten_per_queue), T_CASE(test_redirected_unreceived),
	T_CASE(test_write_errors),	  T_CASE(test_prometheus_text),
};

T_MAIN(cases)
