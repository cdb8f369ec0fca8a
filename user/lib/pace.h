/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pace: when each packet of a replay is due, as an offset from the start
 * of the run.  Every due time is computed from the start (absolute
 * deadlines), never from the previous packet, so rounding and late
 * wake-ups do not add up over a long run: a sender that fell behind
 * catches up, and the average rate is the one asked for.
 *
 *   PACE_CAPTURE  the capture's own spacing, divided by speed
 *   PACE_PPS      packet k at k / rate seconds
 *   PACE_BITRATE  a packet when the bits before it have had their time:
 *                 sum(len * 8) / rate seconds (frame bytes as sent: no
 *                 preamble, inter-frame gap or FCS, as tcpreplay counts)
 *   PACE_TOPSPEED every packet at once
 *
 * The arithmetic is pure (pace_init, pace_due, pace_next_loop); the
 * clock helpers below it read CLOCK_MONOTONIC through the vDSO (no
 * syscall) and sleep only for gaps longer than PACE_SLEEP_NS.
 */
#ifndef FS_PACE_H
#define FS_PACE_H

#include <stdbool.h>
#include <stdint.h>

enum pace_mode {
	PACE_TOPSPEED,
	PACE_CAPTURE,
	PACE_PPS,
	PACE_BITRATE,
};

struct pace_cfg {
	enum pace_mode mode;
	double speed; /* PACE_CAPTURE: 2.0 replays twice as fast */
	uint64_t rate; /* PACE_PPS: packets/s; PACE_BITRATE: bits/s */
};

struct pace {
	struct pace_cfg cfg;
	uint64_t pkts; /* packets accounted so far, all passes */
	uint64_t bits; /* their bits */
	/* PACE_CAPTURE: capture time, ns */
	uint64_t ts_first; /* first packet of this pass */
	uint64_t ts_rel; /* the latest packet's offset in this pass */
	uint64_t ts_base; /* what earlier passes took */
	uint64_t last_due; /* due times never go back */
	bool have_first;
};

void pace_init(struct pace *p, const struct pace_cfg *cfg);

/*
 * The offset from the start (ns) at which a packet of len bytes captured
 * at ts_ns (ns since the epoch) is due, and account for it.  Due times
 * never decrease: a timestamp that goes back in the capture is due at
 * once, after the packets before it.
 */
uint64_t pace_due(struct pace *p, uint64_t ts_ns, uint32_t len);

/*
 * The next pass over the capture (--loop) starts: its first packet
 * follows the last packet of this one (PACE_CAPTURE), or simply the
 * packets before it (the rates).
 */
void pace_next_loop(struct pace *p);

/*
 * A packet is released when it is due within PACE_EARLY_NS, so that the
 * packets of a short span leave in one batch (one kick) instead of one
 * kick each; a sender sleeps only when the next packet is more than
 * PACE_SLEEP_NS away, and spins on the clock otherwise.
 */
#define PACE_EARLY_NS 20000ull
#define PACE_SLEEP_NS 50000ull

uint64_t pace_now_ns(void);

/*
 * For the calling thread: sleeps end within a microsecond of their
 * deadline (timer slack, 50 us by default), so that a sleep can stand in
 * for a spin down to PACE_SLEEP_NS.
 */
void pace_thread_init(void);

/* Sleep until CLOCK_MONOTONIC reaches abs_ns (no-op if it has). */
void pace_sleep_until(uint64_t abs_ns);

#endif /* FS_PACE_H */
