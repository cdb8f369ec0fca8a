/* SPDX-License-Identifier: GPL-2.0 */
/*
 * recv_raw: the raw sink of the receive engine (tcp_rx.h), made through
 * recv_sink_create() (recv_out.h).  Each connection's byte stream becomes
 * one file, DIR/<id>-<client>.<port> (the name from parsed numbers only;
 * IPv6 with '_' for ':'), written through the worker's writer straight
 * from the buffers the engine hands over: each write holds its buffer,
 * and when it completes its bytes are reported absorbed, which is what
 * reopens the connection's window.  The file is created with the
 * connection (asynchronously), closed when the client's FIN is in, and
 * only once the close has completed without an error is our FIN sent; a
 * failed write resets the connection.  When both the connection and its
 * file are done, DIR/flows.jsonl gets the connection's line:
 *
 * the common fields (recv_out_line), c2s {file, packets, payload, bytes,
 * length, syn, fin, seq0, overlap_bytes, out_of_order, write_errors,
 * dropped_bytes} and tcp {cookie, mss, wscale, acks, retransmits,
 * ooo_dropped}; complete: the file holds every byte the client sent
 * before its FIN, and closed without an error.
 *
 * Nothing here waits.
 */
#ifndef FS_RECV_RAW_H
#define FS_RECV_RAW_H

#include "tcp/recv_out.h"

int recv_raw_create(struct recv_out **out, struct writer *w,
		    const struct recv_sink_cfg *cfg);

extern const struct tcp_rx_ops recv_raw_ops;

#endif /* FS_RECV_RAW_H */
