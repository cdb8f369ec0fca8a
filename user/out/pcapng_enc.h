/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcapng_enc: the pcapng blocks flowsplice writes (draft-ietf-opsawg-
 * pcapng), little-endian as the host: a section header naming the
 * application and the OS, an interface description (nanosecond
 * resolution), enhanced packet blocks with the queue and a drop count, and
 * interface statistics.  Encoding only: pcap_out decides where they go.
 * Every function fills a caller's buffer and returns the bytes used, or 0
 * when cap is too small.
 */
#ifndef FS_PCAPNG_ENC_H
#define FS_PCAPNG_ENC_H

#include <stddef.h>
#include <stdint.h>

#define PCAPNG_SHB 0x0a0d0d0au
#define PCAPNG_IDB 1u
#define PCAPNG_ISB 5u
#define PCAPNG_EPB 6u
#define PCAPNG_BOM 0x1a2b3c4du
/*
 * A block type of local use (top bit set: readers skip blocks they do not
 * know, as libpcap, Wireshark and flowsplice read do): flowsplice's
 * padding, which ends a merged file's region at its aligned length.
 */
#define PCAPNG_PAD 0x8f5a0000u
#define PCAPNG_PAD_MIN 12

/* An enhanced packet block's fixed part, in front of the packet bytes. */
#define PCAPNG_EPB_HDR_LEN 28
/* Its tail at most: padding, epb_queue, epb_dropcount, end, length. */
#define PCAPNG_EPB_TAIL_MAX (3 + 8 + 12 + 4 + 4)

/* Unknown values are left out of the blocks. */
#define PCAPNG_UNKNOWN UINT64_MAX

struct pcapng_epb_opts {
	uint64_t queue; /* epb_queue, or PCAPNG_UNKNOWN */
	uint64_t drops; /* epb_dropcount since the previous packet; 0: none */
};

/* Interface statistics, each PCAPNG_UNKNOWN if not known. */
struct pcapng_isb_vals {
	uint64_t start_ns; /* isb_starttime */
	uint64_t ifrecv; /* isb_ifrecv */
	uint64_t ifdrop; /* isb_ifdrop */
	uint64_t osdrop; /* isb_osdrop */
	uint64_t usrdeliv; /* isb_usrdeliv */
};

/* shb_os, shb_userappl (either may be NULL); section length unknown. */
size_t pcapng_shb(uint8_t *buf, size_t cap, const char *os, const char *appl);
/*
 * if_name (NULL: none), if_tsresol = 9 (nanoseconds), and an opt_comment
 * (NULL: none): what stamps the packets.
 */
size_t pcapng_idb(uint8_t *buf, size_t cap, uint16_t linktype, uint32_t snaplen,
		  const char *ifname, const char *comment);
/* The whole block's length for caplen bytes of packet and these options. */
uint32_t pcapng_epb_len(uint32_t caplen, const struct pcapng_epb_opts *o);
/* The fixed part (PCAPNG_EPB_HDR_LEN bytes) of a block of total bytes. */
void pcapng_epb_head(void *hdr, uint32_t ifid, uint64_t ts_ns, uint32_t caplen,
		     uint32_t origlen, uint32_t total);
/* What follows the packet bytes (at most PCAPNG_EPB_TAIL_MAX bytes). */
size_t pcapng_epb_tail(uint8_t *buf, uint32_t caplen,
		       const struct pcapng_epb_opts *o, uint32_t total);
/* isb_endtime = ts_ns. */
/* A padding block of len bytes (a multiple of 4, >= 12), body zeroed. */
void pcapng_pad(uint8_t *buf, uint32_t len);
size_t pcapng_isb(uint8_t *buf, size_t cap, uint32_t ifid, uint64_t ts_ns,
		  const struct pcapng_isb_vals *v);

#endif /* FS_PCAPNG_ENC_H */
