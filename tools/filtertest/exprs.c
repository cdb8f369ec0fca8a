// SPDX-License-Identifier: GPL-2.0
/*
 * exprs: the differential test's expressions.  Fixed ones (protocols,
 * VLAN, fragments, byte access, lengths, precedence traps, the spellings
 * the two parsers once read differently) and ones made from the traffic:
 * addresses, ports and MACs that occur, and some that do not.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "filtertest.h"
#include "parse/filter_plan.h"
#include "parse/pkt.h"

#define NV4 6
#define NV6 3
#define NPORT 6
#define NMAC 2

static const char *const fixed[] = {
	"tcp",
	"udp",
	"icmp",
	"arp",
	"ip",
	"ip6",
	"sctp",
	"icmp6",
	"vlan",
	"vlan and tcp",
	"vlan and ip",
	"not vlan",
	"vlan and vlan",
	"vlan and vlan and ip",
	"vlan 100",
	"vlan 101 and tcp",
	"vlan 100 and vlan 101 and vlan 102 and vlan 103 and udp",
	"not tcp",
	"not ip",
	"not udp and not tcp",
	"not (tcp or udp)",
	"not tcp and port 80",
	"tcp or udp and port 53",
	"tcp and (port 80 or port 443)",
	"tcp and (port 80 or 443 or 8080)",
	"(port 80 or 443) and tcp",
	"udp and (dst port 53 or 5353 or 67)",
	"(port 80 or port 443) or (port 53 or 5353)",
	"(port 80 or port 443) or 53",
	"port 22 or (port 80) or 443",
	"(tcp or udp) and (src port 80 or 443)",
	"ip and not tcp",
	"port 0",
	"port 65535",
	"src port 0",
	"udp dst port 65535",
	"port 80",
	"port 443",
	"port 53",
	"tcp port 80",
	"udp port 53",
	"not port 80",
	"tcp and not port 22 and not port 80",
	"portrange 1-1023",
	"portrange 1024-65535",
	"src portrange 80-90",
	"dst portrange 90-80",
	"port 010",
	"port 0x50",
	"net 0",
	"host 01.2.3.4",
	"greater 100",
	"less 60",
	"greater 1000",
	"len > 1500",
	"len <= 66",
	"ip and len > 100 and tcp",
	"tcp[tcpflags] & tcp-syn != 0",
	"tcp[tcpflags] & (tcp-syn|tcp-fin) != 0",
	"tcp[tcpflags] == tcp-ack",
	"tcp[tcpflags] & tcp-rst != 0",
	"tcp[13] & 0x18 = 0x18",
	"tcp[13] == 0x12",
	"ip[6:2] & 0x1fff != 0",
	"ip[6:2] & 0x3fff != 0",
	"ip[8] < 64",
	"ip[0] & 0xf > 5",
	"ip6 and tcp",
	"ip6 and udp",
	"ip proto 6",
	"ip6 proto 17",
	"ip6 and ip6[6] == 44",
	"ether broadcast",
	"ether multicast",
	"ip multicast",
	"ip broadcast",
	"ether proto 0x0806",
	"ether[0] & 1 = 1",
	"tcp[0:2] > 1024",
	"udp[0:2] = 53",
	"tcp[2:2] < 1024 and tcp[0:2] >= 1024",
	"ip[2:2] > 576",
	"ip[2:2] / 4 > 100",
	"ip[2:2] % 7 = 3",
	"ip[2:2] / (ip[0] & 0) > 0",
	"(ip[2:2] - ((ip[0]&0xf)<<2)) - ((tcp[12]&0xf0)>>2) != 0",
	"tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420",
	"tcp[20:4] = 0",
	"net 198.18.0.0/15",
	"udp and udp[4:2] < 8",
	"ip[2:2] = 0",
	"ip[1] & 0xfc != 0",
	"ether[12:2] < 1536",
	"stp",
	"llc",
	"ip and ip[0] & 0xf0 != 0x40",
	"not ip6 and not ip and not arp",
	FILTER_PLAN_DEFAULT,
	"vlan and tcp or udp",
	"tcp or vlan and udp",
};

struct seen {
	uint32_t v4[NV4];
	int n4;
	uint8_t v6[NV6][16];
	int n6;
	uint16_t port[NPORT];
	int np;
	uint8_t mac[NMAC][6];
	int nm;
};

static void add_v4(struct seen *s, uint32_t a)
{
	int i;

	for (i = 0; i < s->n4; i++)
		if (s->v4[i] == a)
			return;
	if (s->n4 < NV4)
		s->v4[s->n4++] = a;
}

static void add_port(struct seen *s, uint16_t p)
{
	int i;

	for (i = 0; i < s->np; i++)
		if (s->port[i] == p)
			return;
	if (s->np < NPORT)
		s->port[s->np++] = p;
}

static void collect(struct seen *s, const struct frame_file *files, size_t n)
{
	size_t i, j;
	struct pkt p;
	int k;

	for (i = 0; i < n; i++) {
		for (j = 0; j < files[i].n; j++) {
			const struct frame *f = &files[i].f[j];

			if (pkt_parse(f->data, f->caplen, f->wirelen,
				      LINKTYPE_ETHERNET, &p) != PKT_OK)
				continue;
			/* Spread over the files: a few from each. */
			if (j > 8)
				continue;
			if (p.family == 4) {
				add_v4(s, p.src.a[0]);
			} else if (p.family == 6 && s->n6 < NV6) {
				for (k = 0;
				     k < s->n6 && memcmp(s->v6[k], p.src.a, 16);
				     k++)
					;
				if (k == s->n6)
					memcpy(s->v6[s->n6++], p.src.a, 16);
			}
			if (p.has_ports)
				add_port(s,
					 p.sport < p.dport ? p.sport : p.dport);
			if (s->nm < NMAC && f->caplen >= 12 &&
			    (s->nm == 0 || memcmp(s->mac[0], f->data + 6, 6)))
				memcpy(s->mac[s->nm++], f->data + 6, 6);
		}
	}
}

