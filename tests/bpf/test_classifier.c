// SPDX-License-Identifier: GPL-2.0
/*
 * Classifier tests: fs_classify runs under BPF_PROG_TEST_RUN on a table of
 * crafted frames (every header variant it parses, each cut at every header
 * boundary and inside every header, a few inconsistent headers) and on
 * rule sets built by hand.  No socket sits in xsks here, so a match ends
 * in the redirect fallback (XDP_PASS): matches are read from the fs_stats
 * deltas (matched, nosock) of each run.  Frames come from pktbuild.  The
 * classifier attached to an interface is test_classifier_attach.c's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "classifier.skel.h"
#include "live/xdp_filter.h"
#include "live/xdp_rules.h"
#include "parse/cbpf_xlate.h"
#include "parse/filter.h"
#include "parse/pcap_expr.h"
#include "fs_shared.h"
#include "lib/log.h"
#include "parse/pkt.h"
#include "pktbuild.h"
#include "testlib.h"

/* The kernel-internal "not supported" errno test_run gives. */
#define KERN_ENOTSUPP 524
#define MAX_CUTS 48

enum frag_kind { FRAG_NONE, FRAG_FIRST, FRAG_LATER };

/* A header variant: what build_frame() puts on the wire. */
struct variant {
	const char *name;
	uint16_t tpid[2]; /* VLAN tags, outer first; 0: none */
	int family; /* 4, 6; 0: ARP */
	int ip_opts; /* IPv4 option bytes, a multiple of 4 */
	enum frag_kind frag;
	bool hbh, dstopts; /* IPv6 extension headers */
	int proto; /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP */
	int tcp_opts; /* TCP option bytes, a multiple of 4 */
	int payload;
	int pad; /* Ethernet padding after the IP datagram */
	uint16_t sport, dport;
};

/* Addresses: RFC 2544 benchmarking range and the IPv6 documentation one. */
#define SRC4 "198.18.0.1"
#define DST4 "198.18.1.2"
#define SRC6 "2001:db8::1"
#define DST6 "2001:db8:1::2"

static const struct variant variants[] = {
	{"ipv4 tcp",
	 {0},
	 4,
	 0,
	 FRAG_NONE,
	 0,
	 0,
	 IPPROTO_TCP,
	 0,
	 32,
	 0,
	 40000,
	 80},
	{"ipv4 udp",
	 {0},
	 4,
	 0,
	 FRAG_NONE,
	 0,
	 0,
	 IPPROTO_UDP,
	 0,
	 32,
	 0,
	 5353,
	 53},
	{"ipv4 udp padded",
	 {0},
	 4,
	 0,
	 FRAG_NONE,
	 0,
	 0,
	 IPPROTO_UDP,
	 0,
	 2,
	 16,
	 5353,
	 53},
	{"ipv4 options tcp",
	 {0},
	 4,
	 12,
	 FRAG_NONE,
	 0,
	 0,
	 IPPROTO_TCP,
	 12,
	 32,
	 0,
	 40000,
	 80},
	{"ipv4 first fragment",
	 {0},
	 4,
	 0,
	 FRAG_FIRST,
	 0,
	 0,
	 IPPROTO_TCP,
	 0,
	 32,
	 0,
	 40000,
	 80},
	{"ipv4 later fragment",
	 {0},
	 4,
	 0,
	 FRAG_LATER,
	 0,
	 0,
	 IPPROTO_TCP,
	 0,
	 32,
	 0,
	 40000,
	 80},
	{"ipv4 icmp", {0}, 4, 0, FRAG_NONE, 0, 0, IPPROTO_ICMP, 0, 32, 0, 0, 0},
	{"802.1q ipv4 tcp",
	 {ETH_P_8021Q},
	 4,
	 0,
	 FRAG_NONE,
	 0,
	 0,
	 IPPROTO_TCP,
	 0,
	 32,
	 0,
	 40000,
	 80},
	{"qinq ipv4 tcp",
	 {ETH_P_8021AD, ETH_P_8021Q},
	 4,
	 0,
	 FRAG_NONE,
	 0,
	 0,
	 IPPROTO_TCP,
	 0,
	 32,
	 0,
	 40000,
	 80},
	{"ipv6 tcp",
	 {0},
	 6,
	 0,
	 FRAG_NONE,
	 0,
	 0,
	 IPPROTO_TCP,
	 0,
	 32,
	 0,
	 40000,
	 443},
	{"ipv6 udp",
	 {0},
	 6,
	 0,
	 FRAG_NONE,
	 0,
	 0,
	 IPPROTO_UDP,
	 0,
	 32,
	 0,
	 5353,
	 53},
	{"ipv6 hbh+dstopts tcp",
	 {0},
	 6,
	 0,
	 FRAG_NONE,
	 1,
	 1,
	 IPPROTO_TCP,
	 0,
	 32,
	 0,
	 40000,
	 443},
	{"ipv6 first fragment",
	 {0},
	 6,
	 0,
	 FRAG_FIRST,
	 0,
	 0,
	 IPPROTO_TCP,
	 0,
	 32,
	 0,
	 40000,
	 443},
	{"ipv6 later fragment",
	 {0},
	 6,
	 0,
	 FRAG_LATER,
	 0,
	 0,
	 IPPROTO_TCP,
	 0,
	 32,
	 0,
	 40000,
	 443},
	{"802.1q ipv6 hbh tcp",
	 {ETH_P_8021Q},
	 6,
	 0,
	 FRAG_NONE,
	 1,
	 0,
	 IPPROTO_TCP,
	 8,
	 32,
	 0,
	 40000,
	 443},
	{"arp", {0}, 0, 0, FRAG_NONE, 0, 0, 0, 0, 0, 0, 0, 0},
};

#define NVARIANTS (sizeof(variants) / sizeof(variants[0]))

