// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_read: libFuzzer target over the offline pipeline without the disk:
 * pcap_reader (from a memfd) -> pkt_parse -> filter_match -> flow table ->
 * reassembler, into a sink that checks the reassembler's promises: every
 * delivered range lies beyond the previous one of its direction (nothing
 * written twice, nothing moved back), every byte is readable, and every
 * reference taken on a reader chunk is dropped by the end.  Small bounds,
 * so that eviction, timeouts and both hold policies are reached.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "parse/filter.h"
#include "tcp/flow_table.h"
#include "lib/log.h"
#include "parse/pcap_reader.h"
#include "parse/pkt.h"

struct dir_end {
	uint64_t end[2];
};

static volatile uint8_t sink_sum;

static void on_data(void *arg, struct flow *f, int d, uint64_t off,
		    const uint8_t *p, uint32_t len, struct buf *b)
{
	struct dir_end *de = f->user;

	(void)arg;
	if (!de) {
		de = calloc(1, sizeof(*de));
		if (!de)
			abort();
		f->user = de;
	}
	if (off < de->end[d] || !len || (b && !b->refs))
		__builtin_trap();
	de->end[d] = off + len;
	sink_sum ^= p[0] ^ p[len - 1];
}

static void on_end(void *arg, struct flow *f, enum flow_end why)
{
	struct dir_end *de = f->user;
	int d;

	(void)arg;
	(void)why;
	for (d = 0; d < 2; d++) {
		if (de && de->end[d] > reasm_length(&f->dir[d]))
			__builtin_trap();
		if (f->dir[d].held)
			__builtin_trap();
	}
	free(de);
	f->user = NULL;
}

/* A late SYN showed who is who: the directions trade places. */
static void on_swapped(void *arg, struct flow *f)
{
	struct dir_end *de = f->user;
	uint64_t t;

	(void)arg;
	if (!de)
		return;
	t = de->end[0];
	de->end[0] = de->end[1];
	de->end[1] = t;
}

static const struct flow_ops ops = {
	.data = on_data, .swapped = on_swapped, .end = on_end};

static void run(const char *path, int policy)
{
	static struct filter_rules rules;
	static int have_rules;
	struct flow_table_cfg cfg;
	struct pcap_reader *rd;
	struct flow_table *ft;
	struct pcap_rec rec;
	char err[256];
	struct pkt p;

	if (!have_rules) {
		if (filter_parse(FILTER_DEFAULT, &rules, err, sizeof(err)))
			abort();
		have_rules = 1;
	}
	if (pcap_reader_open(path, &rd, err, sizeof(err)))
		return;
	flow_table_cfg_default(&cfg);
	cfg.max_flows = 8;
	cfg.idle_timeout_ns = 2000000000ull;
	cfg.closed_timeout_ns = 500000000ull;
	cfg.reasm.policy = policy;
	cfg.reasm.max_ref_segs = 4;
	cfg.reasm.ooo_total = 16384;
	cfg.reasm.ooo_per_flow = 4096;
	cfg.reasm.max_segs_per_dir = 16;
	cfg.reasm.midstream_window = 2048;
	cfg.reasm.max_gaps_listed = 8;
	if (flow_table_create(&ft, &cfg, &ops, NULL)) {
		pcap_reader_close(rd);
		return;
	}
	while (pcap_reader_next(rd, &rec) > 0) {
		if (pkt_parse(rec.data, rec.caplen, rec.wirelen, rec.linktype,
			      &p) != PKT_OK)
			continue;
		if (filter_match(&rules, &p))
			flow_table_packet(ft, &p, rec.ts_ns, rec.buf);
	}
	flow_table_end_all(ft, FLOW_END_EOF);
	if (flow_table_reasm_ctx(ft)->held_bytes ||
	    flow_table_reasm_ctx(ft)->ref_segs)
		__builtin_trap();
	flow_table_destroy(ft);
	pcap_reader_close(rd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	char path[64];

	if (fd < 0) {
		log_set_level(LOG_LVL_WARN);
		fd = memfd_create("fuzz_read", 0);
		if (fd < 0)
			abort();
	}
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	run(path, size & 1 ? REASM_HOLD_DROP : REASM_HOLD_COPY);
	return 0;
}
