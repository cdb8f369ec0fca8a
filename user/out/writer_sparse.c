// SPDX-License-Identifier: GPL-2.0
/*
 * writer sparse direct mode (WRITER_DIRECT_SPARSE): O_DIRECT for files
 * written at rising offsets with holes between them (stream files), that
 * never waits.
 *
 * Such a file owns at most one aligned staging block, covering file bytes
 * [st->off, st->off + st->cap), and writer_write() copies into it: the
 * caller's buf is never referenced, so a UMEM frame is free again when the
 * call returns, whether or not the file's (asynchronous) open is done.
 *  - A full block leaves as one O_DIRECT write and the next one is twice
 *    as large, from WRITER_SPARSE_MIN up to direct_block_size or the
 *    file's share of half the bound, whichever is smaller: a slow flow
 *    holds 4 KiB, a fast one alone streams in writes of a MiB, a thousand
 *    fast ones in writes of a thousandth of the bound.
 *  - A write beyond the block, or past a hole that holds a whole aligned
 *    4 KiB: the block leaves padded with zeros to the next
 *    WRITER_DIO_ALIGN boundary (those bytes are the hole's) and a new
 *    block starts at the write's offset rounded down; what lies between
 *    is never written, so holes stay sparse, zero-padded only within
 *    their edge blocks.
 *  - At close the partial last block leaves padded, and the exact length
 *    is set by IORING_OP_FTRUNCATE (writer_open refuses the mode on a
 *    kernel without it).
 * Blocks staged and in flight count against writer_opts.sparse_total; a
 * write that needs a block past it is refused (-ENOBUFS) before anything
 * is copied, and the caller records the bytes as not written: the bound
 * turns a disk that falls behind into a counted gap, never a wait.
 * Spare blocks are kept per size for reuse while blocks in use and spare
 * ones together stay within the bound; a new block of a size with no
 * spare frees spare ones of other sizes to make room.  (Freed and
 * allocated again, a block's pages may be faulted and zeroed anew.)
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "out/writer_int.h"

static uint64_t align_down(uint64_t v)
{
	return v & ~(uint64_t)(WRITER_DIO_ALIGN - 1);
}

static uint32_t align_up(uint32_t v)
{
	return (v + WRITER_DIO_ALIGN - 1) & ~(uint32_t)(WRITER_DIO_ALIGN - 1);
}

/* Size class of a block of cap bytes (a power of two >= the minimum). */
static unsigned int cls(uint32_t cap)
{
	unsigned int c = 0;

	while ((WRITER_SPARSE_MIN << c) < cap)
		c++;
	return c;
}

static void block_free(struct wstage *st)
{
	free(st->data);
	free(st);
}

/* Free spare blocks, largest first, until cap more bytes fit the bound. */
static void spare_trim(struct writer *w, uint32_t cap)
{
	unsigned int c = WRITER_SPARSE_CLASSES;
	struct wstage *st;

	while (w->sparse_spare &&
	       w->sparse_used + w->sparse_spare + cap > w->sparse_total) {
		while (c && !w->sparse_free[c - 1])
			c--;
		if (!c)
			return;
		st = w->sparse_free[c - 1];
		w->sparse_free[c - 1] = st->next;
		w->sparse_spare -= st->cap;
		block_free(st);
	}
}

/* A block of cap bytes, reused or new; NULL out of memory. */
static struct wstage *block_get(struct writer *w, uint32_t cap)
{
	struct wstage **head = &w->sparse_free[cls(cap)];
	struct wstage *st = *head;

	if (st) {
		*head = st->next;
		w->sparse_spare -= cap;
	} else {
		spare_trim(w, cap);
		st = calloc(1, sizeof(*st));
		if (!st)
			return NULL;
		if (posix_memalign((void **)&st->data, WRITER_DIO_ALIGN, cap)) {
			free(st);
			return NULL;
		}
		st->cap = cap;
	}
	st->next = NULL;
	w->sparse_used += cap;
	if (w->sparse_used > w->st.sparse_max)
		w->st.sparse_max = w->sparse_used;
	return st;
}

void writer_sparse_put(struct writer *w, struct wstage *st)
{
	w->sparse_used -= st->cap;
	if (w->sparse_used + w->sparse_spare + st->cap <= w->sparse_total) {
		st->next = w->sparse_free[cls(st->cap)];
		w->sparse_free[cls(st->cap)] = st;
		w->sparse_spare += st->cap;
		return;
	}
	block_free(st);
}

void writer_sparse_free_pool(struct writer *w)
{
	struct wstage *st;
	unsigned int c;

	for (c = 0; c < WRITER_SPARSE_CLASSES; c++) {
		while ((st = w->sparse_free[c])) {
			w->sparse_free[c] = st->next;
			block_free(st);
		}
	}
	w->sparse_spare = 0;
}

/*
 * The first fill bytes of f's block to the file, padded with zeros to the
 * alignment; own: the request takes the block (f stages anew), else it
 * only reads it and f keeps it (writer_settle, which waits for it).
 */
static void block_issue(struct writer *w, struct wfile *f, uint32_t fill,
			bool own)
{
	struct wstage *st = f->stage;
	uint32_t len = align_up(fill);
	struct wreq *r;
	int ret;

	memset(st->data + fill, 0, len - fill);
	r = writer_req_get(w, f, st->off);
	if (!r) {
		writer_file_fail(f, -ENOMEM, st->off, fill, w);
		if (own) {
			f->stage = NULL;
			writer_sparse_put(w, st);
		}
		return;
	}
	if (own) {
		r->stage = st;
		f->stage = NULL;
	}
	r->iov[0].iov_base = st->data;
	r->iov[0].iov_len = len;
	r->niov = 1;
	r->total = len;
	w->st.sparse_writes++;
	/* Not the file's bytes: the padding, or all of a copy written again. */
	r->extra = own ? len - fill : len;
	ret = writer_req_issue(w, r);
	if (ret) {
		writer_file_fail(f, ret, r->off, r->total, w);
		writer_req_put(w, r);
	}
}

