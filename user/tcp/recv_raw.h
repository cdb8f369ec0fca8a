/* SPDX-License-Identifier: GPL-2.0 */
/*
 * recv_raw: the raw sink of the receive engine (tcp_rx.h).  Each
 * connection's byte stream becomes one file, DIR/<id>-<client>.<port>
 * (the name from parsed numbers only; IPv6 with '_' for ':'), written
 * through the worker's writer straight from the buffers the engine hands
 * over: each write holds a reference on its frame, and when it completes
 * its bytes are reported absorbed, which is what reopens the
 * connection's window.  The file is created with the connection
 * (asynchronously), closed when the client's FIN is in, and only once
 * the close has completed without an error is our FIN sent; a failed
 * write resets the connection.  When both the connection and its file
 * are done, DIR/flows.jsonl gets the connection's line.
 *
 * flows.jsonl fields: id, client, client_port, server, server_port,
 * family, vlan, first_ns, last_ns, first, last (as capture's), ended
 * (fin, rst, timeout, abort, shutdown), complete (the file holds every
 * byte the client sent before its FIN, and closed without an error),
 * c2s {file, packets, payload, bytes, length, syn, fin, seq0,
 * overlap_bytes, out_of_order, write_errors, dropped_bytes}, and tcp
 * {cookie, mss, wscale, acks, retransmits, ooo_dropped}.
 *
 * One per worker, with its engine and writer; nothing waits.
 */
#ifndef FS_RECV_RAW_H
#define FS_RECV_RAW_H

#include <stdint.h>

#include "out/writer.h"
#include "tcp/flow_index.h"
#include "tcp/tcp_rx.h"

struct recv_raw;

struct recv_raw_stats {
	uint64_t files; /* files created */
	uint64_t complete; /* connections ended complete */
	uint64_t incomplete;
	uint64_t write_errors; /* failed opens, writes, closes (files) */
	uint64_t lines; /* flows.jsonl lines queued */
	uint64_t line_errors; /* lines lost (memory, writes) */
	uint64_t pending; /* files still closing */
};

/*
 * Files under dir (which exists), lines into ix's file (opened here on
 * w, O_APPEND); mono_to_real turns the engine's times into wall-clock
 * time.  0 or -errno.
 */
int recv_raw_create(struct recv_raw **out, struct writer *w, const char *dir,
		    struct flow_index *ix, int64_t mono_to_real);
/* The engine this sink feeds (made with recv_raw_ops and this sink). */
void recv_raw_bind(struct recv_raw *r, struct tcp_rx *e);
/*
 * After the engine ended every connection: wait for the writes and
 * closes, the lines included, and free.  0, or the -errno of the index.
 */
int recv_raw_destroy(struct recv_raw *r);

extern const struct tcp_rx_ops recv_raw_ops;

void recv_raw_get_stats(const struct recv_raw *r, struct recv_raw_stats *st);

#endif /* FS_RECV_RAW_H */
