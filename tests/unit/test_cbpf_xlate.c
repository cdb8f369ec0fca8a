// SPDX-License-Identifier: GPL-2.0
/*
 * The classic-to-eBPF translator: each opcode class on a frame whose byte
 * i is i (so that every load has a known value), loads past the end,
 * division and shifts by X, jumps, programs the translator must refuse,
 * loads from the fragments of a multi-buffer frame, and a program long
 * enough to need 32-bit jumps.  Each program is loaded (the verifier must
 * accept it) and run with BPF_PROG_TEST_RUN in its verdict-only form:
 * 1 match, 0 no match.
 */
#include <errno.h>
#include <linux/filter.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "live/xdp_filter.h"
#include "parse/cbpf_xlate.h"
#include "parse/pcap_expr.h"
#include "testlib.h"

#define S(c, k) BPF_STMT(c, k)
#define J(c, k, t, f) BPF_JUMP(c, k, t, f)
#define RET1 S(BPF_RET | BPF_K, 262144)
#define RET0 S(BPF_RET | BPF_K, 0)
/* A == v: match, else not. */
#define EXPECT_A(v) J(BPF_JMP | BPF_JEQ | BPF_K, v, 0, 1), RET1, RET0
#define MAX_PROG 40

struct pcase {
	const char *name;
	struct sock_filter p[MAX_PROG];
	uint32_t frame_len; /* 0: 64 */
	int want;
};

static uint8_t frame[16384];

/* Translate, load and run p on the first len bytes; -errno or 0/1. */
static int run_prog(const struct sock_filter *p, size_t n, uint32_t len,
		    char *why, size_t whylen)
{
	int fd, ret;

	fd = xdp_filter_build(p, n, NULL, why, whylen);
	if (fd < 0)
		return fd;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = len,
		    .repeat = 1);
	ret = bpf_prog_test_run_opts(fd, &o) ? -errno : (int)o.retval;
	close(fd);
	return ret;
}

static size_t prog_len(const struct sock_filter *p)
{
	size_t n = MAX_PROG;

	while (n && !p[n - 1].code && !p[n - 1].k && !p[n - 1].jt)
		n--;
	return n;
}

static void run_table(const struct pcase *c, size_t n)
{
	char why[256], msg[400];
	size_t i;
	int got;

	for (i = 0; i < n; i++) {
		why[0] = '\0';
		got = run_prog(c[i].p, prog_len(c[i].p),
			       c[i].frame_len ? c[i].frame_len : 64, why,
			       sizeof(why));
		snprintf(msg, sizeof(msg), "got %d (want %d) %s", got,
			 c[i].want, why);
		t_report(c[i].name, got == c[i].want, msg);
	}
}

static void test_ld_abs(void)
{
	static const struct pcase c[] = {
		{"ld w",
		 {S(BPF_LD | BPF_W | BPF_ABS, 4), EXPECT_A(0x04050607)},
		 0,
		 1},
		{"ld h",
		 {S(BPF_LD | BPF_H | BPF_ABS, 10), EXPECT_A(0x0a0b)},
		 0,
		 1},
		{"ld b", {S(BPF_LD | BPF_B | BPF_ABS, 63), EXPECT_A(63)}, 0, 1},
		{"ld h at the end",
		 {S(BPF_LD | BPF_H | BPF_ABS, 62), EXPECT_A(0x3e3f)},
		 0,
		 1},
		{"ld w past the end: no match",
		 {S(BPF_LD | BPF_W | BPF_ABS, 62), RET1},
		 0,
		 0},
		{"ld b at len: no match",
		 {S(BPF_LD | BPF_B | BPF_ABS, 64), RET1},
		 0,
		 0},
		{"ld at 2^31: no match",
		 {S(BPF_LD | BPF_B | BPF_ABS, 0x80000000u), RET1},
		 0,
		 0},
		{"ld at 40000 (a variable offset): no match",
		 {S(BPF_LD | BPF_B | BPF_ABS, 40000), RET1},
		 0,
		 0},
	};

	run_table(c, T_ARRAY_SIZE(c));
}

