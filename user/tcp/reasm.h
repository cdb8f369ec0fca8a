/* SPDX-License-Identifier: GPL-2.0 */
/*
 * reasm: one direction of a TCP connection, from segments to a byte stream.
 *
 * Stream byte k is the byte at sequence number base + k, where base is the
 * SYN's ISN + 1 or, without a SYN (mid-stream pickup), the lowest sequence
 * number seen in the first midstream_window bytes.  In-order data goes to
 * the sink at once, as a pointer into the caller's buffer: the sink takes
 * its own reference (zero copy).  Out-of-order data is held, by reference
 * up to max_ref_segs segments across all flows of a reasm_ctx (for UMEM
 * frames: the frames a worker may pin), then as a copy in a bounded arena
 * (REASM_HOLD_COPY) or not at all (REASM_HOLD_DROP).
 *
 * Overlaps: the first data received wins.  Bytes received again are
 * counted; when they differ from what was received first the segment is a
 * conflicting overlap, counted and logged at debug level.
 *
 * Gaps: when the stream has to move past bytes it never saw (a hold budget
 * is exceeded, or the direction is finished with held data or a FIN beyond
 * a hole) the hole is recorded as (offset, length) and left as it is: the
 * sink never receives bytes for it, and nothing after it is shifted.  Data
 * for a hole that arrives after it was recorded is dropped and counted.
 *
 * Keep-alives (0 or 1 byte at next - 1) are counted, never compared or
 * written.  Before the start of a direction without SYN is chosen, next
 * is not known: a byte at the peer's ACK - 1 is a keep-alive, and so is a
 * lone byte at the head of the held data when the next held byte follows
 * it and the peer's ACK is past it (the probe, often garbage, that comes
 * first on an idle connection picked up mid-stream).  Data beyond the FIN
 * is dropped.  A zero-window probe carries the next byte of the stream
 * and is taken as such.
 */
#ifndef FS_REASM_H
#define FS_REASM_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/buf.h"

enum reasm_policy {
	REASM_HOLD_COPY = 0, /* past max_ref_segs, hold a copy */
	REASM_HOLD_DROP, /* past max_ref_segs, record the hole as a gap */
};

struct reasm_cfg {
	enum reasm_policy policy;
	uint32_t max_ref_segs; /* segments held by reference, all flows */
	/* Held bytes: payload plus per-segment overhead (reasm_hold_cost). */
	uint64_t ooo_total; /* bytes held (refs and copies), all flows */
	uint64_t ooo_per_flow; /* bytes held by one flow (both directions) */
	uint32_t max_segs_per_dir; /* bounds the sorted list of one direction */
	uint32_t midstream_window; /* bytes held before a direction without SYN
				    * picks its start */
	uint32_t max_gaps_listed; /* gaps kept per direction (all counted) */
	/*
	 * Optional, for buffers that several contexts hold from one pool
	 * (UMEM frames held by several workers): hold_ref(b) says whether
	 * b may be held by reference and counts it if so; hold_unref(b)
	 * uncounts it when its segment leaves the held list.
	 */
	bool (*hold_ref)(struct buf *b);
	void (*hold_unref)(struct buf *b);
};

/* Shared by every flow of one worker: budgets and totals. */
struct reasm_ctx {
	struct reasm_cfg cfg;
	uint64_t held_bytes; /* refs and copies, overhead included */
	uint64_t copy_bytes; /* of which copies */
	uint32_t ref_segs;
	uint64_t budget_skips; /* holes recorded as gaps because of a budget */
	uint64_t copies; /* segments copied into the arena */
	struct reasm_seg *free_segs;
	uint32_t nfree;
};

struct reasm_sink {
	/* In-order bytes at stream offset off; take a ref on b to keep them. */
	void (*data)(void *arg, uint64_t off, const uint8_t *p, uint32_t len,
		     struct buf *b);
	/*
	 * Optional: how many of len bytes at p differ from the bytes emitted
	 * earlier at off, or a negative value when that cannot be known.
	 */
	int64_t (*verify)(void *arg, uint64_t off, const uint8_t *p,
			  uint32_t len);
};

struct reasm_gap {
	uint64_t off;
	uint64_t len;
};