/* What build_frame() puts on the wire for v, with pktbuild. */
static void build_frame(const struct variant *v, struct pb *f)
{
	uint16_t etype = v->family == 4	  ? ETH_P_IP
			 : v->family == 6 ? ETH_P_IPV6
					  : ETH_P_ARP;
	uint8_t src[16], dst[16], chain[4];
	int i, n = 0;

	pb_init(f);
	pb_eth(f, NULL, NULL, v->tpid[0] ? v->tpid[0] : etype);
	for (i = 0; i < 2 && v->tpid[i]; i++)
		pb_vlan(f, 100 + i, i == 0 && v->tpid[1] ? v->tpid[1] : etype);
	if (v->family == 4) {
		inet_pton(AF_INET, SRC4, src);
		inet_pton(AF_INET, DST4, dst);
		pb_ipv4(f, &(struct pb_ip4){
				   .src = src,
				   .dst = dst,
				   .proto = v->proto,
				   /* offset 1480, last; or offset 0, more */
				   .frag = v->frag == FRAG_LATER   ? 185
					   : v->frag == FRAG_FIRST ? 0x2000
								   : 0,
				   .opt_len = v->ip_opts,
			   });
	} else if (v->family == 6) {
		inet_pton(AF_INET6, SRC6, src);
		inet_pton(AF_INET6, DST6, dst);
		if (v->hbh)
			chain[n++] = IPPROTO_HOPOPTS;
		if (v->dstopts)
			chain[n++] = IPPROTO_DSTOPTS;
		if (v->frag != FRAG_NONE)
			chain[n++] = IPPROTO_FRAGMENT;
		chain[n] = v->proto;
		pb_ipv6(f, &(struct pb_ip6){
				   .src = src, .dst = dst, .nh = chain[0]});
		for (i = 0; i < n; i++) {
			if (chain[i] == IPPROTO_FRAGMENT)
				pb_ipv6_frag(f, chain[i + 1],
					     v->frag == FRAG_LATER ? 1480 : 1,
					     42);
			else
				pb_ipv6_ext(f, chain[i], chain[i + 1],
					    chain[i] == IPPROTO_HOPOPTS ? 8
									: 16);
		}
	} else {
		memcpy(pb_put(f, 28), "\x00\x01\x08\x00\x06\x04\x00\x01", 8);
		return;
	}
	if (v->frag == FRAG_LATER)
		memset(pb_put(f, v->payload), 0xab, v->payload);
	else if (v->proto == IPPROTO_TCP)
		pb_tcp(f, &(struct pb_tcp){.sport = v->sport,
					   .dport = v->dport,
					   .flags = 0x18, /* PSH ACK */
					   .opt_len = v->tcp_opts});
	else if (v->proto == IPPROTO_UDP)
		pb_udp(f, v->sport, v->dport);
	else
		pb_icmp(f, 8, 0); /* echo request */
	if (v->frag != FRAG_LATER)
		pb_put(f, v->payload);
	pb_finish(f);
	pb_put(f, v->pad);
}

/*
 * Where to cut f: the end of every header and a point inside it, but
 * none inside the MAC addresses (test_run needs ETH_HLEN bytes); inside
 * the payload and one byte short of its end.
 */
static int cuts_of(const struct variant *v, const struct pb *f,
		   uint32_t cut[MAX_CUTS])
{
	unsigned int i;
	int n = 0;

	cut[n++] = f->hdr[0].off + f->hdr[0].len;
	for (i = 1; i < f->nhdr && n + 2 <= MAX_CUTS; i++) {
		if (f->hdr[i].len > 1)
			cut[n++] = f->hdr[i].off + f->hdr[i].len / 2;
		cut[n++] = f->hdr[i].off + f->hdr[i].len;
	}
	if (v->payload && n + 2 <= MAX_CUTS) {
		if (v->payload > 2)
			cut[n++] = f->hend + (v->payload - 1) / 2;
		cut[n++] = f->hend + v->payload - 1;
	}
	return n;
}

/* The classifier under test. */
static struct classifier *skel;
static int prog_fd, ncpus;

static int read_stats(int map_fd, uint64_t out[FS_STAT_MAX])
{
	uint64_t vals[ncpus];
	uint32_t k;
	int c;

	for (k = 0; k < FS_STAT_MAX; k++) {
		if (bpf_map_lookup_elem(map_fd, &k, vals))
			return -errno;
		out[k] = 0;
		for (c = 0; c < ncpus; c++)
			out[k] += vals[c];
	}
	return 0;
}

struct result {
	int err;
	uint32_t retval;
	uint64_t d[FS_STAT_MAX]; /* counter deltas */
	uint8_t out[PB_FRAME_MAX + 64];
	uint32_t out_len;
};

static void run(const uint8_t *data, uint32_t len, struct result *r)
{
	int stats_fd = bpf_map__fd(skel->maps.fs_stats);
	uint64_t before[FS_STAT_MAX], after[FS_STAT_MAX];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = data, .data_size_in = len,
		    .data_out = r->out, .data_size_out = sizeof(r->out),
		    .repeat = 1);
	int i;

	memset(r->d, 0, sizeof(r->d));
	r->err = read_stats(stats_fd, before);
	if (!r->err)
		r->err = bpf_prog_test_run_opts(prog_fd, &o) ? -errno : 0;
	if (!r->err)
		r->err = read_stats(stats_fd, after);
	if (r->err)
		return;
	r->retval = o.retval;
	r->out_len = o.data_size_out;
	for (i = 0; i < FS_STAT_MAX; i++)
		r->d[i] = after[i] - before[i];
}

