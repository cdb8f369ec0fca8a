// SPDX-License-Identifier: GPL-2.0
/*
 * writer: owns one io_uring, the table of output files and the write
 * requests in flight.
 *
 * A request is one writev at one file offset.  Each file keeps at most one
 * open request that later writes may extend while they continue it in the
 * file (the common case: pcap appends, in-order stream data), so a loop
 * turn's packets leave as a few large writevs rather than one SQE each.
 * A request holds a reference on every buf its iovecs point into and drops
 * them when the write has completed: that is the only place packet memory
 * is given back.
 *
 * A direct-mode file (WRITER_DIRECT) has no open request: it owns one
 * aligned staging block that writer_write() copies into.  A full block
 * becomes a one-iovec request at its aligned offset and the file takes
 * another block from the writer's pool.  The pool holds at most
 * direct_blocks blocks besides each direct file's own, so when every
 * spare block is in flight the next one is a completion away: waiting is
 * the backpressure, and it cannot deadlock.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <liburing.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "writer.h"

#define WRITER_SCRATCH 2048 /* bytes of copied headers per request */
#define WRITER_DIO_ALIGN 4096 /* O_DIRECT memory, offset and size unit */

/* The flag rides in open(2)'s flags: it must not mean anything there. */
_Static_assert(!(WRITER_DIRECT &
		 (O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND |
		  O_NONBLOCK | O_DSYNC | O_DIRECT | O_LARGEFILE | O_DIRECTORY |
		  O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_SYNC | O_PATH |
		  O_TMPFILE)),
	       "WRITER_DIRECT collides with an open(2) flag");

struct wreq {
	struct wfile *f;
	uint64_t off;
	uint64_t total; /* bytes still to write */
	unsigned int niov;
	unsigned int iov_first; /* first iovec not fully written */
	unsigned int nbufs;
	unsigned int scratch_used;
	struct wreq *next; /* free list, or a file's queue */
	struct iovec *iov;
	struct buf **bufs;
	uint8_t *stage; /* direct mode: the aligned block, else NULL */
	uint8_t scratch[WRITER_SCRATCH];
};

struct wfile {
	int fd;
	unsigned int inflight; /* requests submitted, not completed */
	uint64_t errors;
	bool error_logged;
	struct wreq *open; /* request later writes may extend */
	struct wfile *next_dirty;
	bool dirty;
	bool append_only; /* opened WRITER_DIRECT, whatever the fs said */
	bool direct; /* O_DIRECT accepted: bytes go through stage */
	uint64_t end; /* append_only: the offset the next write needs */
	struct wreq *stage; /* direct: the block being filled, at its off */
	struct wfile *next, **pprev; /* the writer's files */
	bool opening; /* WRITER_ASYNC_OPEN: the openat is in flight */
	struct wreq *pending; /* requests waiting for the open */
	char *path;
};

struct writer {
	struct io_uring ring;
	unsigned int max_iov;
	unsigned int sq_entries;
	unsigned int inflight;
	struct wreq *free_reqs;
	struct wreq *retry; /* short writes to issue again after a reap */
	struct wfile *dirty; /* files with an open request */
	struct wfile *files; /* every open file, closed by writer_destroy */
	unsigned int block_size;
	unsigned int stage_spare; /* blocks the pool may hold beyond files' */
	unsigned int nstage; /* blocks allocated */
	unsigned int ndirect; /* open direct files (one block each) */
	struct wreq *free_stage;
	struct writer_stats st;
};

int writer_create(struct writer **out, const struct writer_opts *opts)
{
	unsigned int entries =
		opts && opts->ring_entries ? opts->ring_entries : 256;
	struct io_uring_params p = {0};
	struct writer *w;
	int ret;

	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->max_iov = opts && opts->max_iov ? opts->max_iov : 64;
	if (w->max_iov > IOV_MAX)
		w->max_iov = IOV_MAX;
	w->block_size = opts && opts->direct_block_size
				? opts->direct_block_size
				: 1u << 20;
	w->stage_spare = opts && opts->direct_blocks ? opts->direct_blocks : 8;
	if (w->block_size % WRITER_DIO_ALIGN) {
		free(w);
		return -EINVAL;
	}
	w->sq_entries = entries;
	/*
	 * Completions run at our own syscalls, no IPI.  Not SINGLE_ISSUER:
	 * the ring is made by the thread that sets up, used by a worker.
	 */
	p.flags = IORING_SETUP_COOP_TASKRUN;
	ret = io_uring_queue_init_params(entries, &w->ring, &p);
	if (ret == -EINVAL) {
		memset(&p, 0, sizeof(p));
		ret = io_uring_queue_init_params(entries, &w->ring, &p);
	}
	if (ret) {
		free(w);
		return ret;
	}
	*out = w;
	return 0;
}

