/* SPDX-License-Identifier: GPL-2.0 */
/*
 * flow_index: DIR/flows.jsonl, one JSON object per flow, written when the
 * flow ends.  Fields (README, "Offline mode"): id, client, client_port,
 * server, server_port, family, vlan, first_ns and last_ns (packet
 * timestamps, nanoseconds since the Unix epoch) and the same as ISO 8601
 * UTC (first, last), ended (fin, rst, timeout, evicted, eof, shutdown,
 * reused), totals of overlaps and conflicts, and per direction (c2s, s2c):
 * file (null when the direction carried no data), packets, payload
 * (captured bytes, retransmissions included), bytes (stream bytes
 * written), length (bytes + gaps), syn, midstream, fin, seq0 (sequence
 * number of stream byte 0), gaps [[offset, length], ...] (the first
 * holes), gaps_truncated (more holes than listed), gap_count (holes,
 * listed or not), gap_bytes, overlaps, overlap_bytes, conflicts,
 * conflict_bytes, late_bytes, before_start, after_fin, out_of_window
 * (segments 2^30 or more away, ignored), keepalives, write_errors,
 * dropped_bytes.
 * tests/offline/flows_index_fields.sh checks this list and the README's
 * against a written index.
 */
#ifndef FS_FLOW_INDEX_H
#define FS_FLOW_INDEX_H

#include <stdint.h>
#include <stdio.h>

#include "lib/buf.h"
#include "tcp/flow_table.h"

struct flow_index;

/* Create (truncate) path; returns 0 or -errno. */
int flow_index_open(struct flow_index **out, const char *path);

/*
 * The index's path.  Writers open it O_APPEND and write each line whole
 * with one write (flow_index_rec_line), so that the lines of several writers
 * (the workers of a live capture) never interleave.
 */
const char *flow_index_path(const struct flow_index *ix);

/*
 * What became of a direction's bytes, known once its file closed:
 * write_errors, its failed opens, writes and closes; dropped_bytes, stream
 * bytes never handed to the file (no descriptor or staging room for them
 * in a live capture, or the file failed before): zeros (holes) there.
 */
struct flow_index_out {
	uint64_t write_errors;
	uint64_t dropped_bytes;
};

/*
 * The same in two steps, for a line written when the flow's files have
 * closed: the record (everything but the write_errors values) when the
 * flow ends, the line once the counts are known.  flow_index_rec_line
 * consumes rec (freed, whatever it returns); NULL when out of memory.
 */
struct flow_index_rec;
struct flow_index_rec *flow_index_record(const struct flow *f,
					 enum flow_end why,
					 const char *const files[2]);
struct buf *flow_index_rec_line(struct flow_index_rec *rec,
				const struct flow_index_out out[2],
				const char **text, uint32_t *len);
void flow_index_rec_free(struct flow_index_rec *rec);

/*
 * The index's JSON pieces, for other writers of flows.jsonl lines
 * (receive): a string, quoted and escaped; "KEY_ns":NS,"KEY":"ISO 8601",
 * with the comma after it.
 */
void flow_index_json_str(FILE *f, const char *s);
void flow_index_json_time(FILE *f, const char *key, uint64_t ns);

/*
 * After every writer's lines have completed: cut a line that a failed
 * write left half-written at the end, close.  Returns 0 or -errno.
 */
int flow_index_close(struct flow_index *ix);

#endif /* FS_FLOW_INDEX_H */
