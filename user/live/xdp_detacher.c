// SPDX-License-Identifier: GPL-2.0
/*
 * xdp_detacher: detaching the classifier after -Z.  Detaching an XDP
 * program attached through netlink (libxdp's way, dispatcher or not)
 * needs CAP_NET_ADMIN, which the capture gives up once it runs; so before
 * the drop a helper process is forked with the privileges and a copy of
 * the attachment (libxdp's handle, the skeleton, the pins), and it only
 * waits: one byte on its socket means "detach now", end of file means
 * the capture died.  Either way it detaches, answers and exits.  It is
 * forked right after the attach, before the UMEM, the sockets and the
 * workers exist, so it holds none of them.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/log.h"
#include "live/xdp_prog_int.h"

static void helper_main(struct xdp_prog *p, int fd)
{
	static const int stops[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE};
	unsigned int i;
	ssize_t n;
	char b;

	/*
	 * A terminal's ^C, or systemd's SIGTERM to the whole unit, reaches
	 * the helper too: it must outlive the capture, not stop with it.
	 */
	for (i = 0; i < sizeof(stops) / sizeof(stops[0]); i++)
		signal(stops[i], SIG_IGN);
	prctl(PR_SET_NAME, "flowsplice-xdp", 0, 0, 0);
	do
		n = read(fd, &b, 1);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		pr_warn("the capture (pid %d) is gone: detaching its "
			"classifier\n",
			getppid());
	xdp_prog_release_new(p);
	b = 'd';
	if (write(fd, &b, 1) != 1 && n > 0)
		pr_debug("answering the capture: %s\n", strerror(errno));
	_exit(0);
}

int xdp_prog_keep_detacher(struct xdp_prog *p)
{
	int sv[2], ret;
	pid_t pid;

	if (p->reused && !p->adopted)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -errno;
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(sv[0]);
		close(sv[1]);
		return ret;
	}
	if (!pid) {
		close(sv[0]);
		helper_main(p, sv[1]);
	}
	close(sv[1]);
	p->helper_fd = sv[0];
	p->helper_pid = pid;
	return 0;
}

bool xdp_detacher_detach(struct xdp_prog *p)
{
	ssize_t n;
	char b = 'd';

	if (p->helper_fd < 0)
		return false;
	n = write(p->helper_fd, &b, 1);
	if (n == 1)
		do
			n = read(p->helper_fd, &b, 1);
		while (n < 0 && errno == EINTR);
	if (n != 1)
		pr_warn("the helper that detaches the classifier (pid %d) did "
			"not answer: it may still be attached\n",
			p->helper_pid);
	close(p->helper_fd);
	p->helper_fd = -1;
	while (waitpid(p->helper_pid, NULL, 0) < 0 && errno == EINTR)
		;
	return true;
}
