// SPDX-License-Identifier: GPL-2.0
/*
 * pcap_stage: one worker's side of a merged file (pcap_merge.h): its
 * region buffers, their reservation and writes through the worker's
 * writer, its own descriptors of the files (dups of the generation's, so
 * that each closes through its own io_uring), and the count of the
 * records a failed file lost.  Used by its worker's thread only (and by
 * the main thread at set-up and at the end, the worker not running).
 *
 * A region is filling (the current one), waiting (reserved, its file not
 * open yet), or writing (its writes hold a reference on its buf each, and
 * the stage one while it issues them); its buf's release, when the last
 * write completed, reports it to the merge (failed or not, then done).
 * The regions of a failed file past its cut are found in a short history
 * of this stage's regions (STAGE_HIST): a file is cut at its lowest failed
 * region, and workers stop reserving in a failed file a loop turn after
 * the failure, so the regions cut are among the last ones.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/log.h"
#include "out/pcap_merge_int.h"

#define STAGE_NBUF 8
/* A region, room for its padding (aligned) or its move (exact). */
#define STAGE_BUF_LEN (MERGE_REGION + 3 * MERGE_PAGE)
#define STAGE_FILES 4
#define STAGE_HIST 4096

enum region_state { R_FREE, R_FILLING, R_WAITING, R_WRITING };

struct region {
	struct buf b; /* first: its release is region_done */
	struct pcap_stage *s;
	uint8_t *data; /* page-aligned, STAGE_BUF_LEN */
	uint32_t start; /* where the records begin in data */
	uint32_t len; /* bytes of records */
	uint32_t nrec;
	int state; /* enum region_state */
	int64_t iv; /* -G interval of its first record */
	uint64_t first_ns; /* when it got its first record (monotonic) */
	uint64_t seq; /* reservation order */
	uint32_t gen; /* reserved: file and place */
	uint64_t off, rlen;
	int err; /* a write of it could not be queued */
	struct wfile *wf[2]; /* what it is written through */
};

/* This worker's descriptors of one file. */
struct stage_file {
	bool used;
	uint32_t gen;
	struct wfile *fd; /* O_DIRECT when the file is direct */
	struct wfile *fb; /* through the page cache (exact layout only) */
};

struct stage_hist {
	uint32_t gen, nrec;
	uint64_t off;
};

struct pcap_stage {
	struct writer *w;
	struct pcap_merge *m;
	struct region reg[STAGE_NBUF];
	struct region *cur;
	unsigned int nwaiting;
	uint64_t seq;
	uint64_t flush_ns;
	uint64_t records, lost;
	struct stage_file files[STAGE_FILES];
	struct stage_hist hist[STAGE_HIST];
	uint32_t nhist;
	uint32_t fails_seen;
	bool short_logged;
	unsigned int idx; /* in m->stages */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* The last write of r completed (or none could be queued). */
static void region_done(struct buf *b)
{
	struct region *r = (struct region *)b;
	struct pcap_stage *s = r->s;
	/* the writer's errno: the file may be gone by now */
	int err = r->err ? r->err : -(int)r->b.failed;

	if (r->err || r->b.failed)
		merge_region_failed(s->m, r->gen, r->off, err ? err : -EIO);
	merge_region_done(s->m, r->gen, r->rlen);
	s->hist[s->nhist++ % STAGE_HIST] =
		(struct stage_hist){r->gen, r->nrec, r->off};
	r->b.failed = 0;
	r->err = 0;
	r->wf[0] = r->wf[1] = NULL;
	r->state = R_FREE;
}

int pcap_stage_create(struct pcap_stage **out, struct writer *w,
		      struct pcap_merge *m)
{
	struct pcap_stage *s;
	unsigned int i;

