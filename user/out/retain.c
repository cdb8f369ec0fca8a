// SPDX-License-Identifier: GPL-2.0
/*
 * retain: the finished files of every series, their deletion (-W,
 * --max-disk) and the -z commands (retain.h).  Everything here but
 * retain_on_file() runs on the main thread, between its waits.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/spsc.h"
#include "out/retain.h"

extern char **environ;

/* Files a series may hand over between two polls (about 100 ms). */
#define EV_RING 256

struct ev {
	enum pcap_out_file_kind kind;
	uint64_t bytes, dev, ino;
	char path[PATH_MAX];
};

/* A finished file. */
struct rfile {
	struct rfile *next;
	uint64_t order; /* finish order over all series */
	uint64_t bytes, dev, ino;
	bool busy; /* its -z command is queued or running */
	bool gone; /* deleted or retired while busy: freed when idle */
	char path[];
};

struct retain_series {
	struct retain *r;
	struct spsc ev;
	struct rfile *head, *tail; /* oldest first */
	unsigned int nfiles;
	const struct pcap_out *cur;
};

struct job {
	struct job *next;
	struct rfile *f;
	pid_t pid;
};

struct retain {
	struct retain_opts o;
	unsigned int nseries;
	struct retain_series *s;
	uint64_t order;
	struct job *queue, *queue_tail; /* commands waiting to start */
	struct job **running; /* max_jobs slots */
	unsigned int nrunning;
	struct retain_stats st;
	bool told_budget; /* "over budget, nothing to delete" said */
	struct ev evbuf; /* one event at a time: PATH_MAX is large */
};

int retain_create(struct retain **out, const struct retain_opts *o,
		  unsigned int nseries)
{
	struct retain *r = calloc(1, sizeof(*r));
	unsigned int i;

	if (!r)
		return -ENOMEM;
	r->o = *o;
	if (!r->o.max_jobs)
		r->o.max_jobs = RETAIN_MAX_JOBS;
	r->nseries = nseries;
	r->s = calloc(nseries, sizeof(*r->s));
	r->running = calloc(r->o.max_jobs, sizeof(*r->running));
	if (!r->s || !r->running)
		goto nomem;
	for (i = 0; i < nseries; i++) {
		r->s[i].r = r;
		if (spsc_init(&r->s[i].ev, EV_RING, sizeof(struct ev)))
			goto nomem;
	}
	*out = r;
	return 0;
nomem:
	retain_destroy(r);
	return -ENOMEM;
}

struct retain_series *retain_series(struct retain *r, unsigned int i)
{
	return &r->s[i];
}

void retain_set_current(struct retain *r, unsigned int i,
			const struct pcap_out *po)
{
	r->s[i].cur = po;
}

int retain_on_file(void *series, const struct pcap_out_file *f)
{
	struct retain_series *s = series;
	struct ev e = {f->kind, f->bytes, f->dev, f->ino, ""};

	if (snprintf(e.path, sizeof(e.path), "%s", f->path) >=
	    (int)sizeof(e.path))
		return -ENAMETOOLONG;
	return spsc_push(&s->ev, &e) ? -ENOSPC : 0;
}

static bool same_file(const char *path, const struct rfile *f)
{
	struct stat sb;

	return !stat(path, &sb) && sb.st_dev == f->dev && sb.st_ino == f->ino;
}

/* DIR/.NAME.flowsplice-del for DIR/NAME. */
static int aside_name(const char *path, char *out, size_t len)
{
	const char *slash = strrchr(path, '/');
	int dlen = slash ? slash - path + 1 : 0;

	return snprintf(out, len, "%.*s.%s.flowsplice-del", dlen, path,
			path + dlen) >= (int)len
		       ? -ENAMETOOLONG
		       : 0;
}

/*
 * Delete f if its name still holds it: rename it aside (atomic), check
 * the identity there, remove it, or put back what is not ours.
 * 0 deleted, -ENOENT already gone, -ESTALE another file has the name.
 */
static int delete_checked(const struct rfile *f)
{
	char aside[PATH_MAX];
	int ret = aside_name(f->path, aside, sizeof(aside));

	if (ret)
		return ret;
	if (rename(f->path, aside))
		return -errno;
	if (!same_file(aside, f)) {
		rename(aside, f->path);
		return -ESTALE;
	}
	return unlink(aside) ? -errno : 0;
}

static void unlist(struct retain_series *s, struct rfile *f)
{
	struct rfile **pp, *prev = NULL;

	for (pp = &s->head; *pp; prev = *pp, pp = &(*pp)->next) {
		if (*pp != f)
			continue;
		*pp = f->next;
		if (s->tail == f)
			s->tail = prev;
		s->nfiles--;
		break;
	}
	f->next = NULL;
	if (f->busy)
		f->gone = true; /* its command ends first */
	else
		free(f);
}

static void count_deleted(struct retain *r, const char *path, uint64_t bytes,
			  const char *why)
{
	r->st.deleted++;
	r->st.deleted_bytes += bytes;
	pr_info("deleted %s (%" PRIu64 " bytes): %s\n", path, bytes, why);
}

