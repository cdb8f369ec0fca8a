/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcp_rx: a TCP receive engine.  It terminates the TCP connections that
 * clients open to one listening address and port, from segments handed
 * to it as frames (pieces of buffers it does not own), and hands their
 * in-order bytes to a sink, zero copy: the sink takes references on the
 * buffers it keeps (a raw file per connection, or HTTP uploads).  What
 * it sends (SYN-ACKs, ACKs, FINs, RSTs, a sink's responses) it builds as
 * whole Ethernet frames and gives to a transmit callback.
 *
 *   passive open   SYN -> SYN-ACK (MSS, window scale, SACK-permitted,
 *                  timestamps, each only if the client offered it); the
 *                  ISN from a keyed hash of the endpoints plus a clock
 *                  (RFC 6528); retransmitted until the ACK comes; half-
 *                  open connections bounded, SYN cookies past the bound
 *   data           in order: to the sink; out of order: held, within
 *                  the window and a budget of held buffers, and reported
 *                  in SACK blocks; never a gap: what is not held is not
 *                  acknowledged and the client sends it again
 *   ACKs           delayed (at most TCP_RX_DELACK_NS), at once for every
 *                  second full-sized segment, for out-of-order data and
 *                  for a hole filled (RFC 9293 3.8.6.3, RFC 5681 4.2)
 *   window         what the connection's share of the buffers allows,
 *                  less what the sink has not absorbed yet (bytes handed
 *                  to it and not yet on disk: tcp_rx_absorbed()), never
 *                  shrinking, opened in steps of at least an MSS (SWS
 *                  avoidance), an update sent when it reopens
 *   close          the client's FIN is acknowledged at once and told to
 *                  the sink; ours goes when the sink says so
 *                  (tcp_rx_shutdown()), retransmitted until acknowledged
 *   robustness     RST and SYN in a synchronized state as RFC 5961
 *                  says (exact RST accepted, in-window RST or any SYN
 *                  answered with a rate-limited challenge ACK), ACKs of
 *                  data never sent and segments outside the window
 *                  answered with an ACK and dropped, PAWS (RFC 7323)
 *   bounds         --max-conns established connections (further SYNs
 *                  are not answered: the client retries, as with a full
 *                  accept queue), a half-open table, an idle timeout
 *
 * Checksums are verified here; a segment whose TCP checksum holds only
 * the pseudo-header's sum (a local sender's transmit offload, on veth) is
 * taken when cfg.accept_partial_csum says so.
 *
 * One engine per worker thread.  Nothing here blocks or waits: every call
 * does its work and returns.  Time is the caller's CLOCK_MONOTONIC in ns.
 */
#ifndef FS_TCP_RX_H
#define FS_TCP_RX_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "lib/buf.h"
#include "parse/pkt.h"

#define TCP_RX_DELACK_NS 40000000ull

struct tcp_rx;
struct tcp_conn;

/* How a connection ended (flows.jsonl "ended"). */
enum tcp_end {
	TCP_END_FIN = 0, /* both FINs, ours acknowledged */
	TCP_END_RST, /* the client reset it */
	TCP_END_TIMEOUT, /* idle, or our FIN never acknowledged */
	TCP_END_ABORT, /* the sink gave up on it (tcp_rx_abort) */
	TCP_END_SHUTDOWN, /* the engine was stopped */
	TCP_END_MAX,
};

#define TCP_END_NAMES                                        \
	{                                                    \
		"fin", "rst", "timeout", "abort", "shutdown" \
	}

const char *tcp_end_name(enum tcp_end e);

