/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcap_opts: the -w settings `capture` and `read` share (snapshot length,
 * file format), each with one name, one range, one default and one help
 * text, here, as flow_opts.h does for the flow settings.
 */
#ifndef FS_PCAP_OPTS_H
#define FS_PCAP_OPTS_H

#include "lib/cli.h"
#include "out/pcap_out.h"

/*
 * o: the command's options (fields snaplen, format); snap_short: 's' for
 * capture (tcpdump's -s), 0 for read, where -s is --streams.
 */
#define PCAP_OPTS(o, snap_short)                                              \
	CLI_OPT_RANGE_DEF("snaplen", snap_short, CLI_UINT, &(o)->snaplen,     \
			  "BYTES",                                            \
			  "-w records carry at most BYTES of each packet "    \
			  "and keep its length on the wire (as tcpdump -s); " \
			  "0: 262144; streams are unaffected",                \
			  0, PCAP_OUT_MAX_SNAPLEN, PCAP_OUT_MAX_SNAPLEN),     \
		CLI_OPT_ENUM_DEF("format", 0, &(o)->format, "FORMAT",         \
				 "-w file format: pcap (nanosecond "          \
				 "timestamps) or pcapng (interface, queue "   \
				 "and drop counts)",                          \
				 PCAP_OPTS_FORMATS, PCAP_OUT_PCAP)

/* In the order of enum pcap_out_format. */
#define PCAP_OPTS_FORMATS ((const char *const[]){"pcap", "pcapng", NULL})

#endif /* FS_PCAP_OPTS_H */
