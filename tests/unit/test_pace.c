// SPDX-License-Identifier: GPL-2.0
/*
 * pace: the due times of each mode, from the start and not from the
 * previous packet (no drift over long runs), across loops, with
 * timestamps that go back, and without overflow far into a run.
 */
#include "lib/pace.h"
#include "testlib.h"

#define NS 1000000000ull
#define T0 1700000000ull * NS /* a capture's epoch timestamps */

static void test_topspeed(void)
{
	struct pace_cfg cfg = {.mode = PACE_TOPSPEED};
	struct pace p;

	pace_init(&p, &cfg);
	CHECK_EQ(pace_due(&p, T0, 1500), 0);
	CHECK_EQ(pace_due(&p, T0 + 5 * NS, 1500), 0);
	CHECK_EQ(p.pkts, 2);
	CHECK_EQ(p.bits, 2 * 1500 * 8);
}

static void test_capture_spacing(void)
{
	struct pace_cfg cfg = {.mode = PACE_CAPTURE, .speed = 1.0};
	struct pace p;

	pace_init(&p, &cfg);
	CHECK_EQ(pace_due(&p, T0 + 7, 60), 0); /* the first is due at once */
	CHECK_EQ(pace_due(&p, T0 + 7 + 1000, 60), 1000);
	CHECK_EQ(pace_due(&p, T0 + 7 + 2 * NS, 60), 2 * NS);
}

static void test_capture_speed(void)
{
	struct pace_cfg cfg = {.mode = PACE_CAPTURE, .speed = 4.0};
	struct pace p;

	pace_init(&p, &cfg);
	pace_due(&p, T0, 60);
	CHECK_EQ(pace_due(&p, T0 + 4000, 60), 1000);
	cfg.speed = 0.5; /* slower than captured */
	pace_init(&p, &cfg);
	pace_due(&p, T0, 60);
	CHECK_EQ(pace_due(&p, T0 + 1000, 60), 2000);
}

/* A timestamp that goes back is due at once, never before the last. */
static void test_capture_backwards(void)
{
	struct pace_cfg cfg = {.mode = PACE_CAPTURE, .speed = 1.0};
	struct pace p;

	pace_init(&p, &cfg);
	pace_due(&p, T0 + 100, 60);
	CHECK_EQ(pace_due(&p, T0 + 600, 60), 500);
	CHECK_EQ(pace_due(&p, T0 + 300, 60), 500);
	CHECK_EQ(pace_due(&p, T0, 60), 500); /* before the first */
	CHECK_EQ(pace_due(&p, T0 + 1100, 60), 1000);
}

/* Pass 2 starts where pass 1 ended, and keeps the capture's spacing. */
static void test_capture_loop(void)
{
	struct pace_cfg cfg = {.mode = PACE_CAPTURE, .speed = 2.0};
	struct pace p;

	pace_init(&p, &cfg);
	pace_due(&p, T0, 60);
	CHECK_EQ(pace_due(&p, T0 + 1000, 60), 500);
	pace_next_loop(&p);
	CHECK_EQ(pace_due(&p, T0, 60), 500);
	CHECK_EQ(pace_due(&p, T0 + 1000, 60), 1000);
	pace_next_loop(&p);
	CHECK_EQ(pace_due(&p, T0, 60), 1000);
}

/* 3 pps: k / 3 s exactly, each from the start (no 333333333 ns steps). */
static void test_pps_no_drift(void)
{
	struct pace_cfg cfg = {.mode = PACE_PPS, .rate = 3};
	struct pace p;
	uint64_t i, due = 0;

	pace_init(&p, &cfg);
	for (i = 0; i < 3000001; i++)
		due = pace_due(&p, 0, 64);
	CHECK_EQ(due, 1000000 * NS);
	/* Loops change nothing for a rate. */
	pace_next_loop(&p);
	CHECK_EQ(pace_due(&p, 0, 64), 1000000 * NS + NS / 3);
}

/* 1 Mbit/s: 1500-byte frames are 12 ms apart; sizes mix. */
static void test_bitrate(void)
{
	struct pace_cfg cfg = {.mode = PACE_BITRATE, .rate = 1000000};
	struct pace p;

	pace_init(&p, &cfg);
	CHECK_EQ(pace_due(&p, 0, 1500), 0);
	CHECK_EQ(pace_due(&p, 0, 64), 12000000);
	CHECK_EQ(pace_due(&p, 0, 1500), 12000000 + 512000);
}

/* 10 Gbit/s for a day: bits * 10^9 passes 2^64; 128-bit keeps it exact. */
static void test_bitrate_long_run(void)
{
	struct pace_cfg cfg = {.mode = PACE_BITRATE, .rate = 10000000000ull};
	struct pace p;

	pace_init(&p, &cfg);
	p.bits = 86400ull * 10000000000ull; /* a day at the rate */
	p.pkts = 1;
	CHECK_EQ(pace_due(&p, 0, 1500), 86400 * NS);
	cfg.mode = PACE_PPS;
	cfg.rate = 10000000;
	pace_init(&p, &cfg);
	p.pkts = 86400ull * 10000000ull;
	CHECK_EQ(pace_due(&p, 0, 64), 86400 * NS);
}

/* A zero rate or speed is no pacing rather than a division by zero. */
static void test_degenerate(void)
{
	struct pace_cfg cfg = {.mode = PACE_PPS, .rate = 0};
	struct pace p;

	pace_init(&p, &cfg);
	CHECK_EQ(pace_due(&p, 0, 64), 0);
	CHECK_EQ(pace_due(&p, 0, 64), 0);
	cfg.mode = PACE_CAPTURE;
	cfg.speed = 0;
	pace_init(&p, &cfg);
	pace_due(&p, T0, 64);
	CHECK_EQ(pace_due(&p, T0 + 10, 64), 10);
}

static void test_sleep_until_past(void)
{
	uint64_t t = pace_now_ns();

	pace_sleep_until(t - 1000); /* returns at once */
	pace_sleep_until(t + 1000000);
	CHECK(pace_now_ns() >= t + 1000000);
}

static const struct t_case cases[] = {
	T_CASE(test_topspeed),	    T_CASE(test_capture_spacing),
	T_CASE(test_capture_speed), T_CASE(test_capture_backwards),
	T_CASE(test_capture_loop),  T_CASE(test_pps_no_drift),
	T_CASE(test_bitrate),	    T_CASE(test_bitrate_long_run),
	T_CASE(test_degenerate),    T_CASE(test_sleep_until_past),
};

T_MAIN(cases)
