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
 * Direct mode (WRITER_DIRECT: staging blocks, O_DIRECT, the exact-size
 * tail) lives in writer_direct.c; the structures both files use are in
 * writer_int.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "out/writer_int.h"

/* The flags ride in open(2)'s flags: they must not mean anything there. */
_Static_assert(!((WRITER_DIRECT | WRITER_ASYNC_OPEN | WRITER_KEEP) &
		 (O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND |
		  O_NONBLOCK | O_DSYNC | O_DIRECT | O_LARGEFILE | O_DIRECTORY |
		  O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_SYNC | O_PATH |
		  O_TMPFILE)),
	       "a WRITER_ flag collides with an open(2) flag");

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
	if (opts) {
		struct timespec ts;

		w->linger_bytes = opts->linger_bytes;
		w->linger_ns = opts->linger_us * 1000ull;
		w->flush_ns = opts->direct_flush_ms * 1000000ull;
		w->abort = opts->abort;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		w->now_ns = ts.tv_sec * 1000000000ull + ts.tv_nsec;
		w->flushed_ns = w->now_ns;
	}
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

struct wreq *writer_req_get(struct writer *w, struct wfile *f, uint64_t off)
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
	r->born_ns = w->now_ns;
	r->total = 0;
	r->niov = 0;
	r->iov_first = 0;
	r->nbufs = 0;
	r->scratch_used = 0;
	r->flush = false;
	r->next = NULL;
	return r;
}

void writer_req_put(struct writer *w, struct wreq *r)
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

void writer_file_fail(struct wfile *f, int err, uint64_t off, uint64_t bytes,
		      struct writer *w)
{
	if (!f->err)
		f->err = err;
	if (!f->errors++ || off < f->bad_off)
		f->bad_off = off;
	w->st.write_errors++;
	w->st.bytes_failed += bytes;
	if (!f->error_logged) {
		pr_warn("write to %s failed: %s\n", f->path, strerror(-err));
		f->error_logged = true;
	}
}

static void req_complete(struct writer *w, struct wreq *r, int res);

#define ABORT_WAIT_NS 1000000000ull /* for the kernel's cancellations */

static uint64_t mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/*
 * Whether the writer stops waiting (writer_opts.abort).  The first time:
 * what is prepared is submitted and everything in flight cancelled, so
 * that the completions come back (-ECANCELED) instead of never.
 */
static bool aborting(struct writer *w)
{
	struct io_uring_sync_cancel_reg reg = {
		.flags = IORING_ASYNC_CANCEL_ANY | IORING_ASYNC_CANCEL_ALL,
		.timeout = {.tv_sec = 1},
	};

	if (w->aborting)
		return true;
	if (!w->abort || !__atomic_load_n(w->abort, __ATOMIC_RELAXED))
		return false;
	w->aborting = true;
	w->abort_until_ns = mono_now() + ABORT_WAIT_NS;
	io_uring_submit(&w->ring);
	io_uring_register_sync_cancel(&w->ring, &reg);
	return true;
}

/*
 * Wait for a completion.  With an abort flag, in slices, so that a flag
 * set meanwhile is seen; once aborting, not past abort_until_ns.
 */
static int wait_cqe(struct writer *w, struct io_uring_cqe **cqe)
{
	struct __kernel_timespec slice = {.tv_nsec = 100000000};
	int ret;

	if (!w->abort)
		return io_uring_wait_cqe(&w->ring, cqe);
	for (;;) {
		if (aborting(w) && mono_now() >= w->abort_until_ns) {
			ret = io_uring_peek_cqe(&w->ring, cqe);
			return ret == -EAGAIN ? -ECANCELED : ret;
		}
		ret = io_uring_wait_cqe_timeout(&w->ring, cqe, &slice);
		if (ret != -ETIME)
			return ret;
	}
}

/* An openat completion's user_data: the wfile, tagged in its low bit. */
#define OPEN_TAG ((uintptr_t)1)

/*
 * The async open of f finished.  Its waiting requests go on the retry
 * list, issued after the reap loop (never from inside it); if the open
 * failed they fail.
 */
static void open_done(struct writer *w, struct wfile *f, int res)
{
	f->inflight--;
	f->opening = false;
	if (res >= 0)
		f->fd = res;
	else
		writer_file_fail(f, res, 0, 0, w);
	writer_release_pending(w, f, res < 0 ? res : 0);
}

static struct wreq *pending_pop(struct wfile *f)
{
	struct wreq *r = f->pending;

	if (r) {
		f->pending = r->next;
		if (!f->pending)
			f->pending_last = NULL;
	}
	return r;
}

static void pending_push(struct wfile *f, struct wreq *r)
{
	r->next = NULL;
	if (f->pending_last)
		f->pending_last->next = r;
	else
		f->pending = r;
	f->pending_last = r;
}

