/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcp_rx internals: the engine and connection objects, and what the
 * engine's files give each other:
 *
 *   tcp_rx.c     input: segment checks, the state machine, the API
 *   tcp_conn.c   the connection table, its lists, the idle and
 *                retransmission timers
 *   tcp_isn.c    initial sequence numbers, SYN cookies, keyed hashes
 *   tcp_ack.c    the receive window, ACKs and SACK blocks, the out-of-
 *                order queue
 *   tcp_seg.c    options, checksums, frames (tcp_seg.h)
 *
 * Not an API: sinks use tcp_rx.h.
 */
#ifndef FS_TCP_RX_INT_H
#define FS_TCP_RX_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp/tcp_rx.h"
#include "tcp/tcp_seg.h"

struct tcp_list {
	struct tcp_list *prev, *next;
};

enum tcp_state {
	TCPS_SYN_RCVD = 0,
	TCPS_ESTABLISHED,
	TCPS_CLOSE_WAIT, /* the client's FIN is in; ours not sent */
	TCPS_LAST_ACK, /* ours sent after theirs, not yet acknowledged */
	TCPS_FIN_WAIT, /* ours sent first (the sink closed); theirs not in */
	TCPS_CLOSED,
};

/* A piece of out-of-order data, held with a reference on its buffer. */
struct tcp_ooo {
	struct tcp_ooo *next;
	uint32_t seq, len;
	const uint8_t *p;
	struct buf *b;
};

struct tcp_conn {
	struct tcp_conn_info info;
	void *user;
	struct tcp_conn *hnext; /* hash chain */
	struct tcp_list lru; /* every connection, least recently active first */
	struct tcp_list rtx; /* connections with something to retransmit */
	struct tcp_list dack; /* connections with a delayed ACK armed */
	struct tcp_conn *pend_next; /* ACK due at the end of the batch */
	uint8_t state; /* enum tcp_state */
	uint8_t mac[6]; /* the client's */
	bool pending; /* on the engine's pending list */
	bool sack_ok, ts_ok;
	bool shut; /* tcp_rx_shutdown() came */
	bool counted_est; /* counted in nestab (else in nhalf) */
	bool ack_due; /* an ACK is owed (tcp_ack_later) */
	bool ws_ok; /* window scaling both ways */
	bool zero_win; /* the last window announced was 0 */
	bool opened; /* the sink's open() ran: its end() is due */
	bool fin_sent; /* our FIN went (it is at snd_nxt - 1) */
	bool want_shut, want_abort; /* the sink's, done at the flush */
	/* send side */
	uint32_t snd_una, snd_nxt, snd_wnd, max_snd_wnd;
	/* receive side */
	uint32_t rcv_nxt;
	uint32_t rcv_adv; /* the right edge of the window we announced */
	uint32_t last_ack_sent;
	uint8_t rcv_wscale; /* ours (0 when not negotiated) */
	uint8_t snd_wscale; /* the client's */
	uint16_t rcv_mss; /* the largest segment received (<= cfg.mss) */
	uint32_t unacked; /* bytes received since our last ACK */
	uint64_t unabsorbed; /* handed to the sink, not yet on disk */
	uint32_t ts_recent; /* the client's timestamp to echo */
	uint32_t ts_off; /* our timestamp clock's offset */
	/* out-of-order data, by sequence number */
	struct tcp_ooo *ooo, *ooo_tail;
	uint32_t nooo;
	uint32_t ooo_bytes;
	uint32_t last_ooo; /* sequence number of the latest piece held */
	bool ooo_fin; /* a FIN beyond a hole, at ooo_fin_seq */
	uint32_t ooo_fin_seq;
	/* what we send: a response (sbuf), then our FIN */
	uint8_t *sbuf;
	uint32_t slen; /* bytes from snd_una on, sent or not */
	bool fin_queued; /* our FIN follows sbuf */
	/* timers (monotonic ns; 0: not armed) */
	uint64_t dack_at;
	uint64_t rtx_at;
	uint64_t rto_ns;
	uint8_t rtx_count;
	uint64_t synack_ns; /* when the first SYN-ACK went (RTT) */
	uint64_t srtt_ns;
	uint64_t active_ns; /* the last segment from the client */
};

