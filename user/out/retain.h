/* SPDX-License-Identifier: GPL-2.0 */
/*
 * retain: what happens to finished capture files, off the packet path.
 * Owns the list of finished files of every series (one series per
 * pcap_out), their deletion for -W (at most N files per series) and
 * --max-disk (a byte budget over all series, or a ceiling on the file
 * system's use), and the -z command run on each finished file.
 *
 * Producers (a worker at rotation, the main thread at the end) hand
 * files over with retain_on_file(), a pcap_out on_file hook: a lock-free
 * ring per series, never a wait.  The main thread calls retain_poll()
 * often (it takes the files in, deletes, starts and reaps commands; every
 * call it makes returns at once but unlink(2), which frees a file's
 * blocks there and not on a packet path) and retain_finish() at the end.
 *
 * Deleting a file checks its identity first (renamed aside, compared by
 * device and inode, then removed or put back), so that a name the
 * capture reused since is never removed.
 */
#ifndef FS_RETAIN_H
#define FS_RETAIN_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "out/pcap_out.h"

/* -z commands running at once; the next ones wait in order. */
#define RETAIN_MAX_JOBS 4
#define RETAIN_MAX_JOBS_STR "4"

struct retain_opts {
	unsigned int max_files; /* -W: per series; 0: no limit */
	uint64_t max_bytes; /* --max-disk SIZE; 0: none */
	unsigned int max_pct; /* --max-disk N%: file system use; 0: none */
	const char *command; /* -z: run "command FILE"; NULL: none */
	unsigned int max_jobs; /* 0: RETAIN_MAX_JOBS */
};

struct retain_stats {
	uint64_t finished; /* files closed */
	uint64_t deleted; /* files deleted for -W or --max-disk */
	uint64_t deleted_bytes;
	uint64_t delete_errors; /* deletions that failed (logged) */
	uint64_t commands; /* -z commands started */
	uint64_t commands_failed; /* could not start, or exit status != 0 */
	uint64_t commands_waiting; /* queued now */
};

struct retain;
struct retain_series;

/* nseries series (one per pcap_out).  0 or -ENOMEM. */
int retain_create(struct retain **out, const struct retain_opts *o,
		  unsigned int nseries);
/* Series i's hook context, for pcap_out_opts.on_file_ctx. */
struct retain_series *retain_series(struct retain *r, unsigned int i);
/* Series i's current file, for --max-disk's budget (NULL: none). */
void retain_set_current(struct retain *r, unsigned int i,
			const struct pcap_out *po);
/* pcap_out_opts.on_file: never waits; -ENOSPC when the ring is full. */
int retain_on_file(void *series, const struct pcap_out_file *f);

/* Main thread: take files in, delete, run commands.  Never waits. */
void retain_poll(struct retain *r);
/*
 * Main thread, once every file is closed: the last poll, then wait for
 * the commands (queued ones are started) until none is left or a signal
 * of stop arrives (the rest go on running, unwaited).
 */
void retain_finish(struct retain *r, const sigset_t *stop);
void retain_get_stats(const struct retain *r, struct retain_stats *st);
void retain_destroy(struct retain *r);

#endif /* FS_RETAIN_H */
