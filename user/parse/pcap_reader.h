/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcap_reader: reads pcap (micro- and nanosecond, both byte orders) and
 * pcapng (SHB, IDB, EPB, SPB; several interfaces and sections; both byte
 * orders) from a file or standard input ("-").
 *
 * The file is read in large reference-counted chunks; a record points into
 * its chunk (rec.data, rec.buf).  A consumer that keeps the bytes past the
 * next call takes buf_get(rec.buf) and drops it with buf_put() later: the
 * chunk is recycled only when nobody holds it.  No per-record copy.
 */
#ifndef FS_PCAP_READER_H
#define FS_PCAP_READER_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

/* Largest record accepted; bigger caplens are reported as corrupt. */
#define PCAP_MAX_CAPLEN (256u * 1024)

struct pcap_reader;

struct pcap_rec {
	uint64_t ts_ns; /* nanoseconds since the Unix epoch */
	uint32_t caplen; /* bytes present at data */
	uint32_t wirelen; /* original length on the wire */
	int linktype; /* LINKTYPE_* of the record's interface */
	uint32_t linktype_field; /* as stored (pcap: FCS bits included) */
	uint32_t iface; /* pcapng interface id; 0 for pcap */
	uint64_t offset; /* byte offset of the record in the input */
	const uint8_t *data;
	struct buf *buf; /* chunk holding data; reference is the reader's */
};

/* Returns 0, or -errno / -EINVAL with a message in err. */
int pcap_reader_open(const char *path, struct pcap_reader **out, char *err,
		     size_t errlen);

/*
 * Returns 1 with *rec filled, 0 at a clean end of input, or a negative
 * error: pcap_reader_error() then describes it, with the byte offset.
 */
int pcap_reader_next(struct pcap_reader *r, struct pcap_rec *rec);
const char *pcap_reader_error(const struct pcap_reader *r);

/* Link type of the first interface (pcap: the file's), for pcap output. */
int pcap_reader_linktype(const struct pcap_reader *r);

/*
 * fn(arg) is called before a read that would wait for input (a pipe or
 * FIFO with nothing ready), so that the caller can push out its pending
 * output first rather than hold it while the input is quiet.
 */
void pcap_reader_set_idle(struct pcap_reader *r, void (*fn)(void *arg),
			  void *arg);

/* fstat() of the input; 0 or -errno. */
struct stat;
int pcap_reader_stat(const struct pcap_reader *r, struct stat *st);

/* Drops the reader's references; chunks held elsewhere live on. */
void pcap_reader_close(struct pcap_reader *r);

#endif /* FS_PCAP_READER_H */
