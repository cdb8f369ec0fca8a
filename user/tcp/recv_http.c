// SPDX-License-Identifier: GPL-2.0
/*
 * recv_http: HTTP uploads (see recv_http.h).
 *
 * Each connection has a struct hconn and a queue of input pieces (the
 * engine's in-order bytes, each holding its buffer).  The pieces are
 * consumed as the request's state allows:
 *
 *   HEAD   copied into the head buffer until the head is whole, then
 *          checked: an error answers and goes to DRAIN; an upload opens
 *          its temporary file, answers 100 Continue if asked, BODY
 *   BODY   written to the temporary file (or decoded from chunks first);
 *          at its end the file is fsynced and closed: WAIT
 *   WAIT   nothing consumed until the close and the rename completed
 *          and the answer went; then HEAD again (or DRAIN to close)
 *   DRAIN  everything discarded; the connection closes after the answer
 *
 * The hconn lives until the connection has ended, its writes and file
 * operations are done and its line is written.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/http_req.h"
#include "tcp/recv_http.h"

#define UPLOADS_LISTED 16

enum { H_HEAD, H_BODY, H_WAIT, H_DRAIN };

struct http {
	struct recv_out o; /* first: the sink is its recv_out */
	struct recv_sink_cfg cfg;
};

struct piece {
	struct piece *next;
	const uint8_t *p;
	uint32_t len;
	struct buf *b;
};

struct upload {
	char method[16];
	char name[HTTP_NAME_MAX + 1];
	uint16_t status;
	uint64_t bytes;
};

struct hconn {
	struct recv_owner own; /* first: the writes' owner is the hconn */
	struct http *h;
	uint8_t st;
	bool fin; /* the client's FIN is in */
	bool shut; /* our FIN asked for */
	bool ended;
	unsigned int busy; /* file operations in flight */
	struct piece *in, *in_last;
	char head[HTTP_HEAD_MAX];
	size_t hlen;
	struct http_req req;
	char name[HTTP_NAME_MAX + 1];
	char tmp[PATH_MAX + 64];
	struct wfile *wf;
	bool tmp_made; /* tmp exists (or is being made) */
	int werr; /* the body's first write error */
	uint64_t got; /* body bytes */
	struct http_chunked ck;
	uint32_t nreq, ncreated;
	struct upload up[UPLOADS_LISTED];
	struct tcp_conn_info info;
	enum tcp_end why;
};

static void process(struct hconn *hc);

static void http_free(struct recv_out *o)
{
	free(o);
}

int recv_http_create(struct recv_out **out, struct writer *w,
		     const struct recv_sink_cfg *cfg)
{
	struct http *h = calloc(1, sizeof(*h));
	int ret;

	if (!h)
		return -ENOMEM;
	ret = recv_out_init(&h->o, w, cfg->dir, cfg->index, cfg->mono_to_real);
	if (ret) {
		free(h);
		return ret;
	}
	h->cfg = *cfg;
	h->o.cfg = &h->cfg;
	h->o.free_sink = http_free;
	*out = &h->o;
	return 0;
}

static const char *reason(int status)
{
	switch (status) {
	case 100:
		return "Continue";
	case 201:
		return "Created";
	case 400:
		return "Bad Request";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 411:
		return "Length Required";
	case 413:
		return "Content Too Large";
	case 417:
		return "Expectation Failed";
	case 431:
		return "Request Header Fields Too Large";
	case 501:
		return "Not Implemented";
	case 505:
		return "HTTP Version Not Supported";
	case 507:
		return "Insufficient Storage";
	default:
		return "Internal Server Error";
	}
}

static void count(struct recv_stats *st, int status)
{
	switch (status) {
	case 201:
		st->created++;
		break;
	case 400:
		st->bad_request++;
		break;
	case 405:
		st->not_allowed++;
		break;
	case 409:
		st->exists++;
		break;
	case 411:
		st->length_required++;
		break;
	case 413:
		st->too_large++;
		break;
	case 417:
		st->expectation++;
		break;
	case 431:
		st->head_too_large++;
		break;
	case 501:
		st->not_implemented++;
		break;
	case 505:
		st->bad_version++;
		break;
	case 507:
		st->disk_full++;
		break;
	default:
		st->server_error++;
	}
}