static struct xdp_rules_maps rules_maps(void)
{
	return (struct xdp_rules_maps){
		.rules_fd = bpf_map__fd(skel->maps.fs_rules),
		.ctl_fd = bpf_map__fd(skel->maps.fs_ctl),
		.hosts_fd = bpf_map__fd(skel->maps.fs_hosts),
		.nets_fd = bpf_map__fd(skel->maps.fs_nets),
		.ports_fd = bpf_map__fd(skel->maps.fs_ports),
	};
}

/* A rule set and its sets, as xdp_prog_set_rules() installs them. */
static int load_filter(const struct filter_rules *r)
{
	struct xdp_rules_maps m = rules_maps();
	long gen = xdp_rules_install(&m, r);

	return gen < 0 ? (int)gen : 0;
}

/* A rule set built by hand (no sets). */
static int load_rules(const struct fs_ruleset *rs)
{
	static struct filter_rules r;

	r.rs = *rs;
	return load_filter(&r);
}

/* Rule set builders. */
static struct fs_ruleset rs;

static void rs_clear(void)
{
	memset(&rs, 0, sizeof(rs));
}

static void rs_term(void)
{
	rs.nterms++;
}

static struct fs_pred *rs_pred(int kind, int dir, bool neg)
{
	struct fs_term *t = &rs.terms[rs.nterms - 1];
	struct fs_pred *p = &t->preds[t->npreds++];

	p->kind = kind;
	p->dir = dir;
	p->negate = neg;
	return p;
}

static void p_l3(int family, bool neg)
{
	rs_pred(FS_PRED_L3, 0, neg)->family = family;
}

static void p_l4(int proto, bool neg)
{
	rs_pred(FS_PRED_L4, 0, neg)->proto = proto;
}

static void p_port(uint16_t lo, uint16_t hi, int dir, bool neg)
{
	struct fs_pred *p = rs_pred(FS_PRED_PORT, dir, neg);

	p->port_lo = lo;
	p->port_hi = hi;
}

/* "198.18.0.0/15" or "2001:db8::/32"; no prefix: a host. */
static void p_net(const char *cidr, int dir, bool neg)
{
	struct fs_pred *p = rs_pred(FS_PRED_ADDR, dir, neg);
	char buf[64], *slash;
	int bits, i;

	snprintf(buf, sizeof(buf), "%s", cidr);
	slash = strchr(buf, '/');
	if (slash)
		*slash = 0;
	p->family = strchr(buf, ':') ? 6 : 4;
	bits = slash ? atoi(slash + 1) : (p->family == 4 ? 32 : 128);
	if (inet_pton(p->family == 4 ? AF_INET : AF_INET6, buf, p->addr) != 1)
		abort();
	for (i = 0; i < 4; i++) {
		int b = bits - 32 * i;

		p->mask[i] = b >= 32  ? 0xffffffff
			     : b <= 0 ? 0
				      : htonl(~((1u << (32 - b)) - 1));
	}
}

/* Matches every IPv4 and IPv6 frame. */
static void rs_any_ip(void)
{
	rs_clear();
	rs_term();
	p_l3(4, false);
	rs_term();
	p_l3(6, false);
}

static struct pb frames[NVARIANTS];

static const struct pb *frame_of(const char *name)
{
	unsigned int i;

	for (i = 0; i < NVARIANTS; i++)
		if (!strcmp(variants[i].name, name))
			return &frames[i];
	fprintf(stderr, "no frame variant '%s'\n", name);
	abort();
}

/* libpcap's decision on a frame: what every rule must agree with. */
static int pcap_says(const char *expr, const uint8_t *b, uint32_t len)
{
	struct pcap_expr *e;
	char err[256];
	int m;

	if (pcap_expr_new(expr, PCAP_EXPR_ETHERNET, &e, err, sizeof(err)))
		return -1;
	m = pcap_expr_match(e, PCAP_EXPR_ETHERNET, b, len, len, err,
			    sizeof(err));
	pcap_expr_free(e);
	return m;
}

/*
 * Every variant, whole: parsed, and matched by "ip or ip6" where libpcap
 * matches it (not behind a VLAN tag: libpcap's "ip" reads the EtherType
 * at offset 12).
 */
static void test_variants(void)
{
	struct result r;
	char name[128];
	unsigned int i;

	rs_any_ip();
	CHECK_EQ(load_rules(&rs), 0);
	for (i = 0; i < NVARIANTS; i++) {
		const struct variant *v = &variants[i];
		bool ip = pcap_says("ip or ip6", frames[i].b, frames[i].len) ==
			  1,
		     ok;

		snprintf(name, sizeof(name), "parse %s", v->name);
		run(frames[i].b, frames[i].len, &r);
		ok = !r.err && r.retval == XDP_PASS && r.d[FS_STAT_SEEN] == 1 &&
		     r.d[FS_STAT_PASSED] == 1 && r.d[FS_STAT_MALFORMED] == 0 &&
		     r.d[FS_STAT_MATCHED] == ip && r.d[FS_STAT_NOSOCK] == ip &&
		     r.d[FS_STAT_REDIRECTED] == 0 &&
		     r.d[FS_STAT_FRAGMENT] == (v->frag != FRAG_NONE);
		t_report(name, ok, "unexpected verdict or counters");
	}
}

/*
 * Every variant cut at every boundary and midpoint: malformed, passed,
 * and matched by "ip or ip6" exactly when libpcap matches the cut frame.
 */
