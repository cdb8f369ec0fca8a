// SPDX-License-Identifier: GPL-2.0
/*
 * pcap_merge: the shared side of a merged file (pcap_merge.h): the head
 * and its reservations, the generations (one per file of a rotating
 * series), rotation, and the end of each file on the main thread.  The
 * workers' side, their regions and writes, is pcap_stage.c.
 *
 * A generation's slot goes round: free -> set up by its rotator (ready,
 * then open or broken) -> sealed by the next rotation (its end known) ->
 * every byte done (left reaches 0) -> ended by the main thread -> free.
 * The head's generation bits are the low 12 of the number; the number is
 * rebuilt from them and finished_upto, since the generations alive are
 * never more than MERGE_NGEN above it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "out/pcap_merge_int.h"

#define ACQ __ATOMIC_ACQUIRE
#define REL __ATOMIC_RELEASE
#define RLX __ATOMIC_RELAXED

static struct merge_gen *slot(struct pcap_merge *m, uint32_t gen)
{
	return &m->gens[gen % MERGE_NGEN];
}

static uint32_t tag_gen(const struct pcap_merge *m, uint64_t h)
{
	int64_t base =
		(int64_t)__atomic_load_n(&m->finished_upto, ACQ) - MERGE_NGEN;
	int64_t tag = h >> MERGE_OFF_BITS;

	return base + ((tag - base) & MERGE_TAG_MASK);
}

static uint64_t head_of(uint32_t gen, uint64_t off)
{
	return (uint64_t)(gen & MERGE_TAG_MASK) << MERGE_OFF_BITS | off;
}

struct merge_gen *merge_gen_of(struct pcap_merge *m, uint32_t gen)
{
	struct merge_gen *g = slot(m, gen);

	return __atomic_load_n(&g->ready, ACQ) == gen ? g : NULL;
}

struct merge_gen *merge_current(struct pcap_merge *m, uint32_t *gen)
{
	*gen = tag_gen(m, __atomic_load_n(&m->head, ACQ));
	return merge_gen_of(m, *gen);
}

uint32_t merge_pad(uint8_t *buf, uint32_t len)
{
	uint32_t end = (len + MERGE_PAGE - 1) & ~(MERGE_PAGE - 1);

	if (end - len && end - len < PCAPNG_PAD_MIN)
		end += MERGE_PAGE;
	if (end > len)
		pcapng_pad(buf + len, end - len);
	return end;
}

static void fail_gen(struct merge_gen *g, uint64_t off, int err)
{
	uint64_t c = __atomic_load_n(&g->cut, RLX);
	int zero = 0;

	while (off < c &&
	       !__atomic_compare_exchange_n(&g->cut, &c, off, true, RLX, RLX))
		;
	__atomic_compare_exchange_n(&g->err, &zero, err ? err : -EIO, false,
				    RLX, RLX);
	__atomic_store_n(&g->failed, 1, REL);
}

void merge_region_failed(struct pcap_merge *m, uint32_t gen, uint64_t off,
			 int err)
{
	fail_gen(slot(m, gen), off, err);
}

void merge_region_done(struct pcap_merge *m, uint32_t gen, uint64_t len)
{
	__atomic_sub_fetch(&slot(m, gen)->left, len, __ATOMIC_ACQ_REL);
}

/* Once per series: every file of it would say the same. */
static void log_buffered(struct pcap_merge *m, const char *path)
{
	if (!__atomic_exchange_n(&m->buffered_logged, true, RLX))
		pr_info("%s: the file system refuses O_DIRECT; the merged "
			"file is written through the page cache\n",
			path);
}

/*
 * -W's ring: the file that held g's name goes aside first (its own
 * generation has ended, or is the one g takes over: see try_rotate), to
 * be deleted once it ended.
 */
static void retire_old(struct pcap_merge *m, struct merge_gen *g)
{
	struct stat sb;

	if (!pcap_name_cycling(&m->name) || g->gen < m->o.max_files ||
	    pcap_name_retire(g->path, g->retired_path, sizeof(g->retired_path),
			     &sb))
		return;
	g->retired = true;
	g->retired_gen = g->gen - m->o.max_files;
	g->retired_bytes = sb.st_size;
	g->retired_dev = sb.st_dev;
	g->retired_ino = sb.st_ino;
}

/*
 * Open g's file twice (O_DIRECT and through the page cache: two open
 * file descriptions, the flag is theirs) and write its header.  Sets
 * state last (release): the workers' regions wait for it.  0 or -errno.
 */
