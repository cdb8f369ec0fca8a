// SPDX-License-Identifier: GPL-2.0
/*
 * writer direct mode (WRITER_DIRECT): owns the aligned staging blocks and
 * the writer's pool of them, the O_DIRECT open with its buffered fallback,
 * and the exact-size tail written when the file closes (an io_uring write
 * like the others, with O_DIRECT cleared on the descriptor).
 *
 * A direct-mode file has no open request: it owns one aligned staging
 * block that writer_write() copies into.  A full block becomes a
 * one-iovec request at its aligned offset, issued through writer.c's
 * request layer (writer_int.h), and the file takes another block from the writer's
 * pool.  The pool holds at most direct_blocks blocks besides each direct
 * file's own, so when every spare block is in flight the next one is a
 * completion away: waiting is the backpressure, and it cannot deadlock.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"
#include "out/writer_int.h"

static struct wstage *stage_alloc(struct writer *w)
{
	struct wstage *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	if (posix_memalign((void **)&st->data, WRITER_DIO_ALIGN,
			   w->block_size)) {
		free(st);
		return NULL;
	}
	w->nstage++;
	return st;
}

static void stage_free(struct writer *w, struct wstage *st)
{
	w->nstage--;
	free(st->data);
	free(st);
}

/*
 * A block for f starting at f->end: a spare one, a new one while the pool
 * is under its bound, else the next one a completion gives back (a wait,
 * counted in stage_waits and waits).
 */
static int stage_take(struct writer *w, struct wfile *f)
{
	struct wstage *st;
	int ret;

	for (;;) {
		st = w->free_stage;
		if (st) {
			w->free_stage = st->next;
			break;
		}
		if (w->nstage < w->stage_spare + w->ndirect) {
			st = stage_alloc(w);
			if (!st)
				return -ENOMEM;
			break;
		}
		w->st.stage_waits++;
		ret = writer_wait(w);
		if (ret < 0)
			return ret;
	}
	st->off = f->end;
	st->next = NULL;
	f->stage = st;
	return 0;
}

/* Give back f's block; the pool shrinks to its bound as files close. */
static void stage_release(struct writer *w, struct wfile *f)
{
	struct wstage *st = f->stage;

	f->stage = NULL;
	if (st) {
		st->next = w->free_stage;
		w->free_stage = st;
	}
	while (w->nstage > w->stage_spare + w->ndirect && w->free_stage) {
		st = w->free_stage;
		w->free_stage = st->next;
		stage_free(w, st);
	}
}

/* A request writing len bytes of f's block (which it takes) at its off. */
static int stage_write(struct writer *w, struct wfile *f, uint32_t len)
{
	struct wreq *r = writer_req_get(w, f, f->stage->off);
	int ret;

	if (!r)
		return -ENOMEM;
	r->stage = f->stage;
	f->stage = NULL;
	r->iov[0].iov_base = r->stage->data;
	r->iov[0].iov_len = len;
	r->niov = 1;
	r->total = len;
	ret = writer_req_issue(w, r);
	if (ret) {
		writer_file_fail(f, ret, r->off, r->total, w);
		writer_req_put(w, r);
	}
	return 0;
}

/*
 * f's block is full: it leaves as one aligned write, and f takes the next
 * one now, so that a file always holds its own block and the spare ones
 * are the only ones in flight.  If it cannot (no memory), the next append
 * tries again.
 */
static void stage_issue(struct writer *w, struct wfile *f)
{
	if (stage_write(w, f, w->block_size))
		writer_file_fail(f, -ENOMEM, f->stage->off, w->block_size, w);
	stage_take(w, f);
}

/*
 * Copy into f's blocks.  An error (no memory for a block, io_uring
 * failing while we wait for one) leaves the bytes before it staged.
 */
