// SPDX-License-Identifier: GPL-2.0
/*
 * xfergen: tcpxfer's stream content is the definition in xfergen.h to
 * the byte (known words of splitmix64), any range of it can be made on
 * its own, and a word names its own offset.
 */
#include <stdint.h>
#include <string.h>

#include "testlib.h"
#include "xfergen.h"

static void test_known_words(void)
{
	static const uint8_t body[16] = {
		0xc1, 0x5c, 0x02, 0x89, 0xec, 0x2d, 0x0a, 0x91,
		0x67, 0xec, 0x8e, 0x65, 0xa1, 0x8d, 0xeb, 0xbe,
	};
	uint8_t got[16];

	CHECK(xfergen_word(1, 0) == 0x910a2dec89025cc1ULL);
	CHECK(xfergen_word(1, 1) == 0xbeeb8da1658eec67ULL);
	CHECK(xfergen_word(11, 5) == 0x8d4bc9e17ab0580eULL);
	CHECK(xfergen_word(UINT64_MAX, 1000) == 0xb758f7144a7e200aULL);
	/* Words are little endian in the stream. */
	xfergen_body(1, 0, got, sizeof(got));
	CHECK(!memcmp(got, body, sizeof(body)));
}

/* Connection 2 of seed 7, 3 request and 5 response bytes. */
static void test_header(void)
{
	static const uint8_t want[XFERGEN_HDR_LEN + 3] = {
		'F', 'S', 'X', '1', 0, 0, 0, 2, 0,    0,    0,	  0,
		0,   0,	  0,   3,   0, 0, 0, 0, 0,    0,    0,	  5,
		0,   0,	  0,   0,   0, 0, 0, 7, 0x9d, 0x30, 0x80,
	};
	uint8_t got[sizeof(want)];

	xfergen_stream(2, XFERGEN_C2S, 3, 5, 7, 0, got, sizeof(got));
	CHECK(!memcmp(got, want, sizeof(want)));
	CHECK_EQ(xfergen_get_be(got + 8, 8), 3);
	CHECK_EQ(xfergen_stream_len(XFERGEN_C2S, 3, 5), XFERGEN_HDR_LEN + 3);
	CHECK_EQ(xfergen_stream_len(XFERGEN_S2C, 3, 5), 5);
	CHECK_EQ(xfergen_seed(7, 2, XFERGEN_S2C), 7 + 2 * 2 + 1);
}

/* Every range, from any offset, is the same bytes as the whole. */
static void test_ranges(void)
{
	uint8_t whole[300], part[300];
	unsigned int off, len, bad = 0;

	for (int d = XFERGEN_C2S; d <= XFERGEN_S2C; d++) {
		xfergen_stream(9, d, 250, 300, 42, 0, whole, sizeof(whole));
		for (off = 0; off < 100; off++) {
			for (len = 0; off + len <= 200; len += 7) {
				xfergen_stream(9, d, 250, 300, 42, off, part,
					       len);
				bad += !!memcmp(part, whole + off, len);
			}
		}
	}
	CHECK_EQ(bad, 0);
}

static void test_word_index(void)
{
	static const uint64_t ks[] = {0, 1, 2, 1000, 1ULL << 40};
	uint64_t seed = xfergen_seed(5, 3, XFERGEN_S2C);
	size_t i;

	for (i = 0; i < T_ARRAY_SIZE(ks); i++)
		CHECK(xfergen_word_index(seed, xfergen_word(seed, ks[i])) ==
		      ks[i]);
	/* Another stream's word is not at a small offset of this one. */
	CHECK(xfergen_word_index(seed + 1, xfergen_word(seed, 3)) > 1ULL << 40);
}

static const struct t_case cases[] = {
	T_CASE(test_known_words),
	T_CASE(test_header),
	T_CASE(test_ranges),
	T_CASE(test_word_index),
};

T_MAIN(cases)
