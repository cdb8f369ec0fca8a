// SPDX-License-Identifier: GPL-2.0
/*
 * The classifier's parser and the userspace parser follow one set of
 * rules (headers/fs_parse_rules.h): a generated corpus of malformed and
 * edge frames (VLAN stacks of 0 to 5 tags, every IHL, lying IPv4 total
 * and IPv6 payload lengths, fragments, extension header chains of 0 to
 * 10, UDP lengths below 8, every TCP data offset, most of them also cut
 * at every length) goes through fs_classify under BPF_PROG_TEST_RUN (its
 * malformed and fragment counters) and through pkt_parse() (PKT_MALFORMED
 * and pkt.fragment), and the verdicts must agree frame by frame.  Each
 * case prints the counts it compared.
 */
#include <errno.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "classifier.skel.h"
#include "fs_parse_rules.h"
#include "fs_shared.h"
#include "lib/log.h"
#include "parse/pkt.h"
#include "pktbuild.h"
#include "testlib.h"

#define KERN_ENOTSUPP 524

static struct classifier *skel;
static int prog_fd, stats_fd, ncpus;

/* What a parser said of a frame. */
struct verdict {
	bool malformed, fragment;
};

/* Counts of one case. */
struct tally {
	unsigned long frames, malformed, fragments, differ;
};

static int stat_sum(uint32_t id, uint64_t *out)
{
	uint64_t vals[ncpus];
	int c;

	if (bpf_map_lookup_elem(stats_fd, &id, vals))
		return -errno;
	*out = 0;
	for (c = 0; c < ncpus; c++)
		*out += vals[c];
	return 0;
}

/* The classifier's verdict from its counters around one run. */
static int xdp_verdict(const uint8_t *b, uint32_t len, struct verdict *v)
{
	static uint8_t out[PB_FRAME_MAX + 64];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = b, .data_size_in = len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);
	uint64_t m0, m1, f0, f1;

	if (stat_sum(FS_STAT_MALFORMED, &m0) ||
	    stat_sum(FS_STAT_FRAGMENT, &f0) ||
	    bpf_prog_test_run_opts(prog_fd, &o) ||
	    stat_sum(FS_STAT_MALFORMED, &m1) || stat_sum(FS_STAT_FRAGMENT, &f1))
		return -errno;
	v->malformed = m1 - m0 == 1;
	v->fragment = f1 - f0 == 1;
	return 0;
}

static struct verdict user_verdict(const uint8_t *b, uint32_t len)
{
	struct pkt p;
	enum pkt_status st = pkt_parse(b, len, len, LINKTYPE_ETHERNET, &p);

	return (struct verdict){st == PKT_MALFORMED, p.fragment};
}

/* One frame of len bytes (the whole frame as XDP sees it) through both. */
static void compare(const char *what, const uint8_t *b, uint32_t len,
		    struct tally *t)
{
	struct verdict x = {0}, u = user_verdict(b, len);

	if (len < FS_ETH_HLEN) /* test_run needs an Ethernet header */
		return;
	t->frames++;
	if (xdp_verdict(b, len, &x)) {
		fprintf(stderr, "  %s (%u bytes): test_run: %s\n", what, len,
			strerror(errno));
		t->differ++;
		return;
	}
	t->malformed += x.malformed;
	t->fragments += x.fragment;
	if (x.malformed != u.malformed || x.fragment != u.fragment) {
		if (t->differ < 10)
			fprintf(stderr,
				"  %s (%u bytes): classifier malformed %d "
				"fragment %d, userspace malformed %d "
				"fragment %d\n",
				what, len, x.malformed, x.fragment, u.malformed,
				u.fragment);
		t->differ++;
	}
}

/* f whole, and (cuts) cut at every length from the Ethernet header on. */
static void compare_all(const char *what, const struct pb *f, bool cuts,
			struct tally *t)
{
	uint32_t n;

	compare(what, f->b, f->len, t);
	for (n = FS_ETH_HLEN; cuts && n < f->len; n++)
		compare(what, f->b, n, t);
}

static void report(const char *name, const struct tally *t)
{
	char line[200];

	snprintf(line, sizeof(line),
		 "%s: %lu frames compared (%lu malformed, %lu fragments), "
		 "%lu disagreements",
		 name, t->frames, t->malformed, t->fragments, t->differ);
	t_report(line, t->frames > 0 && !t->differ, "verdicts differ");
}

