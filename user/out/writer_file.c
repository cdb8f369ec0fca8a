// SPDX-License-Identifier: GPL-2.0
/*
 * writer_file: a file's life in the writer: open (synchronous, or an
 * io_uring openat), the writes handed to its kind (struct wfile_ops), the
 * final length and the close (asynchronous, errors to the owner's
 * on_closed callback), whole small files written once as a linked
 * open-write-close chain, directories made through io_uring, and what a
 * file's owner may ask about it.  The request machinery they use is in
 * writer.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "lib/log.h"
#include "out/writer_int.h"

/*
 * A mkdirat of f's directory to go first in r's chain, linked hard (an
 * existing directory's -EEXIST does not cancel the rest); NULL: no memory.
 */
static struct wreq *mkdir_first(struct writer *w, struct wfile *f,
				struct wreq *r)
{
	struct wreq *m = writer_req_get(w, f, 0);
	char *dir, *slash;

	if (!m)
		return NULL;
	dir = strdup(f->path);
	slash = dir ? strrchr(dir, '/') : NULL;
	if (!slash) {
		free(dir);
		writer_req_put(w, m);
		return NULL;
	}
	*slash = '\0';
	m->op = WOP_MKDIR;
	m->iov[0].iov_base = dir;
	m->chain = r;
	m->link_flags = IOSQE_IO_HARDLINK;
	w->st.mkdirs++;
	return m;
}

/*
 * Queue an openat of f's path (with mkdir, after its directory's); the
 * fd arrives in open_done().
 */
static int file_open_async(struct writer *w, struct wfile *f, int flags,
			   bool mkdir)
{
	struct wreq *r = writer_req_get(w, f, 0), *m;

	if (!r)
		return -ENOMEM;
	r->op = WOP_OPEN;
	r->total = (unsigned int)flags;
	if (mkdir) {
		m = mkdir_first(w, f, r);
		if (!m) {
			writer_req_put(w, r);
			return -ENOMEM;
		}
		r = m;
	}
	f->opening = true;
	writer_issue(w, r);
	return 0;
}

/* Whether fd is a stream (FIFO, socket, device): one write at a time. */
static bool writer_fd_is_stream(int fd)
{
	struct stat sb;

	return !fstat(fd, &sb) && !S_ISREG(sb.st_mode);
}

int writer_sys_open(const char *path, int flags)
{
	int fd = open(path, flags, 0644), fl;

	if (fd < 0)
		return -errno;
	/*
	 * O_NONBLOCK was for the open: io_uring would hand a full pipe's
	 * EAGAIN back to us instead of waiting for the reader itself.
	 */
	if ((flags & O_NONBLOCK) && ((fl = fcntl(fd, F_GETFL)) < 0 ||
				     fcntl(fd, F_SETFL, fl & ~O_NONBLOCK))) {
		fl = -errno;
		close(fd);
		return fl;
	}
	return fd;
}

static void file_free(struct wfile *f)
{
	free(f->path);
	free(f);
}

static struct wfile *file_new(struct writer *w, const char *path)
{
	struct wfile *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->path = strdup(path);
	if (!f->path) {
		free(f);
		return NULL;
	}
	(void)w;
	f->ops = &writer_buffered_ops;
	f->fd = -1;
	f->fd_buf = -1;
	return f;
}

static void file_link(struct writer *w, struct wfile *f)
{
	f->next = w->files;
	if (w->files)
		w->files->pprev = &f->next;
	f->pprev = &w->files;
	w->files = f;
}

int writer_open(struct writer *w, const char *path, int extra_flags,
		struct wfile **out)
{
	bool direct = extra_flags & WRITER_DIRECT;
	bool sparse = extra_flags & WRITER_DIRECT_SPARSE;
	bool async = (extra_flags & WRITER_ASYNC_OPEN) || sparse;
	int flags = O_WRONLY | O_CREAT | O_CLOEXEC;
	struct wfile *f;
	int ret;

