// SPDX-License-Identifier: GPL-2.0
/*
 * diff: the differential test.  Every expression of exprs.c on every
 * frame of the given captures (and of the synthetic one), decided by
 * libpcap (pcap_offline_filter, what tcpdump -r runs), by `flowsplice
 * read -w` (its output must hold exactly libpcap's frames, in order), by
 * `tcpdump -r -w` (every Nth expression), and by the classifier under
 * BPF_PROG_TEST_RUN on the path flowsplice picks; where the rule-set
 * path is picked, the translated path runs too, and where an expression
 * was kept off the rule-set path, how often the rule set would have been
 * wrong is counted (that is why it was kept off).  XDP sees whole frames:
 * a record cut by the snapshot length is compared with libpcap's decision
 * on a frame of its captured length.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "filtertest.h"
#include "parse/filter.h"
#include "parse/filter_plan.h"
#include "parse/pcap_expr.h"

struct counts {
	unsigned long exprs, rejected, rules_path, bpf_path, trapped;
	unsigned long with_sets; /* rules path, lists as set predicates */
	unsigned long trapped_wrong; /* rule set disagreeing when trapped */
	unsigned long lib, fsread, tcpdump, xdp, xdp_other, short_frames;
	unsigned long bad;
};

static int run_quiet(char *const argv[])
{
	int st, fd;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (!pid) {
		fd = open("/dev/null", O_WRONLY);
		dup2(fd, 1);
		dup2(fd, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* out holds exactly the frames of ff that want[] marks, in order. */
static long same_frames(const char *out, const struct frame_file *ff,
			const unsigned char *want, char *why, size_t whylen)
{
	struct frame_file got;
	size_t i, j = 0;
	long n = 0;

	if (frames_load(out, &got, why, whylen))
		return -1;
	for (i = 0; i < ff->n; i++) {
		const struct frame *a = &ff->f[i], *b = &got.f[j];

		if (!want[i])
			continue;
		n++;
		if (j == got.n || a->caplen != b->caplen ||
		    a->wirelen != b->wirelen ||
		    a->ts_ns / 1000 != b->ts_ns / 1000 ||
		    memcmp(a->data, b->data, a->caplen)) {
			snprintf(why, whylen, "frame %zu of the input", i);
			frames_free(&got);
			return -1;
		}
		j++;
	}
	if (j != got.n) {
		snprintf(why, whylen, "%zu frames more than libpcap",
			 got.n - j);
		n = -1;
	}
	frames_free(&got);
	return n;
}

/*
 * XDP on every frame of ff against libpcap on its captured bytes: the
 * frames that differ (c NULL: counted only in the result, not printed).
 */
static long xdp_agree(struct xrun *x, struct pcap_expr *px,
		      const struct frame_file *ff, struct counts *c,
		      const char *expr, const char *what)
{
	char err[256];
	long bad = 0;
	size_t i;
	int want, got;

	for (i = 0; i < ff->n; i++) {
		const struct frame *f = &ff->f[i];

		if (f->caplen < 14) {
			if (c)
				c->short_frames++;
			continue;
		}
		want = pcap_expr_match(px, 1, f->data, f->caplen, f->caplen,
				       err, sizeof(err));
		got = xrun_frame(x, f->data, f->caplen);
		if (got != want) {
			if (!bad && c)
				fprintf(stderr,
					"DIFF %s '%s': %s frame %zu: "
					"libpcap %d, XDP %d\n",
					what, expr, ff->path, i, want, got);
			bad++;
		}
	}
	return bad;
}

static int one_expr(struct xrun *x, const char *expr, struct frame_file *ff,
		    size_t nf, bool tcpdump, const char *tmp, struct counts *c)
{
	char out[512], why[256], err[512];
	const char *bin = getenv("FS_BIN");
	struct filter_rules *rs = NULL;
	struct pcap_expr *px;
	struct filter_plan *fp;
	unsigned char *want;
	size_t i, j, maxn = 0;
	long n;
	int ret, m;

	c->exprs++;
	ret = filter_plan_new(expr, &fp, err, sizeof(err));
	if (ret == -EINVAL) {
		/* flowsplice must refuse it too, with exit status 2. */
		char *argv[] = {(char *)bin, "read", "-r",	   ff[0].path,
				"-w",	     out,    (char *)expr, NULL};

		snprintf(out, sizeof(out), "%s/rej.pcap", tmp);
		c->rejected++;
		if (run_quiet(argv) != 2) {
			fprintf(stderr,
				"DIFF '%s': libpcap refuses it (%s), "
				"flowsplice read does not exit 2\n",
				expr, err);
			c->bad++;
		}
		return 0;
	}
	if (ret)
		return ret;
	/* The reference: libpcap's program for the whole expression. */
	px = filter_plan_pcap(fp, err, sizeof(err));
	if (!px) {
		fprintf(stderr, "DIFF '%s': libpcap: %s\n", expr, err);
		c->bad++;
		filter_plan_free(fp);
		return 0;
	}
	if (fp->path == FILTER_PATH_RULES) {
		c->rules_path++;
		c->with_sets += fp->rules.nsets > 0;
		ret = xrun_set_rules(x, &fp->rules);
	} else {
		c->bpf_path++;
		ret = xrun_set_bpf(x, fp, why, sizeof(why));
		if (ret)
			fprintf(stderr, "DIFF '%s': translation: %s\n", expr,
				why);
	}
	if (ret) {
		c->bad++;
		filter_plan_free(fp);
		return 0;
	}
	for (i = 0; i < nf; i++)
		maxn = ff[i].n > maxn ? ff[i].n : maxn;
	want = calloc(maxn + 1, 1);
	if (!want) {
		filter_plan_free(fp);
		return -ENOMEM;
	}
	for (i = 0; i < nf; i++) {
		char *rd[] = {(char *)bin, "read", "-r",	 ff[i].path,
			      "-w",	   out,	   (char *)expr, NULL};
		char *td[] = {"tcpdump", "-r",	       ff[i].path, "-w",
			      out,	 (char *)expr, NULL};

		for (j = 0; j < ff[i].n; j++) {
			m = pcap_expr_match(
				px, 1, ff[i].f[j].data, ff[i].f[j].caplen,
				ff[i].f[j].wirelen, err, sizeof(err));
			want[j] = m == 1;
		}
		c->lib += ff[i].n;
		snprintf(out, sizeof(out), "%s/out.pcap", tmp);
		ret = run_quiet(rd);
		n = ret ? -1 : same_frames(out, &ff[i], want, why, sizeof(why));
		if (n < 0) {
			fprintf(stderr,
				"DIFF '%s': flowsplice read on %s: %s\n", expr,
				ff[i].path, ret ? "failed" : why);
			c->bad++;
		}
		c->fsread += ff[i].n;
		if (tcpdump) {
			n = run_quiet(td) ? -1
					  : same_frames(out, &ff[i], want, why,
							sizeof(why));
			if (n < 0) {
				fprintf(stderr,
					"DIFF '%s': tcpdump -r %s: %s\n", expr,
					ff[i].path, why);
				c->bad++;
			}
			c->tcpdump += ff[i].n;
		}
		c->bad += xdp_agree(x, px, &ff[i], c, expr,
				    filter_path_name(fp->path));
		c->xdp += ff[i].n;
	}
	/* The other path: checked where picked, counted where kept off. */
	if (fp->path == FILTER_PATH_RULES) {
		ret = xrun_set_bpf(x, fp, why, sizeof(why));
		for (i = 0; !ret && i < nf; i++) {
			c->bad += xdp_agree(x, px, &ff[i], c, expr,
					    "bpf (not picked)");
			c->xdp_other += ff[i].n;
		}
		if (ret)
			c->bad++;
	} else if ((rs = malloc(sizeof(*rs))) &&
		   !filter_parse(expr, rs, why, sizeof(why))) {
		unsigned long before = 0;

		c->trapped++;
		ret = xrun_set_rules(x, rs);
		for (i = 0; !ret && i < nf; i++)
			before += xdp_agree(x, px, &ff[i], NULL, expr, "");
		if (before)
			printf("kept off the rules path (the rule set decides "
			       "%lu frames differently): %s\n",
			       before, expr);
		c->trapped_wrong += before != 0;
	}
	if (rs)
		filter_rules_free(rs);
	free(rs);
	free(want);
	filter_plan_free(fp);
	return 0;
}

int diff_main(int argc, char **argv)
{
	struct frame_file *ff = calloc(argc + 1, sizeof(*ff));
	char tmp[] = "/tmp/fs-filterdiff-XXXXXX", synth[600], err[512];
	int every = 1, tcpdump_every = 4, i, nf = 0, ret = 0, k = 0;
	struct counts c = {0};
	struct xrun x;
	char *buf = NULL, *line, *save;
	size_t blen = 0;
	FILE *mem;

	if (!ff || !mkdtemp(tmp))
		return 1;
	for (i = 0; i < argc && argv[i][0] == '-'; i += 2) {
		if (i + 1 >= argc)
			return 2;
		if (!strcmp(argv[i], "--every"))
			every = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--tcpdump-every"))
			tcpdump_every = atoi(argv[i + 1]);
		else
			return 2;
	}
	snprintf(synth, sizeof(synth), "%s/synthetic.pcap", tmp);
	if (synth_write(synth) ||
	    frames_load(synth, &ff[nf++], err, sizeof(err))) {
		fprintf(stderr, "synthetic capture: %s\n", err);
		return 1;
	}
	for (; i < argc; i++) {
		if (frames_load(argv[i], &ff[nf], err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		nf++;
	}
	mem = open_memstream(&buf, &blen);
	if (!mem || exprs_write(mem, ff, nf) || fclose(mem))
		return 1;
	ret = xrun_open(&x);
	if (ret) {
		fprintf(stderr, "loading the classifier: %s\n", strerror(-ret));
		return 1;
	}
	for (line = strtok_r(buf, "\n", &save); line && !ret;
	     line = strtok_r(NULL, "\n", &save), k++) {
		if (k % every)
			continue;
		ret = one_expr(&x, line, ff, nf,
			       tcpdump_every > 0 &&
				       (k / every) % tcpdump_every == 0,
			       tmp, &c);
	}
	xrun_close(&x);
	printf("expressions %lu: rules path %lu (with lists as sets %lu), "
	       "translated %lu, refused by libpcap %lu (flowsplice refused "
	       "them too, exit 2)\n",
	       c.exprs, c.rules_path, c.with_sets, c.bpf_path, c.rejected);
	printf("captures %d; frame decisions compared: libpcap %lu, "
	       "flowsplice read %lu, tcpdump -r %lu, XDP (picked path) %lu, "
	       "XDP (other path) %lu; frames under 14 bytes skipped in XDP "
	       "%lu\n",
	       nf, c.lib, c.fsread, c.tcpdump, c.xdp, c.xdp_other,
	       c.short_frames);
	printf("kept off the rules path although filter_parse takes them: "
	       "%lu, of which the rule set would decide some frame "
	       "differently: %lu\n",
	       c.trapped, c.trapped_wrong);
	printf("disagreements: %lu\n", c.bad);
	for (i = 0; i < nf; i++)
		frames_free(&ff[i]);
	free(ff);
	free(buf);
	unlink(synth);
	snprintf(synth, sizeof(synth), "%s/out.pcap", tmp);
	unlink(synth);
	snprintf(synth, sizeof(synth), "%s/rej.pcap", tmp);
	unlink(synth);
	rmdir(tmp);
	return ret || c.bad ? 1 : 0;
}