void writer_release_pending(struct writer *w, struct wfile *f, int err)
{
	struct wreq *r;

	while ((r = pending_pop(f))) {
		if (err) {
			writer_file_fail(f, err, r->off, r->total, w);
			writer_req_put(w, r);
			continue;
		}
		f->inflight++;
		r->next = w->retry;
		w->retry = r;
		if (f->serial)
			break; /* the next one when this one completed */
	}
}

static void issue_retries(struct writer *w)
{
	struct wreq *r;
	int ret;

	while ((r = w->retry)) {
		w->retry = r->next;
		r->f->inflight--;
		ret = writer_req_issue(w, r);
		if (ret) {
			writer_file_fail(r->f, ret, r->off, r->total, w);
			if (r->f->serial) /* its successor fails in turn */
				writer_release_pending(w, r->f, 0);
			writer_req_put(w, r);
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
		ret = wait_cqe(w, &cqe);
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

/*
 * An SQE, after reaping completions until one is free. inflight counts
 * prepared SQEs too and stays below the SQ size, so the SQ always has
 * room and the CQ (twice the SQ) cannot overflow.
 */
static int get_sqe(struct writer *w, struct io_uring_sqe **sqe)
{
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
	*sqe = io_uring_get_sqe(&w->ring);
	return *sqe ? 0 : -EBUSY;
}

int writer_req_issue(struct writer *w, struct wreq *r)
{
	struct io_uring_sqe *sqe;
	int ret;

	if (w->aborting)
		return -ECANCELED;
	if (r->f->opening || (r->f->flushing && !r->flush) ||
	    (r->f->serial && r->f->inflight)) {
		/*
		 * Issued by open_done(); behind a flush, once the flush
		 * landed (an O_DIRECT write must not race a buffered one
		 * over the same bytes); to a FIFO, once the write before
		 * it completed (the offset means nothing there, and two
		 * writes in flight may land in either order).
		 */
		pending_push(r->f, r);
		return 0;
	}

	ret = get_sqe(w, &sqe);
	if (ret)
		return ret;
	io_uring_prep_writev(sqe, r->flush ? r->f->fd_buf : r->f->fd,
			     r->iov + r->iov_first, r->niov - r->iov_first,
			     r->off);
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
			if (r->flush)
				w->st.bytes_flushed += res;
			else
				w->st.bytes_written += res;
			req_advance(r, res);
		}
		if (!w->aborting) {
			/* Issued after the reap loop; f is not settled. */
			r->f->inflight++;
			r->next = w->retry;
			w->retry = r;
			return;
		}
		res = -ECANCELED;
	}
	if (res < 0) {
		writer_file_fail(r->f, res, r->off, r->total, w);
	} else if (r->flush) {
		/* Written again with its block: counted there. */
		w->st.bytes_flushed += res;
		r->off += res;
	} else {
		w->st.bytes_written += res;
	}
	if (r->flush)
		writer_direct_flush_done(w, r);
	if (r->f->serial)
		writer_release_pending(w, r->f, 0); /* the next one, in order */
	writer_req_put(w, r);
}

static int file_flush(struct writer *w, struct wfile *f)
{
	struct wreq *r = f->open;
	int ret;

	if (!r)
		return 0;
	f->open = NULL;
	ret = writer_req_issue(w, r);
	if (ret) {
		writer_file_fail(f, ret, r->off, r->total, w);
		writer_req_put(w, r);
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

/* Whether f's open request should leave now rather than linger. */
static bool ripe(const struct writer *w, const struct wfile *f)
{
	const struct wreq *r = f->open;

	return !w->linger_ns || !r || r->total >= w->linger_bytes ||
	       r->niov >= w->max_iov || w->now_ns - r->born_ns >= w->linger_ns;
}

static int flush_dirty(struct writer *w, bool all)
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
		if (file_flush(w, f))
			ret = -EIO;
	}
	w->dirty = keep;
	return ret;
}

static int submit(struct writer *w, bool all)
{
	int ret;

	if (w->linger_ns || (w->flush_ns && w->ndirect)) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		w->now_ns = ts.tv_sec * 1000000000ull + ts.tv_nsec;
	}
	if (w->abort)
		aborting(w);
	if (w->flush_ns && w->ndirect && !w->aborting)
		writer_direct_flush_tick(w);
	flush_dirty(w, all);
	if (io_uring_sq_ready(&w->ring)) {
		ret = io_uring_submit(&w->ring);
		if (ret < 0)
			return ret;
		w->st.submits++;
	}
	ret = reap(w, false);
	return ret < 0 ? ret : 0;
}

int writer_submit(struct writer *w)
{
	return submit(w, false);
}

int writer_flush(struct writer *w)
{
	return submit(w, true);
}

int writer_wait_completion(struct writer *w)
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
	int ret = writer_flush(w);

	while (w->inflight || w->retry) {
		ret = writer_wait_completion(w);
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
	r = writer_req_get(w, f, off);
	if (!r)
		return NULL;
	f->open = r;
	mark_dirty(w, f);
	return r;
}

