// SPDX-License-Identifier: GPL-2.0
/*
 * pcap_reader_pcap: classic pcap (micro- and nanosecond, both byte orders),
 * as libpcap's sf-pcap.c: the file header, then a 16-byte header per
 * record.
 *
 * A pcap header's link type field carries FCS bits above bit 25
 * (LT_LINKTYPE in libpcap): rec.linktype is the link type proper,
 * rec.linktype_field the whole field, for messages.
 */
#include <errno.h>

#include "parse/pcap_reader_int.h"

#define PCAP_HDR_LEN 24
#define PCAP_REC_LEN 16

int pcap_classic_next(struct pcap_reader *r, struct pcap_rec *rec)
{
	const uint8_t *h;
	uint32_t caplen;
	int ret;

	if (avail(r) < PCAP_REC_LEN) {
		ret = reader_need_header(r, PCAP_REC_LEN, "record header");
		if (ret <= 0)
			return ret;
	}
	h = cursor(r);
	caplen = rd32(r, h + 8);
	ret = reader_check_caplen(r, caplen, r->snaplen, here(r));
	if (ret)
		return ret;
	if (avail(r) < PCAP_REC_LEN + caplen) {
		ret = reader_need_body(r, PCAP_REC_LEN, caplen, "record");
		if (ret)
			return ret;
		h = cursor(r);
	}
	rec->ts_ns = rd32(r, h) * NSEC + (uint64_t)rd32(r, h + 4) * r->ts_mult;
	rec->caplen = caplen;
	rec->wirelen = rd32(r, h + 12);
	rec->linktype = r->linktype;
	rec->linktype_field = r->linktype_field;
	rec->iface = 0;
	rec->offset = here(r);
	rec->data = h + PCAP_REC_LEN;
	rec->buf = &r->cur->buf;
	r->pos += PCAP_REC_LEN + caplen;
	return 1;
}

int pcap_classic_open(struct pcap_reader *r, uint32_t magic)
{
	const uint8_t *h;
	int ret;

	r->swap = magic != PCAP_MAGIC_US && magic != PCAP_MAGIC_NS;
	ret = reader_fill(r, PCAP_HDR_LEN);
	if (ret < 0)
		return ret;
	if (ret)
		return reader_set_err(r, -EINVAL,
				      "truncated pcap file header at "
				      "offset 0: %u bytes needed, %zu present",
				      PCAP_HDR_LEN, avail(r));
	h = cursor(r);
	if (rd16(r, h + 4) != 2)
		return reader_set_err(r, -EINVAL,
				      "unsupported pcap version %u.%u",
				      rd16(r, h + 4), rd16(r, h + 6));
	r->ts_mult = rd32(r, h) == PCAP_MAGIC_NS ? 1 : 1000;
	r->snaplen = rd32(r, h + 16);
	/* The upper bits carry FCS information (LT_LINKTYPE in libpcap). */
	r->linktype_field = rd32(r, h + 20);
	r->linktype = r->linktype_field & 0x03ffffff;
	r->pos = PCAP_HDR_LEN;
	return 0;
}
