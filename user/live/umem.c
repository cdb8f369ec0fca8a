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

static void frame_release(struct buf *b)
{
	struct frame *f = (struct frame *)b;
	struct frame_pool *p = f->pool;

	f->next = p->free;
	p->free = f;
	p->nfree++;
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
	for (i = first + count; i-- > first;) {
		struct frame *f = &u->frames[i];

		f->b.refs = 0;
		f->b.release = frame_release;
		f->pool = p;
		f->next = p->free;
		p->free = f;
		p->nfree++;
	}
}
