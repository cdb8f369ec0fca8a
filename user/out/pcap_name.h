/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcap_name: the names of rotated capture files (README, "Rotation"),
 * shared by a pcap_out and a merged file's rotation.  Without rotation
 * the base itself; with -C (size) BASE, BASE1, BASE2, ...; with -G (time)
 * BASE through strftime(3) at the interval's start (".YYYYmmdd-HHMMSS"
 * appended when BASE has no '%'), the count added within an interval;
 * with -C -W (no -G) the count cycles through max_files names, padded to
 * the width of max_files - 1.  And what a capture file's writer tells of
 * a file it is done with (struct pcap_out_file).
 */
#ifndef FS_PCAP_NAME_H
#define FS_PCAP_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

enum pcap_out_file_kind {
	PCAP_OUT_FINISHED, /* closed: complete on disk */
	PCAP_OUT_RETIRED, /* -W's oldest, renamed to path, to be deleted */
};

struct pcap_out_file {
	enum pcap_out_file_kind kind;
	uint64_t bytes; /* its length */
	uint64_t dev, ino; /* its identity, to delete that file and no other */
	const char *path;
};

/* Told of a file (see pcap_out_opts.on_file); 0 or -errno (not taken). */
typedef int (*pcap_file_fn)(void *ctx, const struct pcap_out_file *f);

struct pcap_name {
	const char *base;
	uint64_t rotate_bytes; /* -C: 0 = never */
	unsigned int rotate_secs; /* -G: 0 = never */
	unsigned int max_files; /* -W: 0 = no limit */
	unsigned int digits; /* the count's width (-W) */
};

void pcap_name_init(struct pcap_name *n, const char *base,
		    uint64_t rotate_bytes, unsigned int rotate_secs,
		    unsigned int max_files);
/* -C -W without -G: a ring of max_files names, as tcpdump's. */
bool pcap_name_cycling(const struct pcap_name *n);
/*
 * The name of the file number seq (from 0) of the -G interval starting
 * at interval (seconds; ignored without -G).  0 or -ENAMETOOLONG.
 */
int pcap_name_make(const struct pcap_name *n, int64_t interval,
		   unsigned int seq, char *out, size_t len);
/*
 * -W's ring comes round to path: rename the regular file there to
 * DIR/.NAME.flowsplice-old (one metadata operation), its name in old and
 * its identity in sb.  0, or -errno (nothing there: -ENOENT).
 */
int pcap_name_retire(const char *path, char *old, size_t len, struct stat *sb);

#endif /* FS_PCAP_NAME_H */
