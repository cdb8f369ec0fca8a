// SPDX-License-Identifier: GPL-2.0
/*
 * xdp_users: who uses the classifier, recorded in its fs_ctl map: the
 * flowsplice that attached it (its owner, which detaches it) and the
 * capture that runs its filter (its user: one per interface).  A process
 * is named by pid, pid namespace and start time, so that a pid reused by
 * a later process, or one in another namespace, is never taken for it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "lib/log.h"
#include "live/xdp_prog_int.h"

/* A process's pid namespace inode and start time; -ENOENT: no such pid. */
static int proc_identity(__u32 pid, __u32 *pidns, __u32 *start)
{
	char path[64], buf[1024], *p;
	unsigned long long st = 0;
	struct stat sb;
	ssize_t n;
	int fd, field;

	snprintf(path, sizeof(path), "/proc/%u/ns/pid", pid);
	if (stat(path, &sb))
		return -errno;
	*pidns = (__u32)sb.st_ino;
	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = 0;
	/* Field 22, counted after the ")" that ends field 2 (comm). */
	p = strrchr(buf, ')');
	for (field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &st) != 1)
		return -EIO;
	*start = (__u32)st;
	return 0;
}

static int ctl_set(struct xdp_prog *p, __u32 k, __u32 v)
{
	return bpf_map_update_elem(p->map_fd[M_CTL], &k, &v, BPF_ANY) ? -errno
								      : 0;
}

static __u32 ctl_get(struct xdp_prog *p, __u32 k)
{
	__u32 v = 0;

	return bpf_map_lookup_elem(p->map_fd[M_CTL], &k, &v) ? 0 : v;
}

/* Record this process as the owner of program id (attached by us). */
int xdp_owner_set(struct xdp_prog *p, __u32 id)
{
	__u32 pid = getpid(), pidns = 0, start = 0;
	int err = proc_identity(pid, &pidns, &start);

	if (!err)
		err = ctl_set(p, FS_CTL_OWNER_PIDNS, pidns);
	if (!err)
		err = ctl_set(p, FS_CTL_OWNER_START, start);
	if (!err)
		err = ctl_set(p, FS_CTL_OWNER_PROG, id);
	if (!err)
		err = ctl_set(p, FS_CTL_OWNER, pid);
	return err;
}

/*
 * The pid of the flowsplice that attached p itself and has since gone
 * (killed, crashed), or 0.  Never another pid namespace's process (its
 * pid means nothing here), never a program other than the one it
 * attached (pinned maps outlive programs: an operator may have loaded a
 * new one on them), never a process that still runs.
 */
__u32 xdp_owner_gone(struct xdp_prog *p)
{
	__u32 pid = ctl_get(p, FS_CTL_OWNER), pidns, start, my_ns, my_start;

	if (!pid || pid == (__u32)getpid() ||
	    ctl_get(p, FS_CTL_OWNER_PROG) != p->id ||
	    proc_identity(getpid(), &my_ns, &my_start) ||
	    ctl_get(p, FS_CTL_OWNER_PIDNS) != my_ns)
		return 0;
	if (proc_identity(pid, &pidns, &start))
		return pid; /* no such process */
	/* The pid was reused by a process started later. */
	return start != ctl_get(p, FS_CTL_OWNER_START) ? pid : 0;
}

/*
 * The pid of another flowsplice capture that uses p and still runs, or 0.
 * *other_ns: it lives in another pid namespace, where its pid cannot be
 * checked; it is then taken as running (its filter must not be replaced).
 */
static __u32 live_user(struct xdp_prog *p, bool *other_ns)
{
	__u32 pid = ctl_get(p, FS_CTL_USER), my_ns, my_start, ns, start;

	*other_ns = false;
	if (!pid || proc_identity(getpid(), &my_ns, &my_start))
		return 0;
	if (ctl_get(p, FS_CTL_USER_PIDNS) != my_ns) {
		*other_ns = true;
		return pid;
	}
	/* Gone, or its pid reused by a process started later. */
	if (pid == (__u32)getpid() || proc_identity(pid, &ns, &start) ||
	    start != ctl_get(p, FS_CTL_USER_START))
		return 0;
	return pid;
}

/*
 * One capture per interface: the classifier runs one rule set, and a
 * second capture's would replace the first one's.  -EBUSY, the other
 * capture named in why, while another capture uses p.
 */
int xdp_user_check(struct xdp_prog *p, char *why, size_t whylen)
{
	bool other_ns;
	__u32 pid = live_user(p, &other_ns);

	if (!pid)
		return 0;
	snprintf(why, whylen,
		 "another flowsplice capture (pid %u%s) is capturing on this "
		 "interface: stop it first (one capture per interface: the "
		 "classifier runs one filter)%s",
		 pid, other_ns ? ", in another pid namespace" : "",
		 other_ns ? "; if it is gone, unload the classifier "
			    "(xdp-loader unload IFACE --all)"
			  : "");
	return -EBUSY;
}

/* Record this process as the capture that uses p. */
int xdp_user_set(struct xdp_prog *p)
{
	__u32 pid = getpid(), pidns = 0, start = 0;
	int err = proc_identity(pid, &pidns, &start);

	if (!err)
		err = ctl_set(p, FS_CTL_USER_PIDNS, pidns);
	if (!err)
		err = ctl_set(p, FS_CTL_USER_START, start);
	if (!err)
		err = ctl_set(p, FS_CTL_USER, pid);
	if (err)
		pr_warn("recording this capture as the classifier's user: %s\n",
			strerror(-err));
	p->user = !err;
	return err;
}

void xdp_user_clear(struct xdp_prog *p)
{
	if (p->user && ctl_get(p, FS_CTL_USER) == (__u32)getpid())
		ctl_set(p, FS_CTL_USER, 0);
	p->user = false;
}
