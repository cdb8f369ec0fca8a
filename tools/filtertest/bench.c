// SPDX-License-Identifier: GPL-2.0
/*
 * bench: what a filter costs per frame.  The classifier runs one frame
 * under BPF_PROG_TEST_RUN with repeat (the kernel's own ns/run) with no
 * filter, rule sets, and libpcap programs translated into fs_progs; the
 * same expressions run in libpcap's userspace matcher
 * (pcap_offline_filter, what tcpdump runs) on the same frame, timed with
 * CLOCK_MONOTONIC.  One markdown table on stdout: the median of --runs
 * runs of each.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "filtertest.h"
#include "parse/filter_plan.h"
#include "parse/pcap_expr.h"
#include "pktbuild.h"

#define MAX_RUNS 15

/* Which paths a case runs: bits of 1 << enum how. */
enum how { H_NONE, H_RULES, H_BPF };
#define P_RULES (1 << H_RULES)
#define P_BPF (1 << H_BPF)

struct bcase {
	const char *name;
	unsigned int paths;
	char *expr; /* NULL: no filter */
};

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_dbl);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * n primitives "PREFIX VALUE" joined by " or ", none of them the frame's:
 * hosts 198.19.x.y, nets 198.19.x.0/24 (x from 0), ports from 1001.
 */
static char *list(const char *prefix, int n, int kind)
{
	size_t len = (size_t)n * 40 + 64, off = 0;
	char *s = malloc(len);
	int i;

	if (!s)
		abort();
	s[0] = '\0';
	for (i = 0; i < n; i++) {
		off += snprintf(s + off, len - off, "%s%s ", i ? " or " : "",
				prefix);
		if (kind == 'h')
			off += snprintf(s + off, len - off, "198.19.%d.%d",
					i / 250, 1 + i % 250);
		else if (kind == 'n')
			off += snprintf(s + off, len - off, "198.%d.%d.0/24",
					19 + i / 256, i % 256);
		else
			off += snprintf(s + off, len - off, "%d", 1001 + i);
	}
	return s;
}

static double lib_ns(struct pcap_expr *px, const struct pb *f, long iters)
{
	struct timespec a, b;
	char err[64];
	volatile int sink = 0;
	long i;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < iters; i++)
		sink += pcap_expr_match(px, 1, f->b, f->len, f->len, err,
					sizeof(err));
	clock_gettime(CLOCK_MONOTONIC, &b);
	(void)sink;
	return ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / iters;
}

/* The medians of one path; libpcap's (lm) is measured once per case. */
static int one_path(struct xrun *x, const struct bcase *c, enum how how,
		    struct filter_plan *fp, const struct pb *f, int runs,
		    uint32_t repeat, double *lm)
{
	double xv[MAX_RUNS], lv[MAX_RUNS], xm;
	char why[512] = "", label[64];
	int i, ret, match;

	if (how == H_NONE)
		ret = xrun_set_none(x);
	else if (how == H_RULES && fp->path == FILTER_PATH_RULES)
		ret = xrun_set_rules(x, &fp->rules);
	else if (how == H_RULES)
		ret = -E2BIG;
	else
		ret = xrun_set_bpf(x, fp, why, sizeof(why));
	if (ret) {
		printf("| %s | %s | | not possible: %s | | |\n", c->name,
		       how == H_RULES ? "rules" : "bpf",
		       ret == -E2BIG ? fp->why
		       : why[0]	     ? why
				     : strerror(-ret));
		return 0;
	}
	match = xrun_frame(x, f->b, f->len);
	for (i = 0; i < runs; i++) {
		ret = xrun_bench(x, f->b, f->len, repeat, &xv[i]);
		if (ret)
			return ret;
		if (fp && *lm < 0)
			lv[i] = lib_ns(fp->px, f, repeat);
	}
	xm = median(xv, runs);
	if (fp && *lm < 0)
		*lm = median(lv, runs);
	if (!fp || !fp->px) {
		printf("| %s | %s | %s | %.1f | | |\n", c->name,
		       fp ? "rules" : "none", match ? "yes" : "no", xm);
		return 0;
	}
	if (how == H_BPF)
		snprintf(label, sizeof(label), "bpf (translated)");
	else
		snprintf(label, sizeof(label), "rules (%u set%s)",
			 fp->rules.nsets, fp->rules.nsets == 1 ? "" : "s");
	printf("| %s | %s | %s | %.1f | %.1f | %.2f |\n", c->name, label,
	       match ? "yes" : "no", xm, *lm, xm / *lm);
	return 0;
}

/*
 * Every path of c, planned and compiled by libpcap once (xdp_only: the
 * rules path alone, no libpcap: a quick look at the classifier).
 */
