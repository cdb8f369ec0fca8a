// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_isn: what the engine derives from its secret key: initial sequence
 * numbers (RFC 6528: a 4-microsecond clock plus SipHash-2-4 of the
 * endpoints), the table's hash of a client, the timestamp clock's offset
 * per client (RFC 7323 7.1), and SYN cookies.
 *
 * A cookie is our ISN: 5 bits of a 64-second counter, 3 bits of an MSS
 * class, and 24 bits of SipHash over the endpoints, the client's ISN,
 * the counter and the class.  It is good for two counter periods.  The
 * window scale and SACK-permitted the SYN offered ride in the low 5 bits
 * of the SYN-ACK's timestamp, as Linux does, when the client offered
 * timestamps; without them the connection has neither.
 */
#include <string.h>

#include "lib/seq.h"
#include "tcp/tcp_rx_int.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define SIPROUND                   \
	do {                       \
		v0 += v1;          \
		v1 = ROTL(v1, 13); \
		v1 ^= v0;          \
		v0 = ROTL(v0, 32); \
		v2 += v3;          \
		v3 = ROTL(v3, 16); \
		v3 ^= v2;          \
		v0 += v3;          \
		v3 = ROTL(v3, 21); \
		v3 ^= v0;          \
		v2 += v1;          \
		v1 = ROTL(v1, 17); \
		v1 ^= v2;          \
		v2 = ROTL(v2, 32); \
	} while (0)

static uint64_t rd64le(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

uint64_t tcp_siphash(const uint8_t key[16], const void *data, size_t len)
{
	const uint8_t *in = data;
	uint64_t k0 = rd64le(key), k1 = rd64le(key + 8);
	uint64_t v0 = 0x736f6d6570736575ull ^ k0;
	uint64_t v1 = 0x646f72616e646f6dull ^ k1;
	uint64_t v2 = 0x6c7967656e657261ull ^ k0;
	uint64_t v3 = 0x7465646279746573ull ^ k1;
	uint64_t b = (uint64_t)len << 56, m;
	size_t i, left = len & 7;
	uint8_t last[8] = {0};

	for (i = 0; i + 8 <= len; i += 8) {
		m = rd64le(in + i);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	memcpy(last, in + i, left);
	b |= rd64le(last);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/* The endpoints of a connection, as hashed: fixed layout, no padding. */
struct tuple {
	uint32_t caddr[4], saddr[4];
	uint16_t cport, sport;
	uint32_t extra[2];
};

static void tuple_of(struct tuple *t, int family, const struct pkt_addr *ca,
		     uint16_t cport, const struct tcp_rx *e)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->caddr, ca->a, family == 4 ? 4 : 16);
	memcpy(t->saddr, e->cfg.addr.a, family == 4 ? 4 : 16);
	t->cport = cport;
	t->sport = e->cfg.port;
}

uint32_t tcp_hash_client(const struct tcp_rx *e, int family,
			 const struct pkt_addr *addr, uint16_t port)
{
	struct tuple t;

	tuple_of(&t, family, addr, port, e);
	return (uint32_t)tcp_siphash(e->cfg.key, &t, sizeof(t));
}

uint32_t tcp_isn(const struct tcp_rx *e, const struct pkt *p, uint64_t now)
{
	struct tuple t;

	tuple_of(&t, p->family, &p->src, p->sport, e);
	t.extra[0] = 0x15a; /* another hash than the table's */
	return (uint32_t)(now / 4000) +
	       (uint32_t)(tcp_siphash(e->cfg.key, &t, sizeof(t)) >> 32);
}

uint32_t tcp_ts_offset(const struct tcp_rx *e, const struct pkt *p)
{
	struct tuple t;

	tuple_of(&t, p->family, &p->src, p->sport, e);
	t.extra[0] = 0x75;
	return (uint32_t)tcp_siphash(e->cfg.key, &t, sizeof(t));
}

uint32_t tcp_ts_now(uint64_t now, uint32_t off)
{
	return (uint32_t)(now / 1000000) + off;
}

/* MSS classes a cookie can say; the largest not above the client's. */
static const uint16_t cookie_mss[8] = {536,  1200, 1360, 1400,
				       1440, 1460, 4312, 8960};

#define COOKIE_PERIOD_NS (64ull * 1000000000ull)

static uint32_t cookie_hash(const struct tcp_rx *e, const struct pkt *p,
			    uint32_t client_isn, uint32_t count, uint32_t cls)
{
	struct tuple t;

	tuple_of(&t, p->family, &p->src, p->sport, e);
	t.extra[0] = client_isn;
	t.extra[1] = count << 8 | cls;
	return (uint32_t)tcp_siphash(e->cfg.key, &t, sizeof(t)) & 0xffffff;
}

uint32_t tcp_cookie_make(const struct tcp_rx *e, const struct pkt *p,
			 uint16_t mss, uint64_t now)
{
	uint32_t count = (uint32_t)(now / COOKIE_PERIOD_NS) & 31, cls = 0, i;

	for (i = 0; i < 8; i++)
		if (cookie_mss[i] <= mss)
			cls = i;
	return count << 27 | cls << 24 | cookie_hash(e, p, p->seq, count, cls);
}

int tcp_cookie_check(const struct tcp_rx *e, const struct pkt *p, uint64_t now,
		     struct tcp_cookie *ck)
{
	uint32_t cookie = p->ack - 1, count = cookie >> 27;
	uint32_t cls = cookie >> 24 & 7, cur;

	cur = (uint32_t)(now / COOKIE_PERIOD_NS) & 31;
	/* This period's or the one before. */
	if (count != cur && count != ((cur - 1) & 31))
		return -1;
	if ((cookie & 0xffffff) != cookie_hash(e, p, p->seq - 1, count, cls))
		return -1;
	ck->mss = cookie_mss[cls];
	ck->wscale = -1;
	ck->sack_ok = false;
	return 0;
}

#define COOKIE_TS_MASK 0x1fu
#define COOKIE_TS_NONE 0xfu

uint32_t tcp_cookie_ts(uint32_t ts_now, int8_t wscale, bool sack_ok)
{
	uint32_t bits = (wscale < 0 ? COOKIE_TS_NONE : (uint32_t)wscale) |
			(sack_ok ? 0x10u : 0);
	uint32_t ts = (ts_now & ~COOKIE_TS_MASK) | bits;

	/* Never ahead of the clock, which the later segments follow. */
	if (seq_gt(ts, ts_now))
		ts -= COOKIE_TS_MASK + 1;
	return ts;
}

int tcp_cookie_ts_decode(uint32_t tsecr, struct tcp_cookie *ck)
{
	uint32_t ws = tsecr & COOKIE_TS_NONE;

	ck->wscale = ws == COOKIE_TS_NONE ? -1 : ws > 14 ? 14 : (int8_t)ws;
	ck->sack_ok = tsecr & 0x10;
	return 0;
}
