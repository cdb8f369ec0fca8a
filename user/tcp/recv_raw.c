// SPDX-License-Identifier: GPL-2.0
/*
 * recv_raw: a file per connection (see recv_raw.h).
 *
 * A struct rfile lives from the connection's establishment until both
 * the connection has ended and its file's close has completed; then the
 * flows.jsonl line is written and it goes.  Each write references a
 * struct wref (from a free list), which holds the frame's reference and
 * tells the engine, when the write completes, that its bytes are on disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "tcp/recv_raw.h"

struct rfile;

/* One write's hold on a frame, reported when the write is done. */
struct wref {
	struct buf b;
	struct buf *frame;
	struct rfile *f;
	uint32_t len;
	struct wref *next;
};

struct rfile {
	struct recv_raw *r;
	struct tcp_conn *c; /* NULL once the connection ended */
	struct wfile *wf; /* NULL once closing */
	char name[80];
	uint64_t queued; /* bytes handed to the writer */
	uint64_t writes; /* wrefs not yet released */
	uint64_t errors;
	int err;
	bool closing, closed, ended;
	enum tcp_end why;
	struct tcp_conn_info info; /* as it ended */
};

struct recv_raw {
	struct writer *w;
	struct tcp_rx *e;
	char dir[PATH_MAX];
	struct wfile *ixf;
	uint64_t ix_off;
	bool ix_closed;
	int ix_err;
	int64_t mono_to_real;
	struct wref *free_refs;
	struct recv_raw_stats st;
};

struct line {
	struct buf b;
	uint32_t len;
	char text[];
};

static void line_release(struct buf *b)
{
	free(b);
}

int recv_raw_create(struct recv_raw **out, struct writer *w, const char *dir,
		    struct flow_index *ix, int64_t mono_to_real)
{
	struct recv_raw *r = calloc(1, sizeof(*r));
	int ret;

	if (!r)
		return -ENOMEM;
	r->w = w;
	r->mono_to_real = mono_to_real;
	snprintf(r->dir, sizeof(r->dir), "%s", dir);
	/* Appended by the kernel: other workers' lines never interleave. */
	ret = writer_open(w, flow_index_path(ix), WRITER_KEEP | O_APPEND,
			  &r->ixf);
	if (ret) {
		free(r);
		return ret;
	}
	*out = r;
	return 0;
}

void recv_raw_bind(struct recv_raw *r, struct tcp_rx *e)
{
	r->e = e;
}

static void ix_closed(void *ctx, uint64_t errors, int err)
{
	struct recv_raw *r = ctx;

	r->ix_closed = true;
	if (errors)
		r->ix_err = err ? err : -EIO;
}

int recv_raw_destroy(struct recv_raw *r)
{
	int ret;

	if (!r)
		return 0;
	writer_drain(r->w);
	writer_close_async(r->w, r->ixf, WRITER_SIZE_KEEP, ix_closed, r);
	writer_drain(r->w);
	ret = r->ix_closed ? r->ix_err : -EIO;
	if (r->st.pending)
		pr_warn("receive: %" PRIu64 " files did not close; their "
			"flows.jsonl lines are missing\n",
			r->st.pending);
	while (r->free_refs) {
		struct wref *x = r->free_refs;

		r->free_refs = x->next;
		free(x);
	}
	free(r);
	return ret;
}

void recv_raw_get_stats(const struct recv_raw *r, struct recv_raw_stats *st)
{
	*st = r->st;
	if (!r->ix_closed)
		st->line_errors += wfile_errors(r->ixf);
}

/* "198.18.0.1" or "2001_db8__1": digits, hex, '.' and '_' only. */
static void file_name(const struct tcp_conn_info *in, char *buf, size_t len)
{
	char a[64], *p;

	pkt_addr_str(&in->client, in->family, a, sizeof(a));
	for (p = a; *p; p++)
		if (*p == ':')
			*p = '_';
	snprintf(buf, len, "%" PRIu64 "-%s.%u", in->id, a, in->client_port);
}

