// SPDX-License-Identifier: GPL-2.0
/*
 * xfergen: tcpxfer's stream content (see xfergen.h for its definition).
 * The tests pin it to known words (tests/unit/test_xfergen.c), so the
 * sender and the checker cannot drift from the definition together.
 */
#include <string.h>

#include "xfergen.h"

static uint64_t splitmix64(uint64_t z)
{
	z ^= z >> 30;
	z *= 0xbf58476d1ce4e5b9ULL;
	z ^= z >> 27;
	z *= 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* a odd: a * inv64(a) == 1 mod 2^64 (Newton's iteration). */
static uint64_t inv64(uint64_t a)
{
	uint64_t x = a;
	int i;

	for (i = 0; i < 6; i++)
		x *= 2 - a * x;
	return x;
}

static uint64_t unsplitmix64(uint64_t z)
{
	z ^= z >> 31 ^ z >> 62;
	z *= inv64(0x94d049bb133111ebULL);
	z ^= z >> 27 ^ z >> 54;
	z *= inv64(0xbf58476d1ce4e5b9ULL);
	return z ^ z >> 30 ^ z >> 60;
}

uint64_t xfergen_word(uint64_t seed, uint64_t k)
{
	return splitmix64(seed + (k + 1) * XFERGEN_GOLDEN);
}

uint64_t xfergen_word_index(uint64_t seed, uint64_t w)
{
	return (unsplitmix64(w) - seed) * inv64(XFERGEN_GOLDEN) - 1;
}

void xfergen_body(uint64_t seed, uint64_t off, uint8_t *buf, size_t len)
{
	uint64_t k = off / 8, w;
	unsigned int b = off % 8;
	size_t i = 0;

	while (i < len) {
		w = xfergen_word(seed, k);
		for (; b < 8 && i < len; b++)
			buf[i++] = w >> (8 * b);
		b = 0;
		k++;
	}
}

static void put_be(uint8_t *p, uint64_t v, int n)
{
	while (n--) {
		p[n] = v & 0xff;
		v >>= 8;
	}
}

uint64_t xfergen_get_be(const uint8_t *p, int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | *p++;
	return v;
}

void xfergen_hdr(uint8_t h[XFERGEN_HDR_LEN], uint32_t id, uint64_t req,
		 uint64_t resp, uint64_t seed)
{
	memcpy(h, XFERGEN_MAGIC, 4);
	put_be(h + 4, id, 4);
	put_be(h + 8, req, 8);
	put_be(h + 16, resp, 8);
	put_be(h + 24, seed, 8);
}

void xfergen_stream(uint32_t id, enum xfergen_dir dir, uint64_t req,
		    uint64_t resp, uint64_t seed, uint64_t off, uint8_t *buf,
		    size_t len)
{
	uint8_t hdr[XFERGEN_HDR_LEN];
	size_t h = 0;

	if (dir == XFERGEN_C2S) {
		if (off < XFERGEN_HDR_LEN) {
			xfergen_hdr(hdr, id, req, resp, seed);
			h = XFERGEN_HDR_LEN - off < len ? XFERGEN_HDR_LEN - off
							: len;
			memcpy(buf, hdr + off, h);
		}
		off = off + h - XFERGEN_HDR_LEN;
	}
	if (len > h)
		xfergen_body(xfergen_seed(seed, id, dir), off, buf + h,
			     len - h);
}
