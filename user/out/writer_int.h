/* SPDX-License-Identifier: GPL-2.0 */
/*
 * writer internals shared by writer.c (the io_uring, requests, files,
 * buffered writes) and writer_direct.c (direct mode's staging blocks).
 * Not part of the API: callers use writer.h.
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
	bool flush; /* direct mode: a partial block's copy, through fd_buf */
	uint64_t born_ns; /* when the request was started (linger) */
	uint8_t scratch[WRITER_SCRATCH];
};

struct wfile {
	int fd;
	unsigned int inflight; /* requests submitted, not completed */
	uint64_t errors;
	int err; /* the first failure's -errno */
	uint64_t bad_off; /* lowest offset a failed write left unwritten */
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
	/*
	 * requests waiting for the open, or (direct) for a flush to land, or
	 * (serial) for the write before them, oldest first
	 */
	struct wreq *pending, *pending_last;
	/* not a regular file (a FIFO): one write in flight, in order */
	bool serial;
	int fd_buf; /* direct, with a flush interval: the file without O_DIRECT */
	bool flushing; /* direct: a flush write is in flight */
	uint64_t flushed; /* direct: bytes up to here are in the file */
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
	uint64_t linger_bytes;
	uint64_t linger_ns;
	uint64_t now_ns; /* CLOCK_MONOTONIC at the last submit (linger) */
	uint64_t flush_ns; /* direct_flush_ms; 0: partial blocks wait */
	uint64_t flushed_ns; /* when every direct file was last flushed */
	uint8_t *flush_buf; /* the copy a flush write sends (one at a time) */
	const int *abort; /* writer_opts.abort */
	bool aborting; /* *abort seen: in-flight writes cancelled */
	uint64_t abort_until_ns; /* then waits give up past this */
	struct writer_stats st;
};

/* writer.c: the request machinery direct mode issues its blocks through. */
struct wreq *writer_req_get(struct writer *w, struct wfile *f, uint64_t off);
int writer_req_issue(struct writer *w, struct wreq *r);
/* f's pending requests to the retry list, or failed with err (-errno). */
void writer_release_pending(struct writer *w, struct wfile *f, int err);
/* Whether fd is a stream (FIFO, socket, device): wfile.serial. */
bool writer_fd_is_stream(int fd);
void writer_req_put(struct writer *w, struct wreq *r);
/* A write of bytes at off failed with err (-errno): count, log once. */
void writer_file_fail(struct wfile *f, int err, uint64_t off, uint64_t bytes,
		      struct writer *w);
/* Submit what is prepared and wait for (at least) one completion. */
int writer_wait_completion(struct writer *w);

/*
 * open(2) with mode 0644; O_NONBLOCK in flags holds for the open only (a
 * FIFO without a reader: -ENXIO rather than a wait).  fd or -errno.
 */
int writer_sys_open(const char *path, int flags);

/* writer_direct.c */
/*
 * Open f->path with flags, O_DIRECT added, buffered if the file (system)
 * refuses it (f->direct says which); 0 or -errno.
 */
int writer_direct_open(struct writer *w, struct wfile *f, int flags);
/* Give a file opened O_DIRECT its first block; 0 or -errno. */
int writer_direct_start(struct writer *w, struct wfile *f);
int writer_direct_append(struct writer *w, struct wfile *f, const void *ptr,
			 uint32_t len);
/*
 * Write the partial last block of a settled file, the part of it below
 * size only, and drop its block.
 */
void writer_direct_finish(struct writer *w, struct wfile *f, uint64_t size);
/* Free the spare blocks (writer_destroy, nothing in flight). */
void writer_direct_free_pool(struct writer *w);
/*
 * Once per flush interval: the bytes of a direct file's partial block not
 * yet in the file leave as a copy, through fd_buf (page cache), so that
 * a process that dies loses at most that interval.  Never waits.
 */
void writer_direct_flush_tick(struct writer *w);
/* A flush write is done (written or failed): release what waited on it. */
void writer_direct_flush_done(struct writer *w, struct wreq *r);
/* Close fd_buf, if any. */
void writer_direct_close(struct wfile *f);

#endif /* FS_WRITER_INT_H */