static void per_v4(FILE *o, const char *a, const char *b, const char *net,
		   unsigned int port, unsigned int q)
{
	fprintf(o, "host %s\nsrc host %s\ndst host %s\nnot host %s\n", a, a, a,
		a);
	fprintf(o, "ip host %s\narp host %s\nhost %s and tcp\n", a, a, a);
	fprintf(o, "host %s and port %u\n", a, port);
	fprintf(o, "(host %s and port %u) or (host %s and not port %u)\n", a,
		port, b, q);
	fprintf(o, "host %s or host %s\nsrc host %s and dst host %s\n", a, b, a,
		b);
	fprintf(o, "net %s/24\nsrc net %s/24\nnot dst net %s/16\n", net, net,
		net);
	fprintf(o, "src host %s or (dst host %s) or %s\n", a, b, b);
	fprintf(o, "tcp and (src host %s or %s)\n", a, b);
	fprintf(o, "(host %s or %s) and not port %u\n", a, b, port);
	fprintf(o, "ip src %s and tcp[tcpflags] & tcp-syn != 0\n", a);
	fprintf(o, "not tcp or host %s\n", a);
}

static void per_port(FILE *o, unsigned int p, unsigned int q)
{
	fprintf(o, "port %u\nsrc port %u\ndst port %u\ntcp port %u\n", p, p, p,
		p);
	fprintf(o, "udp port %u\nnot port %u\ntcp and not port %u\n", p, p, p);
	fprintf(o, "portrange %u-%u\ntcp src port %u or udp\n", p < q ? p : q,
		p < q ? q : p, p);
	fprintf(o, "port %u or %u\ntcp port %u and greater 200\n", p, q, p);
	fprintf(o, "tcp dst port %u or %u\n", p, q);
}

/* " or " between the n members "PREFIX VALUE" of v, as text. */
static void join(FILE *o, const char *prefix, char v[][INET6_ADDRSTRLEN], int n)
{
	int i;

	for (i = 0; i < n; i++)
		fprintf(o, "%s%s%s", i ? " or " : "", prefix, v[i]);
}

/*
 * Lists (set predicates on the rules path): of the addresses and ports
 * seen and some that are not, IPv4 and IPv6 mixed, qualified, negated,
 * factored, in and out of parentheses, and one of 40 hosts and ports.
 */
