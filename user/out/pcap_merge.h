/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcap_merge: one -w file, or one series of rotated files, written by
 * several workers at once, O_DIRECT.
 *
 * A file is its header followed by regions.  A region is whole records of
 * one worker, in that worker's order, copied into one of the worker's
 * aligned buffers (a pcap_stage); when it is full, or older than the
 * flush interval, its length is reserved from one atomic head (a
 * compare-and-swap: no lock), so regions never overlap and leave no gap,
 * and it is written there from the buffer.  Two layouts, by format:
 *   - pcapng, aligned: a region is a multiple of 4096 bytes at an aligned
 *     offset, its last bytes a padding block (PCAPNG_PAD, of local use:
 *     readers skip it), the header too; one O_DIRECT write per region,
 *     no copy but the record's own;
 *   - pcap, exact: pcap has no record a reader skips, so a region has its
 *     exact length; its bytes are moved once in the buffer (by less than
 *     4 KiB) so that its whole pages sit aligned in memory as in the file,
 *     and those go O_DIRECT, the partial first and last pages (shared with
 *     the regions beside it) through the page cache.
 * Either way the file ends at its last byte (no padding past it).
 *
 * Rotation (-C, -G) is one boundary for all workers: the head holds the
 * file's generation with the offset, and the worker whose region would
 * pass -C, or whose region starts a later -G interval, moves the head to
 * the next generation (offset: the header, then its region) in the same
 * compare-and-swap, so that every region reserved after it goes to the
 * next file.  That worker opens the file (an open(2) and the header's
 * write: a rotation's cost, as with per-queue files); regions that other
 * workers reserved in it meanwhile wait in their stage, not the worker,
 * until it is open.  A file whose name is still closing is not reused:
 * until it ended, regions stay in the current file (-C -W's ring).
 *
 * A file ends once the next one took over (or at pcap_merge_close) and
 * every write of it completed: the main thread (pcap_merge_poll) then
 * appends the statistics block (pcapng), closes it and tells on_file,
 * file after file in order.  A failed write (disk full) fails the file:
 * it is cut at the start of its lowest failed region, so it ends at the
 * last complete region before it, never with a hole; regions reserved in
 * it afterwards are refused (their records lost), and each worker counts
 * the records of its regions past the cut (pcap_stage_lost).
 *
 * Records are in order within a region; regions of different workers
 * interleave in the order they were reserved, within about the flush
 * interval of each other.
 */
#ifndef FS_PCAP_MERGE_H
#define FS_PCAP_MERGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "out/pcap_name.h"
#include "out/pcapng_enc.h"
#include "out/writer.h"

struct pcap_merge;
struct pcap_stage;

struct pcap_merge_opts {
	const char *path; /* base name (copied), as pcap_out_opts.path */
	uint64_t rotate_bytes; /* -C: 0 = never */
	unsigned int rotate_secs; /* -G: 0 = never */
	unsigned int max_files; /* -W with -C alone: the names' ring */
	bool aligned; /* the pcapng layout (above); else pcap's */
	bool buffered; /* no O_DIRECT: everything through the page cache */
	const void *hdr; /* each file's first bytes (copied) */
	uint32_t hdr_len;
	unsigned int flush_ms; /* a region's longest wait; 0: only when full */
	/*
	 * pcapng: the statistics block that ends each file (not a failed
	 * one), read on the main thread when the file ends; NULL: none.
	 */
	void (*isb)(void *ctx, struct pcapng_isb_vals *v);
	void *isb_ctx;
	/*
	 * Main thread: each file ended (PCAP_OUT_FINISHED) and each one the
	 * -W ring renamed away (PCAP_OUT_RETIRED, after its FINISHED); a
	 * retired file nobody takes is deleted.  NULL: nobody is told.
	 */
	pcap_file_fn on_file;
	void *on_file_ctx;
};

/*
 * Opens the first file (synchronously: set-up) and writes its header.
 * 0 or -errno (-EINVAL: the header is too large).
 */
int pcap_merge_create(struct pcap_merge **out, const struct pcap_merge_opts *o);
/*
 * Main thread: end the files whose writes all completed, tell on_file,
 * pass on the -W ring's retired files.  Waits only for the appended
 * statistics block and the close (page cache, no disk).
 */
void pcap_merge_poll(struct pcap_merge *m);
/*
 * Main thread, once every stage finished (pcap_stage_finish): end the
 * current file and the others, and count in every stage the records cut
 * from a failed file.  0, or the -errno of the first failure of a file.
 */
int pcap_merge_close(struct pcap_merge *m);
void pcap_merge_destroy(struct pcap_merge *m);
/* The path of the first file (set-up: -Z hands it to USER). */
const char *pcap_merge_first_path(const struct pcap_merge *m);
/*
 * Bytes in the files not ended yet (the current one's reserved length
 * and those still completing), for --max-disk; any thread.
 */
uint64_t pcap_merge_current_bytes(const struct pcap_merge *m);

/* One worker's side, writing through its writer w.  0 or -ENOMEM. */
int pcap_stage_create(struct pcap_stage **out, struct writer *w,
		      struct pcap_merge *m);
/*
 * len contiguous bytes in the current region for one record stamped
 * ts_ns (at most 1 MiB); the region is sent first if the record does not
 * fit or starts a later -G interval.  May wait for a buffer when every
 * one is in flight (backpressure, counted in the writer's waits).  NULL
 * with *err: len too large (-EMSGSIZE), or the current file failed.
 */
void *pcap_stage_room(struct pcap_stage *s, uint32_t len, uint64_t ts_ns,
		      int *err);
/*
 * Each loop turn: send the region older than the flush interval at
 * now_ns (monotonic), issue the regions whose file is now open, close
 * this worker's descriptors of files that ended, count the records of
 * failed files.  Never waits.
 */
void pcap_stage_poll(struct pcap_stage *s, uint64_t now_ns);
/*
 * The end (the worker stopped): send the last region, wait for this
 * stage's writes, close its descriptors.  0 or -errno.
 */
int pcap_stage_finish(struct pcap_stage *s);
/* Records staged, and those lost (refused at the reservation, or cut). */
uint64_t pcap_stage_records(const struct pcap_stage *s);
uint64_t pcap_stage_lost(const struct pcap_stage *s);
/* Free s (after pcap_stage_finish, or before it ever wrote). */
void pcap_stage_destroy(struct pcap_stage *s);

#endif /* FS_PCAP_MERGE_H */
