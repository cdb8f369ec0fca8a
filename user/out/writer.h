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
 * reaps whatever has completed.  When the submission queue is full, work
 * waits in the writer (in order, holding its references) for a later
 * writer_submit(), never in the caller.  Short writes are resubmitted;
 * errors are counted per file and in total, and logged once per file.
 *
 * Files open, close, get their final length and die asynchronously:
 * WRITER_ASYNC_OPEN opens through io_uring, writer_close_async() closes
 * once the file's writes have completed (a truncate and a close in
 * io_uring) and reports the file's errors to a callback, and
 * writer_write_file() creates, writes and closes a small file in one
 * linked chain.  Where the writer can still wait, and nowhere else:
 *   - writer_drain(), writer_destroy(): their job (not counted);
 *   - writer_wait(), writer_settle(), writer_close(), writer_close_at(),
 *     writer_set_size():
 *     synchronous by contract, for setup, teardown, rotation and readback;
 *   - writer_close_async() past writer_opts.max_closing descriptors
 *     closing;
 *   - direct mode, when every staging block is in flight (backpressure);
 *   - writer_open() without WRITER_ASYNC_OPEN: an open(2).
 * Every wait but the first kind is counted in writer_stats.waits, so that
 * a loop that must never wait can check it.
 *
 * Direct mode (writer_open with WRITER_DIRECT) is for append-only output
 * such as pcap files, where buffered writeback is the bottleneck (DESIGN.md:
 * 0.4-0.8 GB/s buffered against 1.9 GB/s O_DIRECT on this disk).  The file
 * is opened O_DIRECT and writer_write() copies the bytes into the file's
 * aligned staging block instead of queueing a pointer to them: the caller's
 * buf is never referenced, so a UMEM frame is free again as soon as the
 * call returns.  Direct mode trades one copy for the kernel's writeback.  A
 * full block leaves as one aligned O_DIRECT write; at most
 * writer_opts.direct_blocks blocks are in flight per writer, and past that
 * writer_write() waits for completions (backpressure: never a failure, never
 * a drop).  The last partial block is written when the file closes, with
 * O_DIRECT cleared on the fd (through the page cache), so the file ends at
 * exactly the bytes written, never padded; with direct_flush_ms its bytes
 * also reach the file meanwhile (a copy through a second descriptor
 * without O_DIRECT; the next O_DIRECT block of that file waits until the
 * copy landed, so the two never race over the same bytes).
 *
 * One writer per worker thread; not thread-safe.
 */
#ifndef FS_WRITER_H
#define FS_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "lib/buf.h"

struct writer;
struct wfile;

/*
 * A file's close completed: errors is its count of failed opens, writes,
 * truncates and closes, err the first one's -errno (0 if none).  Called
 * from writer_submit() (or any call that reaps), after the reap loop.
 */
typedef void (*writer_closed_fn)(void *ctx, uint64_t errors, int err);

/* writer_close_async() size: leave the length as the writes made it. */
#define WRITER_SIZE_KEEP UINT64_MAX

/*
 * writer_open() flag: direct mode (see above).  A bit no open(2) flag uses;
 * pass it instead of O_DIRECT, which writer_open() refuses (-EINVAL) since
 * the buffered path's unaligned writes cannot go through it.
 */
#define WRITER_DIRECT 0x40000000

/*
 * writer_open() flag: open through io_uring (IORING_OP_OPENAT) instead of
 * open(2), so that creating a file never blocks the caller's loop (ext4
 * inode allocation took ~0.5 ms here, per file, during a flood of short
 * flows).  Writes queued meanwhile are issued when the open completes; a
 * failed open fails them (counted in wfile_errors, logged once).  Not with
 * WRITER_DIRECT.
 */
#define WRITER_ASYNC_OPEN 0x20000000

/*
 * writer_open() flag: keep what the file holds (no O_TRUNC), for a file
 * closed earlier and opened again to go on writing at its offsets.
 */
#define WRITER_KEEP 0x10000000

/*
 * writer_open() flag: sparse direct mode, for files written at rising
 * offsets with holes (stream files).  The file opens O_DIRECT through
 * io_uring (it implies WRITER_ASYNC_OPEN), writer_write() copies into the
 * file's own aligned block (4 KiB at first, doubling as the file fills
 * blocks, up to direct_block_size) and never waits: a full block leaves as
 * one write, a write past the block sends it padded with zeros and starts
 * another (the hole between is never written), a write below the file's
 * end is -EINVAL.  All blocks count against writer_opts.sparse_total; a
 * write that needs one past it is refused, -ENOBUFS, nothing copied
 * (counted in sparse_refused).  The exact length is set at close (an
 * ftruncate through io_uring): -EOPNOTSUPP on kernels without
 * IORING_OP_FTRUNCATE.  Not with WRITER_KEEP (reopen such a file
 * buffered).  A file system that refuses O_DIRECT gets the same blocks
 * through the page cache (direct_fallbacks); writer_sparse_probe() tells
 * beforehand.
 */
