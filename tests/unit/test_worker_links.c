// SPDX-License-Identifier: GPL-2.0
/*
 * worker links: with several workers and stream reassembly, every frame of
 * every pool must release through the cross-worker path (a frame dropped
 * by another worker goes home over a return ring, never straight onto a
 * free list another thread owns).  A bug once covered only the first
 * pool's frames; frames were then filled twice and streams corrupted.
 */
#include <stdlib.h>

#include "testlib.h"
#include "live/umem.h"
#include "live/worker.h"

static void test_every_frame_cross_worker(void)
{
	enum { NW = 3, PER = 16 };
	struct umem u = {.frame_size = 4096, .nframes = NW * PER};
	struct worker wk[NW] = {0};
	struct worker_cfg cfg = {.nworkers = NW, .all = wk, .streams = true};
	void (*rel)(struct buf *);
	unsigned int i;

	u.frames = calloc(u.nframes, sizeof(*u.frames));
	for (i = 0; i < NW; i++) {
		wk[i].id = i;
		wk[i].cfg = &cfg;
		wk[i].umem = &u;
		umem_pool_init(&u, &wk[i].pool, i * PER, PER);
	}
	rel = u.frames[0].b.release;
	CHECK_EQ(worker_links_init(&cfg, PER), 0);
	/* Every frame now releases through the same, new function. */
	CHECK(u.frames[0].b.release != rel);
	for (i = 1; i < u.nframes; i++)
		CHECK(u.frames[i].b.release == u.frames[0].b.release);
	/* Released here (no worker thread): back to its own pool. */
	{
		struct frame *f = frame_pool_get(&wk[2].pool);

		CHECK_EQ(wk[2].pool.nfree, PER - 1);
		buf_put(&f->b);
		CHECK_EQ(wk[2].pool.nfree, PER);
		CHECK_EQ(wk[0].pool.nfree, PER);
	}
	worker_links_free(&cfg);
	free(u.frames);
}

static const struct t_case cases[] = {
	T_CASE(test_every_frame_cross_worker),
};

T_MAIN(cases)
