// SPDX-License-Identifier: GPL-2.0
/*
 * xdp_filter: loads translated filters.  The verifier's log is read only
 * when a load fails, so a good filter costs one load.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "live/xdp_filter.h"

#ifndef BPF_F_XDP_HAS_FRAGS
#define BPF_F_XDP_HAS_FRAGS (1U << 5)
#endif

#define LOG_SIZE (1 << 20)

/* The verifier's closing statistics, not a reason. */
static bool stats_line(const char *s)
{
	return !strncmp(s, "processed ", 10) ||
	       !strncmp(s, "verification time", 17) ||
	       !strncmp(s, "stack depth", 11) || !strncmp(s, "-- END", 6);
}

/*
 * The log's last non-empty line but its closing statistics: where the
 * verifier stopped.
 */
static void last_line(char *log, char *why, size_t whylen)
{
	char *end = log + strlen(log), *start;

	for (;;) {
		while (end > log && (end[-1] == '\n' || end[-1] == ' '))
			*--end = '\0';
		start = strrchr(log, '\n');
		start = start ? start + 1 : log;
		if (start == log || !stats_line(start))
			break;
		end = start;
	}
	snprintf(why, whylen, "%s", start);
}

int xdp_filter_load(const struct cbpf_prog *p, char *why, size_t whylen)
{
	/*
	 * A tail call needs the caller's flavour: frags, and the attach
	 * type libbpf gives an "xdp.frags" section (the kernel compares both).
	 */
	LIBBPF_OPTS(bpf_prog_load_opts, o, .prog_flags = BPF_F_XDP_HAS_FRAGS,
		    .expected_attach_type = BPF_XDP);
	char *log;
	int fd, err;

	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "fs_filter", "GPL", p->insns,
			   p->len, &o);
	if (fd >= 0)
		return fd;
	err = -errno;
	log = calloc(1, LOG_SIZE);
	if (!log) {
		snprintf(why, whylen, "%s", strerror(-err));
		return err;
	}
	o.log_buf = log;
	o.log_size = LOG_SIZE;
	o.log_level = 1;
	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "fs_filter", "GPL", p->insns,
			   p->len, &o);
	if (fd >= 0) {
		/* Loaded with the log on: keep it. */
		free(log);
		return fd;
	}
	if (log[0])
		last_line(log, why, whylen);
	else
		snprintf(why, whylen, "%s", strerror(-err));
	free(log);
	return err;
}

int xdp_filter_build(const struct sock_filter *p, size_t n,
		     const struct cbpf_maps *maps, char *why, size_t whylen)
{
	struct cbpf_prog ep;
	int fd;

	fd = cbpf_xlate(p, n, maps, &ep, why, whylen);
	if (fd)
		return fd;
	fd = xdp_filter_load(&ep, why, whylen);
	cbpf_prog_free(&ep);
	return fd;
}

static int apply_bpf(struct xdp_prog *xp, struct filter_plan *fp, char *why,
		     size_t whylen)
{
	const struct sock_filter *classic;
	struct cbpf_maps maps;
	size_t n;
	int fd, err;

	xdp_prog_filter_maps(xp, &maps);
	if (!filter_plan_pcap(fp, why, whylen))
		return -EINVAL;
	classic = pcap_expr_insns(fp->px, &n);
	fd = xdp_filter_build(classic, n, &maps, why, whylen);
	if (fd < 0)
		return fd;
	err = xdp_prog_set_filter(xp, fd);
	if (err)
		snprintf(why, whylen, "installing the filter: %s",
			 strerror(-err));
	close(fd);
	return err;
}

int xdp_filter_apply(struct xdp_prog *xp, struct filter_plan *fp, char *why,
		     size_t whylen)
{
	long gen;
	int err;

	if (fp->path == FILTER_PATH_BPF)
		return apply_bpf(xp, fp, why, whylen);
	gen = xdp_prog_set_rules(xp, &fp->rules);
	if (gen < 0) {
		snprintf(why, whylen, "installing the rules: %s",
			 strerror((int)-gen));
		return (int)gen;
	}
	err = xdp_prog_set_filter(xp, -1);
	if (err)
		snprintf(why, whylen, "removing the translated filter: %s",
			 strerror(-err));
	return err;
}
