/* SPDX-License-Identifier: GPL-2.0 */
/*
 * streams: the output of reassembly.  For each flow, one file per
 * direction under DIR, whose byte k is stream byte k (holes stay sparse),
 * written through the writer straight from the packet buffers; and one
 * line in DIR/flows.jsonl when the flow's files have closed (flow_index),
 * written whole through the same writer (O_APPEND), so that a crash never
 * leaves half a line there.
 *
 * Layout: DIR is sharded by flow id, so that no directory holds more than
 * 2 x STREAMS_SHARD_FLOWS files (ext4 creates slow down, and serialise on
 * the directory's lock, as one directory grows):
 *   DIR/<id / 1000>/<id>-<client addr>.<client port>-<server addr>.<server
 *   port>.c2s|.s2c
 * with IPv6 addresses written with '_' for ':'; names come from parsed
 * numbers only.  flows.jsonl names each file by its path relative to DIR
 * ("file"); a direction that delivered no byte has no file ("file": null).
 *
 * Nothing here waits on the file system unless streams_opts.may_wait: files are created, closed and given their
 * length through io_uring (writer_close_async), a flow's index line is
 * written when its files' closes completed, with their write errors.  A
 * direction that ends within write_once bytes is held in memory (a copy,
 * bounded by hold_total in all) and written when the flow ends, as one
 * open-write-close chain (writer_write_file); past either bound it
 * streams into its file as it arrives.
 *
 * At most max_open descriptors are used at once, closes in flight
 * included: the least recently written file is closed before the bound
 * is reached, and reopened (its bytes kept) if data comes again.
 */
#ifndef FS_STREAMS_H
#define FS_STREAMS_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp/flow_table.h"
#include "out/writer.h"

/* Flow ids per directory of DIR (two files each). */
#define STREAMS_SHARD_FLOWS 1000
/* Default of streams_opts.write_once (--write-once). */
#define STREAMS_WRITE_ONCE_DEFAULT (64u << 10)
/* Default of streams_opts.hold_total. */
#define STREAMS_HOLD_TOTAL_DEFAULT (32ull << 20)

struct streams;

struct streams_opts {
	/*
	 * A direction whose bytes all lie below this offset is written
	 * once, when it ends (0: every direction streams).
	 */
	uint32_t write_once;
	uint64_t hold_total; /* bytes held for write_once, all flows */
	/*
	 * Offline (true), where waiting loses nothing: a retransmission over
	 * bytes whose write is in flight waits for that file to compare them
	 * (exact conflict counts), and a new file past max_open waits for a
	 * close.  Live (false), where a wait drops packets at the ring: the
	 * comparison is skipped (verify_unknown) and the bytes for a file
	 * that has no descriptor to open are dropped, counted in room_drops
	 * and in the direction's write_errors.
	 */
	bool may_wait;
	/*
	 * Stream files in sparse direct mode (O_DIRECT, copied into aligned
	 * blocks: writer.h WRITER_DIRECT_SPARSE); the caller checks first
	 * that DIR takes it (writer_sparse_probe).  Reopened files (the
	 * open-file bound) go on buffered.
	 */
	bool direct;
};

struct streams_stats {
	uint64_t files; /* files created */
	uint64_t reopens; /* closed for the open-file bound, reopened */
	uint64_t write_errors; /* failed opens and writes, index included */
	uint64_t flows; /* lines queued to the index */
	uint64_t written_once; /* files written in one open-write-close */
	uint64_t renames; /* files renamed: a late SYN swapped the roles */
	uint64_t hold_full; /* directions streamed: hold_total reached */
	uint64_t held_max; /* most bytes held at once */
	uint64_t verify_unknown; /* overlaps not compared (writes in flight) */
	uint64_t pending_max; /* most ended flows waiting for their closes */
	uint64_t over_open; /* no file to close for the bound: all opening */
	uint64_t open_waits; /* waits for a close, max_open reached */
	uint64_t room_drops; /* writes dropped: max_open reached, !may_wait */
	uint64_t
		dropped_bytes; /* stream bytes never written (index: dropped_bytes) */
};

/*
 * Create dir if needed and DIR/flows.jsonl; returns 0 or -errno with a
 * one-line message in err.
 */
int streams_create(struct streams **out, struct writer *w, const char *dir,
		   unsigned int max_open, char *err, size_t errlen);

/* Replace the defaults (before the first packet). */
void streams_set_opts(struct streams *s, const struct streams_opts *o);

/*
 * After every flow ended: wait for the files' closes and the index lines
 * (writer_drain), close the index.  Returns 0 or -errno (the index's
 * first failure).  The writer must still exist.
 */
int streams_destroy(struct streams *s);

/*
 * For several writers (the workers of a live capture): create DIR and
 * DIR/flows.jsonl once, then one streams per worker appending to it
 * through its own writer.  streams_destroy leaves a shared index open;
 * close it with flow_index_close after every worker's streams_destroy.
 */
struct flow_index;
int streams_open_index(const char *dir, struct flow_index **ix, char *err,
		       size_t errlen);
int streams_create_shared(struct streams **out, struct writer *w,
			  const char *dir, unsigned int max_open,
			  struct flow_index *ix);

/* The flow_table callbacks; their argument is the struct streams. */
extern const struct flow_ops streams_flow_ops;

void streams_get_stats(const struct streams *s, struct streams_stats *st);

#endif /* FS_STREAMS_H */
