// SPDX-License-Identifier: GPL-2.0
/*
 * Frame accounting: a frame leaves its pool with one reference (the
 * kernel's), goes back exactly when the last reference is dropped, and
 * never twice; the SPSC ring hands entries across threads in order and
 * without loss.
 */
#include <pthread.h>
#include <stdlib.h>

#include "lib/spsc.h"
#include "testlib.h"
#include "live/umem.h"

static void test_pool(void)
{
	struct umem u = {.frame_size = 4096, .nframes = 8};
	struct frame_pool a, b;
	struct frame *f, *g;

	u.frames = calloc(u.nframes, sizeof(*u.frames));
	umem_pool_init(&u, &a, 0, 4);
	umem_pool_init(&u, &b, 4, 4);
	CHECK_EQ(a.nfree, 4);
	CHECK_EQ(b.nfree, 4);

	f = frame_pool_get(&a);
	CHECK(f == &u.frames[0]); /* lowest first */
	CHECK_EQ(umem_frame_addr(&u, f), 0);
	CHECK(umem_frame(&u, 4096 * 2 + 300) == &u.frames[2]);
	CHECK_EQ(f->b.refs, 1);
	CHECK_EQ(a.nfree, 3);
	/* A write and a held segment take references; RX drops its own. */
	buf_get(&f->b);
	buf_get(&f->b);
	buf_put(&f->b);
	CHECK_EQ(a.nfree, 3);
	buf_put(&f->b);
	CHECK_EQ(a.nfree, 3);
	buf_put(&f->b);
	CHECK_EQ(a.nfree, 4); /* back with the last reference */

	/* A frame of pool b returns to b, whoever drops it. */
	g = frame_pool_get(&b);
	CHECK(g == &u.frames[4]);
	buf_put(&g->b);
	CHECK_EQ(b.nfree, 4);
	CHECK_EQ(a.nfree, 4);

	while ((f = frame_pool_get(&a)))
		;
	CHECK_EQ(a.nfree, 0);
	CHECK(frame_pool_get(&a) == NULL);
	free(u.frames);
}

#define N_ITEMS 1000000u

static void *producer(void *arg)
{
	struct spsc *r = arg;
	uint64_t i;

	for (i = 0; i < N_ITEMS; i++)
		while (spsc_push(r, &i))
			;
	return NULL;
}

static void test_spsc(void)
{
	struct spsc r;
	pthread_t t;
	uint64_t buf[32], expect = 0;
	uint32_t n, i;
	int bad = 0;

	CHECK_EQ(spsc_init(&r, 100, sizeof(uint64_t)), 0);
	CHECK_EQ(r.mask, 127);
	for (i = 0; i < 128; i++)
		CHECK_EQ(spsc_push(&r, &expect), 0);
	CHECK_EQ(spsc_push(&r, &expect), -1); /* full */
	CHECK_EQ(spsc_pop(&r, buf, 32), 32);
	CHECK_EQ(spsc_pop(&r, buf, 200 > 32 ? 32 : 200), 32);
	while (spsc_pop(&r, buf, 32))
		;
	pthread_create(&t, NULL, producer, &r);
	while (expect < N_ITEMS) {
		n = spsc_pop(&r, buf, 32);
		for (i = 0; i < n; i++)
			if (buf[i] != expect++)
				bad++;
	}
	pthread_join(t, NULL);
	CHECK_EQ(bad, 0);
	CHECK_EQ(spsc_pop(&r, buf, 32), 0);
	spsc_free(&r);
}

static const struct t_case cases[] = {
	T_CASE(test_pool),
	T_CASE(test_spsc),
};

T_MAIN(cases)
