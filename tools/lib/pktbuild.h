/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pktbuild (pb_*): crafted frames for the tests and tracegen, one header
 * at a time, as katran's PacketBuilder: Ethernet, 802.1Q/802.1ad tags,
 * Linux cooked headers, IPv4 (with options), IPv6 (with extension and
 * fragment headers), TCP (with options), UDP, ICMP and payload.
 *
 * Each call appends its header in network byte order and records where it
 * lies (hdr[], for truncation tests; IPv4 and TCP options apart from the
 * fixed part).  pb_finish() sets what depends on
 * the rest of the frame: the IP length, the UDP length and the IPv4,
 * TCP, UDP and ICMP checksums; bytes appended after it (Ethernet padding)
 * are outside the datagram.  A test that wants a header to lie writes
 * over it after pb_finish().  The builder never fails: a frame past
 * PB_FRAME_MAX is a bug in the caller, and aborts.
 */
#ifndef FS_PKTBUILD_H
#define FS_PKTBUILD_H

#include <stdbool.h>
#include <stdint.h>

#define PB_FRAME_MAX 65600
#define PB_MAX_HDRS 32

struct pb {
	uint32_t len;
	uint32_t l3, l4; /* offsets of the IP and L4 headers */
	uint32_t hend; /* end of the last header: the payload starts here */
	int family; /* 4, 6; 0 before an IP header */
	uint8_t l4proto; /* of the L4 header written, 0 if none */
	unsigned int nhdr;
	struct {
		uint32_t off, len;
	} hdr[PB_MAX_HDRS];
	uint8_t b[PB_FRAME_MAX];
};

/* The addresses a header gets when the caller gives none. */
#define PB_MAC_DST "\x02\x00\x00\x00\x00\x02"
#define PB_MAC_SRC "\x02\x00\x00\x00\x00\x01"

struct pb_ip4 {
	const void *src, *dst; /* 4 bytes each; NULL: 198.18.0.1, 198.18.0.2 */
	uint8_t proto;
	uint8_t ttl; /* 0: 64 */
	uint8_t tos;
	uint16_t id;
	uint16_t frag; /* flags and offset, as on the wire */
	uint8_t opt_len; /* option bytes, a multiple of 4: NOPs */
};

struct pb_ip6 {
	const void *src, *dst; /* 16 bytes; NULL: 2001:db8::1, 2001:db8::2 */
	uint8_t nh;
	uint8_t hop; /* 0: 64 */
};

struct pb_tcp {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	uint8_t opt_len; /* option bytes, a multiple of 4 */
	const uint8_t *opts; /* opt_len bytes; NULL: NOPs */
};

/* Empties p for a new frame. */
void pb_init(struct pb *p);

/* n zero bytes at the end of the frame, outside any header. */
uint8_t *pb_put(struct pb *p, uint32_t n);

/* n payload bytes; data NULL: 0xc0, 0xc1, ... */
uint8_t *pb_payload(struct pb *p, const void *data, uint32_t n);

/* MACs NULL: PB_MAC_DST, PB_MAC_SRC. */
void pb_eth(struct pb *p, const void *dst, const void *src, uint16_t etype);

/* A tag after an ethertype that was its TPID: the TCI, then etype. */
void pb_vlan(struct pb *p, uint16_t tci, uint16_t etype);

/* Linux cooked headers (SLL, SLL2) carrying proto. */
void pb_sll(struct pb *p, uint16_t proto);
void pb_sll2(struct pb *p, uint16_t proto);

void pb_ipv4(struct pb *p, const struct pb_ip4 *h);
void pb_ipv6(struct pb *p, const struct pb_ip6 *h);

/*
 * An IPv6 extension header of type (the previous next header said so) of
 * len bytes, then nh.  Options headers are padded with PadN.
 */
void pb_ipv6_ext(struct pb *p, uint8_t type, uint8_t nh, uint32_t len);
void pb_ipv6_frag(struct pb *p, uint8_t nh, uint16_t off_flags, uint32_t id);

void pb_tcp(struct pb *p, const struct pb_tcp *t);
void pb_udp(struct pb *p, uint16_t sport, uint16_t dport);
void pb_icmp(struct pb *p, uint8_t type, uint8_t code);

/* The lengths and checksums of the datagram written so far. */
void pb_finish(struct pb *p);

/* Big-endian stores, for tests that rewrite a field. */
void pb_put16(uint8_t *at, uint16_t v);
void pb_put32(uint8_t *at, uint32_t v);

#endif /* FS_PKTBUILD_H */
