// SPDX-License-Identifier: GPL-2.0
/*
 * xrun: the classifier skeleton loaded (not attached), a filter put into
 * effect through its maps as xdp_filter_apply() does, and frames run
 * through it.  A redirected frame carries struct fs_meta in front of it,
 * so the output length tells the verdict without reading counters.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "classifier.skel.h"
#include "filtertest.h"
#include "live/xdp_filter.h"
#include "live/xdp_rules.h"
#include "parse/cbpf_xlate.h"

/* Room for the largest record and the metadata in front of it. */
static uint8_t out_buf[256 * 1024 + 4096];

int xrun_open(struct xrun *x)
{
	struct bpf_map *m;

	memset(x, 0, sizeof(*x));
	x->skel = classifier__open();
	if (!x->skel)
		return -errno;
	bpf_object__for_each_map(m, x->skel->obj)
		bpf_map__set_pin_path(m, NULL);
	if (classifier__load(x->skel)) {
		classifier__destroy(x->skel);
		x->skel = NULL;
		return -errno;
	}
	x->prog_fd = bpf_program__fd(x->skel->progs.fs_classify);
	x->progs_fd = bpf_map__fd(x->skel->maps.fs_progs);
	x->rules_fd = bpf_map__fd(x->skel->maps.fs_rules);
	x->ctl_fd = bpf_map__fd(x->skel->maps.fs_ctl);
	return 0;
}

void xrun_close(struct xrun *x)
{
	classifier__destroy(x->skel);
	x->skel = NULL;
}

struct xdp_rules_maps xrun_rules_maps(const struct xrun *x)
{
	return (struct xdp_rules_maps){
		.rules_fd = x->rules_fd,
		.ctl_fd = x->ctl_fd,
		.hosts_fd = bpf_map__fd(x->skel->maps.fs_hosts),
		.nets_fd = bpf_map__fd(x->skel->maps.fs_nets),
		.ports_fd = bpf_map__fd(x->skel->maps.fs_ports),
	};
}

int xrun_set_rules(struct xrun *x, const struct filter_rules *r)
{
	struct xdp_rules_maps m = xrun_rules_maps(x);
	__u32 pk = FS_PROG_FILTER;
	long gen = xdp_rules_install(&m, r);

	if (gen < 0)
		return (int)gen;
	if (bpf_map_delete_elem(x->progs_fd, &pk) && errno != ENOENT)
		return -errno;
	return 0;
}

int xrun_set_none(struct xrun *x)
{
	static const struct filter_rules none;

	return xrun_set_rules(x, &none);
}

int xrun_set_bpf(struct xrun *x, struct filter_plan *fp, char *why,
		 size_t whylen)
{
	struct cbpf_maps maps = {
		.stats_fd = bpf_map__fd(x->skel->maps.fs_stats),
		.qstats_fd = bpf_map__fd(x->skel->maps.fs_qstats),
		.xsks_fd = bpf_map__fd(x->skel->maps.xsks),
	};
	const struct sock_filter *classic;
	__u32 k = FS_PROG_FILTER;
	size_t n;
	int fd, err;

	if (!filter_plan_pcap(fp, why, whylen))
		return -EINVAL;
	classic = pcap_expr_insns(fp->px, &n);
	fd = xdp_filter_build(classic, n, &maps, why, whylen);
	if (fd < 0)
		return fd;
	err = bpf_map_update_elem(x->progs_fd, &k, &fd, BPF_ANY) ? -errno : 0;
	close(fd);
	return err;
}

int xrun_frame(struct xrun *x, const uint8_t *b, uint32_t len)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = b, .data_size_in = len,
		    .data_out = out_buf, .data_size_out = sizeof(out_buf),
		    .repeat = 1);

	if (bpf_prog_test_run_opts(x->prog_fd, &o))
		return -errno;
	return o.data_size_out != len;
}

int xrun_bench(struct xrun *x, const uint8_t *b, uint32_t len, uint32_t repeat,
	       double *ns)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = b, .data_size_in = len,
		    .repeat = repeat);

	if (bpf_prog_test_run_opts(x->prog_fd, &o))
		return -errno;
	*ns = o.duration;
	return 0;
}
