// SPDX-License-Identifier: GPL-2.0
/*
 * pcap_name: rotated capture file names and the -W ring's retirement
 * (pcap_name.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "out/pcap_name.h"

void pcap_name_init(struct pcap_name *n, const char *base,
		    uint64_t rotate_bytes, unsigned int rotate_secs,
		    unsigned int max_files)
{
	unsigned int v;

	n->base = base;
	n->rotate_bytes = rotate_bytes;
	n->rotate_secs = rotate_secs;
	n->max_files = max_files;
	n->digits = 0;
	if (max_files > 1 && rotate_bytes)
		for (v = max_files - 1; v; v /= 10)
			n->digits++;
}

bool pcap_name_cycling(const struct pcap_name *n)
{
	return n->max_files && n->rotate_bytes && !n->rotate_secs;
}

int pcap_name_make(const struct pcap_name *n, int64_t interval,
		   unsigned int seq, char *out, size_t len)
{
	const char *base = n->base;
	char stamp[PATH_MAX];
	int k;

	if (n->rotate_secs) {
		time_t t = interval;
		struct tm tm;

		gmtime_r(&t, &tm);
		if (strchr(base, '%')) {
			if (!strftime(stamp, sizeof(stamp), base, &tm))
				return -ENAMETOOLONG;
		} else {
			k = snprintf(stamp, sizeof(stamp), "%s.", base);
			if (k < 0 || (size_t)k >= sizeof(stamp) ||
			    !strftime(stamp + k, sizeof(stamp) - k,
				      "%Y%m%d-%H%M%S", &tm))
				return -ENAMETOOLONG;
		}
		base = stamp;
	}
	if (seq || n->digits)
		k = snprintf(out, len, "%s%0*u", base, (int)n->digits,
			     pcap_name_cycling(n) ? seq % n->max_files : seq);
	else
		k = snprintf(out, len, "%s", base);
	return k < 0 || (size_t)k >= len ? -ENAMETOOLONG : 0;
}

int pcap_name_retire(const char *path, char *old, size_t len, struct stat *sb)
{
	const char *slash = strrchr(path, '/');
	int dlen = slash ? slash - path + 1 : 0;

	if (stat(path, sb))
		return -errno;
	if (!S_ISREG(sb->st_mode))
		return -ENOENT;
	if (snprintf(old, len, "%.*s.%s.flowsplice-old", dlen, path,
		     path + dlen) >= (int)len)
		return -ENAMETOOLONG;
	return rename(path, old) ? -errno : 0;
}
