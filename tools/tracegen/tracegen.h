/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tracegen's parts (main.c says what the tool does and how to call it):
 *   engine.c  the seeded choices, the stream bytes, the per-connection
 *             packet builder (b_*) and the transforms of a packet list
 *             (t_*: shuffle, duplicate, overlap, lose, interleave)
 *   cases.c   the named cases, each a recipe of the engine's steps
 *   expect.c  the replay of the capture in order and the expected files
 *   pcapw.c   the trace itself, frames from tools/lib/pktbuild
 */
#ifndef FS_TRACEGEN_H
#define FS_TRACEGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define C2S 0
#define S2C 1
#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10
#define WIN 65535
#define TS_START 1700000000ull
#define TS_STEP_NS 10000ull
#define MAX_FLOWS 1000000

enum src {
	SRC_CANON, /* the sender's real bytes */
	SRC_ALT, /* a conflicting copy */
	SRC_GARB, /* a keep-alive's garbage byte */
};

struct seg {
	uint32_t conn;
	uint8_t dir;
	uint8_t flags;
	uint8_t src;
	uint16_t win;
	uint32_t len;
	uint32_t gap_ms; /* idle time before this packet */
	int64_t off; /* seq = isn + 1 + off; -1 for a SYN */
	int64_t ack_off; /* ack = peer isn + 1 + ack_off */
};

struct seglist {
	struct seg *v;
	size_t n, cap;
};

struct ivl {
	uint64_t s, e;
	uint8_t src;
};

struct ivls {
	struct ivl *v;
	size_t n, cap;
};

struct conflict {
	uint32_t conn;
	uint8_t dir;
	uint8_t kind; /* src of the later copy */
	uint64_t s, e;
};

struct conn {
	int family;
	int nvlan;
	uint16_t vlan_tpid[2], vlan_id[2];
	uint8_t caddr[16], saddr[16];
	uint16_t cport, sport;
	uint32_t isn[2];
	uint64_t bytes[2];
	uint64_t key[2];
	bool rst;
	/* filled by the replay */
	bool syn_seen[2], has_base[2];
	uint64_t base[2];
	struct ivls got[2];
};

struct opts {
	const char *cas, *out;
	uint64_t seed, bytes;
	unsigned int mss, flows;
	unsigned int parallel; /* many: connections at once (0: all) */
	double reorder;
	bool flows_set, reorder_set;
};

struct gen {
	const struct opts *o;
	uint64_t rng;
	struct conn *conns;
	uint32_t nconns;
	struct seglist pkts;
	struct conflict *cf;
	size_t ncf, capcf;
};

/* Builds one connection's packets in the order the endpoints send them. */
struct bld {
	struct gen *g;
	struct seglist *out;
	uint32_t conn;
	struct conn *c;
	uint64_t sent[2];
	bool fin[2];
	uint16_t win[2];
};

/* engine.c */
void *xrealloc(void *p, size_t n);
uint64_t mix64(uint64_t x);
uint64_t rnd(struct gen *g);
uint64_t rnd_in(struct gen *g, uint64_t lo, uint64_t hi);
bool chance(struct gen *g, double p);
void stream_bytes(uint64_t key, uint64_t off, uint8_t *dst, size_t len,
		  enum src src);
void seg_push(struct seglist *l, const struct seg *s);
void b_init(struct bld *b, struct gen *g, struct seglist *out, uint32_t conn);
struct seg *b_emit(struct bld *b, int d, uint8_t flags, int64_t off,
		   uint32_t len, enum src src);
void b_handshake(struct bld *b);
void b_ack(struct bld *b, int d);
uint32_t b_data(struct bld *b, int d, uint64_t limit);
void b_burst(struct bld *b, int d, uint64_t n);
void b_exchange(struct bld *b);
void b_close(struct bld *b);
void b_full(struct bld *b);
struct conn *conn_new(struct gen *g, int family, uint32_t i);
void t_shuffle(struct gen *g, struct seglist *l, size_t start, size_t w);
void t_displace(struct gen *g, struct seglist *l, double p);
void t_dup(struct gen *g, struct seglist *l, double p);
void t_overlap(struct gen *g, struct seglist *l, bool alt);
void t_loss(struct gen *g, struct seglist *l, double p);
/*
 * Interleave per-connection lists at random, keeping each one's order; at
 * most window (0: all) lists at once, each next list (in index order)
 * joining when one ends.
 */
void merge(struct gen *g, struct seglist *lists, uint32_t n, uint32_t window);
void gen_free(struct gen *g);

/* cases.c */
struct tg_case {
	const char *name;
	void (*build)(struct gen *g);
	const char *desc;
};

extern const struct tg_case tg_cases[];
extern const size_t tg_ncases;

/* expect.c */
void replay(struct gen *g);
int write_expected(struct gen *g, const char *dir);

/* pcapw.c */
int write_pcap(struct gen *g, const char *path);

#endif /* FS_TRACEGEN_H */
