// SPDX-License-Identifier: GPL-2.0
/*
 * log: one place that decides what reaches stderr.  Owns the log level, the
 * command name in the prefix and the print callbacks handed to libbpf and
 * libxdp.  Set by the main thread before any other starts, read after.
 */
#include <stdarg.h>
#include <stdio.h>

#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "lib/log.h"

static enum log_level cur_level = LOG_LVL_INFO;
static const char *cmd_name;

void log_set_level(enum log_level lvl)
{
	cur_level = lvl;
}

enum log_level log_get_level(void)
{
	return cur_level;
}

void log_set_cmd(const char *name)
{
	cmd_name = name;
}

static void log_vprint(enum log_level lvl, const char *fmt, va_list ap)
{
	if (lvl > cur_level)
		return;
	if (cmd_name)
		fprintf(stderr, "flowsplice %s: ", cmd_name);
	else
		fputs("flowsplice: ", stderr);
	vfprintf(stderr, fmt, ap);
}

void log_print(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprint(lvl, fmt, ap);
	va_end(ap);
}

/*
 * libbpf's and libxdp's levels are WARN, INFO, DEBUG.  A warning of theirs
 * is one of ours; their info is chatter about the object being loaded
 * (as xdp-tools does, it moves down a level, to debug).
 */
static enum log_level lib_level(int level)
{
	return level <= LOG_LVL_WARN ? LOG_LVL_WARN : LOG_LVL_DEBUG;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	log_vprint(lib_level(level), fmt, ap);
	return 0;
}

static int libxdp_print(enum libxdp_print_level level, const char *fmt,
			va_list ap)
{
	log_vprint(lib_level(level), fmt, ap);
	return 0;
}

/* Their messages when quiet: debug output only. */
static int libbpf_print_quiet(enum libbpf_print_level level, const char *fmt,
			      va_list ap)
{
	(void)level;
	log_vprint(LOG_LVL_DEBUG, fmt, ap);
	return 0;
}

static int libxdp_print_quiet(enum libxdp_print_level level, const char *fmt,
			      va_list ap)
{
	(void)level;
	log_vprint(LOG_LVL_DEBUG, fmt, ap);
	return 0;
}

void log_init_libs(void)
{
	log_quiet_libs(false);
}

void log_quiet_libs(bool quiet)
{
	libbpf_set_print(quiet ? libbpf_print_quiet : libbpf_print);
	libxdp_set_print(quiet ? libxdp_print_quiet : libxdp_print);
}