/* The L4 header and payload of proto (TCP, UDP, ICMP/ICMPv6). */
static void l4(struct pb *f, int proto)
{
	if (proto == IPPROTO_TCP)
		pb_tcp(f, &(struct pb_tcp){.sport = 40000, .dport = 80});
	else if (proto == IPPROTO_UDP)
		pb_udp(f, 5353, 53);
	else
		pb_icmp(f, proto == 58 ? 128 : 8, 0);
	pb_payload(f, NULL, 12);
	pb_finish(f);
}

/* Ethernet with n tags (802.1ad and 802.1Q by turns), then etype. */
static void eth(struct pb *f, int ntags, uint16_t etype)
{
	int i;

	pb_init(f);
	pb_eth(f, NULL, NULL, ntags ? (ntags % 2 ? 0x8100 : 0x88a8) : etype);
	for (i = 0; i < ntags; i++)
		pb_vlan(f, 10 + i,
			i + 1 < ntags ? ((ntags - i - 1) % 2 ? 0x8100 : 0x88a8)
				      : etype);
}

static void ip4(struct pb *f, int ntags, int proto, uint16_t frag, int opts)
{
	eth(f, ntags, ETH_P_IP);
	pb_ipv4(f, &(struct pb_ip4){
			   .proto = proto, .frag = frag, .opt_len = opts});
}

static void ip6(struct pb *f, int ntags, uint8_t nh)
{
	eth(f, ntags, ETH_P_IPV6);
	pb_ipv6(f, &(struct pb_ip6){.nh = nh});
}

static struct pb frame;

/* 0 to 5 tags in front of IPv4 TCP, IPv4 UDP, IPv6 UDP and ARP. */
static void test_vlan_stacks(void)
{
	struct tally t = {0};
	int n;

	for (n = 0; n <= 5; n++) {
		ip4(&frame, n, IPPROTO_TCP, 0x2000, 0);
		l4(&frame, IPPROTO_TCP);
		compare_all("ipv4 tcp first fragment behind tags", &frame, true,
			    &t);
		ip4(&frame, n, IPPROTO_UDP, 0, 0);
		l4(&frame, IPPROTO_UDP);
		compare_all("ipv4 udp behind tags", &frame, true, &t);
		ip6(&frame, n, IPPROTO_FRAGMENT);
		pb_ipv6_frag(&frame, IPPROTO_UDP, 1, 9);
		l4(&frame, IPPROTO_UDP);
		compare_all("ipv6 fragment behind tags", &frame, true, &t);
		eth(&frame, n, ETH_P_ARP);
		memcpy(pb_put(&frame, 28), "\x00\x01\x08\x00\x06\x04", 6);
		compare_all("arp behind tags", &frame, false, &t);
	}
	report("vlan stacks 0..5", &t);
}

/* Every IHL (0..15, the options really there or not) and version. */
static void test_ipv4_headers(void)
{
	struct tally t = {0};
	int ihl, opts, v;

	for (opts = 0; opts <= 40; opts += 4) {
		for (ihl = 0; ihl <= 15; ihl++) {
			ip4(&frame, 0, IPPROTO_TCP, 0, opts);
			l4(&frame, IPPROTO_TCP);
			frame.b[frame.l3] = 0x40 | ihl;
			compare_all("ipv4 ihl", &frame, false, &t);
		}
	}
	for (v = 0; v <= 15; v++) {
		ip4(&frame, 1, IPPROTO_UDP, 0, 0);
		l4(&frame, IPPROTO_UDP);
		frame.b[frame.l3] = v << 4 | 5;
		compare_all("ipv4 version", &frame, false, &t);
		ip6(&frame, 0, IPPROTO_UDP);
		l4(&frame, IPPROTO_UDP);
		frame.b[frame.l3] = v << 4;
		compare_all("ipv6 version", &frame, false, &t);
	}
	report("ipv4 header lengths and versions", &t);
}

/*
 * Total lengths of 0, below and at the header, short of and past the
 * frame, with and without Ethernet padding after the datagram; IPv6
 * payload lengths likewise.
 */
