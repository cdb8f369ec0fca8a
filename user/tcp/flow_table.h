/* SPDX-License-Identifier: GPL-2.0 */
/*
 * flow_table: TCP connections, both directions under one entry, keyed by
 * the two endpoints (address and port, IPv4 or IPv6) and the VLAN ids.
 *
 * The client is the sender of the SYN (without ACK); failing that the
 * receiver of a SYN+ACK; failing that the sender of the first packet.
 * A SYN that does not belong to the connection on the same ports (the
 * connection has closed, the SYN's ISN is not the one seen, or, no SYN
 * seen, it lies more than the midstream window before the first byte)
 * ends that connection ("reused") and starts a new flow with its own id.
 *
 * Time is capture time: the largest packet timestamp seen so far, so
 * results do not depend on how fast a file is read; a packet stamped more
 * than idle_timeout ahead moves it only when the next packet confirms
 * the jump (otherwise it is counted as a time outlier).  A flow idle for
 * idle_timeout ends ("timeout"); a closed one (FIN both ways, or RST;
 * whichever came first names the end: an RST after both FINs is "fin")
 * stays closed_timeout for late retransmissions, then ends with "fin" or
 * "rst".  Past max_flows the least recently seen flow is ended
 * ("evicted"), closed flows first.  Memory is bounded by max_flows and
 * the reassembly budgets.
 */
#ifndef FS_FLOW_TABLE_H
#define FS_FLOW_TABLE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "lib/buf.h"
#include "parse/pkt.h"
#include "tcp/reasm.h"

enum flow_end {
	FLOW_END_FIN = 0, /* FIN both ways */
	FLOW_END_RST,
	FLOW_END_TIMEOUT,
	FLOW_END_EVICTED,
	FLOW_END_EOF, /* end of the input file */
	FLOW_END_SHUTDOWN, /* the program was stopped */
	FLOW_END_REUSED, /* a new connection took its ports before it closed */
	FLOW_END_MAX,
};

/* Direction index: bytes sent by the client, and by the server. */
#define FLOW_C2S 0
#define FLOW_S2C 1

struct flow_table;

struct flow {
	struct flow *hnext; /* hash chain */
	struct flow *prev, *next; /* LRU list: active or closed */
	struct flow_table *ft;
	uint64_t id;
	uint32_t hash;
	uint8_t family; /* 4 or 6 */
	uint8_t nvlan;
	uint16_t vlan[PKT_VLAN_MAX];
	struct pkt_addr addr[2]; /* [FLOW_C2S] client, [FLOW_S2C] server */
	uint16_t port[2];
	bool closed;
	bool closed_by_rst; /* closed by an RST, not by both FINs first */
	bool fin_told[2]; /* flow_ops.fin called for that direction */
	uint64_t first_ns, last_ns; /* packet timestamps */
	uint64_t seen_ns; /* capture clock at the last packet */
	uint64_t pkts[2];
	uint64_t payload[2]; /* payload bytes captured, dups included */
	uint64_t held; /* out-of-order bytes held, both directions */
	struct reasm dir[2];
	void *user; /* owned by the flow_ops user */
};

struct flow_ops {
	/* In-order bytes of direction dir (see reasm_sink.data). */
	void (*data)(void *arg, struct flow *f, int dir, uint64_t off,
		     const uint8_t *p, uint32_t len, struct buf *b);
	/* Optional (see reasm_sink.verify). */
	int64_t (*verify)(void *arg, struct flow *f, int dir, uint64_t off,
			  const uint8_t *p, uint32_t len);
	/* Client and server were just swapped (a late SYN showed who is who). */
	void (*swapped)(void *arg, struct flow *f);
	/*
	 * Optional: direction dir delivered every byte up to its FIN, or a
	 * RST ended the flow, so no new stream byte is due (the flow stays
	 * in the table a while for retransmissions, which only compare; a
	 * byte that still comes after a RST goes to data as usual).  Once
	 * per direction.
	 */
	void (*fin)(void *arg, struct flow *f, int dir);
	/* The flow ended: both directions are finished; f is freed after. */
	void (*end)(void *arg, struct flow *f, enum flow_end why);
};

struct flow_table_cfg {
	uint32_t max_flows;
	uint64_t idle_timeout_ns;
	uint64_t closed_timeout_ns;
	/* Flow ids: id_first, id_first + id_step, ...  (one table per worker
	 * in a live capture: distinct firsts, step = the number of workers) */
	uint64_t id_first;
	uint64_t id_step;
	struct reasm_cfg reasm;
};

struct flow_table_stats {
	uint64_t packets; /* TCP packets given to the table */
	uint64_t not_tcp; /* other packets, ignored */
	uint64_t flows; /* flows created */
	uint64_t active; /* flows in the table now */
	uint64_t max_active;
	uint64_t ended[FLOW_END_MAX];
	uint64_t evictions; /* flows pushed out by max_flows, closed or not */
	uint64_t swaps;
	/* packets stamped more than idle_timeout ahead of the clock that the
	 * next packet did not confirm: the clock ignored them */
	uint64_t time_outliers;
	/* both directions of the flows that ended: holes, and stream bytes */
	uint64_t gaps, gap_bytes, stream_bytes;
};

void flow_table_cfg_default(struct flow_table_cfg *cfg);
int flow_table_create(struct flow_table **out, const struct flow_table_cfg *cfg,
		      const struct flow_ops *ops, void *arg);
/* Frees every flow without reporting it: end them first. */
void flow_table_destroy(struct flow_table *ft);

/*
 * One parsed packet and the buffer that owns its bytes (references are
 * taken for held data).  Non-TCP packets are counted and ignored.
 */
void flow_table_packet(struct flow_table *ft, const struct pkt *p,
		       uint64_t ts_ns, struct buf *b);

/*
 * The same for a packet whose payload continues beyond p's buffer in nmore
 * more pieces (a multi-buffer AF_XDP packet): more[i] owned by mbufs[i].
 * p->payload_caplen covers the first piece only.
 */
void flow_table_packet_frags(struct flow_table *ft, const struct pkt *p,
			     uint64_t ts_ns, struct buf *b,
			     const struct iovec *more, struct buf *const *mbufs,
			     unsigned int nmore);

/* End the flows whose timeouts passed at capture time now_ns. */
void flow_table_expire(struct flow_table *ft, uint64_t now_ns);

/* End every flow (EOF, SHUTDOWN). */
void flow_table_end_all(struct flow_table *ft, enum flow_end why);

void flow_table_get_stats(const struct flow_table *ft,
			  struct flow_table_stats *st);
struct reasm_ctx *flow_table_reasm_ctx(struct flow_table *ft);

const char *flow_end_name(enum flow_end why);

/*
 * Symmetric hash of a packet's endpoints and VLAN ids: the same for both
 * directions of a connection, so that a worker can be picked from it.
 */
uint32_t flow_hash_sym(const struct pkt *p);

#endif /* FS_FLOW_TABLE_H */
