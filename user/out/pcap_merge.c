// SPDX-License-Identifier: GPL-2.0
/*
 * pcap_merge: the shared offset of a merged -w file and each worker's
 * batch buffers (pcap_merge.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/buf.h"
#include "out/pcap_merge.h"

#define STAGE_BUF (1u << 20)
#define STAGE_NBUF 8

struct pcap_merge {
	uint64_t next; /* atomic: the next batch's offset */
};

struct stage_buf {
	struct buf b; /* one reference per write in flight */
	uint8_t *data;
	uint32_t len;
	bool busy; /* sent, not completed */
};

struct pcap_stage {
	struct writer *w;
	struct wfile *f;
	struct pcap_merge *m;
	uint64_t flush_ns;
	uint64_t first_ns; /* when the current batch got its first record */
	struct stage_buf *cur;
	struct stage_buf bufs[STAGE_NBUF];
};

int pcap_merge_create(struct pcap_merge **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void pcap_merge_destroy(struct pcap_merge *m)
{
	free(m);
}

uint64_t pcap_merge_reserve(struct pcap_merge *m, uint64_t len)
{
	return __atomic_fetch_add(&m->next, len, __ATOMIC_RELAXED);
}

uint64_t pcap_merge_end(const struct pcap_merge *m)
{
	return __atomic_load_n(&m->next, __ATOMIC_RELAXED);
}

static void stage_buf_done(struct buf *b)
{
	struct stage_buf *sb = (struct stage_buf *)b;

	sb->busy = false;
	sb->len = 0;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int pcap_stage_create(struct pcap_stage **out, struct writer *w,
		      struct wfile *f, struct pcap_merge *m, uint64_t flush_ns)
{
	struct pcap_stage *s = calloc(1, sizeof(*s));
	unsigned int i;

	if (!s)
		return -ENOMEM;
	s->w = w;
	s->f = f;
	s->m = m;
	s->flush_ns = flush_ns;
	for (i = 0; i < STAGE_NBUF; i++) {
		s->bufs[i].b.release = stage_buf_done;
		s->bufs[i].data = malloc(STAGE_BUF);
		if (!s->bufs[i].data) {
			pcap_stage_destroy(s);
			return -ENOMEM;
		}
	}
	*out = s;
	return 0;
}

int pcap_stage_flush(struct pcap_stage *s)
{
	struct stage_buf *sb = s->cur;
	uint64_t off;
	int ret;

	if (!sb || !sb->len)
		return 0;
	s->cur = NULL;
	sb->busy = true;
	off = pcap_merge_reserve(s->m, sb->len);
	/* The writer's reference is the only one: completion frees it. */
	sb->b.refs = 0;
	ret = writer_write(s->w, s->f, off, sb->data, sb->len, &sb->b);
	if (ret && !sb->b.refs)
		stage_buf_done(&sb->b); /* not queued: no reference taken */
	return ret;
}

/* A free buffer, waiting for a completion if every one is in flight. */
static struct stage_buf *free_buf(struct pcap_stage *s)
{
	unsigned int i;

	for (;;) {
		for (i = 0; i < STAGE_NBUF; i++)
			if (!s->bufs[i].busy)
				return &s->bufs[i];
		if (writer_wait(s->w) < 0)
			return NULL;
	}
}

void *pcap_stage_room(struct pcap_stage *s, uint32_t len)
{
	void *p;

	if (len > STAGE_BUF)
		return NULL;
	if (s->cur && s->cur->len + len > STAGE_BUF && pcap_stage_flush(s))
		return NULL;
	if (!s->cur) {
		s->cur = free_buf(s);
		if (!s->cur)
			return NULL;
		s->first_ns = s->flush_ns ? mono_ns() : 0;
	}
	p = s->cur->data + s->cur->len;
	s->cur->len += len;
	return p;
}

void pcap_stage_poll(struct pcap_stage *s, uint64_t now_ns)
{
	if (s->flush_ns && s->cur && s->cur->len &&
	    now_ns - s->first_ns >= s->flush_ns)
		pcap_stage_flush(s);
}

void pcap_stage_destroy(struct pcap_stage *s)
{
	unsigned int i;

	if (!s)
		return;
	for (i = 0; i < STAGE_NBUF; i++)
		free(s->bufs[i].data);
	free(s);
}