static void delete_file(struct retain_series *s, struct rfile *f,
			const char *why)
{
	struct retain *r = s->r;
	int ret = delete_checked(f);

	if (!ret)
		count_deleted(r, f->path, f->bytes, why);
	else if (ret != -ENOENT && ret != -ESTALE) {
		r->st.delete_errors++;
		pr_warn("cannot delete %s: %s\n", f->path, strerror(-ret));
	}
	/* Gone, replaced or failed: not ours to count any more. */
	unlist(s, f);
}

static void queue_job(struct retain *r, struct rfile *f)
{
	struct job *j = calloc(1, sizeof(*j));

	if (!j) {
		r->st.commands_failed++;
		pr_warn("-z %s %s: out of memory\n", r->o.command, f->path);
		return;
	}
	j->f = f;
	f->busy = true;
	if (r->queue_tail)
		r->queue_tail->next = j;
	else
		r->queue = j;
	r->queue_tail = j;
	r->st.commands_waiting++;
}

static void finished(struct retain_series *s, const struct ev *e)
{
	struct retain *r = s->r;
	size_t n = strlen(e->path) + 1;
	struct rfile *f = calloc(1, sizeof(*f) + n);

	r->st.finished++;
	if (!f) {
		pr_warn("%s: out of memory, not kept track of\n", e->path);
		return;
	}
	f->order = r->order++;
	f->bytes = e->bytes;
	f->dev = e->dev;
	f->ino = e->ino;
	memcpy(f->path, e->path, n);
	if (s->tail)
		s->tail->next = f;
	else
		s->head = f;
	s->tail = f;
	s->nfiles++;
	if (r->o.command)
		queue_job(r, f);
}

/* -W's ring renamed its oldest file aside: delete it, forget its entry. */
static void retired(struct retain_series *s, const struct ev *e)
{
	struct rfile *f, id = {.dev = e->dev, .ino = e->ino};
	int ret;

	for (f = s->head; f; f = f->next)
		if (f->dev == e->dev && f->ino == e->ino)
			break;
	if (f)
		unlist(s, f);
	ret = same_file(e->path, &id) ? (unlink(e->path) ? -errno : 0)
				      : -ESTALE;
	if (!ret) {
		count_deleted(s->r, e->path, e->bytes, "-W ring");
	} else if (ret != -ENOENT) {
		s->r->st.delete_errors++;
		pr_warn("cannot delete %s: %s\n", e->path, strerror(-ret));
	}
}

static void take_events(struct retain *r)
{
	unsigned int i;

	for (i = 0; i < r->nseries; i++) {
		struct retain_series *s = &r->s[i];

		while (spsc_pop(&s->ev, &r->evbuf, 1)) {
			if (r->evbuf.kind == PCAP_OUT_RETIRED)
				retired(s, &r->evbuf);
			else
				finished(s, &r->evbuf);
		}
	}
}

static void job_done(struct retain *r, struct job *j, int status)
{
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		r->st.commands_failed++;
		if (WIFEXITED(status))
			pr_warn("-z %s %s: exit status %d\n", r->o.command,
				j->f->path, WEXITSTATUS(status));
		else
			pr_warn("-z %s %s: killed by signal %d\n", r->o.command,
				j->f->path, WTERMSIG(status));
	}
	j->f->busy = false;
	if (j->f->gone)
		free(j->f);
	free(j);
}

static void reap(struct retain *r)
{
	unsigned int i;
	int status;

	for (i = 0; i < r->nrunning;) {
		struct job *j = r->running[i];

		if (waitpid(j->pid, &status, WNOHANG) != j->pid) {
			i++;
			continue;
		}
		job_done(r, j, status);
		r->running[i] = r->running[--r->nrunning];
	}
}

/*
 * "COMMAND FILE", as tcpdump's -z: found on PATH, with default signal
 * dispositions and an empty mask (ours blocks the stop signals), in a
 * process group of its own (a terminal's ^C stops the capture, not a
 * compression half done), and none of our descriptors.
 */
static int spawn(struct retain *r, struct job *j)
{
	char *argv[] = {(char *)r->o.command, j->f->path, NULL};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t a;
	sigset_t none, dfl;
	int ret;

	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGTERM);
	sigaddset(&dfl, SIGHUP);
	sigaddset(&dfl, SIGQUIT);
	posix_spawnattr_init(&a);
	posix_spawnattr_setsigmask(&a, &none);
	posix_spawnattr_setsigdefault(&a, &dfl);
	posix_spawnattr_setpgroup(&a, 0);
	posix_spawnattr_setflags(&a, POSIX_SPAWN_SETSIGMASK |
					     POSIX_SPAWN_SETSIGDEF |
					     POSIX_SPAWN_SETPGROUP);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	ret = -posix_spawnp(&j->pid, r->o.command, &fa, &a, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&a);
	return ret;
}

