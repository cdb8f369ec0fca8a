// SPDX-License-Identifier: GPL-2.0
/*
 * filter: the pcap-filter subset compiler and the userspace matcher.
 * Good expressions are checked for the exact normal form they compile to
 * (rendered as text) and for match/no-match on crafted frames run through
 * pkt_parse; bad expressions for the error code and the message that
 * names the offending token.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/filter.h"
#include "parse/pkt.h"
#include "pktbuild.h"
#include "testlib.h"

/* ---- rendering a rule set as text ---- */

static int mask_len(const struct fs_pred *pr)
{
	int i, n = pr->family == 4 ? 1 : 4, len = 0;
	uint32_t m;

	for (i = 0; i < n; i++) {
		m = ntohl(pr->mask[i]);
		while (m & 0x80000000u) {
			len++;
			m <<= 1;
		}
		if (m)
			return -1; /* not a prefix */
		if (len < 32 * (i + 1))
			break;
	}
	for (i++; i < n; i++)
		if (pr->mask[i])
			return -1;
	return len;
}

/* "{80, 443}": the members of set, as the rest of the rendering. */
static void render_set(const struct filter_rules *r, const struct fs_pred *pr,
		       char *s, size_t n)
{
	static const char *const words[] = {"host", "net", "port"};
	static const char *const dirs[] = {"", "src ", "dst "};
	const struct filter_set *st = &r->sets[pr->set];
	char a[INET6_ADDRSTRLEN];
	size_t off;
	__u32 i;

	off = snprintf(s, n, "%s%s%s {", pr->negate ? "!" : "",
		       dirs[pr->dir % 3], words[pr->kind - FS_PRED_HOST_SET]);
	for (i = 0; i < st->n && off < n; i++) {
		const struct filter_member *m = &st->m[i];

		if (pr->kind == FS_PRED_PORT_SET)
			snprintf(a, sizeof(a), "%u", m->port);
		else
			inet_ntop(m->family == 6 ? AF_INET6 : AF_INET, m->addr,
				  a, sizeof(a));
		off += snprintf(s + off, n - off, "%s%s", i ? ", " : "", a);
		if (pr->kind == FS_PRED_NET_SET && off < n)
			off += snprintf(s + off, n - off, "/%u", m->plen);
	}
	if (off < n)
		snprintf(s + off, n - off, "}");
}

static void render_pred(const struct filter_rules *r, const struct fs_pred *pr,
			char *s, size_t n)
{
	static const char *const dirs[] = {"", "src ", "dst "};
	char a[INET6_ADDRSTRLEN], m[INET6_ADDRSTRLEN];
	int af = pr->family == 4 ? AF_INET : AF_INET6, len, full;
	const char *neg = pr->negate ? "!" : "";
	const char *dir = pr->dir < 3 ? dirs[pr->dir] : "?dir ";

	switch (pr->kind) {
	case FS_PRED_L3:
		snprintf(s, n, "%sip%s", neg, pr->family == 6 ? "6" : "");
		break;
	case FS_PRED_L4:
		snprintf(s, n, "%s%s", neg,
			 pr->proto == IPPROTO_TCP   ? "tcp"
			 : pr->proto == IPPROTO_UDP ? "udp"
						    : "proto?");
		break;
	case FS_PRED_ADDR:
		inet_ntop(af, pr->addr, a, sizeof(a));
		inet_ntop(af, pr->mask, m, sizeof(m));
		len = mask_len(pr);
		full = pr->family == 4 ? 32 : 128;
		if (len == full)
			snprintf(s, n, "%s%shost %s", neg, dir, a);
		else if (len >= 0)
			snprintf(s, n, "%s%snet %s/%d", neg, dir, a, len);
		else
			snprintf(s, n, "%s%snet %s mask %s", neg, dir, a, m);
		break;
	case FS_PRED_PORT:
		if (pr->port_lo == pr->port_hi)
			snprintf(s, n, "%s%sport %u", neg, dir, pr->port_lo);
		else
			snprintf(s, n, "%s%sportrange %u-%u", neg, dir,
				 pr->port_lo, pr->port_hi);
		break;
	case FS_PRED_HOST_SET:
	case FS_PRED_NET_SET:
	case FS_PRED_PORT_SET:
		render_set(r, pr, s, n);
		break;
	default:
		snprintf(s, n, "?kind%u", pr->kind);
	}
}

/*
 * "tcp & port 80 | udp": terms joined by " | ", predicates by " & ", the
 * members of a set in braces.
 */
