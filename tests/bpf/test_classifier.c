// SPDX-License-Identifier: GPL-2.0
/*
 * Classifier tests: fs_classify runs under BPF_PROG_TEST_RUN on a table of
 * crafted frames (every header variant it parses, each cut at every header
 * boundary and inside every header, a few inconsistent headers) and on
 * rule sets built by hand.  No socket sits in xsks here, so a match ends
 * in the redirect fallback (XDP_PASS): matches are read from the fs_stats
 * deltas (matched, nosock) of each run.  As root, a last group attaches
 * the classifier through user/xdp_prog.c to a veth pair in a private
 * network namespace and sends it frames.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "classifier.skel.h"
#include "parse/filter.h"
#include "fs_shared.h"
#include "lib/log.h"
#include "parse/pkt.h"
#include "testlib.h"
#include "live/xdp_prog.h"

#define FRAME_MAX 9216
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

struct frame {
	uint8_t b[FRAME_MAX];
	uint32_t len;
	uint32_t l3, l4; /* header offsets */
	uint32_t
		cut[MAX_CUTS]; /* truncation points: boundaries and midpoints */
	int ncut;
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

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* Records the end of a header and a point inside it as truncation points. */
static void span(struct frame *f, uint32_t start, uint32_t len)
{
	if (len > 1 && f->ncut < MAX_CUTS)
		f->cut[f->ncut++] = start + len / 2;
	if (f->ncut < MAX_CUTS)
		f->cut[f->ncut++] = start + len;
}

static uint32_t put_l4(const struct variant *v, uint8_t *p, uint32_t *hl)
{
	if (v->proto == IPPROTO_TCP) {
		*hl = 20 + v->tcp_opts;
		put16(p, v->sport);
		put16(p + 2, v->dport);
		p[12] = (*hl / 4) << 4;
		p[13] = 0x18; /* PSH ACK */
		memset(p + 20, 1, v->tcp_opts); /* NOPs */
	} else if (v->proto == IPPROTO_UDP) {
		*hl = 8;
		put16(p, v->sport);
		put16(p + 2, v->dport);
		put16(p + 4, 8 + v->payload);
	} else {
		*hl = 8;
		p[0] = 8; /* echo request */
	}
	return *hl + v->payload;
}

static uint32_t put_ipv4(const struct variant *v, struct frame *f, uint32_t o)
{
	uint8_t *p = f->b + o;
	uint32_t hl = 20 + v->ip_opts, l4hl = 0, l4len;

	p[0] = 0x40 | (hl / 4);
	p[8] = 64;
	p[9] = v->proto;
	inet_pton(AF_INET, SRC4, p + 12);
	inet_pton(AF_INET, DST4, p + 16);
	memset(p + 20, 1, v->ip_opts); /* NOP options */
	span(f, o, 20);
	if (v->ip_opts)
		span(f, o + 20, v->ip_opts);
	f->l4 = o + hl;
	if (v->frag == FRAG_LATER) {
		put16(p + 6, 185); /* offset 1480, last fragment */
		l4len = v->payload;
		memset(p + hl, 0xab, l4len);
	} else {
		if (v->frag == FRAG_FIRST)
			put16(p + 6, 0x2000); /* more fragments */
		l4len = put_l4(v, p + hl, &l4hl);
		span(f, o + hl, l4hl);
	}
	put16(p + 2, hl + l4len);
	if (v->payload)
		span(f, o + hl + l4len - v->payload, v->payload - 1);
	return hl + l4len;
}

static uint32_t put_ext(struct frame *f, uint32_t o, uint8_t next, int len8)
{
	f->b[o] = next;
	f->b[o + 1] = len8 - 1;
	f->b[o + 2] = 1; /* PadN over the rest */
	f->b[o + 3] = len8 * 8 - 4;
	span(f, o, len8 * 8);
	return len8 * 8;
}

