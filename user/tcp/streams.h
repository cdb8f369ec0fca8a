/* SPDX-License-Identifier: GPL-2.0 */
/*
 * streams: the output of reassembly.  For each flow, one file per
 * direction in DIR, whose byte k is stream byte k (holes stay sparse),
 * written through the writer straight from the packet buffers; and one
 * line in DIR/flows.jsonl when the flow ends (flow_index), written whole
 * through the same writer (O_APPEND), so that it reaches the file at the
 * next writer_submit and a crash never leaves half a line there.
 *
 * File names come from parsed numbers only:
 *   <id>-<client addr>.<client port>-<server addr>.<server port>.c2s|.s2c
 * with IPv6 addresses written with '_' for ':'.  A direction that
 * delivered no byte has no file (its index entry says "file": null).
 *
 * At most max_open files are open at once: past that the least recently
 * written one is closed, and reopened (its bytes kept) if data comes
 * again.
 */
#ifndef FS_STREAMS_H
#define FS_STREAMS_H

#include <stdint.h>

#include "tcp/flow_table.h"
#include "out/writer.h"

struct streams;

struct streams_stats {
	uint64_t files; /* files created */
	uint64_t reopens; /* closed for the open-file bound, reopened */
	uint64_t write_errors; /* failed opens and writes, index included */
	uint64_t flows; /* lines queued to the index */
};

/*
 * Create dir if needed and DIR/flows.jsonl; returns 0 or -errno with a
 * one-line message in err.
 */
int streams_create(struct streams **out, struct writer *w, const char *dir,
		   unsigned int max_open, char *err, size_t errlen);

/*
 * After every flow ended: wait for the index lines, close the index.  Returns
 * 0 or -errno (the index's first failure).  The writer must still exist.
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