static void test_ld_ind(void)
{
	static const struct pcase c[] = {
		{"ld w [x+2]",
		 {S(BPF_LDX | BPF_IMM, 10), S(BPF_LD | BPF_W | BPF_IND, 2),
		  EXPECT_A(0x0c0d0e0f)},
		 0,
		 1},
		{"ld h [x+0]",
		 {S(BPF_LDX | BPF_IMM, 20), S(BPF_LD | BPF_H | BPF_IND, 0),
		  EXPECT_A(0x1415)},
		 0,
		 1},
		{"ld b [x+k] at the end",
		 {S(BPF_LDX | BPF_IMM, 60), S(BPF_LD | BPF_B | BPF_IND, 3),
		  EXPECT_A(63)},
		 0,
		 1},
		{"ld w [x+k] past the end: no match",
		 {S(BPF_LDX | BPF_IMM, 60), S(BPF_LD | BPF_W | BPF_IND, 2),
		  RET1},
		 0,
		 0},
		{"x + k wraps in 32 bits: no match",
		 {S(BPF_LDX | BPF_IMM, 0xffffffffu),
		  S(BPF_LD | BPF_B | BPF_IND, 2), RET1},
		 0,
		 0},
	};

	run_table(c, T_ARRAY_SIZE(c));
}

static void test_ld_len_imm_mem(void)
{
	static const struct pcase c[] = {
		{"ld len",
		 {S(BPF_LD | BPF_W | BPF_LEN, 0), EXPECT_A(64)},
		 0,
		 1},
		{"ldx len, txa",
		 {S(BPF_LDX | BPF_W | BPF_LEN, 0), S(BPF_MISC | BPF_TXA, 0),
		  EXPECT_A(100)},
		 100,
		 1},
		{"ld imm",
		 {S(BPF_LD | BPF_IMM, 0xdeadbeef), EXPECT_A(0xdeadbeef)},
		 0,
		 1},
		{"st, ldx mem, txa",
		 {S(BPF_LD | BPF_IMM, 77), S(BPF_ST, 3), S(BPF_LD | BPF_IMM, 0),
		  S(BPF_LDX | BPF_MEM, 3), S(BPF_MISC | BPF_TXA, 0),
		  EXPECT_A(77)},
		 0,
		 1},
		{"stx, ld mem",
		 {S(BPF_LDX | BPF_IMM, 9), S(BPF_STX, 15),
		  S(BPF_LD | BPF_MEM, 15), EXPECT_A(9)},
		 0,
		 1},
		{"M[] starts at 0",
		 {S(BPF_LD | BPF_IMM, 5), S(BPF_LD | BPF_MEM, 7), EXPECT_A(0)},
		 0,
		 1},
		{"A and X start at 0",
		 {S(BPF_ALU | BPF_ADD | BPF_X, 0), EXPECT_A(0)},
		 0,
		 1},
		{"msh",
		 {S(BPF_LDX | BPF_B | BPF_MSH, 14), S(BPF_MISC | BPF_TXA, 0),
		  EXPECT_A(56)},
		 0,
		 1},
		{"msh past the end: no match",
		 {S(BPF_LDX | BPF_B | BPF_MSH, 64), RET1},
		 0,
		 0},
		{"tax",
		 {S(BPF_LD | BPF_IMM, 3), S(BPF_MISC | BPF_TAX, 0),
		  S(BPF_LD | BPF_IMM, 0), S(BPF_MISC | BPF_TXA, 0),
		  EXPECT_A(3)},
		 0,
		 1},
	};

	run_table(c, T_ARRAY_SIZE(c));
}

#define ALU_K(op, a, k, want)                                              \
	{                                                                  \
#op " K", {S(BPF_LD | BPF_IMM, a),                         \
			   S(BPF_ALU | (op) | BPF_K, k), EXPECT_A(want) }, \
			   0, 1                                            \
	}
