/* SPDX-License-Identifier: GPL-2.0 */
/*
 * writer internals: the request layer of writer.c (the io_uring, requests,
 * files, the queue of work waiting for room in the SQ, asynchronous close)
 * and the per-file operations a kind of file implements on top of it:
 * writer_buffered.c (the default), writer_direct.c (append-only O_DIRECT,
 * pcap files), writer_sparse.c (O_DIRECT with holes, stream files); each
 * kind sees the others only through its struct wfile_ops.  Not part of the
 * API: callers use writer.h.
 */
#ifndef FS_WRITER_INT_H
#define FS_WRITER_INT_H

#include <liburing.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "out/writer.h"

#define WRITER_SCRATCH 2048 /* bytes of copied headers per request */
#define WRITER_DIO_ALIGN 4096 /* O_DIRECT memory, offset and size unit */
/* Sparse direct mode: the first block of a file, and the size classes. */
#define WRITER_SPARSE_MIN 4096u
#define WRITER_SPARSE_CLASSES 16
/* IORING_OP_FTRUNCATE (kernel 6.9; liburing 2.3's headers lack it) */
#define WRITER_OP_FTRUNCATE 55

/* The operation a request carries to the kernel. */
enum wop {
	WOP_WRITE, /* a writev at off */
	WOP_OPEN, /* openat of f->path (or into fixed slot f->fd) */
	WOP_TRUNC, /* ftruncate to off (IORING_OP_FTRUNCATE) */
	WOP_CLOSE, /* close f->fd (or its fixed slot) */
	WOP_MKDIR, /* mkdirat of the path in iov[0] */
	WOP_FSYNC, /* fsync f->fd before its close (WRITER_SYNC) */
	/* renameat of iov[0] to the string iov[0].iov_len past it, flags off */
	WOP_RENAME,
	WOP_UNLINK, /* unlinkat of the path in iov[0]; f is NULL */
};

/* An aligned O_DIRECT staging block, at file offset off. */
struct wstage {
	uint8_t *data;
	uint64_t off;
	uint32_t cap; /* sparse mode: its size; 0: direct_block_size */
	struct wstage *next; /* the writer's pool */
};

struct wreq {
	struct wfile *f;
	enum wop op;
	bool flush; /* direct mode: a partial block's copy, through fd_buf */
	/* the next request of a chain, linked in the SQ (IOSQE_IO_LINK) */
	struct wreq *chain;
	unsigned int link_flags;
	uint64_t off;
	uint64_t total; /* bytes still to write */
	unsigned int niov;
	unsigned int iov_first; /* first iovec not fully written */
	unsigned int nbufs;
	unsigned int scratch_used;
	struct wreq *next; /* free list, a file's pending list, the queue */
	struct iovec *iov; /* max_iov of them (big), else &iov1 */
	struct buf **bufs; /* the same, else &buf1 */
	bool big; /* a request writes extend (writer_write), or an op */
	struct iovec iov1;
	struct buf *buf1;
	uint8_t *scratch; /* WRITER_SCRATCH bytes, allocated on first use */
	struct wstage *stage; /* direct mode: the block it writes, or NULL */
	/* sparse mode: bytes it writes that are not the file's (padding) */
	uint32_t extra;
	uint64_t born_ns; /* when the request was started (linger) */
	/* WOP_RENAME: the result to the caller; off holds the flags */
	void (*done)(void *ctx, int res);
	void *done_ctx;
};

struct wfile;

/*
 * What a kind of file does differently; chosen when the file opens
 * (f->ops).  Every hook is called by writer.c only.
 */
struct wfile_ops {
	/* writer_write and writer_write_copy, after the common checks */
	int (*write)(struct writer *w, struct wfile *f, uint64_t off,
		     const void *ptr, uint32_t len, struct buf *b);
	int (*write_copy)(struct writer *w, struct wfile *f, uint64_t off,
			  const void *ptr, uint32_t len);
	/*
	 * f is closing and nothing of it is in flight: queue what must land
	 * before the close (direct: the partial last block, cut at size);
	 * true when something was queued (the close waits for it).
	 */
	bool (*close_tail)(struct writer *w, struct wfile *f, uint64_t size);
	/*
	 * writer_settle, before it waits (may be NULL): queue what f holds
	 * that the file must show (sparse: the partial block, kept).
	 */
	void (*settle)(struct writer *w, struct wfile *f);
	/* The file is gone: free what the kind holds for it.  Never waits. */
	void (*release)(struct writer *w, struct wfile *f);
};