static void json_tail(struct hconn *hc, char *buf, size_t len)
{
	const struct tcp_conn_info *in = &hc->info;
	size_t n;
	uint32_t i;

	n = snprintf(buf, len,
		     ",\"c2s\":{\"file\":null,\"packets\":%" PRIu64
		     ",\"payload\":%" PRIu64 ",\"bytes\":%" PRIu64
		     ",\"fin\":%s},\"http\":{\"requests\":%u,\"created\":%u,"
		     "\"uploads\":[",
		     in->packets, in->payload, in->bytes,
		     in->fin ? "true" : "false", hc->nreq, hc->ncreated);
	for (i = 0; i < hc->nreq && i < UPLOADS_LISTED && n < len; i++)
		n += snprintf(buf + n, len - n,
			      "%s{\"method\":\"%s\",\"name\":\"%s\","
			      "\"status\":%u,\"bytes\":%" PRIu64 "}",
			      i ? "," : "", hc->up[i].method, hc->up[i].name,
			      hc->up[i].status, hc->up[i].bytes);
	if (n < len)
		snprintf(buf + n, len - n, "]}");
}

static void drop_input(struct hconn *hc)
{
	while (hc->in) {
		struct piece *pc = hc->in;

		hc->in = pc->next;
		recv_out_absorbed(&hc->h->o, &hc->own, pc->len);
		buf_put(pc->b);
		free(pc);
	}
	hc->in_last = NULL;
}

/* Ended, no write or file operation in flight: the line, then free. */
static void maybe_done(struct hconn *hc)
{
	struct recv_out *o = &hc->h->o;
	char tail[4096];
	bool complete = hc->info.fin && hc->ncreated == hc->nreq;

	if (!hc->ended || hc->busy || hc->own.writes)
		return;
	json_tail(hc, tail, sizeof(tail));
	recv_out_line(o, &hc->info, hc->why, complete, tail);
	if (complete)
		o->st.complete++;
	else
		o->st.incomplete++;
	o->st.pending--;
	free(hc);
}

static void idle(struct recv_owner *own)
{
	maybe_done((struct hconn *)own);
}

/* The answer to the current request; close: the connection ends after. */
static void respond(struct hconn *hc, int status, bool close)
{
	struct recv_out *o = &hc->h->o;
	char msg[512];
	int n;

	n = snprintf(msg, sizeof(msg), "HTTP/1.1 %d %s\r\n", status,
		     reason(status));
	if (status == 201)
		n += snprintf(msg + n, sizeof(msg) - n, "Location: /%s\r\n",
			      hc->name);
	if (status == 405)
		n += snprintf(msg + n, sizeof(msg) - n, "Allow: PUT, POST\r\n");
	n += snprintf(msg + n, sizeof(msg) - n, "Content-Length: 0\r\n%s\r\n",
		      close ? "Connection: close\r\n" : "");
	if (status != 100) {
		struct upload *u = hc->nreq <= UPLOADS_LISTED
					   ? &hc->up[hc->nreq - 1]
					   : NULL;

		count(&o->st, status);
		if (status == 201)
			hc->ncreated++;
		if (u) {
			u->status = (uint16_t)status;
			u->bytes = hc->got;
		}
	} else {
		o->st.continues++;
	}
	if (!hc->own.c)
		return;
	tcp_rx_send(o->e, hc->own.c, msg, (uint32_t)n);
	if (close && !hc->shut) {
		hc->shut = true;
		tcp_rx_shutdown(o->e, hc->own.c);
	}
}

static void remove_tmp(struct hconn *hc)
{
	if (!hc->tmp_made)
		return;
	hc->tmp_made = false;
	hc->h->o.st.unlinked++;
	writer_unlink(hc->h->o.w, hc->tmp);
}

static void discarded(void *ctx, uint64_t errors, int err)
{
	struct hconn *hc = ctx;

	(void)errors;
	(void)err;
	hc->busy--;
	remove_tmp(hc);
	maybe_done(hc);
}

/*
 * A body that will not be kept: its file closed, then removed (never
 * before its open completed, which would create it again).
 */
static void discard_body(struct hconn *hc)
{
	if (!hc->wf) {
		remove_tmp(hc);
		return;
	}
	hc->busy++;
	writer_close_async(hc->h->o.w, hc->wf, WRITER_SIZE_KEEP, discarded, hc);
	hc->wf = NULL;
}

/* A request that cannot be taken: its answer, then nothing more. */
static void fail(struct hconn *hc, int status)
{
	discard_body(hc);
	hc->st = H_DRAIN;
	respond(hc, status, true);
}

/* The answer went: the next request, or the end. */
static void next_request(struct hconn *hc)
{
	if (hc->req.close) {
		hc->st = H_DRAIN;
		if (hc->own.c && !hc->shut) {
			hc->shut = true;
			tcp_rx_shutdown(hc->h->o.e, hc->own.c);
		}
		return;
	}
	hc->st = H_HEAD;
	hc->hlen = 0;
	process(hc);
}