	if ((extra_flags & O_DIRECT) || (direct && async) ||
	    (sparse && (extra_flags & WRITER_KEEP)))
		return -EINVAL;
	if (sparse && !w->has_ftruncate)
		return -EOPNOTSUPP;
	if (!(extra_flags & WRITER_KEEP))
		flags |= O_TRUNC;
	flags |= extra_flags &
		 ~(WRITER_DIRECT | WRITER_ASYNC_OPEN | WRITER_KEEP |
		   WRITER_DIRECT_SPARSE | WRITER_MKDIR_FIRST | WRITER_SYNC);
	if (sparse)
		flags |= O_DIRECT;
	f = file_new(w, path);
	if (!f)
		return -ENOMEM;
	if (sparse) {
		f->ops = &writer_sparse_ops;
		f->next_cap = WRITER_SPARSE_MIN;
		w->nsparse++;
	}
	if (async) {
		ret = file_open_async(w, f, flags,
				      extra_flags & WRITER_MKDIR_FIRST);
	} else if (direct) {
		ret = writer_direct_open(w, f, flags);
	} else {
		f->fd = writer_sys_open(f->path, flags);
		ret = f->fd < 0 ? f->fd : 0;
		if (!ret)
			f->max_inflight = writer_fd_is_stream(f->fd) ? 1 : 0;
	}
	if (ret) {
		if (sparse)
			w->nsparse--;
		file_free(f);
		return ret;
	}
	f->append_only = direct;
	f->sync = extra_flags & WRITER_SYNC;
	file_link(w, f);
	*out = f;
	return 0;
}

int writer_open_fd(struct writer *w, int fd, const char *path,
		   struct wfile **out)
{
	struct wfile *f = file_new(w, path);

	if (!f)
		return -ENOMEM;
	f->fd = fd;
	f->max_inflight = writer_fd_is_stream(fd) ? 1 : 0;
	file_link(w, f);
	*out = f;
	return 0;
}

