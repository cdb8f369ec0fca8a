// SPDX-License-Identifier: GPL-2.0
/*
 * recv_raw: a file per connection (see recv_raw.h).
 *
 * A struct rfile lives from the connection's establishment until the
 * connection has ended, its file's close has completed and no write is
 * in flight; then the flows.jsonl line is written and it goes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcp/recv_raw.h"

struct raw {
	struct recv_out o; /* first: the sink is its recv_out */
	struct recv_sink_cfg cfg;
};

struct rfile {
	struct recv_owner own; /* first: the writes' owner is the rfile */
	struct recv_out *o;
	struct wfile *wf; /* NULL once closing */
	char name[80];
	uint64_t queued; /* bytes handed to the writer */
	uint64_t errors;
	bool closing, closed, ended;
	enum tcp_end why;
	struct tcp_conn_info info; /* as it ended */
};

static void raw_free(struct recv_out *o)
{
	free(o);
}

int recv_raw_create(struct recv_out **out, struct writer *w,
		    const struct recv_sink_cfg *cfg)
{
	struct raw *r = calloc(1, sizeof(*r));
	int ret;

	if (!r)
		return -ENOMEM;
	ret = recv_out_init(&r->o, w, cfg->dir, cfg->index, cfg->mono_to_real);
	if (ret) {
		free(r);
		return ret;
	}
	r->cfg = *cfg;
	r->o.cfg = &r->cfg;
	r->o.free_sink = raw_free;
	*out = &r->o;
	return 0;
}

static void emit(struct recv_out *o, struct rfile *f)
{
	const struct tcp_conn_info *in = &f->info;
	bool complete = in->fin && !f->errors;
	char tail[1024];

	snprintf(tail, sizeof(tail),
		 ",\"c2s\":{\"file\":\"%s\",\"packets\":%" PRIu64
		 ",\"payload\":%" PRIu64 ",\"bytes\":%" PRIu64
		 ",\"length\":%" PRIu64 ",\"syn\":true,\"fin\":%s,\"seq0\":%u"
		 ",\"overlap_bytes\":%" PRIu64 ",\"out_of_order\":%" PRIu64
		 ",\"write_errors\":%" PRIu64 ",\"dropped_bytes\":0},"
		 "\"tcp\":{\"cookie\":%s,\"mss\":%u,\"wscale\":%u,"
		 "\"acks\":%" PRIu64 ",\"retransmits\":%" PRIu64
		 ",\"ooo_dropped\":%" PRIu64 "}",
		 f->name, in->packets, in->payload, in->bytes, f->queued,
		 in->fin ? "true" : "false", in->isn + 1, in->dup_bytes,
		 in->ooo_segs, f->errors, in->cookie ? "true" : "false",
		 in->mss, in->wscale, in->acks, in->retransmits,
		 in->ooo_dropped);
	recv_out_line(o, in, f->why, complete, tail);
	if (complete)
		o->st.complete++;
	else
		o->st.incomplete++;
}

/* The connection, the file and the writes are done: the line, then free. */
static void maybe_done(struct rfile *f)
{
	if (!f->ended || !f->closed || f->own.writes)
		return;
	f->o->st.pending--;
	emit(f->o, f);
	free(f);
}

static void idle(struct recv_owner *own)
{
	maybe_done((struct rfile *)own);
}

static void closed(void *ctx, uint64_t errors, int err)
{
	struct rfile *f = ctx;
	struct recv_out *o = f->o;

	(void)err;
	f->closed = true;
	f->errors += errors;
	o->st.write_errors += errors;
	/* Our FIN says the file is whole; a failure says so with a RST. */
	if (f->own.c && errors)
		tcp_rx_abort(o->e, f->own.c);
	else if (f->own.c)
		tcp_rx_shutdown(o->e, f->own.c);
	maybe_done(f);
}

static void start_close(struct recv_out *o, struct rfile *f)
{
	struct wfile *wf = f->wf;

	if (f->closing)
		return;
	f->closing = true;
	f->wf = NULL;
	writer_close_async(o->w, wf, WRITER_SIZE_KEEP, closed, f);
}

static int raw_open(void *ctx, struct tcp_conn *c)
{
	struct recv_out *o = ctx;
	char path[PATH_MAX + 96], a[64];
	struct rfile *f = calloc(1, sizeof(*f));
	int ret;

	if (!f)
		return -ENOMEM;
	f->o = o;
	f->own.c = c;
	f->own.idle = idle;
	recv_out_addr_name(tcp_conn_info(c), a, sizeof(a));
	snprintf(f->name, sizeof(f->name), "%" PRIu64 "-%s.%u",
		 tcp_conn_info(c)->id, a, tcp_conn_info(c)->client_port);
	snprintf(path, sizeof(path), "%s/%s", o->dir, f->name);
	ret = writer_open(o->w, path, WRITER_ASYNC_OPEN, &f->wf);
	if (ret) {
		o->st.write_errors++;
		free(f);
		return ret;
	}
	o->st.files++;
	o->st.pending++;
	tcp_conn_set_user(c, f);
	return 0;
}

static int raw_data(void *ctx, struct tcp_conn *c, uint64_t off,
		    const uint8_t *p, uint32_t len, struct buf *b)
{
	struct recv_out *o = ctx;
	struct rfile *f = tcp_conn_user(c);
	int ret;

	if (!f->wf)
		return -EPIPE;
	ret = recv_out_write(o, &f->own, f->wf, off, p, len, b);
	if (ret)
		return ret;
	f->queued += len;
	return 0;
}

static void raw_fin(void *ctx, struct tcp_conn *c)
{
	start_close(ctx, tcp_conn_user(c));
}

static void raw_end(void *ctx, struct tcp_conn *c, enum tcp_end why)
{
	struct recv_out *o = ctx;
	struct rfile *f = tcp_conn_user(c);

	if (!f)
		return;
	f->info = *tcp_conn_info(c);
	f->why = why;
	f->ended = true;
	f->own.c = NULL;
	start_close(o, f);
	maybe_done(f);
}

const struct tcp_rx_ops recv_raw_ops = {
	.open = raw_open,
	.data = raw_data,
	.fin = raw_fin,
	.end = raw_end,
};
