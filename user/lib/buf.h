/* SPDX-License-Identifier: GPL-2.0 */
/*
 * buf: a reference-counted backing store for packet bytes.  A UMEM frame,
 * a chunk of an offline capture file or an arena copy: whoever keeps a
 * pointer into the bytes past the current call takes a reference, and the
 * owner's release() runs when the last one is dropped (a UMEM frame goes
 * back to the fill ring, a read chunk is recycled, an arena block freed).
 *
 * References are not atomic: a buf is only touched by the worker that
 * owns it (DESIGN.md: one owner per frame at any moment).
 *
 * failed: set by a writer, to the errno, when a write from the buf's bytes failed (its
 * owner clears it), so that an owner whose bytes make one unit on disk
 * (a merged file's region) knows at release whether the unit is whole.
 */
#ifndef FS_BUF_H
#define FS_BUF_H

#include <stdint.h>

struct buf {
	uint32_t refs;
	uint32_t failed;
	void (*release)(struct buf *b);
};

static inline void buf_get(struct buf *b)
{
	if (b)
		b->refs++;
}

static inline void buf_put(struct buf *b)
{
	if (b && --b->refs == 0)
		b->release(b);
}

#endif /* FS_BUF_H */
