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
 * number of stream byte 0), gaps [[offset, length], ...], gaps_truncated,
 * gap_bytes, overlaps, overlap_bytes, conflicts, conflict_bytes,
 * late_bytes, before_start, after_fin, keepalives, write_errors.
 */
#ifndef FS_FLOW_INDEX_H
#define FS_FLOW_INDEX_H

#include <stdint.h>

#include "tcp/flow_table.h"

struct flow_index;

/* Create (truncate) path; returns 0 or -errno. */
int flow_index_open(struct flow_index **out, const char *path);

/*
 * Append f's line.  files[d]: the direction's file name relative to the
 * index, or NULL; write_errors[d]: failed writes of that file.
 */
int flow_index_write(struct flow_index *ix, const struct flow *f,
		     enum flow_end why, const char *const files[2],
		     const uint64_t write_errors[2]);

/* Flush and close; returns 0 or the first error seen (-errno). */
int flow_index_close(struct flow_index *ix);

#endif /* FS_FLOW_INDEX_H */
