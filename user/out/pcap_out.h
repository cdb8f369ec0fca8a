/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcap_out: pcap files with nanosecond timestamps, written through the
 * writer, with rotation by size (-C) and by time (-G, aligned to the wall
 * clock).
 *
 * A record header is 16 bytes.  pcap_out_record() writes it from space the
 * caller provides just in front of the packet bytes (the UMEM frame's
 * headroom), so header and packet leave in one contiguous write from the
 * frame itself; when the caller has no such space it passes hdr = NULL and
 * the header is copied into writer-owned memory instead.
 */
#ifndef FS_PCAP_OUT_H
#define FS_PCAP_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "lib/buf.h"
#include "out/writer.h"

#define PCAP_MAGIC_NSEC 0xa1b23c4du
#define PCAP_REC_HDR_LEN 16
/* tcpdump's MAXIMUM_SNAPLEN, also what -s 0 means */
#define PCAP_OUT_MAX_SNAPLEN 262144u

enum pcap_out_format {
	PCAP_OUT_PCAP,
	PCAP_OUT_PCAPNG,
};

struct pcap_rec_hdr {
	uint32_t ts_sec;
	uint32_t ts_frac; /* nanoseconds */
	uint32_t caplen;
	uint32_t len;
};

struct pcap_out_opts {
	const char *path; /* base name (copied); see naming in README */
	uint64_t rotate_bytes; /* -C: 0 = never */
	unsigned int rotate_secs; /* -G: 0 = never */
	int linktype; /* LINKTYPE_* */
	/*
	 * -s: a record carries at most snaplen bytes of the packet and keeps
	 * its length on the wire; 0: PCAP_OUT_MAX_SNAPLEN.
	 */
	uint32_t snaplen;
	/*
	 * O_DIRECT through the writer's aligned staging blocks (pcap files
	 * are append-only): 4-7x the buffered rate on the test disk and a
	 * tenth of the CPU (tools/bench/writepath-results.md), at the cost
	 * of one copy; the last partial MiB reaches the file at the
	 * writer's direct_flush_ms, or at close or rotation.
	 */
	bool direct;
};

struct pcap_out;

int pcap_out_open(struct pcap_out **out, struct writer *w,
		  const struct pcap_out_opts *opts);

/*
 * Write one packet made of nfrag pieces (a multi-buffer packet has
 * several), with bufs[i] the owner of frags[i] (may be NULL: see
 * writer_write).  hdr: 16 writable bytes immediately before frags[0]'s
 * bytes, or NULL.  wirelen: the packet's length on the wire.
 */
int pcap_out_record(struct pcap_out *po, uint64_t ts_ns, void *hdr,
		    const struct iovec *frags, struct buf *const *bufs,
		    unsigned int nfrag, uint32_t wirelen);

/*
 * Files written so far (rotation included) and records written.  After a
 * failed write a file ends at its last complete record on disk (cut when
 * it is closed); the records cut are taken off records and counted in
 * lost, and records offered after the failure are refused (-errno).
 */
uint64_t pcap_out_records(const struct pcap_out *po);
uint64_t pcap_out_lost(const struct pcap_out *po);
unsigned int pcap_out_files(const struct pcap_out *po);
const char *pcap_out_current_path(const struct pcap_out *po);

/*
 * Close the current file (after its writes complete, cut if one failed):
 * the counters above are final.  Returns 0 or the failure's -errno.
 */
int pcap_out_finish(struct pcap_out *po);
/* pcap_out_finish() if not done, and free po. */
int pcap_out_close(struct pcap_out *po);

#endif /* FS_PCAP_OUT_H */
