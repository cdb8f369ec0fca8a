// SPDX-License-Identifier: GPL-2.0
/*
 * capture_stats: the final summary reconciles every redirected packet
 * (kernel side per queue, userspace over the queues and per queue with
 * -w), and says how many no counter explains; write errors in the kernel
 * are reported apart from packet drops, and the JSON carries both.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "live/capture_stats.h"
#include "testlib.h"

/*
 * Two queues: queue 0 received 100 (2 lost to ring_full), handed 30 to
 * queue 1's worker; queue 1 received 20 and took 30; one chain dropped.
 */
static void fill(struct capture_snap *s, struct queue_snap q[2])
{
	memset(s, 0, sizeof(*s));
	memset(q, 0, 2 * sizeof(*q));
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

static int64_t summary(const struct capture_snap *s, char *out, size_t len)
{
	FILE *f = fmemopen(out, len, "w");
	int64_t n;

	if (!f)
		abort();
	n = capture_stats_summary(f, s, 1.0);
	fclose(f);
	return n;
}

int main(void)
{
	struct queue_snap q[2];
	struct capture_snap s;
	char out[4096], path[] = "/tmp/fs-stats-XXXXXX", buf[4096];
	int64_t n;
	FILE *f;
	int fd;

	fill(&s, q);
	n = summary(&s, out, sizeof(out));
	CHECK_EQ(n, 0);
	CHECK(strstr(out, "every redirected packet is accounted for"));

	/* A packet received but never processed nor dropped (lost in a
	 * handoff, say) is caught over the queues. */
	q[1].w.processed = 49;
	q[1].w.written = 49;
	n = summary(&s, out, sizeof(out));
	CHECK_EQ(n, 1);
	CHECK(strstr(out, "received 120 but processed 118 + chain drops 1"));
	CHECK(strstr(out, "1 packets are not explained by any counter"));

	/* With -w, a processed packet that is neither written nor a write
	 * drop is caught per queue. */
	fill(&s, q);
	q[0].w.written = 67;
	n = summary(&s, out, sizeof(out));
	CHECK_EQ(n, 1);
	CHECK(strstr(out, "queue 0: processed 69 but written 67"));
	/* Without -w nothing is written, and that is no loss. */
	s.pcap = false;
	q[0].w.written = q[0].w.write_fail = q[1].w.written = 0;
	CHECK_EQ(summary(&s, out, sizeof(out)), 0);

	/* The kernel side, per queue: a redirected packet no counter has. */
	fill(&s, q);
	q[1].redirected = 21;
	CHECK_EQ(summary(&s, out, sizeof(out)), 1);

	/* Kernel write errors: reported, not mixed into packet drops. */
	fill(&s, q);
	q[1].w.wr_errors = 3;
	CHECK_EQ(summary(&s, out, sizeof(out)), 0);
	CHECK(strstr(out, "write errors: 3 writes failed"));
	CHECK(strstr(out, "counted, but 3 writes failed"));
	CHECK(!strstr(out, "accounted for"));
	CHECK(strstr(out, "chain 1, write 1\n"));

	fd = mkstemp(path);
	CHECK(fd >= 0);
	close(fd);
	CHECK_EQ(capture_stats_json(path, "veth0", &s, 1.0), 0);
	f = fopen(path, "r");
	CHECK(f != NULL);
	if (f) {
		buf[fread(buf, 1, sizeof(buf) - 1, f)] = 0;
		fclose(f);
		CHECK(strstr(buf, "\"write\": 0}, \"write_errors\": 3}"));
		CHECK(strstr(buf, "\"write\": 1}, \"write_errors\": 0}"));
	}
	unlink(path);
	return t_result();
}