static void test_truncation(void)
{
	struct result r;
	char name[128];
	unsigned int i;
	int c, bad;

	rs_any_ip();
	CHECK_EQ(load_rules(&rs), 0);
	for (i = 0; i < NVARIANTS; i++) {
		const struct pb *f = &frames[i];
		uint32_t cut[MAX_CUTS];
		int ncut = cuts_of(&variants[i], f, cut);

		if (!variants[i].family)
			continue;
		for (c = 0, bad = 0; c < ncut; c++) {
			uint32_t at = cut[c];

			if (at >= f->len - variants[i].pad)
				continue;
			run(f->b, at, &r);
			if (r.err || r.retval != XDP_PASS ||
			    r.d[FS_STAT_MALFORMED] != 1 ||
			    (int)r.d[FS_STAT_MATCHED] !=
				    pcap_says("ip or ip6", f->b, at) ||
			    r.d[FS_STAT_PASSED] != 1) {
				fprintf(stderr,
					"  %s cut at %u of %u: err %d "
					"ret %u malformed %llu matched %llu\n",
					variants[i].name, at, f->len, r.err,
					r.retval,
					(unsigned long long)
						r.d[FS_STAT_MALFORMED],
					(unsigned long long)
						r.d[FS_STAT_MATCHED]);
				bad++;
			}
		}
		snprintf(name, sizeof(name), "truncate %s (%d cuts)",
			 variants[i].name, ncut);
		t_report(name, !bad && ncut >= 4,
			 "a cut frame was not malformed");
	}
}

/* A header that lies about itself, at offset from l3 or l4. */
static const struct {
	const char *name;
	const char *variant;
	bool at_l4;
	uint32_t off;
	uint8_t val;
} mutations[] = {
	{"ipv4 ihl 4", "ipv4 tcp", 0, 0, 0x44},
	{"ipv4 version 6", "ipv4 tcp", 0, 0, 0x65},
	{"ipv4 tot_len below ihl", "ipv4 tcp", 0, 3, 12},
	{"ipv4 tot_len past frame", "ipv4 tcp", 0, 2, 0x10},
	{"ipv4 ihl past tot_len", "ipv4 udp padded", 0, 0, 0x4f},
	{"tcp doff 4", "ipv4 tcp", 1, 12, 0x40},
	{"tcp doff past datagram", "ipv4 tcp", 1, 12, 0xf0},
	{"udp len 7", "ipv4 udp", 1, 5, 7},
	{"ipv6 version 4", "ipv6 tcp", 0, 0, 0x40},
	{"ipv6 payload_len past frame", "ipv6 tcp", 0, 4, 0x10},
	{"ipv6 ext len past payload", "ipv6 hbh+dstopts tcp", 0, 41, 0x20},
};

static void test_mutations(void)
{
	static struct pb f;
	struct result r;
	unsigned int i;

	rs_any_ip();
	CHECK_EQ(load_rules(&rs), 0);
	for (i = 0; i < sizeof(mutations) / sizeof(mutations[0]); i++) {
		f = *frame_of(mutations[i].variant);
		f.b[(mutations[i].at_l4 ? f.l4 : f.l3) + mutations[i].off] =
			mutations[i].val;
		run(f.b, f.len, &r);
		t_report(mutations[i].name,
			 !r.err && r.retval == XDP_PASS &&
				 r.d[FS_STAT_MALFORMED] == 1 &&
				 (int)r.d[FS_STAT_MATCHED] ==
					 pcap_says("ip or ip6", f.b, f.len),
			 "inconsistent header not counted as malformed");
	}
}

static void expect(const char *name, const char *variant, bool match)
{
	const struct pb *f = frame_of(variant);
	char full[160];
	struct result r;
	int err = load_rules(&rs);

	int lp = pcap_says(name, f->b, f->len);

	run(f->b, f->len, &r);
	snprintf(full, sizeof(full), "rule %s on %s: %s", name, variant,
		 match ? "hit" : "miss");
	/* Where the name is an expression, libpcap must agree. */
	t_report(full,
		 !err && !r.err && r.retval == XDP_PASS &&
			 (lp < 0 || lp == match) &&
			 r.d[FS_STAT_MATCHED] == match &&
			 r.d[FS_STAT_NOSOCK] == match &&
			 r.d[FS_STAT_MALFORMED] == 0 &&
			 r.d[FS_STAT_PASSED] == 1,
		 match ? "did not match" : "matched");
}

/* A rule set of one predicate, then the frames it must hit and miss. */
#define ONE(pred_call)      \
	do {                \
		rs_clear(); \
		rs_term();  \
		pred_call;  \
	} while (0)
#define HIT(name, variant) expect(name, variant, true)
#define MISS(name, variant) expect(name, variant, false)

static void test_addr_predicates(void)
{
	ONE(p_net(SRC4, FS_DIR_ANY, 0));
	HIT("host " SRC4, "ipv4 tcp");
	MISS("host " SRC4, "qinq ipv4 tcp");
	MISS("host " SRC4, "ipv6 tcp");
	MISS("host " SRC4, "arp");
	ONE(p_net(DST4, FS_DIR_ANY, 0));
	HIT("host " DST4, "ipv4 udp");
	ONE(p_net("198.18.0.2", FS_DIR_ANY, 0));
	MISS("host 198.18.0.2", "ipv4 tcp");
	ONE(p_net("198.18.0.0/24", FS_DIR_SRC, 0));
	MISS("src net 198.18.0.0/24", "802.1q ipv4 tcp");
	MISS("src net 198.18.0.0/24", "ipv6 tcp");
	ONE(p_net("198.18.0.0/24", FS_DIR_DST, 0));
	MISS("dst net 198.18.0.0/24", "ipv4 tcp");
	ONE(p_net("198.18.1.0/24", FS_DIR_DST, 0));
	HIT("dst net 198.18.1.0/24", "ipv4 options tcp");
	ONE(p_net("198.18.0.0/15", FS_DIR_ANY, 0));
	HIT("net 198.18.0.0/15", "ipv4 later fragment");
	MISS("net 198.18.0.0/15", "ipv6 hbh+dstopts tcp");
	ONE(p_net(SRC6, FS_DIR_SRC, 0));
	HIT("src host " SRC6, "ipv6 hbh+dstopts tcp");
	MISS("src host " SRC6, "ipv4 tcp");
	ONE(p_net(SRC6, FS_DIR_DST, 0));
	MISS("dst host " SRC6, "ipv6 tcp");
	ONE(p_net("2001:db8:1::/48", FS_DIR_DST, 0));
	HIT("dst net 2001:db8:1::/48", "ipv6 later fragment");
	MISS("dst net 2001:db8:1::/48", "ipv4 tcp");
	ONE(p_net("2001:db8:1::/48", FS_DIR_SRC, 0));
	MISS("src net 2001:db8:1::/48", "ipv6 tcp");
	ONE(p_net("2001:db8::/32", FS_DIR_ANY, 0));
	HIT("net 2001:db8::/32", "ipv6 udp");
	/* An IPv4 rule whose address bits equal an IPv6 packet's first word. */
	ONE(p_net("32.1.13.184/32", FS_DIR_ANY, 0));
	MISS("host 32.1.13.184", "ipv6 tcp");
	ONE(p_net(SRC4, FS_DIR_ANY, 1));
	HIT("not host " SRC4, "ipv6 tcp");
	MISS("not host " SRC4, "ipv4 udp");
}

