// SPDX-License-Identifier: GPL-2.0
/*
 * replay_run: the sender of one queue.  Each sender reads the whole
 * capture itself (its own reader: nothing is shared between threads but
 * the UMEM area), decides for every record whether it is sent (the same
 * decision in every sender), numbers the packets that are, and sends
 * packet k when k % nq is its own index: the queues share the packets
 * round-robin, in file order within each queue.  Every sender accounts
 * for every packet in its pacing, so the due times, which depend on all
 * the packets before (bit rate, packet rate), are the same everywhere.
 *
 * The loop never waits for anything but the clock: a full ring or an
 * empty pool is answered by a kick and a reap, a packet not yet due by
 * a sleep (long gaps) or a spin on the clock (short ones), with what is
 * queued submitted first.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "cmd/replay_int.h"
#include "parse/filter.h"
#include "parse/pkt.h"

#define ETH_HDR 14
/* A sender waits at most this long for the frames it lent at the end. */
#define DRAIN_NS 2000000000ull
/* A sleeping sender looks at the stop flag at least this often. */
#define STOP_POLL_NS 100000000ull

/*
 * A counter main reads while the sender runs (--stats-json each
 * interval): one relaxed atomic store, a plain move, no wait.
 */
#define RQ_ADD(p, n) __atomic_store_n((p), *(p) + (n), __ATOMIC_RELAXED)

static bool stopped(const struct replay *r)
{
	return __atomic_load_n(&r->stop, __ATOMIC_RELAXED);
}

/* -1 when the record is sent, else why not. */
static int classify(const struct replay *r, const struct pcap_rec *rec)
{
	char err[8];

	if (rec->linktype != LINKTYPE_ETHERNET)
		return SKIP_NOT_ETHERNET;
	if (rec->caplen < ETH_HDR)
		return SKIP_MALFORMED;
	/* Compiled for Ethernet at start: read-only here, in any sender. */
	if (r->px &&
	    pcap_expr_match(r->px, LINKTYPE_ETHERNET, rec->data, rec->caplen,
			    rec->wirelen, err, sizeof(err)) <= 0)
		return SKIP_FILTERED;
	/* Only a frame that was to go is "too large". */
	return rec->caplen > r->max_len ? SKIP_TOO_LARGE : -1;
}

/* Submit, kick, reap: what a sender does whenever it cannot go on. */
static int make_room(struct replay_q *rq)
{
	int ret = xsk_tx_flush(&rq->tx);

	if (ret)
		return ret;
	xsk_tx_reap(&rq->tx);
	return 0;
}

/* Until abs_ns is within PACE_EARLY_NS, doing the ring's work meanwhile. */
static int wait_due(struct replay_q *rq, uint64_t abs_ns)
{
	for (;;) {
		uint64_t now = pace_now_ns(), until;
		int ret;

		if (now + PACE_EARLY_NS >= abs_ns || stopped(rq->r))
			return 0;
		ret = make_room(rq);
		if (ret)
			return ret;
		if (abs_ns - now <= PACE_SLEEP_NS)
			continue;
		until = abs_ns - PACE_EARLY_NS;
		if (until - now > STOP_POLL_NS)
			until = now + STOP_POLL_NS;
		pace_sleep_until(until);
	}
}

static int send_one(struct replay_q *rq, const struct pcap_rec *rec,
		    uint64_t due)
{
	unsigned int idle = 0;
	int ret;

	if (rq->r->pace.mode != PACE_TOPSPEED) {
		ret = wait_due(rq, rq->r->start_ns + due);
		if (ret)
			return ret;
	}
	while ((ret = xsk_tx_put(&rq->tx, rec->data, rec->caplen)) == -EAGAIN) {
		ret = make_room(rq);
		if (ret)
			return ret;
		if (stopped(rq->r))
			return 0;
		/* The device is slow (zero-copy): let the other threads run. */
		if (++idle % 64 == 0)
			sched_yield();
	}
	return ret;
}

static void input_error(struct replay_q *rq, const char *msg)
{
	snprintf(rq->errmsg, sizeof(rq->errmsg), "%s: %s", rq->r->o->input,
		 msg);
	rq->err = -EIO;
}

/* One pass over the capture; *k numbers the packets sent, all queues. */
static int one_pass(struct replay_q *rq, struct pace *pace, uint64_t *k)
{
	struct replay *r = rq->r;
	struct pcap_reader *rd = rq->rd;
	struct pcap_rec rec;
	char err[512];
	int ret = 0;

	rq->rd = NULL;
	if (!rd) {
		ret = pcap_reader_open(r->o->input, &rd, err, sizeof(err));
		if (ret) {
			snprintf(rq->errmsg, sizeof(rq->errmsg), "%s", err);
			rq->err = ret;
			return ret;
		}
	}
	while (!stopped(r) && (ret = pcap_reader_next(rd, &rec)) > 0) {
		int why = classify(r, &rec);
		uint64_t due;

		RQ_ADD(&rq->records, 1);
		if (why >= 0) {
			RQ_ADD(&rq->skipped[why], 1);
			continue;
		}
		due = pace_due(pace, rec.ts_ns, rec.caplen);
		if ((*k)++ % r->nq != rq->idx)
			continue;
		ret = send_one(rq, &rec, due);
		if (ret) {
			snprintf(rq->errmsg, sizeof(rq->errmsg),
				 "transmit on %s queue %u: %s", r->o->ifname,
				 rq->queue, strerror(-ret));
			rq->err = ret;
			rq->tx_failed = true;
			break;
		}
	}
	if (ret < 0 && !rq->err)
		input_error(rq, pcap_reader_error(rd));
	pcap_reader_close(rd);
	return rq->err;
}

/*
 * Everything lent comes back, or the kernel has had DRAIN_NS; after a
 * transmit error (the interface went down) only what is there already.
 */
static void drain(struct replay_q *rq)
{
	uint64_t last = pace_now_ns();

	while (xsk_tx_inflight(&rq->tx) && !rq->tx_failed) {
		uint64_t now = pace_now_ns();

		if (xsk_tx_flush(&rq->tx))
			break;
		if (xsk_tx_reap(&rq->tx))
			last = now;
		else if (now - last > DRAIN_NS)
			break;
		else
			sched_yield();
	}
	xsk_tx_reap(&rq->tx);
	rq->unfinished = xsk_tx_inflight(&rq->tx);
}

void *replay_run(void *arg)
{
	struct replay_q *rq = arg;
	struct replay *r = rq->r;
	struct pace pace;
	uint64_t k = 0;

	pace_init(&pace, &r->pace);
	if (r->pace.mode != PACE_TOPSPEED)
		pace_thread_init();
	while (!stopped(r) && (!r->o->loop || rq->passes < r->o->loop)) {
		if (rq->passes)
			pace_next_loop(&pace);
		if (one_pass(rq, &pace, &k))
			break;
		if (!stopped(r))
			RQ_ADD(&rq->passes, 1);
	}
	drain(rq);
	rq->end_ns = pace_now_ns();
	__atomic_sub_fetch(&r->running, 1, __ATOMIC_RELEASE);
	return NULL;
}