extern const struct wfile_ops writer_buffered_ops;
extern const struct wfile_ops writer_direct_ops;
extern const struct wfile_ops writer_sparse_ops;

struct wfile {
	const struct wfile_ops *ops;
	int fd; /* or the fixed slot, with fixed */
	bool fixed; /* fd is a registered file slot (a chain's file) */
	unsigned int inflight; /* requests queued or submitted, not done */
	uint64_t errors;
	int err; /* the first failure's -errno */
	uint64_t bad_off; /* lowest offset a failed write left unwritten */
	bool error_logged;
	struct wreq *open; /* request later writes may extend */
	struct wfile *next_dirty;
	bool dirty;
	bool append_only; /* opened WRITER_DIRECT, whatever the fs said */
	bool direct; /* O_DIRECT accepted: bytes go through stage */
	uint64_t end; /* the offset after the last byte queued */
	struct wstage *stage; /* direct: the block being filled, at its off */
	uint32_t next_cap; /* sparse: the size of its next block */
	struct wfile *next, **pprev; /* the writer's files */
	bool opening; /* WRITER_ASYNC_OPEN: the openat is in flight */
	/*
	 * requests waiting for the open, or (direct) for a flush to land, or
	 * (serial) for the write before them, oldest first
	 */
	struct wreq *pending, *pending_last;
	/*
	 * Writes in flight at most (0: no bound): 1, in order, to what is
	 * not a regular file (a FIFO); 2 to a direct append-only file
	 * (writer_direct_open says why)
	 */
	unsigned int max_inflight;
	bool sync; /* WRITER_SYNC: an fsync before the close */
	int fd_buf; /* direct, with a flush interval: the file without O_DIRECT */
	bool flushing; /* direct: a flush write is in flight */
	uint64_t flushed; /* direct: bytes up to here are in the file */
	uint64_t flush_ns; /* direct: when its last flush started */
	/* Closing (writer_close_async): */
	bool closing;
	bool tail_done; /* ops->close_tail was asked */
	bool close_issued; /* the close (and truncate) are queued */
	uint64_t close_size; /* WRITER_SIZE_KEEP or the length to set */
	writer_closed_fn on_closed;
	void *closed_ctx;
	struct wfile *next_closed; /* closes completed, callbacks due */
	char *path;
};

struct writer {
	struct io_uring ring;
	unsigned int max_iov;
	unsigned int sq_entries;
	unsigned int inflight; /* SQEs prepared or submitted, not reaped */
	struct wreq *free_reqs; /* big ones */
	struct wreq *free_small;
	/* requests waiting for room in the SQ, oldest first */
	struct wreq *queued, *queued_last;
	struct wfile *dirty; /* files with an open request */
	struct wfile *files; /* every file not closed yet */
	struct wfile *closed; /* closes completed, callbacks not yet run */
	unsigned int nclosing; /* files closing, chains included */
	unsigned int nclosing_fds, max_closing; /* descriptors closing */
	bool has_ftruncate; /* the kernel knows IORING_OP_FTRUNCATE */
	int *slots; /* free fixed file slots (a stack), or NULL */
	struct wreq *slot_wait, *slot_wait_last; /* chains without a slot */
	unsigned int nslots_free, nslots;
	unsigned int block_size;
	unsigned int stage_spare; /* blocks the pool may hold beyond files' */
	unsigned int nstage; /* blocks allocated */
	unsigned int ndirect; /* open direct files (one block each) */
	struct wstage *free_stage;
	/* sparse direct mode: blocks staged or in flight, spares by size */
	uint64_t sparse_total, sparse_used, sparse_spare;
	unsigned int nsparse; /* sparse files open (not yet released) */
	struct wstage *sparse_free[WRITER_SPARSE_CLASSES];
	uint64_t linger_bytes;
	uint64_t linger_ns;
	uint64_t now_ns; /* CLOCK_MONOTONIC at the last submit (linger) */
	uint64_t flush_ns; /* direct_flush_ms; 0: partial blocks wait */
	uint64_t flushed_ns; /* when every direct file was last flushed */
	uint8_t *flush_buf; /* the copy a flush write sends (one at a time) */
	const int *abort; /* writer_opts.abort */
	bool aborting; /* *abort seen: in-flight writes cancelled */
	bool draining; /* in writer_drain/destroy: waits are not counted */
	bool full_logged; /* a full disk was logged (once per writer) */
	uint64_t abort_until_ns; /* then waits give up past this */
	struct writer_stats st;
};

