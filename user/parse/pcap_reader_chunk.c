// SPDX-License-Identifier: GPL-2.0
/*
 * pcap_reader_chunk: owns the reader's input buffer, reference-counted read
 * chunks, and the parse position in them.
 *
 * Input is read with read(2) into 1 MiB reference-counted chunks, refilled
 * only when the parse position runs out of bytes: one syscall per MiB of a
 * regular file, no malloc per record.  A record is handed out as a pointer
 * into its chunk.  When a record straddles the end of a chunk, the partial
 * bytes are moved to the start of a fresh chunk (or, when nobody else holds
 * the current chunk, to its own start); records that fit are never copied.
 * Chunks go back to a small free list when their last reference is dropped.
 * They belong to a pool that outlives the reader while any chunk is held, so
 * a consumer may buf_put() after pcap_reader_close(): the release callback
 * only touches the pool, never the reader.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parse/pcap_reader_int.h"

#define POOL_KEEP 4

struct chunk_pool {
	struct chunk *free;
	unsigned int nfree;
	unsigned int live; /* chunks allocated and not yet freed */
	bool closed; /* the reader is gone: free chunks on release */
};

static void chunk_release(struct buf *b)
{
	struct chunk *c =
		(struct chunk *)((char *)b - offsetof(struct chunk, buf));
	struct chunk_pool *pool = c->pool;

	if (!pool->closed && pool->nfree < POOL_KEEP) {
		c->next = pool->free;
		pool->free = c;
		pool->nfree++;
		return;
	}
	free(c);
	if (--pool->live == 0 && pool->closed)
		free(pool);
}

static struct chunk *chunk_new(struct chunk_pool *pool)
{
	struct chunk *c = pool->free;

	if (c) {
		pool->free = c->next;
		pool->nfree--;
	} else {
		c = malloc(sizeof(*c) + CHUNK_SIZE);
		if (!c)
			return NULL;
		c->pool = pool;
		c->buf.release = chunk_release;
		pool->live++;
	}
	c->buf.refs = 1;
	c->next = NULL;
	return c;
}

/*
 * Move the unparsed tail to the start of a chunk.  In place when only the
 * reader holds the current chunk; otherwise a consumer still points into
 * it, so the tail goes to a fresh one.
 */
static int relocate(struct pcap_reader *r)
{
	size_t tail = avail(r);
	struct chunk *c = r->cur;

	if (c->buf.refs == 1) {
		memmove(c->data, c->data + r->pos, tail);
	} else {
		c = chunk_new(r->pool);
		if (!c)
			return reader_set_err(r, -ENOMEM,
					      "out of memory for a %u-byte "
					      "read chunk",
					      CHUNK_SIZE);
		memcpy(c->data, cursor(r), tail);
		buf_put(&r->cur->buf);
		r->cur = c;
	}
	r->base += r->pos;
	r->pos = 0;
	r->len = tail;
	return 0;
}

static bool input_ready(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, 0) != 0;
}

/* The idle callback runs before a read that would wait. */
int reader_fill(struct pcap_reader *r, size_t need)
{
	ssize_t n;
	int ret;

	if (r->pos + need > CHUNK_SIZE) {
		ret = relocate(r);
		if (ret)
			return ret;
	}
	while (avail(r) < need) {
		if (r->eof)
			return 1;
		if (r->idle && r->can_wait && !input_ready(r->fd))
			r->idle(r->idle_arg);
		n = read(r->fd, r->cur->data + r->len, CHUNK_SIZE - r->len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return reader_set_err(
				r, -errno, "read error at offset %llu: %s",
				(unsigned long long)(r->base + r->len),
				strerror(errno));
		}
		if (n == 0)
			r->eof = true;
		r->len += n;
	}
	return 0;
}

int reader_need_header(struct pcap_reader *r, size_t need, const char *what)
{
	int ret = reader_fill(r, need);

	if (ret < 0)
		return ret;
	if (ret == 0)
		return 1;
	if (avail(r) == 0)
		return 0;
	return reader_set_err(
		r, -EINVAL,
		"truncated %s at offset %llu: %zu bytes needed, %zu "
		"present",
		what, (unsigned long long)here(r), need, avail(r));
}

int reader_need_body(struct pcap_reader *r, size_t hdr, size_t len,
		     const char *what)
{
	int ret = reader_fill(r, hdr + len);

	if (ret <= 0)
		return ret;
	return reader_set_err(
		r, -EINVAL,
		"truncated %s at offset %llu: header says %zu bytes, %zu "
		"present",
		what, (unsigned long long)here(r), len, avail(r) - hdr);
}

int chunk_pool_create(struct pcap_reader *r)
{
	r->pool = calloc(1, sizeof(*r->pool));
	if (!r->pool)
		return -ENOMEM;
	r->cur = chunk_new(r->pool);
	return r->cur ? 0 : -ENOMEM;
}

void chunk_pool_close(struct pcap_reader *r)
{
	struct chunk_pool *pool = r->pool;
	struct chunk *c;

	if (!pool)
		return;
	pool->closed = true;
	while ((c = pool->free)) {
		pool->free = c->next;
		pool->live--;
		free(c);
	}
	pool->nfree = 0;
	/* Frees the pool too when this was the last live chunk. */
	if (r->cur)
		buf_put(&r->cur->buf);
	else if (!pool->live)
		free(pool);
	r->pool = NULL;
	r->cur = NULL;
}