static void render(const struct filter_rules *r, char *s, size_t n)
{
	const struct fs_ruleset *rs = &r->rs;
	char p[512];
	size_t off = 0;
	unsigned int i, j;

	s[0] = '\0';
	if (!rs->nterms)
		snprintf(s, n, "<none>");
	for (i = 0; i < rs->nterms && off < n; i++) {
		for (j = 0; j < rs->terms[i].npreds && off < n; j++) {
			render_pred(r, &rs->terms[i].preds[j], p, sizeof(p));
			off += snprintf(s + off, n - off, "%s%s",
					j   ? " & "
					: i ? " | "
					    : "",
					p);
		}
	}
}

/* ---- crafted frames ---- */

/* Ethernet + IPv4 or IPv6 (by the source's syntax) + TCP/UDP/ICMP. */
static struct pb mk(const char *src, const char *dst, uint8_t proto,
		    uint16_t sport, uint16_t dport)
{
	bool v6 = strchr(src, ':') != NULL;
	uint8_t s[16], d[16];
	struct pb f = {0};

	inet_pton(v6 ? AF_INET6 : AF_INET, src, s);
	inet_pton(v6 ? AF_INET6 : AF_INET, dst, d);
	pb_eth(&f, NULL, NULL, v6 ? 0x86dd : 0x0800);
	if (v6)
		pb_ipv6(&f, &(struct pb_ip6){.src = s, .dst = d, .nh = proto});
	else
		pb_ipv4(&f,
			&(struct pb_ip4){.src = s, .dst = d, .proto = proto});
	if (proto == IPPROTO_TCP)
		pb_tcp(&f, &(struct pb_tcp){.sport = sport, .dport = dport});
	else if (proto == IPPROTO_UDP)
		pb_udp(&f, sport, dport);
	else
		pb_icmp(&f, 0, 0);
	pb_finish(&f);
	return f;
}

/* ---- good expressions ---- */

enum { NO, YES };

struct good {
	const char *expr;
	const char *dnf;
	/* Expected match for each packet of pkts[], in order. */
	const char *matches;
};

/*
 * The packets every good expression is tried on; the matches string of a
 * case has one character per packet: 'y' match, 'n' no match.
 */
static struct pb pkts[8];

static void make_pkts(void)
{
	pkts[0] = mk("198.18.0.1", "198.18.0.2", 6, 40000, 80);
	pkts[1] = mk("198.18.0.2", "198.18.0.1", 6, 80, 40000);
	pkts[2] = mk("198.18.1.1", "10.0.0.5", 17, 5353, 53);
	pkts[3] = mk("2001:db8::1", "2001:db8:1::2", 6, 443, 50000);
	pkts[4] = mk("2001:db8:1::2", "fe80::1", 17, 53, 53);
	pkts[5] = mk("198.18.0.1", "198.18.0.9", 1, 0, 0); /* ICMP */
	pkts[6] = mk("10.1.2.3", "198.18.0.2", 6, 8080, 22);
	/* A non-first IPv4 fragment of a TCP segment: no ports. */
	pkts[7] = mk("198.18.0.1", "198.18.0.2", 6, 40000, 80);
	pb_put16(pkts[7].b + 14 + 6, 0x0010);
}