#define ALU_X(op, a, x, want)                                               \
	{                                                                   \
#op " X", {S(BPF_LD | BPF_IMM, a), S(BPF_LDX | BPF_IMM, x), \
			   S(BPF_ALU | (op) | BPF_X, 0), EXPECT_A(want) },  \
			   0, 1                                             \
	}

static void test_alu(void)
{
	static const struct pcase c[] = {
		ALU_K(BPF_ADD, 0xfffffff0u, 0x20, 0x10),
		ALU_K(BPF_SUB, 5, 7, 0xfffffffeu),
		ALU_K(BPF_MUL, 0x10000, 0x10001, 0x10000),
		ALU_K(BPF_DIV, 0xfffffff0u, 16, 0x0fffffffu),
		ALU_K(BPF_MOD, 100, 7, 2),
		ALU_K(BPF_AND, 0xff00ff00u, 0x0ff00ff0u, 0x0f000f00u),
		ALU_K(BPF_OR, 0xf0, 0x0f, 0xff),
		ALU_K(BPF_XOR, 0xff, 0x0f, 0xf0),
		ALU_K(BPF_LSH, 1, 31, 0x80000000u),
		ALU_K(BPF_RSH, 0x80000000u, 31, 1),
		ALU_X(BPF_ADD, 1, 2, 3),
		ALU_X(BPF_SUB, 1, 2, 0xffffffffu),
		ALU_X(BPF_MUL, 6, 7, 42),
		ALU_X(BPF_DIV, 0x80000000u, 2, 0x40000000u),
		ALU_X(BPF_MOD, 0xffffffffu, 10, 5),
		ALU_X(BPF_AND, 6, 3, 2),
		ALU_X(BPF_OR, 6, 3, 7),
		ALU_X(BPF_XOR, 6, 3, 5),
		ALU_X(BPF_LSH, 3, 4, 48),
		ALU_X(BPF_RSH, 0xf0000000u, 28, 15),
		{"neg",
		 {S(BPF_LD | BPF_IMM, 1), S(BPF_ALU | BPF_NEG, 0),
		  EXPECT_A(0xffffffffu)},
		 0,
		 1},
		{"lsh X by 32: 0 (as libpcap)",
		 {S(BPF_LD | BPF_IMM, 1), S(BPF_LDX | BPF_IMM, 32),
		  S(BPF_ALU | BPF_LSH | BPF_X, 0), EXPECT_A(0)},
		 0,
		 1},
		{"rsh X by 40: 0",
		 {S(BPF_LD | BPF_IMM, 0xffffffffu), S(BPF_LDX | BPF_IMM, 40),
		  S(BPF_ALU | BPF_RSH | BPF_X, 0), EXPECT_A(0)},
		 0,
		 1},
	};

	run_table(c, T_ARRAY_SIZE(c));
}

static void test_div_zero(void)
{
	static const struct pcase c[] = {
		{"div by X == 0: no match",
		 {S(BPF_LD | BPF_IMM, 5), S(BPF_ALU | BPF_DIV | BPF_X, 0),
		  RET1},
		 0,
		 0},
		{"mod by X == 0: no match",
		 {S(BPF_LD | BPF_IMM, 5), S(BPF_ALU | BPF_MOD | BPF_X, 0),
		  RET1},
		 0,
		 0},
		{"div by X == 1",
		 {S(BPF_LD | BPF_IMM, 5), S(BPF_LDX | BPF_IMM, 1),
		  S(BPF_ALU | BPF_DIV | BPF_X, 0), EXPECT_A(5)},
		 0,
		 1},
	};

	run_table(c, T_ARRAY_SIZE(c));
}

#define JCASE(name, a, code, k, x, want)                                  \
	{                                                                 \
		name,                                                     \
			{S(BPF_LD | BPF_IMM, a), S(BPF_LDX | BPF_IMM, x), \
			 J(BPF_JMP | (code), k, 1, 0), RET0, RET1},       \
			0, want                                           \
	}