struct tcp_rx {
	struct tcp_rx_cfg cfg;
	const struct tcp_rx_ops *ops;
	void *ctx;
	struct tcp_rx_stats st;
	/* the connection table (tcp_conn.c) */
	struct tcp_conn **buckets;
	uint32_t nbuckets; /* a power of 2 */
	uint32_t nconns, nestab, nhalf;
	struct tcp_list lru, rtx, dack;
	struct tcp_conn *pending; /* ACKs due at the end of the batch */
	uint64_t next_id;
	/* out-of-order pieces: free list, and how many buffers are held */
	struct tcp_ooo *free_ooo;
	uint32_t held;
	/* challenge ACKs (RFC 5961 7): a budget per second */
	uint64_t chal_sec;
	uint32_t chal_count;
	uint64_t rtx_checked_ns;
	uint64_t now;
	uint8_t wscale; /* ours, for cfg.rcv_buf */
	uint64_t cookie_ns; /* the last SYN cookie sent (0: none yet) */
};

/* RFC 5961 7: at most this many challenge ACKs per second per engine. */
#define TCP_RX_CHALLENGE_PER_S 1000
#define TCP_RX_SYNACK_RTO_NS 1000000000ull
#define TCP_RX_MIN_RTO_NS 200000000ull
#define TCP_RX_MAX_RTO_NS 60000000000ull
#define TCP_RX_SYNACK_RETRIES 5
#define TCP_RX_RETRIES 8
/* A SYN cookie is good for two 64-second periods (tcp_isn.c). */
#define TCP_RX_COOKIE_LIFE_NS (128ull * 1000000000ull)

/* tcp_conn.c */
int tcp_conn_table_init(struct tcp_rx *e);
void tcp_conn_table_fini(struct tcp_rx *e);
struct tcp_conn *tcp_conn_lookup(struct tcp_rx *e, int family,
				 const struct pkt_addr *addr, uint16_t port);
/* A new connection in SYN_RCVD (or established, for a cookie), or NULL. */
struct tcp_conn *tcp_conn_new(struct tcp_rx *e, const struct pkt *p,
			      const uint8_t *mac, uint64_t now);
/* The half-open connection is established now (counts move). */
void tcp_conn_established(struct tcp_rx *e, struct tcp_conn *c);
/* Unlink and free c (its held data released); the sink was told. */
void tcp_conn_free(struct tcp_rx *e, struct tcp_conn *c);
/* c had a segment now: to the end of the idle list. */
void tcp_conn_touch(struct tcp_rx *e, struct tcp_conn *c, uint64_t now);
void tcp_rtx_arm(struct tcp_rx *e, struct tcp_conn *c, uint64_t at);
void tcp_rtx_disarm(struct tcp_conn *c);
void tcp_dack_arm(struct tcp_rx *e, struct tcp_conn *c, uint64_t at);
void tcp_dack_disarm(struct tcp_conn *c);
/* Run the timers due by now: callbacks into tcp_rx.c. */
void tcp_conn_timers(struct tcp_rx *e, uint64_t now);

/* tcp_rx.c, for the timers */
void tcp_rx_timeout(struct tcp_rx *e, struct tcp_conn *c);
void tcp_rx_retransmit(struct tcp_rx *e, struct tcp_conn *c);
/* The sink's tcp_rx_shutdown() or tcp_rx_abort(), at the flush. */
void tcp_rx_deferred(struct tcp_rx *e, struct tcp_conn *c);
/* End c as why, the sink told, c freed. */
void tcp_rx_end(struct tcp_rx *e, struct tcp_conn *c, enum tcp_end why);

/* tcp_isn.c */
uint64_t tcp_siphash(const uint8_t key[16], const void *data, size_t len);
/* The hash of a client's endpoint, for the table. */
uint32_t tcp_hash_client(const struct tcp_rx *e, int family,
			 const struct pkt_addr *addr, uint16_t port);
