// SPDX-License-Identifier: GPL-2.0
/*
 * worker links: with several workers and stream reassembly, a frame handed
 * to another worker is released on that worker's thread and must go home
 * over its pool's return ring, never straight onto a free list another
 * thread owns.  A bug once covered only the first pool's frames; frames
 * were then filled twice and streams corrupted.
 */
#include <pthread.h>
#include <stdlib.h>

#include "testlib.h"
#include "live/umem.h"
#include "live/worker.h"

enum { NW = 3, PER = 16 };

/* A group of nw workers with pools of PER frames each, linked. */
static void group_setup(struct worker_group *g, struct umem *u, unsigned int nw)
{
	struct flow_table_cfg fc = {0};
	unsigned int i;

	*u = (struct umem){.frame_size = 4096, .nframes = nw * PER};
	u->frames = calloc(u->nframes, sizeof(*u->frames));
	CHECK_EQ(worker_group_init(g, nw, true, &fc), 0);
	for (i = 0; i < nw; i++) {
		g->all[i].umem = u;
		umem_pool_init(u, &g->all[i].pool, i * PER, PER);
	}
	CHECK_EQ(worker_group_link(g), 0);
}

static void group_teardown(struct worker_group *g, struct umem *u)
{
	worker_group_fini(g);
	free(u->frames);
}

/* Every frame of pool p on its free list, each once, and nothing else. */
static bool pool_whole(const struct umem *u, const struct frame_pool *p)
{
	bool seen[NW * PER] = {0};
	const struct frame *f;
	uint32_t n = 0;

	for (f = p->free; f; f = f->next, n++) {
		uint32_t i = f - u->frames;

		if (i >= u->nframes || seen[i] || f->pool != p)
			return false;
		seen[i] = true;
	}
	return n == p->nframes && n == p->nfree;
}

static void test_release_never_swapped(void)
{
	struct worker_group g;
	struct umem u;
	void (*rel)(struct buf *);
	struct frame *f;
	unsigned int i;

	group_setup(&g, &u, NW);
	rel = u.frames[0].b.release;
	/* Linking the workers leaves the UMEM's release in place. */
	for (i = 0; i < u.nframes; i++)
		CHECK(u.frames[i].b.release == rel);
	for (i = 0; i < NW; i++)
		CHECK_EQ(g.all[i].pool.owner, i);
	/* Released by its owner (never handed on): straight home. */
	f = frame_pool_get(&g.all[2].pool);
	CHECK_EQ(g.all[2].pool.nfree, PER - 1);
	buf_put(&f->b);
	CHECK_EQ(g.all[2].pool.nfree, PER);
	CHECK(pool_whole(&u, &g.all[2].pool));
	group_teardown(&g, &u);
}

/* One thread per worker: each hands all its frames to the other. */
struct side {
	struct worker *me, *peer;
	struct spsc *inbox; /* frame indexes the peer hands me */
	struct spsc *peer_inbox;
	unsigned int *done;
	uint32_t nfree_before_reclaim;
	uint32_t reclaimed;
};

static void *side_main(void *arg)
{
	struct side *s = arg;
	struct umem *u = s->me->umem;
	struct frame *f;
	uint32_t idx, got = 0;

	/* What the kernel would fill and return in RX: all my frames. */
	while ((f = frame_pool_get(&s->me->pool))) {
		idx = f - u->frames;
		while (spsc_push(s->peer_inbox, &idx))
			;
	}
	/* As the peer's inbox(): take over its frames, write, release. */
	while (got < PER) {
		if (!spsc_pop(s->inbox, &idx, 1))
			continue;
		f = &u->frames[idx];
		frame_hand_to(f, s->me->id);
		buf_get(&f->b); /* a write in flight */
		buf_put(&f->b); /* the RX reference */
		buf_put(&f->b); /* the write completes: the last one */
		got++;
	}
	__atomic_add_fetch(s->done, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(s->done, __ATOMIC_ACQUIRE) < 2)
		;
	/* Both released all they held: nothing came home by itself. */
	s->nfree_before_reclaim = s->me->pool.nfree;
	s->reclaimed = frame_pool_reclaim(&s->me->pool);
	return NULL;
}

static void test_cross_worker_return(void)
{
	struct worker_group g;
	struct umem u;
	struct spsc inbox[2];
	struct side side[2];
	pthread_t t[2];
	unsigned int i, done = 0;

	group_setup(&g, &u, 2);
	for (i = 0; i < 2; i++)
		CHECK_EQ(spsc_init(&inbox[i], PER, sizeof(uint32_t)), 0);
	for (i = 0; i < 2; i++)
		side[i] = (struct side){
			.me = &g.all[i],
			.peer = &g.all[!i],
			.inbox = &inbox[i],
			.peer_inbox = &inbox[!i],
			.done = &done,
		};
	for (i = 0; i < 2; i++)
		CHECK_EQ(pthread_create(&t[i], NULL, side_main, &side[i]), 0);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < 2; i++) {
		CHECK_EQ(side[i].nfree_before_reclaim, 0);
		CHECK_EQ(side[i].reclaimed, PER);
		CHECK(pool_whole(&u, &g.all[i].pool));
		spsc_free(&inbox[i]);
	}
	group_teardown(&g, &u);
}

static const struct t_case cases[] = {
	T_CASE(test_release_never_swapped),
	T_CASE(test_cross_worker_return),
};

T_MAIN(cases)
