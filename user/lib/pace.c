// SPDX-License-Identifier: GPL-2.0
/*
 * pace: the due-time arithmetic of a replay, in 128-bit integers where a
 * product could pass 2^64 (a day of packets at 10 Mpps times 10^9), and
 * the monotonic clock it is held against.
 */
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#include "lib/pace.h"

#define NSEC 1000000000ull

void pace_init(struct pace *p, const struct pace_cfg *cfg)
{
	memset(p, 0, sizeof(*p));
	p->cfg = *cfg;
	if (p->cfg.mode == PACE_CAPTURE && !(p->cfg.speed > 0))
		p->cfg.speed = 1.0;
	if ((p->cfg.mode == PACE_PPS || p->cfg.mode == PACE_BITRATE) &&
	    !p->cfg.rate)
		p->cfg.mode = PACE_TOPSPEED;
}

static uint64_t capture_due(struct pace *p, uint64_t ts_ns)
{
	if (!p->have_first) {
		p->ts_first = ts_ns;
		p->have_first = true;
	}
	/* Earlier than the pass's first packet: with it. */
	p->ts_rel = ts_ns > p->ts_first ? ts_ns - p->ts_first : 0;
	return (uint64_t)((double)(p->ts_base + p->ts_rel) / p->cfg.speed);
}

uint64_t pace_due(struct pace *p, uint64_t ts_ns, uint32_t len)
{
	uint64_t due = 0;

	switch (p->cfg.mode) {
	case PACE_TOPSPEED:
		break;
	case PACE_CAPTURE:
		due = capture_due(p, ts_ns);
		break;
	case PACE_PPS:
		due = (unsigned __int128)p->pkts * NSEC / p->cfg.rate;
		break;
	case PACE_BITRATE:
		due = (unsigned __int128)p->bits * NSEC / p->cfg.rate;
		break;
	}
	p->pkts++;
	p->bits += (uint64_t)len * 8;
	if (due < p->last_due)
		due = p->last_due;
	p->last_due = due;
	return due;
}

void pace_next_loop(struct pace *p)
{
	if (p->cfg.mode != PACE_CAPTURE)
		return;
	p->ts_base += p->ts_rel;
	p->ts_rel = 0;
	p->have_first = false;
}

uint64_t pace_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC + ts.tv_nsec;
}

void pace_thread_init(void)
{
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
}

void pace_sleep_until(uint64_t abs_ns)
{
	struct timespec ts = {
		.tv_sec = abs_ns / NSEC,
		.tv_nsec = abs_ns % NSEC,
	};

	/* EINTR (a stop signal is blocked here, so rare): the caller loops. */
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}