	if (m->nstages >= MERGE_MAX_STAGES)
		return -E2BIG;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->w = w;
	s->m = m;
	s->flush_ns = m->o.flush_ms * 1000000ull;
	for (i = 0; i < STAGE_NBUF; i++) {
		s->reg[i].s = s;
		s->reg[i].b.release = region_done;
		if (posix_memalign((void **)&s->reg[i].data, MERGE_PAGE,
				   STAGE_BUF_LEN)) {
			while (i--)
				free(s->reg[i].data);
			free(s);
			return -ENOMEM;
		}
	}
	s->idx = m->nstages;
	m->stages[m->nstages++] = s;
	*out = s;
	return 0;
}

/* This worker's descriptors of g's file: made on first use.  NULL: later. */
static struct stage_file *stage_file(struct pcap_stage *s, uint32_t gen,
				     const struct merge_gen *g, int *err)
{
	struct stage_file *f = NULL;
	int fd, fb = -1;
	unsigned int i;

	for (i = 0; i < STAGE_FILES; i++) {
		if (s->files[i].used && s->files[i].gen == gen)
			return &s->files[i];
		if (!s->files[i].used && !f)
			f = &s->files[i];
	}
	if (!f)
		return NULL; /* every slot busy: one frees as its file ends */
	fd = dup(g->fd);
	if (fd >= 0 && !s->m->o.aligned)
		fb = dup(g->fd_buf);
	if (fd < 0 || (!s->m->o.aligned && fb < 0)) {
		*err = -errno;
		goto fail;
	}
	*err = writer_open_fd(s->w, fd, g->path, &f->fd);
	if (*err)
		goto fail;
	fd = -1;
	if (fb >= 0) {
		*err = writer_open_fd(s->w, fb, g->path, &f->fb);
		if (*err) {
			writer_close_async(s->w, f->fd, WRITER_SIZE_KEEP, NULL,
					   NULL);
			goto fail;
		}
	} else {
		f->fb = NULL;
	}
	f->used = true;
	f->gen = gen;
	return f;
fail:
	if (fd >= 0)
		close(fd);
	if (fb >= 0)
		close(fb);
	return NULL;
}

static void put(struct region *r, struct wfile *wf, uint64_t off,
		const uint8_t *p, uint64_t len)
{
	int ret = writer_write(r->s->w, wf, off, p, len, &r->b);

	if (ret && !r->err)
		r->err = ret;
}

/*
 * Aligned: the region as it is.  Exact: its bytes moved so that the file
 * offset and the memory address agree modulo a page, its whole pages
 * O_DIRECT, the partial ones at either end through the page cache.
 */
static void write_region(struct region *r, const struct merge_gen *g,
			 const struct stage_file *f)
{
	uint64_t a = r->off, e = a + r->rlen;
	uint64_t pa = (a + MERGE_PAGE - 1) & ~(uint64_t)(MERGE_PAGE - 1);
	uint64_t pe = e & ~(uint64_t)(MERGE_PAGE - 1);
	uint32_t want = a % MERGE_PAGE ? a % MERGE_PAGE : MERGE_PAGE;
	const uint8_t *p;

	if (r->s->m->o.aligned) {
		put(r, f->fd, a, r->data + r->start, r->rlen);
		return;
	}
	if (!g->direct || pa >= pe) {
		put(r, f->fb, a, r->data + r->start, r->rlen);
		return;
	}
	if (want != r->start) {
		memmove(r->data + want, r->data + r->start, r->len);
		r->start = want;
	}
	p = r->data + r->start;
	if (a < pa)
		put(r, f->fb, a, p, pa - a);
	put(r, f->fd, pa, p + (pa - a), pe - pa);
	if (pe < e)
		put(r, f->fb, pe, p + (pe - a), e - pe);
}

/* r settled without a write of its own: done, failed with err. */
static void region_fail(struct region *r, int err)
{
	r->err = err ? err : -EIO;
	r->b.refs = 1;
	buf_put(&r->b);
}

/* A waiting region: written if its file is open.  True when no longer waiting. */
static bool try_issue(struct pcap_stage *s, struct region *r)
{
	struct merge_gen *g = merge_gen_of(s->m, r->gen);
	struct stage_file *f = NULL;
	int st, err = 0;

	if (!g)
		return false; /* its rotator is setting it up */
	st = __atomic_load_n(&g->state, __ATOMIC_ACQUIRE);
	if (st == GEN_OPENING)
		return false;
	if (st == GEN_OPEN) {
		f = stage_file(s, r->gen, g, &err);
		if (!f && !err)
			return false;
	}
	s->nwaiting--;
	r->state = R_WRITING;
	if (st == GEN_BROKEN || err) {
		region_fail(r, st == GEN_BROKEN ? g->err : err);
		return true;
	}
	r->b.refs = 1; /* ours, while its writes are queued */
	r->wf[0] = f->fd;
	r->wf[1] = f->fb;
	write_region(r, g, f);
	buf_put(&r->b);
	return true;
}

/* The waiting regions, oldest first. */
static void issue_waiting(struct pcap_stage *s)
{
	struct region *r;
	unsigned int i;
	uint64_t done = 0;

	while (s->nwaiting) {
		r = NULL;
		for (i = 0; i < STAGE_NBUF; i++) {
			struct region *c = &s->reg[i];

			if (c->state == R_WAITING && c->seq >= done &&
			    (!r || c->seq < r->seq))
				r = c;
		}
		if (!r)
			return;
		done = r->seq + 1;
		try_issue(s, r);
	}
}

/* Reserve the current region's place and write it (or wait for its file). */
static int flush(struct pcap_stage *s)
{
	struct region *r = s->cur;
	int ret;

	if (!r)
		return 0;
	s->cur = NULL;
	if (!r->len) {
		r->state = R_FREE;
		return 0;
	}
	r->rlen = s->m->o.aligned ? merge_pad(r->data + r->start, r->len)
				  : r->len;
	ret = merge_reserve(s->m, r->rlen, r->iv, &r->gen, &r->off);
	if (ret) {
		/* The file failed: these records are not in it. */
		s->lost += r->nrec;
		r->state = R_FREE;
		return ret;
	}
	r->state = R_WAITING;
	r->seq = s->seq++;
	s->nwaiting++;
	issue_waiting(s);
	return 0;
}

/*
 * A free region, waiting for a write to complete when every one is busy
 * (backpressure), or for another worker's rotation to open the file
 * they wait for.
 */
static struct region *free_region(struct pcap_stage *s)
{
	unsigned int i;