/* What a sink may read of a connection. */
struct tcp_conn_info {
	uint64_t id; /* cfg.id_first + k * cfg.id_step */
	uint8_t family;
	struct pkt_addr client, server;
	uint16_t client_port, server_port;
	uint64_t first_ns, last_ns; /* the SYN, the last segment (mono) */
	uint64_t packets; /* segments from the client */
	uint64_t payload; /* their payload, retransmissions included */
	uint64_t bytes; /* in-order bytes handed to the sink */
	uint64_t dup_bytes; /* payload received again */
	uint64_t ooo_segs; /* segments held out of order */
	uint64_t ooo_dropped; /* out-of-order segments not held (budget) */
	uint64_t acks; /* ACKs sent */
	uint64_t retransmits; /* our SYN-ACKs and FINs sent again */
	uint32_t isn, iss; /* the client's initial sequence number, ours */
	bool fin; /* the client's FIN came in order */
	bool cookie; /* opened through a SYN cookie */
	uint16_t mss; /* the client's MSS */
	uint8_t wscale; /* the client's window scale (0 without) */
};

/* What the engine tells its sink; ctx is the sink's (tcp_rx_create). */
struct tcp_rx_ops {
	/*
	 * c is established: the sink sets itself up (tcp_conn_set_user).
	 * A negative return resets the connection at once.
	 */
	int (*open)(void *ctx, struct tcp_conn *c);
	/*
	 * len in-order bytes at p, stream offset off: the sink takes a
	 * reference on b (which may be NULL: then copy) to keep them, and
	 * later reports them absorbed (tcp_rx_absorbed).  0; a negative
	 * return resets the connection (the bytes are not acknowledged).
	 */
	int (*data)(void *ctx, struct tcp_conn *c, uint64_t off,
		    const uint8_t *p, uint32_t len, struct buf *b);
	/*
	 * The client's FIN, after every byte: no more data comes.  The sink
	 * finishes and calls tcp_rx_shutdown() when our FIN may go.
	 */
	void (*fin)(void *ctx, struct tcp_conn *c);
	/*
	 * c is gone (why); c is freed after the call: the sink detaches
	 * from it (writes in flight keep what they need themselves).
	 */
	void (*end)(void *ctx, struct tcp_conn *c, enum tcp_end why);
};

struct tcp_rx_cfg {
	int family; /* 4 or 6 */
	struct pkt_addr addr; /* the listening address and port */
	uint16_t port;
	uint8_t mac[6]; /* the interface's: frames go out from it */
	uint16_t mss; /* the MSS we announce (MTU less the headers) */
	uint32_t rcv_buf; /* the most a connection's window opens to */
	uint32_t max_conns; /* established connections */
	uint32_t max_half_open; /* SYN-ACKed, not yet established */
	bool syn_cookies; /* past max_half_open: cookies, else drop SYNs */
	/*
	 * Buffers (UMEM frames) the engine may hold for out-of-order data,
	 * all connections together; and the buffers all windows together
	 * may promise (a connection's window is its share of them).
	 */
	uint32_t hold_bufs;
	uint32_t window_bufs;
	uint64_t idle_timeout_ns;
	bool accept_partial_csum;
	uint64_t id_first, id_step;
	uint8_t key[16]; /* for ISNs, SYN cookies and the table's hash */
	/*
	 * Transmit a frame of len bytes (copied before the call returns).
	 * 0, or -EAGAIN when there is no room now: the engine counts the
	 * frame as not sent and relies on TCP's retransmissions.
	 */
	int (*tx)(void *tx_ctx, const uint8_t *frame, uint32_t len);
	void *tx_ctx;
};

/* The defaults of everything but family, addr, port, mac and key. */
void tcp_rx_cfg_default(struct tcp_rx_cfg *cfg);

/*
 * Counters of one engine.  Every segment given to tcp_rx_input() is
 * counted in segs and in exactly one of the outcomes from malformed to
 * accepted.
 */