static int one(struct xrun *x, const struct bcase *c, const struct pb *f,
	       int runs, uint32_t repeat, bool xdp_only)
{
	struct filter_plan *fp = NULL;
	char why[512] = "";
	double lm = xdp_only ? 1 : -1;
	int ret = 0;

	if (!c->expr)
		return one_path(x, c, H_NONE, NULL, f, runs, repeat, &lm);
	if (filter_plan_new(c->expr, &fp, why, sizeof(why)) ||
	    (!xdp_only && !filter_plan_pcap(fp, why, sizeof(why)))) {
		printf("| %s | | | not possible: %s | | |\n", c->name, why);
		filter_plan_free(fp);
		return 0;
	}
	if (c->paths & P_RULES)
		ret = one_path(x, c, H_RULES, fp, f, runs, repeat, &lm);
	if (!ret && (c->paths & P_BPF) && !xdp_only)
		ret = one_path(x, c, H_BPF, fp, f, runs, repeat, &lm);
	filter_plan_free(fp);
	return ret;
}

int bench_main(int argc, char **argv)
{
	int runs = 5, i, ret = 0;
	const char *only = NULL;
	bool xdp_only = false;
	uint32_t repeat = 200000;
	struct pb *f = malloc(sizeof(*f));
	const unsigned int both = P_RULES | P_BPF;
	struct bcase cases[] = {
		{"no filter", 0, NULL},
		{"tcp port 80", both, "tcp port 80"},
		{"tcp[tcpflags] & tcp-push != 0", P_BPF,
		 "tcp[tcpflags] & tcp-push != 0"},
		{"1 host", both, list("host", 1, 'h')},
		{"16 hosts (or)", both, list("host", 16, 'h')},
		{"50 hosts (or)", both, list("host", 50, 'h')},
		{"1000 hosts (or)", both, list("host", 1000, 'h')},
		{"1000 nets /24 (or)", both, list("net", 1000, 'n')},
		{"16 ports (tcp port A or B ...)", both,
		 list("tcp port", 16, 'p')},
		{"1000 ports (or)", both, list("port", 1000, 'p')},
	};
	unsigned int nc = sizeof(cases) / sizeof(cases[0]);
	struct xrun x;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--xdp-only"))
			xdp_only = true;
		else if (i + 1 == argc)
			return 2;
		else if (!strcmp(argv[i], "--runs"))
			runs = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--repeat"))
			repeat = (uint32_t)atol(argv[++i]);
		else if (!strcmp(argv[i], "--only"))
			only = argv[++i];
		else
			return 2;
	}
	if (runs < 1 || runs > MAX_RUNS || !repeat || !f)
		return 2;
	/* A 74-byte TCP segment 198.18.0.1:40000 -> 198.18.1.2:80, PSH ACK. */
	pb_init(f);
	pb_eth(f, NULL, NULL, ETH_P_IP);
	pb_ipv4(f, &(struct pb_ip4){.proto = IPPROTO_TCP,
				    .src = "\xc6\x12\x00\x01",
				    .dst = "\xc6\x12\x01\x02"});
	pb_tcp(f, &(struct pb_tcp){.sport = 40000, .dport = 80, .flags = 0x18});
	pb_payload(f, NULL, 20);
	pb_finish(f);
	ret = xrun_open(&x);
	if (ret) {
		fprintf(stderr, "loading the classifier: %s\n", strerror(-ret));
		return 1;
	}
	printf("Frame: %u-byte IPv4 TCP segment 198.18.0.1:40000 -> "
	       "198.18.1.2:80 (none of the listed hosts, nets or ports). "
	       "XDP: BPF_PROG_TEST_RUN, repeat %u, the kernel's ns/run (the "
	       "classifier, its counters, the redirect attempt and metadata "
	       "on a match); libpcap: pcap_offline_filter on the same frame, "
	       "%u calls. Medians of %d runs.\n\n",
	       f->len, repeat, repeat, runs);
	printf("| filter | XDP path | frame matches | XDP ns/frame | libpcap "
	       "ns/frame | XDP / libpcap |\n| --- | --- | --- | ---: | ---: "
	       "| ---: |\n");
	fflush(stdout);
	for (i = 0; !ret && i < (int)nc; i++) {
		if (only && !strstr(cases[i].name, only))
			continue;
		ret = one(&x, &cases[i], f, runs, repeat, xdp_only);
		fflush(stdout);
	}
	xrun_close(&x);
	for (i = 3; i < (int)nc; i++)
		free(cases[i].expr);
	free(f);
	return ret ? 1 : 0;
}