static int direct_append(struct writer *w, struct wfile *f, const void *ptr,
			 uint32_t len)
{
	const uint8_t *p = ptr;
	int ret;

	while (len) {
		uint32_t fill, n;

		if (!f->stage) {
			ret = stage_take(w, f);
			if (ret)
				return ret;
		}
		fill = f->end - f->stage->off;
		n = w->block_size - fill < len ? w->block_size - fill : len;
		memcpy(f->stage->data + fill, p, n);
		p += n;
		len -= n;
		f->end += n;
		w->st.bytes_staged += n;
		if (fill + n == w->block_size)
			stage_issue(w, f);
	}
	return 0;
}

static int direct_write(struct writer *w, struct wfile *f, uint64_t off,
			const void *ptr, uint32_t len, struct buf *b)
{
	(void)off;
	(void)b;
	return direct_append(w, f, ptr, len);
}

static int direct_write_copy(struct writer *w, struct wfile *f, uint64_t off,
			     const void *ptr, uint32_t len)
{
	(void)off;
	return direct_append(w, f, ptr, len);
}

/*
 * The partial last block, once nothing else of f is in flight: through
 * the page cache (O_DIRECT cleared: fcntl does not wait), so the file
 * ends at its last byte rather than at a padded block boundary.  A cut
 * file (after a failure) keeps nothing of its tail past size.
 */
static bool direct_close_tail(struct writer *w, struct wfile *f, uint64_t size)
{
	uint32_t fill = f->stage ? f->end - f->stage->off : 0;
	bool queued = false;
	int fl;

	if (!f->direct)
		return false;
	if (fill && size < f->end)
		fill = size > f->stage->off ? size - f->stage->off : 0;
	if (fill) {
		fl = fcntl(f->fd, F_GETFL);
		if (fl < 0 || fcntl(f->fd, F_SETFL, fl & ~O_DIRECT))
			writer_file_fail(f, -errno, f->stage->off, fill, w);
		else if (!stage_write(w, f, fill))
			queued = true;
	}
	w->ndirect--;
	f->direct = false;
	stage_release(w, f);
	return queued;
}

static void direct_release(struct writer *w, struct wfile *f)
{
	if (f->direct) {
		w->ndirect--;
		f->direct = false;
	}
	stage_release(w, f);
}

const struct wfile_ops writer_direct_ops = {
	.write = direct_write,
	.write_copy = direct_write_copy,
	.close_tail = direct_close_tail,
	.release = direct_release,
};

/* f's bytes not in the file yet: from, and how many. */
static uint32_t unflushed(const struct wfile *f, uint64_t *from)
{
	uint64_t start = f->stage ? f->stage->off : f->end;

	*from = f->flushed > start ? f->flushed : start;
	return f->end - *from;
}

static void flush_one(struct writer *w, struct wfile *f)
{
	uint64_t from;
	uint32_t n = unflushed(f, &from);
	struct wreq *r = writer_req_get(w, f, from);
	int ret;

	if (!r)
		return; /* no memory: the next tick tries again */
	memcpy(w->flush_buf, f->stage->data + (from - f->stage->off), n);
	r->flush = true;
	r->iov[0].iov_base = w->flush_buf;
	r->iov[0].iov_len = n;
	r->niov = 1;
	r->total = n;
	f->flushing = true;
	ret = writer_req_issue(w, r);
	if (ret) {
		writer_file_fail(f, ret, from, n, w);
		writer_direct_flush_done(w, r);
		writer_req_put(w, r);
	}
}

void writer_direct_flush_tick(struct writer *w)
{
	struct wfile *f;
	uint64_t from;

	if (w->now_ns - w->flushed_ns < w->flush_ns)
		return;
	if (!w->flush_buf && posix_memalign((void **)&w->flush_buf,
					    WRITER_DIO_ALIGN, w->block_size))
		return;
	/* One flush in flight per writer: its buffer is the only one. */
	for (f = w->files; f; f = f->next) {
		if (f->flushing)
			return;
	}
	/* Each file once an interval (a flush at every tick doubled -w's
	 * writes, half of them through the page cache). */
	for (f = w->files; f; f = f->next) {
		if (f->direct && f->fd_buf >= 0 && !f->errors &&
		    w->now_ns - f->flush_ns >= w->flush_ns &&
		    unflushed(f, &from)) {
			f->flush_ns = w->now_ns;
			flush_one(w, f);
			return;
		}
	}
	w->flushed_ns = w->now_ns;
}