static struct wreq *req_get(struct writer *w, struct wfile *f, uint64_t off)
{
	struct wreq *r = w->free_reqs;

	if (r) {
		w->free_reqs = r->next;
	} else {
		r = calloc(1, sizeof(*r));
		if (!r)
			return NULL;
		r->iov = calloc(w->max_iov, sizeof(*r->iov));
		r->bufs = calloc(w->max_iov, sizeof(*r->bufs));
		if (!r->iov || !r->bufs) {
			free(r->iov);
			free(r->bufs);
			free(r);
			return NULL;
		}
	}
	r->f = f;
	r->off = off;
	r->total = 0;
	r->niov = 0;
	r->iov_first = 0;
	r->nbufs = 0;
	r->scratch_used = 0;
	r->next = NULL;
	return r;
}

static void req_put(struct writer *w, struct wreq *r)
{
	unsigned int i;

	if (r->stage) {
		/* Back from the disk: a spare block for the next full one. */
		r->next = w->free_stage;
		w->free_stage = r;
		return;
	}
	for (i = 0; i < r->nbufs; i++)
		buf_put(r->bufs[i]);
	r->nbufs = 0;
	r->next = w->free_reqs;
	w->free_reqs = r;
}

static void file_fail(struct wfile *f, int err, uint64_t bytes,
		      struct writer *w)
{
	f->errors++;
	w->st.write_errors++;
	w->st.bytes_failed += bytes;
	if (!f->error_logged) {
		pr_warn("write to %s failed: %s\n", f->path, strerror(-err));
		f->error_logged = true;
	}
}

static void req_complete(struct writer *w, struct wreq *r, int res);
static int req_issue(struct writer *w, struct wreq *r);
static void file_fail(struct wfile *f, int err, uint64_t bytes,
		      struct writer *w);
static void req_put(struct writer *w, struct wreq *r);

/* An openat completion's user_data: the wfile, tagged in its low bit. */
#define OPEN_TAG ((uintptr_t)1)

/*
 * The async open of f finished.  Its waiting requests go on the retry
 * list, issued after the reap loop (never from inside it); if the open
 * failed they fail.
 */
static void open_done(struct writer *w, struct wfile *f, int res)
{
	struct wreq *r;

	f->inflight--;
	f->opening = false;
	if (res >= 0)
		f->fd = res;
	else
		file_fail(f, res, 0, w);
	while ((r = f->pending)) {
		f->pending = r->next;
		if (res < 0) {
			file_fail(f, res, r->total, w);
			req_put(w, r);
			continue;
		}
		f->inflight++;
		r->next = w->retry;
		w->retry = r;
	}
}

static void issue_retries(struct writer *w)
{
	struct wreq *r;

	while ((r = w->retry)) {
		w->retry = r->next;
		r->f->inflight--;
		if (req_issue(w, r)) {
			file_fail(r->f, -EIO, r->total, w);
			req_put(w, r);
		}
	}
}

/* Reap every completion that is ready; wait for one if wait is set. */
static int reap(struct writer *w, bool wait)
{
	struct io_uring_cqe *cqe;
	unsigned int head, n = 0;
	int ret;

	if (wait && w->inflight) {
		ret = io_uring_wait_cqe(&w->ring, &cqe);
		if (ret < 0 && ret != -EINTR)
			return ret;
	}
	io_uring_for_each_cqe(&w->ring, head, cqe)
	{
		uintptr_t data = (uintptr_t)io_uring_cqe_get_data(cqe);

		n++;
		w->inflight--;
		if (data & OPEN_TAG) {
			open_done(w, (struct wfile *)(data & ~OPEN_TAG),
				  cqe->res);
			continue;
		}
		((struct wreq *)data)->f->inflight--;
		req_complete(w, (struct wreq *)data, cqe->res);
	}
	io_uring_cq_advance(&w->ring, n);
	issue_retries(w);
	return n;
}