#define WRITER_DIRECT_SPARSE 0x08000000

/*
 * writer_open() flag, with WRITER_ASYNC_OPEN: create the file's directory
 * first (mode 0755, an existing one is fine), in the same io_uring chain,
 * so that the open follows it without a wait.
 */
#define WRITER_MKDIR_FIRST 0x02000000

/*
 * writer_open() flag: the close (writer_close_async) is preceded by an
 * fsync through io_uring, so that its callback means the bytes are on
 * the device; a failed fsync is the file's error like a failed write.
 */
#define WRITER_SYNC 0x04000000

struct writer_opts {
	unsigned int ring_entries; /* io_uring SQ size (default 256) */
	unsigned int max_iov; /* iovecs merged per writev (default 64) */
	/* Direct mode staging, used only when a file is opened direct: */
	unsigned int direct_block_size; /* bytes, multiple of 4096 (1 MiB) */
	unsigned int direct_blocks; /* blocks in flight per writer (8) */
	/*
	 * Every direct_flush_ms, the bytes of a direct file's partial block
	 * that are not in the file yet are written there through the page
	 * cache (a copy, at writer_submit), so that no more than that much
	 * output waits in memory; 0: the partial block waits for close.
	 */
	unsigned int direct_flush_ms;
	/*
	 * Linger: a file's open request (the writev later writes extend)
	 * may wait across writer_submit() calls until it holds linger_bytes
	 * or is linger_us old, so that interleaved flows still leave as
	 * large writevs; 0 (default): issued at every writer_submit().  The
	 * bufs it references are held that much longer.
	 */
	unsigned int linger_bytes;
	unsigned int linger_us;
	/*
	 * Set (nonzero) by another thread to stop waiting on writes that may
	 * never complete (a FIFO whose reader stopped, a hung disk): the
	 * writer then cancels what is in flight, fails every write after
	 * (-ECANCELED, counted in write_errors and bytes_failed), and waits
	 * at most about a second more for the kernel to give back what it
	 * holds; past that, waits return -ECANCELED.  NULL: never.
	 */
	const int *abort;
	/*
	 * Descriptors closing at once (writer_close_async) before the next
	 * close waits for one to complete (default 4096; chains, in their
	 * registered slots, do not count).  A caller that bounds its open
	 * files, closes in flight included, never reaches it.
	 */
	unsigned int max_closing;
	/*
	 * io-wq workers for work that blocks (creating files: ext4 takes a
	 * directory's lock per create; default 16).
	 */
	unsigned int iowq_workers;
	/* Registered file slots for writer_write_file chains (default 256). */
	unsigned int file_slots;
	/*
	 * Bytes of sparse direct blocks, staged and in flight, before writes
	 * that need another are refused (default 64 MiB).
	 */
	uint64_t sparse_total;
};

struct writer_stats {
	uint64_t bytes_written;
	uint64_t writes_submitted; /* SQEs */
	uint64_t write_errors; /* failed writes (bytes in bytes_failed) */
	uint64_t bytes_failed;
	uint64_t submits; /* io_uring_submit calls */
	uint64_t bytes_staged; /* direct mode: bytes copied into blocks */
	uint64_t stage_waits; /* direct mode: waits for a free block */
	uint64_t direct_fallbacks; /* direct files the fs opened buffered */
	uint64_t bytes_flushed; /* direct mode: partial-block bytes flushed */
	/* waits for a completion, but those of writer_drain/destroy */
	uint64_t waits;
	uint64_t sq_queued; /* requests that waited in the writer for SQ room */
	uint64_t closes; /* writer_close_async calls */
	uint64_t closing_max; /* most files closing at once */
	uint64_t close_waits; /* waits for max_closing (also in waits) */
	uint64_t chains; /* writer_write_file chains (open-write-close) */
	uint64_t slot_waits; /* chains that waited (queued) for a free slot */
	uint64_t chain_fallbacks; /* no slots registered: open, write, close */
	uint64_t truncates; /* final lengths set (ftruncate) */
	uint64_t mkdirs; /* writer_mkdir calls */
	uint64_t renames; /* writer_rename calls */
	uint64_t sparse_writes; /* sparse direct blocks written */
	/*
	 * Of bytes_written (once written), those that are not the files'
	 * own: the zeros padding sparse blocks, and the partial blocks a
	 * settle writes that are written again later.
	 */
	uint64_t sparse_extra;
	uint64_t sparse_max; /* most bytes of sparse blocks at once */
	/* writes refused: sparse_total reached (their bytes) */
	uint64_t sparse_refused;
	uint64_t sparse_refused_bytes;
};

