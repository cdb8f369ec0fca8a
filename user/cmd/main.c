// SPDX-License-Identifier: GPL-2.0
/*
 * flowsplice: subcommand dispatch.  Everything else lives in the modules
 * named after their jobs (see README.md for the map).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/commands.h"
#include "lib/log.h"

#define FS_VERSION "0.1.0"
#define EXIT_USAGE 2

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} cmds[] = {
	{"capture", cmd_capture,
	 "capture matching TCP flows from an interface (AF_XDP + io_uring)"},
	{"read", cmd_read,
	 "reassemble or filter a pcap/pcapng file (offline mode)"},
	{"replay", cmd_replay,
	 "transmit a pcap/pcapng file on an interface (AF_XDP transmit)"},
	{"receive", cmd_receive,
	 "terminate TCP uploads to an address and write them to files "
	 "(AF_XDP)"},
	{"filter", cmd_filter,
	 "check a filter expression, or replace the rules of a running capture"},
};

static void usage(FILE *f)
{
	unsigned int i;

	fprintf(f, "Usage: flowsplice COMMAND [OPTIONS] [FILTER...]\n\n"
		   "Commands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f, "\n'flowsplice COMMAND --help' describes each command.\n"
		   "'flowsplice --version' prints the version.\n");
}

/*
 * The exit status (README, "Errors"), decided here only: a command's
 * negative errno, whatever its value, is 1, never the errno's low byte.
 */
static int exit_status(int ret)
{
	if (ret == 0)
		return EXIT_SUCCESS;
	return ret == CMD_USAGE ? EXIT_USAGE : EXIT_FAILURE;
}

int main(int argc, char **argv)
{
	unsigned int i;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("flowsplice %s\n", FS_VERSION);
		return 0;
	}
	log_init_libs();
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return exit_status(cmds[i].fn(argc - 1, argv + 1));
	pr_warn("unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