static const struct good goods[] = {
	/* packets:   0:tcp4 80  1:tcp4 reply  2:udp4 dns  3:tcp6 443
	 *            4:udp6 dns 5:icmp4  6:tcp4 10.x:8080->22  7:frag */
	{"", "tcp", "yynynnyy"},
	{"   ", "tcp", "yynynnyy"},
	{"tcp", "tcp", "yynynnyy"},
	{"udp", "udp", "nnynynnn"},
	{"ip", "ip", "yyynnyyy"},
	{"ip6", "ip6", "nnnyynnn"},
	{"host 198.18.0.1", "host 198.18.0.1", "yynnnyny"},
	{"src host 198.18.0.1", "src host 198.18.0.1", "ynnnnyny"},
	{"dst host 198.18.0.1", "dst host 198.18.0.1", "nynnnnnn"},
	{"src or dst host 198.18.0.1", "host 198.18.0.1", "yynnnyny"},
	{"dst or src host 198.18.0.1", "host 198.18.0.1", "yynnnyny"},
	{"src and dst net 198.18.0.0/16",
	 "src net 198.18.0.0/16 & dst net 198.18.0.0/16", "yynnnyny"},
	{"src 198.18.0.2", "src host 198.18.0.2", "nynnnnnn"},
	{"198.18.0.2", "host 198.18.0.2", "yynnnnyy"},
	{"host 2001:db8::1", "host 2001:db8::1", "nnnynnnn"},
	{"ip host 198.18.0.1", "host 198.18.0.1", "yynnnyny"},
	{"ip6 host fe80::1", "host fe80::1", "nnnnynnn"},
	{"net 198.18.0.0/24", "net 198.18.0.0/24", "yynnnyyy"},
	{"net 198.18.0.0/15", "net 198.18.0.0/15", "yyynnyyy"},
	{"net 10", "net 10.0.0.0/8", "nnynnnyn"},
	{"net 198.18", "net 198.18.0.0/16", "yyynnyyy"},
	{"net 10.0.0.0 mask 255.0.0.0", "net 10.0.0.0/8", "nnynnnyn"},
	{"net 10.0.0.0 mask 255.0.255.0", "net 10.0.0.0 mask 255.0.255.0",
	 "nnynnnnn"},
	{"net 0.0.0.0/0", "net 0.0.0.0/0", "yyynnyyy"},
	{"dst net 2001:db8:1::/48", "dst net 2001:db8:1::/48", "nnnynnnn"},
	{"ip6 net 2001:db8::/32", "net 2001:db8::/32", "nnnyynnn"},
	{"net 2001:db8::1", "host 2001:db8::1", "nnnynnnn"},
	{"port 80", "port 80", "yynnnnnn"},
	{"port 53", "port 53", "nnynynnn"},
	{"src port 53", "src port 53", "nnnnynnn"},
	{"dst port 80", "dst port 80", "ynnnnnnn"},
	{"tcp port 80", "tcp & port 80", "yynnnnnn"},
	{"udp port 53", "udp & port 53", "nnynynnn"},
	{"tcp port 53", "tcp & port 53", "nnnnnnnn"},
	{"udp src port 53", "udp & src port 53", "nnnnynnn"},
	{"tcp src or dst port 443", "tcp & port 443", "nnnynnnn"},
	{"portrange 1-1024", "portrange 1-1024", "yyyyynyn"},
	{"tcp dst portrange 20-22", "tcp & dst portrange 20-22", "nnnnnnyn"},
	{"port 0", "port 0", "nnnnnnnn"},
	{"port 65535", "port 65535", "nnnnnnnn"},
	/* Negation: a predicate on a missing field is false before it. */
	{"not port 80", "!port 80", "nnyyyyyy"},
	{"! tcp", "!tcp", "nnynyynn"},
	{"not tcp port 80", "!tcp | !port 80", "nnyyyyyy"},
	{"not (tcp and port 80)", "!tcp | !port 80", "nnyyyyyy"},
	{"not (udp or ip6)", "!udp & !ip6", "yynnnyyy"},
	{"not not tcp", "tcp", "yynynnyy"},
	{"!!!udp", "!udp", "yynynyyy"},
	{"not host 198.18.0.1", "!host 198.18.0.1", "nnyyynyn"},
	/* and/or: equal precedence, left to right (pcap-filter(7)). */
	{"udp or tcp and port 80", "udp & port 80 | tcp & port 80", "yynnnnnn"},
	{"tcp and port 80 or udp", "tcp & port 80 | udp", "yyynynnn"},
	{"udp or (tcp and port 80)", "udp | tcp & port 80", "yyynynnn"},
	{"not tcp and port 53", "!tcp & port 53", "nnynynnn"},
	{"tcp && port 80 || udp", "tcp & port 80 | udp", "yyynynnn"},
	{"(tcp or udp) and (port 80 or port 53)",
	 "tcp & port {53, 80} | udp & port {53, 80}", "yyynynnn"},
	{"((((tcp))))", "tcp", "yynynnyy"},
	{"tcp and (not ip6 and not port 22)", "tcp & !ip6 & !port 22",
	 "yynnnnny"},
	/* Implied qualifiers: "port 80 or 443" is "port 80 or port 443". */
	{"port 80 or 443", "port {80, 443}", "yynynnnn"},
	{"tcp dst port 80 or 22", "tcp & dst port {22, 80}", "ynnnnnyn"},
	{"host 198.18.0.9 or 10.1.2.3", "host {10.1.2.3, 198.18.0.9}",
	 "nnnnnyyn"},
	/* Lists: alike neighbours joined by or (negated ones by and). */
	{"host 198.18.0.1 or host 2001:db8::1 or host 10.1.2.3",
	 "host {10.1.2.3, 198.18.0.1, 2001:db8::1}", "yynynyyy"},
	{"src host 198.18.1.1 or 2001:db8:1::2",
	 "src host {198.18.1.1, 2001:db8:1::2}", "nnynynnn"},
	{"net 198.18.1.0/24 or net 10.0.0.0/8 or net fe80::/10",
	 "net {10.0.0.0/8, 198.18.1.0/24, fe80::/10}", "nnynynyn"},
	{"not port 80 and not port 53", "!port {53, 80}", "nnnynyyy"},
	{"not (port 80 or port 53)", "!port {53, 80}", "nnnynyyy"},
	{"tcp port 80 or tcp port 22 or tcp port 443",
	 "tcp & port {22, 80, 443}", "yynynnyn"},
	{"(udp port 53 or udp port 5353) and ip6",
	 "udp & port {53, 5353} & ip6", "nnnnynnn"},
	{"port 22 or port 80 or portrange 50-60 or port 443",
	 "port {22, 80} | portrange 50-60 | port 443", "yyyyynyn"},
	{"host 198.18.0.9 or ip host 10.1.2.3",
	 "host 198.18.0.9 | host 10.1.2.3", "nnnnnyyn"},
	{"host 10.1.2.3 or net 198.18.1.0/24",
	 "host 10.1.2.3 | net 198.18.1.0/24", "nnynnnyn"},
	{"port 80 or tcp port 22", "port 80 | tcp & port 22", "yynnnnyn"},
	{"not host 198.18.0.1 and 198.18.0.2",
	 "!host 198.18.0.1 & host 198.18.0.2", "nnnnnnyn"},
	/* Simplification: duplicates, contradictions, absorption. */
	{"tcp and tcp", "tcp", "yynynnyy"},
	{"tcp or tcp and port 80", "tcp & port 80", "yynnnnnn"},
	{"tcp or (tcp and port 80)", "tcp", "yynynnyy"},
	{"tcp and not tcp", "<none>", "nnnnnnnn"},
	{"tcp port 80 and tcp port 81", "tcp & port 80 & port 81", "nnnnnnnn"},
	{"port 80 or port 80", "port 80", "yynnnnnn"},
	{"port 80 or port 80 or port 53", "port {53, 80}", "yyynynnn"},
	{"tcp\tand\nport\t80", "tcp & port 80", "yynnnnnn"},
};

