/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcap_merge: one -w file written by several workers at once.  The file
 * is a header followed by batches; a batch is whole records of one
 * worker, in that worker's order, and lands at an offset reserved from
 * one atomic counter (pcap_merge_reserve: a fetch-and-add, no lock), so
 * batches of different workers never overlap and leave no gap: the file
 * is valid pcap or pcapng from end to end once every batch is written.
 *
 * A stage (pcap_stage) is one worker's side: records are copied into its
 * current batch buffer (1 MiB); a full buffer, or one older than the
 * flush interval, reserves its exact length and goes to the writer as one
 * buffered write at that offset.  A worker owns its stage; the buffers
 * return when their writes complete.  With every buffer in flight the
 * next record waits for a completion (backpressure, counted in the
 * writer's waits), as direct mode does.
 */
#ifndef FS_PCAP_MERGE_H
#define FS_PCAP_MERGE_H

#include <stddef.h>
#include <stdint.h>

#include "out/writer.h"

struct pcap_merge;
struct pcap_stage;

/* The shared offset counter of one file.  0 or -ENOMEM. */
int pcap_merge_create(struct pcap_merge **out);
void pcap_merge_destroy(struct pcap_merge *m);
/* Reserve len bytes; returns their offset.  Any thread. */
uint64_t pcap_merge_reserve(struct pcap_merge *m, uint64_t len);
/* The file's length once every reserved batch is written. */
uint64_t pcap_merge_end(const struct pcap_merge *m);

/*
 * A stage writing f through w (buffered file: any offset), batches
 * reserved from m, flushed when flush_ns old (0: only when full or at
 * pcap_stage_flush).  0 or -ENOMEM.
 */
int pcap_stage_create(struct pcap_stage **out, struct writer *w,
		      struct wfile *f, struct pcap_merge *m, uint64_t flush_ns);
/*
 * len contiguous bytes in the current batch for one record (len at most
 * 1 MiB), the batch sent first if it has no room; may wait for a buffer
 * (see above).  NULL: len too large, or the writer failed.
 */
void *pcap_stage_room(struct pcap_stage *s, uint32_t len);
/* Send the current batch now (if not empty); 0 or -errno. */
int pcap_stage_flush(struct pcap_stage *s);
/* Send it if older than flush_ns at now_ns. */
void pcap_stage_poll(struct pcap_stage *s, uint64_t now_ns);
/* Free s once its writes completed (the file settled or closed). */
void pcap_stage_destroy(struct pcap_stage *s);

#endif /* FS_PCAP_MERGE_H */
