// SPDX-License-Identifier: GPL-2.0
/*
 * umem: allocates the UMEM area (huge pages when available), registers it
 * with libxdp, and keeps the frame table and its free pools.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "lib/log.h"
#include "live/umem.h"

/*
 * The last reference to a frame is gone, on the thread of the worker that
 * holds it: home at once if that is the pool's owner, else over the
 * owner's return ring for that worker.
 */
static void frame_release(struct buf *b)
{
	struct frame *f = (struct frame *)b;
	struct frame_pool *p = f->pool;
	uint32_t idx;

	if (f->holder == p->owner) {
		frame_pool_put(p, f);
		return;
	}
	idx = f - p->frames;
	if (f->holder >= p->nreturns || spsc_push(&p->returns[f->holder], &idx))
		pr_warn("return ring of worker %u full: frame lost\n",
			p->owner);
}

int umem_create(struct umem **out, const struct umem_opts *o)
{
	struct xsk_umem_config cfg = {
		.fill_size = o->fill_size,
		.comp_size = o->comp_size,
		.frame_size = o->frame_size,
		.frame_headroom = 0,
	};
	struct umem *u;
	int ret;

	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->frame_size = o->frame_size;
	u->nframes = o->nframes;
	u->size = (size_t)o->nframes * o->frame_size;
	u->area = mmap(NULL, u->size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (u->area == MAP_FAILED)
		u->area =
			mmap(NULL, u->size, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (u->area == MAP_FAILED) {
		ret = -errno;
		free(u);
		return ret;
	}
	u->frames = calloc(o->nframes, sizeof(*u->frames));
	if (!u->frames) {
		ret = -ENOMEM;
		goto err_unmap;
	}
	ret = xsk_umem__create(&u->xumem, u->area, u->size, &u->fq, &u->cq,
			       &cfg);
	if (ret)
		goto err_frames;
	*out = u;
	return 0;

err_frames:
	free(u->frames);
err_unmap:
	munmap(u->area, u->size);
	free(u);
	return ret;
}

int umem_create_said(struct umem **out, const struct umem_opts *o)
{
	int ret = umem_create(out, o);

	if (ret)
		pr_warn("cannot create the UMEM (%u frames of %u bytes): %s%s\n",
			o->nframes, o->frame_size, strerror(-ret),
			ret == -EPERM || ret == -ENOMEM
				? " (RLIMIT_MEMLOCK too low without CAP_IPC_LOCK? "
				  "try fewer --frames)"
				: "");
	return ret;
}

void umem_destroy(struct umem *u)
{
	if (!u)
		return;
	if (u->xumem) {
		int ret = xsk_umem__delete(u->xumem);

		if (ret)
			pr_warn("UMEM still in use at teardown: %s\n",
				strerror(-ret));
	}
	free(u->frames);
	munmap(u->area, u->size);
	free(u);
}

void umem_pool_init(struct umem *u, struct frame_pool *p, uint32_t first,
		    uint32_t count)
{
	uint32_t i;

	p->free = NULL;
	p->nfree = 0;
	p->nframes = count;
	p->held = 0;
	p->owner = 0;
	p->nreturns = 0;
	p->returns = NULL;
	p->frames = u->frames;
	for (i = first + count; i-- > first;) {
		struct frame *f = &u->frames[i];

		f->b.refs = 0;
		f->b.release = frame_release;
		f->pool = p;
		frame_pool_put(p, f);
	}
}

int frame_pool_link(struct frame_pool *p, uint32_t owner, uint32_t nworkers)
{
	uint32_t i;

	p->owner = owner;
	p->returns = calloc(nworkers, sizeof(*p->returns));
	if (!p->returns)
		return -ENOMEM;
	p->nreturns = nworkers;
	for (i = 0; i < nworkers; i++)
		if (i != owner &&
		    spsc_init(&p->returns[i], p->nframes, sizeof(uint32_t)))
			return -ENOMEM;
	return 0;
}

void frame_pool_unlink(struct frame_pool *p)
{
	uint32_t i;

	for (i = 0; p->returns && i < p->nreturns; i++)
		spsc_free(&p->returns[i]);
	free(p->returns);
	p->returns = NULL;
	p->nreturns = 0;
}

unsigned int frame_pool_reclaim(struct frame_pool *p)
{
	uint32_t idx[64], i, j, n;
	unsigned int total = 0;

	for (j = 0; j < p->nreturns; j++) {
		if (j == p->owner)
			continue;
		while ((n = spsc_pop(&p->returns[j], idx, 64))) {
			for (i = 0; i < n; i++)
				frame_pool_put(p, &p->frames[idx[i]]);
			total += n;
		}
	}
	return total;
}
