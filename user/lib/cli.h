/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cli: an option table per subcommand, in the spirit of xdp-tools'
 * params.h.  The same table drives getopt_long, sets the defaults and
 * generates --help, so neither the help nor a default can drift from what
 * is parsed.
 */
#ifndef FS_CLI_H
#define FS_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum cli_type {
	CLI_FLAG, /* bool */
	CLI_STR, /* const char * */
	CLI_UINT, /* unsigned int, decimal */
	CLI_SIZE, /* uint64_t, with optional K/M/G suffix (powers of 1024) */
	CLI_ENUM, /* int: index into choices */
	CLI_COUNT, /* int, incremented per occurrence (-v -v) */
};

struct cli_opt {
	const char *name; /* long name, without "--" */
	char short_name; /* 0 when none */
	enum cli_type type;
	void *dest;
	const char *metavar; /* shown in help for options with a value */
	/* --help adds "(default: ...)" for an option with has_def */
	const char *help;
	const char *const *choices; /* CLI_ENUM: NULL-terminated */
	uint64_t min, max; /* CLI_UINT/CLI_SIZE bounds; max 0: the type's */
	/* CLI_UINT, CLI_SIZE, CLI_ENUM (an index into choices) */
	bool has_def;
	uint64_t def;
};

/* Table entries: plain, with choices (CLI_ENUM), with bounds. */
#define CLI_OPT(n, s, t, d, mv, h)                                        \
	{                                                                 \
		.name = (n), .short_name = (s), .type = (t), .dest = (d), \
		.metavar = (mv), .help = (h)                              \
	}
#define CLI_OPT_ENUM(n, s, d, mv, h, ch)                                       \
	{                                                                      \
		.name = (n), .short_name = (s), .type = CLI_ENUM, .dest = (d), \
		.metavar = (mv), .help = (h), .choices = (ch)                  \
	}
#define CLI_OPT_RANGE(n, s, t, d, mv, h, lo, hi)                          \
	{                                                                 \
		.name = (n), .short_name = (s), .type = (t), .dest = (d), \
		.metavar = (mv), .help = (h), .min = (lo), .max = (hi)    \
	}
/* The same with a default, which cli_parse() stores before parsing. */
#define CLI_OPT_DEF(n, s, t, d, mv, h, dv)                                 \
	{                                                                  \
		.name = (n), .short_name = (s), .type = (t), .dest = (d),  \
		.metavar = (mv), .help = (h), .has_def = true, .def = (dv) \
	}
#define CLI_OPT_ENUM_DEF(n, s, d, mv, h, ch, dv)                               \
	{                                                                      \
		.name = (n), .short_name = (s), .type = CLI_ENUM, .dest = (d), \
		.metavar = (mv), .help = (h), .choices = (ch),                 \
		.has_def = true, .def = (dv)                                   \
	}
#define CLI_OPT_RANGE_DEF(n, s, t, d, mv, h, lo, hi, dv)                  \
	{                                                                 \
		.name = (n), .short_name = (s), .type = (t), .dest = (d), \
		.metavar = (mv), .help = (h), .min = (lo), .max = (hi),   \
		.has_def = true, .def = (dv)                              \
	}
#define CLI_OPT_END          \
	{                    \
		.name = NULL \
	}

struct cli_cmd {
	const char *name;
	const char *args; /* positional synopsis, e.g. "[FILTER...]" */
	const char *summary; /* one line */
	const char *details; /* printed after the options; may be NULL */
	const struct cli_opt *opts; /* terminated by an entry with name NULL */
};

enum cli_result {
	CLI_OK = 0,
	CLI_HELP = 1, /* --help printed: exit 0 */
	CLI_USAGE = 2, /* error printed: exit 2 */
};

/*
 * Store the table's defaults, then parse argv (argv[0] is the subcommand
 * name, which log messages carry from here on).  On CLI_OK, *first_arg is
 * the index of the first positional argument.
 */
enum cli_result cli_parse(const struct cli_cmd *cmd, int argc, char **argv,
			  int *first_arg);
void cli_usage(const struct cli_cmd *cmd, FILE *f);

/*
 * Parse "123", "64K", "2M", "1G"; returns 0, -EINVAL (not a size) or
 * -ERANGE (2^64 bytes or more).
 */
int cli_parse_size(const char *s, uint64_t *out);

#endif /* FS_CLI_H */