static int req_issue(struct writer *w, struct wreq *r)
{
	struct io_uring_sqe *sqe;
	int ret;

	if (r->f->opening) {
		/* Issued by open_done(); order among them does not matter. */
		r->next = r->f->pending;
		r->f->pending = r;
		return 0;
	}

	/*
	 * inflight counts prepared SQEs too and stays below the SQ size, so
	 * the SQ always has room and the CQ (twice the SQ) cannot overflow.
	 */
	while (w->inflight >= w->sq_entries) {
		ret = io_uring_submit(&w->ring);
		if (ret < 0)
			return ret;
		w->st.submits++;
		ret = reap(w, true);
		if (ret < 0)
			return ret;
	}
	sqe = io_uring_get_sqe(&w->ring);
	if (!sqe)
		return -EBUSY;
	io_uring_prep_writev(sqe, r->f->fd, r->iov + r->iov_first,
			     r->niov - r->iov_first, r->off);
	io_uring_sqe_set_data(sqe, r);
	w->inflight++;
	r->f->inflight++;
	w->st.writes_submitted++;
	return 0;
}

/* Advance r past res written bytes; true when nothing is left. */
static bool req_advance(struct wreq *r, uint64_t res)
{
	r->off += res;
	r->total -= res;
	while (res && r->iov_first < r->niov) {
		struct iovec *v = &r->iov[r->iov_first];

		if (res < v->iov_len) {
			v->iov_base = (uint8_t *)v->iov_base + res;
			v->iov_len -= res;
			res = 0;
			break;
		}
		res -= v->iov_len;
		r->iov_first++;
	}
	return r->total == 0;
}

static void req_complete(struct writer *w, struct wreq *r, int res)
{
	if (res == -EINTR || res == -EAGAIN ||
	    (res > 0 && (uint64_t)res < r->total)) {
		/* Short write or retryable: the rest goes again. */
		if (res > 0) {
			w->st.bytes_written += res;
			req_advance(r, res);
		}
		/* Issued after the reap loop; the file is not settled yet. */
		r->f->inflight++;
		r->next = w->retry;
		w->retry = r;
		return;
	}
	if (res < 0)
		file_fail(r->f, res, r->total, w);
	else
		w->st.bytes_written += res;
	req_put(w, r);
}

static int file_flush(struct writer *w, struct wfile *f)
{
	struct wreq *r = f->open;
	int ret;

	if (!r)
		return 0;
	f->open = NULL;
	ret = req_issue(w, r);
	if (ret) {
		file_fail(f, ret, r->total, w);
		req_put(w, r);
	}
	return ret;
}

static void mark_dirty(struct writer *w, struct wfile *f)
{
	if (f->dirty)
		return;
	f->dirty = true;
	f->next_dirty = w->dirty;
	w->dirty = f;
}

static int flush_dirty(struct writer *w)
{
	struct wfile *f;
	int ret = 0;

	while ((f = w->dirty)) {
		w->dirty = f->next_dirty;
		f->dirty = false;
		if (file_flush(w, f))
			ret = -EIO;
	}
	return ret;
}

int writer_submit(struct writer *w)
{
	int ret;

	flush_dirty(w);
	if (io_uring_sq_ready(&w->ring)) {
		ret = io_uring_submit(&w->ring);
		if (ret < 0)
			return ret;
		w->st.submits++;
	}
	ret = reap(w, false);
	return ret < 0 ? ret : 0;
}

/* Submit what is prepared and wait for (at least) one completion. */
static int wait_completion(struct writer *w)
{
	int ret;

	if (io_uring_sq_ready(&w->ring)) {
		ret = io_uring_submit(&w->ring);
		if (ret < 0)
			return ret;
		w->st.submits++;
	}
	ret = reap(w, true);
	return ret < 0 ? ret : 0;
}

