/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a frame's headers must be for the packet parsers to take them: one
 * set of rules and limits, included by the classifier's parser
 * (bpf/classifier.bpf.c: its malformed and fragment counters) and by the
 * userspace parser (user/parse/pkt.c: capture --streams, read), so both
 * give every frame the same verdict.  tests/bpf/test_parse_agree.c runs a
 * corpus of malformed and edge frames through both and compares them frame
 * by frame.
 *
 * Two lengths: the bytes a parser can read ("captured": the record's
 * captured bytes in userspace, the linear part of the frame in XDP) and
 * the frame's length on the wire ("frame").  A header that is not wholly
 * captured is malformed; a length field that points past the frame is
 * malformed; a datagram the capture cut short (snapshot length) is not.
 *
 * - Ethernet: 14 bytes.  Up to FS_VLAN_MAX tags (802.1Q, 802.1ad, in any
 *   order), 4 bytes each; behind more tags the frame is not IP.
 * - IPv4: 20 bytes, version 4, IHL of 5 or more and the whole header.
 *   Total length 0 means the rest of the frame (TSO and BIG TCP, as
 *   tcpdump guesses); any other must be at least the header length and
 *   at most the frame's bytes from the IP header on.  MF or an offset: a
 *   fragment; with an offset there is no L4 header to parse.
 * - IPv6: 40 bytes, version 6.  Payload length 0 means the rest of the
 *   frame (jumbogram, BIG TCP); any other must fit in the frame.  Up to
 *   FS_IPV6_EXT_MAX extension headers (hop-by-hop, routing, fragment,
 *   destination options, AH) are walked, each wholly inside the payload;
 *   behind more the upper protocol is unknown, which is not malformed.  A
 *   fragment header with an offset or M set: a fragment (an atomic
 *   fragment, offset 0 without M, is not); with an offset the walk ends.
 * - TCP: 20 bytes, a data offset of 5 words or more, the whole header
 *   (options too) inside the datagram.
 * - UDP: 8 bytes inside the datagram, a length field of 8 or more.
 *
 * The helpers take host-order numbers and only decide; each parser reads
 * the fields and checks "captured" its own way (the verifier needs the
 * classifier's pointer comparisons).  Kernel types only, no libc.
 */
#ifndef FS_PARSE_RULES_H
#define FS_PARSE_RULES_H

#include <linux/types.h>

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define FS_ETH_HLEN 14
#define FS_VLAN_HLEN 4
#define FS_VLAN_MAX 4
#define FS_ETH_P_IP 0x0800
#define FS_ETH_P_IPV6 0x86dd
#define FS_ETH_P_8021Q 0x8100
#define FS_ETH_P_8021AD 0x88a8
#define FS_IP4_MIN_HLEN 20
#define FS_IP6_HLEN 40
#define FS_IPV6_EXT_MAX 8
#define FS_IP6_EXT_MIN 8 /* every extension header is 8 bytes or more */
#define FS_TCP_MIN_HLEN 20
#define FS_UDP_HLEN 8

#define FS_IP4_MF 0x2000
#define FS_IP4_OFFSET 0x1fff
#define FS_IP6_FRAG_OFFSET 0xfff8
#define FS_IP6_FRAG_MF 0x0001

/* IPv6 next-header values of the extension headers walked. */
#define FS_IP6_HOPOPTS 0
#define FS_IP6_ROUTING 43
#define FS_IP6_FRAGMENT 44
#define FS_IP6_AH 51
#define FS_IP6_DSTOPTS 60

static __always_inline int fs_is_vlan_tpid(__u16 tpid)
{
	return tpid == FS_ETH_P_8021Q || tpid == FS_ETH_P_8021AD;
}

/*
 * The IPv4 datagram's length from its total length field tot, header
 * length hl (bytes, already checked) and room, the frame's bytes from the
 * IP header on: 0 when malformed.
 */
static __always_inline __u32 fs_ip4_len(__u32 tot, __u32 hl, __u32 room)
{
	if (tot == 0)
		tot = room;
	if (tot < hl || tot > room)
		return 0;
	return tot;
}

/* An IPv4 header's flags and offset (host order). */
static __always_inline int fs_ip4_is_fragment(__u16 frag)
{
	return (frag & (FS_IP4_MF | FS_IP4_OFFSET)) != 0;
}

static __always_inline int fs_ip4_later_fragment(__u16 frag)
{
	return (frag & FS_IP4_OFFSET) != 0;
}

/*
 * The IPv6 payload's length from the payload length field plen and room,
 * the frame's bytes after the fixed header: 0 with *len set, or -1 when
 * malformed.
 */
static __always_inline int fs_ip6_payload(__u32 plen, __u32 room, __u32 *len)
{
	if (plen == 0)
		plen = room;
	if (plen > room)
		return -1;
	*len = plen;
	return 0;
}

static __always_inline int fs_ip6_is_ext(__u8 nh)
{
	return nh == FS_IP6_HOPOPTS || nh == FS_IP6_ROUTING ||
	       nh == FS_IP6_FRAGMENT || nh == FS_IP6_AH || nh == FS_IP6_DSTOPTS;
}

/* The length of extension header nh from its second byte. */
static __always_inline __u32 fs_ip6_ext_len(__u8 nh, __u8 hdrlen)
{
	if (nh == FS_IP6_FRAGMENT)
		return 8;
	if (nh == FS_IP6_AH)
		return ((__u32)hdrlen + 2) * 4;
	return ((__u32)hdrlen + 1) * 8;
}

/* A fragment header's offset and flags (host order). */
static __always_inline int fs_ip6_is_fragment(__u16 frag)
{
	return (frag & (FS_IP6_FRAG_OFFSET | FS_IP6_FRAG_MF)) != 0;
}

static __always_inline int fs_ip6_later_fragment(__u16 frag)
{
	return (frag & FS_IP6_FRAG_OFFSET) != 0;
}

/* TCP header length hl (bytes) against room, the datagram's L4 bytes. */
static __always_inline int fs_tcp_hlen_ok(__u32 hl, __u32 room)
{
	return hl >= FS_TCP_MIN_HLEN && hl <= room;
}

/* UDP: the header inside the datagram, and its length field ulen. */
static __always_inline int fs_udp_ok(__u32 ulen, __u32 room)
{
	return room >= FS_UDP_HLEN && ulen >= FS_UDP_HLEN;
}

#endif /* FS_PARSE_RULES_H */
