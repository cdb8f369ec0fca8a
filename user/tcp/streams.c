// SPDX-License-Identifier: GPL-2.0
/*
 * streams: per-direction stream files and the flow index (see streams.h).
 *
 * Each flow gets a struct sflow (flow->user) on its first delivered byte;
 * it outlives the flow until its files' closes have completed, and then
 * writes the flow's index line (the record made when the flow ended, with
 * the write errors the closes reported).  Its two struct sdir are
 * separate objects, so that a close callback finds its direction even
 * after a late SYN swapped them.  Open files sit on an LRU list for the
 * open-file bound; an sdir has wf set exactly when it is on that list.  A
 * file closed for the bound is opened again as it is (WRITER_KEEP,
 * asynchronously like its creation) and written on at its offsets.
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
#include "lib/mkdir_p.h"
#include "tcp/streams.h"
#include "tcp/streams_int.h"

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

int streams_open_index(const char *dir, struct flow_index **ix, char *err,
		       size_t errlen)
{
	char path[PATH_MAX + 16];
	int ret;

	ret = mkdir_p(dir, 0755);
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

/* DIR/<shard>, now (setup, or a shard nobody made ahead). */
static int shard_mkdir(const char *dir, uint64_t shard)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/%" PRIu64, dir, shard);
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
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
	snprintf(s->dir, sizeof(s->dir), "%s", dir);
	/*
	 * The first two shards now: later ones are made through io_uring a
	 * shard ahead of the first file in them (streams_shard_ahead).
	 */
	ret = shard_mkdir(dir, 0);
	if (!ret)
		ret = shard_mkdir(dir, 1);
	/*
	 * Each line leaves whole, through this writer like the stream data
	 * (the loop never waits for the index), appended by the kernel so
	 * that the lines of other workers' writers never interleave.
	 */
	if (!ret)
		ret = writer_open(w, flow_index_path(ix),
				  WRITER_KEEP | O_APPEND, &s->ixf);
	if (ret) {
		free(s);
		return ret;
	}
	s->shards = 2;
	s->ix = ix;
	s->w = w;
	s->max_open = max_open ? max_open : 1;
	s->lru.next = s->lru.prev = &s->lru;
	s->o.write_once = STREAMS_WRITE_ONCE_DEFAULT;
	s->o.hold_total = STREAMS_HOLD_TOTAL_DEFAULT;
	s->o.may_wait = true;
	*out = s;
	return 0;
}

void streams_set_opts(struct streams *s, const struct streams_opts *o)
{
	s->o = *o;
}

static void ix_closed(void *ctx, uint64_t errors, int err)
{
	struct streams *s = ctx;

	s->ix_closed = true;
	if (errors)
		s->ix_err = err ? err : -EIO;
}