int writer_drain(struct writer *w)
{
	int ret = writer_submit(w);

	while (w->inflight || w->retry) {
		ret = wait_completion(w);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/*
 * The request new bytes for (f, off) go into: f's open request when they
 * continue it and it has room for need_iov more iovecs and need_scratch
 * bytes of copies, else a fresh one (the old one is issued).
 */
static struct wreq *req_for(struct writer *w, struct wfile *f, uint64_t off,
			    unsigned int need_scratch)
{
	struct wreq *r = f->open;

	if (r && r->off + r->total == off && r->niov < w->max_iov &&
	    r->scratch_used + need_scratch <= WRITER_SCRATCH)
		return r;
	if (r && file_flush(w, f))
		return NULL;
	r = req_get(w, f, off);
	if (!r)
		return NULL;
	f->open = r;
	mark_dirty(w, f);
	return r;
}

static struct wreq *stage_alloc(struct writer *w)
{
	struct wreq *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->iov = calloc(1, sizeof(*r->iov));
	if (!r->iov || posix_memalign((void **)&r->stage, WRITER_DIO_ALIGN,
				      w->block_size)) {
		free(r->iov);
		free(r);
		return NULL;
	}
	w->nstage++;
	return r;
}

static void stage_free(struct writer *w, struct wreq *r)
{
	w->nstage--;
	free(r->stage);
	free(r->iov);
	free(r);
}

/*
 * A block for f starting at f->end: a spare one, a new one while the pool
 * is under its bound, else the next one a completion gives back.
 */
static int stage_take(struct writer *w, struct wfile *f)
{
	struct wreq *r;
	int ret;

	for (;;) {
		r = w->free_stage;
		if (r) {
			w->free_stage = r->next;
			break;
		}
		if (w->nstage < w->stage_spare + w->ndirect) {
			r = stage_alloc(w);
			if (!r)
				return -ENOMEM;
			break;
		}
		w->st.stage_waits++;
		ret = wait_completion(w);
		if (ret < 0)
			return ret;
	}
	r->f = f;
	r->off = f->end;
	r->next = NULL;
	f->stage = r;
	return 0;
}

/* Give back f's block; the pool shrinks to its bound as files close. */
static void stage_release(struct writer *w, struct wfile *f)
{
	struct wreq *r = f->stage;

	f->stage = NULL;
	if (r) {
		r->next = w->free_stage;
		w->free_stage = r;
	}
	while (w->nstage > w->stage_spare + w->ndirect && w->free_stage) {
		r = w->free_stage;
		w->free_stage = r->next;
		stage_free(w, r);
	}
}

/*
 * f's block is full: it leaves as one aligned write, and f takes the next
 * one now, so that a file always holds its own block and the spare ones
 * are the only ones in flight.  If it cannot (no memory), the next append
 * tries again.
 */
static void stage_issue(struct writer *w, struct wfile *f)
{
	struct wreq *r = f->stage;
	int ret;

	f->stage = NULL;
	r->iov[0].iov_base = r->stage;
	r->iov[0].iov_len = w->block_size;
	r->niov = 1;
	r->iov_first = 0;
	r->total = w->block_size;
	ret = req_issue(w, r);
	if (ret) {
		file_fail(f, ret, r->total, w);
		req_put(w, r);
	}
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
		memcpy(f->stage->stage + fill, p, n);
		p += n;
		len -= n;
		f->end += n;
		w->st.bytes_staged += n;
		if (fill + n == w->block_size)
			stage_issue(w, f);
	}
	return 0;
}

static int pwrite_all(int fd, const uint8_t *p, size_t len, uint64_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= n;
		off += n;
	}
	return 0;
}

/*
 * The partial last block, once f is settled: through the page cache, so
 * the file ends at its last byte rather than at a padded block boundary.
 */
static void direct_tail(struct writer *w, struct wfile *f)
{
	uint32_t fill = f->stage ? f->end - f->stage->off : 0;
	int fl, ret = 0;

	if (fill) {
		fl = fcntl(f->fd, F_GETFL);
		if (fl < 0 || fcntl(f->fd, F_SETFL, fl & ~O_DIRECT))
			ret = -errno;
		if (!ret)
			ret = pwrite_all(f->fd, f->stage->stage, fill,
					 f->stage->off);
		if (ret)
			file_fail(f, ret, fill, w);
		else
			w->st.bytes_written += fill;
	}
	w->ndirect--;
	f->direct = false;
	stage_release(w, f);
}