static uint32_t put_ipv6(const struct variant *v, struct frame *f, uint32_t o)
{
	uint8_t *p = f->b + o, *nh = p + 6;
	uint32_t off = o + 40, l4hl = 0, l4len;

	p[0] = 0x60;
	p[7] = 64;
	inet_pton(AF_INET6, SRC6, p + 8);
	inet_pton(AF_INET6, DST6, p + 24);
	span(f, o, 40);
	if (v->hbh) {
		*nh = IPPROTO_HOPOPTS;
		nh = f->b + off;
		off += put_ext(f, off, 0, 1);
	}
	if (v->dstopts) {
		*nh = IPPROTO_DSTOPTS;
		nh = f->b + off;
		off += put_ext(f, off, 0, 2);
	}
	if (v->frag != FRAG_NONE) {
		*nh = IPPROTO_FRAGMENT;
		nh = f->b + off;
		if (v->frag == FRAG_LATER)
			put16(f->b + off + 2, 1480); /* offset, last */
		else
			put16(f->b + off + 2, 1); /* offset 0, more */
		f->b[off + 7] = 42; /* id */
		span(f, off, 8);
		off += 8;
	}
	*nh = v->proto;
	f->l4 = off;
	if (v->frag == FRAG_LATER) {
		l4len = v->payload;
		memset(f->b + off, 0xab, l4len);
	} else {
		l4len = put_l4(v, f->b + off, &l4hl);
		span(f, off, l4hl);
	}
	if (v->payload)
		span(f, off + l4len - v->payload, v->payload - 1);
	put16(p + 4, off + l4len - o - 40);
	return off + l4len - o;
}

