// SPDX-License-Identifier: GPL-2.0
/*
 * writer buffered mode (the default kind of file): writes go to the
 * kernel as writevs of the caller's own buffers, through the page cache.
 * A file's open request collects the writes that continue it (up to
 * max_iov iovecs, and WRITER_SCRATCH bytes of small copies) and leaves
 * when a write does not continue it, at the next writer_submit(), or,
 * with a linger, once it is large or old enough; the files with such a
 * request are the writer's dirty list.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "out/writer_int.h"

static void mark_dirty(struct writer *w, struct wfile *f)
{
	if (f->dirty)
		return;
	f->dirty = true;
	f->next_dirty = w->dirty;
	w->dirty = f;
}

/* Whether f's open request should leave now rather than linger. */
static bool ripe(const struct writer *w, const struct wfile *f)
{
	const struct wreq *r = f->open;

	return !w->linger_ns || !r || r->total >= w->linger_bytes ||
	       r->niov >= w->max_iov || w->now_ns - r->born_ns >= w->linger_ns;
}

int writer_buffered_flush_dirty(struct writer *w, bool all)
{
	struct wfile *f, *keep = NULL;
	int ret = 0;

	while ((f = w->dirty)) {
		w->dirty = f->next_dirty;
		if (!all && !ripe(w, f)) {
			f->next_dirty = keep;
			keep = f;
			continue;
		}
		f->dirty = false;
		if (writer_file_flush(w, f))
			ret = -EIO;
	}
	w->dirty = keep;
	return ret;
}

/*
 * The request new bytes for (f, off) go into: f's open request when they
 * continue it and it has room for an iovec and need_scratch bytes of
 * copies, else a fresh one (the old one is issued).
 */
static struct wreq *req_for(struct writer *w, struct wfile *f, uint64_t off,
			    unsigned int need_scratch)
{
	struct wreq *r = f->open;

	if (!(r && r->off + r->total == off && r->niov < w->max_iov &&
	      r->scratch_used + need_scratch <= WRITER_SCRATCH)) {
		if (r && writer_file_flush(w, f))
			return NULL;
		r = writer_req_get_big(w, f, off);
		if (!r)
			return NULL;
		f->open = r;
		mark_dirty(w, f);
	}
	/* Requests that never copy never carry the buffer. */
	if (need_scratch && !r->scratch) {
		r->scratch = malloc(WRITER_SCRATCH);
		if (!r->scratch)
			return NULL;
	}
	return r;
}

static int buffered_write(struct writer *w, struct wfile *f, uint64_t off,
			  const void *ptr, uint32_t len, struct buf *b)
{
	struct wreq *r = req_for(w, f, off, 0);

	if (!r)
		return -ENOMEM;
	r->iov[r->niov].iov_base = (void *)ptr;
	r->iov[r->niov].iov_len = len;
	r->niov++;
	r->total += len;
	if (b) {
		buf_get(b);
		r->bufs[r->nbufs++] = b;
	}
	f->end = off + len;
	return 0;
}

static int buffered_write_copy(struct writer *w, struct wfile *f, uint64_t off,
			       const void *ptr, uint32_t len)
{
	struct wreq *r = req_for(w, f, off, len);
	uint8_t *dst;

	if (!r)
		return -ENOMEM;
	dst = r->scratch + r->scratch_used;
	memcpy(dst, ptr, len);
	r->scratch_used += len;
	r->iov[r->niov].iov_base = dst;
	r->iov[r->niov].iov_len = len;
	r->niov++;
	r->total += len;
	f->end = off + len;
	return 0;
}

static bool buffered_close_tail(struct writer *w, struct wfile *f,
				uint64_t size)
{
	(void)w;
	(void)f;
	(void)size;
	return false;
}

static void buffered_release(struct writer *w, struct wfile *f)
{
	(void)w;
	(void)f;
}

const struct wfile_ops writer_buffered_ops = {
	.write = buffered_write,
	.write_copy = buffered_write_copy,
	.close_tail = buffered_close_tail,
	.release = buffered_release,
};