static int gen_open(struct pcap_merge *m, struct merge_gen *g)
{
	struct stat sb;
	ssize_t n;
	int fl, ret = 0;

	retire_old(m, g);
	g->fd_buf =
		*g->path ? open(g->path,
				O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)
			 : -1;
	if (g->fd_buf >= 0)
		g->fd = open(g->path, O_WRONLY | O_CLOEXEC);
	if (g->fd_buf < 0 || g->fd < 0 || fstat(g->fd, &sb)) {
		ret = *g->path ? -errno : -ENAMETOOLONG;
		pr_warn("cannot write %s: %s\n",
			*g->path ? g->path : "a file of the series",
			strerror(-ret));
		if (g->fd >= 0)
			close(g->fd);
		if (g->fd_buf >= 0)
			close(g->fd_buf);
		g->fd = g->fd_buf = -1;
		fail_gen(g, 0, ret);
		__atomic_store_n(&g->state, GEN_BROKEN, REL);
		return ret;
	}
	g->dev = sb.st_dev;
	g->ino = sb.st_ino;
	fl = m->o.buffered ? -1 : fcntl(g->fd, F_GETFL);
	g->direct = fl >= 0 && !fcntl(g->fd, F_SETFL, fl | O_DIRECT);
	if (!g->direct && !m->o.buffered)
		log_buffered(m, g->path);
	n = pwrite(m->o.aligned ? g->fd : g->fd_buf, m->hdr, m->hdr_len, 0);
	if (n != (ssize_t)m->hdr_len) {
		ret = n < 0 ? -errno : -ENOSPC;
		pr_warn("write to %s failed: %s\n", g->path, strerror(-ret));
		fail_gen(g, 0, ret);
	}
	__atomic_store_n(&g->state, GEN_OPEN, REL);
	return ret;
}

/* g becomes generation gen, named for (interval, seq); then ready. */
static void gen_setup(struct pcap_merge *m, struct merge_gen *g, uint32_t gen,
		      int64_t interval, unsigned int seq)
{
	g->gen = gen;
	g->interval = interval;
	g->seq = seq;
	if (pcap_name_make(&m->name, interval, seq, g->path, sizeof(g->path)))
		*g->path = 0;
	g->state = GEN_OPENING;
	g->fd = g->fd_buf = -1;
	g->direct = false;
	g->dev = g->ino = 0;
	g->retired = g->retired_told = false;
	g->left = MERGE_BIAS - m->hdr_len;
	g->end = 0;
	g->failed = 0;
	g->cut = UINT64_MAX;
	g->err = 0;
	__atomic_store_n(&g->ready, gen, REL);
}

/* The next rotation took over from g at end: its length is known. */
static void seal(struct pcap_merge *m, struct merge_gen *g, uint64_t end)
{
	g->end = end;
	__atomic_add_fetch(&m->sealed_bytes, end, RLX);
	__atomic_sub_fetch(&g->left, MERGE_BIAS - end, __ATOMIC_ACQ_REL);
}

static bool want_rotate(const struct pcap_merge *m, const struct merge_gen *g,
			uint64_t off, uint64_t len, int64_t iv)
{
	if (m->o.rotate_secs && iv > g->interval)
		return true;
	return m->o.rotate_bytes && off > m->hdr_len &&
	       off + len > m->o.rotate_bytes;
}

/*
 * Move the head from cur (g, its value h) to the next generation, this
 * region first after the header: 1 done (*gen, *off), 0 not now (the
 * slot is still ending, or -W's name is), -1 the head moved (try again).
 */
static int try_rotate(struct pcap_merge *m, uint64_t h, uint32_t cur,
		      struct merge_gen *g, uint64_t len, int64_t iv,
		      uint32_t *gen, uint64_t *off)
{
	uint32_t next = cur + 1, nf = m->o.max_files;
	struct merge_gen *ng = slot(m, next);
	bool broken = __atomic_load_n(&g->state, ACQ) == GEN_BROKEN;
	bool timed = m->o.rotate_secs && iv > g->interval;

	if (!__atomic_load_n(&ng->free, ACQ))
		return 0;
	/* A ring name's old file must have ended (nf 1: it is g's, below). */
	if (pcap_name_cycling(&m->name) && nf > 1 && next >= nf &&
	    next - nf >= __atomic_load_n(&m->finished_upto, ACQ))
		return 0;
	if (!__atomic_compare_exchange_n(&m->head, &h,
					 head_of(next, m->hdr_len + len), false,
					 __ATOMIC_ACQ_REL, ACQ))
		return -1;
	/* The head left cur through us alone: ng is ours to set up. */
	__atomic_store_n(&ng->free, 0, RLX);
	gen_setup(m, ng, next, timed ? iv : g->interval,
		  timed	   ? 0
		  : broken ? g->seq
			   : g->seq + 1);
	gen_open(m, ng);
	/* -W 1: g's own file went aside (it ends under that name). */
	if (ng->retired && ng->retired_gen == cur)
		memcpy(g->path, ng->retired_path, strlen(ng->retired_path) + 1);
	seal(m, g, h & MERGE_OFF_MASK);
	*gen = next;
	*off = m->hdr_len;
	return 1;
}

