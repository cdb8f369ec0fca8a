// SPDX-License-Identifier: GPL-2.0
/*
 * tracegen: synthetic TCP traces with their exact expected streams, for the
 * reassembly tests and the offline benchmarks.
 *
 *   tracegen --case NAME --seed N --out DIR [--bytes B] [--mss M]
 *            [--flows N] [--parallel P] [--reorder P]
 *
 * Writes DIR/trace.pcap (Ethernet, nanosecond timestamps, valid IPv4 and
 * TCP checksums) and, under DIR/expected/:
 *   conn<i>.c2s, conn<i>.s2c  every byte of each direction of connection i,
 *                 from the first byte after the SYN (or, when the capture
 *                 has no SYN for that direction, from the first captured
 *                 data byte), to the end of what the sender sent;
 *   conns.tsv     one line per connection: addresses, ports, ISNs, the
 *                 absolute sequence number of byte 0 of each expected file
 *                 (seq0), the file lengths and how it was closed;
 *   gaps.tsv      conn, dir, offset, length of bytes never captured
 *                 (the expected files hold the real bytes there: compare
 *                 only outside the gaps);
 *   conflicts.tsv conn, dir, offset, length, kind of bytes captured twice
 *                 with different contents.  The expected files follow
 *                 "first data received wins": the bytes that come first in
 *                 the capture are kept.  kind is "overlap" for a conflicting
 *                 retransmission and "keepalive" for a keep-alive's garbage
 *                 byte.
 * Every .tsv starts with a header line; offsets are from byte 0 of the
 * expected file.  The expected data are computed by replaying the packets
 * in capture order, so they describe exactly the trace that was written.
 *
 * Stream bytes are a seeded pseudo-random function of (seed, connection,
 * direction, offset): a case is reproducible from its seed alone.  The
 * client sends --bytes bytes per connection (default 20000), the server
 * that plus a third.  Segments are --mss bytes (default 1448), a quarter of
 * them shorter.  Addresses: 198.18.0.0/15, 2001:db8::/32.
 *
 * Cases (--case all writes each into DIR/<case>/):
 *   inorder       one connection, in order, FIN close
 *   reorder       segments (and FINs) shuffled in windows of 8 packets
 *   dup           a retransmitted SYN and duplicated data; RST close
 *   overlap-same  retransmissions overlapping earlier and later segments,
 *                 with identical bytes
 *   overlap-diff  the same with different bytes, and early bad copies
 *                 (conflicts.tsv lists every conflicting range)
 *   loss          segments missing from the capture, including the first
 *                 server segment and the last client one (gaps.tsv)
 *   wrap          ISNs close to 2^32: sequence numbers wrap mid-stream
 *   ipv6          one connection over IPv6
 *   vlan          two connections, one 802.1Q tagged, one QinQ
 *                 (802.1ad outer tag), interleaved
 *   port-reuse    two connections on the same 4-tuple, the second (new
 *                 ISN) a second after the first one's FIN
 *   midstream     the capture starts after the handshake and some data
 *   keepalive     keep-alive probes (seq = snd.nxt - 1, empty and with one
 *                 garbage byte) and zero-window probes (empty at snd.una - 1,
 *                 and one byte of real data that is not acknowledged)
 *   many          --flows N connections (default 100) interleaved, at most
 *                 --parallel P at once (default all), each with --reorder
 *                 P of its data segments displaced by up to 8 packets
 *                 (default 0); every fifth closed by RST.  For
 *                 benchmarks: written through a large stdio buffer.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/cli.h"
#include "tracegen.h"

static int make_dir(const char *path)
{
	if (mkdir(path, 0755) && errno != EEXIST) {
		fprintf(stderr, "tracegen: mkdir %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	return 0;
}

static int run_case(const struct opts *o, size_t k, const char *dir)
{
	struct gen g = {.o = o};
	char path[4096];
	const char *p;
	int ret;

	/* Each case draws from its own sequence: same seed, same trace. */
	g.rng = mix64(o->seed);
	for (p = tg_cases[k].name; *p; p++)
		g.rng = mix64(g.rng ^ (uint8_t)*p);
	tg_cases[k].build(&g);
	replay(&g);
	snprintf(path, sizeof(path), "%s/expected", dir);
	ret = make_dir(dir) ?: make_dir(path);
	snprintf(path, sizeof(path), "%s/trace.pcap", dir);
	if (!ret)
		ret = write_pcap(&g, path) ?: write_expected(&g, dir);
	gen_free(&g);
	return ret;
}

