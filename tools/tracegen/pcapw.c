// SPDX-License-Identifier: GPL-2.0
/*
 * tracegen pcap writer: DIR/trace.pcap, Ethernet with nanosecond
 * timestamps, each packet a frame from pktbuild with valid IPv4 and TCP
 * checksums and its stream bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pktbuild.h"
#include "tracegen.h"

/* The whole frame of s into f. */
static void build_frame(struct gen *g, const struct seg *s, struct pb *f,
			uint16_t id)
{
	const struct conn *c = &g->conns[s->conn];
	int d = s->dir, k;
	uint16_t etype = c->family == 4 ? 0x0800 : 0x86dd;
	const uint8_t mss[4] = {2, 4, g->o->mss >> 8, g->o->mss & 0xff};
	const uint8_t dmac[6] = {2, 0, 0, 0, 0, d == C2S ? 2 : 1};
	const uint8_t smac[6] = {2, 0, 0, 0, 0, d == C2S ? 1 : 2};
	const uint8_t *src = d == C2S ? c->caddr : c->saddr;
	const uint8_t *dst = d == C2S ? c->saddr : c->caddr;

	pb_init(f);
	pb_eth(f, dmac, smac, c->nvlan ? c->vlan_tpid[0] : etype);
	for (k = 0; k < c->nvlan; k++)
		pb_vlan(f, c->vlan_id[k],
			k + 1 < c->nvlan ? c->vlan_tpid[k + 1] : etype);
	if (c->family == 4)
		pb_ipv4(f, &(struct pb_ip4){.src = src,
					    .dst = dst,
					    .proto = 6,
					    .id = id,
					    .frag = 0x4000}); /* DF */
	else
		pb_ipv6(f, &(struct pb_ip6){.src = src, .dst = dst, .nh = 6});
	pb_tcp(f, &(struct pb_tcp){
			  .sport = d == C2S ? c->cport : c->sport,
			  .dport = d == C2S ? c->sport : c->cport,
			  .seq = c->isn[d] + 1 + (uint64_t)s->off,
			  .ack = (s->flags & TH_ACK)
					 ? c->isn[!d] + 1 + (uint64_t)s->ack_off
					 : 0,
			  .flags = s->flags,
			  .win = s->win,
			  /* The SYNs carry the MSS. */
			  .opt_len = (s->flags & TH_SYN) ? 4 : 0,
			  .opts = mss,
		  });
	stream_bytes(c->key[d], s->off, pb_put(f, s->len), s->len, s->src);
	pb_finish(f);
}

int write_pcap(struct gen *g, const char *path)
{
	static struct pb frame;
	uint64_t ts = TS_START * 1000000000ull;
	struct {
		uint32_t magic;
		uint16_t major, minor;
		uint32_t zone, sigfigs, snaplen, linktype;
	} hdr = {0xa1b23c4d, 2, 4, 0, 0, 262144, 1};
	uint16_t id = 1;
	FILE *f = fopen(path, "wb");
	size_t i;

	if (!f)
		goto fail;
	/* Big buffer: one write(2) per 4 MiB, not per packet. */
	setvbuf(f, NULL, _IOFBF, 4 << 20);
	fwrite(&hdr, sizeof(hdr), 1, f);
	for (i = 0; i < g->pkts.n; i++) {
		const struct seg *s = &g->pkts.v[i];
		uint32_t rec[4];
		size_t n;

		build_frame(g, s, &frame, id++);
		n = frame.len;

		ts += TS_STEP_NS + s->gap_ms * 1000000ull;
		rec[0] = ts / 1000000000ull;
		rec[1] = ts % 1000000000ull;
		rec[2] = rec[3] = n;
		fwrite(rec, sizeof(rec), 1, f);
		fwrite(frame.b, n, 1, f);
	}
	if (ferror(f) || fclose(f))
		goto fail;
	return 0;
fail:
	fprintf(stderr, "tracegen: %s: %s\n", path, strerror(errno));
	return -1;
}
