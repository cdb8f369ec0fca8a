/* SPDX-License-Identifier: GPL-2.0 */
/*
 * flow_opts: the settings `capture` and `read` share (flow table,
 * reassembly budgets, open stream files), each with one name, one type,
 * one range and one default, here.  A command puts them in its option
 * table with its own help text (a worker's share or the whole run's);
 * cli_parse() stores the default and --help prints it from these entries.
 */
#ifndef FS_FLOW_OPTS_H
#define FS_FLOW_OPTS_H

#include "lib/cli.h"

#define FLOW_OPT_MAX_FLOWS(dest, help)                                  \
	CLI_OPT_RANGE_DEF("max-flows", 0, CLI_UINT, dest, "N", help, 1, \
			  1u << 24, 65536)
#define FLOW_OPT_IDLE_TIMEOUT(dest, help)                                     \
	CLI_OPT_RANGE_DEF("idle-timeout", 0, CLI_UINT, dest, "SECS", help, 1, \
			  0, 300)
#define FLOW_OPT_OOO_PER_FLOW(dest, help)                             \
	CLI_OPT_DEF("ooo-per-flow", 0, CLI_SIZE, dest, "BYTES", help, \
		    8ull << 20)
#define FLOW_OPT_OOO_TOTAL(dest, help) \
	CLI_OPT_DEF("ooo-total", 0, CLI_SIZE, dest, "BYTES", help, 256ull << 20)
/* Choices in the order of enum reasm_hold_policy: copy (0), drop. */
#define FLOW_OPT_HOLD_POLICY(dest, help)                         \
	CLI_OPT_ENUM_DEF("hold-policy", 0, dest, "POLICY", help, \
			 ((const char *const[]){"copy", "drop", NULL}), 0)
#define FLOW_OPT_MAX_OPEN_FILES(dest, help)                                  \
	CLI_OPT_RANGE_DEF("max-open-files", 0, CLI_UINT, dest, "N", help, 1, \
			  1u << 20, 4096)

/*
 * users sets of at most *max_open stream files each (a worker's, or the
 * one of `read`) and what is open now must fit under RLIMIT_NOFILE: raise
 * the soft limit as far as the hard one allows, else lower *max_open, and
 * say so.
 */
void flow_opts_fit_open_files(unsigned int *max_open, unsigned int users);

#endif /* FS_FLOW_OPTS_H */
