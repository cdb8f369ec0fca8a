/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcap_out: pcap or pcapng files with nanosecond timestamps, written
 * through the writer, with rotation by size (-C) and by time (-G,
 * aligned to the wall clock).
 *
 * A record header is 16 bytes (pcap) or 28 (a pcapng enhanced packet
 * block).  pcap_out_record() writes it from space the caller provides just
 * in front of the packet bytes (the UMEM frame's headroom), so header and
 * packet leave in one contiguous write from the frame itself; when the
 * caller has no such space it passes hdr = NULL and the header is copied
 * into writer-owned memory instead.  A pcapng block's tail (padding,
 * options, length) is always copied.
 *
 * pcapng: each file starts with a section header (shb_os from uname,
 * shb_userappl "flowsplice VERSION") and one interface description
 * (if_name, if_tsresol 9); each packet is an enhanced packet block with
 * epb_queue and, when drops were counted since the previous one,
 * epb_dropcount; each file ends with an interface statistics block whose
 * values come from opts.isb (at rotation and at the end).
 */
#ifndef FS_PCAP_OUT_H
#define FS_PCAP_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "lib/buf.h"
#include "out/pcap_merge.h"
#include "out/pcap_name.h"
#include "out/pcapng_enc.h"
#include "out/writer.h"

#define PCAP_MAGIC_NSEC 0xa1b23c4du
#define PCAP_REC_HDR_LEN 16
/* Room a caller gives in front of a packet for its record header. */
#define PCAP_OUT_HDR_ROOM 28
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
	int format; /* enum pcap_out_format */
	const char *ifname; /* pcapng if_name (copied); NULL: none */
	/* pcapng: the interface block's comment (copied): what stamps */
	const char *ts_comment;
	/*
	 * pcapng: the interface statistics for the block that ends a file
	 * (fields left PCAPNG_UNKNOWN are left out); NULL: no such block.
	 * Called where the file is closed: the rotating record's thread,
	 * or pcap_out_finish()'s.
	 */
	void (*isb)(void *ctx, struct pcapng_isb_vals *v);
	void *isb_ctx;
	/*
	 * -W: with -C and without -G, names cycle through PATH0 ..
	 * PATH<max_files - 1> (digits padded to the width of max_files - 1,
	 * PATH alone for 1), as tcpdump's ring buffer; the file a name
	 * held is renamed away before the name is reused and handed to
	 * on_file as PCAP_OUT_RETIRED for someone else to delete.  With -C
	 * and -G, only the count's padding.  0: no limit.
	 */
	unsigned int max_files;
	/*
	 * Told of each file once it is closed (PCAP_OUT_FINISHED) and of
	 * each one renamed away (PCAP_OUT_RETIRED), on the thread that
	 * rotates or finishes; must not wait.  Returns 0, or -errno when it
	 * cannot take the file (a retired file is then replaced in place:
	 * the open truncates it).  NULL: nobody is told.
	 */
	int (*on_file)(void *ctx, const struct pcap_out_file *f);
	void *on_file_ctx;
	/*
	 * One file (series) shared with other pcap_outs: records go to this
	 * one's stage of it (pcap_merge.h), which owns the files, their
	 * rotation, retention hooks and statistics blocks; the fields above
	 * about files (rotation, direct, isb, max_files, on_file) are the
	 * merge's then, and this pcap_out only counts.
	 */
	struct pcap_merge *merge;
};

#define PCAP_OUT_NO_QUEUE UINT32_MAX

/* One packet's record. */
struct pcap_out_pkt {
	uint64_t ts_ns;
	uint32_t wirelen; /* the packet's length on the wire */
	uint32_t queue; /* pcapng epb_queue; PCAP_OUT_NO_QUEUE: none */
	uint64_t drops; /* pcapng epb_dropcount: drops since the last one */
};

struct pcap_out;

int pcap_out_open(struct pcap_out **out, struct writer *w,
		  const struct pcap_out_opts *opts);

/*
 * Write one packet made of nfrag pieces (a multi-buffer packet has
 * several), with bufs[i] the owner of frags[i] (may be NULL: see
 * writer_write).  hdr: PCAP_OUT_HDR_ROOM writable bytes immediately
 * before frags[0]'s bytes, or NULL.
 */
int pcap_out_packet(struct pcap_out *po, const struct pcap_out_pkt *pk,
		    void *hdr, const struct iovec *frags,
		    struct buf *const *bufs, unsigned int nfrag);
/* The same without queue or drops; wirelen: the length on the wire. */
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
/* Bytes in the current file; safe from another thread (relaxed). */
uint64_t pcap_out_current_bytes(const struct pcap_out *po);

/* Merged file: the stage's work of a loop turn (pcap_stage_poll). */
void pcap_out_poll(struct pcap_out *po);

/*
 * What each file of these options starts with (pcap header, or pcapng's
 * section header and interface block) into buf; 0 or -errno.
 */
int pcap_out_header(const struct pcap_out_opts *o, void *buf, size_t cap,
		    uint32_t *len);

/*
 * Close the current file (after its writes complete, cut if one failed):
 * the counters above are final.  Returns 0 or the failure's -errno.
 */
int pcap_out_finish(struct pcap_out *po);
/* pcap_out_finish() if not done, and free po. */
int pcap_out_close(struct pcap_out *po);

#endif /* FS_PCAP_OUT_H */