int merge_reserve(struct pcap_merge *m, uint64_t len, int64_t iv, uint32_t *gen,
		  uint64_t *off)
{
	for (;;) {
		uint64_t h = __atomic_load_n(&m->head, ACQ);
		uint64_t o = h & MERGE_OFF_MASK;
		uint32_t cur = tag_gen(m, h);
		struct merge_gen *g = merge_gen_of(m, cur);
		int r;

		/* Not ready: its rotator is setting it up; no rotation yet. */
		if (g && (__atomic_load_n(&g->state, ACQ) == GEN_BROKEN ||
			  want_rotate(m, g, o, len, iv))) {
			r = try_rotate(m, h, cur, g, len, iv, gen, off);
			if (r > 0)
				return 0;
			if (r < 0)
				continue;
		}
		if (g && __atomic_load_n(&g->failed, ACQ))
			return __atomic_load_n(&g->err, RLX);
		if (o + len > MERGE_OFF_MASK)
			return -EFBIG;
		if (__atomic_compare_exchange_n(&m->head, &h, h + len, false,
						__ATOMIC_ACQ_REL, ACQ)) {
			*gen = cur;
			*off = o;
			return 0;
		}
	}
}

static void tell(struct pcap_merge *m, enum pcap_out_file_kind kind,
		 uint64_t bytes, uint64_t dev, uint64_t ino, const char *path)
{
	const struct pcap_out_file pf = {kind, bytes, dev, ino, path};

	if (m->o.on_file && !m->o.on_file(m->o.on_file_ctx, &pf))
		return;
	/* Nobody takes a retired file: it goes now. */
	if (kind == PCAP_OUT_RETIRED && unlink(path))
		pr_warn("cannot delete %s: %s\n", path, strerror(errno));
}

/* -W's retired files, each once the file it was has ended. */
static void tell_retired(struct pcap_merge *m)
{
	uint32_t fu = __atomic_load_n(&m->finished_upto, ACQ), i;

	for (i = 0; i < MERGE_NGEN; i++) {
		struct merge_gen *g = merge_gen_of(m, fu + i);

		if (!g || __atomic_load_n(&g->state, ACQ) == GEN_OPENING ||
		    !g->retired || g->retired_told || g->retired_gen >= fu)
			continue;
		g->retired_told = true;
		tell(m, PCAP_OUT_RETIRED, g->retired_bytes, g->retired_dev,
		     g->retired_ino, g->retired_path);
	}
}

/* pcapng: the statistics block after g's last region; its new length. */
static uint64_t append_isb(struct pcap_merge *m, struct merge_gen *g)
{
	struct pcapng_isb_vals v = {PCAPNG_UNKNOWN, PCAPNG_UNKNOWN,
				    PCAPNG_UNKNOWN, PCAPNG_UNKNOWN,
				    PCAPNG_UNKNOWN};
	struct timespec ts;
	uint8_t b[256];
	size_t n;

	m->o.isb(m->o.isb_ctx, &v);
	clock_gettime(CLOCK_REALTIME, &ts);
	n = pcapng_isb(b, sizeof(b), 0, ts.tv_sec * 1000000000ull + ts.tv_nsec,
		       &v);
	if (n && pwrite(g->fd_buf, b, n, g->end) == (ssize_t)n)
		return g->end + n;
	pr_warn("cannot end %s with its statistics: %s\n", g->path,
		strerror(errno ? errno : EIO));
	if (ftruncate(g->fd_buf, g->end))
		pr_warn("%s: %s\n", g->path, strerror(errno));
	return g->end;
}

/* Every write of g completed: cut or complete it, close, tell, free. */
static void gen_end(struct pcap_merge *m, struct merge_gen *g)
{
	bool open = __atomic_load_n(&g->state, ACQ) == GEN_OPEN;
	uint64_t len = g->end;
	uint32_t n;

	if (__atomic_load_n(&g->failed, ACQ)) {
		len = g->cut < g->end ? g->cut : g->end;
		if (open && ftruncate(g->fd_buf, len))
			pr_warn("cannot cut %s: %s\n", g->path,
				strerror(errno));
		else if (open)
			pr_warn("%s: cut at %" PRIu64 " bytes, the end of its "
				"last complete region before the write "
				"failure\n",
				g->path, len);
		n = m->nfails;
		m->fails[n % MERGE_NFAIL] = (struct merge_fail){g->gen, len};
		__atomic_store_n(&m->nfails, n + 1, REL);
		if (!m->first_err)
			m->first_err = g->err ? g->err : -EIO;
	} else if (open && m->o.isb) {
		len = append_isb(m, g);
	}
	if (open) {
		close(g->fd);
		close(g->fd_buf);
		g->fd = g->fd_buf = -1;
		tell(m, PCAP_OUT_FINISHED, len, g->dev, g->ino, g->path);
	}
	__atomic_sub_fetch(&m->sealed_bytes, g->end, RLX);
	__atomic_store_n(&g->ready, MERGE_NOT_READY, REL);
	__atomic_store_n(&g->free, 1, REL);
	__atomic_add_fetch(&m->finished_upto, 1, REL);
}

