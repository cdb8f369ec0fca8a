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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "filtertest.h"
#include "parse/filter_plan.h"
#include "parse/pcap_expr.h"
#include "pktbuild.h"

#define MAX_RUNS 15

enum how { H_NONE, H_RULES, H_BPF };

struct bcase {
	const char *name;
	enum how how;
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

/* "host 198.19.0.1 or host 198.19.0.2 or ...": n hosts, none the frame's. */
static char *hosts(int n)
{
	size_t len = (size_t)n * 32 + 1, off = 0;
	char *s = malloc(len);
	int i;

	if (!s)
		abort();
	s[0] = '\0';
	for (i = 0; i < n; i++)
		off += snprintf(s + off, len - off, "%shost 198.19.%d.%d",
				i ? " or " : "", i / 250, 1 + i % 250);
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

static int one(struct xrun *x, const struct bcase *c, const struct pb *f,
	       int runs, uint32_t repeat)
{
	double xv[MAX_RUNS], lv[MAX_RUNS], xm, lm;
	struct filter_plan *fp = NULL;
	char why[512] = "";
	int i, ret = 0, match;

	if (c->expr) {
		ret = filter_plan_new(c->expr, &fp, why, sizeof(why));
		if (ret)
			goto fail;
	}
	if (c->how == H_NONE)
		ret = xrun_set_none(x);
	else if (c->how == H_RULES && fp->path == FILTER_PATH_RULES)
		ret = xrun_set_rules(x, &fp->rules);
	else if (c->how == H_RULES)
		ret = -E2BIG;
	else
		ret = xrun_set_bpf(x, fp, why, sizeof(why));
	if (ret)
		goto fail;
	match = xrun_frame(x, f->b, f->len);
	for (i = 0; i < runs; i++) {
		ret = xrun_bench(x, f->b, f->len, repeat, &xv[i]);
		if (ret)
			goto fail;
		lv[i] = fp ? lib_ns(fp->px, f, repeat) : 0;
	}
	xm = median(xv, runs);
	lm = median(lv, runs);
	if (fp)
		printf("| %s | %s | %s | %.1f | %.1f | %.2f |\n", c->name,
		       c->how == H_RULES ? "rules" : "bpf (translated)",
		       match ? "yes" : "no", xm, lm, xm / lm);
	else
		printf("| %s | none | no | %.1f | | |\n", c->name, xm);
	filter_plan_free(fp);
	return 0;
fail:
	printf("| %s | %s | | not possible: %s | | |\n", c->name,
	       c->how == H_RULES ? "rules" : "bpf",
	       ret == -E2BIG ? "more than the rule set holds (16 terms)"
	       : why[0]	     ? why
			     : strerror(-ret));
	filter_plan_free(fp);
	return 0;
}

int bench_main(int argc, char **argv)
{
	int runs = 5, i, ret;
	uint32_t repeat = 200000;
	struct pb *f = malloc(sizeof(*f));
	char *h16 = hosts(16), *h50 = hosts(50), *h1000 = hosts(1000);
	struct bcase cases[] = {
		{"no filter", H_NONE, NULL},
		{"tcp port 80", H_RULES, "tcp port 80"},
		{"tcp port 80", H_BPF, "tcp port 80"},
		{"tcp[tcpflags] & tcp-push != 0", H_BPF,
		 "tcp[tcpflags] & tcp-push != 0"},
		{"16 hosts (or)", H_RULES, h16},
		{"16 hosts (or)", H_BPF, h16},
		{"50 hosts (or)", H_BPF, h50},
		{"50 hosts (or)", H_RULES, h50},
		{"1000 hosts (or)", H_BPF, h1000},
		{"1000 hosts (or)", H_RULES, h1000},
	};
	struct xrun x;

	for (i = 0; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--runs"))
			runs = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--repeat"))
			repeat = (uint32_t)atol(argv[i + 1]);
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
	printf("Frame: %u-byte IPv4 TCP segment to port 80 (none of the "
	       "hosts). XDP: BPF_PROG_TEST_RUN, repeat %u, the kernel's "
	       "ns/run (the classifier, its counters, the redirect "
	       "attempt and metadata on a match); libpcap: "
	       "pcap_offline_filter on the same frame, %u calls. Medians "
	       "of %d runs.\n\n",
	       f->len, repeat, repeat, runs);
	printf("| filter | XDP path | frame matches | XDP ns/frame | libpcap "
	       "ns/frame | XDP / libpcap |\n| --- | --- | --- | ---: | ---: "
	       "| ---: |\n");
	for (i = 0; i < (int)(sizeof(cases) / sizeof(cases[0])); i++)
		one(&x, &cases[i], f, runs, repeat);
	xrun_close(&x);
	free(h16);
	free(h50);
	free(h1000);
	free(f);
	return 0;
}
