// SPDX-License-Identifier: GPL-2.0
/*
 * streams: per-direction stream files and the flow index (see streams.h).
 *
 * Each flow gets a struct sflow (flow->user) on its first delivered byte.
 * Open files sit on an LRU list for the open-file bound.  A file closed
 * for the bound is opened again as it is (WRITER_KEEP, asynchronously like
 * its creation) and written on at its offsets: counted in reopens.  An
 * sdir has wf set exactly when it is on the LRU list.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tcp/flow_index.h"
#include "lib/log.h"
#include "tcp/streams.h"

struct sdir {
	struct sdir *prev, *next; /* LRU of open files */
	struct wfile *wf; /* NULL when closed */
	char *name; /* set once the file exists */
	uint64_t end; /* highest offset written */
	uint64_t errors; /* failed opens and writes, the flow's write_errors */
	bool failed; /* could not open or write: drop its data */
};

struct sflow {
	struct sdir d[2];
};

struct streams {
	struct writer *w;
	char dir[PATH_MAX];
	unsigned int max_open, nopen;
	struct sdir lru; /* sentinel: lru.next newest */
	struct flow_index *ix;
	bool own_ix; /* closed by streams_destroy (not when shared) */
	struct wfile *ixf; /* flows.jsonl, O_APPEND: one writev per batch */
	uint64_t ix_off; /* bytes queued to ixf, so that lines merge */
	struct streams_stats st;
};

static void lru_del(struct sdir *sd)
{
	sd->prev->next = sd->next;
	sd->next->prev = sd->prev;
}

static void lru_add(struct streams *s, struct sdir *sd)
{
	sd->next = s->lru.next;
	sd->prev = &s->lru;
	s->lru.next->prev = sd;
	s->lru.next = sd;
}