/*
 * The largest block a file may stage now: an equal share, among the open
 * sparse files, of half the bound (the other half for blocks in flight),
 * as a power of two from WRITER_SPARSE_MIN to direct_block_size.
 */
static uint32_t cap_limit(const struct writer *w)
{
	uint64_t share = w->sparse_total / 2 / (w->nsparse ? w->nsparse : 1);
	uint32_t cap = WRITER_SPARSE_MIN;

	while (cap < w->block_size && (uint64_t)cap * 2 <= share)
		cap *= 2;
	return cap;
}

/* Bytes of new blocks a write of len at off needs (sparse_copy's walk). */
static uint64_t blocks_needed(const struct writer *w, const struct wfile *f,
			      uint64_t off, uint32_t len)
{
	const struct wstage *st = f->stage;
	uint64_t end = off + len, from, need = 0;
	uint32_t cap = f->next_cap, most = cap_limit(w);

	if (st && off < st->off + st->cap &&
	    align_down(off) <= align_up(f->end))
		from = st->off +
		       st->cap; /* the current block takes the start */
	else
		from = align_down(off);
	if (cap > most)
		cap = most;
	while (from < end) {
		need += cap;
		from += cap;
		if (cap < most)
			cap *= 2;
	}
	return need;
}

static int sparse_copy(struct writer *w, struct wfile *f, uint64_t off,
		       const void *ptr, uint32_t len)
{
	const uint8_t *p = ptr;

	if (off < f->end)
		return -EINVAL; /* rising offsets only */
	/* All or nothing: the bound is checked for every block it needs. */
	if (w->sparse_used + blocks_needed(w, f, off, len) > w->sparse_total) {
		w->st.sparse_refused++;
		w->st.sparse_refused_bytes += len;
		return -ENOBUFS;
	}
	while (len) {
		struct wstage *st = f->stage;
		uint32_t at, n;

		if (st && (off >= st->off + st->cap ||
			   align_down(off) > align_up(f->end))) {
			/*
			 * Past the block, or a hole holding a whole aligned
			 * 4 KiB: the block leaves and the hole stays sparse.
			 */
			block_issue(w, f, f->end - st->off, true);
			st = NULL;
		}
		if (!st) {
			if (f->next_cap > cap_limit(w))
				f->next_cap = cap_limit(w);
			st = block_get(w, f->next_cap);
			if (!st)
				return -ENOMEM;
			st->off = align_down(off);
			f->stage = st;
			memset(st->data, 0, off - st->off);
		} else if (off > f->end) {
			memset(st->data + (f->end - st->off), 0, off - f->end);
		}
		at = off - st->off;
		n = st->cap - at < len ? st->cap - at : len;
		memcpy(st->data + at, p, n);
		p += n;
		len -= n;
		off += n;
		f->end = off;
		w->st.bytes_staged += n;
		if (at + n == st->cap) {
			block_issue(w, f, st->cap, true);
			if (f->next_cap < cap_limit(w))
				f->next_cap *= 2;
		}
	}
	return 0;
}

static int sparse_write(struct writer *w, struct wfile *f, uint64_t off,
			const void *ptr, uint32_t len, struct buf *b)
{
	(void)b; /* copied: never referenced */
	return sparse_copy(w, f, off, ptr, len);
}

/* The partial last block (cut at size), then the exact length. */
static bool sparse_close_tail(struct writer *w, struct wfile *f, uint64_t size)
{
	struct wstage *st = f->stage;
	uint64_t end = size < f->end ? size : f->end;
	uint32_t fill;

	if (!st)
		return false;
	fill = end > st->off ? end - st->off : 0;
	if (!fill) {
		f->stage = NULL;
		writer_sparse_put(w, st);
		return false;
	}
	block_issue(w, f, fill, true);
	/* The padding goes again: the file ends at its last byte. */
	if (f->close_size == WRITER_SIZE_KEEP)
		f->close_size = end;
	return true;
}

static void sparse_settle(struct writer *w, struct wfile *f)
{
	if (f->stage && f->end > f->stage->off)
		block_issue(w, f, f->end - f->stage->off, false);
}

static void sparse_release(struct writer *w, struct wfile *f)
{
	w->nsparse--;
	if (f->stage) {
		writer_sparse_put(w, f->stage);
		f->stage = NULL;
	}
}

const struct wfile_ops writer_sparse_ops = {
	.write = sparse_write,
	.write_copy = sparse_copy,
	.close_tail = sparse_close_tail,
	.settle = sparse_settle,
	.release = sparse_release,
};

int writer_sparse_probe(const char *dir)
{
	struct io_uring_probe *pr = io_uring_get_probe();
	bool trunc = pr && io_uring_opcode_supported(pr, WRITER_OP_FTRUNCATE);
	char path[4200];
	int fd, err;

	if (pr)
		io_uring_free_probe(pr);
	if (!trunc)
		return -EOPNOTSUPP;
	snprintf(path, sizeof(path), "%s/.flowsplice-direct-%d", dir,
		 (int)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_DIRECT | O_CLOEXEC,
		  0600);
	err = fd < 0 ? -errno : 0;
	if (fd >= 0)
		close(fd);
	/* A refused O_DIRECT open may have created the file (ramfs). */
	if (err != -EEXIST)
		unlink(path);
	return err;
}
