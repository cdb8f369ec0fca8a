/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xfergen: the content of tcpxfer's transfers, written once for the
 * sender (tools/tcpxfer.c) and the checker (tools/bench_check.c).
 *
 * Connection id's streams, for a run with seed S:
 *   c2s: a 32-byte header, then body(S + 2 id, req bytes)
 *        header, big endian: "FSX1", u32 id, u64 req, u64 resp, u64 S
 *   s2c: body(S + 2 id + 1, resp bytes), nothing else
 * body(s, n) is the first n bytes of the little-endian 64-bit words
 * w[k] = splitmix64(s + (k + 1) * XFERGEN_GOLDEN), k = 0, 1, ...
 * Every byte is a function of its offset: any range can be made alone,
 * and one word of a body names its seed and offset (xfergen_word_index).
 */
#ifndef FS_XFERGEN_H
#define FS_XFERGEN_H

#include <stddef.h>
#include <stdint.h>

#define XFERGEN_HDR_LEN 32
#define XFERGEN_MAGIC "FSX1"
#define XFERGEN_GOLDEN 0x9e3779b97f4a7c15ULL

enum xfergen_dir { XFERGEN_C2S, XFERGEN_S2C };

/* The body seed of one direction of connection id. */
static inline uint64_t xfergen_seed(uint64_t seed, uint32_t id,
				    enum xfergen_dir dir)
{
	return seed + 2ULL * id + dir;
}

/* Word k of body(seed). */
uint64_t xfergen_word(uint64_t seed, uint64_t k);

/*
 * The k with xfergen_word(seed, k) == w, when w is a word of body(seed);
 * otherwise an arbitrary (usually huge) number.
 */
uint64_t xfergen_word_index(uint64_t seed, uint64_t w);

/* Bytes [off, off + len) of body(seed). */
void xfergen_body(uint64_t seed, uint64_t off, uint8_t *buf, size_t len);

/* The c2s header of connection id. */
void xfergen_hdr(uint8_t h[XFERGEN_HDR_LEN], uint32_t id, uint64_t req,
		 uint64_t resp, uint64_t seed);

/* Reads a big-endian number of n bytes, as the header holds them. */
uint64_t xfergen_get_be(const uint8_t *p, int n);

/* The length of one direction of connection id's stream. */
static inline uint64_t xfergen_stream_len(enum xfergen_dir dir, uint64_t req,
					  uint64_t resp)
{
	return dir == XFERGEN_S2C ? resp : XFERGEN_HDR_LEN + req;
}

/* Bytes [off, off + len) of one direction's whole stream. */
void xfergen_stream(uint32_t id, enum xfergen_dir dir, uint64_t req,
		    uint64_t resp, uint64_t seed, uint64_t off, uint8_t *buf,
		    size_t len);

#endif /* FS_XFERGEN_H */
