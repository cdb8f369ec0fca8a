// SPDX-License-Identifier: GPL-2.0
/*
 * cbpf_xlate: classic BPF to eBPF for XDP (see cbpf_xlate.h for the
 * semantics).  Two passes: the first emits each classic instruction's
 * eBPF and records where it starts and which jumps still need a target;
 * the second patches those jumps.  The mapping follows the kernel's
 * bpf_convert_filter() where the contexts agree; packet loads differ
 * (a bounds check against data_end, then bpf_xdp_load_bytes() for what
 * lies beyond the linear part).
 *
 * Registers: r6 the context, r7 A, r8 X, r9 a packet offset that must
 * survive a helper call; r0-r5 scratch.  Stack: M[0..15] at fp-64, an
 * 8-byte load buffer at fp-72 and a map key at fp-80.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs_shared.h"
#include "parse/cbpf_xlate.h"

#define R_CTX BPF_REG_6
#define R_A BPF_REG_7
#define R_X BPF_REG_8
#define R_OFF BPF_REG_9
#define MEM_FP(i) (-64 + 4 * (int)(i))
#define BUF_FP (-72)
#define KEY_FP (-80)

/* Helper ids (linux/bpf.h of 6.1 names them; the numbers are ABI). */
#define H_MAP_LOOKUP 1
#define H_KTIME_NS 5
#define H_REDIRECT_MAP 51
#define H_ADJUST_META 54
#define H_GET_BUFF_LEN 188
#define H_LOAD_BYTES 189

#define OFF_DATA offsetof(struct xdp_md, data)
#define OFF_DATA_END offsetof(struct xdp_md, data_end)
#define OFF_DATA_META offsetof(struct xdp_md, data_meta)
#define OFF_RXQ offsetof(struct xdp_md, rx_queue_index)

/* Where a jump still has to go. */
enum target { T_CLASSIC, T_MATCH, T_NOMATCH };

struct fixup {
	size_t at; /* the eBPF jump */
	enum target kind;
	size_t classic; /* T_CLASSIC: the classic index */
};

struct xl {
	struct bpf_insn *v;
	size_t n, cap;
	struct fixup *fix;
	size_t nfix, capfix;
	bool oom;
	char *err;
	size_t errlen;
};

