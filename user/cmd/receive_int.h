/* SPDX-License-Identifier: GPL-2.0 */
/*
 * receive_int: what the receive command (receive_cmd.c: options, set-up,
 * the run) and its reports (receive_report.c: stats line, --stats-json,
 * summary) share.  Internal to the command; not an API.
 */
#ifndef FS_RECEIVE_INT_H
#define FS_RECEIVE_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "fs_shared.h"
#include "live/recv_worker.h"
#include "live/umem.h"
#include "live/xdp_prog.h"
#include "parse/filter_plan.h"
#include "parse/pkt.h"
#include "tcp/flow_index.h"

struct receive_opts {
	const char *ifname;
	const char *listen;
	const char *dir;
	const char *queues;
	const char *stats_json;
	uint64_t window;
	uint64_t max_upload;
	unsigned int max_conns;
	unsigned int max_half_open;
	unsigned int idle_timeout;
	unsigned int frames;
	unsigned int frame_size;
	unsigned int duration;
	unsigned int stats_interval;
	int xdp_mode;
	bool no_syn_cookies;
	bool partial_csum;
	bool http;
	bool overwrite;
	bool verbose;
	bool quiet;
};

/* One queue's counters as the report reads them. */
struct receive_qsnap {
	unsigned int queue;
	struct recv_worker_stats w;
	uint64_t redirected; /* the classifier's, for this queue */
	uint64_t ring_full, fill_empty, kernel, invalid; /* XDP_STATISTICS */
};

struct receive_snap {
	uint64_t time_ns;
	uint64_t xdp[FS_STAT_MAX];
	unsigned int nq;
	struct receive_qsnap *q;
};

struct receive {
	const struct receive_opts *o;
	int ifindex;
	int family;
	struct pkt_addr addr;
	uint16_t port;
	char listen_str[80]; /* ADDR:PORT as parsed */
	uint8_t mac[6];
	uint32_t mtu;
	unsigned int nq;
	unsigned int *queues;
	struct umem *umem;
	struct xdp_prog *prog;
	struct filter_plan *plan;
	struct recv_group g;
	struct flow_index *index;
	uint64_t start_ns;
	__u64 xdp_base[FS_STAT_MAX];
	__u64 *qbase;
	struct receive_snap prev, cur;
	int stats_json_err;
};

/* receive_report.c */
void receive_snapshot(struct receive *r, struct receive_snap *s);
void receive_line(FILE *f, const struct receive_snap *cur,
		  const struct receive_snap *prev);
int receive_json(const struct receive *r, const struct receive_snap *s);
/*
 * The final summary; returns the packets no counter explains (0: every
 * redirected packet is accounted for).
 */
int64_t receive_summary(FILE *f, const struct receive *r,
			const struct receive_snap *s);

#endif /* FS_RECEIVE_INT_H */
