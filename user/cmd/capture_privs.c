// SPDX-License-Identifier: GPL-2.0
/*
 * capture_privs: -Z USER for a live capture.  What needs privilege is all
 * done by then: the classifier attached (and a helper forked that keeps
 * the right to detach it, xdp_prog_keep_detacher), the UMEM registered
 * (charged to RLIMIT_MEMLOCK only without CAP_IPC_LOCK), the sockets
 * bound and in xsks, the rules set, the io_uring rings made and the first
 * files open.  What goes on afterwards needs none: map lookups and
 * updates through fds already held, XDP_STATISTICS, and files created
 * through io_uring, which runs each request with its submitter's
 * credentials.  So USER needs write access where files are still
 * created: the -w directory when rotating, --streams DIR (flowsplice
 * gives it the directories and files it made there), the --stats-json
 * directory.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/capture_int.h"
#include "lib/log.h"

int capture_privs_lookup(struct capture *c)
{
	char why[160];
	struct stat sb;
	int ret;

	if (!c->o->user)
		return 0;
	ret = privdrop_lookup(c->o->user, &c->pd, why, sizeof(why));
	if (ret) {
		pr_warn("-Z %s: %s\n", c->o->user, why);
		return ret;
	}
	c->streams_dir_made =
		c->o->streams && lstat(c->o->streams, &sb) && errno == ENOENT;
	return 0;
}

/* A file or directory flowsplice made (never a FIFO or device): USER's. */
static int give(const struct capture *c, const char *path)
{
	struct stat sb;
	int ret;

	if (lstat(path, &sb) || !(S_ISREG(sb.st_mode) || S_ISDIR(sb.st_mode)))
		return 0;
	ret = privdrop_chown(&c->pd, path);
	if (ret)
		pr_warn("-Z %s: cannot give %s to it: %s\n", c->pd.name, path,
			strerror(-ret));
	return ret;
}

static int give_outputs(const struct capture *c)
{
	static const char *const made[] = {"0", "1", "flows.jsonl"};
	char path[PATH_MAX + 16];
	unsigned int i;
	int ret = 0;

	for (i = 0; !ret && i < c->nq; i++)
		if (c->g.all[i].pcap)
			ret = give(c, pcap_out_current_path(c->g.all[i].pcap));
	if (ret || !c->o->streams)
		return ret;
	if (c->streams_dir_made)
		ret = give(c, c->o->streams);
	for (i = 0; !ret && i < sizeof(made) / sizeof(made[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", c->o->streams, made[i]);
		ret = give(c, path);
	}
	return ret;
}

/* The directory of path, "." for a bare name. */
static void dir_of(const char *path, char *dir, size_t len)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", path);
	snprintf(dir, len, "%s", dirname(tmp));
}

/* After the drop: access(2) checks the real uid, USER's now. */
static int check_writable(const struct capture *c, const char *dir,
			  const char *what)
{
	if (!access(dir, W_OK | X_OK))
		return 0;
	pr_warn("-Z %s: %s is not writable by %s (%s), which %s: give it "
		"to %s or choose another\n",
		c->pd.name, dir, c->pd.name, strerror(errno), what, c->pd.name);
	return -EACCES;
}

static int check_dirs(const struct capture *c)
{
	char dir[PATH_MAX];
	int ret = 0;

	if (c->o->write && (c->o->rotate_size || c->o->rotate_secs)) {
		dir_of(c->o->write, dir, sizeof(dir));
		ret = check_writable(c, dir, "rotation creates files in");
	}
	if (!ret && c->o->streams)
		ret = check_writable(c, c->o->streams,
				     "stream files and directories go to");
	if (!ret && c->o->stats_json) {
		dir_of(c->o->stats_json, dir, sizeof(dir));
		ret = check_writable(c, dir,
				     "--stats-json replaces its file in");
	}
	if (!ret && c->o->metrics_file) {
		dir_of(c->o->metrics_file, dir, sizeof(dir));
		ret = check_writable(c, dir,
				     "--metrics-file replaces its file in");
	}
	return ret;
}

int capture_privs_drop(struct capture *c)
{
	char why[200];
	int ret;

	if (!c->o->user)
		return 0;
	ret = give_outputs(c);
	if (ret)
		return ret;
	ret = privdrop_apply(&c->pd, why, sizeof(why));
	if (ret) {
		pr_warn("-Z %s: %s\n", c->pd.name, why);
		return ret;
	}
	if (!c->o->quiet)
		pr_info("running as %s (uid %u, gid %u) with no capabilities\n",
			c->pd.name, c->pd.uid, c->pd.gid);
	return check_dirs(c);
}