/*
 * The request layer (writer.c), for the kinds of file.  writer_req_get: a
 * request of one iovec (an operation, a block, a chain's write), small so
 * that thousands of files closing cost little memory.
 */
struct wreq *writer_req_get(struct writer *w, struct wfile *f, uint64_t off);
/*
 * Hand r to the kernel: now if the SQ has room, else at a later submit
 * (queued, in order).  Never waits.  0 or -errno (aborting).
 */
int writer_req_issue(struct writer *w, struct wreq *r);
void writer_req_put(struct writer *w, struct wreq *r);
/* f's pending requests to the queue, or failed with err (-errno). */
void writer_release_pending(struct writer *w, struct wfile *f, int err);
/* A WOP_MKDIR or WOP_RENAME completed (writer_file.c). */
void writer_path_done(struct writer *w, struct wreq *r, int res);
/* A write of bytes at off failed with err (-errno): count, log once. */
void writer_file_fail(struct wfile *f, int err, uint64_t off, uint64_t bytes,
		      struct writer *w);

/* A request later writes may extend (max_iov iovecs). */
struct wreq *writer_req_get_big(struct writer *w, struct wfile *f,
				uint64_t off);

/*
 * The buffered kind (writer_buffered.c): issue the dirty files' open
 * requests, all of them or those ripe (linger over); 0 or -EIO.
 */
int writer_buffered_flush_dirty(struct writer *w, bool all);

/* writer.c: issuing and completing requests, for writer_file.c. */
void writer_issue(struct writer *w, struct wreq *r);
/* Queue a chain for a free registered file slot. */
void writer_queue_push_slot(struct writer *w, struct wreq *r);
/* Account a request's completion (res: bytes or -errno). */
void writer_req_completed(struct writer *w, struct wreq *r, int res);
/* Submit f's queued writes. */
int writer_file_flush(struct writer *w, struct wfile *f);

/* writer_file.c: closing files, for writer.c's completions. */
/* Start f's length and close once nothing of f is in flight. */
void writer_close_check(struct writer *w, struct wfile *f);
/* Run the on_closed callbacks of files whose close completed. */
void writer_run_closed(struct writer *w);

/*
 * open(2) with mode 0644; O_NONBLOCK in flags holds for the open only (a
 * FIFO without a reader: -ENXIO rather than a wait).  fd or -errno.
 */
int writer_sys_open(const char *path, int flags);

/* The direct kind (writer_direct.c), as writer.c sees it. */
/*
 * Open f->path with flags, O_DIRECT added, buffered if the file (system)
 * refuses it; sets f->ops and f->direct; 0 or -errno.
 */
int writer_direct_open(struct writer *w, struct wfile *f, int flags);
/*
 * Once per flush interval: the bytes of a direct file's partial block not
 * yet in the file leave as a copy, through fd_buf (page cache), so that
 * a process that dies loses at most that interval.  Never waits.
 */
void writer_direct_flush_tick(struct writer *w);
/* A flush write is done (written or failed): release what waited on it. */
void writer_direct_flush_done(struct writer *w, struct wreq *r);
/* Free the spare blocks (writer_destroy, nothing in flight). */
void writer_direct_free_pool(struct writer *w);

/* The sparse kind (writer_sparse.c): a block back from the kernel. */
void writer_sparse_put(struct writer *w, struct wstage *st);
void writer_sparse_free_pool(struct writer *w);

#endif /* FS_WRITER_INT_H */
