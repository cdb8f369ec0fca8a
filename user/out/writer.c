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
 * The kinds of file live apart: buffered writevs in writer_buffered.c,
 * append-only O_DIRECT (WRITER_DIRECT) in writer_direct.c, O_DIRECT with
 * holes (WRITER_DIRECT_SPARSE) in writer_sparse.c; a file's open, writes
 * and close in writer_file.c; the structures they share in writer_int.h.
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

/* The flags ride in open(2)'s flags: they must not mean anything there. */
_Static_assert(!((WRITER_DIRECT | WRITER_ASYNC_OPEN | WRITER_KEEP) &
		 (O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND |
		  O_NONBLOCK | O_DSYNC | O_DIRECT | O_LARGEFILE | O_DIRECTORY |
		  O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_SYNC | O_PATH |
		  O_TMPFILE)),
	       "a WRITER_ flag collides with an open(2) flag");

static void writer_setup_kernel(struct writer *w, const struct writer_opts *o)
{
	struct io_uring_probe *pr = io_uring_get_probe_ring(&w->ring);
	unsigned int n = o && o->file_slots ? o->file_slots : 256, i;
	struct rlimit rl;

	/* Registering more slots than RLIMIT_NOFILE fails (EMFILE). */
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < n)
		n = rl.rlim_cur;

	w->has_ftruncate =
		pr && io_uring_opcode_supported(pr, WRITER_OP_FTRUNCATE);
	if (pr)
		io_uring_free_probe(pr);
	{
		/*
		 * [bounded (regular files: creates, truncates), unbounded]:
		 * 0 keeps the latter.  Creates in one directory serialise on
		 * its lock, so more workers than a few only contend.
		 */
		unsigned int vals[2] = {
			o && o->iowq_workers ? o->iowq_workers : 16, 0};

		if (io_uring_register_iowq_max_workers(&w->ring, vals))
			pr_debug("writer: io-wq workers not set\n");
	}
	/* Chains need fixed slots; without them files open the long way. */
	w->slots = calloc(n, sizeof(*w->slots));
	if (w->slots && !io_uring_register_files_sparse(&w->ring, n)) {
		for (i = 0; i < n; i++)
			w->slots[i] = n - 1 - i;
		w->nslots = w->nslots_free = n;
	} else {
		free(w->slots);
		w->slots = NULL;
	}
}

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
	w->max_closing = opts && opts->max_closing ? opts->max_closing : 4096;
	w->sparse_total =
		opts && opts->sparse_total ? opts->sparse_total : 64ull << 20;
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
	p.flags = IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
	ret = io_uring_queue_init_params(entries, &w->ring, &p);
	if (ret == -EINVAL) {
		memset(&p, 0, sizeof(p));
		p.flags = IORING_SETUP_COOP_TASKRUN;
		ret = io_uring_queue_init_params(entries, &w->ring, &p);
	}
	if (ret == -EINVAL) {
		memset(&p, 0, sizeof(p));
		ret = io_uring_queue_init_params(entries, &w->ring, &p);
	}
	if (ret) {
		free(w);
		return ret;
	}
	writer_setup_kernel(w, opts);
	*out = w;
	return 0;
}

static void req_init(struct writer *w, struct wreq *r, struct wfile *f,
		     uint64_t off)
{
	r->f = f;
	r->op = WOP_WRITE;
	r->off = off;
	r->born_ns = w->now_ns;
	r->total = 0;
	r->niov = 0;
	r->iov_first = 0;
	r->nbufs = 0;
	r->scratch_used = 0;
	r->flush = false;
	r->chain = NULL;
	r->link_flags = 0;
	r->stage = NULL;
	r->extra = 0;
	r->next = NULL;
}

/* A request later writes may extend: max_iov iovecs. */
struct wreq *writer_req_get_big(struct writer *w, struct wfile *f, uint64_t off)
{
	struct wreq *r = w->free_reqs;

	if (r) {
		w->free_reqs = r->next;
	} else {
		r = calloc(1, sizeof(*r));
		if (!r)
			return NULL;
		r->big = true;
		r->iov = calloc(w->max_iov, sizeof(*r->iov));
		r->bufs = calloc(w->max_iov, sizeof(*r->bufs));
		if (!r->iov || !r->bufs) {
			free(r->iov);
			free(r->bufs);
			free(r);
			return NULL;
		}
	}
	req_init(w, r, f, off);
	return r;
}

struct wreq *writer_req_get(struct writer *w, struct wfile *f, uint64_t off)
{
	struct wreq *r = w->free_small;