static void check_good(const struct good *g)
{
	char err[256] = "unset", dnf[1024];
	struct filter_rules rs;
	struct pkt p;
	unsigned int i;
	bool m;
	int ret;

	ret = filter_parse(g->expr, &rs, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "'%s': %d (%s)\n", g->expr, ret, err);
		CHECK_EQ(ret, 0);
		return;
	}
	CHECK_EQ(err[0], '\0');
	render(&rs, dnf, sizeof(dnf));
	if (strcmp(dnf, g->dnf)) {
		fprintf(stderr, "'%s': got '%s', want '%s'\n", g->expr, dnf,
			g->dnf);
		CHECK(!strcmp(dnf, g->dnf));
	}
	CHECK_EQ(strlen(g->matches), sizeof(pkts) / sizeof(pkts[0]));
	for (i = 0; i < strlen(g->matches); i++) {
		CHECK_EQ(pkt_parse(pkts[i].b, pkts[i].len, pkts[i].len,
				   LINKTYPE_ETHERNET, &p),
			 PKT_OK);
		m = filter_match(&rs, &p);
		if (m != (g->matches[i] == 'y')) {
			fprintf(stderr, "'%s' on packet %u: got %d\n", g->expr,
				i, m);
			CHECK(m == (g->matches[i] == 'y'));
		}
	}
	filter_rules_free(&rs);
}

/* ---- bad expressions ---- */

struct bad {
	const char *expr;
	int ret;
	const char *msg; /* substring of the message */
};

