/* SPDX-License-Identifier: GPL-2.0 */
/*
 * recv_out: what the sinks of the receive engine share (recv_raw.h, a
 * file per connection; recv_http.h, HTTP uploads): the worker's writer,
 * the engine they report to, DIR, the flows.jsonl lines, the counters,
 * and writes from the engine's buffers whose completion reports their
 * bytes absorbed, which reopens the connection's window.
 *
 * A sink's per-connection object embeds a struct recv_owner: the
 * connection (NULL once it ended) and the writes still in flight, so
 * that the object outlives its connection until they are done.
 */
#ifndef FS_RECV_OUT_H
#define FS_RECV_OUT_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "out/writer.h"
#include "tcp/flow_index.h"
#include "tcp/tcp_rx.h"

/* The sinks' counters (raw mode leaves the HTTP ones 0). */
struct recv_stats {
	uint64_t files; /* files created (raw: per connection; http: bodies) */
	uint64_t complete; /* raw: connections ended complete */
	uint64_t incomplete;
	uint64_t write_errors; /* failed opens, writes, fsyncs, closes */
	uint64_t lines; /* flows.jsonl lines queued */
	uint64_t line_errors; /* lines lost (memory, writes) */
	uint64_t pending; /* connections whose files or lines are not done */
	uint64_t requests; /* http: requests read */
	uint64_t continues; /* http: 100 Continue sent */
	uint64_t created; /* http: 201, the body on disk under its name */
	uint64_t bad_request; /* 400 */
	uint64_t not_allowed; /* 405 */
	uint64_t exists; /* 409 */
	uint64_t length_required; /* 411 */
	uint64_t too_large; /* 413 */
	uint64_t expectation; /* 417 */
	uint64_t head_too_large; /* 431 */
	uint64_t server_error; /* 500 */
	uint64_t not_implemented; /* 501 */
	uint64_t bad_version; /* 505 */
	uint64_t disk_full; /* 507 */
	uint64_t body_bytes; /* http: body bytes written */
	uint64_t unlinked; /* http: partial bodies removed */
};

struct recv_owner {
	struct tcp_conn *c; /* NULL once the connection ended */
	uint64_t writes; /* writes in flight */
	/* Called when writes drops to 0 (may be NULL). */
	void (*idle)(struct recv_owner *own);
};

/* What a sink is made from. */
struct recv_sink_cfg {
	const char *dir; /* exists */
	struct flow_index *index; /* DIR/flows.jsonl */
	int64_t mono_to_real; /* the engine's times to wall-clock time */
	bool http; /* recv_http, else recv_raw */
	uint64_t max_upload; /* http: the largest body taken */
	bool overwrite; /* http: a name that exists is replaced */
};

struct recv_out {
	struct writer *w;
	struct tcp_rx *e;
	char dir[PATH_MAX];
	struct wfile *ixf;
	uint64_t ix_off;
	bool ix_closed;
	int ix_err;
	int64_t mono_to_real;
	struct recv_wref *free_refs;
	struct recv_stats st;
	const struct recv_sink_cfg *cfg; /* its own copy, in the sink */
	void (*free_sink)(struct recv_out *o); /* the kind's object */
};

/*
 * The sink cfg asks for, on w, and the engine ops it is fed through (its
 * ctx is *out).  0 or -errno.
 */
int recv_sink_create(struct recv_out **out, struct writer *w,
		     const struct recv_sink_cfg *cfg,
		     const struct tcp_rx_ops **ops);
/* The sink's counters, failed index lines included. */
void recv_sink_get_stats(const struct recv_out *o, struct recv_stats *st);

/* The engine the sink reports to (made with its ops and ctx). */
void recv_sink_bind(struct recv_out *o, struct tcp_rx *e);
/*
 * After the engine ended every connection: wait for the writes, the
 * files and the lines, and free the sink.  0, or the index's -errno.
 */
int recv_sink_destroy(struct recv_out *o);

/* DIR and the index (its file opened here on w, O_APPEND).  0 or -errno. */
int recv_out_init(struct recv_out *o, struct writer *w, const char *dir,
		  struct flow_index *ix, int64_t mono_to_real);
/* Wait for every write and the index's close; 0 or the index's -errno. */
int recv_out_fini(struct recv_out *o);

/*
 * Queue len bytes at p (held by b) for offset off of f, for own: when the
 * write completes, its bytes are reported absorbed to own's connection
 * and b is released.  0 or the writer's -errno (nothing absorbed then).
 */
int recv_out_write(struct recv_out *o, struct recv_owner *own, struct wfile *f,
		   uint64_t off, const uint8_t *p, uint32_t len, struct buf *b);

/* Bytes the sink took without writing (copied, discarded): absorbed now. */
void recv_out_absorbed(struct recv_out *o, struct recv_owner *own,
		       uint64_t len);

/*
 * A flows.jsonl line: the fields every sink writes (id, client,
 * client_port, server, server_port, family, vlan, first_ns, last_ns,
 * first, last, ended, complete), then tail (a JSON fragment beginning
 * with ',' or empty), then '}'.
 */
void recv_out_line(struct recv_out *o, const struct tcp_conn_info *in,
		   enum tcp_end why, bool complete, const char *tail);

/* "198.18.0.1" or "2001_db8__1": the client's address for a file name. */
void recv_out_addr_name(const struct tcp_conn_info *in, char *buf, size_t len);

#endif /* FS_RECV_OUT_H */
