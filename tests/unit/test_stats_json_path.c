// SPDX-License-Identifier: GPL-2.0
/*
 * --stats-json FILE replaces only a regular file, or makes one: a
 * symlink, a FIFO, a device or a directory at FILE is refused and left as
 * it was; an unwritable place is refused by the start-up check; and no
 * temporary file is left behind, even when a write fails half-way.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "live/capture_stats.h"
#include "testlib.h"

static char dir[] = "/tmp/fs-sjson-XXXXXX";

/* Entries in dir (without . and ..). */
static int entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static const char *in_dir(const char *name)
{
	static char buf[4][256];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

static mode_t kind(const char *path)
{
	struct stat st;

	return lstat(path, &st) ? 0 : st.st_mode & S_IFMT;
}

/* A node that must be refused, by the check and by the write, and stay. */
static void refused(const char *path, mode_t type)
{
	char why[256] = "";
	struct queue_snap q = {.queue = 0};
	struct capture_snap s = {.nq = 1, .q = &q};
	int n = entries();

	CHECK_EQ(capture_stats_json_check(path, why, sizeof(why)), -EEXIST);
	CHECK(*why);
	CHECK_EQ(capture_stats_json(path, "veth0", &s, 1.0), -EEXIST);
	CHECK_EQ(kind(path), type);
	CHECK_EQ(entries(), n);
}

int main(void)
{
	struct queue_snap q[2] = {{.queue = 0}, {.queue = 1}};
	struct capture_snap s = {.nq = 2, .q = q};
	struct rlimit small = {.rlim_cur = 64, .rlim_max = RLIM_INFINITY};
	struct rlimit old;
	char why[256];
	char file[256];
	int n;

	if (!mkdtemp(dir))
		return T_EXIT_FAIL;

	/* Absent, then a regular file: made, then replaced; nothing else. */
	snprintf(file, sizeof(file), "%s", in_dir("stats.json"));
	CHECK_EQ(capture_stats_json_check(file, why, sizeof(why)), 0);
	CHECK_EQ(entries(), 0);
	CHECK_EQ(capture_stats_json(file, "veth0", &s, 1.0), 0);
	CHECK_EQ(kind(file), S_IFREG);
	CHECK_EQ(capture_stats_json_check(file, why, sizeof(why)), 0);
	CHECK_EQ(capture_stats_json(file, "veth0", &s, 2.0), 0);
	CHECK_EQ(kind(file), S_IFREG);
	CHECK_EQ(entries(), 1);

	/* A symlink (to that regular file): refused, not followed. */
	CHECK_EQ(symlink(file, in_dir("link")), 0);
	refused(in_dir("link"), S_IFLNK);

	CHECK_EQ(mkfifo(in_dir("fifo"), 0600), 0);
	refused(in_dir("fifo"), S_IFIFO);

	CHECK_EQ(mkdir(in_dir("subdir"), 0700), 0);
	refused(in_dir("subdir"), S_IFDIR);

	/* A character device (/dev/null's numbers), where mknod is allowed. */
	if (!mknod(in_dir("null"), S_IFCHR | 0600, makedev(1, 3)))
		refused(in_dir("null"), S_IFCHR);
	else
		fprintf(stderr, "mknod: %s: device case skipped\n",
			strerror(errno));

	/* A directory that does not exist: refused at start, nothing made. */
	n = entries();
	CHECK(capture_stats_json_check(in_dir("nodir/stats.json"), why,
				       sizeof(why)) < 0);
	CHECK_EQ(capture_stats_json(in_dir("nodir/stats.json"), "veth0", &s,
				    1.0),
		 -ENOENT);
	CHECK_EQ(entries(), n);

	/*
	 * A write that fails half-way (a file size limit: EFBIG): an error,
	 * the old document stays, and the temporary file is removed.
	 */
	signal(SIGXFSZ, SIG_IGN);
	CHECK_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
	small.rlim_max = old.rlim_max;
	CHECK_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
	CHECK_EQ(capture_stats_json(file, "veth0", &s, 3.0), -EFBIG);
	CHECK_EQ(setrlimit(RLIMIT_FSIZE, &old), 0);
	CHECK_EQ(entries(), n);
	CHECK_EQ(kind(file), S_IFREG);

	unlink(in_dir("null"));
	rmdir(in_dir("subdir"));
	unlink(in_dir("fifo"));
	unlink(in_dir("link"));
	unlink(file);
	CHECK_EQ(rmdir(dir), 0);
	return t_result();
}
