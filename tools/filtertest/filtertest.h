/* SPDX-License-Identifier: GPL-2.0 */
/*
 * filtertest: the classifier under BPF_PROG_TEST_RUN with a filter put
 * into effect the way flowsplice does it (rule set, or libpcap's program
 * translated into fs_progs), for the differential test (diff.c) and the
 * benchmark (bench.c).  Frames for both: the shared captures and the
 * synthetic ones of synth.c.
 */
#ifndef FS_FILTERTEST_H
#define FS_FILTERTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fs_shared.h"
#include "live/xdp_rules.h"
#include "parse/filter_plan.h"

struct classifier;

struct xrun {
	struct classifier *skel;
	int prog_fd; /* fs_classify */
	int progs_fd, rules_fd, ctl_fd;
};

int xrun_open(struct xrun *x);

/* The maps a rule set goes to (for xdp_rules_install()). */
struct xdp_rules_maps xrun_rules_maps(const struct xrun *x);
void xrun_close(struct xrun *x);

/* The rule set r decides (fs_progs emptied). 0 or -errno. */
int xrun_set_rules(struct xrun *x, const struct filter_rules *r);

/* libpcap's program of fp, translated, decides. 0 or -errno (why). */
int xrun_set_bpf(struct xrun *x, struct filter_plan *fp, char *why,
		 size_t whylen);

/* No filter at all: an empty rule set and no program. */
int xrun_set_none(struct xrun *x);

/* The classifier's decision: 1 redirected (matched), 0 passed, -errno. */
int xrun_frame(struct xrun *x, const uint8_t *b, uint32_t len);

/* Nanoseconds per run over repeat runs of one frame; 0 or -errno. */
int xrun_bench(struct xrun *x, const uint8_t *b, uint32_t len, uint32_t repeat,
	       double *ns);

/* A frame, as read from a capture (data owned by the frame set). */
struct frame {
	uint8_t *data;
	uint32_t caplen, wirelen;
	uint64_t ts_ns;
};

struct frame_file {
	char *path;
	struct frame *f;
	size_t n;
};

/* Every record of path (Ethernet only); 0 or -errno with a message. */
int frames_load(const char *path, struct frame_file *ff, char *err,
		size_t errlen);
void frames_free(struct frame_file *ff);

/* Synthetic frames (VLAN stacks, ARP, ICMP, fragments...) into path. */
int synth_write(const char *path);

/* Expressions from the traffic of files (and fixed ones), one a line. */
int exprs_write(FILE *out, const struct frame_file *files, size_t nfiles);

int diff_main(int argc, char **argv);
int bench_main(int argc, char **argv);

#endif /* FS_FILTERTEST_H */
