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
 *
 * A pool belongs to one worker, which alone touches its free list.  A
 * frame handed to another worker (frame_hand_to) is released by that
 * worker, on its own thread: the release then goes over the pool's return
 * ring for that worker, and the owner takes it in (frame_pool_reclaim).
 * The frame records who holds it, so no release needs to know which
 * thread it runs on.
 */
#ifndef FS_UMEM_H
#define FS_UMEM_H

#include <stddef.h>
#include <stdint.h>
#include <xdp/xsk.h>

#include "lib/buf.h"
#include "lib/spsc.h"

struct frame_pool;

struct frame {
	struct buf b;
	struct frame_pool *pool; /* where release() puts it */
	struct frame *next; /* free list link */
	uint32_t holder; /* worker that drops its references: pool->owner */
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
	uint32_t owner; /* the worker whose free list this is */
	/*
	 * returns[i]: frames that worker i released, by index into frames;
	 * each sized for the whole pool, so never full.  NULL: no other
	 * worker ever holds a frame of this pool.
	 */
	uint32_t nreturns;
	struct spsc *returns;
	struct frame *frames; /* the UMEM's frame table */
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

/*
 * --frames and --frame-size of every command with a UMEM (capture,
 * replay): one default each.
 */
#define UMEM_FRAMES_DEFAULT 32768
#define UMEM_FRAME_SIZE_DEFAULT 4096

struct umem_opts {
	uint32_t nframes;
	uint32_t frame_size; /* 2048 or 4096 */
	uint32_t fill_size;
	uint32_t comp_size;
};

/* Returns 0 or -errno (-EPERM / -ENOMEM explained by the caller). */
int umem_create(struct umem **out, const struct umem_opts *o);
void umem_destroy(struct umem *u);

/* umem_create(), and on failure a warning that says why and what to try. */
int umem_create_said(struct umem **out, const struct umem_opts *o);

/* Give frames [first, first + count) to pool p, all free, owner 0. */
void umem_pool_init(struct umem *u, struct frame_pool *p, uint32_t first,
		    uint32_t count);

/*
 * Pool p belongs to worker owner, and any of nworkers workers may be
 * handed its frames: allocate a return ring per other worker.  0 or
 * -ENOMEM.  frame_pool_unlink() frees them (also after a failed link).
 */
int frame_pool_link(struct frame_pool *p, uint32_t owner, uint32_t nworkers);
void frame_pool_unlink(struct frame_pool *p);

/* Take in the frames other workers released; returns how many. */
unsigned int frame_pool_reclaim(struct frame_pool *p);

/* Put f, whose last reference is gone, on p's free list (owner only). */
static inline void frame_pool_put(struct frame_pool *p, struct frame *f)
{
	f->next = p->free;
	p->free = f;
	p->nfree++;
}

/* Take a free frame from p (reference count 1, held by p's owner), or NULL. */
static inline struct frame *frame_pool_get(struct frame_pool *p)
{
	struct frame *f = p->free;

	if (f) {
		p->free = f->next;
		p->nfree--;
		f->b.refs = 1;
		f->holder = p->owner;
	}
	return f;
}

/*
 * Worker holder now holds every reference on f (a handoff): its releases
 * send f home over the return ring.  Called by the new holder, after it
 * received f; the old one no longer touches it.
 */
static inline void frame_hand_to(struct frame *f, uint32_t holder)
{
	f->holder = holder;
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