static void test_port_proto_predicates(void)
{
	ONE(p_port(80, 80, FS_DIR_ANY, 0));
	HIT("port 80", "ipv4 tcp");
	HIT("port 80", "ipv4 first fragment");
	MISS("port 80", "ipv4 later fragment");
	MISS("port 80", "ipv6 tcp");
	ONE(p_port(80, 80, FS_DIR_DST, 0));
	MISS("dst port 80", "802.1q ipv4 tcp");
	MISS("dst port 80", "ipv4 udp");
	ONE(p_port(80, 80, FS_DIR_SRC, 0));
	MISS("src port 80", "ipv4 tcp");
	ONE(p_port(40000, 40000, FS_DIR_SRC, 0));
	/* libpcap reads IPv6 ports only right after the fixed header. */
	MISS("src port 40000", "ipv6 first fragment");
	MISS("src port 40000", "ipv6 later fragment");
	ONE(p_port(400, 500, FS_DIR_ANY, 0));
	MISS("portrange 400-500", "802.1q ipv6 hbh tcp");
	ONE(p_port(400, 500, FS_DIR_ANY, 0));
	HIT("portrange 400-500", "ipv6 tcp");
	MISS("portrange 400-500", "ipv4 tcp");
	ONE(p_port(53, 53, FS_DIR_DST, 0));
	HIT("dst port 53", "ipv6 udp");
	MISS("dst port 53", "ipv6 tcp");
	ONE(p_l4(IPPROTO_TCP, 0));
	MISS("tcp", "qinq ipv4 tcp");
	HIT("tcp", "ipv4 tcp");
	HIT("tcp", "ipv6 later fragment");
	MISS("tcp", "ipv4 udp");
	MISS("tcp", "arp");
	ONE(p_l4(IPPROTO_UDP, 0));
	HIT("udp", "ipv4 udp padded");
	MISS("udp", "ipv4 icmp");
	ONE(p_l3(4, 0));
	HIT("ip", "ipv4 icmp");
	MISS("ip", "ipv6 udp");
	ONE(p_l3(6, 0));
	HIT("ip6", "ipv6 hbh+dstopts tcp");
	MISS("ip6", "qinq ipv4 tcp");
	ONE(p_l3(4, 1));
	HIT("not ip", "ipv6 tcp");
	MISS("not ip", "ipv4 tcp");
	ONE(p_l4(IPPROTO_TCP, 1));
	HIT("not tcp", "ipv4 icmp");
	MISS("not tcp", "ipv6 tcp");
	/* Absent fields are false before negation. */
	ONE(p_port(80, 80, FS_DIR_ANY, 1));
	HIT("not port 80", "ipv4 later fragment");
	HIT("not port 80", "ipv4 icmp");
	MISS("not port 80", "ipv4 first fragment");
	/* Non-IP frames are "not port 80" too, as in libpcap. */
	HIT("not port 80", "arp");
	HIT("not port 80", "802.1q ipv4 tcp");
}

static void test_terms(void)
{
	/* tcp and dst port 80 and src net 198.18.0.0/16 */
	rs_clear();
	rs_term();
	p_l4(IPPROTO_TCP, 0);
	p_port(80, 80, FS_DIR_DST, 0);
	p_net("198.18.0.0/16", FS_DIR_SRC, 0);
	expect("tcp and dst port 80 and src net", "ipv4 tcp", true);
	expect("tcp and dst port 80 and src net", "ipv4 udp", false);
	expect("tcp and dst port 80 and src net", "ipv6 tcp", false);

	/* (udp and port 53) or (ip6 and tcp port 443) or host 198.18.9.9 */
	rs_clear();
	rs_term();
	p_l4(IPPROTO_UDP, 0);
	p_port(53, 53, FS_DIR_ANY, 0);
	rs_term();
	p_l3(6, 0);
	p_l4(IPPROTO_TCP, 0);
	p_port(443, 443, FS_DIR_ANY, 0);
	rs_term();
	p_net("198.18.9.9", FS_DIR_ANY, 0);
	expect("3-term or", "ipv4 udp", true);
	expect("3-term or", "ipv6 tcp", true);
	expect("3-term or", "802.1q ipv6 hbh tcp", false);
	expect("3-term or", "ipv4 tcp", false);
	expect("3-term or", "ipv4 icmp", false);

	/* The last of FS_MAX_TERMS terms, each FS_MAX_PREDS long, decides. */
	rs_clear();
	for (int t = 0; t < FS_MAX_TERMS; t++) {
		rs_term();
		for (int i = 0; i < FS_MAX_PREDS - 1; i++)
			p_l4(IPPROTO_TCP, 0);
		p_port(t + 1, t + 1, FS_DIR_DST, 0);
	}
	rs.terms[FS_MAX_TERMS - 1].preds[FS_MAX_PREDS - 1].port_lo = 80;
	rs.terms[FS_MAX_TERMS - 1].preds[FS_MAX_PREDS - 1].port_hi = 80;
	expect("16x8 full, last term", "ipv4 tcp", true);
	expect("16x8 full, last term", "ipv6 tcp", false);

	rs_clear();
	rs_term();
	expect("one empty term (true)", "ipv4 tcp", true);
	expect("one empty term (true)", "arp", true);

	rs_clear();
	expect("empty rule set", "ipv4 tcp", false);
	rs_any_ip();
	rs.nterms = 0;
	expect("nterms 0 with stale terms", "ipv6 tcp", false);
}