static void test_jumps(void)
{
	static const struct pcase c[] = {
		JCASE("jeq K taken", 5, BPF_JEQ | BPF_K, 5, 0, 1),
		JCASE("jeq K not taken", 5, BPF_JEQ | BPF_K, 6, 0, 0),
		JCASE("jgt K unsigned", 0x80000000u, BPF_JGT | BPF_K, 1, 0, 1),
		JCASE("jgt K equal", 7, BPF_JGT | BPF_K, 7, 0, 0),
		JCASE("jge K equal", 7, BPF_JGE | BPF_K, 7, 0, 1),
		JCASE("jge K below", 6, BPF_JGE | BPF_K, 7, 0, 0),
		JCASE("jset K", 6, BPF_JSET | BPF_K, 2, 0, 1),
		JCASE("jset K none", 6, BPF_JSET | BPF_K, 9, 0, 0),
		JCASE("jeq X", 9, BPF_JEQ | BPF_X, 0, 9, 1),
		JCASE("jgt X", 10, BPF_JGT | BPF_X, 0, 9, 1),
		JCASE("jge X", 8, BPF_JGE | BPF_X, 0, 9, 0),
		JCASE("jset X", 8, BPF_JSET | BPF_X, 0, 9, 1),
		{"jeq jt 0 (fall through on true)",
		 {S(BPF_LD | BPF_IMM, 5), J(BPF_JMP | BPF_JEQ | BPF_K, 5, 0, 1),
		  RET1, RET0},
		 0,
		 1},
		{"jset jt 0, false",
		 {S(BPF_LD | BPF_IMM, 4),
		  J(BPF_JMP | BPF_JSET | BPF_K, 3, 0, 1), RET0, RET1},
		 0,
		 1},
		{"ja", {S(BPF_JMP | BPF_JA, 1), RET0, RET1}, 0, 1},
		{"jt == jf",
		 {J(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 1), RET0, RET1},
		 0,
		 1},
		{"ret A 0",
		 {S(BPF_LD | BPF_IMM, 0), S(BPF_RET | BPF_A, 0)},
		 0,
		 0},
		{"ret A 7",
		 {S(BPF_LD | BPF_IMM, 7), S(BPF_RET | BPF_A, 0)},
		 0,
		 1},
	};

	run_table(c, T_ARRAY_SIZE(c));
}

static void test_rejects(void)
{
	static const struct {
		const char *name;
		struct sock_filter p[4];
		size_t n;
	} c[] = {
		{"unknown opcode", {S(0xff, 0), RET1}, 2},
		{"jump past the end",
		 {J(BPF_JMP | BPF_JEQ | BPF_K, 0, 5, 0), RET1},
		 2},
		{"ja past the end", {S(BPF_JMP | BPF_JA, 1), RET1}, 2},
		{"M[16]", {S(BPF_ST, 16), RET1}, 2},
		{"div by constant 0",
		 {S(BPF_ALU | BPF_DIV | BPF_K, 0), RET1},
		 2},
		{"no return at the end", {S(BPF_LD | BPF_IMM, 1)}, 1},
		{"empty", {RET1}, 0},
		{"ancillary load opcode (BPF_LD|BPF_B|BPF_MSH)",
		 {S(BPF_LD | BPF_B | BPF_MSH, 0), RET1},
		 2},
	};
	struct cbpf_prog ep;
	char why[200];
	size_t i;
	int ret;

	for (i = 0; i < T_ARRAY_SIZE(c); i++) {
		why[0] = '\0';
		ret = cbpf_xlate(c[i].p, c[i].n, NULL, &ep, why, sizeof(why));
		t_report(c[i].name, ret == -EINVAL && why[0], "accepted");
		if (!ret)
			cbpf_prog_free(&ep);
	}
}

