/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcap_merge internals: what the shared file side (pcap_merge.c: the
 * head, the generations, rotation, the end of each file) and a worker's
 * side (pcap_stage.c: regions, their writes, the count of what a failed
 * file lost) share.  Not an API: callers use pcap_merge.h.
 */
#ifndef FS_PCAP_MERGE_INT_H
#define FS_PCAP_MERGE_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "out/pcap_merge.h"

#define MERGE_PAGE 4096u /* O_DIRECT memory, offset and length unit */
#define MERGE_REGION (1u << 20) /* largest region */
/* Files (generations) not ended yet, at most: one current, the rest ending. */
#define MERGE_NGEN 16u
/* The head: the generation's low bits over the offset. */
#define MERGE_OFF_BITS 52
#define MERGE_OFF_MASK ((1ull << MERGE_OFF_BITS) - 1)
#define MERGE_TAG_MASK 0xfffu
/* gen.left starts here: bytes done are taken off, and at the seal the rest. */
#define MERGE_BIAS (1ull << 62)
/* Failed files whose records the stages have yet to count. */
#define MERGE_NFAIL 64u
#define MERGE_NOT_READY UINT32_MAX
#define MERGE_MAX_STAGES 64 /* workers writing one file (queues: 64) */

enum merge_gen_state {
	GEN_OPENING, /* the rotator is opening it */
	GEN_OPEN, /* fd and fd_buf are usable */
	GEN_BROKEN, /* no usable file: its regions fail */
};

/* One file of the series, in slot gen % MERGE_NGEN while it lives. */
struct merge_gen {
	/* Free for the next rotation to take (main sets it at the end). */
	int free;
	/* The generation whose fields below are set (acquire), or NOT_READY. */
	uint32_t ready;
	/* Set by the rotator before ready, constant after. */
	uint32_t gen;
	int64_t interval; /* -G: its interval's start */
	unsigned int seq; /* files before it in its interval (its name) */
	char path[PATH_MAX];
	/* Published with state (release) by the rotator. */
	int state; /* enum merge_gen_state */
	int fd; /* O_DIRECT if direct, else through the page cache */
	int fd_buf; /* through the page cache */
	bool direct;
	uint64_t dev, ino;
	/* -W ring: the file this one's name took over, renamed aside */
	bool retired, retired_told;
	uint32_t retired_gen; /* whose file it was */
	uint64_t retired_bytes, retired_dev, retired_ino;
	char retired_path[PATH_MAX];
	/* Completion: bytes not written yet (see MERGE_BIAS). */
	uint64_t left;
	uint64_t end; /* its length, set at the seal (before left drops) */
	int failed; /* a region of it failed, or its open */
	uint64_t cut; /* the lowest failed region's offset */
	int err; /* the first failure's -errno */
};

struct merge_fail {
	uint32_t gen;
	uint64_t cut;
};

struct pcap_merge {
	/* the head, on a line of its own: every reservation writes it */
	uint64_t head __attribute__((aligned(64)));
	/* generations below this one have ended (main thread) */
	uint32_t finished_upto __attribute__((aligned(64)));
	uint64_t sealed_bytes; /* lengths of files sealed, not ended */
	uint32_t nfails; /* entries ever put in fails (release) */
	struct merge_fail fails[MERGE_NFAIL];
	struct pcap_merge_opts o;
	struct pcap_name name;
	char *base;
	/* each file's header region (aligned layout: padded to a page) */
	uint8_t *hdr;
	uint32_t hdr_len; /* its reserved length */
	uint32_t region_cap; /* a region's length, -C permitting */
	uint32_t nstages;
	struct pcap_stage *stages[MERGE_MAX_STAGES]; /* for close's count */
	bool closed;
	bool buffered_logged; /* "O_DIRECT refused" said */
	int first_err; /* the first failure of a file, for close */
	struct merge_gen gens[MERGE_NGEN];
};

/*
 * Reserve len bytes for a region whose first record is of -G interval iv:
 * its file (*gen) and offset.  May rotate (see pcap_merge.h).  0, or the
 * -errno of the current file's failure (nothing reserved).
 */
int merge_reserve(struct pcap_merge *m, uint64_t len, int64_t iv, uint32_t *gen,
		  uint64_t *off);
/* Generation gen's slot if it is set up (ready), else NULL. */
struct merge_gen *merge_gen_of(struct pcap_merge *m, uint32_t gen);
/* The current generation (the head's), and its slot if ready. */
struct merge_gen *merge_current(struct pcap_merge *m, uint32_t *gen);
/* A region of gen at off failed (err); then, failed or not, it is done. */
void merge_region_failed(struct pcap_merge *m, uint32_t gen, uint64_t off,
			 int err);
void merge_region_done(struct pcap_merge *m, uint32_t gen, uint64_t len);
/*
 * The aligned layout: a padding block from len to the next page (one
 * more if the gap is under a block's 12 bytes); returns the new length.
 * buf has room for len + MERGE_PAGE + PCAPNG_PAD_MIN bytes.
 */
uint32_t merge_pad(uint8_t *buf, uint32_t len);
/* pcap_stage.c, for pcap_merge_close: count what failed files lost. */
void merge_stage_account(struct pcap_stage *s);

#endif /* FS_PCAP_MERGE_INT_H */