int writer_write(struct writer *w, struct wfile *f, uint64_t off,
		 const void *ptr, uint32_t len, struct buf *b)
{
	struct wreq *r;

	if (f->errors)
		return -EIO;
	if (f->append_only && off != f->end)
		return -EINVAL;
	if (!len)
		return 0;
	if (f->direct)
		return direct_append(w, f, ptr, len);
	r = req_for(w, f, off, 0);
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

int writer_write_copy(struct writer *w, struct wfile *f, uint64_t off,
		      const void *ptr, uint32_t len)
{
	struct wreq *r;
	uint8_t *dst;

	if (len > 256)
		return -EINVAL;
	if (f->errors)
		return -EIO;
	if (f->append_only && off != f->end)
		return -EINVAL;
	if (f->direct)
		return direct_append(w, f, ptr, len);
	r = req_for(w, f, off, len);
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

static void log_fallback(const char *path)
{
	static bool logged;

	/* Once per process: every file on that filesystem would say it. */
	if (!__atomic_exchange_n(&logged, true, __ATOMIC_RELAXED))
		pr_info("%s: the filesystem refuses O_DIRECT; direct output "
			"is written buffered there\n",
			path);
}

/* Open f->path, O_DIRECT first when asked, buffered if the fs says no. */
/* Queue an openat of f's path; the fd arrives in open_done(). */
static int file_open_async(struct writer *w, struct wfile *f, int flags)
{
	struct io_uring_sqe *sqe;
	int ret;

	while (w->inflight >= w->sq_entries) {
		ret = io_uring_submit(&w->ring);
		if (ret < 0)
			return ret;
		w->st.submits++;
		ret = reap(w, true);
		if (ret < 0)
			return ret;
	}
	sqe = io_uring_get_sqe(&w->ring);
	if (!sqe)
		return -EBUSY;
	io_uring_prep_openat(sqe, AT_FDCWD, f->path, flags, 0644);
	io_uring_sqe_set_data(sqe, (void *)((uintptr_t)f | OPEN_TAG));
	f->fd = -1;
	f->opening = true;
	w->inflight++;
	f->inflight++;
	return 0;
}

static int file_open_fd(struct writer *w, struct wfile *f, int flags,
			bool direct)
{
	if (direct) {
		f->fd = open(f->path, flags | O_DIRECT, 0644);
		if (f->fd >= 0) {
			f->direct = true;
			return 0;
		}
		if (errno != EINVAL)
			return -errno;
		w->st.direct_fallbacks++;
		log_fallback(f->path);
	}
	f->fd = open(f->path, flags, 0644);
	return f->fd < 0 ? -errno : 0;
}

static void file_free(struct wfile *f)
{
	free(f->path);
	free(f);
}

int writer_open(struct writer *w, const char *path, int extra_flags,
		struct wfile **out)
{
	bool direct = extra_flags & WRITER_DIRECT;
	bool async = extra_flags & WRITER_ASYNC_OPEN;
	struct wfile *f;
	int ret;

	if ((extra_flags & O_DIRECT) || (direct && async))
		return -EINVAL;
	extra_flags &= ~(WRITER_DIRECT | WRITER_ASYNC_OPEN);
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->path = strdup(path);
	if (!f->path) {
		free(f);
		return -ENOMEM;
	}
	if (async)
		ret = file_open_async(w, f,
				      O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
					      extra_flags);
	else
		ret = file_open_fd(w, f,
				   O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
					   extra_flags,
				   direct);
	if (!ret && f->direct) {
		w->ndirect++;
		ret = stage_take(w, f);
		if (ret) {
			close(f->fd);
			w->ndirect--;
			stage_release(w, f);
		}
	}
	if (ret) {
		file_free(f);
		return ret;
	}
	f->append_only = direct;
	f->next = w->files;
	if (w->files)
		w->files->pprev = &f->next;
	f->pprev = &w->files;
	w->files = f;
	*out = f;
	return 0;
}

/* Wait until nothing of f is queued or in flight. */
static int file_settle(struct writer *w, struct wfile *f)
{
	int ret;

	file_flush(w, f);
	while (f->inflight) {
		ret = wait_completion(w);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static void dirty_remove(struct writer *w, struct wfile *f)
{
	struct wfile **pp;

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
	ret = file_settle(w, f);
	if (ret)
		return ret;
	if (ftruncate(f->fd, size))
		return -errno;
	return 0;
}

int writer_close(struct writer *w, struct wfile *f)
{
	int ret = file_settle(w, f);

	/* Settled: the tail cannot overtake an O_DIRECT write in flight. */
	if (f->direct)
		direct_tail(w, f);
	dirty_remove(w, f);
	*f->pprev = f->next;
	if (f->next)
		f->next->pprev = f->pprev;
	if (f->fd >= 0 && close(f->fd) && !ret)
		ret = -errno;
	if (!ret && f->errors)
		ret = -EIO;
	file_free(f);
	return ret;
}

void writer_destroy(struct writer *w)
{
	struct wreq *r;

	if (!w)
		return;
	while (w->files)
		writer_close(w, w->files);
	writer_drain(w);
	while ((r = w->free_reqs)) {
		w->free_reqs = r->next;
		free(r->iov);
		free(r->bufs);
		free(r);
	}
	while ((r = w->free_stage)) {
		w->free_stage = r->next;
		stage_free(w, r);
	}
	io_uring_queue_exit(&w->ring);
	free(w);
}

unsigned int writer_inflight(const struct writer *w)
{
	return w->inflight;
}

void writer_get_stats(const struct writer *w, struct writer_stats *st)
{
	*st = w->st;
}

uint64_t wfile_errors(const struct wfile *f)
{
	return f->errors;
}

bool wfile_is_direct(const struct wfile *f)
{
	return f->direct;
}