/* The program must read the slot fs_ctl names, and only that one. */
static void test_slot_flip(void)
{
	int ctl = bpf_map__fd(skel->maps.fs_ctl);
	int rules = bpf_map__fd(skel->maps.fs_rules);
	const struct pb *f = frame_of("ipv4 tcp");
	uint32_t k = FS_CTL_ACTIVE, slot;
	struct fs_ruleset none = {0};
	struct result r;
	bool ok;

	rs_any_ip();
	slot = 0;
	ok = !bpf_map_update_elem(rules, &slot, &none, BPF_ANY);
	slot = 1;
	ok = ok && !bpf_map_update_elem(rules, &slot, &rs, BPF_ANY);
	slot = 0;
	ok = ok && !bpf_map_update_elem(ctl, &k, &slot, BPF_ANY);
	run(f->b, f->len, &r);
	t_report("slot 0 active (empty): miss",
		 ok && !r.err && r.d[FS_STAT_MATCHED] == 0, "matched");
	slot = 1;
	ok = !bpf_map_update_elem(ctl, &k, &slot, BPF_ANY);
	run(f->b, f->len, &r);
	t_report("flip to slot 1 (ip or ip6): hit",
		 ok && !r.err && r.d[FS_STAT_MATCHED] == 1, "did not match");
	slot = 0;
	ok = !bpf_map_update_elem(ctl, &k, &slot, BPF_ANY);
	run(f->b, f->len, &r);
	t_report("flip back to slot 0: miss",
		 ok && !r.err && r.d[FS_STAT_MATCHED] == 0, "matched");
}

/*
 * Rule sets from filter_parse(): the classifier must agree with libpcap
 * (pcap_offline_filter) on every frame of the table.
 */
static const char *const exprs[] = {
	"tcp",
	"udp",
	"ip",
	"ip6",
	"tcp port 80",
	"not port 80",
	"not tcp",
	"src net 198.18.0.0/24 and dst port 80",
	"host " DST4 " or host " SRC6,
	"ip6 and (tcp or udp) and not dst net 2001:db8::/48",
	"portrange 400-500 or udp dst port 53",
	"not (tcp and port 80) and ip",
	"src port 40000 and not ip6",
	"not host " SRC4,
	"ip host " SRC4 " or ip6",
};

/*
 * expr through filter_parse() into the classifier: the frames of the
 * table, each whole and (cuts) cut at every header boundary, on which it
 * and libpcap differ.  -1 when it does not compile.
 */
static int disagreements(const char *expr, bool cuts, char *err, size_t len)
{
	static struct filter_rules fr;
	uint32_t cut[MAX_CUTS + 1];
	unsigned int i;
	struct result r;
	int c, n, bad = 0, want;

	if (filter_parse(expr, &fr, err, len) || load_filter(&fr)) {
		filter_rules_free(&fr);
		return -1;
	}
	for (i = 0; i < NVARIANTS; i++) {
		n = cuts ? cuts_of(&variants[i], &frames[i], cut) : 0;
		cut[n++] = frames[i].len;
		for (c = 0; c < n; c++) {
			want = pcap_says(expr, frames[i].b, cut[c]);
			run(frames[i].b, cut[c], &r);
			if (r.err || (int)r.d[FS_STAT_MATCHED] != want) {
				fprintf(stderr,
					"  '%s' on %s (%u of %u bytes): "
					"libpcap %d\n",
					expr, variants[i].name, cut[c],
					frames[i].len, want);
				bad++;
			}
		}
	}
	filter_rules_free(&fr);
	return bad;
}

static void test_filter_exprs(void)
{
	char err[256] = "", name[200];
	unsigned int e;
	int bad;

	for (e = 0; e < sizeof(exprs) / sizeof(exprs[0]); e++) {
		bad = disagreements(exprs[e], false, err, sizeof(err));
		snprintf(name, sizeof(name), "filter '%s' agrees with libpcap",
			 exprs[e]);
		t_report(name, !bad, bad < 0 ? err : "verdicts differ");
	}
}

/*
 * Lists as set predicates (members in fs_hosts, fs_nets, fs_ports): the
 * classifier agrees with libpcap on every frame, whole and cut short.
 */