void pcap_merge_poll(struct pcap_merge *m)
{
	struct merge_gen *g;

	if (!m)
		return;
	tell_retired(m);
	while ((g = merge_gen_of(m, m->finished_upto)) &&
	       __atomic_load_n(&g->state, ACQ) != GEN_OPENING &&
	       !__atomic_load_n(&g->left, ACQ)) {
		gen_end(m, g);
		tell_retired(m);
	}
}

int pcap_merge_close(struct pcap_merge *m)
{
	uint64_t h;
	uint32_t cur, i;
	struct merge_gen *g;

	if (!m || m->closed)
		return m ? m->first_err : 0;
	m->closed = true;
	h = __atomic_load_n(&m->head, ACQ);
	g = merge_gen_of(m, cur = tag_gen(m, h));
	if (g)
		seal(m, g, h & MERGE_OFF_MASK);
	pcap_merge_poll(m);
	if (m->finished_upto <= cur) {
		g = slot(m, m->finished_upto);
		pr_warn("%s: writes did not complete; left as it is\n",
			g->path);
		if (!m->first_err)
			m->first_err = -EIO;
	}
	for (i = 0; i < m->nstages; i++)
		if (m->stages[i])
			merge_stage_account(m->stages[i]);
	return m->first_err;
}

int pcap_merge_create(struct pcap_merge **out, const struct pcap_merge_opts *o)
{
	struct pcap_merge *m;
	struct merge_gen *g;
	uint64_t cap;
	int64_t now;
	unsigned int i;
	int ret;

	if (o->hdr_len > MERGE_PAGE)
		return -EINVAL;
	if (posix_memalign((void **)&m, 64, sizeof(*m)))
		return -ENOMEM;
	memset(m, 0, sizeof(*m));
	m->o = *o;
	m->base = strdup(o->path);
	if (!m->base ||
	    posix_memalign((void **)&m->hdr, MERGE_PAGE, 2 * MERGE_PAGE)) {
		free(m->base);
		free(m);
		return -ENOMEM;
	}
	m->o.path = m->base;
	memcpy(m->hdr, o->hdr, o->hdr_len);
	m->hdr_len = o->aligned ? merge_pad(m->hdr, o->hdr_len) : o->hdr_len;
	pcap_name_init(&m->name, m->base, o->rotate_bytes, o->rotate_secs,
		       o->max_files);
	/* -C: several regions to a file, so that files come out near it. */
	cap = o->rotate_bytes ? o->rotate_bytes / 8 : MERGE_REGION;
	cap = cap < 65536 ? 65536 : cap > MERGE_REGION ? MERGE_REGION : cap;
	m->region_cap = cap & ~(uint64_t)(MERGE_PAGE - 1);
	for (i = 0; i < MERGE_NGEN; i++) {
		m->gens[i].free = 1;
		m->gens[i].ready = MERGE_NOT_READY;
		m->gens[i].fd = m->gens[i].fd_buf = -1;
	}
	g = &m->gens[0];
	g->free = 0;
	now = time(NULL);
	gen_setup(m, g, 0, o->rotate_secs ? now - now % o->rotate_secs : 0, 0);
	ret = gen_open(m, g);
	if (ret) {
		pcap_merge_destroy(m);
		return ret;
	}
	m->head = head_of(0, m->hdr_len);
	*out = m;
	return 0;
}

void pcap_merge_destroy(struct pcap_merge *m)
{
	unsigned int i;

	if (!m)
		return;
	for (i = 0; i < MERGE_NGEN; i++) {
		if (m->gens[i].fd >= 0)
			close(m->gens[i].fd);
		if (m->gens[i].fd_buf >= 0)
			close(m->gens[i].fd_buf);
	}
	free(m->hdr);
	free(m->base);
	free(m);
}

const char *pcap_merge_first_path(const struct pcap_merge *m)
{
	return m->gens[0].path;
}

uint64_t pcap_merge_current_bytes(const struct pcap_merge *m)
{
	return (__atomic_load_n(&m->head, RLX) & MERGE_OFF_MASK) +
	       __atomic_load_n(&m->sealed_bytes, RLX);
}