static void emit(struct recv_raw *r, struct rfile *f)
{
	const struct tcp_conn_info *in = &f->info;
	bool complete = in->fin && !f->errors;
	char a[64], *text = NULL;
	size_t len = 0;
	struct line *l;
	FILE *m;

	m = open_memstream(&text, &len);
	if (!m)
		goto fail;
	fprintf(m, "{\"id\":%" PRIu64 ",\"client\":", in->id);
	flow_index_json_str(
		m, pkt_addr_str(&in->client, in->family, a, sizeof(a)));
	fprintf(m, ",\"client_port\":%u,\"server\":", in->client_port);
	flow_index_json_str(
		m, pkt_addr_str(&in->server, in->family, a, sizeof(a)));
	fprintf(m, ",\"server_port\":%u,\"family\":%u,\"vlan\":[],",
		in->server_port, in->family);
	flow_index_json_time(m, "first", in->first_ns + r->mono_to_real);
	flow_index_json_time(m, "last", in->last_ns + r->mono_to_real);
	fprintf(m, "\"ended\":\"%s\",\"complete\":%s,\"c2s\":{\"file\":",
		tcp_end_name(f->why), complete ? "true" : "false");
	flow_index_json_str(m, f->name);
	fprintf(m,
		",\"packets\":%" PRIu64 ",\"payload\":%" PRIu64
		",\"bytes\":%" PRIu64 ",\"length\":%" PRIu64
		",\"syn\":true,\"fin\":%s,\"seq0\":%u,\"overlap_bytes\":%" PRIu64
		",\"out_of_order\":%" PRIu64 ",\"write_errors\":%" PRIu64
		",\"dropped_bytes\":0},\"tcp\":{\"cookie\":%s,\"mss\":%u,"
		"\"wscale\":%u,\"acks\":%" PRIu64 ",\"retransmits\":%" PRIu64
		",\"ooo_dropped\":%" PRIu64 "}}\n",
		in->packets, in->payload, in->bytes, f->queued,
		in->fin ? "true" : "false", in->isn + 1, in->dup_bytes,
		in->ooo_segs, f->errors, in->cookie ? "true" : "false", in->mss,
		in->wscale, in->acks, in->retransmits, in->ooo_dropped);
	if (fclose(m) || !text)
		goto fail;
	l = malloc(sizeof(*l) + len);
	if (!l)
		goto fail;
	l->b.refs = 1;
	l->b.release = line_release;
	l->len = len;
	memcpy(l->text, text, len);
	free(text);
	if (writer_write(r->w, r->ixf, r->ix_off, l->text, l->len, &l->b))
		r->st.line_errors++;
	else
		r->ix_off += l->len;
	buf_put(&l->b);
	r->st.lines++;
	if (complete)
		r->st.complete++;
	else
		r->st.incomplete++;
	return;
fail:
	free(text);
	r->st.line_errors++;
}

/* Both the connection and the file are done: the line, then free. */
static void maybe_done(struct recv_raw *r, struct rfile *f)
{
	if (!f->ended || !f->closed || f->writes)
		return;
	r->st.pending--;
	emit(r, f);
	free(f);
}

static void closed(void *ctx, uint64_t errors, int err)
{
	struct rfile *f = ctx;
	struct recv_raw *r = f->r;

	f->closed = true;
	f->errors += errors;
	if (errors && !f->err)
		f->err = err;
	r->st.write_errors += errors;
	/* Our FIN says the file is whole; a failure says so with a RST. */
	if (f->c && errors)
		tcp_rx_abort(r->e, f->c);
	else if (f->c)
		tcp_rx_shutdown(r->e, f->c);
	maybe_done(r, f);
}

static void start_close(struct recv_raw *r, struct rfile *f)
{
	struct wfile *wf = f->wf;

	if (f->closing)
		return;
	f->closing = true;
	f->wf = NULL;
	writer_close_async(r->w, wf, WRITER_SIZE_KEEP, closed, f);
}

static int raw_open(void *ctx, struct tcp_conn *c)
{
	struct recv_raw *r = ctx;
	char path[PATH_MAX + 96];
	struct rfile *f = calloc(1, sizeof(*f));
	int ret;

	if (!f)
		return -ENOMEM;
	f->r = r;
	f->c = c;
	file_name(tcp_conn_info(c), f->name, sizeof(f->name));
	snprintf(path, sizeof(path), "%s/%s", r->dir, f->name);
	ret = writer_open(r->w, path, WRITER_ASYNC_OPEN, &f->wf);
	if (ret) {
		r->st.write_errors++;
		free(f);
		return ret;
	}
	r->st.files++;
	r->st.pending++;
	tcp_conn_set_user(c, f);
	return 0;
}

static void wref_release(struct buf *b)
{
	struct wref *x = (struct wref *)b;
	struct rfile *f = x->f;
	struct recv_raw *r = f->r;

	if (f->c)
		tcp_rx_absorbed(r->e, f->c, x->len);
	buf_put(x->frame);
	x->next = r->free_refs;
	r->free_refs = x;
	f->writes--;
	maybe_done(r, f);
}

static int raw_data(void *ctx, struct tcp_conn *c, uint64_t off,
		    const uint8_t *p, uint32_t len, struct buf *b)
{
	struct recv_raw *r = ctx;
	struct rfile *f = tcp_conn_user(c);
	struct wref *x = r->free_refs;
	int ret;

	if (!f->wf)
		return -EPIPE;
	if (x)
		r->free_refs = x->next;
	else if (!(x = malloc(sizeof(*x))))
		return -ENOMEM;
	x->b.refs = 1;
	x->b.release = wref_release;
	x->frame = b;
	x->f = f;
	x->len = len;
	buf_get(b);
	f->writes++;
	ret = writer_write(r->w, f->wf, off, p, len, &x->b);
	if (ret)
		x->len = 0; /* nothing for the engine to hear of */
	buf_put(&x->b);
	if (ret)
		return ret;
	f->queued += len;
	return 0;
}

static void raw_fin(void *ctx, struct tcp_conn *c)
{
	struct recv_raw *r = ctx;

	start_close(r, tcp_conn_user(c));
}

static void raw_end(void *ctx, struct tcp_conn *c, enum tcp_end why)
{
	struct recv_raw *r = ctx;
	struct rfile *f = tcp_conn_user(c);

	if (!f)
		return;
	f->info = *tcp_conn_info(c);
	f->why = why;
	f->ended = true;
	f->c = NULL;
	start_close(r, f);
	maybe_done(r, f);
}

const struct tcp_rx_ops recv_raw_ops = {
	.open = raw_open,
	.data = raw_data,
	.fin = raw_fin,
	.end = raw_end,
};