int writer_create(struct writer **out, const struct writer_opts *opts);
/* Waits for everything in flight, closes every file still open. */
void writer_destroy(struct writer *w);

/*
 * Open path for writing (O_CREAT|O_TRUNC|O_WRONLY, mode 0644, plus
 * extra_flags; O_TRUNC left out with WRITER_KEEP); returns 0 or -errno.
 * Without WRITER_ASYNC_OPEN the path is opened synchronously (open(2)):
 * for files opened at setup or rotation, not on a packet path.
 *
 * With WRITER_DIRECT in extra_flags the file is in direct mode: every write
 * must continue the file (off == bytes written so far, starting at 0), any
 * other offset is refused with -EINVAL (holes and rewrites need buffered
 * mode), and writer_set_size() is refused.  A file that is not a regular
 * one (a FIFO) is written buffered; so is one whose file system refuses
 * O_DIRECT (EINVAL setting it after the open: ramfs), counted in
 * direct_fallbacks and logged once; the append-only
 * rule still applies, so callers see one behaviour.  O_DIRECT itself in
 * extra_flags is -EINVAL.  O_NONBLOCK in extra_flags is for the open only,
 * so that a FIFO without a reader fails (-ENXIO) instead of waiting; the
 * file's writes then wait for the reader in io_uring, not in the caller.
 */
int writer_open(struct writer *w, const char *path, int extra_flags,
		struct wfile **out);

/*
 * A file of the buffered kind over fd, a descriptor the caller opened
 * (and hands over: the writer closes it with the file); path names it in
 * messages.  The writes go from the caller's memory as they are, so on a
 * descriptor with O_DIRECT set the caller keeps every write aligned (a
 * merged capture file's regions).  Never waits; 0 or -ENOMEM (fd then
 * stays the caller's).
 */
int writer_open_fd(struct writer *w, int fd, const char *path,
		   struct wfile **out);

/*
 * Queue len bytes at ptr for offset off of f.  If b is not NULL a
 * reference is taken and dropped on completion; with b NULL the bytes must
 * stay valid until writer_drain() (or be owned by f, e.g. a header).
 * Returns 0 or -errno (the first failure's, e.g. -ENOSPC, when a write to
 * the file has already failed).
 * Direct mode: the bytes are copied before the call returns, no reference
 * is taken, and off must continue the file (else -EINVAL).
 */
int writer_write(struct writer *w, struct wfile *f, uint64_t off,
		 const void *ptr, uint32_t len, struct buf *b);

/* Same, copying len (<= 256) bytes into writer-owned memory first. */
int writer_write_copy(struct writer *w, struct wfile *f, uint64_t off,
		      const void *ptr, uint32_t len);

/*
 * Submit queued writes (those that may linger excepted) and reap
 * completions without blocking.
 */
int writer_submit(struct writer *w);

/* The same, lingering requests included (e.g. when buffers run short). */
int writer_flush(struct writer *w);

/* Submit, and wait for one completion (counted in waits); 0 or -errno. */
int writer_wait(struct writer *w);

/* Submit and wait until nothing is in flight. */
int writer_drain(struct writer *w);

/*
 * Submit f's queued writes and wait until none of f's is in flight, so
 * that its fd reads back what was written; other files' writes go on.
 */
int writer_settle(struct writer *w, struct wfile *f);

/*
 * Close f once its queued and in-flight writes have completed, without
 * waiting for them: the writer keeps f until then, writes a direct file's
 * partial last block, sets the length to size (an ftruncate, unless
 * WRITER_SIZE_KEEP: a sparse tail, or a cut), closes the descriptor, all
 * through io_uring, and calls fn(ctx, errors, err) (fn may be NULL).  f
 * must not be used after the call.  Returns 0; waits only when
 * max_closing descriptors are closing already (counted in close_waits).
 * Without IORING_OP_FTRUNCATE (kernels before 6.9) a longer size is
 * reached by writing its last byte (a zero) and a shorter one by a
 * synchronous ftruncate when the close is due (rare: a cut after a
 * failure).
 */