static int mkdir_p(const char *dir)
{
	char tmp[PATH_MAX], *p;

	if (snprintf(tmp, sizeof(tmp), "%s", dir) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

int streams_open_index(const char *dir, struct flow_index **ix, char *err,
		       size_t errlen)
{
	char path[PATH_MAX + 16];
	int ret;

	ret = mkdir_p(dir);
	if (ret) {
		snprintf(err, errlen, "cannot create %s: %s", dir,
			 strerror(-ret));
		return ret;
	}
	snprintf(path, sizeof(path), "%s/flows.jsonl", dir);
	ret = flow_index_open(ix, path);
	if (ret)
		snprintf(err, errlen, "cannot write %s: %s", path,
			 strerror(-ret));
	return ret;
}

int streams_create(struct streams **out, struct writer *w, const char *dir,
		   unsigned int max_open, char *err, size_t errlen)
{
	struct flow_index *ix;
	int ret;

	ret = streams_open_index(dir, &ix, err, errlen);
	if (ret)
		return ret;
	ret = streams_create_shared(out, w, dir, max_open, ix);
	if (ret) {
		flow_index_close(ix);
		snprintf(err, errlen, "%s", strerror(-ret));
		return ret;
	}
	(*out)->own_ix = true;
	return 0;
}

int streams_create_shared(struct streams **out, struct writer *w,
			  const char *dir, unsigned int max_open,
			  struct flow_index *ix)
{
	struct streams *s;
	int ret;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	/*
	 * Each line leaves whole, through this writer like the stream data
	 * (the loop never waits for the index), appended by the kernel so
	 * that the lines of other workers' writers never interleave.
	 */
	ret = writer_open(w, flow_index_path(ix), WRITER_KEEP | O_APPEND,
			  &s->ixf);
	if (ret) {
		free(s);
		return ret;
	}
	snprintf(s->dir, sizeof(s->dir), "%s", dir);
	s->ix = ix;
	s->w = w;
	s->max_open = max_open ? max_open : 1;
	s->lru.next = s->lru.prev = &s->lru;
	*out = s;
	return 0;
}

int streams_destroy(struct streams *s)
{
	int ret, r;

	writer_settle(s->w, s->ixf);
	ret = wfile_error(s->ixf);
	r = writer_close(s->w, s->ixf);
	if (!ret)
		ret = r;
	/* The last line is complete or cut: this writer's are all done. */
	if (s->own_ix && (r = flow_index_close(s->ix)) && !ret)
		ret = r;
	free(s);
	return ret;
}

void streams_get_stats(const struct streams *s, struct streams_stats *st)
{
	*st = s->st;
	/* Lines whose write failed, as far as completions have come in. */
	st->write_errors += wfile_errors(s->ixf);
}

/* "198.18.0.1" or "2001_db8__1": digits, hex, '.', '_' only. */
static void addr_name(const struct flow *f, int i, char *buf, size_t len)
{
	char *p;

	pkt_addr_str(&f->addr[i], f->family, buf, len);
	for (p = buf; *p; p++) {
		if (*p == ':')
			*p = '_';
		else if (!((*p >= '0' && *p <= '9') ||
			   (*p >= 'a' && *p <= 'f') ||
			   (*p >= 'A' && *p <= 'F') || *p == '.'))
			*p = 'x';
	}
}

static char *file_name(const struct flow *f, int d)
{
	char c[64], sv[64], *name;

	addr_name(f, FLOW_C2S, c, sizeof(c));
	addr_name(f, FLOW_S2C, sv, sizeof(sv));
	if (asprintf(&name, "%" PRIu64 "-%s.%u-%s.%u.%s", f->id, c,
		     f->port[FLOW_C2S], sv, f->port[FLOW_S2C],
		     d == FLOW_C2S ? "c2s" : "s2c") < 0)
		return NULL;
	return name;
}

static void path_of(const struct streams *s, const char *name, char *buf,
		    size_t len)
{
	snprintf(buf, len, "%s/%s", s->dir, name);
}

static void dir_errors(struct streams *s, struct sdir *sd, uint64_t n)
{
	sd->errors += n;
	s->st.write_errors += n;
}

/*
 * Close sd's file, counting its failed writes.  They are known once its
 * writes have completed, so settle first (writer_close would anyway).  A
 * direction whose writes failed takes no more data: the disk is full or
 * the file gone, and its write_errors already say it is incomplete.
 */
static void close_file(struct streams *s, struct sdir *sd)
{
	uint64_t n;
	int ret;

	writer_settle(s->w, sd->wf);
	n = wfile_errors(sd->wf);
	ret = writer_close(s->w, sd->wf);
	if (ret && !n)
		n = 1;
	if (n) {
		dir_errors(s, sd, n);
		sd->failed = true;
	}
	sd->wf = NULL;
	lru_del(sd);
	s->nopen--;
}

static int open_file(struct streams *s, struct flow *f, struct sdir *sd, int d)
{
	char path[PATH_MAX + 16];
	int ret;

	while (s->nopen >= s->max_open && s->lru.prev != &s->lru)
		close_file(s, s->lru.prev);
	if (!sd->name) {
		sd->name = file_name(f, d);
		if (!sd->name)
			return -ENOMEM;
		path_of(s, sd->name, path, sizeof(path));
		/* Creating an inode can take a millisecond: not in this loop. */
		ret = writer_open(s->w, path, WRITER_ASYNC_OPEN, &sd->wf);
		if (!ret)
			s->st.files++;
	} else {
		/* Closed for the bound: the bytes it holds stay. */
		path_of(s, sd->name, path, sizeof(path));
		ret = writer_open(s->w, path, WRITER_ASYNC_OPEN | WRITER_KEEP,
				  &sd->wf);
		if (!ret)
			s->st.reopens++;
	}
	if (ret) {
		pr_warn("cannot write %s: %s\n", path, strerror(-ret));
		return ret;
	}
	s->nopen++;
	lru_add(s, sd);
	return 0;
}

static struct sdir *get_sdir(struct flow *f, int d)
{
	struct sflow *sf = f->user;

	if (!sf) {
		sf = calloc(1, sizeof(*sf));
		if (!sf)
			return NULL;
		f->user = sf;
	}
	return &sf->d[d];
}

static void on_data(void *arg, struct flow *f, int d, uint64_t off,
		    const uint8_t *p, uint32_t len, struct buf *b)
{
	struct streams *s = arg;
	struct sdir *sd = get_sdir(f, d);
	int ret;

	if (!sd) {
		s->st.write_errors++;
		return;
	}
	if (sd->failed) {
		dir_errors(s, sd, 1);
		return;
	}
	if (!sd->wf && open_file(s, f, sd, d)) {
		sd->failed = true;
		dir_errors(s, sd, 1);
		return;
	}
	if (s->lru.next != sd) {
		lru_del(sd);
		lru_add(s, sd);
	}
	if (b)
		ret = writer_write(s->w, sd->wf, off, p, len, b);
	else
		ret = writer_write_copy(s->w, sd->wf, off, p, len);
	if (ret) {
		dir_errors(s, sd, 1);
		return;
	}
	if (off + len > sd->end)
		sd->end = off + len;
}

/* Compare with the bytes written before (rare: retransmissions only). */
static int64_t on_verify(void *arg, struct flow *f, int d, uint64_t off,
			 const uint8_t *p, uint32_t len)
{
	struct streams *s = arg;
	struct sflow *sf = f->user;
	char path[PATH_MAX + 16];
	int64_t diff = 0;
	uint8_t *got;
	ssize_t n;
	int fd, i;

	if (!sf || !sf->d[d].name)
		return -1;
	/* Only this file's writes need to have landed (a closed one's have). */
	if (sf->d[d].wf && writer_settle(s->w, sf->d[d].wf))
		return -1;
	path_of(s, sf->d[d].name, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	got = malloc(len);
	n = fd >= 0 && got ? pread(fd, got, len, off) : -1;
	if (fd >= 0)
		close(fd);
	if (n < (ssize_t)len) {
		free(got);
		return -1;
	}
	for (i = 0; i < (int)len; i++)
		diff += got[i] != p[i];
	free(got);
	return diff;
}

static void on_swapped(void *arg, struct flow *f)
{
	struct streams *s = arg;
	struct sflow *sf = f->user;
	char from[PATH_MAX + 16], to[PATH_MAX + 16];
	struct sdir tmp;
	int d;

	if (!sf)
		return;
	/* relink open files after the move: the LRU points at the slots */
	for (d = 0; d < 2; d++)
		if (sf->d[d].wf)
			lru_del(&sf->d[d]);
	tmp = sf->d[0];
	sf->d[0] = sf->d[1];
	sf->d[1] = tmp;
	for (d = 0; d < 2; d++) {
		struct sdir *sd = &sf->d[d];
		char *name;

		if (sd->wf)
			lru_add(s, sd);
		if (!sd->name)
			continue;
		name = file_name(f, d);
		if (!name)
			continue;
		path_of(s, sd->name, from, sizeof(from));
		path_of(s, name, to, sizeof(to));
		if (rename(from, to)) {
			pr_warn("cannot rename %s: %s\n", from,
				strerror(errno));
			free(name);
			continue;
		}
		free(sd->name);
		sd->name = name;
	}
}

/*
 * Close a direction's file and give it its full length (a tail gap is
 * sparse); a file whose writes failed is left as it is.
 */
static void finish_dir(struct streams *s, struct flow *f, int d,
		       struct sdir *sd)
{
	uint64_t len = reasm_length(&f->dir[d]);
	char path[PATH_MAX + 16];

	if (!sd->name)
		return;
	if (sd->wf)
		close_file(s, sd);
	if (len > sd->end && !sd->failed) {
		path_of(s, sd->name, path, sizeof(path));
		if (truncate(path, len))
			dir_errors(s, sd, 1);
	}
}

static void on_end(void *arg, struct flow *f, enum flow_end why)
{
	struct streams *s = arg;
	struct sflow *sf = f->user;
	const char *names[2] = {NULL, NULL};
	uint64_t errors[2] = {0, 0};
	const char *text;
	struct buf *line;
	uint32_t len;
	int d;

	for (d = 0; sf && d < 2; d++) {
		finish_dir(s, f, d, &sf->d[d]);
		names[d] = sf->d[d].name;
		errors[d] = sf->d[d].errors;
	}
	line = flow_index_line(f, why, names, errors, &text, &len);
	if (!line || writer_write(s->w, s->ixf, s->ix_off, text, len, line))
		s->st.write_errors++;
	else
		s->ix_off += len;
	buf_put(line);
	s->st.flows++;
	for (d = 0; sf && d < 2; d++)
		free(sf->d[d].name);
	free(sf);
	f->user = NULL;
}

const struct flow_ops streams_flow_ops = {
	.data = on_data,
	.verify = on_verify,
	.swapped = on_swapped,
	.end = on_end,
};