static const struct bad bads[] = {
	{"icmp", -EINVAL, "unsupported token 'icmp' at position 1"},
	{"not icmp", -EINVAL, "unsupported token 'icmp' at position 5"},
	{"tcp or ether host 1.2.3.4", -EINVAL,
	 "unsupported token 'ether' at position 8"},
	{"vlan 10", -EINVAL, "unsupported token 'vlan' at position 1"},
	{"greater 100", -EINVAL, "unsupported token 'greater'"},
	{"len > 100", -EINVAL, "unsupported token 'len'"},
	{"tcp[13] & 2 != 0", -EINVAL, "unsupported token '[' at position 4"},
	{"tcp & port 80", -EINVAL, "unsupported token '&' at position 5"},
	{"tcp icmp", -EINVAL, "unsupported token 'icmp' at position 5"},
	{"host example.com", -EINVAL,
	 "hostnames are not resolved: 'example.com' at position 6"},
	{"host foo", -EINVAL, "hostnames are not resolved: 'foo'"},
	{"host 1.2.3", -EINVAL, "bad IPv4 address '1.2.3' at position 6"},
	{"host 1.2.3.256", -EINVAL, "bad IPv4 address '1.2.3.256'"},
	{"host 2001:db8:::1", -EINVAL, "bad IPv6 address '2001:db8:::1'"},
	{"host 10.0.0.0/8", -EINVAL, "'10.0.0.0/8' at position 6 is a network"},
	{"net 10.1.2.3/8", -EINVAL,
	 "non-network bits set in '10.1.2.3/8' at position 5"},
	{"net 2001:db8::1/32", -EINVAL,
	 "non-network bits set in '2001:db8::1/32'"},
	{"net 10.0.0.1 mask 255.0.0.0", -EINVAL,
	 "non-network bits set in '10.0.0.1'"},
	{"net 10.0.0.0/33", -EINVAL,
	 "bad prefix length in '10.0.0.0/33' at position 5 (max 32)"},
	{"net 2001:db8::/129", -EINVAL,
	 "bad prefix length in '2001:db8::/129'"},
	{"net 10.0.0.0/x", -EINVAL, "bad prefix length in '10.0.0.0/x'"},
	{"net 10.0.0.0/", -EINVAL, "bad prefix length in '10.0.0.0/'"},
	{"net 10.0.0.0 mask 255.0.0", -EINVAL, "bad mask '255.0.0'"},
	{"net 10.0.0.0 mask", -EINVAL,
	 "unexpected end of expression after 'mask'"},
	{"net 1.2.3.4.5", -EINVAL, "bad IPv4 address '1.2.3.4.5'"},
	{"port http", -EINVAL,
	 "port 'http' at position 6 is not a number (service names are not supported)"},
	{"port 65536", -EINVAL, "port '65536' at position 6 out of range"},
	{"port 99999999999999999999", -EINVAL, "out of range"},
	{"port -1", -EINVAL, "port '-1' at position 6 is not a number"},
	{"portrange 2000-1000", -EINVAL,
	 "bad port range '2000-1000' at position 11: low end above high end"},
	{"portrange 1-70000", -EINVAL,
	 "port range '1-70000' at position 11 out of range"},
	{"portrange 80", -EINVAL, "bad port range '80' at position 11"},
	{"portrange a-b", -EINVAL, "bad port range 'a-b'"},
	{"tcp host 1.2.3.4", -EINVAL, "'tcp' cannot qualify 'host'"},
	{"ip port 80", -EINVAL, "'ip' cannot qualify 'port'"},
	{"ip host 2001:db8::1", -EINVAL,
	 "'ip' does not go with IPv6 address '2001:db8::1' at position 9"},
	{"ip6 net 10.0.0.0/8", -EINVAL, "'ip6' does not go with IPv4 address"},
	{"tcp and", -EINVAL, "unexpected end of expression after 'and'"},
	{"not", -EINVAL, "unexpected end of expression after 'not'"},
	{"port", -EINVAL, "missing value after 'port'"},
	{"host and tcp", -EINVAL,
	 "expected a value after 'host', got 'and' at position 6"},
	{"src", -EINVAL, "missing value after 'src'"},
	{"(tcp", -EINVAL, "missing ')' for '(' at position 1"},
	{"tcp)", -EINVAL, "unexpected ')' at position 4"},
	{"()", -EINVAL, "unexpected ')' at position 2"},
	{"(tcp udp)", -EINVAL, "unexpected 'udp' at position 6"},
	{"tcp udp", -EINVAL, "unexpected 'udp' at position 5"},
	{"tcp 80", -EINVAL, "unexpected '80' at position 5"},
	{"and tcp", -EINVAL, "unexpected 'and' at position 1"},
	{"80", -EINVAL, "bad IPv4 address '80' at position 1"},
	{"host 1.2.3.4 or foo", -EINVAL, "unsupported token 'foo'"},
	{"TCP", -EINVAL, "unsupported token 'TCP'"},
};

static void check_bad(const struct bad *b)
{
	char err[256] = "";
	struct filter_rules rs;
	int ret;

	memset(&rs, 0xa5, sizeof(rs));
	ret = filter_parse(b->expr, &rs, err, sizeof(err));
	if (ret != b->ret || !strstr(err, b->msg)) {
		fprintf(stderr, "'%s': got %d '%s', want %d '%s'\n", b->expr,
			ret, err, b->ret, b->msg);
		CHECK_EQ(ret, b->ret);
		CHECK(strstr(err, b->msg) != NULL);
	}
	CHECK_EQ(rs.rs.nterms, 0);
	CHECK_EQ(rs.nsets, 0);
	CHECK(!rs.skeleton);
}

/* ---- limits ---- */

