/* SPDX-License-Identifier: GPL-2.0 */
/*
 * umem: the one UMEM every queue socket shares, and its frames.
 *
 * Each frame has a struct frame (a struct buf plus bookkeeping) in a table
 * indexed by frame number.  A frame is owned by exactly one party at a
 * time (DESIGN.md): the kernel (fill or RX ring), a worker, or the writes
 * and reassembly state that hold references on it.  When the last
 * reference goes, the frame returns to its pool, and from there to the
 * fill ring of the queue the pool feeds.
 */
#ifndef FS_UMEM_H
#define FS_UMEM_H

#include <stddef.h>
#include <stdint.h>
#include <xdp/xsk.h>

#include "lib/buf.h"

struct frame_pool;

struct frame {
	struct buf b;
	struct frame_pool *pool; /* where release() puts it */
	struct frame *next; /* free list link */
};

struct frame_pool {
	struct frame *free;
	uint32_t nfree;
	uint32_t nframes; /* frames assigned to this pool */
	/*
	 * Frames of this pool held by reassemblers (any worker's), atomic,
	 * and the most they may hold: the fill ring keeps the rest.
	 */
	uint32_t held;
	uint32_t hold_max;
};

struct umem {
	void *area;
	size_t size;
	uint32_t frame_size;
	uint32_t nframes;
	struct xsk_umem *xumem;
	struct frame *frames;
	/* Rings created with the UMEM; the first queue socket uses them. */
	struct xsk_ring_prod fq;
	struct xsk_ring_cons cq;
};

struct umem_opts {
	uint32_t nframes;
	uint32_t frame_size; /* 2048 or 4096 */
	uint32_t fill_size;
	uint32_t comp_size;
};

/* Returns 0 or -errno (-EPERM / -ENOMEM explained by the caller). */
int umem_create(struct umem **out, const struct umem_opts *o);
void umem_destroy(struct umem *u);

/* Give frames [first, first + count) to pool p, all free. */
void umem_pool_init(struct umem *u, struct frame_pool *p, uint32_t first,
		    uint32_t count);

/* Take a free frame from p (reference count 1), or NULL. */
static inline struct frame *frame_pool_get(struct frame_pool *p)
{
	struct frame *f = p->free;

	if (f) {
		p->free = f->next;
		p->nfree--;
		f->b.refs = 1;
	}
	return f;
}

static inline struct frame *umem_frame(const struct umem *u, uint64_t addr)
{
	return &u->frames[xsk_umem__extract_addr(addr) / u->frame_size];
}

static inline uint64_t umem_frame_addr(const struct umem *u,
				       const struct frame *f)
{
	return (uint64_t)(f - u->frames) * u->frame_size;
}

static inline void *umem_data(const struct umem *u, uint64_t addr)
{
	return (char *)u->area + xsk_umem__add_offset_to_addr(addr);
}

#endif /* FS_UMEM_H */
