// SPDX-License-Identifier: GPL-2.0
/* bench: placeholder until the benchmark lands. */
#include "filtertest.h"

int bench_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return 2;
}