static int fail(struct xl *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct xl *x, const char *fmt, ...)
{
	va_list ap;

	if (x->err && x->errlen) {
		va_start(ap, fmt);
		vsnprintf(x->err, x->errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static size_t ins(struct xl *x, __u8 code, __u8 dst, __u8 src, __s16 off,
		  __s32 imm)
{
	struct bpf_insn *nv;
	size_t cap;

	if (x->oom)
		return 0;
	if (x->n == x->cap) {
		cap = x->cap ? x->cap * 2 : 256;
		nv = realloc(x->v, cap * sizeof(*nv));
		if (!nv) {
			x->oom = true;
			return 0;
		}
		x->v = nv;
		x->cap = cap;
	}
	x->v[x->n] = (struct bpf_insn){.code = code,
				       .dst_reg = dst,
				       .src_reg = src,
				       .off = off,
				       .imm = imm};
	return x->n++;
}

#define MOV64_REG(d, s) ins(x, BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV64_IMM(d, i) ins(x, BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOV32_REG(d, s) ins(x, BPF_ALU | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV32_IMM(d, i) ins(x, BPF_ALU | BPF_MOV | BPF_K, d, 0, 0, i)
#define ALU64_IMM(op, d, i) ins(x, BPF_ALU64 | (op) | BPF_K, d, 0, 0, i)
#define ALU64_REG(op, d, s) ins(x, BPF_ALU64 | (op) | BPF_X, d, s, 0, 0)
#define ALU32_IMM(op, d, i) ins(x, BPF_ALU | (op) | BPF_K, d, 0, 0, i)
#define LDX(sz, d, s, o) ins(x, BPF_LDX | BPF_MEM | (sz), d, s, o, 0)
#define STX(sz, d, s, o) ins(x, BPF_STX | BPF_MEM | (sz), d, s, o, 0)
#define ST_IMM(sz, d, o, i) ins(x, BPF_ST | BPF_MEM | (sz), d, 0, o, i)
#define JMP_IMM(op, d, i) ins(x, BPF_JMP | (op) | BPF_K, d, 0, 0, i)
#define JMP_REG(op, d, s) ins(x, BPF_JMP | (op) | BPF_X, d, s, 0, 0)
#define JMP32_IMM(op, d, i) ins(x, BPF_JMP32 | (op) | BPF_K, d, 0, 0, i)
#define CALL(id) ins(x, BPF_JMP | BPF_CALL, 0, 0, 0, id)
#define EXIT() ins(x, BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* A jump emitted earlier (offset 0) now lands here. */
static void land(struct xl *x, size_t at)
{
	if (!x->oom)
		x->v[at].off = (__s16)(x->n - at - 1);
}

static void add_fixup(struct xl *x, size_t at, enum target kind, size_t c)
{
	struct fixup *nf;
	size_t cap;

	if (x->oom)
		return;
	if (x->nfix == x->capfix) {
		cap = x->capfix ? x->capfix * 2 : 64;
		nf = realloc(x->fix, cap * sizeof(*nf));
		if (!nf) {
			x->oom = true;
			return;
		}
		x->fix = nf;
		x->capfix = cap;
	}
	x->fix[x->nfix++] = (struct fixup){at, kind, c};
}

static void goto_target(struct xl *x, enum target kind, size_t classic)
{
	add_fixup(x, ins(x, BPF_JMP | BPF_JA, 0, 0, 0, 0), kind, classic);
}

static __u8 jmp_inverse(__u8 op)
{
	switch (op) {
	case BPF_JEQ:
		return BPF_JNE;
	case BPF_JNE:
		return BPF_JEQ;
	case BPF_JGT:
		return BPF_JLE;
	case BPF_JLE:
		return BPF_JGT;
	case BPF_JGE:
		return BPF_JLT;
	default:
		return BPF_JGE; /* BPF_JLT */
	}
}

/*
 * if (dst op imm) goto match/nomatch, as "if !cond skip; goto": the far
 * jump can then be a 32-bit gotol when the program is long.
 */
static void goto_if(struct xl *x, __u8 cls, __u8 op, __u8 dst, __s32 imm,
		    enum target kind)
{
	ins(x, cls | jmp_inverse(op) | BPF_K, dst, 0, 1, imm);
	goto_target(x, kind, 0);
}

static int size_bytes(__u16 code)
{
	switch (BPF_SIZE(code)) {
	case BPF_W:
		return 4;
	case BPF_H:
		return 2;
	default:
		return 1;
	}
}

/*
 * dst = the size-byte big-endian value at packet offset k (ind: X + k).
 * Out of bounds: the filter returns no match, as classic BPF does.
 */
static void emit_load(struct xl *x, __u8 dst, __u16 code, __u32 k, bool ind)
{
	int sz = size_bytes(code);
	size_t slow[2], nslow = 0, done;
	bool konst = !ind && k + sz <= 0x7fff;

	if (konst) {
		LDX(BPF_W, BPF_REG_2, R_CTX, OFF_DATA);
		LDX(BPF_W, BPF_REG_3, R_CTX, OFF_DATA_END);
		MOV64_REG(BPF_REG_4, BPF_REG_2);
		ALU64_IMM(BPF_ADD, BPF_REG_4, k + sz);
		slow[nslow++] = JMP_REG(BPF_JGT, BPF_REG_4, BPF_REG_3);
		LDX(BPF_SIZE(code), dst, BPF_REG_2, (__s16)k);
	} else {
		if (ind) {
			/* 64-bit sum: X + k cannot wrap as in 32 bits. */
			MOV32_REG(R_OFF, R_X);
			MOV32_IMM(BPF_REG_2, (__s32)k);
			ALU64_REG(BPF_ADD, R_OFF, BPF_REG_2);
		} else {
			MOV32_IMM(R_OFF, (__s32)k); /* zero-extended */
		}
		/* Bounded, so that the verifier accepts data + off. */
		slow[nslow++] = JMP_IMM(BPF_JGT, R_OFF, 0xffff);
		LDX(BPF_W, BPF_REG_2, R_CTX, OFF_DATA);
		LDX(BPF_W, BPF_REG_3, R_CTX, OFF_DATA_END);
		ALU64_REG(BPF_ADD, BPF_REG_2, R_OFF);
		MOV64_REG(BPF_REG_4, BPF_REG_2);
		ALU64_IMM(BPF_ADD, BPF_REG_4, sz);
		slow[nslow++] = JMP_REG(BPF_JGT, BPF_REG_4, BPF_REG_3);
		LDX(BPF_SIZE(code), dst, BPF_REG_2, 0);
	}
	done = ins(x, BPF_JMP | BPF_JA, 0, 0, 0, 0);
	/* Past the linear part: the frame's fragments, or nothing. */
	while (nslow)
		land(x, slow[--nslow]);
	if (!konst)
		goto_if(x, BPF_JMP, BPF_JGT, R_OFF, INT32_MAX, T_NOMATCH);
	MOV64_REG(BPF_REG_1, R_CTX);
	if (konst)
		MOV64_IMM(BPF_REG_2, (__s32)k);
	else
		MOV64_REG(BPF_REG_2, R_OFF);
	MOV64_REG(BPF_REG_3, BPF_REG_10);
	ALU64_IMM(BPF_ADD, BPF_REG_3, BUF_FP);
	MOV64_IMM(BPF_REG_4, sz);
	CALL(H_LOAD_BYTES);
	goto_if(x, BPF_JMP, BPF_JNE, BPF_REG_0, 0, T_NOMATCH);
	LDX(BPF_SIZE(code), dst, BPF_REG_10, BUF_FP);
	land(x, done);
	if (sz > 1)
		ins(x, BPF_ALU | BPF_END | BPF_TO_BE, dst, 0, 0, sz * 8);
}

static void emit_len(struct xl *x, __u8 dst)
{
	MOV64_REG(BPF_REG_1, R_CTX);
	CALL(H_GET_BUFF_LEN);
	MOV32_REG(dst, BPF_REG_0);
}

static int emit_ld(struct xl *x, const struct sock_filter *f, __u8 dst)
{
	__u16 mode = BPF_MODE(f->code);

	switch (mode) {
	case BPF_IMM:
		MOV32_IMM(dst, (__s32)f->k);
		return 0;
	case BPF_MEM:
		LDX(BPF_W, dst, BPF_REG_10, MEM_FP(f->k));
		return 0;
	case BPF_LEN:
		emit_len(x, dst);
		return 0;
	case BPF_ABS:
	case BPF_IND:
		emit_load(x, dst, f->code, f->k, mode == BPF_IND);
		return 0;
	case BPF_MSH:
		emit_load(x, dst, BPF_B, f->k, false);
		ALU32_IMM(BPF_AND, dst, 0xf);
		ALU32_IMM(BPF_LSH, dst, 2);
		return 0;
	}
	return -EINVAL;
}

static void emit_alu(struct xl *x, const struct sock_filter *f)
{
	__u8 op = BPF_OP(f->code);
	bool isx = BPF_SRC(f->code) == BPF_X;
	size_t skip, done;

	if (op == BPF_NEG) {
		ins(x, BPF_ALU | BPF_NEG, R_A, 0, 0, 0);
		return;
	}
	if (isx && (op == BPF_DIV || op == BPF_MOD))
		goto_if(x, BPF_JMP32, BPF_JEQ, R_X, 0, T_NOMATCH);
	if (isx && (op == BPF_LSH || op == BPF_RSH)) {
		/* libpcap: a shift by 32 or more gives 0. */
		skip = ins(x, BPF_JMP32 | BPF_JLT | BPF_K, R_X, 0, 0, 32);
		MOV32_IMM(R_A, 0);
		done = ins(x, BPF_JMP | BPF_JA, 0, 0, 0, 0);
		land(x, skip);
		ins(x, BPF_ALU | op | BPF_X, R_A, R_X, 0, 0);
		land(x, done);
		return;
	}
	if (!isx && (op == BPF_LSH || op == BPF_RSH) && f->k >= 32) {
		MOV32_IMM(R_A, 0);
		return;
	}
	if (isx)
		ins(x, BPF_ALU | op | BPF_X, R_A, R_X, 0, 0);
	else
		ins(x, BPF_ALU | op | BPF_K, R_A, 0, 0, (__s32)f->k);
}

static void emit_jmp(struct xl *x, const struct sock_filter *f, size_t i)
{
	__u8 op = BPF_OP(f->code), cls = BPF_JMP32;
	bool isx = BPF_SRC(f->code) == BPF_X;
	size_t t = i + 1 + f->jt, e = i + 1 + f->jf, at;

	if (op == BPF_JA) {
		goto_target(x, T_CLASSIC, i + 1 + f->k);
		return;
	}
	if (t == e) {
		goto_target(x, T_CLASSIC, t);
		return;
	}
	if (f->jt == 0 && op != BPF_JSET) {
		op = jmp_inverse(op);
		t = e;
		e = i + 1;
	}
	at = ins(x, cls | op | (isx ? BPF_X : BPF_K), R_A, isx ? R_X : 0, 0,
		 isx ? 0 : (__s32)f->k);
	if (t == i + 1) {
		/* JSET with jt 0: skip the jump to jf. */
		if (!x->oom)
			x->v[at].off = 1;
		goto_target(x, T_CLASSIC, e);
		return;
	}
	add_fixup(x, at, T_CLASSIC, t);
	if (e != i + 1)
		goto_target(x, T_CLASSIC, e);
}

static int emit_one(struct xl *x, const struct sock_filter *f, size_t i)
{
	switch (BPF_CLASS(f->code)) {
	case BPF_LD:
		return emit_ld(x, f, R_A);
	case BPF_LDX:
		return emit_ld(x, f, R_X);
	case BPF_ST:
		STX(BPF_W, BPF_REG_10, R_A, MEM_FP(f->k));
		return 0;
	case BPF_STX:
		STX(BPF_W, BPF_REG_10, R_X, MEM_FP(f->k));
		return 0;
	case BPF_ALU:
		emit_alu(x, f);
		return 0;
	case BPF_JMP:
		emit_jmp(x, f, i);
		return 0;
	case BPF_RET:
		if (BPF_RVAL(f->code) == BPF_A) {
			goto_if(x, BPF_JMP32, BPF_JEQ, R_A, 0, T_NOMATCH);
			goto_target(x, T_MATCH, 0);
		} else {
			goto_target(x, f->k ? T_MATCH : T_NOMATCH, 0);
		}
		return 0;
	case BPF_MISC:
		if (BPF_MISCOP(f->code) == BPF_TAX)
			MOV32_REG(R_X, R_A);
		else
			MOV32_REG(R_A, R_X);
		return 0;
	}
	return -EINVAL;
}

/* The opcodes libpcap emits (and the kernel's classic BPF accepts). */
static bool code_known(__u16 c)
{
	switch (c) {
	case BPF_LD | BPF_W | BPF_ABS:
	case BPF_LD | BPF_H | BPF_ABS:
	case BPF_LD | BPF_B | BPF_ABS:
	case BPF_LD | BPF_W | BPF_IND:
	case BPF_LD | BPF_H | BPF_IND:
	case BPF_LD | BPF_B | BPF_IND:
	case BPF_LD | BPF_W | BPF_LEN:
	case BPF_LD | BPF_IMM:
	case BPF_LD | BPF_MEM:
	case BPF_LDX | BPF_W | BPF_LEN:
	case BPF_LDX | BPF_IMM:
	case BPF_LDX | BPF_MEM:
	case BPF_LDX | BPF_B | BPF_MSH:
	case BPF_ST:
	case BPF_STX:
	case BPF_RET | BPF_K:
	case BPF_RET | BPF_A:
	case BPF_MISC | BPF_TAX:
	case BPF_MISC | BPF_TXA:
	case BPF_ALU | BPF_NEG:
	case BPF_JMP | BPF_JA:
		return true;
	}
	if (BPF_CLASS(c) == BPF_ALU) {
		switch (BPF_OP(c)) {
		case BPF_ADD:
		case BPF_SUB:
		case BPF_MUL:
		case BPF_DIV:
		case BPF_MOD:
		case BPF_AND:
		case BPF_OR:
		case BPF_XOR:
		case BPF_LSH:
		case BPF_RSH:
			return (c & ~(BPF_CLASS(c) | BPF_OP(c) | BPF_X)) == 0;
		}
		return false;
	}
	if (BPF_CLASS(c) == BPF_JMP) {
		switch (BPF_OP(c)) {
		case BPF_JEQ:
		case BPF_JGT:
		case BPF_JGE:
		case BPF_JSET:
			return (c & ~(BPF_CLASS(c) | BPF_OP(c) | BPF_X)) == 0;
		}
	}
	return false;
}

static bool uses_mem(__u16 c)
{
	return c == (BPF_LD | BPF_MEM) || c == (BPF_LDX | BPF_MEM) ||
	       c == BPF_ST || c == BPF_STX;
}

static int check(struct xl *x, const struct sock_filter *p, size_t len)
{
	size_t i;

	if (!len || len > CBPF_MAX_INSNS)
		return fail(x, "classic program of %zu instructions (1..%d)",
			    len, CBPF_MAX_INSNS);
	for (i = 0; i < len; i++) {
		const struct sock_filter *f = &p[i];
		__u8 op = BPF_OP(f->code);

		if (!code_known(f->code))
			return fail(x,
				    "instruction %zu: opcode 0x%04x is not "
				    "supported by the translator",
				    i, f->code);
		if (uses_mem(f->code) && f->k >= BPF_MEMWORDS)
			return fail(x, "instruction %zu: M[%u] out of range", i,
				    f->k);
		if (BPF_CLASS(f->code) == BPF_ALU &&
		    BPF_SRC(f->code) == BPF_K && f->k == 0 &&
		    (op == BPF_DIV || op == BPF_MOD))
			return fail(x, "instruction %zu: division by 0", i);
		if (BPF_CLASS(f->code) != BPF_JMP)
			continue;
		if (op == BPF_JA ? f->k >= len - i - 1
				 : (size_t)f->jt + 1 >= len - i ||
					   (size_t)f->jf + 1 >= len - i)
			return fail(x,
				    "instruction %zu: jump out of the program",
				    i);
	}
	if (BPF_CLASS(p[len - 1].code) != BPF_RET)
		return fail(x, "the program does not end with a return");
	return 0;
}

static bool used(const struct xl *x, enum target kind)
{
	size_t i;

	for (i = 0; i < x->nfix; i++)
		if (x->fix[i].kind == kind)
			return true;
	return false;
}

/* Per-CPU counter id of map fd += 1; key from an immediate or a register. */
static void emit_count(struct xl *x, int fd, int key_reg, __u32 key)
{
	size_t skip;

	if (key_reg >= 0)
		STX(BPF_W, BPF_REG_10, key_reg, KEY_FP);
	else
		ST_IMM(BPF_W, BPF_REG_10, KEY_FP, key);
	ins(x, BPF_LD | BPF_DW | BPF_IMM, BPF_REG_1, BPF_PSEUDO_MAP_FD, 0, fd);
	ins(x, 0, 0, 0, 0, 0);
	MOV64_REG(BPF_REG_2, BPF_REG_10);
	ALU64_IMM(BPF_ADD, BPF_REG_2, KEY_FP);
	CALL(H_MAP_LOOKUP);
	skip = JMP_IMM(BPF_JEQ, BPF_REG_0, 0);
	LDX(BPF_DW, BPF_REG_1, BPF_REG_0, 0);
	ALU64_IMM(BPF_ADD, BPF_REG_1, 1);
	STX(BPF_DW, BPF_REG_0, BPF_REG_1, 0);
	land(x, skip);
}

/* struct fs_meta in front of the frame; skipped when there is no room. */
static void emit_meta(struct xl *x)
{
	size_t j[2];

	CALL(H_KTIME_NS);
	MOV64_REG(R_OFF, BPF_REG_0);
	MOV64_REG(BPF_REG_1, R_CTX);
	MOV64_IMM(BPF_REG_2, -(int)sizeof(struct fs_meta));
	CALL(H_ADJUST_META);
	j[0] = JMP_IMM(BPF_JNE, BPF_REG_0, 0);
	LDX(BPF_W, BPF_REG_2, R_CTX, OFF_DATA_META);
	LDX(BPF_W, BPF_REG_3, R_CTX, OFF_DATA);
	MOV64_REG(BPF_REG_4, BPF_REG_2);
	ALU64_IMM(BPF_ADD, BPF_REG_4, sizeof(struct fs_meta));
	j[1] = JMP_REG(BPF_JGT, BPF_REG_4, BPF_REG_3);
	STX(BPF_DW, BPF_REG_2, R_OFF, offsetof(struct fs_meta, ts_mono_ns));
	ST_IMM(BPF_W, BPF_REG_2, offsetof(struct fs_meta, magic),
	       (__s32)FS_META_MAGIC);
	LDX(BPF_W, BPF_REG_1, R_CTX, OFF_RXQ);
	STX(BPF_W, BPF_REG_2, BPF_REG_1, offsetof(struct fs_meta, rx_queue));
	land(x, j[0]);
	land(x, j[1]);
}

/* The classifier's own epilogue (bpf/classifier.bpf.c, fs_classify). */
static void emit_verdicts(struct xl *x, const struct cbpf_maps *m,
			  size_t *match, size_t *nomatch)
{
	size_t nosock, skipq;

	/* Only what a jump reaches: the verifier refuses dead code. */
	*match = x->n;
	if (!m) {
		if (used(x, T_MATCH)) {
			MOV64_IMM(BPF_REG_0, 1);
			EXIT();
		}
		*nomatch = x->n;
		if (used(x, T_NOMATCH)) {
			MOV64_IMM(BPF_REG_0, 0);
			EXIT();
		}
		return;
	}
	if (!used(x, T_MATCH))
		goto nomatch;
	emit_count(x, m->stats_fd, -1, FS_STAT_MATCHED);
	emit_meta(x);
	ins(x, BPF_LD | BPF_DW | BPF_IMM, BPF_REG_1, BPF_PSEUDO_MAP_FD, 0,
	    m->xsks_fd);
	ins(x, 0, 0, 0, 0, 0);
	LDX(BPF_W, BPF_REG_2, R_CTX, OFF_RXQ);
	MOV64_IMM(BPF_REG_3, XDP_PASS);
	CALL(H_REDIRECT_MAP);
	nosock = JMP_IMM(BPF_JNE, BPF_REG_0, XDP_REDIRECT);
	emit_count(x, m->stats_fd, -1, FS_STAT_REDIRECTED);
	LDX(BPF_W, R_OFF, R_CTX, OFF_RXQ);
	skipq = JMP_IMM(BPF_JGE, R_OFF, FS_MAX_QUEUES);
	emit_count(x, m->qstats_fd, R_OFF, 0);
	land(x, skipq);
	MOV64_IMM(BPF_REG_0, XDP_REDIRECT);
	EXIT();
	land(x, nosock);
	emit_count(x, m->stats_fd, -1, FS_STAT_NOSOCK);
nomatch:
	*nomatch = x->n;
	emit_count(x, m->stats_fd, -1, FS_STAT_PASSED);
	MOV64_IMM(BPF_REG_0, XDP_PASS);
	EXIT();
}

/*
 * Classic instructions no jump reaches: the verifier refuses unreachable
 * eBPF, so they are not emitted (libpcap's optimiser can leave some).
 */
static void mark_reachable(const struct sock_filter *p, size_t len, bool *r)
{
	size_t i;

	r[0] = true;
	for (i = 0; i < len; i++) {
		const struct sock_filter *f = &p[i];

		if (!r[i] || BPF_CLASS(f->code) == BPF_RET)
			continue;
		if (BPF_CLASS(f->code) != BPF_JMP) {
			r[i + 1] = true;
		} else if (BPF_OP(f->code) == BPF_JA) {
			r[i + 1 + f->k] = true;
		} else {
			r[i + 1 + f->jt] = true;
			r[i + 1 + f->jf] = true;
		}
	}
}

static int patch(struct xl *x, const size_t *start, size_t match,
		 size_t nomatch)
{
	size_t i, to;
	long off;

	for (i = 0; i < x->nfix; i++) {
		struct bpf_insn *j = &x->v[x->fix[i].at];

		to = x->fix[i].kind == T_MATCH	   ? match
		     : x->fix[i].kind == T_NOMATCH ? nomatch
						   : start[x->fix[i].classic];
		off = (long)to - (long)x->fix[i].at - 1;
		if (off >= INT16_MIN && off <= INT16_MAX) {
			j->off = (__s16)off;
		} else if (j->code == (BPF_JMP | BPF_JA)) {
			/* gotol: a 32-bit offset in imm (kernel 6.4+). */
			j->code = BPF_JMP32 | BPF_JA;
			j->imm = (__s32)off;
		} else {
			return fail(x, "translated program too long for a "
				       "conditional jump");
		}
	}
	return 0;
}

int cbpf_xlate(const struct sock_filter *prog, size_t len,
	       const struct cbpf_maps *maps, struct cbpf_prog *out, char *err,
	       size_t errlen)
{
	struct xl xs = {.err = err, .errlen = errlen}, *x = &xs;
	bool mem_read[BPF_MEMWORDS] = {0}, *reach;
	size_t *start = NULL, i, match = 0, nomatch = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = check(x, prog, len);
	if (ret)
		return ret;
	start = calloc(len, sizeof(*start));
	reach = calloc(len, sizeof(*reach));
	if (!start || !reach) {
		free(start);
		free(reach);
		return -ENOMEM;
	}
	mark_reachable(prog, len, reach);
	MOV64_REG(R_CTX, BPF_REG_1);
	MOV32_IMM(R_A, 0);
	MOV32_IMM(R_X, 0);
	for (i = 0; i < len; i++)
		if (prog[i].code == (BPF_LD | BPF_MEM) ||
		    prog[i].code == (BPF_LDX | BPF_MEM))
			mem_read[prog[i].k] = true;
	/* libpcap's compiler writes M[] before reading it; zero anyway. */
	for (i = 0; i < BPF_MEMWORDS; i++)
		if (mem_read[i])
			ST_IMM(BPF_W, BPF_REG_10, MEM_FP(i), 0);
	for (i = 0; i < len && !ret; i++) {
		start[i] = x->n;
		if (reach[i])
			ret = emit_one(x, &prog[i], i);
	}
	if (!ret)
		emit_verdicts(x, maps, &match, &nomatch);
	if (!ret && !x->oom)
		ret = patch(x, start, match, nomatch);
	free(start);
	free(reach);
	free(x->fix);
	if (!ret && x->oom)
		ret = -ENOMEM;
	if (ret) {
		free(x->v);
		return ret;
	}
	out->insns = x->v;
	out->len = x->n;
	return 0;
}

void cbpf_prog_free(struct cbpf_prog *p)
{
	if (!p)
		return;
	free(p->insns);
	p->insns = NULL;
	p->len = 0;
}