void writer_direct_flush_done(struct writer *w, struct wreq *r)
{
	struct wfile *f = r->f;

	if (r->off > f->flushed)
		f->flushed = r->off;
	f->flushing = false;
	writer_release_pending(w, f, 0);
}

void writer_direct_free_pool(struct writer *w)
{
	struct wstage *st;

	while ((st = w->free_stage)) {
		w->free_stage = st->next;
		stage_free(w, st);
	}
}

static void log_fallback(const char *path)
{
	static bool logged;

	/* Once per process: every file on that filesystem would say it. */
	if (!__atomic_exchange_n(&logged, true, __ATOMIC_RELAXED))
		pr_info("%s: the file (system) refuses O_DIRECT; direct "
			"output is written buffered there\n",
			path);
}

/*
 * The same file once more, without O_DIRECT, for the flushes of partial
 * blocks; without it (no /proc, say) partial blocks wait for close.
 */
static void open_fd_buf(struct wfile *f)
{
	char proc[64];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", f->fd);
	f->fd_buf = open(proc, O_WRONLY | O_CLOEXEC);
	if (f->fd_buf < 0)
		f->fd_buf = open(f->path, O_WRONLY | O_CLOEXEC);
	if (f->fd_buf < 0)
		pr_warn("%s: no flush of partial blocks (%s): they reach the "
			"file at close\n",
			f->path, strerror(errno));
}

/*
 * Opened without O_DIRECT, which is then set with fcntl on a regular file
 * only, so that a file system that refuses it says so there, without a
 * second open.  (An O_DIRECT open of a FIFO with a reader fails and closes
 * it again: the reader sees end of file.  On a FIFO, fcntl's O_DIRECT is
 * packet mode, which would lose the bytes a reader's short read leaves.)
 */
int writer_direct_open(struct writer *w, struct wfile *f, int flags)
{
	struct stat sb;
	int fl;

	f->fd_buf = -1;
	f->fd = writer_sys_open(f->path, flags);
	if (f->fd < 0)
		return f->fd;
	if (fstat(f->fd, &sb) || !S_ISREG(sb.st_mode)) {
		f->max_inflight = 1; /* a FIFO, a device: buffered, in order */
		return 0;
	}
	fl = fcntl(f->fd, F_GETFL);
	if (fl >= 0 && !fcntl(f->fd, F_SETFL, fl | O_DIRECT)) {
		if (w->flush_ns)
			open_fd_buf(f);
		/* Direct: the file's first block, its own from now on. */
		w->ndirect++;
		fl = stage_take(w, f);
		if (fl) {
			w->ndirect--;
			stage_release(w, f);
			if (f->fd_buf >= 0)
				close(f->fd_buf);
			close(f->fd);
			return fl;
		}
		f->direct = true;
		f->ops = &writer_direct_ops;
		/*
		 * Two blocks in flight, one at the disk and the next ready:
		 * each write extends the file, which takes the inode's lock
		 * exclusively for the whole write (ext4), so more io-wq
		 * workers on one file only contend for it (measured: 25-40%
		 * of a live -w capture's CPU in rwsem_down_write_slowpath and
		 * rwsem_spin_on_owner, none with this bound).
		 */
		f->max_inflight = 2;
		return 0;
	}
	if (errno != EINVAL) {
		fl = -errno;
		close(f->fd);
		f->fd = -1;
		return fl;
	}
	w->st.direct_fallbacks++;
	log_fallback(f->path);
	return 0;
}