static void test_set_predicates(void)
{
	static const char *const sx[] = {
		"host " SRC4 " or host 198.18.9.9 or host " SRC6,
		"host 198.18.9.9 or host 198.18.9.8",
		"host 0.0.0.0 or host 1.1.1.1",
		"ip host 0.0.0.0 or ip host " DST4,
		"src host " DST4 " or " SRC4 " or " DST6,
		"dst host " DST4 " or " SRC4 " or " DST6,
		"net 198.18.1.0/24 or net 2001:db8:1::/48 or net 10.0.0.0/8",
		"src net 198.18.0.0/24 or src net 2001:db8:1::/48",
		"net 0.0.0.0/0 or net 10.0.0.0/8",
		"net ::/0 or net 2001:db8::/32 or net 2001:db9::/32",
		"src net 0.0.0.0/0",
		"port 80 or port 53 or port 443",
		"tcp dst port 80 or 443 or 22",
		"udp port 53 or udp port 5353",
		"src port 40000 or src port 5353",
		"not (port 80 or port 53)",
		"not port 80 and not port 443 and not port 53",
		"not host " SRC4 " and not host " SRC6,
		"ip6 and (port 443 or port 53) and (host " SRC6 " or host " DST6
		")",
		"(port 80 or port 53) and not (net 198.18.1.0/24 or net "
		"2001:db8::/64)",
		"port 0 or port 65535 or port 80",
	};
	char err[256] = "", name[300];
	unsigned int e;
	int bad;

	for (e = 0; e < T_ARRAY_SIZE(sx); e++) {
		bad = disagreements(sx[e], true, err, sizeof(err));
		snprintf(name, sizeof(name),
			 "list '%s' agrees with libpcap, whole and cut", sx[e]);
		t_report(name, !bad, bad < 0 ? err : "verdicts differ");
	}
}

/* Entries of a set map. */
static unsigned int map_entries(int fd, size_t key_size)
{
	char cur[64], next[64];
	unsigned int n = 0;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(cur, next, key_size);
		prev = cur;
		n++;
	}
	return n;
}

/*
 * A switch of rule sets switches their members: the old set's hosts no
 * longer match, and the slot written over loses its old members.
 */
static void test_set_switch(void)
{
	static struct filter_rules a, b;
	const struct pb *f = frame_of("ipv4 tcp");
	int hosts = bpf_map__fd(skel->maps.fs_hosts);
	struct result r;
	int i;

	CHECK_EQ(filter_parse("host " SRC4 " or host 198.18.9.9", &a, NULL, 0),
		 0);
	CHECK_EQ(filter_parse("host 198.18.9.1 or host 198.18.9.2 or host "
			      "198.18.9.3",
			      &b, NULL, 0),
		 0);
	for (i = 0; i < 3; i++) {
		CHECK_EQ(load_filter(&a), 0);
		run(f->b, f->len, &r);
		t_report(i ? "set A again: hit" : "set A: hit",
			 !r.err && r.d[FS_STAT_MATCHED] == 1, "did not match");
		CHECK_EQ(load_filter(&b), 0);
		run(f->b, f->len, &r);
		t_report(i ? "set B again: miss" : "set B: miss",
			 !r.err && r.d[FS_STAT_MATCHED] == 0, "matched");
	}
	t_report("the set map holds both slots' members, no more",
		 map_entries(hosts, sizeof(struct fs_host_key)) == 5,
		 "stale members");
	filter_rules_free(&a);
	filter_rules_free(&b);
}

/*
 * A translated filter in fs_progs decides every frame and finishes it as
 * the classifier would: counters, metadata, redirect fallback.  Emptying
 * the slot gives the decision back to the rules.
 */
static void test_tail_call(void)
{
	static const char *const tx[] = {
		"vlan and tcp",
		"tcp[tcpflags] & (tcp-push|tcp-ack) == (tcp-push|tcp-ack)",
		"icmp or arp",
		"ip6 and ip6[40] == 6",
		"greater 80",
		"vlan 100 and vlan 101 and ip",
	};
	struct cbpf_maps maps = {
		.stats_fd = bpf_map__fd(skel->maps.fs_stats),
		.qstats_fd = bpf_map__fd(skel->maps.fs_qstats),
		.xsks_fd = bpf_map__fd(skel->maps.xsks),
	};
	int progs = bpf_map__fd(skel->maps.fs_progs);
	const struct sock_filter *classic;
	struct pcap_expr *px;
	char why[256], name[200];
	unsigned int e, i;
	uint32_t k = FS_PROG_FILTER;
	struct fs_meta m;
	struct result r;
	size_t n;
	int fd, bad, want;

	rs_clear(); /* the rules alone would match nothing */
	CHECK_EQ(load_rules(&rs), 0);
	for (e = 0; e < T_ARRAY_SIZE(tx); e++) {
		why[0] = '\0';
		CHECK_EQ(pcap_expr_new(tx[e], PCAP_EXPR_ETHERNET, &px, why,
				       sizeof(why)),
			 0);
		classic = pcap_expr_insns(px, &n);
		fd = xdp_filter_build(classic, n, &maps, why, sizeof(why));
		pcap_expr_free(px);
		snprintf(name, sizeof(name), "'%s' translated and loaded",
			 tx[e]);
		t_report(name, fd >= 0, why);
		if (fd < 0)
			continue;
		if (bpf_map_update_elem(progs, &k, &fd, BPF_ANY))
			fprintf(stderr, "fs_progs update: %s\n",
				strerror(errno));
		close(fd);
		for (i = 0, bad = 0; i < NVARIANTS; i++) {
			want = pcap_says(tx[e], frames[i].b, frames[i].len);
			run(frames[i].b, frames[i].len, &r);
			memcpy(&m, r.out, sizeof(m));
			if (r.err || r.retval != XDP_PASS ||
			    (int)r.d[FS_STAT_MATCHED] != want ||
			    (int)r.d[FS_STAT_NOSOCK] != want ||
			    r.d[FS_STAT_SEEN] != 1 ||
			    r.d[FS_STAT_PASSED] != 1 ||
			    r.d[FS_STAT_REDIRECTED] != 0 ||
			    (want && (r.out_len != frames[i].len + sizeof(m) ||
				      m.magic != FS_META_MAGIC)) ||
			    (!want && r.out_len != frames[i].len)) {
				fprintf(stderr,
					"  '%s' on %s: libpcap %d, matched "
					"%llu\n",
					tx[e], variants[i].name, want,
					(unsigned long long)
						r.d[FS_STAT_MATCHED]);
				bad++;
			}
		}
		snprintf(name, sizeof(name),
			 "'%s' in fs_progs agrees with libpcap on %zu frames",
			 tx[e], NVARIANTS);
		t_report(name, !bad, "verdicts or counters differ");
	}
	CHECK(!bpf_map_delete_elem(progs, &k));
	rs_any_ip();
	CHECK_EQ(load_rules(&rs), 0);
	run(frame_of("ipv4 tcp")->b, frame_of("ipv4 tcp")->len, &r);
	t_report("slot emptied: the rules decide again",
		 !r.err && r.d[FS_STAT_MATCHED] == 1, "did not match");
}