static void start_jobs(struct retain *r)
{
	while (r->queue && r->nrunning < r->o.max_jobs) {
		struct job *j = r->queue;
		int ret;

		r->queue = j->next;
		if (!r->queue)
			r->queue_tail = NULL;
		r->st.commands_waiting--;
		r->st.commands++;
		ret = spawn(r, j);
		if (ret) {
			pr_warn("-z %s %s: %s\n", r->o.command, j->f->path,
				strerror(-ret));
			job_done(r, j, 1 << 8);
			continue;
		}
		r->running[r->nrunning++] = j;
	}
}

/* -W: at most max_files per series, the current file included. */
static void keep_files(struct retain *r)
{
	unsigned int i;

	for (i = 0; i < r->nseries && r->o.max_files; i++) {
		struct retain_series *s = &r->s[i];

		while (s->head && !s->head->busy &&
		       s->nfiles + !!s->cur > r->o.max_files)
			delete_file(s, s->head, "-W");
	}
}

static uint64_t bytes_kept(const struct retain *r)
{
	uint64_t n = 0;
	unsigned int i;
	struct rfile *f;

	for (i = 0; i < r->nseries; i++) {
		for (f = r->s[i].head; f; f = f->next)
			n += f->bytes;
		if (r->s[i].cur)
			n += pcap_out_current_bytes(r->s[i].cur);
	}
	return n;
}

/* The file system's use, in percent, as df(1) computes it. */
static int fs_use(const char *path, unsigned int *pct)
{
	struct statvfs v;
	uint64_t used;

	if (statvfs(path, &v))
		return -errno;
	used = v.f_blocks - v.f_bfree;
	*pct = used + v.f_bavail ? (used * 100 + used + v.f_bavail - 1) /
					   (used + v.f_bavail)
				 : 0;
	return 0;
}

static bool over_budget(struct retain *r)
{
	unsigned int pct = 0;
	char dir[PATH_MAX];
	const char *slash;
	unsigned int i;

	if (r->o.max_bytes && bytes_kept(r) > r->o.max_bytes)
		return true;
	if (!r->o.max_pct)
		return false;
	for (i = 0; i < r->nseries; i++) {
		if (!r->s[i].head)
			continue;
		slash = strrchr(r->s[i].head->path, '/');
		snprintf(dir, sizeof(dir), "%.*s",
			 slash ? (int)(slash - r->s[i].head->path) : 1,
			 slash ? r->s[i].head->path : ".");
		if (!fs_use(dir, &pct) && pct > r->o.max_pct)
			return true;
	}
	return false;
}

/* The oldest finished file of all series that may go now. */
static struct retain_series *oldest(struct retain *r)
{
	struct retain_series *best = NULL;
	unsigned int i;

	for (i = 0; i < r->nseries; i++) {
		struct rfile *h = r->s[i].head;

		if (h && !h->busy && (!best || h->order < best->head->order))
			best = &r->s[i];
	}
	return best;
}

/* --max-disk: oldest finished files first, until under the budget. */
static void keep_budget(struct retain *r)
{
	struct retain_series *s;

	if (!r->o.max_bytes && !r->o.max_pct)
		return;
	while (over_budget(r)) {
		s = oldest(r);
		if (!s) {
			if (!r->told_budget)
				pr_warn("--max-disk: over the budget, with no "
					"finished file left to delete\n");
			r->told_budget = true;
			return;
		}
		r->told_budget = false;
		delete_file(s, s->head, "--max-disk");
	}
}

void retain_poll(struct retain *r)
{
	if (!r)
		return;
	take_events(r);
	reap(r);
	keep_files(r);
	keep_budget(r);
	start_jobs(r);
}

void retain_finish(struct retain *r, const sigset_t *stop)
{
	const struct timespec tick = {0, 50000000};
	bool told = false;

	if (!r)
		return;
	retain_poll(r);
	while (r->nrunning || r->queue) {
		if (!told) {
			pr_info("waiting for %u -z command(s); SIGINT or "
				"SIGTERM stops waiting\n",
				r->nrunning +
					(unsigned int)r->st.commands_waiting);
			told = true;
		}
		if (sigtimedwait(stop, NULL, &tick) > 0) {
			pr_warn("not waiting for %u running -z command(s); "
				"%" PRIu64 " not started\n",
				r->nrunning, r->st.commands_waiting);
			return;
		}
		retain_poll(r);
	}
}

void retain_get_stats(const struct retain *r, struct retain_stats *st)
{
	*st = r->st;
}

void retain_destroy(struct retain *r)
{
	struct rfile *f, *n;
	struct job *j, *jn;
	unsigned int i;

	if (!r)
		return;
	for (j = r->queue; j; j = jn) {
		jn = j->next;
		if (j->f->gone)
			free(j->f);
		free(j);
	}
	for (i = 0; i < r->nrunning; i++) {
		/* still running: left to init */
		if (r->running[i]->f->gone)
			free(r->running[i]->f);
		free(r->running[i]);
	}
	for (i = 0; r->s && i < r->nseries; i++) {
		for (f = r->s[i].head; f; f = n) {
			n = f->next;
			free(f);
		}
		spsc_free(&r->s[i].ev);
	}
	free(r->running);
	free(r->s);
	free(r);
}
