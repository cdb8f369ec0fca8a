/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcp_seg: the segments of the receive engine (tcp_rx.h) on the wire.
 * Reads the TCP options of a received segment, verifies its checksums in
 * software (AF_XDP carries no checksum status), and builds the frames
 * the engine sends: Ethernet, IPv4 or IPv6, TCP with its options and an
 * optional payload, every checksum computed.  Pure functions: nothing
 * here keeps state or waits.
 */
#ifndef FS_TCP_SEG_H
#define FS_TCP_SEG_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "parse/pkt.h"

/* SACK blocks a segment carries at most (4 without timestamps). */
#define TCP_SEG_MAX_SACK 4
/* The longest frame tcp_seg_build() makes without a payload. */
#define TCP_SEG_HDR_MAX (14 + 40 + 60)

/* A range of sequence numbers [left, right). */
struct tcp_sack {
	uint32_t left, right;
};

/* The options of a received segment (RFC 9293, 7323, 2018). */
struct tcp_opts {
	bool has_mss, has_wscale, sack_ok, has_ts;
	uint16_t mss;
	uint8_t wscale; /* capped at 14 (RFC 7323 2.3) */
	uint32_t tsval, tsecr;
	uint8_t nsack;
	struct tcp_sack sack[TCP_SEG_MAX_SACK];
};

/*
 * The options of a TCP header (th, doff bytes long).  0, or -1 when an
 * option runs past the header or has an impossible length.
 */
int tcp_opts_parse(const uint8_t *th, uint32_t doff, struct tcp_opts *o);

/* A ones' complement sum over bytes that may come in pieces. */
struct tcp_csum {
	uint64_t sum;
	bool odd; /* an odd number of bytes so far */
};

void tcp_csum_add(struct tcp_csum *c, const void *p, uint32_t len);
/* The 16-bit ones' complement of the sum (what goes in the header). */
uint16_t tcp_csum_fold(const struct tcp_csum *c);
/* The pseudo-header of a TCP segment of len bytes (header included). */
void tcp_csum_pseudo(struct tcp_csum *c, int family, const struct pkt_addr *src,
		     const struct pkt_addr *dst, uint32_t len);

enum tcp_csum_result {
	TCP_CSUM_OK = 0,
	TCP_CSUM_BAD,
	/*
	 * The TCP checksum field holds only the pseudo-header's sum: what a
	 * local sender with transmit checksum offload leaves for the device
	 * to finish (CHECKSUM_PARTIAL), which veth delivers as it is.
	 */
	TCP_CSUM_PARTIAL,
	TCP_CSUM_IP_BAD, /* the IPv4 header checksum */
};

/*
 * Verify the checksums of a parsed segment (p from pkt_parse of the
 * first piece) whose TCP segment continues into frag[1..nfrag-1]: the
 * IPv4 header's, then the TCP checksum over the pseudo-header, the
 * header and p->payload_len payload bytes.  The payload must all be
 * there (the caller checked the lengths).
 */
enum tcp_csum_result tcp_seg_verify(const struct pkt *p,
				    const struct iovec *frag,
				    unsigned int nfrag);

/* What tcp_seg_build() puts in a frame. */
struct tcp_seg_out {
	const uint8_t *src_mac, *dst_mac; /* 6 bytes each */
	uint8_t family; /* 4 or 6 */
	const struct pkt_addr *src, *dst;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags; /* PKT_TCP_* */
	uint16_t win; /* the header's field, already scaled */
	uint16_t mss; /* 0: no MSS option (SYN-ACK only) */
	int8_t wscale; /* -1: no window scale option (SYN-ACK only) */
	bool sack_ok; /* SACK-permitted (SYN-ACK only) */
	bool ts; /* timestamps: tsval, tsecr */
	uint32_t tsval, tsecr;
	uint8_t nsack;
	const struct tcp_sack *sack;
	const uint8_t *payload;
	uint32_t len;
};

/*
 * Build the frame of s into buf (cap bytes); returns its length, or 0
 * when it does not fit.  Options in the order Linux sends them.
 */
uint32_t tcp_seg_build(uint8_t *buf, uint32_t cap, const struct tcp_seg_out *s);

#endif /* FS_TCP_SEG_H */