static void usage(FILE *f)
{
	size_t k;

	fprintf(f,
		"Usage: tracegen --case NAME --out DIR [OPTIONS]\n\n"
		"Write a synthetic TCP trace (DIR/trace.pcap) and the exact "
		"streams a\nreassembler must produce from it "
		"(DIR/expected/conn<i>.c2s, .s2c,\nconns.tsv, gaps.tsv, "
		"conflicts.tsv).\n\n"
		"Options:\n"
		"  --case NAME    a case below, or all (each in DIR/<case>/)\n");
	fprintf(f,
		"  --out DIR      output directory (created)\n"
		"  --seed N       seed of the streams and choices (default 1)\n"
		"  --bytes B      client bytes per connection, K/M/G suffixes;"
		"\n                 the server sends B + B/3 (default 20000)\n"
		"  --mss M        full segment size, 1..65000 (default 1448)\n"
		"  --flows N      many: connections (default 100)\n"
		"  --parallel P   many: at most P connections at once, each\n"
		"                 next one starting as one ends (default: all)\n"
		"  --reorder P    many: fraction of data segments displaced by"
		"\n                 up to 8 packets, 0..1 (default 0)\n"
		"  -h, --help     show this help and exit\n\nCases:\n");
	for (k = 0; k < tg_ncases; k++)
		fprintf(f, "  %-14s %s\n", tg_cases[k].name, tg_cases[k].desc);
}

static int parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || end == s || *end || *s == '-' || *out > max ? -1 : 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{"case", required_argument, NULL, 'c'},
		{"out", required_argument, NULL, 'o'},
		{"seed", required_argument, NULL, 's'},
		{"bytes", required_argument, NULL, 'b'},
		{"mss", required_argument, NULL, 'm'},
		{"flows", required_argument, NULL, 'f'},
		{"reorder", required_argument, NULL, 'r'},
		{"parallel", required_argument, NULL, 'p'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	uint64_t v;
	char *end;
	int c, idx = 0;

	while ((c = getopt_long(argc, argv, "h", lo, &idx)) != -1) {
		switch (c) {
		case 'c':
			o->cas = optarg;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 's':
			if (parse_uint(optarg, UINT64_MAX, &o->seed))
				goto bad;
			break;
		case 'b':
			if (cli_parse_size(optarg, &o->bytes) || !o->bytes ||
			    o->bytes > (1ull << 40))
				goto bad;
			break;
		case 'm':
			if (parse_uint(optarg, 65000, &v) || !v)
				goto bad;
			o->mss = v;
			break;
		case 'f':
			if (parse_uint(optarg, MAX_FLOWS, &v) || !v)
				goto bad;
			o->flows = v;
			o->flows_set = true;
			break;
		case 'p':
			if (parse_uint(optarg, MAX_FLOWS, &v))
				goto bad;
			o->parallel = v;
			o->flows_set = true;
			break;
		case 'r':
			o->reorder = strtod(optarg, &end);
			if (end == optarg || *end || !(o->reorder >= 0) ||
			    o->reorder > 1)
				goto bad;
			o->reorder_set = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc || !o->cas || !o->out) {
		fprintf(stderr, "tracegen: --case and --out are required, "
				"and nothing else\n");
		return -1;
	}
	return 0;
bad:
	fprintf(stderr, "tracegen: invalid value '%s' for --%s\n", optarg,
		lo[idx].name);
	return -1;
}

int main(int argc, char **argv)
{
	struct opts o = {.seed = 1, .bytes = 20000, .mss = 1448, .flows = 100};
	char dir[4096];
	bool all;
	size_t k;

	if (parse_opts(argc, argv, &o))
		return 2;
	all = !strcmp(o.cas, "all");
	if ((o.flows_set || o.reorder_set) && !all && strcmp(o.cas, "many")) {
		fprintf(stderr, "tracegen: --flows and --reorder apply to "
				"--case many only\n");
		return 2;
	}
	for (k = 0; k < tg_ncases && !all; k++)
		if (!strcmp(o.cas, tg_cases[k].name))
			return run_case(&o, k, o.out) ? 1 : 0;
	if (!all) {
		fprintf(stderr,
			"tracegen: unknown case '%s' (--help lists "
			"them)\n",
			o.cas);
		return 2;
	}
	if (make_dir(o.out))
		return 1;
	for (k = 0; k < tg_ncases; k++) {
		snprintf(dir, sizeof(dir), "%s/%s", o.out, tg_cases[k].name);
		if (run_case(&o, k, dir))
			return 1;
	}
	return 0;
}