/* Wait until nothing of f is queued or in flight. */
int writer_settle(struct writer *w, struct wfile *f)
{
	int ret;

	if (f->ops->settle)
		f->ops->settle(w, f);
	writer_file_flush(w, f);
	while (f->inflight) {
		ret = writer_wait(w);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static void dirty_remove(struct writer *w, struct wfile *f)
{
	struct wfile **pp;

	if (!f->dirty)
		return;
	for (pp = &w->dirty; *pp; pp = &(*pp)->next_dirty) {
		if (*pp == f) {
			*pp = f->next_dirty;
			break;
		}
	}
	f->dirty = false;
}

int writer_set_size(struct writer *w, struct wfile *f, uint64_t size)
{
	int ret;

	if (f->append_only)
		return -EINVAL;
	ret = writer_settle(w, f);
	if (ret)
		return ret;
	if (ftruncate(f->fd, size))
		return -errno;
	return 0;
}

/* One request of a close chain, linked to the one after it. */
static struct wreq *close_req(struct writer *w, struct wfile *f, enum wop op,
			      uint64_t off, struct wreq *chain)
{
	struct wreq *r = writer_req_get(w, f, off);

	if (!r)
		return NULL;
	r->op = op;
	r->chain = chain;
	/* the close runs whatever came before it failed */
	r->link_flags = chain ? IOSQE_IO_HARDLINK : 0;
	return r;
}

static const uint8_t zero_byte;

/*
 * The request that gives f its final size before the close (chained to
 * close), or close itself when the size stays or is set the slow way.
 */
static struct wreq *size_req(struct writer *w, struct wfile *f,
			     struct wreq *close)
{
	uint64_t size = f->close_size;
	struct wreq *r;

	if (size == WRITER_SIZE_KEEP || w->aborting)
		return close;
	if (w->has_ftruncate)
		return close_req(w, f, WOP_TRUNC, size, close) ?: close;
	if (size > f->end) {
		/* Its last byte makes the length; the rest stays a hole. */
		r = close_req(w, f, WOP_WRITE, size - 1, close);
		if (!r)
			return close;
		r->iov[0].iov_base = (void *)&zero_byte;
		r->iov[0].iov_len = 1;
		r->niov = 1;
		r->total = 1;
		return r;
	}
	/* Kernels before 6.9, shorter than written: rare (a cut). */
	if (!f->fixed && ftruncate(f->fd, size))
		writer_file_fail(f, -errno, size, 0, w);
	return close;
}

/* f is closing and idle: its tail, then its size and close. */
void writer_close_check(struct writer *w, struct wfile *f)
{
	struct wreq *r;

	if (f->close_issued || f->inflight || f->pending || f->opening)
		return;
	if (!f->tail_done) {
		f->tail_done = true;
		if (f->ops->close_tail(w, f, f->close_size))
			return; /* back here when the tail completed */
	}
	f->close_issued = true;
	if (f->fd_buf >= 0) {
		/* a second reference to the file: closing it never waits */
		close(f->fd_buf);
		f->fd_buf = -1;
	}
	r = f->fd >= 0 ? close_req(w, f, WOP_CLOSE, 0, NULL) : NULL;
	if (r && f->sync && !w->aborting)
		r = close_req(w, f, WOP_FSYNC, 0, r) ?: r;
	if (!r) {
		/* Never opened (or no memory): nothing to close. */
		if (f->fd >= 0 && !f->fixed)
			close(f->fd);
		r = writer_req_get(w, f, 0);
		if (r) {
			r->op = WOP_CLOSE;
			f->inflight++;
			writer_req_completed(w, r, 0);
			return;
		}
		/* No memory for a request at all: leak f, keep going. */
		return;
	}
	writer_issue(w, size_req(w, f, r));
}

void writer_run_closed(struct writer *w)
{
	struct wfile *f;

	while ((f = w->closed)) {
		w->closed = f->next_closed;
		f->ops->release(w, f);
		if (f->on_closed)
			f->on_closed(f->closed_ctx, f->errors, f->err);
		file_free(f);
	}
}

int writer_close_async(struct writer *w, struct wfile *f, uint64_t size,
		       writer_closed_fn fn, void *ctx)
{
	if (w->nclosing_fds >= w->max_closing) {
		w->st.close_waits++;
		while (w->nclosing_fds >= w->max_closing && w->inflight)
			if (writer_wait(w) < 0)
				break;
	}
	writer_file_flush(w, f);
	dirty_remove(w, f);
	f->closing = true;
	f->close_size = size;
	f->on_closed = fn;
	f->closed_ctx = ctx;
	w->st.closes++;
	w->nclosing_fds++;
	if (++w->nclosing > w->st.closing_max)
		w->st.closing_max = w->nclosing;
	if (w->aborting)
		writer_release_pending(w, f, f->err ? f->err : -ECANCELED);
	writer_close_check(w, f);
	return 0;
}

struct close_wait {
	bool done;
	uint64_t errors;
	int err;
};

static void closed_sync(void *ctx, uint64_t errors, int err)
{
	struct close_wait *cw = ctx;

	cw->done = true;
	cw->errors = errors;
	cw->err = err;
}

int writer_close_at(struct writer *w, struct wfile *f, uint64_t size)
{
	struct close_wait cw = {0};
	int ret = 0;

	writer_close_async(w, f, size < f->end ? size : WRITER_SIZE_KEEP,
			   closed_sync, &cw);
	writer_run_closed(w);
	while (!cw.done) {
		ret = writer_wait(w);
		if (ret < 0 || (!cw.done && !w->inflight && !w->queued))
			break;
	}
	if (!cw.done) {
		/*
		 * The ring failed (or an abort gave up) while f's work was in
		 * flight: its completions, whenever they come, still point
		 * at f.  Leave it (a leak on a path that is already an
		 * error) rather than free it under them.
		 */
		pr_warn("closing %s with %u operations in flight: %s\n",
			f->path, f->inflight, strerror(ret ? -ret : EIO));
		f->on_closed = NULL;
		return ret ? ret : -EIO;
	}
	return cw.errors ? (cw.err ? cw.err : -EIO) : 0;
}

int writer_close(struct writer *w, struct wfile *f)
{
	return writer_close_at(w, f, UINT64_MAX);
}

int writer_write_file(struct writer *w, const char *path, int flags,
		      const void *ptr, uint32_t len, struct buf *b,
		      uint64_t size, writer_closed_fn fn, void *ctx)
{
	bool sparse = flags & WRITER_DIRECT_SPARSE;
	struct wreq *op, *wr = NULL, *cl, *m = NULL;
	struct wfile *f;
	int ret;

	if (flags & ~(WRITER_DIRECT_SPARSE | WRITER_MKDIR_FIRST))
		return -EINVAL;
	if (sparse &&
	    (!w->has_ftruncate || len % WRITER_DIO_ALIGN ||
	     (uintptr_t)ptr % WRITER_DIO_ALIGN || size == WRITER_SIZE_KEEP))
		return -EINVAL;
	if (!w->slots || w->aborting) {
		w->st.chain_fallbacks++;
		ret = writer_open(w, path, WRITER_ASYNC_OPEN | flags, &f);
		if (ret)
			return ret;
		/* a refused write: the close tells fn the file failed */
		if (len && (ret = writer_write(w, f, 0, ptr, len, b)))
			writer_file_fail(f, ret, 0, len, w);
		return writer_close_async(w, f, size, fn, ctx);
	}
	f = file_new(w, path);
	if (!f)
		return -ENOMEM;
	f->fixed = true;
	f->end = len;
	f->closing = f->tail_done = f->close_issued = true;
	f->close_size = size;
	f->on_closed = fn;
	f->closed_ctx = ctx;
	cl = close_req(w, f, WOP_CLOSE, 0, NULL);
	op = writer_req_get(w, f, 0);
	if (len)
		wr = writer_req_get(w, f, 0);
	if (op && (flags & WRITER_MKDIR_FIRST))
		m = mkdir_first(w, f, op);
	if (!cl || !op || (len && !wr) ||
	    ((flags & WRITER_MKDIR_FIRST) && !m)) {
		if (cl)
			writer_req_put(w, cl);
		if (op)
			writer_req_put(w, op);
		if (wr)
			writer_req_put(w, wr);
		if (m)
			writer_req_put(w, m);
		file_free(f);
		return -ENOMEM;
	}
	cl = size_req(w, f, cl);
	if (wr) {
		wr->iov[0].iov_base = (void *)ptr;
		wr->iov[0].iov_len = len;
		wr->niov = 1;
		wr->total = len;
		/* sparse: the zeros past size are padding, cut by the truncate */
		if (sparse && size < len)
			wr->extra = len - size;
		if (b) {
			buf_get(b);
			wr->bufs[wr->nbufs++] = b;
		}
		wr->chain = cl;
		wr->link_flags = IOSQE_IO_HARDLINK;
	}
	/* A failed open cancels the rest (the slot stays empty). */
	op->op = WOP_OPEN;
	/* no O_CLOEXEC: a direct descriptor refuses it (EINVAL) */
	op->total = O_WRONLY | O_CREAT | O_TRUNC | (sparse ? O_DIRECT : 0);
	op->chain = wr ? wr : cl;
	op->link_flags = IOSQE_IO_LINK;
	if (m)
		op = m; /* the chain starts with the mkdir */
	file_link(w, f);
	w->st.chains++;
	w->st.closes++;
	if (++w->nclosing > w->st.closing_max)
		w->st.closing_max = w->nclosing;
	if (!w->nslots_free) {
		/* Started when a chain's close gives its slot back. */
		w->st.slot_waits++;
		writer_queue_push_slot(w, op);
		return 0;
	}
	f->fd = w->slots[--w->nslots_free];
	writer_issue(w, op);
	return 0;
}

int writer_mkdir(struct writer *w, const char *path)
{
	struct wreq *r = writer_req_get(w, NULL, 0);

	if (!r)
		return -ENOMEM;
	r->op = WOP_MKDIR;
	r->iov[0].iov_base = strdup(path);
	if (!r->iov[0].iov_base) {
		writer_req_put(w, r);
		return -ENOMEM;
	}
	w->st.mkdirs++;
	writer_issue(w, r);
	return 0;
}

/* A path operation on f's name (or none): "from\0to\0" in one allocation. */
static struct wreq *path_req(struct writer *w, struct wfile *f, enum wop op,
			     const char *from, const char *to)
{
	size_t a = strlen(from) + 1, b = to ? strlen(to) + 1 : 0;
	struct wreq *r = writer_req_get(w, f, 0);
	char *p;

	if (!r)
		return NULL;
	p = malloc(a + b);
	if (!p) {
		writer_req_put(w, r);
		return NULL;
	}
	memcpy(p, from, a);
	if (b)
		memcpy(p + a, to, b);
	r->op = op;
	r->iov[0].iov_base = p;
	r->iov[0].iov_len = a;
	return r;
}

int writer_rename(struct writer *w, struct wfile *f, const char *from,
		  const char *to, unsigned int flags,
		  void (*fn)(void *ctx, int res), void *ctx)
{
	struct wreq *r = path_req(w, f, WOP_RENAME, from, to);

	if (!r)
		return -ENOMEM;
	r->off = flags;
	r->done = fn;
	r->done_ctx = ctx;
	w->st.renames++;
	if (f && f->opening)
		writer_req_issue(w, r); /* after the open, from its queue */
	else
		writer_issue(w, r);
	return 0;
}

int writer_unlink(struct writer *w, const char *path)
{
	struct wreq *r = path_req(w, NULL, WOP_UNLINK, path, NULL);

	if (!r)
		return -ENOMEM;
	writer_issue(w, r);
	return 0;
}

void writer_path_done(struct writer *w, struct wreq *r, int res)
{
	const char *path = r->iov[0].iov_base;

	if ((r->op == WOP_MKDIR && res < 0 && res != -EEXIST) ||
	    (r->op == WOP_UNLINK && res < 0 && res != -ENOENT)) {
		w->st.write_errors++;
		pr_warn("cannot %s %s: %s\n",
			r->op == WOP_MKDIR ? "create" : "remove", path,
			strerror(-res));
	}
	/* A rename's failure is the caller's to judge (-EEXIST, say). */
	if (r->op == WOP_RENAME && r->done)
		r->done(r->done_ctx, res < 0 ? res : 0);
	writer_req_put(w, r);
}

uint64_t wfile_written_prefix(const struct wfile *f)
{
	return f->errors && f->bad_off < f->end ? f->bad_off : f->end;
}

int wfile_open_read(const struct wfile *f)
{
	char proc[64];
	int fd;

	/* The open file itself, whatever its name has become since. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", f->fd);
	fd = open(proc, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fd = open(f->path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

void writer_file_fail(struct wfile *f, int err, uint64_t off, uint64_t bytes,
		      struct writer *w)
{
	if (!f->err)
		f->err = err;
	if (!f->errors++ || off < f->bad_off)
		f->bad_off = off;
	w->st.write_errors++;
	w->st.bytes_failed += bytes;
	if (f->error_logged)
		return;
	f->error_logged = true;
	/* A full disk fails every file: said once, the rest counted. */
	if (err == -ENOSPC || err == -EDQUOT) {
		if (w->full_logged)
			return;
		w->full_logged = true;
		pr_warn("write to %s failed: %s (further files failing so are "
			"counted in write_errors, not logged)\n",
			f->path, strerror(-err));
		return;
	}
	pr_warn("write to %s failed: %s\n", f->path, strerror(-err));
}

static int write_check(struct writer *w, struct wfile *f, uint64_t off)
{
	if (f->errors)
		return f->err;
	if (w->aborting)
		return -ECANCELED;
	if (f->closing)
		return -EBADF;
	if (f->append_only && off != f->end)
		return -EINVAL;
	return 0;
}

int writer_write(struct writer *w, struct wfile *f, uint64_t off,
		 const void *ptr, uint32_t len, struct buf *b)
{
	int ret = write_check(w, f, off);

	if (ret || !len)
		return ret;
	return f->ops->write(w, f, off, ptr, len, b);
}

int writer_write_copy(struct writer *w, struct wfile *f, uint64_t off,
		      const void *ptr, uint32_t len)
{
	int ret;

	if (len > 256)
		return -EINVAL;
	ret = write_check(w, f, off);
	if (ret || !len)
		return ret;
	return f->ops->write_copy(w, f, off, ptr, len);
}

uint64_t wfile_errors(const struct wfile *f)
{
	return f->errors;
}

int wfile_error(const struct wfile *f)
{
	return f->err;
}

bool wfile_busy(const struct wfile *f)
{
	/* Only the direct kinds stage: bytes in a block are not in the file. */
	return f->inflight || f->open || f->pending || f->opening ||
	       (f->stage && f->end > f->stage->off);
}

bool wfile_opening(const struct wfile *f)
{
	return f->opening;
}

bool wfile_is_direct(const struct wfile *f)
{
	return f->direct;
}