/* "portrange 1-1 or portrange 2-2 or ..." (ranges never make a set). */
static void ranges(char *expr, const char *prefix, int from, int to,
		   const char *op)
{
	int i;

	for (i = from; i <= to; i++)
		sprintf(expr + strlen(expr), "%s%s %d-%d", i > from ? op : "",
			prefix, i, i);
}

static void check_limits(void)
{
	char err[256], expr[4096];
	struct filter_rules rs;
	int i, ret;

	/* 16 terms fit, 17 do not. */
	expr[0] = '\0';
	ranges(expr, "portrange", 1, 16, " or ");
	CHECK_EQ(filter_parse(expr, &rs, err, sizeof(err)), 0);
	CHECK_EQ(rs.rs.nterms, 16);
	strcat(expr, " or portrange 17-17");
	CHECK_EQ(filter_parse(expr, &rs, err, sizeof(err)), -E2BIG);
	CHECK(strstr(err, "filter too complex: 17 terms (max 16)") != NULL);
	CHECK_EQ(rs.rs.nterms, 0);

	/* Distribution: 4 x 4 = 16 terms fit, 4 x 5 = 20 do not. */
	strcpy(expr, "(");
	ranges(expr, "portrange", 1, 4, " or ");
	strcat(expr, ") and (");
	ranges(expr, "src portrange", 1, 4, " or ");
	strcat(expr, ")");
	CHECK_EQ(filter_parse(expr, &rs, err, sizeof(err)), 0);
	CHECK_EQ(rs.rs.nterms, 16);
	strcpy(expr, "(");
	ranges(expr, "portrange", 1, 4, " or ");
	strcat(expr, ") and (");
	ranges(expr, "src portrange", 1, 5, " or ");
	strcat(expr, ")");
	ret = filter_parse(expr, &rs, err, sizeof(err));
	CHECK_EQ(ret, -E2BIG);
	CHECK(strstr(err, "filter too complex: 20 terms (max 16)") != NULL);
	/* The same with lists: two sets, one term. */
	ret = filter_parse("(port 1 or port 2 or port 3 or port 4) and "
			   "(host 1.1.1.1 or host 2.2.2.2 or host 3.3.3.3 or "
			   "host 4.4.4.4 or host 5.5.5.5)",
			   &rs, err, sizeof(err));
	CHECK_EQ(ret, 0);
	CHECK_EQ(rs.rs.nterms, 1);
	CHECK_EQ(rs.nsets, 2);
	filter_rules_free(&rs);
	/* De Morgan: not (a and b and ... ) is one term per predicate. */
	strcpy(expr, "not (port 1");
	for (i = 2; i <= 17; i++)
		sprintf(expr + strlen(expr), " and port %d", i);
	strcat(expr, ")");
	CHECK_EQ(filter_parse(expr, &rs, err, sizeof(err)), -E2BIG);
	CHECK(strstr(err, "filter too complex: 17 terms (max 16)") != NULL);
	/* Blow-up far past the working limit: reported, not computed. */
	strcpy(expr, "(portrange 1-1 or portrange 2-2)");
	for (i = 0; i < 40; i++)
		strcat(expr, " and (portrange 1-1 or portrange 2-2)");
	CHECK_EQ(filter_parse(expr, &rs, err, sizeof(err)), -E2BIG);
	CHECK(strstr(err, "filter too complex: over ") != NULL);

	/* 8 predicates in a term fit, 9 do not. */
	strcpy(expr, "port 1");
	for (i = 2; i <= 8; i++)
		sprintf(expr + strlen(expr), " and port %d", i);
	CHECK_EQ(filter_parse(expr, &rs, err, sizeof(err)), 0);
	CHECK_EQ(rs.rs.terms[0].npreds, 8);
	strcat(expr, " and port 9");
	CHECK_EQ(filter_parse(expr, &rs, err, sizeof(err)), -E2BIG);
	CHECK(strstr(err,
		     "filter too complex: 9 predicates in one term (max 8)") !=
	      NULL);
	strcpy(expr, "port 1");
	for (i = 2; i <= 40; i++)
		sprintf(expr + strlen(expr), " and port %d", i);
	CHECK_EQ(filter_parse(expr, &rs, err, sizeof(err)), -E2BIG);
	CHECK(strstr(err, "filter too complex: more than 32 predicates") !=
	      NULL);

	/* Input bounds: nesting depth. */
	strcpy(expr, "");
	for (i = 0; i < 100; i++)
		strcat(expr, "(");
	CHECK_EQ(filter_parse(expr, &rs, err, sizeof(err)), -E2BIG);
	CHECK(strstr(err, "nested too deeply") != NULL);
	strcpy(expr, "");
	for (i = 0; i < 60; i++)
		strcat(expr, "!");
	strcat(expr, "tcp");
	CHECK_EQ(filter_parse(expr, &rs, err, sizeof(err)), 0);
}

