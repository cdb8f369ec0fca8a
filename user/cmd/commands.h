/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The subcommands main() dispatches to.  Each parses its own options (cli.h)
 * and returns the process exit code: 0 success, 1 runtime error, 2 usage.
 */
#ifndef FS_COMMANDS_H
#define FS_COMMANDS_H

#define EXIT_USAGE 2

int cmd_capture(int argc, char **argv);
int cmd_read(int argc, char **argv);
int cmd_filter(int argc, char **argv);

#endif /* FS_COMMANDS_H */