static void build_frame(const struct variant *v, struct frame *f)
{
	uint32_t o = 12;
	int i;

	memset(f, 0, sizeof(*f));
	memcpy(f->b, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	/* No cut inside the MAC addresses: test_run needs ETH_HLEN bytes. */
	for (i = 0; i < 2 && v->tpid[i]; i++) {
		put16(f->b + o, v->tpid[i]);
		put16(f->b + o + 2, 100 + i);
		span(f, o + 2, 4);
		o += 4;
	}
	put16(f->b + o, v->family == 4	 ? ETH_P_IP
			: v->family == 6 ? ETH_P_IPV6
					 : ETH_P_ARP);
	o += 2;
	f->cut[f->ncut++] = o;
	f->l3 = o;
	if (v->family == 4) {
		o += put_ipv4(v, f, o);
	} else if (v->family == 6) {
		o += put_ipv6(v, f, o);
	} else {
		memcpy(f->b + o, "\x00\x01\x08\x00\x06\x04\x00\x01", 8);
		o += 28;
	}
	f->len = o + v->pad;
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
	uint8_t out[FRAME_MAX + 64];
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

static int ncases, nfailed;

static void report(const char *name, bool ok, const char *why)
{
	ncases++;
	if (!ok)
		nfailed++;
	printf("%s  %s%s%s\n", ok ? "PASS" : "FAIL", name, ok ? "" : ": ",
	       ok ? "" : why);
}

/* Writes rs to slot !active, then flips: what xdp_prog_set_rules does. */
static int load_rules(const struct fs_ruleset *rs)
{
	int ctl = bpf_map__fd(skel->maps.fs_ctl);
	int rules = bpf_map__fd(skel->maps.fs_rules);
	uint32_t k = FS_CTL_ACTIVE, active, slot;

	if (bpf_map_lookup_elem(ctl, &k, &active))
		return -errno;
	slot = !(active & 1);
	if (bpf_map_update_elem(rules, &slot, rs, BPF_ANY) ||
	    bpf_map_update_elem(ctl, &k, &slot, BPF_ANY))
		return -errno;
	return 0;
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

static struct frame frames[NVARIANTS];

static const struct frame *frame_of(const char *name)
{
	unsigned int i;

	for (i = 0; i < NVARIANTS; i++)
		if (!strcmp(variants[i].name, name))
			return &frames[i];
	fprintf(stderr, "no frame variant '%s'\n", name);
	abort();
}

/* Every variant, whole: parsed, matched by "ip or ip6" unless not IP. */
static void test_variants(void)
{
	struct result r;
	char name[128];
	unsigned int i;

	rs_any_ip();
	CHECK_EQ(load_rules(&rs), 0);
	for (i = 0; i < NVARIANTS; i++) {
		const struct variant *v = &variants[i];
		bool ip = v->family != 0, ok;

		snprintf(name, sizeof(name), "parse %s", v->name);
		run(frames[i].b, frames[i].len, &r);
		ok = !r.err && r.retval == XDP_PASS && r.d[FS_STAT_SEEN] == 1 &&
		     r.d[FS_STAT_PASSED] == 1 && r.d[FS_STAT_MALFORMED] == 0 &&
		     r.d[FS_STAT_MATCHED] == ip && r.d[FS_STAT_NOSOCK] == ip &&
		     r.d[FS_STAT_REDIRECTED] == 0 &&
		     r.d[FS_STAT_FRAGMENT] == (v->frag != FRAG_NONE);
		report(name, ok, "unexpected verdict or counters");
	}
}

/* Every variant cut at every boundary and midpoint: malformed, passed. */
static void test_truncation(void)
{
	struct result r;
	char name[128];
	unsigned int i;
	int c, bad;

	rs_any_ip();
	CHECK_EQ(load_rules(&rs), 0);
	for (i = 0; i < NVARIANTS; i++) {
		const struct frame *f = &frames[i];

		if (!variants[i].family)
			continue;
		for (c = 0, bad = 0; c < f->ncut; c++) {
			uint32_t at = f->cut[c];

			if (at >= f->len - variants[i].pad)
				continue;
			run(f->b, at, &r);
			if (r.err || r.retval != XDP_PASS ||
			    r.d[FS_STAT_MALFORMED] != 1 ||
			    r.d[FS_STAT_MATCHED] != 0 ||
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
			 variants[i].name, f->ncut);
		report(name, !bad && f->ncut >= 4,
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
	static struct frame f;
	struct result r;
	unsigned int i;

	rs_any_ip();
	CHECK_EQ(load_rules(&rs), 0);
	for (i = 0; i < sizeof(mutations) / sizeof(mutations[0]); i++) {
		f = *frame_of(mutations[i].variant);
		f.b[(mutations[i].at_l4 ? f.l4 : f.l3) + mutations[i].off] =
			mutations[i].val;
		run(f.b, f.len, &r);
		report(mutations[i].name,
		       !r.err && r.retval == XDP_PASS &&
			       r.d[FS_STAT_MALFORMED] == 1 &&
			       r.d[FS_STAT_MATCHED] == 0,
		       "inconsistent header not counted as malformed");
	}
}

static void expect(const char *name, const char *variant, bool match)
{
	const struct frame *f = frame_of(variant);
	char full[160];
	struct result r;
	int err = load_rules(&rs);

	run(f->b, f->len, &r);
	snprintf(full, sizeof(full), "rule %s on %s: %s", name, variant,
		 match ? "hit" : "miss");
	report(full,
	       !err && !r.err && r.retval == XDP_PASS &&
		       r.d[FS_STAT_MATCHED] == match &&
		       r.d[FS_STAT_NOSOCK] == match &&
		       r.d[FS_STAT_MALFORMED] == 0 && r.d[FS_STAT_PASSED] == 1,
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
	HIT("host " SRC4, "qinq ipv4 tcp");
	MISS("host " SRC4, "ipv6 tcp");
	MISS("host " SRC4, "arp");
	ONE(p_net(DST4, FS_DIR_ANY, 0));
	HIT("host " DST4, "ipv4 udp");
	ONE(p_net("198.18.0.2", FS_DIR_ANY, 0));
	MISS("host 198.18.0.2", "ipv4 tcp");
	ONE(p_net("198.18.0.0/24", FS_DIR_SRC, 0));
	HIT("src net 198.18.0.0/24", "802.1q ipv4 tcp");
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
	HIT("dst port 80", "802.1q ipv4 tcp");
	MISS("dst port 80", "ipv4 udp");
	ONE(p_port(80, 80, FS_DIR_SRC, 0));
	MISS("src port 80", "ipv4 tcp");
	ONE(p_port(40000, 40000, FS_DIR_SRC, 0));
	HIT("src port 40000", "ipv6 first fragment");
	MISS("src port 40000", "ipv6 later fragment");
	ONE(p_port(400, 500, FS_DIR_ANY, 0));
	HIT("portrange 400-500", "802.1q ipv6 hbh tcp");
	MISS("portrange 400-500", "ipv4 tcp");
	ONE(p_port(53, 53, FS_DIR_DST, 0));
	HIT("dst port 53", "ipv6 udp");
	MISS("dst port 53", "ipv6 tcp");
	ONE(p_l4(IPPROTO_TCP, 0));
	HIT("tcp", "qinq ipv4 tcp");
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
	/* Rules only ever see IP frames. */
	MISS("not port 80", "arp");
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
	expect("3-term or", "802.1q ipv6 hbh tcp", true);
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
	expect("one empty term (true)", "arp", false);

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
	const struct frame *f = frame_of("ipv4 tcp");
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
	report("slot 0 active (empty): miss",
	       ok && !r.err && r.d[FS_STAT_MATCHED] == 0, "matched");
	slot = 1;
	ok = !bpf_map_update_elem(ctl, &k, &slot, BPF_ANY);
	run(f->b, f->len, &r);
	report("flip to slot 1 (ip or ip6): hit",
	       ok && !r.err && r.d[FS_STAT_MATCHED] == 1, "did not match");
	slot = 0;
	ok = !bpf_map_update_elem(ctl, &k, &slot, BPF_ANY);
	run(f->b, f->len, &r);
	report("flip back to slot 0: miss",
	       ok && !r.err && r.d[FS_STAT_MATCHED] == 0, "matched");
}

/*
 * Rule sets from filter_parse(): the classifier must agree with
 * filter_match() (offline mode) on every IP frame of the table.
 */
static const char *const exprs[] = {
	"tcp",
	"udp",
	"ip",
	"ip6",
	"tcp port 80",
	"not port 80",
	"src net 198.18.0.0/24 and dst port 80",
	"host " DST4 " or host " SRC6,
	"ip6 and (tcp or udp) and not dst net 2001:db8::/48",
	"portrange 400-500 or udp dst port 53",
	"not (tcp and port 80) and ip",
	"src port 40000 and not ip6",
};

static void test_filter_exprs(void)
{
	char err[256], name[200];
	unsigned int e, i;
	struct result r;
	struct pkt pk;
	int bad;

	for (e = 0; e < sizeof(exprs) / sizeof(exprs[0]); e++) {
		bad = 0;
		if (filter_parse(exprs[e], &rs, err, sizeof(err)) ||
		    load_rules(&rs)) {
			snprintf(name, sizeof(name), "filter '%s'", exprs[e]);
			report(name, false, err);
			continue;
		}
		for (i = 0; i < NVARIANTS; i++) {
			bool want;

			/* Non-IP frames never reach the rules in the classifier. */
			if (!variants[i].family)
				continue;
			if (pkt_parse(frames[i].b, frames[i].len,
				      LINKTYPE_ETHERNET, &pk) != PKT_OK) {
				bad++;
				continue;
			}
			want = filter_match(&rs, &pk);
			run(frames[i].b, frames[i].len, &r);
			if (r.err || r.d[FS_STAT_MATCHED] != want) {
				fprintf(stderr,
					"  '%s' on %s: filter_match %d\n",
					exprs[e], variants[i].name, want);
				bad++;
			}
		}
		snprintf(name, sizeof(name),
			 "filter '%s' agrees with filter_match", exprs[e]);
		report(name, !bad, "verdicts differ");
	}
}

/* A matched frame leaves struct fs_meta in front of it. */
static void test_meta(void)
{
	const struct frame *f = frame_of("ipv4 tcp");
	struct fs_meta m;
	struct result r;

	rs_any_ip();
	CHECK_EQ(load_rules(&rs), 0);
	run(f->b, f->len, &r);
	memcpy(&m, r.out, sizeof(m));
	report("metadata in front of a matched frame",
	       !r.err && r.out_len == f->len + sizeof(m) &&
		       m.magic == FS_META_MAGIC && m.ts_mono_ns != 0 &&
		       m.rx_queue == 0 &&
		       !memcmp(r.out + sizeof(m), f->b, f->len),
	       "no fs_meta, or the frame changed");
	rs_clear();
	CHECK_EQ(load_rules(&rs), 0);
	run(f->b, f->len, &r);
	report("no metadata on a passed frame",
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
	static struct frame f;
	struct variant v = variants[0];
	struct result r;

	v.payload = 9000 - 54;
	build_frame(&v, &f);
	rs_clear();
	rs_term();
	p_port(80, 80, FS_DIR_DST, 0);
	CHECK_EQ(load_rules(&rs), 0);
	run(f.b, f.len, &r);
	report("9000-byte multi-buffer frame matched",
	       !r.err && r.retval == XDP_PASS && r.d[FS_STAT_MATCHED] == 1 &&
		       r.d[FS_STAT_MALFORMED] == 0,
	       r.err ? strerror(-r.err) : "not matched");
}

/*
 * Attach-time behaviour of user/xdp_prog.c on a veth pair in a private
 * network namespace (gone with the process: no cleanup can be missed).
 */
#define VETH_TX "fsa0"
#define VETH_RX "fsa1"

static int send_frame(int ifindex, const struct frame *f)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET,
				  .sll_ifindex = ifindex,
				  .sll_halen = ETH_ALEN};
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	memcpy(sll.sll_addr, f->b, ETH_ALEN);
	if (sendto(fd, f->b, f->len, 0, (void *)&sll, sizeof(sll)) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* Waits for the counter to reach want: the peer receives asynchronously. */
static __u64 wait_stat(struct xdp_prog *xp, int id, uint64_t want)
{
	__u64 st[FS_STAT_MAX] = {0};
	int i;

	for (i = 0; i < 100; i++) {
		if (xdp_prog_read_stats(xp, st) || st[id] >= want)
			break;
		usleep(10000);
	}
	return st[id];
}

static void attach_traffic(struct xdp_prog *xp, int tx)
{
	struct fs_ruleset got;
	__u64 st[FS_STAT_MAX], q0 = 1;
	long gen;

	rs_clear();
	rs_term();
	p_l4(IPPROTO_TCP, 0);
	p_port(80, 80, FS_DIR_DST, 0);
	p_net(SRC4, FS_DIR_SRC, 0);
	gen = xdp_prog_set_rules(xp, &rs);
	report("xdp_prog_set_rules: generation 1", gen == 1, "bad generation");
	report("xdp_prog_get_rules reads them back",
	       !xdp_prog_get_rules(xp, &got) && got.generation == 1 &&
		       got.nterms == 1 && got.terms[0].npreds == 3,
	       "different rule set");
	report("xdp_prog_set_rules again: generation 2",
	       xdp_prog_set_rules(xp, &rs) == 2, "bad generation");
	CHECK_EQ(send_frame(tx, frame_of("ipv4 udp")), 0);
	CHECK_EQ(send_frame(tx, frame_of("ipv4 tcp")), 0);
	report("veth frame matched, no socket: nosock",
	       wait_stat(xp, FS_STAT_NOSOCK, 1) == 1, "no nosock count");
	CHECK_EQ(xdp_prog_read_stats(xp, st), 0);
	report("veth frames seen, one matched",
	       st[FS_STAT_SEEN] >= 2 && st[FS_STAT_MATCHED] == 1 &&
		       st[FS_STAT_REDIRECTED] == 0,
	       "unexpected counters");
	report("qstats: nothing redirected to queue 0",
	       !xdp_prog_read_qstats(xp, 0, &q0) && q0 == 0, "bad qstats");
	report("qstats: queue out of range refused",
	       xdp_prog_read_qstats(xp, FS_MAX_QUEUES, &q0) == -EINVAL,
	       "accepted");
}

static void attach_auto(int rx, int tx)
{
	struct xdp_prog *xp = NULL, *found = NULL;
	char why[256] = "";
	int err;

	err = xdp_prog_attach(&xp, rx, XDP_PROG_MODE_AUTO, NULL, why,
			      sizeof(why));
	printf("      attach: %s\n", why);
	report("attach auto on veth: generic",
	       !err && xdp_prog_mode(xp) == XDP_PROG_MODE_GENERIC &&
		       !xdp_prog_reused(xp) && strstr(why, "veth"),
	       why);
	if (err)
		return;
	report("xsks map fd", xdp_prog_xsks_fd(xp) >= 0, "no fd");
	err = xdp_prog_find(rx, NULL, &found);
	report("find the attached classifier",
	       !err && xdp_prog_reused(found) &&
		       xdp_prog_mode(found) == XDP_PROG_MODE_GENERIC,
	       "not found");
	if (!err) {
		attach_traffic(found, tx);
		xdp_prog_detach(found);
	}
	report("releasing a found classifier leaves it attached",
	       !xdp_prog_find(rx, NULL, &found), "it was detached");
	xdp_prog_detach(found);
	err = xdp_prog_attach(&found, rx, XDP_PROG_MODE_NATIVE, NULL, why,
			      sizeof(why));
	report("attach again reuses, whatever the mode",
	       !err && xdp_prog_reused(found) &&
		       xdp_prog_mode(found) == XDP_PROG_MODE_GENERIC,
	       why);
	if (!err)
		xdp_prog_detach(found);
	xdp_prog_detach(xp);
	report("detach removes what attach attached",
	       xdp_prog_find(rx, NULL, &found) == -ENOENT, "still attached");
}

static void attach_native_pinned(int rx)
{
	struct xdp_prog *xp = NULL, *found = NULL;
	char why[256] = "", pins[64], path[96];
	struct stat st;
	int err;

	snprintf(pins, sizeof(pins), "/sys/fs/bpf/fs_test_classifier_%d",
		 (int)getpid());
	err = xdp_prog_attach(&xp, rx, XDP_PROG_MODE_NATIVE, pins, why,
			      sizeof(why));
	printf("      attach: %s\n", why);
	report("attach native on veth, pinned",
	       !err && xdp_prog_mode(xp) == XDP_PROG_MODE_NATIVE, why);
	if (err)
		return;
	snprintf(path, sizeof(path), "%s/fs_rules", pins);
	report("maps pinned under the pin path", !stat(path, &st), path);
	report("find by pin path", !xdp_prog_find(rx, pins, &found),
	       "not found");
	xdp_prog_detach(found);
	report("find by a wrong pin path fails",
	       xdp_prog_find(rx, "/sys/fs/bpf/fs_test_none", &found) < 0,
	       "found");
	xdp_prog_detach(xp);
	report("detach removes the pins", stat(pins, &st) && errno == ENOENT,
	       pins);
}

static void test_attach(void)
{
	int rx, tx;

	if (geteuid() != 0) {
		printf("SKIP  attach group: needs root\n");
		return;
	}
	if (unshare(CLONE_NEWNET) ||
	    system("ip link add " VETH_TX " type veth peer name " VETH_RX
		   " && ip link set " VETH_TX " up && ip link set " VETH_RX
		   " up")) {
		report("veth pair in a private netns", false, strerror(errno));
		return;
	}
	tx = if_nametoindex(VETH_TX);
	rx = if_nametoindex(VETH_RX);
	attach_auto(rx, tx);
	attach_native_pinned(rx);
}

static int setup(void)
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

/* BPF_PROG_TEST_RUN on an xdp.frags program; 77 only if it is missing. */
static int probe_test_run(void)
{
	static uint8_t pkt[64];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt,
		    .data_size_in = sizeof(pkt), .repeat = 1);

	if (!bpf_prog_test_run_opts(prog_fd, &o))
		return 0;
	if (errno == KERN_ENOTSUPP || errno == EOPNOTSUPP) {
		printf("SKIP: BPF_PROG_TEST_RUN for XDP unavailable: %s\n",
		       strerror(errno));
		return T_EXIT_SKIP;
	}
	fprintf(stderr, "BPF_PROG_TEST_RUN: %s\n", strerror(errno));
	return T_EXIT_FAIL;
}

int main(void)
{
	unsigned int i;
	int err;

	/* Line by line, so the output interleaves sanely with stderr. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	log_init_libs();
	for (i = 0; i < NVARIANTS; i++)
		build_frame(&variants[i], &frames[i]);
	err = setup();
	if (err == -EPERM) {
		printf("SKIP: loading BPF programs needs root\n");
		return T_EXIT_SKIP;
	}
	if (err)
		return T_EXIT_FAIL;
	err = probe_test_run();
	if (err)
		return err;
	test_variants();
	test_truncation();
	test_mutations();
	test_addr_predicates();
	test_port_proto_predicates();
	test_terms();
	test_slot_flip();
	test_filter_exprs();
	test_meta();
	test_multibuf();
	classifier__destroy(skel);
	test_attach();
	printf("%d cases, %d failed\n", ncases, nfailed);
	if (nfailed)
		t_failures += nfailed;
	return t_result();
}
