/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cbpf_xlate: classic BPF (what libpcap's compiler emits) to eBPF for XDP.
 *
 * The classic side is struct sock_filter (linux/filter.h; the same layout
 * as libpcap's struct bpf_insn), the eBPF side struct bpf_insn of
 * linux/bpf.h.  The names clash, so libpcap is kept out of this module
 * (see pcap_expr.h).
 *
 * The eBPF program takes an xdp_md context.  Classic semantics are kept:
 * A and X start at 0, M[] (zeroed) lives on the stack, a load past the
 * end of the packet makes the filter return 0 (no match), and so does a
 * division or modulo by X == 0; packet loads are in network byte order.
 * Loads beyond the linear part of a multi-buffer frame go through
 * bpf_xdp_load_bytes() (so the program must be loaded with
 * BPF_F_XDP_HAS_FRAGS, as the classifier is); `len` is
 * bpf_xdp_get_buff_len(), the whole frame.
 *
 * What the program does with the verdict:
 * - maps == NULL: it returns 1 on match and 0 otherwise (tests, benches);
 * - otherwise it does what the classifier does with a matching frame (the
 *   fs_stats counters matched, redirected/nosock and passed, the per-queue
 *   count, struct fs_meta in front of the frame, bpf_redirect_map() into
 *   xsks on the frame's RX queue) and XDP_PASS with "passed" counted on no
 *   match.  The classifier reaches it by tail call after counting seen,
 *   fragment and malformed.
 */
#ifndef FS_CBPF_XLATE_H
#define FS_CBPF_XLATE_H

#include <linux/bpf.h>
#include <linux/filter.h>
#include <stddef.h>

/*
 * Classic programs longer than this are refused.  Above the kernel's 4096
 * for classic BPF: libpcap emits more for long host lists, and the eBPF
 * verifier takes up to a million instructions.
 */
#define CBPF_MAX_INSNS 65536

/* The classifier's maps the verdict epilogue uses (fds in this process). */
struct cbpf_maps {
	int stats_fd; /* fs_stats */
	int qstats_fd; /* fs_qstats */
	int xsks_fd; /* xsks */
};

struct cbpf_prog {
	struct bpf_insn *insns;
	size_t len;
};

/*
 * Translate prog[0..len-1] (checked first: known opcodes, jumps inside the
 * program, M[] indices, no constant division by 0, ends in a return).
 * maps may be NULL (see above).  Returns 0 with out->insns allocated (free
 * with cbpf_prog_free()), or -EINVAL with a one-line message in err naming
 * the instruction, or -ENOMEM.
 */
int cbpf_xlate(const struct sock_filter *prog, size_t len,
	       const struct cbpf_maps *maps, struct cbpf_prog *out, char *err,
	       size_t errlen);

void cbpf_prog_free(struct cbpf_prog *p);

/* One eBPF instruction as text, e.g. "r2 += r9" (for -d). */
void cbpf_ebpf_image(const struct bpf_insn *insn, char *buf, size_t len);

#endif /* FS_CBPF_XLATE_H */
