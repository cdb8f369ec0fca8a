/* SPDX-License-Identifier: GPL-2.0 */
/*
 * streams internals: the state of a stream directory and of each flow's
 * two files, shared by streams.c (files, closes, the index) and
 * streams_hold.c (short directions held in memory).  Not an API: callers
 * use streams.h.
 */
#ifndef FS_STREAMS_INT_H
#define FS_STREAMS_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/buf.h"
#include "out/writer.h"
#include "tcp/streams.h"

struct streams;
struct sflow;

/* A short direction's bytes, a buf so that the writer holds them. */
struct hold {
	struct buf b;
	struct streams *s;
	uint32_t cap, len;
	uint8_t *data;
};

struct sdir {
	struct sdir *prev, *next; /* LRU of open files */
	struct sflow *sf;
	struct wfile *wf; /* NULL when closed */
	char *name; /* relative to DIR; set on the first byte */
	/*
	 * The name on disk while a rename to name is due (after a close in
	 * flight) or in flight (renaming): a late SYN swapped the flow.
	 */
	char *disk_name;
	bool renaming;
	bool mkdir_first; /* its shard was made late: the open makes it too */
	uint64_t end; /* highest offset written */
	uint64_t errors; /* failed opens and writes, the flow's write_errors */
	uint64_t dropped; /* bytes never handed to the writer */
	bool created; /* the file's creation was issued */
	bool closing; /* a close of its file has not completed */
	bool failed; /* could not open or write: drop its data */
	struct hold *hold; /* bytes not in a file yet (write_once) */
};

struct sflow {
	struct sdir *d[2]; /* [FLOW_C2S], [FLOW_S2C]: point into dirs */
	struct sdir dirs[2];
	struct streams *s;
	unsigned int closing; /* closes of its files not completed */
	bool ended;
	struct flow_index_rec *rec; /* once ended */
};

struct streams {
	struct writer *w;
	char dir[PATH_MAX];
	unsigned int max_open, nopen;
	unsigned int nclosing; /* closes of descriptors in flight */
	struct sdir lru; /* sentinel: lru.next newest */
	struct flow_index *ix;
	bool own_ix; /* closed by streams_destroy (not when shared) */
	struct wfile *ixf; /* flows.jsonl, O_APPEND: one writev per batch */
	uint64_t ix_off; /* bytes queued to ixf, so that lines merge */
	uint64_t shards; /* DIR/0 .. DIR/shards-1 exist or are being made */
	uint64_t late_shard; /* with late: the last shard made on demand */
	bool late;
	uint64_t held; /* bytes of struct hold, all flows */
	unsigned int once_inflight; /* write-once chains not closed yet */
	uint64_t pending; /* ended flows waiting for their closes */
	struct streams_opts o;
	struct streams_stats st;
	bool ix_closed;
	int ix_err;
};

/*
 * Keep p (len bytes at off) in sd's hold if the direction is still short
 * and the bound allows (offline, waiting for chains to give bytes back);
 * false: the bytes go to a file.
 */
bool streams_hold_add(struct streams *s, struct sdir *sd, uint64_t off,
		      const uint8_t *p, uint32_t len);
/* Let go of sd's hold (its chain may still hold a reference). */
void streams_hold_drop(struct sdir *sd);

#endif /* FS_STREAMS_INT_H */