	if (r) {
		w->free_small = r->next;
	} else {
		r = calloc(1, sizeof(*r));
		if (!r)
			return NULL;
		r->iov = &r->iov1;
		r->bufs = &r->buf1;
	}
	req_init(w, r, f, off);
	return r;
}

void writer_req_put(struct writer *w, struct wreq *r)
{
	unsigned int i;

	if (r->stage && r->stage->cap) {
		writer_sparse_put(w, r->stage);
		r->stage = NULL;
	} else if (r->stage) {
		/* Back from the disk: a spare block for the next full one. */
		r->stage->next = w->free_stage;
		w->free_stage = r->stage;
		r->stage = NULL;
	}
	for (i = 0; i < r->nbufs; i++)
		buf_put(r->bufs[i]);
	r->nbufs = 0;
	if (r->op == WOP_MKDIR || r->op == WOP_RENAME || r->op == WOP_UNLINK) {
		free(r->iov[0].iov_base);
		r->iov[0].iov_base = NULL;
		r->done = NULL;
	}
	if (r->big) {
		r->next = w->free_reqs;
		w->free_reqs = r;
	} else {
		r->next = w->free_small;
		w->free_small = r;
	}
}

static void req_free(struct wreq *r)
{
	if (r->big) {
		free(r->iov);
		free(r->bufs);
	}
	free(r->scratch);
	free(r);
}

static void req_complete(struct writer *w, struct wreq *r, int res);

/* The bytes of r's bufs did not all reach the file: buf.failed = errno. */
static void req_mark_failed(struct wreq *r, int err)
{
	unsigned int i;

	for (i = 0; i < r->nbufs; i++)
		r->bufs[i]->failed = err < 0 ? (uint32_t)-err : EIO;
}

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

	if (!w->draining)
		w->st.waits++;
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

/*
 * The async open of f finished.  Its waiting requests go to the queue
 * (issued after the reap loop); if the open failed they fail.
 */
static void open_done(struct writer *w, struct wfile *f, int res)
{
	f->opening = false;
	if (res >= 0 && !f->fixed)
		f->fd = res;
	else if (res < 0 && (res != -ECANCELED || !f->errors))
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

/* Append r to the list head..last (each list keeps its oldest first). */
static void req_append(struct wreq **head, struct wreq **last, struct wreq *r)
{
	r->next = NULL;
	if (*last)
		(*last)->next = r;
	else
		*head = r;
	*last = r;
}

static void pending_push(struct wfile *f, struct wreq *r)
{
	req_append(&f->pending, &f->pending_last, r);
}

static unsigned int chain_len(const struct wreq *r)
{
	unsigned int n = 0;

	for (; r; r = r->chain)
		n++;
	return n;
}

static void queue_push(struct writer *w, struct wreq *r)
{
	req_append(&w->queued, &w->queued_last, r);
}

/* Chains waiting for a fixed slot, oldest first (no SQE, no count yet). */
void writer_queue_push_slot(struct writer *w, struct wreq *r)
{
	req_append(&w->slot_wait, &w->slot_wait_last, r);
}

/* A slot is free again: the oldest waiting chain takes it. */
static void slot_free(struct writer *w, int slot)
{
	struct wreq *r = w->slot_wait;

	if (!r) {
		w->slots[w->nslots_free++] = slot;
		return;
	}
	w->slot_wait = r->next;
	if (!w->slot_wait)
		w->slot_wait_last = NULL;
	r->f->fd = slot;
	writer_issue(w, r);
}

static void prep_one(struct writer *w, struct wreq *r)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&w->ring);
	struct wfile *f = r->f;
	int fd = f ? (r->flush ? f->fd_buf : f->fd) : -1;

	switch (r->op) {
	case WOP_WRITE:
		io_uring_prep_writev(sqe, fd, r->iov + r->iov_first,
				     r->niov - r->iov_first, r->off);
		w->st.writes_submitted++;
		break;
	case WOP_OPEN:
		if (f->fixed)
			io_uring_prep_openat_direct(sqe, AT_FDCWD, f->path,
						    (int)r->total, 0644, fd);
		else
			io_uring_prep_openat(sqe, AT_FDCWD, f->path,
					     (int)r->total, 0644);
		break;
	case WOP_TRUNC:
		io_uring_prep_rw(WRITER_OP_FTRUNCATE, sqe, fd, NULL, 0, r->off);
		w->st.truncates++;
		break;
	case WOP_CLOSE:
		if (f->fixed)
			io_uring_prep_close_direct(sqe, fd);
		else
			io_uring_prep_close(sqe, fd);
		break;
	case WOP_MKDIR:
		io_uring_prep_mkdirat(sqe, AT_FDCWD, r->iov[0].iov_base, 0755);
		break;
	case WOP_FSYNC:
		io_uring_prep_fsync(sqe, fd, 0);
		break;
	case WOP_RENAME:
		io_uring_prep_renameat(
			sqe, AT_FDCWD, r->iov[0].iov_base, AT_FDCWD,
			(char *)r->iov[0].iov_base + r->iov[0].iov_len,
			(unsigned int)r->off);
		break;
	case WOP_UNLINK:
		io_uring_prep_unlinkat(sqe, AT_FDCWD, r->iov[0].iov_base, 0);
		break;
	}
	if (f && f->fixed && (r->op == WOP_WRITE || r->op == WOP_TRUNC))
		sqe->flags |= IOSQE_FIXED_FILE;
	sqe->flags |= r->link_flags;
	io_uring_sqe_set_data(sqe, r);
	w->inflight++;
}