static void lists(FILE *o, const struct seen *s)
{
	char h[NV4 + NV6 + 40][INET6_ADDRSTRLEN];
	char p[NPORT + 40][INET6_ADDRSTRLEN], net[2][INET6_ADDRSTRLEN];
	int nh = 0, np = 0, i;
	uint32_t n24, n16;

	for (i = 0; i < s->n4; i++)
		inet_ntop(AF_INET, &s->v4[i], h[nh++], sizeof(h[0]));
	for (i = 0; i < s->n6; i++)
		inet_ntop(AF_INET6, s->v6[i], h[nh++], sizeof(h[0]));
	for (i = 0; i < s->np; i++)
		snprintf(p[np++], sizeof(p[0]), "%u", s->port[i]);
	join(o, "host ", h, nh);
	fputc('\n', o);
	join(o, "src host ", h, nh);
	fputc('\n', o);
	fprintf(o, "dst host %s or %s or %s\n", h[0], h[nh - 1], h[1]);
	join(o, "ip host ", h, s->n4);
	fputc('\n', o);
	fputs("not (", o);
	join(o, "host ", h, nh > 3 ? 3 : nh);
	fputs(")\n", o);
	fprintf(o, "tcp and not host %s and not host %s\n", h[0], h[1]);
	/* The synthetic ARP frames' addresses. */
	fputs("host 198.18.0.1 or host 198.18.0.2 or host 198.18.0.3\n", o);
	n24 = s->v4[0] & htonl(0xffffff00);
	n16 = s->v4[s->n4 > 1] & htonl(0xffff0000);
	inet_ntop(AF_INET, &n24, net[0], sizeof(net[0]));
	inet_ntop(AF_INET, &n16, net[1], sizeof(net[1]));
	fprintf(o,
		"net %s/24 or net %s/16 or net 2001:db8::/32 or net "
		"fe80::/10\n",
		net[0], net[1]);
	fputs("src net 198.18.0.0/24 or src net 10.0.0.0/8 or src net "
	      "192.168.0.0/16\n",
	      o);
	join(o, "port ", p, np);
	fputc('\n', o);
	join(o, "tcp port ", p, np);
	fputc('\n', o);
	fprintf(o, "udp dst port %s or %s or 53\n", p[0], p[1]);
	fprintf(o, "tcp port %s or %s or %s\n", p[0], p[1], p[np - 1]);
	join(o, "src port ", p, np);
	fputc('\n', o);
	fputs("tcp and not (", o);
	join(o, "port ", p, np > 3 ? 3 : np);
	fputs(")\n", o);
	fprintf(o, "(host %s or host %s) and (port %s or port %s)\n", h[0],
		h[1], p[0], p[1]);
	fprintf(o, "ip6 and (port %s or port %s or port 443)\n", p[0], p[1]);
	fprintf(o, "port 0 or port 65535 or port %s\n", p[0]);
	for (i = 0; i < 34; i++)
		snprintf(h[nh++], sizeof(h[0]), "198.19.%d.%d", i / 16, i % 16);
	for (i = 0; i < 34; i++)
		snprintf(p[np++], sizeof(p[0]), "%d", 2000 + i * 7);
	join(o, "host ", h, nh);
	fputc('\n', o);
	join(o, "port ", p, np);
	fputc('\n', o);
}

int exprs_write(FILE *o, const struct frame_file *files, size_t nfiles)
{
	struct seen s = {0};
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], net[INET6_ADDRSTRLEN];
	uint32_t absent = htonl(0xc613ff01); /* 198.19.255.1 */
	size_t i;
	int k;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		fprintf(o, "%s\n", fixed[i]);
	collect(&s, files, nfiles);
	add_v4(&s, absent);
	add_port(&s, 1);
	for (k = 0; k < s.n4; k++) {
		uint32_t n24 = s.v4[k] & htonl(0xffffff00);

		inet_ntop(AF_INET, &s.v4[k], a, sizeof(a));
		inet_ntop(AF_INET, &s.v4[(k + 1) % s.n4], b, sizeof(b));
		inet_ntop(AF_INET, &n24, net, sizeof(net));
		per_v4(o, a, b, net, s.port[k % s.np], s.port[(k + 1) % s.np]);
	}
	for (k = 0; k < s.np; k++)
		per_port(o, s.port[k], s.port[(k + 1) % s.np]);
	for (k = 0; k < s.n6; k++) {
		inet_ntop(AF_INET6, s.v6[k], a, sizeof(a));
		fprintf(o, "host %s\nsrc host %s\nip6 host %s and tcp\n", a, a,
			a);
		fprintf(o, "not host %s\n", a);
	}
	fprintf(o, "host 2001:db8:ffff::1\nnet 2001:db8::/32\n");
	lists(o, &s);
	for (k = 0; k < s.nm; k++) {
		snprintf(a, sizeof(a), "%02x:%02x:%02x:%02x:%02x:%02x",
			 s.mac[k][0], s.mac[k][1], s.mac[k][2], s.mac[k][3],
			 s.mac[k][4], s.mac[k][5]);
		fprintf(o, "ether host %s\nether src %s\nether dst %s\n", a, a,
			a);
		fprintf(o, "not ether host %s and tcp\n", a);
	}
	return 0;
}
