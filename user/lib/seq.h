/* SPDX-License-Identifier: GPL-2.0 */
/*
 * seq: TCP sequence arithmetic modulo 2^32 (RFC 793/1982 serial numbers).
 * a precedes b when the signed 32-bit difference b - a is positive, so the
 * comparisons hold across the wrap as long as the two numbers are less
 * than 2^31 apart, which a TCP window guarantees.
 */
#ifndef FS_SEQ_H
#define FS_SEQ_H

#include <stdbool.h>
#include <stdint.h>

/* a - b as a signed distance: positive when a is after b. */
static inline int32_t seq_diff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}

static inline bool seq_lt(uint32_t a, uint32_t b)
{
	return seq_diff(a, b) < 0;
}

static inline bool seq_le(uint32_t a, uint32_t b)
{
	return seq_diff(a, b) <= 0;
}

static inline bool seq_gt(uint32_t a, uint32_t b)
{
	return seq_diff(a, b) > 0;
}

static inline bool seq_ge(uint32_t a, uint32_t b)
{
	return seq_diff(a, b) >= 0;
}

static inline uint32_t seq_max(uint32_t a, uint32_t b)
{
	return seq_gt(a, b) ? a : b;
}

static inline uint32_t seq_min(uint32_t a, uint32_t b)
{
	return seq_lt(a, b) ? a : b;
}

/* Whether x lies in [lo, lo + len), len < 2^31. */
static inline bool seq_in(uint32_t x, uint32_t lo, uint32_t len)
{
	return x - lo < len;
}

#endif /* FS_SEQ_H */