	for (;;) {
		for (i = 0; i < STAGE_NBUF; i++)
			if (s->reg[i].state == R_FREE)
				return &s->reg[i];
		issue_waiting(s);
		/* Lingering writes leave now, or nothing completes. */
		writer_flush(s->w);
		if (writer_inflight(s->w)) {
			if (writer_wait(s->w) < 0)
				return NULL;
		} else if (s->nwaiting) {
			sched_yield();
		}
	}
}

/* Records stop when the current file failed, unless one starts the next. */
static int refusing(struct pcap_stage *s, int64_t iv)
{
	struct pcap_merge *m = s->m;
	uint32_t gen;
	struct merge_gen *g = merge_current(m, &gen);

	if (!g || !__atomic_load_n(&g->failed, __ATOMIC_ACQUIRE) ||
	    __atomic_load_n(&g->state, __ATOMIC_ACQUIRE) == GEN_BROKEN ||
	    (m->o.rotate_secs && iv > g->interval))
		return 0;
	return g->err ? g->err : -EIO;
}

void *pcap_stage_room(struct pcap_stage *s, uint32_t len, uint64_t ts_ns,
		      int *err)
{
	const struct pcap_merge *m = s->m;
	struct region *r = s->cur;
	int64_t iv = 0;
	uint8_t *p;

	if (len > MERGE_REGION) {
		*err = -EMSGSIZE;
		return NULL;
	}
	if (m->o.rotate_secs) {
		int64_t sec = ts_ns / 1000000000ull;

		iv = sec - sec % m->o.rotate_secs;
	}
	if (r &&
	    (r->len + len > m->region_cap || (m->o.rotate_secs && iv > r->iv)))
		flush(s);
	if (!s->cur) {
		*err = refusing(s, iv);
		if (*err)
			return NULL;
		r = free_region(s);
		if (!r) {
			*err = -EIO;
			return NULL;
		}
		r->state = R_FILLING;
		r->start = m->o.aligned ? 0 : MERGE_PAGE;
		r->len = 0;
		r->nrec = 0;
		r->iv = iv;
		r->first_ns = s->flush_ns ? mono_ns() : 0;
		s->cur = r;
	}
	r = s->cur;
	p = r->data + r->start + r->len;
	r->len += len;
	r->nrec++;
	s->records++;
	return p;
}

/* Close this worker's descriptors of files that ended (none waits for them). */
static void close_ended(struct pcap_stage *s, bool all)
{
	uint32_t cur, i, k;

	merge_current(s->m, &cur);
	for (i = 0; i < STAGE_FILES; i++) {
		struct stage_file *f = &s->files[i];
		bool waiting = false;

		if (!f->used || (!all && f->gen >= cur))
			continue;
		for (k = 0; k < STAGE_NBUF; k++)
			if (s->reg[k].state == R_WAITING &&
			    s->reg[k].gen == f->gen)
				waiting = true;
		if (waiting)
			continue;
		writer_close_async(s->w, f->fd, WRITER_SIZE_KEEP, NULL, NULL);
		if (f->fb)
			writer_close_async(s->w, f->fb, WRITER_SIZE_KEEP, NULL,
					   NULL);
		f->used = false;
	}
}

void merge_stage_account(struct pcap_stage *s)
{
	const struct pcap_merge *m = s->m;
	uint32_t n = __atomic_load_n(&m->nfails, __ATOMIC_ACQUIRE), i;
	uint32_t have = s->nhist < STAGE_HIST ? s->nhist : STAGE_HIST;

	if (n - s->fails_seen > MERGE_NFAIL)
		s->fails_seen = n - MERGE_NFAIL;
	for (; s->fails_seen != n; s->fails_seen++) {
		struct merge_fail fl = m->fails[s->fails_seen % MERGE_NFAIL];
		const struct stage_hist *old =
			&s->hist[(s->nhist - have) % STAGE_HIST];

		for (i = 0; i < have; i++) {
			struct stage_hist *h = &s->hist[i];

			if (h->gen == fl.gen && h->off >= fl.cut) {
				s->lost += h->nrec;
				h->nrec = 0;
			}
		}
		if (have == STAGE_HIST && old->gen == fl.gen &&
		    old->off >= fl.cut && !s->short_logged) {
			s->short_logged = true;
			pr_warn("merged file: the records cut after a failed "
				"write may be counted short (too many regions "
				"since)\n");
		}
	}
}

/*
 * -G: the wall clock is past the current region's interval, so the next
 * file is due: the region goes now, into its own file if it still is
 * the current one, rather than late into the next.
 */
static bool interval_over(const struct pcap_stage *s)
{
	unsigned int secs = s->m->o.rotate_secs;
	struct timespec ts;

	if (!secs)
		return false;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec - ts.tv_sec % secs > s->cur->iv;
}

void pcap_stage_poll(struct pcap_stage *s, uint64_t now_ns)
{
	if (!s)
		return;
	if (s->cur && s->cur->len &&
	    ((s->flush_ns && now_ns - s->cur->first_ns >= s->flush_ns) ||
	     interval_over(s)))
		flush(s);
	if (s->nwaiting)
		issue_waiting(s);
	close_ended(s, false);
	merge_stage_account(s);
}

int pcap_stage_finish(struct pcap_stage *s)
{
	unsigned int i, tries = 0;
	int ret = flush(s), r;

	/* Every rotation has finished: the files are open, or broken. */
	while (s->nwaiting && tries++ < 1000) {
		issue_waiting(s);
		if (s->nwaiting) {
			close_ended(s, false);
			sched_yield();
		}
	}
	for (i = 0; i < STAGE_FILES; i++) {
		struct stage_file *f = &s->files[i];

		if (!f->used)
			continue;
		r = writer_close(s->w, f->fd);
		if (f->fb) {
			int r2 = writer_close(s->w, f->fb);

			r = r ? r : r2;
		}
		ret = ret ? ret : r;
		f->used = false;
	}
	/* Files closed earlier may still be completing their writes. */
	r = writer_drain(s->w);
	return ret ? ret : r;
}

uint64_t pcap_stage_records(const struct pcap_stage *s)
{
	return s->records;
}

uint64_t pcap_stage_lost(const struct pcap_stage *s)
{
	return s->lost;
}

void pcap_stage_destroy(struct pcap_stage *s)
{
	unsigned int i;
	bool busy = false;

	if (!s)
		return;
	for (i = 0; i < STAGE_NBUF; i++)
		busy |= s->reg[i].state == R_WRITING;
	close_ended(s, true);
	/* The regions' bytes are in flight: let them land first. */
	if (busy)
		writer_drain(s->w);
	s->m->stages[s->idx] = NULL;
	for (i = 0; i < STAGE_NBUF; i++)
		free(s->reg[i].data);
	free(s);
}