/* RFC 6528: our ISN for a connection from the client of p. */
uint32_t tcp_isn(const struct tcp_rx *e, const struct pkt *p, uint64_t now);
/* Our timestamp clock's offset for the client of p. */
uint32_t tcp_ts_offset(const struct tcp_rx *e, const struct pkt *p);
/* Our timestamp clock: milliseconds, plus the offset. */
uint32_t tcp_ts_now(uint64_t now, uint32_t off);

/* What a SYN cookie carries besides its proof. */
struct tcp_cookie {
	uint16_t mss;
	int8_t wscale; /* -1: none */
	bool sack_ok;
};
/* The ISN of a SYN-ACK sent as a cookie for the SYN p. */
uint32_t tcp_cookie_make(const struct tcp_rx *e, const struct pkt *p,
			 uint16_t mss, uint64_t now);
/*
 * The ACK p completes a handshake whose SYN-ACK was a cookie: 0 and the
 * MSS in *ck, or -1.
 */
int tcp_cookie_check(const struct tcp_rx *e, const struct pkt *p, uint64_t now,
		     struct tcp_cookie *ck);
/* The timestamp of a cookie's SYN-ACK, carrying wscale and SACK. */
uint32_t tcp_cookie_ts(uint32_t ts_now, int8_t wscale, bool sack_ok);
/* Decode it from the echo: 0, or -1 when it carries nothing. */
int tcp_cookie_ts_decode(uint32_t tsecr, struct tcp_cookie *ck);

/* tcp_ack.c */
/* The window field for an ACK now, moving rcv_adv (never back). */
uint16_t tcp_window(struct tcp_rx *e, struct tcp_conn *c);
/* The window c could announce now, before SWS avoidance, in bytes. */
uint32_t tcp_window_avail(const struct tcp_rx *e, const struct tcp_conn *c);
/* Send an ACK (with SACK blocks, timestamps) now. */
void tcp_send_ack(struct tcp_rx *e, struct tcp_conn *c);
/* An ACK at the end of the batch (one per connection per batch). */
void tcp_ack_later(struct tcp_rx *e, struct tcp_conn *c);
/* Send what is pending (the batch's ACKs). */
void tcp_ack_flush(struct tcp_rx *e);
/*
 * Send a segment of c with flags, from seq, carrying len bytes of data
 * (ACK and options as usual).  Returns 0 or -EAGAIN.
 */
int tcp_send_seg(struct tcp_rx *e, struct tcp_conn *c, uint8_t flags,
		 uint32_t seq, const uint8_t *data, uint32_t len);
/* A RST (or RST+ACK) in answer to a segment that has no connection. */
void tcp_send_rst(struct tcp_rx *e, const struct pkt *p, const uint8_t *mac,
		  uint32_t seg_len);
/* A challenge ACK, within the per-second budget. */
void tcp_challenge_ack(struct tcp_rx *e, struct tcp_conn *c);
/*
 * Hold [seq, seq + len) at p (a reference on b) out of order; 0, or -1
 * when the budget is spent (nothing held).
 */
int tcp_ooo_add(struct tcp_rx *e, struct tcp_conn *c, uint32_t seq,
		const uint8_t *p, uint32_t len, struct buf *b);
/* Held data that rcv_nxt reached: into *out, in order (caller delivers). */
struct tcp_ooo *tcp_ooo_take(struct tcp_rx *e, struct tcp_conn *c);
void tcp_ooo_put(struct tcp_rx *e, struct tcp_ooo *o);
/* Release everything c holds. */
void tcp_ooo_drop_all(struct tcp_rx *e, struct tcp_conn *c);

static inline void tcp_list_init(struct tcp_list *l)
{
	l->prev = l->next = l;
}

static inline bool tcp_list_empty(const struct tcp_list *l)
{
	return l->next == l;
}

static inline void tcp_list_del(struct tcp_list *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->prev = n->next = n;
}

static inline void tcp_list_add_tail(struct tcp_list *head, struct tcp_list *n)
{
	n->prev = head->prev;
	n->next = head;
	head->prev->next = n;
	head->prev = n;
}

#define tcp_conn_of(node, field)              \
	((struct tcp_conn *)((char *)(node) - \
			     __builtin_offsetof(struct tcp_conn, field)))

#endif /* FS_TCP_RX_INT_H */
