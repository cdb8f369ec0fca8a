/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcap_expr: a pcap-filter(7) expression compiled by libpcap, the
 * reference for its syntax and meaning.  Compiled with pcap_compile() on a
 * dead handle of each link type it is used with (snapshot 262144,
 * optimised, netmask 0: as tcpdump -r), and matched with
 * pcap_offline_filter(), libpcap's own interpreter.  Compiling is CPU
 * work only: nothing here waits.
 */
#ifndef FS_PCAP_EXPR_H
#define FS_PCAP_EXPR_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* pcap LINKTYPE_ETHERNET: what XDP sees. */
#define PCAP_EXPR_ETHERNET 1

/*
 * What no expression means: every TCP frame, also behind up to four VLAN
 * tags (each libpcap "vlan" moves the offsets of what follows it by the
 * 4 bytes of a tag, so each level nests inside the previous one).  On a
 * link type without VLAN tags (Linux cooked, raw IP, loopback), where
 * libpcap refuses "vlan": "tcp".
 */
#define PCAP_EXPR_DEFAULT                                       \
	"tcp or (vlan and (tcp or (vlan and (tcp or (vlan and " \
	"(tcp or (vlan and tcp)))))))"
#define PCAP_EXPR_DEFAULT_NO_VLAN "tcp"

struct pcap_expr;

/*
 * Compile expr for linktype (a pcap LINKTYPE_* value); NULL: the default,
 * PCAP_EXPR_DEFAULT (or _NO_VLAN where libpcap has no VLAN tags for the
 * link type).  Returns 0, or -EINVAL with libpcap's message in err, or
 * -ENOMEM.
 */
int pcap_expr_new(const char *expr, uint32_t linktype, struct pcap_expr **out,
		  char *err, size_t errlen);
void pcap_expr_free(struct pcap_expr *e);

/* Does libpcap take expr for linktype?  0, or -EINVAL with its message. */
int pcap_expr_check(const char *expr, uint32_t linktype, char *err,
		    size_t errlen);

/*
 * Compile for linktype too, now (a no-op when done already): so that an
 * input's link type libpcap refuses the expression for is a usage error
 * before any record is read.  0 or -EINVAL with libpcap's message.
 */
int pcap_expr_prepare(struct pcap_expr *e, uint32_t linktype, char *err,
		      size_t errlen);

/* The classic program for the first link type (for the translator). */
const struct sock_filter *pcap_expr_insns(const struct pcap_expr *e,
					  size_t *len);

/*
 * libpcap's decision on one frame of linktype.  A link type not seen yet
 * is compiled on first use; -EINVAL (message in err) when libpcap refuses
 * the expression for it.  Returns 1 match, 0 no match.
 */
int pcap_expr_match(struct pcap_expr *e, uint32_t linktype, const uint8_t *data,
		    uint32_t caplen, uint32_t wirelen, char *err,
		    size_t errlen);

/* The classic program, one instruction a line, as tcpdump -d prints it. */
void pcap_expr_dump(const struct pcap_expr *e, FILE *f);

#endif /* FS_PCAP_EXPR_H */