/* ---- the matcher on hand-made rule sets ---- */

static void check_match_edges(void)
{
	struct filter_rules rs;
	struct pkt p;
	uint8_t arp[60] = {0};

	/* No terms: nothing matches, not even what "tcp" would. */
	memset(&rs, 0, sizeof(rs));
	CHECK_EQ(pkt_parse(pkts[0].b, pkts[0].len, pkts[0].len,
			   LINKTYPE_ETHERNET, &p),
		 PKT_OK);
	CHECK(!filter_match(&rs, &p));

	/*
	 * A non-IP frame never matches, as in the classifier, which applies
	 * rules to IP packets only: not even "not ip and not ip6".
	 */
	pb_put16(arp + 12, 0x0806);
	CHECK_EQ(
		pkt_parse(arp, sizeof(arp), sizeof(arp), LINKTYPE_ETHERNET, &p),
		PKT_NOT_IP);
	CHECK_EQ(filter_parse("tcp or ip or ip6 or port 0 or host 0.0.0.0", &rs,
			      NULL, 0),
		 0);
	CHECK(!filter_match(&rs, &p));
	CHECK_EQ(filter_parse("not ip and not ip6", &rs, NULL, 0), 0);
	CHECK(!filter_match(&rs, &p));

	/* An IPv4 rule never matches an IPv6 address that embeds it. */
	CHECK_EQ(filter_parse("net 0.0.0.0/0", &rs, NULL, 0), 0);
	CHECK_EQ(pkt_parse(pkts[3].b, pkts[3].len, pkts[3].len,
			   LINKTYPE_ETHERNET, &p),
		 PKT_OK);
	CHECK(!filter_match(&rs, &p));

	/* Out-of-range counts are clamped, never read past the arrays. */
	CHECK_EQ(filter_parse("tcp", &rs, NULL, 0), 0);
	rs.rs.nterms = 1000;
	rs.rs.terms[0].npreds = 1000;
	CHECK_EQ(pkt_parse(pkts[0].b, pkts[0].len, pkts[0].len,
			   LINKTYPE_ETHERNET, &p),
		 PKT_OK);
	filter_match(&rs, &p);
}

/* ---- random expressions against a direct evaluation ---- */

static uint32_t rnd(void)
{
	static uint32_t s = 0x2545f491;

	s ^= s << 13;
	s ^= s >> 17;
	s ^= s << 5;
	return s;
}

static const char *const prims[] = {
	"tcp",
	"udp",
	"ip",
	"ip6",
	"port 80",
	"port 53",
	"src port 53",
	"host 198.18.0.1",
	"dst net 198.18.0.0/16",
	"tcp port 80",
	"portrange 20-80",
	"net 2001:db8::/32",
};

#define NPRIMS (sizeof(prims) / sizeof(prims[0]))
#define NPKTS (sizeof(pkts) / sizeof(pkts[0]))

/* Bit i: the expression matches pkts[i]. */
static unsigned int match_mask(const struct filter_rules *rs)
{
	unsigned int i, m = 0;
	struct pkt p;

	for (i = 0; i < NPKTS; i++) {
		pkt_parse(pkts[i].b, pkts[i].len, pkts[i].len,
			  LINKTYPE_ETHERNET, &p);
		if (filter_match(rs, &p))
			m |= 1u << i;
	}
	return m;
}

/*
 * Append a random expression to s and return its match mask, computed
 * from the tree as generated: the reference for the normal form.
 */
static unsigned int gen(char *s, const unsigned int *pm, int depth)
{
	unsigned int a, b, all = (1u << NPKTS) - 1;
	int op = depth ? (int)(rnd() % 4) : 0;

	switch (op) {
	case 0:
		a = rnd() % NPRIMS;
		strcat(s, prims[a]);
		return pm[a];
	case 1:
		strcat(s, rnd() % 2 ? "not " : "!");
		return ~gen(s, pm, depth - 1) & all;
	default:
		strcat(s, "(");
		a = gen(s, pm, depth - 1);
		strcat(s, op == 2 ? (rnd() % 2 ? " and " : " && ")
				  : (rnd() % 2 ? " or " : " || "));
		b = gen(s, pm, depth - 1);
		strcat(s, ")");
		return op == 2 ? a & b : a | b;
	}
}