/* Bytes past the linear part come from the fragments (test_run makes them). */
static void test_multibuf(void)
{
	static const struct pcase c[] = {
		{"len of a 12000-byte frame",
		 {S(BPF_LD | BPF_W | BPF_LEN, 0), EXPECT_A(12000)},
		 12000,
		 1},
		{"ld w at 10000 (in a fragment)",
		 {S(BPF_LD | BPF_W | BPF_ABS, 10000), EXPECT_A(0x10111213)},
		 12000,
		 1},
		{"ld past the end of a multi-buffer frame: no match",
		 {S(BPF_LD | BPF_H | BPF_ABS, 11999), RET1},
		 12000,
		 0},
	};

	char why[256] = "";
	uint32_t off, want;
	int bad = 0, got;

	run_table(c, T_ARRAY_SIZE(c));
	/* Every offset around the end of the linear part (~3.5 KiB here). */
	for (off = 3300; off < 3800; off++) {
		struct sock_filter p[] = {
			S(BPF_LDX | BPF_IMM, off - 7),
			S(BPF_LD | BPF_W | BPF_IND, 7),
			EXPECT_A(0),
		};

		want = (off & 0xff) << 24 | ((off + 1) & 0xff) << 16 |
		       ((off + 2) & 0xff) << 8 | ((off + 3) & 0xff);
		p[2].k = want;
		got = run_prog(p, T_ARRAY_SIZE(p), 12000, why, sizeof(why));
		if (got != 1 && !bad++)
			fprintf(stderr, "ld w [x+k] at %u: %d %s\n", off, got,
				why);
	}
	t_report("ld w [x+k] at 3300..3799 (across the linear end)", !bad,
		 "wrong value");
}

/* 3000 loads: the jumps to the verdicts need 32-bit offsets. */
static void test_long_program(void)
{
	size_t n = 3002, i;
	struct sock_filter *p = calloc(n, sizeof(*p));
	char why[256] = "";
	int got;

	if (!p)
		abort();
	for (i = 0; i < n - 2; i++)
		p[i] = (struct sock_filter)S(BPF_LD | BPF_B | BPF_ABS, i % 64);
	p[n - 2] = (struct sock_filter)J(BPF_JMP | BPF_JEQ | BPF_K,
					 (n - 3) % 64, 0, 0);
	p[n - 1] = (struct sock_filter)RET1;
	got = run_prog(p, n, 64, why, sizeof(why));
	t_report("3000 loads, all in bounds", got == 1, why);
	p[0] = (struct sock_filter)S(BPF_LD | BPF_B | BPF_ABS, 64);
	got = run_prog(p, n, 64, why, sizeof(why));
	t_report("3000 loads, the first out of bounds", got == 0, why);
	free(p);
}

/* libpcap's own program for an expression, translated. */
static void test_libpcap_program(void)
{
	struct pcap_expr *e;
	const struct sock_filter *p;
	char why[256] = "";
	size_t n;
	int got;

	CHECK_EQ(pcap_expr_new("ether[12:2] = 0x0c0d and len >= 64", 1, &e, why,
			       sizeof(why)),
		 0);
	p = pcap_expr_insns(e, &n);
	got = run_prog(p, n, 64, why, sizeof(why));
	t_report("ether[12:2] = 0x0c0d and len >= 64", got == 1, why);
	got = run_prog(p, n, 63, why, sizeof(why));
	t_report("... on 63 bytes", got == 0, why);
	pcap_expr_free(e);
	CHECK(pcap_expr_new("tcp port", 1, &e, why, sizeof(why)) == -EINVAL);
	CHECK(why[0] != '\0');
}

static const struct t_case cases[] = {
	T_CASE(test_ld_abs),	     T_CASE(test_ld_ind),
	T_CASE(test_ld_len_imm_mem), T_CASE(test_alu),
	T_CASE(test_div_zero),	     T_CASE(test_jumps),
	T_CASE(test_rejects),	     T_CASE(test_multibuf),
	T_CASE(test_long_program),   T_CASE(test_libpcap_program),
};

int main(int argc, char **argv)
{
	size_t i;

	for (i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)i;
	return t_run(argc, argv, cases, T_ARRAY_SIZE(cases), NULL);
}
