/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pkt: the userspace packet parser.  pkt_parse() reads a captured frame
 * (Ethernet with up to PKT_VLAN_MAX VLAN tags, Linux cooked SLL/SLL2, or
 * raw IP) into a struct pkt that points into the caller's buffer: nothing
 * is copied, and the caller keeps ownership of the bytes.  What it calls
 * malformed is what the classifier calls malformed: both follow
 * headers/fs_parse_rules.h.
 */
#ifndef FS_PKT_H
#define FS_PKT_H

#include <stdbool.h>
#include <stdint.h>

#include "fs_parse_rules.h"

/* Link types (pcap LINKTYPE_* values). */
#define LINKTYPE_ETHERNET 1
#define LINKTYPE_RAW 101
#define LINKTYPE_LINUX_SLL 113
#define LINKTYPE_IPV4 228
#define LINKTYPE_IPV6 229
#define LINKTYPE_LINUX_SLL2 276

/* An IP address; IPv4 is held in a[0] (network order), a[1..3] zero. */
struct pkt_addr {
	uint32_t a[4];
};

enum pkt_status {
	PKT_OK = 0, /* parsed to L4 (or to L3 for other protocols) */
	PKT_NOT_IP, /* valid frame, not IPv4/IPv6 */
	PKT_MALFORMED, /* truncated or inconsistent headers */
	PKT_BAD_LINKTYPE, /* link type not supported */
};

/*
 * VLAN tags parsed (802.1Q and 802.1ad, in any order), as in the
 * classifier; a deeper stack is not IP to this parser.
 */
#define PKT_VLAN_MAX FS_VLAN_MAX

/* TCP flags, as in the header's flag byte. */
#define PKT_TCP_FIN 0x01
#define PKT_TCP_SYN 0x02
#define PKT_TCP_RST 0x04
#define PKT_TCP_PSH 0x08
#define PKT_TCP_ACK 0x10

struct pkt {
	uint16_t vlan[PKT_VLAN_MAX]; /* VLAN ids, outer first */
	uint8_t nvlan;
	uint8_t family; /* 4, 6, or 0 when not IP */
	uint8_t l4proto; /* IPPROTO_*; 0 when unknown */
	bool fragment; /* part of a fragmented datagram */
	bool has_ports; /* L4 header parsed (TCP/UDP, first fragment) */
	struct pkt_addr src, dst;
	uint16_t sport, dport; /* host byte order */

	/* TCP only */
	uint32_t seq, ack; /* host byte order */
	uint8_t tcp_flags;
	uint16_t window;

	/*
	 * L4 payload inside the caller's buffer.  payload_len is the length
	 * the IP header announces (less padding); payload_caplen is how much
	 * of it the buffer holds (smaller when the capture was truncated).
	 */
	const uint8_t *payload;
	uint32_t payload_len;
	uint32_t payload_caplen;
	uint32_t l3_off; /* offset of the IP header in the frame */
	const uint8_t *l4; /* the TCP/UDP header (has_ports), else NULL */
};

/*
 * Parse caplen captured bytes of a frame that was wirelen bytes long on
 * the wire (a wirelen below caplen counts as caplen): a length field past
 * the frame is malformed, one past the capture only shortens
 * payload_caplen.
 */
enum pkt_status pkt_parse(const uint8_t *frame, uint32_t caplen,
			  uint32_t wirelen, int linktype, struct pkt *out);

/* Format an address ("198.18.0.1" or "2001:db8::1") into buf. */
const char *pkt_addr_str(const struct pkt_addr *a, int family, char *buf,
			 unsigned int len);

#endif /* FS_PKT_H */
