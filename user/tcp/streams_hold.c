// SPDX-License-Identifier: GPL-2.0
/*
 * streams_hold: a direction that may end within write_once bytes is kept
 * in memory (a copy, hold_total in all) so that it leaves in one
 * open-write-close chain when it ends; a hole below the end reads as
 * zeros, as it would in the file.
 */
#include <stdlib.h>
#include <string.h>

#include "tcp/streams_int.h"

static void hold_release(struct buf *b)
{
	struct hold *h = (struct hold *)b;

	h->s->held -= h->cap;
	free(h->data);
	free(h);
}

/*
 * Keep p (len bytes at off) in sd's hold if the direction is still
 * short and the bound allows; false: the bytes go to a file.
 */
bool streams_hold_add(struct streams *s, struct sdir *sd, uint64_t off,
		      const uint8_t *p, uint32_t len)
{
	struct hold *h = sd->hold;
	uint64_t need = off + len;
	uint32_t cap;
	uint8_t *data;

	if (sd->created || need > s->o.write_once)
		return false;
	if (!h) {
		h = calloc(1, sizeof(*h));
		if (!h)
			return false;
		h->b.refs = 1;
		h->b.release = hold_release;
		h->s = s;
		sd->hold = h;
	}
	if (need > h->cap) {
		for (cap = h->cap ? h->cap : 2048; cap < need; cap *= 2)
			;
		if (cap > s->o.write_once)
			cap = s->o.write_once;
		/*
		 * Offline, creates outrun by the reader: wait for chains to
		 * land and give their bytes back (a file would need a create
		 * too); with none in flight, nothing would give bytes back:
		 * no wait.  Live, the direction streams into its file.
		 */
		while (s->held + cap - h->cap > s->o.hold_total &&
		       s->o.may_wait && s->once_inflight && !writer_wait(s->w))
			;
		if (s->held + cap - h->cap > s->o.hold_total) {
			s->st.hold_full++;
			return false;
		}
		data = realloc(h->data, cap);
		if (!data)
			return false;
		s->held += cap - h->cap;
		if (s->held > s->st.held_max)
			s->st.held_max = s->held;
		h->data = data;
		h->cap = cap;
	}
	/* A gap below the end reads as zeros, as a hole would. */
	if (off > h->len)
		memset(h->data + h->len, 0, off - h->len);
	memcpy(h->data + off, p, len);
	if (need > h->len)
		h->len = need;
	return true;
}

void streams_hold_drop(struct sdir *sd)
{
	if (sd->hold) {
		buf_put(&sd->hold->b);
		sd->hold = NULL;
	}
}