static void renamed(void *ctx, int res)
{
	struct hconn *hc = ctx;

	hc->busy--;
	if (res) {
		fail(hc, res == -EEXIST ? 409 : 500);
	} else {
		hc->tmp_made = false;
		respond(hc, 201, hc->req.close);
		next_request(hc);
	}
	process(hc);
	maybe_done(hc);
}

static void body_closed(void *ctx, uint64_t errors, int err)
{
	struct hconn *hc = ctx;
	struct recv_out *o = &hc->h->o;
	char fin[PATH_MAX + HTTP_NAME_MAX + 2];

	hc->busy--;
	if (errors || hc->werr) {
		int e = hc->werr ? hc->werr : err;

		o->st.write_errors += errors;
		fail(hc, e == -ENOSPC || e == -EDQUOT ? 507 : 500);
	} else if (hc->ended) {
		remove_tmp(hc); /* no one to tell that it is there */
	} else {
		snprintf(fin, sizeof(fin), "%s/%s", o->dir, hc->name);
		if (!writer_rename(o->w, NULL, hc->tmp, fin,
				   hc->h->cfg.overwrite ? 0 : RENAME_NOREPLACE,
				   renamed, hc))
			hc->busy++;
		else
			fail(hc, 500);
	}
	process(hc);
	maybe_done(hc);
}

static void body_done(struct hconn *hc)
{
	struct wfile *wf = hc->wf;

	hc->st = H_WAIT;
	hc->wf = NULL;
	hc->busy++;
	writer_close_async(hc->h->o.w, wf, WRITER_SIZE_KEEP, body_closed, hc);
}

/* A request begins (its head parsed, or found bad): its record. */
static void new_request(struct hconn *hc)
{
	const struct http_req *r = &hc->req;
	struct upload *u = NULL;

	hc->h->o.st.requests++;
	if (++hc->nreq <= UPLOADS_LISTED)
		u = &hc->up[hc->nreq - 1];
	hc->got = 0;
	hc->werr = 0;
	hc->name[0] = 0;
	if (r->method != HTTP_OTHER && !r->target_long)
		http_safe_name(r->target, hc->name);
	if (u) {
		snprintf(u->method, sizeof(u->method), "%s", r->method_str);
		snprintf(u->name, sizeof(u->name), "%s", hc->name);
	}
}

/* A head is whole and parsed: check it, and start its upload. */
static void start_request(struct hconn *hc)
{
	struct recv_out *o = &hc->h->o;
	const struct http_req *r = &hc->req;
	int status = 0;

	new_request(hc);
	if (r->method == HTTP_OTHER)
		status = 405;
	else if (!hc->name[0])
		status = 400;
	else if (r->bad_te)
		status = 501;
	else if (r->expect_other)
		status = 417;
	else if (!r->has_length && !r->chunked)
		status = 411;
	else if (r->has_length && r->length > hc->h->cfg.max_upload)
		status = 413;
	if (status) {
		fail(hc, status);
		return;
	}
	snprintf(hc->tmp, sizeof(hc->tmp), "%s/.up-%" PRIu64 "-%u.part", o->dir,
		 hc->info.id, hc->nreq);
	if (writer_open(o->w, hc->tmp, WRITER_ASYNC_OPEN | WRITER_SYNC,
			&hc->wf)) {
		fail(hc, 500);
		return;
	}
	hc->tmp_made = true;
	o->st.files++;
	if (r->chunked)
		http_chunked_init(&hc->ck);
	if (r->expect_continue)
		respond(hc, 100, false);
	hc->st = H_BODY;
	if (r->has_length && !r->length)
		body_done(hc);
}

/* Body bytes: to the file (or discarded after a write error). */
static void body_bytes(struct hconn *hc, const uint8_t *p, uint32_t len,
		       struct buf *b)
{
	struct recv_out *o = &hc->h->o;
	int ret;

	if (hc->got + len > hc->h->cfg.max_upload || hc->got + len < hc->got) {
		recv_out_absorbed(o, &hc->own, len);
		fail(hc, 413);
		return;
	}
	ret = hc->werr
		      ? hc->werr
		      : recv_out_write(o, &hc->own, hc->wf, hc->got, p, len, b);
	if (ret) {
		/* Read on to the end of the body, then say why: 507. */
		hc->werr = ret;
		recv_out_absorbed(o, &hc->own, len);
	} else {
		o->st.body_bytes += len;
	}
	hc->got += len;
}

/* Consume what the state allows from the piece; how many bytes. */
static uint32_t consume(struct hconn *hc, const uint8_t *p, uint32_t len,
			struct buf *b)
{
	struct recv_out *o = &hc->h->o;
	size_t used, dlen, old;
	uint32_t n;
	int ret;