int writer_close_async(struct writer *w, struct wfile *f, uint64_t size,
		       writer_closed_fn fn, void *ctx);

/*
 * writer_close_async, then wait until the close completed.  Returns 0, or
 * the -errno of the first open, write or close of f that failed.
 */
int writer_close(struct writer *w, struct wfile *f);

/*
 * The same, the file cut to end at size (at most what is on disk: see
 * wfile_written_prefix), e.g. at the last complete record after a failed
 * write; nothing past size is written, not even a direct file's tail.
 * Waits like writer_close: a close-time call.
 */
int writer_close_at(struct writer *w, struct wfile *f, uint64_t size);

/*
 * Create path (O_TRUNC), write len bytes at ptr (a reference on b, if not
 * NULL, until the write completed), set the length to size (or
 * WRITER_SIZE_KEEP) and close it: one linked chain of io_uring operations
 * through a registered file slot (open, write, truncate, close), issued at
 * the next writer_submit; without a free slot, queued in the writer until
 * a chain's close frees one (slot_waits).  If the kernel refused the
 * slots, the same as writer_open (async), writer_write and
 * writer_close_async (chain_fallbacks).  flags: 0, or WRITER_DIRECT_SPARSE
 * (the open is O_DIRECT; ptr aligned to 4096 and len a multiple of it,
 * padded by the caller, size the exact length; else -EINVAL).  fn(ctx, errors, err) as for writer_close_async.
 * Never waits; 0 or -errno (out of memory: nothing queued, fn not called).
 */
int writer_write_file(struct writer *w, const char *path, int flags,
		      const void *ptr, uint32_t len, struct buf *b,
		      uint64_t size, writer_closed_fn fn, void *ctx);

/*
 * Rename from to to (renameat2 flags: RENAME_NOREPLACE refuses an
 * existing to, -EEXIST) through io_uring; fn(ctx, res) with 0 or -errno
 * when it completed (from a reap, like the close callbacks): a failure is
 * the caller's to count.  f, if not NULL, is the open file of that name:
 * the rename follows its asynchronous open, and its close follows the
 * rename.  Never waits; 0 or -ENOMEM (fn not called).
 */
int writer_rename(struct writer *w, struct wfile *f, const char *from,
		  const char *to, unsigned int flags,
		  void (*fn)(void *ctx, int res), void *ctx);

/*
 * Remove path through io_uring; a failure other than -ENOENT is counted
 * in write_errors and logged.  Never waits; 0 or -ENOMEM.
 */
int writer_unlink(struct writer *w, const char *path);

/*
 * Whether files in dir can be written in sparse direct mode: 0, or
 * -EOPNOTSUPP (no IORING_OP_FTRUNCATE) or the -errno of an O_DIRECT
 * create there (EINVAL: the file system refuses it).  Synchronous: setup.
 */
int writer_sparse_probe(const char *dir);

/*
 * Create directory path (mode 0755) through io_uring; an existing one is
 * not an error, another failure is counted in write_errors and logged.
 * Never waits.  Later opens are not ordered after it: create a directory
 * well before the first file in it.
 */
int writer_mkdir(struct writer *w, const char *path);

/*
 * Of a settled file: the bytes from offset 0 that are on disk, up to the
 * first failed write (all of them if none failed).  Append-only files.
 */
uint64_t wfile_written_prefix(const struct wfile *f);

/*
 * A new read-only descriptor of f's file, to read a settled f back (the
 * caller closes it); -errno on failure.
 */
int wfile_open_read(const struct wfile *f);

/*
 * Truncate f to size after its writes completed (sparse tail holes):
 * waits for them, then an ftruncate(2); not for a packet path (a closing
 * file's size is writer_close_async's).  -EINVAL on a direct-mode file.
 */
int writer_set_size(struct writer *w, struct wfile *f, uint64_t size);

unsigned int writer_inflight(const struct writer *w);
void writer_get_stats(const struct writer *w, struct writer_stats *st);
uint64_t wfile_errors(const struct wfile *f);
/* The -errno of f's first failed open or write, 0 if none. */
int wfile_error(const struct wfile *f);
/*
 * True while f has writes queued, lingering or in flight, or its open
 * pending: its file does not read back what was written yet.
 */
bool wfile_busy(const struct wfile *f);
/* True while f's asynchronous open has not completed. */
bool wfile_opening(const struct wfile *f);
/* True when f was opened WRITER_DIRECT and the fs accepted O_DIRECT. */
bool wfile_is_direct(const struct wfile *f);

#endif /* FS_WRITER_H */
