// SPDX-License-Identifier: GPL-2.0
/*
 * frames: the records of a capture in memory, and the synthetic capture
 * of what the shared ones lack (VLAN stacks of 1 to 4 tags in both TPIDs,
 * ARP, ICMP, IPv4 and IPv6 fragments, extension headers, SCTP, 802.3 LLC,
 * broadcast, headers cut by the snapshot length, lying lengths, a frame
 * larger than a page).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filtertest.h"
#include "parse/pcap_reader.h"
#include "parse/pkt.h"
#include "pktbuild.h"

int frames_load(const char *path, struct frame_file *ff, char *err,
		size_t errlen)
{
	struct pcap_reader *rd;
	struct pcap_rec rec;
	size_t cap = 0;
	struct frame *nf;
	int ret;

	memset(ff, 0, sizeof(*ff));
	ret = pcap_reader_open(path, &rd, err, errlen);
	if (ret)
		return ret;
	ff->path = strdup(path);
	while ((ret = pcap_reader_next(rd, &rec)) == 1) {
		if (rec.linktype != LINKTYPE_ETHERNET)
			continue;
		if (ff->n == cap) {
			cap = cap ? cap * 2 : 256;
			nf = realloc(ff->f, cap * sizeof(*nf));
			if (!nf) {
				ret = -ENOMEM;
				break;
			}
			ff->f = nf;
		}
		nf = &ff->f[ff->n];
		nf->data = malloc(rec.caplen ? rec.caplen : 1);
		if (!nf->data) {
			ret = -ENOMEM;
			break;
		}
		memcpy(nf->data, rec.data, rec.caplen);
		nf->caplen = rec.caplen;
		nf->wirelen = rec.wirelen;
		nf->ts_ns = rec.ts_ns;
		ff->n++;
	}
	if (ret < 0)
		snprintf(err, errlen, "%s: %s", path, pcap_reader_error(rd));
	pcap_reader_close(rd);
	return ret < 0 ? ret : 0;
}

void frames_free(struct frame_file *ff)
{
	size_t i;

	for (i = 0; i < ff->n; i++)
		free(ff->f[i].data);
	free(ff->f);
	free(ff->path);
	memset(ff, 0, sizeof(*ff));
}

/* Classic pcap, microseconds, Ethernet. */
static void put_hdr(FILE *f)
{
	const uint32_t h[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 262144, 1};

	fwrite(h, sizeof(h), 1, f);
}

static void put_rec(FILE *f, const struct pb *p, uint32_t caplen, int i)
{
	uint32_t h[4] = {1700000000u + i, 0, caplen, p->len};

	fwrite(h, sizeof(h), 1, f);
	fwrite(p->b, caplen, 1, f);
}

static const uint8_t mac_bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t mac_stp[6] = {0x01, 0x80, 0xc2, 0, 0, 0};

/* IPv4 TCP (or UDP) behind tags (TPIDs outer first; 0 ends the list). */
static void tagged(struct pb *p, const uint16_t *tpid, int proto,
		   uint16_t sport, uint16_t dport)
{
	int i, n = 0;

	while (n < 4 && tpid[n])
		n++;
	pb_init(p);
	pb_eth(p, NULL, NULL, n ? tpid[0] : ETH_P_IP);
	for (i = 0; i < n; i++)
		pb_vlan(p, 100 + i, i + 1 < n ? tpid[i + 1] : ETH_P_IP);
	pb_ipv4(p, &(struct pb_ip4){.proto = proto});
	if (proto == IPPROTO_TCP)
		pb_tcp(p, &(struct pb_tcp){.sport = sport,
					   .dport = dport,
					   .flags = 0x02});
	else
		pb_udp(p, sport, dport);
	pb_payload(p, NULL, 20);
	pb_finish(p);
}

static void arp(struct pb *p, uint16_t op, const char *spa, const char *tpa)
{
	uint8_t *a;

	pb_init(p);
	pb_eth(p, mac_bcast, NULL, ETH_P_ARP);
	a = pb_put(p, 28);
	memcpy(a, "\x00\x01\x08\x00\x06\x04", 6);
	pb_put16(a + 6, op);
	memcpy(a + 8, PB_MAC_SRC, 6);
	inet_pton(AF_INET, spa, a + 14);
	inet_pton(AF_INET, tpa, a + 24);
	pb_put(p, 18); /* padded to 60 */
}

static void ip4(struct pb *p, int proto, uint16_t frag, int opts)
{
	pb_init(p);
	pb_eth(p, NULL, NULL, ETH_P_IP);
	pb_ipv4(p, &(struct pb_ip4){
			   .proto = proto, .frag = frag, .opt_len = opts});
}

static void ip6(struct pb *p, const uint8_t *chain, int n)
{
	int i;

	pb_init(p);
	pb_eth(p, NULL, NULL, ETH_P_IPV6);
	pb_ipv6(p, &(struct pb_ip6){.nh = chain[0]});
	for (i = 0; i + 1 < n; i++) {
		if (chain[i] == IPPROTO_FRAGMENT)
			pb_ipv6_frag(p, chain[i + 1], i == 0 ? 1 : 1480, 7);
		else
			pb_ipv6_ext(p, chain[i], chain[i + 1], 8);
	}
}

