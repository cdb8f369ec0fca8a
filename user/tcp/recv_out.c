// SPDX-License-Identifier: GPL-2.0
/*
 * recv_out: the sinks' writes, index lines and counters (see the
 * header).  A write references a struct recv_wref from a free list,
 * which holds the engine's buffer and, when the write completes,
 * reports its bytes absorbed and releases the buffer.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "tcp/recv_http.h"
#include "tcp/recv_out.h"
#include "tcp/recv_raw.h"

struct recv_wref {
	struct buf b;
	struct buf *frame;
	struct recv_out *o;
	struct recv_owner *own;
	uint32_t len;
	struct recv_wref *next;
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

int recv_out_init(struct recv_out *o, struct writer *w, const char *dir,
		  struct flow_index *ix, int64_t mono_to_real)
{
	memset(o, 0, sizeof(*o));
	o->w = w;
	o->mono_to_real = mono_to_real;
	snprintf(o->dir, sizeof(o->dir), "%s", dir);
	/* Appended by the kernel: other workers' lines never interleave. */
	return writer_open(w, flow_index_path(ix), WRITER_KEEP | O_APPEND,
			   &o->ixf);
}

static void ix_closed(void *ctx, uint64_t errors, int err)
{
	struct recv_out *o = ctx;

	o->ix_closed = true;
	if (errors)
		o->ix_err = err ? err : -EIO;
}

int recv_out_fini(struct recv_out *o)
{
	int ret;

	writer_drain(o->w);
	if (o->ixf) {
		writer_close_async(o->w, o->ixf, WRITER_SIZE_KEEP, ix_closed,
				   o);
		o->ixf = NULL;
	}
	writer_drain(o->w);
	ret = o->ix_closed ? o->ix_err : -EIO;
	if (o->st.pending)
		pr_warn("receive: %" PRIu64 " connections' files did not "
			"close; their flows.jsonl lines are missing\n",
			o->st.pending);
	while (o->free_refs) {
		struct recv_wref *x = o->free_refs;

		o->free_refs = x->next;
		free(x);
	}
	return ret;
}

void recv_out_absorbed(struct recv_out *o, struct recv_owner *own, uint64_t len)
{
	if (own->c && len)
		tcp_rx_absorbed(o->e, own->c, len);
}

static void wref_release(struct buf *b)
{
	struct recv_wref *x = (struct recv_wref *)b;
	struct recv_owner *own = x->own;
	struct recv_out *o = x->o;

	recv_out_absorbed(o, own, x->len);
	buf_put(x->frame);
	x->next = o->free_refs;
	o->free_refs = x;
	if (!--own->writes && own->idle)
		own->idle(own);
}

int recv_out_write(struct recv_out *o, struct recv_owner *own, struct wfile *f,
		   uint64_t off, const uint8_t *p, uint32_t len, struct buf *b)
{
	struct recv_wref *x = o->free_refs;
	int ret;

	if (x)
		o->free_refs = x->next;
	else if (!(x = malloc(sizeof(*x))))
		return -ENOMEM;
	x->b.refs = 1;
	x->b.release = wref_release;
	x->frame = b;
	x->o = o;
	x->own = own;
	x->len = len;
	buf_get(b);
	own->writes++;
	ret = writer_write(o->w, f, off, p, len, &x->b);
	if (ret)
		x->len = 0; /* nothing for the engine to hear of */
	buf_put(&x->b);
	return ret;
}

void recv_out_addr_name(const struct tcp_conn_info *in, char *buf, size_t len)
{
	char *p;

	pkt_addr_str(&in->client, in->family, buf, len);
	for (p = buf; *p; p++)
		if (*p == ':')
			*p = '_';
}

void recv_out_line(struct recv_out *o, const struct tcp_conn_info *in,
		   enum tcp_end why, bool complete, const char *tail)
{
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
	flow_index_json_time(m, "first", in->first_ns + o->mono_to_real);
	flow_index_json_time(m, "last", in->last_ns + o->mono_to_real);
	fprintf(m, "\"ended\":\"%s\",\"complete\":%s%s}\n", tcp_end_name(why),
		complete ? "true" : "false", tail);
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
	if (writer_write(o->w, o->ixf, o->ix_off, l->text, l->len, &l->b))
		o->st.line_errors++;
	else
		o->ix_off += l->len;
	buf_put(&l->b);
	o->st.lines++;
	return;
fail:
	free(text);
	o->st.line_errors++;
}

int recv_sink_create(struct recv_out **out, struct writer *w,
		     const struct recv_sink_cfg *cfg,
		     const struct tcp_rx_ops **ops)
{
	if (cfg->http) {
		*ops = &recv_http_ops;
		return recv_http_create(out, w, cfg);
	}
	*ops = &recv_raw_ops;
	return recv_raw_create(out, w, cfg);
}

void recv_sink_get_stats(const struct recv_out *o, struct recv_stats *st)
{
	*st = o->st;
	if (o->ixf && !o->ix_closed)
		st->line_errors += wfile_errors(o->ixf);
}

void recv_sink_bind(struct recv_out *o, struct tcp_rx *e)
{
	o->e = e;
}

int recv_sink_destroy(struct recv_out *o)
{
	int ret;

	if (!o)
		return 0;
	ret = recv_out_fini(o);
	o->free_sink(o);
	return ret;
}
