/* SPDX-License-Identifier: GPL-2.0 */
/*
 * flow_opts: the settings `capture` and `read` share (flow table,
 * reassembly budgets, open stream files), each with one name, one type,
 * one range, one default and one help text, here.  A command puts the
 * list in its option table; cli_parse() stores the defaults and --help
 * prints them from these entries.
 */
#ifndef FS_FLOW_OPTS_H
#define FS_FLOW_OPTS_H

#include "lib/cli.h"
#include "tcp/reasm.h"
#include "tcp/streams.h"

/*
 * The shared entries of an option table, in one list: o is the command's
 * options (fields max_flows, idle_timeout, ooo_per_flow, ooo_total,
 * hold_policy, max_open, write_once, stream_io), scope what one bound covers (" per worker"
 * for capture; "" for read, where one set covers the run).
 */
#define FLOW_OPTS(o, scope)                                                    \
	CLI_OPT_RANGE_DEF("max-flows", 0, CLI_UINT, &(o)->max_flows, "N",      \
			  "flows tracked at once" scope "; past it the least " \
			  "recently seen is ended as evicted",                 \
			  1, 1u << 24, 65536),                                 \
		CLI_OPT_RANGE_DEF("idle-timeout", 0, CLI_UINT,                 \
				  &(o)->idle_timeout, "SECS",                  \
				  "end a flow idle this long, in packet time", \
				  1, 0, 300),                                  \
		CLI_OPT_DEF("ooo-per-flow", 0, CLI_SIZE, &(o)->ooo_per_flow,   \
			    "BYTES",                                           \
			    "out-of-order bytes held by one flow, "            \
			    "per-segment overhead included; past it the hole " \
			    "becomes a gap",                                   \
			    8ull << 20),                                       \
		CLI_OPT_DEF("ooo-total", 0, CLI_SIZE, &(o)->ooo_total,         \
			    "BYTES",                                           \
			    "out-of-order bytes held by all flows" scope       \
			    ", per-segment overhead included",                 \
			    256ull << 20),                                     \
		CLI_OPT_ENUM_DEF("hold-policy", 0, &(o)->hold_policy,          \
				 "POLICY",                                     \
				 "past the budget of held input buffers "      \
				 "(capture: --hold-frames): copy the "         \
				 "out-of-order data into a bounded arena, or " \
				 "drop it and record a gap",                   \
				 FLOW_OPTS_HOLD_POLICIES, REASM_HOLD_COPY),    \
		CLI_OPT_RANGE_DEF("max-open-files", 0, CLI_UINT,               \
				  &(o)->max_open, "N",                         \
				  "stream files open at once" scope            \
				  " (closes in flight included), capped by "   \
				  "the file descriptor limit",                 \
				  1, 1u << 20, 4096),                          \
		CLI_OPT_RANGE_DEF("write-once", 0, CLI_SIZE, &(o)->write_once, \
				  "SIZE",                                      \
				  "a stream direction that ends within SIZE "  \
				  "bytes is held in memory and written when "  \
				  "it ends, in one open-write-close; 0: "      \
				  "every direction streams",                   \
				  0, 16u << 20, STREAMS_WRITE_ONCE_DEFAULT),   \
		CLI_OPT_ENUM_DEF(                                              \
			"stream-io", 0, &(o)->stream_io, "MODE",               \
			"stream file writes: O_DIRECT, copied into "           \
			"aligned blocks (4 KiB per slow flow, up to "          \
			"1 MiB per fast one; buffered where the file "         \
			"system refuses O_DIRECT), or through the "            \
			"page cache, straight from the packet buffers",        \
			FLOW_OPTS_STREAM_IOS, FLOW_STREAM_IO_DIRECT)

/* --stream-io, in the order of FLOW_OPTS_STREAM_IOS. */
enum { FLOW_STREAM_IO_DIRECT, FLOW_STREAM_IO_BUFFERED };
#define FLOW_OPTS_STREAM_IOS ((const char *const[]){"direct", "buffered", NULL})

/*
 * Whether stream files under dir (made already) are written direct:
 * stream_io asks for it and the kernel and dir's file system take it
 * (writer_sparse_probe); else buffered, and the reason is logged once.
 */
bool flow_opts_stream_direct(int stream_io, const char *dir);

/* In the order of enum reasm_hold_policy. */
#define FLOW_OPTS_HOLD_POLICIES ((const char *const[]){"copy", "drop", NULL})

/*
 * users sets of at most *max_open stream files each (a worker's, or the
 * one of `read`) and what is open now must fit under RLIMIT_NOFILE: raise
 * the soft limit as far as the hard one allows, else lower *max_open, and
 * say so.
 */
void flow_opts_fit_open_files(unsigned int *max_open, unsigned int users);

#endif /* FS_FLOW_OPTS_H */