static void test_lengths(void)
{
	static const int pads[] = {0, 6, 40};
	struct tally t = {0};
	uint32_t tot, dgram;
	unsigned int p;
	int d;

	for (p = 0; p < T_ARRAY_SIZE(pads); p++) {
		for (d = -30; d <= 50; d++) {
			ip4(&frame, 0, IPPROTO_TCP, 0, 8);
			l4(&frame, IPPROTO_TCP);
			pb_put(&frame, pads[p]);
			dgram = frame.len - pads[p] - frame.l3;
			tot = d == -30 ? 0 : (uint32_t)((int)dgram + d);
			pb_put16(frame.b + frame.l3 + 2, (uint16_t)tot);
			compare_all("ipv4 total length", &frame, false, &t);
			ip6(&frame, 0, IPPROTO_HOPOPTS);
			pb_ipv6_ext(&frame, IPPROTO_HOPOPTS, IPPROTO_UDP, 16);
			l4(&frame, IPPROTO_UDP);
			pb_put(&frame, pads[p]);
			dgram = frame.len - pads[p] - frame.l3 - FS_IP6_HLEN;
			tot = d == -30 ? 0 : (uint32_t)((int)dgram + d);
			pb_put16(frame.b + frame.l3 + 4, (uint16_t)tot);
			compare_all("ipv6 payload length", &frame, false, &t);
		}
	}
	report("ipv4 total and ipv6 payload lengths", &t);
}

/* MF, offsets, both; IPv6 fragment headers with offset, M, atomic. */
static void test_fragments(void)
{
	static const uint16_t f4[] = {0,      0x2000, 0x0001, 0x2001,
				      0x4000, 0x1fff, 0x8000, 0x00b9};
	static const uint16_t f6[] = {0, 1, 8, 9, 0xfff8, 6, 0x0010};
	static const int protos[] = {IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP};
	struct tally t = {0};
	unsigned int i, j;

	for (i = 0; i < T_ARRAY_SIZE(f4); i++) {
		for (j = 0; j < T_ARRAY_SIZE(protos); j++) {
			ip4(&frame, 0, protos[j], f4[i], 0);
			l4(&frame, protos[j]);
			compare_all("ipv4 fragment", &frame, true, &t);
		}
	}
	for (i = 0; i < T_ARRAY_SIZE(f6); i++) {
		for (j = 0; j < 2; j++) {
			ip6(&frame, j, IPPROTO_FRAGMENT);
			pb_ipv6_frag(&frame, j ? IPPROTO_UDP : IPPROTO_TCP,
				     f6[i], 77);
			l4(&frame, j ? IPPROTO_UDP : IPPROTO_TCP);
			compare_all("ipv6 fragment", &frame, true, &t);
		}
	}
	report("fragments", &t);
}

/*
 * Chains of 0 to 10 extension headers: of every kind in turn (a fragment
 * header among them), or options headers with one fragment header last;
 * in front of TCP, UDP or ICMPv6; whole and cut at every length, with a
 * broken L4 header behind them, and with the last one overrunning the
 * payload.  Whether the parsers walk as far is what tells them apart.
 */
static void test_ipv6_ext_chains(void)
{
	static const uint8_t kinds[] = {IPPROTO_DSTOPTS, IPPROTO_ROUTING,
					IPPROTO_AH, IPPROTO_FRAGMENT};
	static const int protos[] = {IPPROTO_TCP, IPPROTO_UDP, 58};
	uint8_t chain[12];
	uint32_t last = 0;
	struct tally t = {0};
	unsigned int p, r;
	int n, i;

	for (n = 0; n <= 10; n++) {
		for (r = 0; r < 5; r++) {
			for (p = 0; p < T_ARRAY_SIZE(protos); p++) {
				for (i = 0; i < n; i++)
					chain[i] =
						r == 4 ? (i + 1 < n
								  ? IPPROTO_DSTOPTS
								  : IPPROTO_FRAGMENT)
						: i == 0 && r == 0
							? IPPROTO_HOPOPTS
							: kinds[(i + r) % 4];
				chain[n] = protos[p];
				ip6(&frame, r % 2, chain[0]);
				for (i = 0; i < n; i++) {
					last = frame.len;
					if (chain[i] == IPPROTO_FRAGMENT)
						pb_ipv6_frag(
							&frame, chain[i + 1],
							r == 3 ? 0x100 : 1, 5);
					else
						pb_ipv6_ext(&frame, chain[i],
							    chain[i + 1],
							    8 * (1 + i % 3));
				}
				l4(&frame, protos[p]);
				compare_all("ipv6 extension chain", &frame,
					    true, &t);
				/* A broken L4 header behind the chain. */
				frame.b[frame.l4 +
					(protos[p] == IPPROTO_TCP ? 12 : 5)] =
					3;
				compare_all("ipv6 extension chain, bad L4",
					    &frame, false, &t);
				if (n && chain[n - 1] != IPPROTO_FRAGMENT) {
					/* The last header overruns. */
					frame.b[last + 1] = 0xf0;
					compare_all("ipv6 extension too long",
						    &frame, false, &t);
				}
			}
		}
	}
	report("ipv6 extension header chains 0..10", &t);
}