struct reasm_stats {
	uint64_t segs; /* segments with payload */
	uint64_t bytes; /* bytes given to the sink */
	uint64_t overlaps; /* segments overlapping data already received */
	uint64_t overlap_bytes;
	uint64_t conflicts; /* overlaps whose bytes differed */
	uint64_t conflict_bytes;
	uint64_t gaps; /* holes recorded (listed or not) */
	uint64_t gap_bytes;
	uint64_t late_bytes; /* arrived after their hole was recorded */
	uint64_t before_start; /* bytes before stream byte 0 */
	uint64_t after_fin; /* bytes beyond the FIN */
	uint64_t out_of_window; /* segments 2^30 or more away: ignored */
	uint64_t keepalives;
};

enum reasm_state {
	REASM_NEW = 0, /* nothing seen */
	REASM_PENDING, /* data without SYN: start not chosen yet, all held */
	REASM_OPEN, /* start known, data flows to the sink */
	REASM_DONE, /* finished: everything flushed, nothing accepted */
};

struct reasm_seg;

struct reasm {
	struct reasm_ctx *ctx;
	uint64_t *flow_held; /* held by the flow (overhead included) */
	const struct reasm_sink *sink;
	void *sink_arg;
	uint8_t state; /* enum reasm_state */
	bool syn; /* SYN seen: isn valid */
	bool fin; /* FIN seen: fin_seq valid */
	bool rst;
	uint32_t isn;
	uint32_t base; /* sequence number of stream byte 0 (OPEN) */
	uint32_t next; /* next expected sequence number */
	uint64_t next_off;
	uint32_t fin_seq; /* sequence number of the FIN */
	bool peer_acked; /* peer_ack valid */
	uint32_t peer_ack; /* highest ACK the peer sent (keep-alives) */
	struct reasm_seg *held; /* sorted by offset, never overlapping */
	struct reasm_seg *held_last; /* the last of held, or NULL */
	uint32_t nheld;
	uint64_t held_bytes; /* payload only (for midstream_window) */
	struct reasm_gap *gaps; /* sorted, merged; at most max_gaps_listed */
	uint32_t ngaps, gaps_cap;
	bool gaps_truncated;
	uint8_t push_flags; /* TCP flags of the segment being pushed */
	uint64_t unlisted_from; /* offset of the first gap not listed */
	struct reasm_stats st;
};

void reasm_cfg_default(struct reasm_cfg *cfg);
void reasm_ctx_init(struct reasm_ctx *ctx, const struct reasm_cfg *cfg);
/* Frees the cached list nodes; every reasm of ctx must be released. */
void reasm_ctx_fini(struct reasm_ctx *ctx);

void reasm_init(struct reasm *r, struct reasm_ctx *ctx, uint64_t *flow_held,
		const struct reasm_sink *sink, void *sink_arg);

/*
 * What holding len bytes charges to the budgets (ooo_per_flow, ooo_total):
 * the payload plus the list node, plus the copy's header when copied.
 */
uint64_t reasm_hold_cost(uint32_t len, bool copy);

/*
 * One segment of this direction: TCP flags (PKT_TCP_*), sequence number,
 * payload.  b owns the payload bytes; a reference is taken for anything
 * held past the call.  b may be NULL only if the policy may copy.
 */
void reasm_push(struct reasm *r, uint8_t flags, uint32_t seq,
		const uint8_t *data, uint32_t len, struct buf *b);

/*
 * Whether a SYN with this ISN starts the connection this direction carries
 * (the same SYN again, or a SYN that was missed and precedes every byte
 * seen by at most midstream_window bytes), as opposed to a new connection
 * on the same ports.  exact: the missed SYN must sit right before the
 * first byte seen (for a connection that has closed, where a new one is
 * the likelier owner).
 */
bool reasm_syn_fits(const struct reasm *r, uint32_t isn, bool exact);

/* An ACK number sent by the peer of this direction. */
void reasm_peer_ack(struct reasm *r, uint32_t ack);

/* Everything received since the FIN's sequence number was reached. */
bool reasm_fin_reached(const struct reasm *r);

/*
 * End of the direction: pick a start if none, deliver all held data,
 * record the holes before it and before a FIN as gaps, release every
 * reference.  Later pushes are ignored.
 */
void reasm_finish(struct reasm *r);

/* Stream length so far: bytes delivered plus gaps recorded. */
static inline uint64_t reasm_length(const struct reasm *r)
{
	return r->next_off;
}

/* Frees the gap list (after reasm_finish and after it was reported). */
void reasm_release(struct reasm *r);

#endif /* FS_REASM_H */