	switch (hc->st) {
	case H_HEAD:
		old = hc->hlen;
		n = len < sizeof(hc->head) - old
			    ? len
			    : (uint32_t)(sizeof(hc->head) - old);
		memcpy(hc->head + old, p, n);
		hc->hlen += n;
		ret = http_req_parse(hc->head, hc->hlen, &hc->req);
		if (!ret) {
			recv_out_absorbed(o, &hc->own, n);
			return n;
		}
		if (ret < 0) {
			recv_out_absorbed(o, &hc->own, len);
			new_request(hc);
			fail(hc, -ret);
			return len;
		}
		n = (uint32_t)(ret - old);
		recv_out_absorbed(o, &hc->own, n);
		start_request(hc);
		return n;
	case H_BODY:
		if (!hc->req.chunked) {
			n = hc->req.length - hc->got < len
				    ? (uint32_t)(hc->req.length - hc->got)
				    : len;
			body_bytes(hc, p, n, b);
			if (hc->st == H_BODY && hc->got == hc->req.length)
				body_done(hc);
			return n;
		}
		ret = http_chunked_step(&hc->ck, p, len, &used, &dlen);
		if (ret < 0) {
			recv_out_absorbed(o, &hc->own, len);
			fail(hc, 400);
			return len;
		}
		recv_out_absorbed(o, &hc->own, used - dlen);
		if (dlen)
			body_bytes(hc, p + used - dlen, (uint32_t)dlen, b);
		if (ret == 1 && hc->st == H_BODY)
			body_done(hc);
		return (uint32_t)used;
	case H_DRAIN:
		recv_out_absorbed(o, &hc->own, len);
		return len;
	default:
		return 0;
	}
}

static void process(struct hconn *hc)
{
	struct piece *pc;

	while ((pc = hc->in) && hc->st != H_WAIT) {
		uint32_t n = consume(hc, pc->p, pc->len, pc->b);

		pc->p += n;
		pc->len -= n;
		if (pc->len)
			continue;
		hc->in = pc->next;
		if (!hc->in)
			hc->in_last = NULL;
		buf_put(pc->b);
		free(pc);
	}
	if (!hc->fin || hc->in || hc->st == H_WAIT || !hc->own.c)
		return;
	/* The client has finished sending. */
	if (hc->st == H_BODY || (hc->st == H_HEAD && hc->hlen)) {
		fail(hc, 400); /* cut short */
	} else if (!hc->shut) {
		hc->shut = true;
		tcp_rx_shutdown(hc->h->o.e, hc->own.c);
	}
}

static int http_open(void *ctx, struct tcp_conn *c)
{
	struct http *h = ctx;
	struct hconn *hc = calloc(1, sizeof(*hc));

	if (!hc)
		return -ENOMEM;
	hc->h = h;
	hc->own.c = c;
	hc->own.idle = idle;
	hc->info = *tcp_conn_info(c);
	h->o.st.pending++;
	tcp_conn_set_user(c, hc);
	return 0;
}

static int http_data(void *ctx, struct tcp_conn *c, uint64_t off,
		     const uint8_t *p, uint32_t len, struct buf *b)
{
	struct hconn *hc = tcp_conn_user(c);
	struct piece *pc = malloc(sizeof(*pc));

	(void)ctx;
	(void)off;
	if (!pc)
		return -ENOMEM;
	pc->next = NULL;
	pc->p = p;
	pc->len = len;
	pc->b = b;
	buf_get(b);
	if (hc->in_last)
		hc->in_last->next = pc;
	else
		hc->in = pc;
	hc->in_last = pc;
	process(hc);
	return 0;
}

static void http_fin(void *ctx, struct tcp_conn *c)
{
	struct hconn *hc = tcp_conn_user(c);

	(void)ctx;
	hc->fin = true;
	process(hc);
}

static void http_end(void *ctx, struct tcp_conn *c, enum tcp_end why)
{
	struct hconn *hc = tcp_conn_user(c);

	(void)ctx;
	if (!hc)
		return;
	hc->info = *tcp_conn_info(c);
	hc->why = why;
	hc->ended = true;
	hc->own.c = NULL;
	drop_input(hc);
	/* A body cut off goes; one waiting for its close goes after it. */
	if (hc->st == H_BODY)
		discard_body(hc);
	maybe_done(hc);
}

const struct tcp_rx_ops recv_http_ops = {
	.open = http_open,
	.data = http_data,
	.fin = http_fin,
	.end = http_end,
};