/* UDP length fields 0..9, exact, one past the datagram and 65535. */
static void test_udp_lengths(void)
{
	struct tally t = {0};
	uint32_t len, exact;
	int v, six;

	for (six = 0; six < 2; six++) {
		for (v = 0; v <= 12; v++) {
			if (six)
				ip6(&frame, 0, IPPROTO_UDP);
			else
				ip4(&frame, 0, IPPROTO_UDP, 0, 0);
			l4(&frame, IPPROTO_UDP);
			exact = frame.len - frame.l4;
			len = v <= 9	? (uint32_t)v
			      : v == 10 ? exact
			      : v == 11 ? exact + 1
					: 65535;
			pb_put16(frame.b + frame.l4 + 4, (uint16_t)len);
			compare_all("udp length", &frame, v == 7, &t);
		}
	}
	report("udp lengths", &t);
}

/* Every TCP data offset, the options there or not. */
static void test_tcp_offsets(void)
{
	struct tally t = {0};
	int doff, opts, six;

	for (six = 0; six < 2; six++) {
		for (opts = 0; opts <= 40; opts += 8) {
			for (doff = 0; doff <= 15; doff++) {
				if (six)
					ip6(&frame, 0, IPPROTO_TCP);
				else
					ip4(&frame, 0, IPPROTO_TCP, 0, 0);
				pb_tcp(&frame,
				       &(struct pb_tcp){.sport = 1,
							.dport = 2,
							.opt_len = opts});
				pb_finish(&frame);
				frame.b[frame.l4 + 12] = doff << 4;
				compare_all("tcp data offset", &frame, false,
					    &t);
			}
		}
	}
	report("tcp data offsets", &t);
}

/*
 * A frame larger than the linear part test_run gives an xdp.frags
 * program: its headers are there, its lengths cover the fragments.
 */
static void test_multi_buffer(void)
{
	struct tally t = {0};

	ip4(&frame, 1, IPPROTO_TCP, 0, 0);
	pb_tcp(&frame, &(struct pb_tcp){.sport = 1, .dport = 2});
	pb_payload(&frame, NULL, 9000);
	pb_finish(&frame);
	compare_all("9000-byte ipv4", &frame, false, &t);
	pb_put16(frame.b + frame.l3 + 2, 0);
	compare_all("9000-byte ipv4, total length 0", &frame, false, &t);
	ip6(&frame, 0, IPPROTO_UDP);
	l4(&frame, IPPROTO_UDP);
	pb_payload(&frame, NULL, 9000);
	pb_finish(&frame);
	compare_all("9000-byte ipv6", &frame, false, &t);
	report("multi-buffer frames", &t);
}

static int setup(void)
{
	static uint8_t pkt[64];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt,
		    .data_size_in = sizeof(pkt), .repeat = 1);
	struct bpf_map *m;
	int err;

	ncpus = libbpf_num_possible_cpus();
	skel = classifier__open();
	if (!skel)
		return T_EXIT_FAIL;
	bpf_object__for_each_map(m, skel->obj) bpf_map__set_pin_path(m, NULL);
	err = classifier__load(skel);
	if (err == -EPERM) {
		t_skip("loading BPF programs needs root");
		return T_EXIT_SKIP;
	}
	if (err) {
		fprintf(stderr, "classifier__load: %s\n", strerror(-err));
		return T_EXIT_FAIL;
	}
	prog_fd = bpf_program__fd(skel->progs.fs_classify);
	stats_fd = bpf_map__fd(skel->maps.fs_stats);
	if (!bpf_prog_test_run_opts(prog_fd, &o))
		return 0;
	if (errno == KERN_ENOTSUPP || errno == EOPNOTSUPP) {
		t_skip("BPF_PROG_TEST_RUN for XDP unavailable: %s",
		       strerror(errno));
		return T_EXIT_SKIP;
	}
	fprintf(stderr, "BPF_PROG_TEST_RUN: %s\n", strerror(errno));
	return T_EXIT_FAIL;
}

static const struct t_case cases[] = {
	T_CASE(test_vlan_stacks),     T_CASE(test_ipv4_headers),
	T_CASE(test_lengths),	      T_CASE(test_fragments),
	T_CASE(test_ipv6_ext_chains), T_CASE(test_udp_lengths),
	T_CASE(test_tcp_offsets),     T_CASE(test_multi_buffer),
};

int main(int argc, char **argv)
{
	int ret;

	log_init_libs();
	ret = t_run(argc, argv, cases, T_ARRAY_SIZE(cases), setup);
	classifier__destroy(skel);
	return ret;
}