/*
 * Into the SQ if a whole chain fits (inflight counts prepared SQEs too and
 * stays at most the SQ size, so the CQ, twice that, cannot overflow), else
 * queued behind what waits already.  The file counts it either way.
 */
void writer_issue(struct writer *w, struct wreq *r)
{
	unsigned int n = chain_len(r);
	struct wreq *c;

	for (c = r; c; c = c->chain)
		if (c->f)
			c->f->inflight++;
	if (w->queued || w->inflight + n > w->sq_entries) {
		w->st.sq_queued++;
		queue_push(w, r);
		return;
	}
	for (c = r; c; c = c->chain)
		prep_one(w, c);
}

/* Queued work into the SQ while it fits; all of it fails when aborting. */
static void issue_queued(struct writer *w)
{
	struct wreq *r, *c, *next;

	while ((r = w->queued)) {
		/* a close still goes to the kernel when aborting: room first */
		if ((!w->aborting || r->op == WOP_CLOSE) &&
		    w->inflight + chain_len(r) > w->sq_entries)
			break;
		w->queued = r->next;
		if (!w->queued)
			w->queued_last = NULL;
		if (!w->aborting || r->op == WOP_CLOSE) {
			for (c = r; c; c = c->chain)
				prep_one(w, c);
			continue;
		}
		for (c = r; c; c = next) {
			next = c->chain;
			/* what would have closed the file still does */
			if (c->op == WOP_CLOSE && !c->f->fixed)
				close(c->f->fd);
			writer_req_completed(w, c, -ECANCELED);
		}
	}
}

void writer_release_pending(struct writer *w, struct wfile *f, int err)
{
	struct wreq *r;

	while ((r = pending_pop(f))) {
		if (err && r->op == WOP_RENAME) {
			writer_path_done(w, r, err);
			continue;
		}
		if (err) {
			writer_file_fail(f, err, r->off, r->total, w);
			req_mark_failed(r, err);
			writer_req_put(w, r);
			continue;
		}
		writer_issue(w, r);
		if (f->max_inflight && f->inflight >= f->max_inflight)
			break; /* the next one when one completed */
	}
}

/* Files whose closing may be due: checked after the reap loop. */
void writer_req_completed(struct writer *w, struct wreq *r, int res)
{
	struct wfile *f = r->f;

	if (f)
		f->inflight--;
	switch (r->op) {
	case WOP_WRITE:
		req_complete(w, r, res);
		break;
	case WOP_OPEN:
		if (res == -EINVAL && (r->total & O_DIRECT) && !f->fixed) {
			/* The fs refuses O_DIRECT: the same blocks, buffered. */
			r->total &= ~(uint64_t)O_DIRECT;
			w->st.direct_fallbacks++;
			writer_issue(w, r);
			break;
		}
		open_done(w, f, res);
		writer_req_put(w, r);
		break;
	case WOP_TRUNC:
	case WOP_FSYNC:
		if (res < 0 && (res != -ECANCELED || !f->errors))
			writer_file_fail(f, res, r->off, 0, w);
		writer_req_put(w, r);
		break;
	case WOP_CLOSE:
		if (res < 0 && (res != -ECANCELED || !f->errors))
			writer_file_fail(f, res, f->end, 0, w);
		writer_req_put(w, r);
		/* Done: f leaves the writer's files for the callbacks. */
		*f->pprev = f->next;
		if (f->next)
			f->next->pprev = f->pprev;
		if (f->fixed)
			slot_free(w, f->fd);
		w->nclosing--;
		if (!f->fixed)
			w->nclosing_fds--;
		f->next_closed = w->closed;
		w->closed = f;
		return;
	case WOP_MKDIR:
	case WOP_RENAME:
	case WOP_UNLINK:
		writer_path_done(w, r, res);
		break;
	}
	if (f && f->closing)
		writer_close_check(w, f);
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
		n++;
		w->inflight--;
		writer_req_completed(w, io_uring_cqe_get_data(cqe), cqe->res);
	}
	io_uring_cq_advance(&w->ring, n);
	issue_queued(w);
	writer_run_closed(w);
	return n;
}

