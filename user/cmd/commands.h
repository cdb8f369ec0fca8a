/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The subcommands main() dispatches to.  Each parses its own options (cli.h)
 * and returns 0, CMD_USAGE after a usage error it has printed, or a
 * negative errno after a runtime failure it has logged.  main() alone turns
 * that into the exit status: 0 success, 1 runtime error, 2 usage error.
 */
#ifndef FS_COMMANDS_H
#define FS_COMMANDS_H

#define CMD_USAGE 2

int cmd_capture(int argc, char **argv);
int cmd_read(int argc, char **argv);
int cmd_filter(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_receive(int argc, char **argv);

#endif /* FS_COMMANDS_H */
