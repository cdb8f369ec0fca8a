/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Logging in the xdp-tools style: pr_warn/pr_info/pr_debug to stderr,
 * prefixed with the program name; libbpf and libxdp output is routed
 * through the same levels.
 */
#ifndef FS_LOG_H
#define FS_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_LVL_WARN = 0,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

void log_set_level(enum log_level lvl);
/*
 * Messages read "flowsplice NAME: ..." once a command has given its name
 * (cli_parse does), "flowsplice: ..." before.  name must outlive the run.
 */
void log_set_cmd(const char *name);
enum log_level log_get_level(void);
/*
 * Route libbpf's and libxdp's messages through log_print, their levels
 * mapped through (a warning of theirs is a warning of ours).  Around a
 * call that is expected to fail (a probe, a fallback that flowsplice
 * reports in its own words), log_quiet_libs(true) silences them unless
 * -v asked for debug output; log_quiet_libs(false) undoes it.
 */
void log_init_libs(void);
void log_quiet_libs(bool quiet);
void log_print(enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define pr_warn(...) log_print(LOG_LVL_WARN, __VA_ARGS__)
#define pr_info(...) log_print(LOG_LVL_INFO, __VA_ARGS__)
#define pr_debug(...) log_print(LOG_LVL_DEBUG, __VA_ARGS__)

#endif /* FS_LOG_H */
