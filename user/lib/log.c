// SPDX-License-Identifier: GPL-2.0
/*
 * log: one place that decides what reaches stderr.  Owns the log level and
 * the print callbacks handed to libbpf and libxdp.
 */
#include <stdarg.h>
#include <stdio.h>

#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "lib/log.h"

static enum log_level cur_level = LOG_LVL_INFO;

void log_set_level(enum log_level lvl)
{
	cur_level = lvl;
}

enum log_level log_get_level(void)
{
	return cur_level;
}

static void log_vprint(enum log_level lvl, const char *fmt, va_list ap)
{
	if (lvl > cur_level)
		return;
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

/* libbpf and libxdp warn about probes and fallbacks that flowsplice
 * reports in its own words; their messages show with -v. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	(void)level;
	log_vprint(LOG_LVL_DEBUG, fmt, ap);
	return 0;
}

static int libxdp_print(enum libxdp_print_level level, const char *fmt,
			va_list ap)
{
	(void)level;
	log_vprint(LOG_LVL_DEBUG, fmt, ap);
	return 0;
}

void log_init_libs(void)
{
	libbpf_set_print(libbpf_print);
	libxdp_set_print(libxdp_print);
}