struct tcp_rx_stats {
	uint64_t segs;
	/* outcomes */
	uint64_t malformed; /* not IPv4/IPv6 TCP, truncated, options bad */
	uint64_t not_ours; /* another address or port */
	uint64_t csum_bad; /* IP or TCP checksum wrong */
	uint64_t stray; /* no connection (answered by a RST, or ignored) */
	uint64_t syn_refused; /* --max-conns or the half-open bound */
	uint64_t out_of_window; /* answered by an ACK, dropped */
	uint64_t rst_ignored; /* outside the window: dropped */
	uint64_t challenged; /* in-window RST or SYN: challenge ACK */
	uint64_t paws; /* an old timestamp: dropped */
	uint64_t bad_ack; /* an ACK of nothing we sent */
	uint64_t accepted; /* processed by its connection */
	/* of accepted, and other events */
	uint64_t csum_partial; /* taken with a partial checksum */
	uint64_t syns; /* passive opens (SYN-ACKs sent the first time) */
	uint64_t cookies_sent, cookies_ok, cookies_bad;
	uint64_t established;
	uint64_t ended[TCP_END_MAX];
	uint64_t half_open_expired; /* SYN-ACK never acknowledged */
	uint64_t payload; /* payload bytes accepted */
	uint64_t bytes; /* in-order bytes handed to sinks */
	uint64_t dup_bytes;
	uint64_t ooo_segs, ooo_dropped;
	uint64_t held_max; /* most buffers held out of order */
	uint64_t acks, dup_acks, window_updates, zero_windows;
	uint64_t rst_sent, challenge_acks, challenge_limited;
	uint64_t retransmits; /* SYN-ACKs and FINs sent again */
	uint64_t tx_full; /* frames the transmit callback refused */
	uint64_t sink_refused; /* data the sink refused: reset */
	uint64_t conns, conns_max; /* now and at most (all states) */
};

int tcp_rx_create(struct tcp_rx **out, const struct tcp_rx_cfg *cfg,
		  const struct tcp_rx_ops *ops, void *ctx);
/* Every connection must have ended (tcp_rx_end_all) before. */
void tcp_rx_destroy(struct tcp_rx *e);

/*
 * One received frame, in nfrag pieces (frag[0] holds every header),
 * whose pieces belong to bufs[]; the caller keeps its references, and
 * the engine takes its own on what it holds.
 */
void tcp_rx_input(struct tcp_rx *e, const struct iovec *frag,
		  struct buf *const *bufs, unsigned int nfrag, uint64_t now);

/*
 * Timers (delayed ACKs, retransmissions, idle connections) and the ACKs
 * held back during the batch: once per loop turn, after the inputs.
 */
void tcp_rx_poll(struct tcp_rx *e, uint64_t now);

/* len bytes the sink took from c are on disk: the window may reopen. */
void tcp_rx_absorbed(struct tcp_rx *e, struct tcp_conn *c, uint64_t len);

/* The sink is done with c's data (after its fin): our FIN goes now. */
void tcp_rx_shutdown(struct tcp_rx *e, struct tcp_conn *c);

/*
 * Send len bytes to the client on c (a response), after what was sent
 * before; they are retransmitted until acknowledged.  0, -EMSGSIZE
 * (more than the engine keeps: TCP_RX_SEND_MAX), -EPIPE (closing).
 */
#define TCP_RX_SEND_MAX 4096
int tcp_rx_send(struct tcp_rx *e, struct tcp_conn *c, const void *data,
		uint32_t len);

/* Reset c (a RST to the client) and end it as TCP_END_ABORT. */
void tcp_rx_abort(struct tcp_rx *e, struct tcp_conn *c);

/* End every connection (TCP_END_SHUTDOWN), resetting each. */
void tcp_rx_end_all(struct tcp_rx *e, uint64_t now);

const struct tcp_conn_info *tcp_conn_info(const struct tcp_conn *c);
void tcp_conn_set_user(struct tcp_conn *c, void *user);
void *tcp_conn_user(const struct tcp_conn *c);

void tcp_rx_get_stats(const struct tcp_rx *e, struct tcp_rx_stats *st);
/* Connections in every state (the caller's idle wait shortens). */
uint32_t tcp_rx_nconns(const struct tcp_rx *e);

#endif /* FS_TCP_RX_H */
