// SPDX-License-Identifier: GPL-2.0
/*
 * cbpf_image: one eBPF instruction as text, in the verifier log's
 * notation, for `flowsplice filter -d` (the classic side is libpcap's
 * bpf_image()).
 */
#include <stdbool.h>
#include <stdio.h>

#include "parse/cbpf_xlate.h"

static const char *const alu_names[16] = {
	"+=",  "-=", "*=", "/=", "|=",	 "&=",	"<<=", ">>=",
	"neg", "%=", "^=", "=",	 "s>>=", "end", "?",   "?",
};
static const char *const jmp_names[16] = {
	"ja",	"==",	">", ">=", "&",	 "!=",	"s>", "s>=",
	"call", "exit", "<", "<=", "s<", "s<=", "?",  "?",
};
static const char *const size_names[4] = {"u32", "u16", "u8", "u64"};

void cbpf_ebpf_image(const struct bpf_insn *in, char *buf, size_t len)
{
	__u8 cls = BPF_CLASS(in->code), op = BPF_OP(in->code) >> 4;
	bool isx = BPF_SRC(in->code) == BPF_X;
	const char *w = cls == BPF_ALU || cls == BPF_JMP32 ? "w" : "r";
	char src[24];

	if (isx)
		snprintf(src, sizeof(src), "%s%u", w, in->src_reg);
	else
		snprintf(src, sizeof(src), "%d", in->imm);
	switch (cls) {
	case BPF_ALU:
	case BPF_ALU64:
		if (BPF_OP(in->code) == BPF_NEG)
			snprintf(buf, len, "%s%u = -%s%u", w, in->dst_reg, w,
				 in->dst_reg);
		else if (BPF_OP(in->code) == BPF_END)
			snprintf(buf, len, "r%u = be%d r%u", in->dst_reg,
				 in->imm, in->dst_reg);
		else
			snprintf(buf, len, "%s%u %s %s", w, in->dst_reg,
				 alu_names[op], src);
		return;
	case BPF_JMP:
	case BPF_JMP32:
		if (BPF_OP(in->code) == BPF_EXIT)
			snprintf(buf, len, "exit");
		else if (BPF_OP(in->code) == BPF_CALL)
			snprintf(buf, len, "call %d", in->imm);
		else if (BPF_OP(in->code) == BPF_JA)
			snprintf(buf, len, "goto %+d",
				 cls == BPF_JMP32 ? in->imm : in->off);
		else
			snprintf(buf, len, "if %s%u %s %s goto %+d", w,
				 in->dst_reg, jmp_names[op], src, in->off);
		return;
	case BPF_LDX:
		snprintf(buf, len, "r%u = *(%s *)(r%u %+d)", in->dst_reg,
			 size_names[BPF_SIZE(in->code) >> 3], in->src_reg,
			 in->off);
		return;
	case BPF_STX:
		snprintf(buf, len, "*(%s *)(r%u %+d) = r%u",
			 size_names[BPF_SIZE(in->code) >> 3], in->dst_reg,
			 in->off, in->src_reg);
		return;
	case BPF_ST:
		snprintf(buf, len, "*(%s *)(r%u %+d) = %d",
			 size_names[BPF_SIZE(in->code) >> 3], in->dst_reg,
			 in->off, in->imm);
		return;
	case BPF_LD:
		if (in->code == (BPF_LD | BPF_DW | BPF_IMM)) {
			snprintf(buf, len, "r%u = %s %d ll", in->dst_reg,
				 in->src_reg == BPF_PSEUDO_MAP_FD ? "map_fd"
								  : "imm",
				 in->imm);
			return;
		}
		if (!in->code) {
			snprintf(buf, len, "(second half of ll)");
			return;
		}
		break;
	}
	snprintf(buf, len, "opcode 0x%02x", in->code);
}