int synth_write(const char *path)
{
	static const uint16_t stacks[][5] = {
		{ETH_P_8021Q},
		{ETH_P_8021AD, ETH_P_8021Q},
		{ETH_P_8021Q, ETH_P_8021Q, ETH_P_8021Q},
		{ETH_P_8021AD, ETH_P_8021Q, ETH_P_8021AD, ETH_P_8021Q},
		{0x9100, ETH_P_8021Q},
	};
	static const uint8_t c6[][4] = {
		{IPPROTO_TCP},
		{IPPROTO_FRAGMENT, IPPROTO_TCP},
		{IPPROTO_HOPOPTS, IPPROTO_TCP},
		{IPPROTO_HOPOPTS, IPPROTO_DSTOPTS, IPPROTO_UDP},
		{IPPROTO_UDP},
		{58},
	};
	static const int n6[] = {1, 2, 2, 3, 1, 1};
	struct pb *p = malloc(sizeof(*p));
	FILE *f = fopen(path, "w");
	unsigned int i;
	int k = 0;

	if (!p || !f) {
		free(p);
		if (f)
			fclose(f);
		return -errno;
	}
	put_hdr(f);
	for (i = 0; i < sizeof(stacks) / sizeof(stacks[0]); i++) {
		tagged(p, stacks[i], IPPROTO_TCP, 40000, 80);
		put_rec(f, p, p->len, k++);
		tagged(p, stacks[i], IPPROTO_UDP, 5353, 53);
		put_rec(f, p, p->len, k++);
	}
	arp(p, 1, "198.18.0.1", "198.18.0.2");
	put_rec(f, p, p->len, k++);
	arp(p, 2, "198.18.0.2", "198.18.0.1");
	put_rec(f, p, p->len, k++);
	ip4(p, IPPROTO_ICMP, 0, 0);
	pb_icmp(p, 8, 0);
	pb_payload(p, NULL, 32);
	pb_finish(p);
	put_rec(f, p, p->len, k++);
	ip4(p, IPPROTO_TCP, 0x2000, 0); /* first fragment */
	pb_tcp(p, &(struct pb_tcp){.sport = 40000, .dport = 80, .flags = 0x18});
	pb_payload(p, NULL, 64);
	pb_finish(p);
	put_rec(f, p, p->len, k++);
	ip4(p, IPPROTO_TCP, 185, 0); /* later fragment */
	pb_payload(p, NULL, 64);
	pb_finish(p);
	put_rec(f, p, p->len, k++);
	ip4(p, IPPROTO_TCP, 0, 12); /* options */
	pb_tcp(p,
	       &(struct pb_tcp){.sport = 443, .dport = 50000, .flags = 0x12});
	pb_finish(p);
	put_rec(f, p, p->len, k++);
	ip4(p, 132, 0, 0); /* SCTP: ports where TCP's are */
	pb_udp(p, 80, 5000);
	pb_finish(p);
	put_rec(f, p, p->len, k++);
	ip4(p, IPPROTO_UDP, 0, 0); /* ports 0 and 65535 */
	pb_udp(p, 0, 65535);
	pb_finish(p);
	put_rec(f, p, p->len, k++);
	for (i = 0; i < sizeof(c6) / sizeof(c6[0]); i++) {
		ip6(p, c6[i], n6[i]);
		if (c6[i][n6[i] - 1] == IPPROTO_TCP)
			pb_tcp(p, &(struct pb_tcp){.sport = 40000,
						   .dport = 443,
						   .flags = 0x10});
		else if (c6[i][n6[i] - 1] == IPPROTO_UDP)
			pb_udp(p, 5353, 53);
		else
			pb_icmp(p, 128, 0);
		pb_payload(p, NULL, 16);
		pb_finish(p);
		put_rec(f, p, p->len, k++);
	}
	/* 802.3 with LLC (STP): a length where the EtherType would be. */
	pb_init(p);
	pb_eth(p, mac_stp, NULL, 38);
	memcpy(pb_put(p, 46), "\x42\x42\x03\x00\x00", 5);
	put_rec(f, p, p->len, k++);
	/* TCP cut by the snapshot length inside the TCP header. */
	tagged(p, (const uint16_t[]){0}, IPPROTO_TCP, 40000, 80);
	put_rec(f, p, 14 + 20 + 6, k++);
	put_rec(f, p, 14 + 10, k++);
	/* Lengths that lie: IPv4 total length 0, and past the frame. */
	tagged(p, (const uint16_t[]){0}, IPPROTO_TCP, 40000, 80);
	pb_put16(p->b + 16, 0);
	put_rec(f, p, p->len, k++);
	pb_put16(p->b + 16, 4000);
	put_rec(f, p, p->len, k++);
	/* UDP length 7. */
	ip4(p, IPPROTO_UDP, 0, 0);
	pb_udp(p, 5353, 53);
	pb_finish(p);
	pb_put16(p->b + p->l4 + 4, 7);
	put_rec(f, p, p->len, k++);
	/* Broadcast IPv4 UDP, and a 9000-byte frame (multi-buffer in XDP). */
	pb_init(p);
	pb_eth(p, mac_bcast, NULL, ETH_P_IP);
	pb_ipv4(p, &(struct pb_ip4){.proto = IPPROTO_UDP});
	pb_udp(p, 68, 67);
	pb_payload(p, NULL, 300);
	pb_finish(p);
	put_rec(f, p, p->len, k++);
	ip4(p, IPPROTO_TCP, 0, 0);
	pb_tcp(p, &(struct pb_tcp){.sport = 50000, .dport = 80, .flags = 0x18});
	memcpy(pb_payload(p, NULL, 9000), "GET / HTTP/1.1\r\n", 16);
	pb_finish(p);
	put_rec(f, p, p->len, k++);
	free(p);
	return fclose(f) ? -errno : 0;
}