int writer_write(struct writer *w, struct wfile *f, uint64_t off,
		 const void *ptr, uint32_t len, struct buf *b)
{
	struct wreq *r;

	if (f->errors)
		return f->err;
	if (w->aborting)
		return -ECANCELED;
	if (f->append_only && off != f->end)
		return -EINVAL;
	if (!len)
		return 0;
	if (f->direct)
		return writer_direct_append(w, f, ptr, len);
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
		return f->err;
	if (w->aborting)
		return -ECANCELED;
	if (f->append_only && off != f->end)
		return -EINVAL;
	if (f->direct)
		return writer_direct_append(w, f, ptr, len);
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

/* Queue an openat of f's path; the fd arrives in open_done(). */
static int file_open_async(struct writer *w, struct wfile *f, int flags)
{
	struct io_uring_sqe *sqe;
	int ret;

	ret = get_sqe(w, &sqe);
	if (ret)
		return ret;
	io_uring_prep_openat(sqe, AT_FDCWD, f->path, flags, 0644);
	io_uring_sqe_set_data(sqe, (void *)((uintptr_t)f | OPEN_TAG));
	f->fd = -1;
	f->opening = true;
	w->inflight++;
	f->inflight++;
	return 0;
}

/* Open f->path, O_DIRECT first when asked, buffered if the fs says no. */
static int file_open_fd(struct writer *w, struct wfile *f, int flags,
			bool direct)
{
	if (direct)
		return writer_direct_open(w, f, flags);
	f->fd = writer_sys_open(f->path, flags);
	if (f->fd < 0)
		return f->fd;
	f->serial = writer_fd_is_stream(f->fd);
	return 0;
}

bool writer_fd_is_stream(int fd)
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

int writer_open(struct writer *w, const char *path, int extra_flags,
		struct wfile **out)
{
	bool direct = extra_flags & WRITER_DIRECT;
	bool async = extra_flags & WRITER_ASYNC_OPEN;
	int flags = O_WRONLY | O_CREAT | O_CLOEXEC;
	struct wfile *f;
	int ret;

	if ((extra_flags & O_DIRECT) || (direct && async))
		return -EINVAL;
	if (!(extra_flags & WRITER_KEEP))
		flags |= O_TRUNC;
	flags |= extra_flags &
		 ~(WRITER_DIRECT | WRITER_ASYNC_OPEN | WRITER_KEEP);
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->path = strdup(path);
	if (!f->path) {
		free(f);
		return -ENOMEM;
	}
	if (async)
		ret = file_open_async(w, f, flags);
	else
		ret = file_open_fd(w, f, flags, direct);
	if (!ret && f->direct) {
		ret = writer_direct_start(w, f);
		if (ret)
			close(f->fd);
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
int writer_settle(struct writer *w, struct wfile *f)
{
	int ret;

	file_flush(w, f);
	while (f->inflight) {
		ret = writer_wait_completion(w);
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
	ret = writer_settle(w, f);
	if (ret)
		return ret;
	if (ftruncate(f->fd, size))
		return -errno;
	return 0;
}

int writer_close_at(struct writer *w, struct wfile *f, uint64_t size)
{
	int ret = writer_settle(w, f);

	/* Given up on (an abort): what still waits is not written. */
	writer_release_pending(w, f, f->err ? f->err : -ECANCELED);
	/* Settled: the tail cannot overtake an O_DIRECT write in flight. */
	if (f->direct && !f->inflight)
		writer_direct_finish(w, f, size);
	dirty_remove(w, f);
	*f->pprev = f->next;
	if (f->next)
		f->next->pprev = f->pprev;
	if (f->inflight) {
		/*
		 * The ring failed while writes were in flight: their
		 * completions, whenever they come, still point at f, and
		 * writes prepared but not submitted name its fd.  Leave both
		 * (a leak on a path that is already an error) rather than
		 * free f under them or let a new file reuse the fd number.
		 */
		pr_warn("closing %s with %u writes in flight: %s\n", f->path,
			f->inflight, strerror(-ret));
		return ret;
	}
	writer_direct_close(f);
	if (f->fd >= 0 && size < f->end && ftruncate(f->fd, size) && !ret)
		ret = -errno;
	if (f->fd >= 0 && close(f->fd) && !ret)
		ret = -errno;
	if (!ret && f->errors)
		ret = f->err;
	file_free(f);
	return ret;
}

int writer_close(struct writer *w, struct wfile *f)
{
	return writer_close_at(w, f, UINT64_MAX);
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
	writer_direct_free_pool(w);
	free(w->flush_buf);
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

int wfile_error(const struct wfile *f)
{
	return f->err;
}

bool wfile_is_direct(const struct wfile *f)
{
	return f->direct;
}
