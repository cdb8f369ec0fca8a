// SPDX-License-Identifier: GPL-2.0
/*
 * seq: comparisons modulo 2^32, across the wrap and at the 2^31 edge.
 */
#include "lib/seq.h"
#include "testlib.h"

static void test_diff(void)
{
	CHECK_EQ(seq_diff(5, 3), 2);
	CHECK_EQ(seq_diff(3, 5), -2);
	CHECK_EQ(seq_diff(2, 0xfffffffeu), 4);
	CHECK_EQ(seq_diff(0xfffffffeu, 2), -4);
}

static void test_compare(void)
{
	CHECK(seq_lt(0xfffffff0u, 0x10));
	CHECK(!seq_lt(0x10, 0xfffffff0u));
	CHECK(seq_gt(0x10, 0xfffffff0u));
	CHECK(seq_le(7, 7));
	CHECK(seq_ge(7, 7));
	CHECK(!seq_lt(7, 7));
	CHECK(!seq_gt(7, 7));
	CHECK(seq_lt(0, 0x7fffffffu));
	CHECK(seq_gt(0, 0x80000001u)); /* more than 2^31 ahead: behind */
}

static void test_min_max(void)
{
	CHECK_EQ(seq_max(0xffffffffu, 1), 1);
	CHECK_EQ(seq_min(0xffffffffu, 1), 0xffffffffu);
	CHECK_EQ(seq_max(100, 200), 200);
}

static void test_in(void)
{
	CHECK(seq_in(1, 0xfffffffeu, 4));
	CHECK(seq_in(0xfffffffeu, 0xfffffffeu, 4));
	CHECK(!seq_in(2, 0xfffffffeu, 4));
	CHECK(!seq_in(0xfffffffdu, 0xfffffffeu, 4));
}

static const struct t_case cases[] = {
	T_CASE(test_diff),
	T_CASE(test_compare),
	T_CASE(test_min_max),
	T_CASE(test_in),
};

T_MAIN(cases)
