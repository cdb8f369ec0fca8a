/* SPDX-License-Identifier: GPL-2.0 */
/*
 * recv_http: the HTTP/1.1 upload sink of the receive engine (tcp_rx.h),
 * made through recv_sink_create() (recv_out.h) with cfg.http.
 *
 * Requests on a connection are taken one after the other (pipelined
 * ones wait, their bytes held and not yet absorbed, so the window
 * closes on them).  PUT and POST with a Content-Length or a chunked body
 * upload to DIR/NAME, NAME from the target "/NAME" in a safe character
 * set (http_safe_name: no '/', no "..", no leading dot, nothing outside
 * DIR).  The body goes, straight from the engine's buffers, to a hidden
 * temporary file in DIR (".up-<id>-<n>.part"), which is fsynced and
 * closed, then renamed to NAME (refused if NAME exists, unless
 * cfg.overwrite): so NAME appears only whole, and "201 Created" is sent
 * only then.  "Expect: 100-continue" gets "100 Continue" once the head
 * has been checked.  Answers otherwise: 400 (a malformed head or body
 * framing, an unsafe name, a body cut short by the client's FIN), 405
 * (another method), 409 (NAME exists), 411 (no length), 413 (past
 * cfg.max_upload), 417, 431 (a head past 8 KiB), 500, 501 (another
 * transfer coding), 505 (not HTTP/1.x), 507 (the disk is full).  After
 * an error, or "Connection: close", the connection is closed (our FIN
 * after the answer) and what else comes is discarded; a partial body's
 * temporary file is removed.
 *
 * flows.jsonl: the common fields (recv_out_line), complete (every
 * request answered 201 and the client's FIN seen), c2s {packets,
 * payload, bytes, fin} and http {requests, created, uploads: [{method,
 * name, status, bytes}, ...]} (the first 16 requests).
 *
 * Nothing here waits: opens, writes, fsyncs, closes, renames and
 * removals go through io_uring.
 */
#ifndef FS_RECV_HTTP_H
#define FS_RECV_HTTP_H

#include "tcp/recv_out.h"

int recv_http_create(struct recv_out **out, struct writer *w,
		     const struct recv_sink_cfg *cfg);

extern const struct tcp_rx_ops recv_http_ops;

#endif /* FS_RECV_HTTP_H */