/*
 * The parser walks up to four tags, 802.1Q and 802.1ad in any order: a
 * fragment behind four is counted as one, behind five it is not IP.
 */
static void test_vlan_stack(void)
{
	static const uint16_t tpid[] = {ETH_P_8021AD, ETH_P_8021Q, ETH_P_8021Q,
					ETH_P_8021AD, ETH_P_8021Q};
	static struct pb f;
	char name[64];
	struct result r;
	int n, i;

	for (n = 1; n <= 5; n++) {
		pb_init(&f);
		pb_eth(&f, NULL, NULL, tpid[0]);
		for (i = 0; i < n; i++)
			pb_vlan(&f, 10 + i, i + 1 < n ? tpid[i + 1] : ETH_P_IP);
		pb_ipv4(&f,
			&(struct pb_ip4){.proto = IPPROTO_TCP, .frag = 0x2000});
		pb_tcp(&f, &(struct pb_tcp){.sport = 1, .dport = 2});
		pb_finish(&f);
		run(f.b, f.len, &r);
		snprintf(name, sizeof(name), "%d tags: fragment counted %s", n,
			 n <= 4 ? "yes" : "no");
		t_report(name,
			 !r.err && r.d[FS_STAT_MALFORMED] == 0 &&
				 r.d[FS_STAT_FRAGMENT] == (n <= 4),
			 "wrong fragment or malformed count");
	}
}

/* A matched frame leaves struct fs_meta in front of it. */
static void test_meta(void)
{
	const struct pb *f = frame_of("ipv4 tcp");
	struct fs_meta m;
	struct result r;

	rs_any_ip();
	CHECK_EQ(load_rules(&rs), 0);
	run(f->b, f->len, &r);
	memcpy(&m, r.out, sizeof(m));
	t_report("metadata in front of a matched frame",
		 !r.err && r.out_len == f->len + sizeof(m) &&
			 m.magic == FS_META_MAGIC && m.ts_mono_ns != 0 &&
			 m.rx_queue == 0 &&
			 !memcmp(r.out + sizeof(m), f->b, f->len),
		 "no fs_meta, or the frame changed");
	rs_clear();
	CHECK_EQ(load_rules(&rs), 0);
	run(f->b, f->len, &r);
	t_report("no metadata on a passed frame",
		 !r.err && r.out_len == f->len && !memcmp(r.out, f->b, f->len),
		 "frame changed");
}

/*
 * A 9000-byte frame is larger than the linear part test_run gives an
 * xdp.frags program: the IP length must be checked against the whole
 * multi-buffer frame, not data_end.
 */
static void test_multibuf(void)
{
	static struct pb f;
	struct variant v = variants[0];
	struct result r;

	v.payload = 9000 - 54;
	build_frame(&v, &f);
	rs_clear();
	rs_term();
	p_port(80, 80, FS_DIR_DST, 0);
	CHECK_EQ(load_rules(&rs), 0);
	run(f.b, f.len, &r);
	t_report("9000-byte multi-buffer frame matched",
		 !r.err && r.retval == XDP_PASS && r.d[FS_STAT_MATCHED] == 1 &&
			 r.d[FS_STAT_MALFORMED] == 0,
		 r.err ? strerror(-r.err) : "not matched");
}

/* The skeleton, loaded with private maps. */
static int load(void)
{
	struct bpf_map *m;
	int err;

	ncpus = libbpf_num_possible_cpus();
	skel = classifier__open();
	if (!skel) {
		fprintf(stderr, "classifier__open: %s\n", strerror(errno));
		return -errno;
	}
	/* Private maps: nothing pinned, nothing shared with a live capture. */
	bpf_object__for_each_map(m, skel->obj) bpf_map__set_pin_path(m, NULL);
	err = classifier__load(skel);
	if (err) {
		fprintf(stderr, "classifier__load: %s\n", strerror(-err));
		return err;
	}
	prog_fd = bpf_program__fd(skel->progs.fs_classify);
	return 0;
}

/*
 * The frames, the loaded classifier and BPF_PROG_TEST_RUN on an xdp.frags
 * program: every case skips only if loading needs root or test_run is
 * missing.
 */
static int setup(void)
{
	static uint8_t pkt[64];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt,
		    .data_size_in = sizeof(pkt), .repeat = 1);
	unsigned int i;
	int err;

	for (i = 0; i < NVARIANTS; i++)
		build_frame(&variants[i], &frames[i]);
	err = load();
	if (err == -EPERM) {
		t_skip("loading BPF programs needs root");
		return T_EXIT_SKIP;
	}
	if (err)
		return T_EXIT_FAIL;
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
	T_CASE(test_variants),
	T_CASE(test_truncation),
	T_CASE(test_mutations),
	T_CASE(test_addr_predicates),
	T_CASE(test_port_proto_predicates),
	T_CASE(test_terms),
	T_CASE(test_slot_flip),
	T_CASE(test_filter_exprs),
	T_CASE(test_set_predicates),
	T_CASE(test_set_switch),
	T_CASE(test_tail_call),
	T_CASE(test_vlan_stack),
	T_CASE(test_meta),
	T_CASE(test_multibuf),
};

int main(int argc, char **argv)
{
	log_init_libs();
	return t_run(argc, argv, cases, T_ARRAY_SIZE(cases), setup);
}