int streams_destroy(struct streams *s)
{
	int ret, r;

	/* Every close, then every index line they released. */
	writer_drain(s->w);
	writer_close_async(s->w, s->ixf, WRITER_SIZE_KEEP, ix_closed, s);
	writer_drain(s->w);
	ret = s->ix_closed ? s->ix_err : -EIO;
	if (s->pending)
		pr_warn("streams: %" PRIu64 " flows' files did not close; "
			"their index lines are missing\n",
			s->pending);
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
	if (!s->ix_closed)
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

/* "<shard>/<id>-<client>.<port>-<server>.<port>.c2s" */
static char *file_name(const struct flow *f, int d)
{
	char c[64], sv[64], *name;

	addr_name(f, FLOW_C2S, c, sizeof(c));
	addr_name(f, FLOW_S2C, sv, sizeof(sv));
	if (asprintf(&name, "%" PRIu64 "/%" PRIu64 "-%s.%u-%s.%u.%s",
		     f->id / STREAMS_SHARD_FLOWS, f->id, c, f->port[FLOW_C2S],
		     sv, f->port[FLOW_S2C], d == FLOW_C2S ? "c2s" : "s2c") < 0)
		return NULL;
	return name;
}

static void path_of(const struct streams *s, const char *name, char *buf,
		    size_t len)
{
	snprintf(buf, len, "%s/%s", s->dir, name);
}

/*
 * On a flow's first byte: the shard of id exists, and the next one is on
 * its way (through io_uring, a thousand flows before a file needs it); a
 * flow that jumped past them (flows without data, a scan) gets its shard
 * and the next made now, and the files in those two create their
 * directory first, in their open's chain.  Returns whether the files of
 * shard id / STREAMS_SHARD_FLOWS must.
 */
static bool shard_ready(struct streams *s, uint64_t id)
{
	uint64_t shard = id / STREAMS_SHARD_FLOWS;
	char path[PATH_MAX + 32];

	if (shard >= s->shards) {
		s->late_shard = shard;
		s->late = true;
		s->shards = shard;
	}
	while (s->shards <= shard + 1) {
		snprintf(path, sizeof(path), "%s/%" PRIu64, s->dir, s->shards);
		if (writer_mkdir(s->w, path))
			s->st.write_errors++;
		s->shards++;
	}
	return s->late && shard - s->late_shard <= 1;
}

static void dir_errors(struct streams *s, struct sdir *sd, uint64_t n)
{
	sd->errors += n;
	s->st.write_errors += n;
}

/* len bytes at off of sd not written: a hole in its file, counted. */
static void dir_drop(struct streams *s, struct sdir *sd, uint32_t len)
{
	dir_errors(s, sd, 1);
	sd->dropped += len;
	s->st.dropped_bytes += len;
}

static void emit(struct streams *s, struct sflow *sf);

/* sd's file has its new name, or keeps its old one. */
static void renamed(void *ctx, int res)
{
	struct sdir *sd = ctx;
	struct sflow *sf = sd->sf;

	sd->renaming = false;
	if (res < 0) {
		pr_warn("cannot rename %s to %s: %s\n", sd->disk_name, sd->name,
			strerror(-res));
		dir_errors(sf->s, sd, 1);
		if (!sf->ended) { /* the index names the file as it is */
			free(sd->name);
			sd->name = sd->disk_name;
			sd->disk_name = NULL;
		}
	}
	free(sd->disk_name);
	sd->disk_name = NULL;
	if (!--sf->closing && sf->ended)
		emit(sf->s, sf);
}

/* Rename sd's file from disk_name to name, through the writer. */
static void rename_dir(struct streams *s, struct sdir *sd)
{
	char from[PATH_MAX + 16], to[PATH_MAX + 16];

	path_of(s, sd->disk_name, from, sizeof(from));
	path_of(s, sd->name, to, sizeof(to));
	if (writer_rename(s->w, sd->wf, from, to, 0, renamed, sd)) {
		sd->sf->closing++;
		renamed(sd, -ENOMEM);
		return;
	}
	sd->renaming = true;
	sd->sf->closing++;
	s->st.renames++;
}

/*
 * Until a rename of sd's file has landed: a reopen by its new name must
 * not create a file the rename then replaces.  Live: false at once.
 */
static bool rename_settled(struct streams *s, struct sdir *sd)
{
	while (sd->disk_name && s->o.may_wait && writer_inflight(s->w) &&
	       !writer_wait(s->w))
		;
	return !sd->disk_name;
}

/* A file of sd closed: its failed writes are known now. */
static void closed(struct sdir *sd, uint64_t errors, int err)
{
	struct sflow *sf = sd->sf;

	if (!errors && err)
		errors = 1;
	if (errors) {
		dir_errors(sf->s, sd, errors);
		/* The disk is full or the file gone: take no more data. */
		sd->failed = true;
	}
	sd->closing = false;
	if (sd->disk_name && !sd->renaming)
		rename_dir(sf->s, sd);
	if (!--sf->closing && sf->ended)
		emit(sf->s, sf);
}

/* ... a file that had a descriptor (counted in nclosing) */
static void dir_closed(void *ctx, uint64_t errors, int err)
{
	struct sdir *sd = ctx;

	sd->sf->s->nclosing--;
	closed(sd, errors, err);
}

/* ... a file written in one chain, through a registered slot */
static void once_closed(void *ctx, uint64_t errors, int err)
{
	struct sdir *sd = ctx;

	sd->sf->s->once_inflight--;
	closed(sd, errors, err);
}

/* Close sd's file, size WRITER_SIZE_KEEP or the length to give it. */
static void close_file(struct streams *s, struct sdir *sd, uint64_t size)
{
	writer_close_async(s->w, sd->wf, size, dir_closed, sd);
	s->nclosing++;
	sd->sf->closing++;
	sd->closing = true;
	sd->wf = NULL;
	lru_del(sd);
	s->nopen--;
}

/*
 * The least recently written file whose creation has completed: a reopen
 * (without O_TRUNC) must not race a create (O_TRUNC) still in flight.
 * None: counted in over_open.
 */
static struct sdir *lru_victim(struct streams *s)
{
	struct sdir *sd;

	for (sd = s->lru.prev; sd != &s->lru; sd = sd->prev)
		if (!wfile_opening(sd->wf))
			return sd;
	s->st.over_open++;
	return NULL;
}

/*
 * Room for one more descriptor under max_open, which counts open files
 * and those whose close is in flight: the least recently written ones are
 * closed early enough (an eighth of the bound kept for closes in flight)
 * that a close has usually completed when its descriptor is needed; if
 * not, wait for it (may_wait: counted in open_waits and the writer's
 * waits) or say no (-EMFILE).
 */
static int make_room(struct streams *s)
{
	unsigned int keep = s->max_open - s->max_open / 8;
	struct sdir *victim;

	for (;;) {
		while (s->nopen && s->nopen >= keep && (victim = lru_victim(s)))
			close_file(s, victim, WRITER_SIZE_KEEP);
		/* Full: a close to complete, or an open (then a victim). */
		if (s->nopen + s->nclosing < s->max_open ||
		    !writer_inflight(s->w))
			return 0;
		if (!s->o.may_wait)
			return -EMFILE;
		s->st.open_waits++;
		if (writer_wait(s->w))
			return 0;
	}
}

/*
 * Hand len bytes at off to sd's open file.  Direct blocks at their bound
 * (-ENOBUFS): offline, wait for writes to give blocks back (backpressure,
 * counted in the writer's waits); live, the caller drops and counts them.
 */
static int dir_write(struct streams *s, struct sdir *sd, uint64_t off,
		     const uint8_t *p, uint32_t len, struct buf *b)
{
	int ret;

	for (;;) {
		if (b)
			ret = writer_write(s->w, sd->wf, off, p, len, b);
		else
			ret = writer_write_copy(s->w, sd->wf, off, p, len);
		if (ret != -ENOBUFS || !s->o.may_wait ||
		    !writer_inflight(s->w) || writer_wait(s->w))
			return ret;
	}
}

static int open_file(struct streams *s, struct sdir *sd)
{
	char path[PATH_MAX + 16];
	int ret;

	ret = make_room(s);
	if (ret) {
		s->st.room_drops++;
		return ret;
	}
	path_of(s, sd->name, path, sizeof(path));
	if (!sd->created) {
		/* Creating an inode can take a millisecond: not in this loop. */
		ret = writer_open(
			s->w, path,
			WRITER_ASYNC_OPEN |
				(s->o.direct ? WRITER_DIRECT_SPARSE : 0) |
				(sd->mkdir_first ? WRITER_MKDIR_FIRST : 0),
			&sd->wf);
		if (!ret) {
			sd->created = true;
			s->st.files++;
		}
		/* What was held goes first, from the hold itself. */
		if (!ret && sd->hold && sd->hold->len &&
		    dir_write(s, sd, 0, sd->hold->data, sd->hold->len,
			      &sd->hold->b))
			dir_drop(s, sd, sd->hold->len);
		if (!ret)
			streams_hold_drop(sd);
	} else {
		/*
		 * A direct file closed for the bound ends in a padded block
		 * and a truncate still in flight, which writes here must not
		 * race: offline, wait for the close; live, no room now.
		 */
		while (s->o.direct && sd->closing && s->o.may_wait &&
		       writer_inflight(s->w) && !writer_wait(s->w))
			;
		if ((s->o.direct && sd->closing) || !rename_settled(s, sd)) {
			s->st.room_drops++;
			return -EMFILE;
		}
		/* Closed for the bound: the bytes it holds stay. */
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

static struct sdir *get_sdir(struct streams *s, struct flow *f, int d)
{
	struct sflow *sf = f->user;
	int i;

	if (!sf) {
		sf = calloc(1, sizeof(*sf));
		if (!sf)
			return NULL;
		sf->s = s;
		for (i = 0; i < 2; i++) {
			sf->d[i] = &sf->dirs[i];
			sf->dirs[i].sf = sf;
		}
		f->user = sf;
	}
	return sf->d[d];
}

static void on_data(void *arg, struct flow *f, int d, uint64_t off,
		    const uint8_t *p, uint32_t len, struct buf *b)
{
	struct streams *s = arg;
	struct sdir *sd = get_sdir(s, f, d);
	int ret;

	if (!sd) {
		s->st.write_errors++;
		s->st.dropped_bytes += len;
		return;
	}
	if (sd->failed) {
		dir_drop(s, sd, len);
		return;
	}
	if (!sd->name) {
		/* Shard directories are made ahead of their flows' first byte. */
		sd->mkdir_first = shard_ready(s, f->id);
		sd->name = file_name(f, d);
		if (!sd->name) {
			sd->failed = true;
			dir_drop(s, sd, len);
			return;
		}
	}
	if (!sd->wf && streams_hold_add(s, sd, off, p, len)) {
		if (off + len > sd->end)
			sd->end = off + len;
		return;
	}
	if (!sd->wf && (ret = open_file(s, sd))) {
		/* No descriptor free now (live): these bytes only. */
		if (ret != -EMFILE)
			sd->failed = true;
		dir_drop(s, sd, len);
		return;
	}
	if (s->lru.next != sd) {
		lru_del(sd);
		lru_add(s, sd);
	}
	if (dir_write(s, sd, off, p, len, b)) {
		dir_drop(s, sd, len);
		return;
	}
	if (off + len > sd->end)
		sd->end = off + len;
}

/* Until sd's bytes read back from its file; false: not without waiting. */
static bool dir_landed(struct streams *s, struct sdir *sd)
{
	if (!(sd->wf && wfile_busy(sd->wf)) && !sd->closing && !sd->disk_name)
		return true;
	if (!s->o.may_wait)
		return false;
	if (sd->wf && writer_settle(s->w, sd->wf))
		return false;
	while (sd->closing)
		if (writer_wait(s->w))
			return false;
	return rename_settled(s, sd);
}

/* Compare with the bytes written before (rare: retransmissions only). */
static int64_t on_verify(void *arg, struct flow *f, int d, uint64_t off,
			 const uint8_t *p, uint32_t len)
{
	struct streams *s = arg;
	struct sflow *sf = f->user;
	char path[PATH_MAX + 16];
	const uint8_t *have;
	struct sdir *sd;
	int64_t diff = 0;
	uint8_t *got = NULL;
	ssize_t n;
	int fd, i;

	if (!sf || !sf->d[d]->name)
		return -1;
	sd = sf->d[d];
	if (sd->hold && off + len <= sd->hold->len) {
		have = sd->hold->data + off; /* still in memory */
	} else {
		if (!dir_landed(s, sd)) {
			s->st.verify_unknown++;
			return -1;
		}
		path_of(s, sd->name, path, sizeof(path));
		fd = open(path, O_RDONLY | O_CLOEXEC);
		got = malloc(len);
		n = fd >= 0 && got ? pread(fd, got, len, off) : -1;
		if (fd >= 0)
			close(fd);
		if (n < (ssize_t)len) {
			free(got);
			return -1;
		}
		have = got;
	}
	for (i = 0; i < (int)len; i++)
		diff += have[i] != p[i];
	free(got);
	return diff;
}

static void on_swapped(void *arg, struct flow *f)
{
	struct streams *s = arg;
	struct sflow *sf = f->user;
	struct sdir *tmp;
	int d;

	if (!sf)
		return;
	tmp = sf->d[0];
	sf->d[0] = sf->d[1];
	sf->d[1] = tmp;
	for (d = 0; d < 2; d++) {
		struct sdir *sd = sf->d[d];
		char *name;

		if (!sd->name)
			continue;
		name = file_name(f, d);
		if (!name)
			continue;
		if (!sd->created || sd->disk_name) {
			free(sd->name); /* no file yet, or its rename is due */
			sd->name = name;
			continue;
		}
		/* Rare (a late SYN): after a close in flight, or now. */
		sd->disk_name = sd->name;
		sd->name = name;
		if (!sd->closing)
			rename_dir(s, sd);
	}
}

/*
 * A direction ends: a held one is written in one chain, an open file is
 * closed with its full length (a tail gap is sparse), a file closed for
 * the bound is reopened for that length; a failed one stays as it is.
 */
static void finish_dir(struct streams *s, struct flow *f, int d,
		       struct sdir *sd)
{
	uint64_t len = reasm_length(&f->dir[d]);
	uint64_t size = len > sd->end && !sd->failed ? len : WRITER_SIZE_KEEP;
	char path[PATH_MAX + 16];

	if (!sd->name)
		return;
	path_of(s, sd->name, path, sizeof(path));
	if (sd->hold && !sd->created) {
		/*
		 * Buffered, whatever --stream-io says: an O_DIRECT write
		 * holds the chain's slot until the device has the bytes
		 * (measured: 10,000 short flows a third slower).
		 */
		if (writer_write_file(s->w, path,
				      sd->mkdir_first ? WRITER_MKDIR_FIRST : 0,
				      sd->hold->data, sd->hold->len,
				      &sd->hold->b, size, once_closed, sd)) {
			dir_drop(s, sd, sd->hold->len);
		} else {
			sd->created = true;
			sd->closing = true;
			sd->sf->closing++;
			s->st.files++;
			s->st.written_once++;
			s->once_inflight++;
		}
		streams_hold_drop(sd);
		return;
	}
	if (sd->wf) {
		close_file(s, sd, size);
		return;
	}
	if (size == WRITER_SIZE_KEEP || !sd->created)
		return;
	if (!rename_settled(s, sd) || make_room(s)) {
		s->st.room_drops++;
		dir_errors(s, sd, 1);
		return;
	}
	if (!writer_open(s->w, path, WRITER_ASYNC_OPEN | WRITER_KEEP,
			 &sd->wf)) {
		s->st.reopens++;
		s->nopen++;
		lru_add(s, sd);
		close_file(s, sd, size);
	}
}

/*
 * No new byte of direction d is due (its FIN, or a RST): a held
 * direction leaves now in its chain and an open file closes, while the
 * flow may stay in the table a while to compare retransmissions.
 */
static void on_fin(void *arg, struct flow *f, int d)
{
	struct streams *s = arg;
	struct sflow *sf = f->user;
	struct sdir *sd;

	if (!sf)
		return;
	sd = sf->d[d];
	if ((sd->hold && !sd->created) || sd->wf)
		finish_dir(s, f, d, sd);
}

/* The flow's files are closed: its line, with their write errors. */
static void emit(struct streams *s, struct sflow *sf)
{
	struct flow_index_out out[2] = {
		{sf->d[0]->errors, sf->d[0]->dropped},
		{sf->d[1]->errors, sf->d[1]->dropped},
	};
	const char *text;
	struct buf *line;
	uint32_t len;
	int d;

	line = sf->rec ? flow_index_rec_line(sf->rec, out, &text, &len) : NULL;
	if (!line || writer_write(s->w, s->ixf, s->ix_off, text, len, line))
		s->st.write_errors++;
	else
		s->ix_off += len;
	if (line)
		buf_put(line);
	s->pending--;
	for (d = 0; d < 2; d++) {
		free(sf->dirs[d].name);
		free(sf->dirs[d].disk_name);
		streams_hold_drop(&sf->dirs[d]);
	}
	free(sf);
}

static void on_end(void *arg, struct flow *f, enum flow_end why)
{
	struct streams *s = arg;
	const char *names[2] = {NULL, NULL};
	struct sflow *sf;
	int d;

	s->st.flows++;
	/* A flow without data has its line too. */
	sf = get_sdir(s, f, 0) ? f->user : NULL;
	if (!sf) {
		s->st.write_errors++;
		return;
	}
	f->user = NULL;
	for (d = 0; d < 2; d++) {
		finish_dir(s, f, d, sf->d[d]);
		names[d] = sf->d[d]->name;
	}
	sf->rec = flow_index_record(f, why, names);
	sf->ended = true;
	if (++s->pending > s->st.pending_max)
		s->st.pending_max = s->pending;
	if (!sf->closing)
		emit(s, sf);
}

const struct flow_ops streams_flow_ops = {
	.data = on_data,
	.verify = on_verify,
	.swapped = on_swapped,
	.fin = on_fin,
	.end = on_end,
};
