// SPDX-License-Identifier: GPL-2.0
/*
 * filtertest: `filtertest diff [--every K] [--tcpdump-every N] PCAP...`
 * (the differential test; flowsplice from $FS_BIN) and `filtertest bench
 * [--runs N] [--repeat N] [--only NAME] [--xdp-only]` (classifier cost
 * per frame, see tools/bench/filter.sh; --only: the cases whose name
 * holds NAME; --xdp-only: the rules path alone, without libpcap).  Needs
 * root for BPF_PROG_TEST_RUN.
 */
#include <stdio.h>
#include <string.h>

#include "filtertest.h"

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "diff"))
		return diff_main(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "bench"))
		return bench_main(argc - 2, argv + 2);
	fprintf(stderr, "usage: filtertest diff [--every K] [--tcpdump-every "
			"N] PCAP...\n       filtertest bench [--runs N] "
			"[--repeat N] [--only NAME] [--xdp-only]\n");
	return 2;
}
