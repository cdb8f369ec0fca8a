// SPDX-License-Identifier: GPL-2.0
/*
 * queue_list: -Q LIST parsing and the interface's queue count from sysfs.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cmd/queue_list.h"
#include "fs_shared.h"

unsigned int queue_list_count(const char *ifname, const char *kind)
{
	char path[128];
	unsigned int n = 0;

	for (;;) {
		snprintf(path, sizeof(path), "/sys/class/net/%s/queues/%s-%u",
			 ifname, kind, n);
		if (access(path, F_OK))
			break;
		n++;
	}
	return n ? n : 1;
}

static int parse_spec(const char *s, unsigned int max, bool *seen)
{
	const char *p = s;
	unsigned int i;

	while (*p) {
		char *end;
		unsigned long a = strtoul(p, &end, 10), b = a;

		if (end == p)
			return -EINVAL;
		if (*end == '-') {
			p = end + 1;
			b = strtoul(p, &end, 10);
			if (end == p || b < a)
				return -EINVAL;
		}
		if (b >= max || b >= FS_MAX_QUEUES)
			return -ERANGE;
		for (i = a; i <= b; i++)
			seen[i] = true;
		p = end;
		if (*p == ',')
			p++;
		else if (*p)
			return -EINVAL;
	}
	return 0;
}

int queue_list_parse(const char *spec, unsigned int max, unsigned int **out,
		     unsigned int *n)
{
	bool seen[FS_MAX_QUEUES] = {0};
	unsigned int i, cnt = 0;
	int ret;

	if (spec) {
		ret = parse_spec(spec, max, seen);
		if (ret)
			return ret;
	} else {
		for (i = 0; i < max && i < FS_MAX_QUEUES; i++)
			seen[i] = true;
	}
	*out = calloc(FS_MAX_QUEUES, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (i = 0; i < FS_MAX_QUEUES; i++)
		if (seen[i])
			(*out)[cnt++] = i;
	*n = cnt;
	if (cnt)
		return 0;
	free(*out);
	*out = NULL;
	return -EINVAL;
}