int writer_req_issue(struct writer *w, struct wreq *r)
{
	struct wfile *f = r->f;

	if (w->aborting)
		return -ECANCELED;
	if (f->opening || (f->flushing && !r->flush) ||
	    (f->max_inflight && f->inflight >= f->max_inflight)) {
		/*
		 * Issued by open_done(); behind a flush, once the flush
		 * landed (an O_DIRECT write must not race a buffered one
		 * over the same bytes); to a FIFO, once the write before
		 * it completed (the offset means nothing there, and two
		 * writes in flight may land in either order).
		 */
		pending_push(f, r);
		return 0;
	}
	writer_issue(w, r);
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
	struct wfile *f = r->f;

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
		/*
		 * A chain's file is closed right behind its write: a
		 * short write there is a full disk (or a size limit).
		 */
		if (f->fixed)
			res = -ENOSPC;
		else if (!w->aborting) {
			r->chain = NULL;
			r->link_flags = 0;
			writer_issue(w, r);
			return;
		} else {
			res = -ECANCELED;
		}
	}
	if (res < 0) {
		if (res != -ECANCELED || !f->fixed || !f->errors)
			writer_file_fail(f, res, r->off, r->total, w);
		req_mark_failed(r, res);
	} else if (r->flush) {
		/* Written again with its block: counted there. */
		w->st.bytes_flushed += res;
		r->off += res;
	} else {
		w->st.bytes_written += res;
		w->st.sparse_extra += r->extra;
	}
	if (r->flush)
		writer_direct_flush_done(w, r);
	if (f->max_inflight)
		writer_release_pending(w, f, 0); /* the next one, in order */
	writer_req_put(w, r);
}

int writer_file_flush(struct writer *w, struct wfile *f)
{
	struct wreq *r = f->open;
	int ret;

	if (!r)
		return 0;
	f->open = NULL;
	ret = writer_req_issue(w, r);
	if (ret) {
		writer_file_fail(f, ret, r->off, r->total, w);
		req_mark_failed(r, ret);
		writer_req_put(w, r);
	}
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
	writer_buffered_flush_dirty(w, all);
	issue_queued(w);
	if (io_uring_sq_ready(&w->ring)) {
		ret = io_uring_submit(&w->ring);
		if (ret < 0)
			return ret;
		w->st.submits++;
	} else if (IO_URING_READ_ONCE(*w->ring.sq.kflags) & IORING_SQ_TASKRUN) {
		/*
		 * Completions wait for us to enter the kernel (COOP_TASKRUN):
		 * a turn with nothing to submit must still let them in, or
		 * closes and their callbacks stall behind a quiet SQ.
		 */
		io_uring_get_events(&w->ring);
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

int writer_wait(struct writer *w)
{
	int ret;

	issue_queued(w);
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
	bool was = w->draining;
	int ret = 0;

	w->draining = true;
	for (;;) {
		/* Callbacks may queue more (an index line): flush each time. */
		ret = writer_flush(w);
		if (ret < 0 || (!w->inflight && !w->queued && !w->dirty))
			break;
		ret = writer_wait(w);
		if (ret < 0)
			break;
	}
	w->draining = was;
	return ret;
}

void writer_destroy(struct writer *w)
{
	struct wfile *f, *next;
	struct wreq *r;

	if (!w)
		return;
	w->draining = true;
	for (f = w->files; f; f = next) {
		next = f->next;
		if (!f->closing)
			writer_close_async(w, f, WRITER_SIZE_KEEP, NULL, NULL);
	}
	writer_drain(w);
	writer_run_closed(w);
	if (w->files)
		pr_warn("writer: %s and others not closed (work in flight)\n",
			w->files->path);
	while ((r = w->free_reqs)) {
		w->free_reqs = r->next;
		req_free(r);
	}
	while ((r = w->free_small)) {
		w->free_small = r->next;
		req_free(r);
	}
	writer_direct_free_pool(w);
	writer_sparse_free_pool(w);
	free(w->flush_buf);
	free(w->slots);
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