static void check_random(void)
{
	unsigned int pm[NPRIMS], want, i, ok = 0;
	char expr[4096], err[256];
	struct filter_rules rs;
	int ret;

	for (i = 0; i < NPRIMS; i++) {
		CHECK_EQ(filter_parse(prims[i], &rs, err, sizeof(err)), 0);
		pm[i] = match_mask(&rs);
		filter_rules_free(&rs);
	}
	for (i = 0; i < 3000; i++) {
		expr[0] = '\0';
		want = gen(expr, pm, 1 + i % 5);
		ret = filter_parse(expr, &rs, err, sizeof(err));
		if (ret == -E2BIG)
			continue;
		CHECK_EQ(ret, 0);
		ok++;
		if (match_mask(&rs) != want) {
			fprintf(stderr, "'%s': mask %#x, want %#x\n", expr,
				match_mask(&rs), want);
			CHECK_EQ(match_mask(&rs), want);
		}
		filter_rules_free(&rs);
	}
	CHECK(ok > 2000); /* most fit the limits */
}

/* Token soup: any input gives 0, -EINVAL or -E2BIG, and a valid result. */
static void check_soup(void)
{
	static const char *const words[] = {
		"tcp",	     "udp",	  "ip",	  "ip6", "host", "net",
		"port",	     "portrange", "src",  "dst", "mask", "and",
		"or",	     "not",	  "(",	  ")",	 "!",	 "&&",
		"||",	     "1.2.3.4",	  "10/8", "::1", "80",	 "1-2",
		"255.0.0.0", "icmp",	  "[",	  "foo", "",	 "&",
		"-",	     "/",	  "::/0", "0",
	};
	const size_t nw = sizeof(words) / sizeof(words[0]);
	char expr[1024], err[256];
	struct filter_rules rs;
	unsigned int i, j, n;
	int ret;

	for (i = 0; i < 20000; i++) {
		expr[0] = '\0';
		n = rnd() % 12;
		for (j = 0; j < n; j++) {
			strcat(expr, words[rnd() % nw]);
			strcat(expr, rnd() % 4 ? " " : "");
		}
		err[0] = 'x';
		ret = filter_parse(expr, &rs, err, sizeof(err));
		CHECK(ret == 0 || ret == -EINVAL || ret == -E2BIG);
		CHECK(ret ? err[0] != '\0' : err[0] == '\0');
		CHECK(rs.rs.nterms <= FS_MAX_TERMS);
		CHECK(rs.nsets <= FS_MAX_SETS);
		for (j = 0; j < rs.rs.nterms; j++)
			CHECK(rs.rs.terms[j].npreds >= 1 &&
			      rs.rs.terms[j].npreds <= FS_MAX_PREDS);
		filter_rules_free(&rs);
	}
}

static void check_join(void)
{
	char *argv[] = {"tcp", "port", "80", "or", "(udp)"};
	char *s;

	s = filter_join_args(5, argv);
	CHECK(s && !strcmp(s, "tcp port 80 or (udp)"));
	free(s);
	s = filter_join_args(1, argv);
	CHECK(s && !strcmp(s, "tcp"));
	free(s);
	s = filter_join_args(0, argv);
	CHECK(s && !strcmp(s, ""));
	free(s);
}

static void test_good_exprs(void)
{
	size_t i;

	for (i = 0; i < T_ARRAY_SIZE(goods); i++)
		check_good(&goods[i]);
}

static void test_bad_exprs(void)
{
	size_t i;

	for (i = 0; i < T_ARRAY_SIZE(bads); i++)
		check_bad(&bads[i]);
}

/* NULL expression is the default; messages are truncated safely. */
static void test_defaults_and_truncation(void)
{
	char err[256] = "x", small[16];
	struct filter_rules rs;

	CHECK_EQ(filter_parse(NULL, &rs, err, sizeof(err)), 0);
	CHECK_EQ(rs.rs.nterms, 1);
	CHECK_EQ(filter_parse("icmp", &rs, small, sizeof(small)), -EINVAL);
	CHECK_EQ(strlen(small), sizeof(small) - 1);
	CHECK_EQ(filter_parse("icmp", &rs, NULL, 0), -EINVAL);
}

static const struct t_case cases[] = {
	T_CASE(test_good_exprs),  T_CASE(test_bad_exprs),
	{"limits", check_limits}, {"match_edges", check_match_edges},
	{"join", check_join},	  {"random", check_random},
	{"soup", check_soup},	  T_CASE(test_defaults_and_truncation),
};

static int setup(void)
{
	make_pkts();
	return 0;
}

int main(int argc, char **argv)
{
	return t_run(argc, argv, cases, T_ARRAY_SIZE(cases), setup);
}
