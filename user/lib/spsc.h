/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spsc: a bounded single-producer/single-consumer ring of fixed-size
 * entries, lock-free (one acquire load and one release store per batch on
 * each side).  Workers use it to hand frames of a flow to the flow's owner
 * and to give frames back to the queue they came from.
 */
#ifndef FS_SPSC_H
#define FS_SPSC_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct spsc {
	/* producer side, own cache line */
	uint32_t head __attribute__((aligned(64)));
	uint32_t cached_tail;
	/* consumer side */
	uint32_t tail __attribute__((aligned(64)));
	uint32_t cached_head;
	uint32_t mask __attribute__((aligned(64)));
	uint32_t esize;
	uint8_t *slots;
};

/* size: entries, rounded up to a power of 2; esize: bytes per entry. */
static inline int spsc_init(struct spsc *r, uint32_t size, uint32_t esize)
{
	uint32_t n = 1;

	while (n < size)
		n <<= 1;
	memset(r, 0, sizeof(*r));
	r->mask = n - 1;
	r->esize = esize;
	r->slots = calloc(n, esize);
	return r->slots ? 0 : -12; /* -ENOMEM */
}

static inline void spsc_free(struct spsc *r)
{
	free(r->slots);
	r->slots = NULL;
}

/* Producer: append one entry; returns 0, or -1 when full. */
static inline int spsc_push(struct spsc *r, const void *e)
{
	if (r->head - r->cached_tail > r->mask) {
		r->cached_tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
		if (r->head - r->cached_tail > r->mask)
			return -1;
	}
	memcpy(r->slots + (size_t)(r->head & r->mask) * r->esize, e, r->esize);
	__atomic_store_n(&r->head, r->head + 1, __ATOMIC_RELEASE);
	return 0;
}

/* Consumer: take up to max entries into out; returns how many. */
static inline uint32_t spsc_pop(struct spsc *r, void *out, uint32_t max)
{
	uint32_t n, i;

	if (r->cached_head == r->tail)
		r->cached_head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
	n = r->cached_head - r->tail;
	if (n > max)
		n = max;
	for (i = 0; i < n; i++)
		memcpy((uint8_t *)out + (size_t)i * r->esize,
		       r->slots + (size_t)((r->tail + i) & r->mask) * r->esize,
		       r->esize);
	if (n)
		__atomic_store_n(&r->tail, r->tail + n, __ATOMIC_RELEASE);
	return n;
}

#endif /* FS_SPSC_H */
