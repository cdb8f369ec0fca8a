/* SPDX-License-Identifier: GPL-2.0 */
/*
 * writer: file output through io_uring, straight from the caller's buffers.
 *
 * writer_write() queues bytes for a file offset and takes a reference on
 * the buf that holds them; the reference is dropped when the write has
 * completed (or failed), which is what returns a UMEM frame to its fill
 * ring.  Writes that continue each other in the same file are merged into
 * one writev.  Nothing reaches the kernel until writer_submit(), called
 * once per loop turn: it submits every queued write with one syscall and
 * reaps whatever has completed.  Short writes are resubmitted; errors are
 * counted per file and in total, and logged once per file.
 *
 * One writer per worker thread; not thread-safe.
 */
#ifndef FS_WRITER_H
#define FS_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "buf.h"

struct writer;
struct wfile;

struct writer_opts {
	unsigned int ring_entries; /* io_uring SQ size (default 256) */
	unsigned int max_iov;      /* iovecs merged per writev (default 64) */
};

struct writer_stats {
	uint64_t bytes_written;
	uint64_t writes_submitted; /* SQEs */
	uint64_t write_errors;     /* failed writes (bytes in bytes_failed) */
	uint64_t bytes_failed;
	uint64_t submits;          /* io_uring_submit calls */
};

int writer_create(struct writer **out, const struct writer_opts *opts);
/* Waits for everything in flight, closes every file still open. */
void writer_destroy(struct writer *w);

/*
 * Open path for writing (O_CREAT|O_TRUNC|O_WRONLY, mode 0644, plus
 * extra_flags); returns 0 or -errno.  The path is opened synchronously:
 * opening is per file, not per packet.
 */
int writer_open(struct writer *w, const char *path, int extra_flags,
		struct wfile **out);

/*
 * Queue len bytes at ptr for offset off of f.  If b is not NULL a
 * reference is taken and dropped on completion; with b NULL the bytes must
 * stay valid until writer_drain() (or be owned by f, e.g. a header).
 * Returns 0 or -errno (-EIO when the file has already failed).
 */
int writer_write(struct writer *w, struct wfile *f, uint64_t off,
		 const void *ptr, uint32_t len, struct buf *b);

/* Same, copying len (<= 256) bytes into writer-owned memory first. */
int writer_write_copy(struct writer *w, struct wfile *f, uint64_t off,
		      const void *ptr, uint32_t len);

/* Submit queued writes and reap completions without blocking. */
int writer_submit(struct writer *w);

/* Submit and wait until nothing is in flight. */
int writer_drain(struct writer *w);

/*
 * Close f once its queued and in-flight writes have completed (the call
 * drains that file's writes first).  Returns 0, or -EIO if any write to
 * it failed.
 */
int writer_close(struct writer *w, struct wfile *f);

/* Truncate f to size after its writes completed (sparse tail holes). */
int writer_set_size(struct writer *w, struct wfile *f, uint64_t size);

unsigned int writer_inflight(const struct writer *w);
void writer_get_stats(const struct writer *w, struct writer_stats *st);
uint64_t wfile_errors(const struct wfile *f);

#endif /* FS_WRITER_H */
