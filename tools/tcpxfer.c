// SPDX-License-Identifier: GPL-2.0
/*
 * tcpxfer: real kernel TCP transfers with known pseudo-random content, so
 * that end-to-end tests can check flowsplice's stream files byte for byte.
 *
 *   tcpxfer server --port P [--bind IP] [--out DIR] [--conns N]
 *                  [--timeout S] [--rate MBIT]
 *   tcpxfer client --connect IP:PORT [--conns N] [--req-bytes X]
 *                  [--resp-bytes Y] [--seed S] [--parallel K]
 *                  [--rate MBIT] [--out DIR] [--timeout S] [--first-id I]
 *   tcpxfer gen --seed S --bytes N [--offset O]          (to stdout)
 *   tcpxfer expect --seed S --conn I --req-bytes X --resp-bytes Y
 *                  --dir c2s|s2c                          (to stdout)
 *
 * The stream bytes of connection I (ids first-id .. first-id+N-1) are
 * defined in tools/lib/xfergen.h: c2s is a 32-byte header ("FSX1", id,
 * sizes, seed) then req-bytes of pseudo-random body, s2c resp-bytes of
 * another body.  Each side half-closes (FIN) after its last byte, so each
 * direction's stream ends with a FIN.  Both directions flow at the same
 * time (the server starts answering once it has the header).
 *
 * "tcpxfer expect" prints exactly one direction's stream.  The client
 * checks every response byte and the server every request byte; either
 * exits 1 on a mismatch, a short stream, or a stall longer than --timeout
 * (default 30 s).  With --out, each side writes conn-<id>.c2s and
 * conn-<id>.s2c (the bytes it sent and received) and index.tsv (id,
 * client address, server address, c2s bytes, s2c bytes, status).
 * --rate limits the bytes this side sends, in Mbit/s, across all its
 * connections (a token bucket).  The last line on stdout is a summary:
 *   tcpxfer client: conns=N ok=N failed=0 c2s_bytes=B s2c_bytes=B
 *                   seconds=T gbit_s=G
 * (gbit_s counts both directions).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/cli.h"
#include "xfergen.h"

#define HDR_LEN XFERGEN_HDR_LEN
#define CHUNK (256 * 1024)
#define MAX_THREADS 1024

struct opts {
	const char *mode;
	const char *connect;
	const char *bind;
	const char *out;
	const char *dir;
	unsigned int port;
	unsigned int conns;
	unsigned int parallel;
	unsigned int timeout;
	unsigned int first_id;
	uint64_t req_bytes;
	uint64_t resp_bytes;
	uint64_t seed;
	uint64_t bytes;
	uint64_t offset;
	uint64_t conn;
	double rate_mbit;
	bool have_conn;
};

static struct opts o = {.conns = 1, .parallel = 1, .timeout = 30, .seed = 1};
static volatile sig_atomic_t stop;

/* --- rate limit: one token bucket per process ---------------------------- */

static pthread_mutex_t rate_lock = PTHREAD_MUTEX_INITIALIZER;
static double rate_tokens, rate_bps, rate_burst;
static double rate_last;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void rate_init(double mbit)
{
	rate_bps = mbit * 1e6 / 8;
	/* 10 ms of traffic, at least one chunk, so sends stay large. */
	rate_burst = rate_bps / 100 > CHUNK ? rate_bps / 100 : CHUNK;
	rate_tokens = rate_burst;
	rate_last = now_s();
}

/* How many of want bytes may go now; *wait_ms says when to retry if 0. */
static size_t rate_allow(size_t want, int *wait_ms)
{
	double t;
	size_t n;

	if (rate_bps <= 0)
		return want;
	pthread_mutex_lock(&rate_lock);
	t = now_s();
	rate_tokens += (t - rate_last) * rate_bps;
	if (rate_tokens > rate_burst)
		rate_tokens = rate_burst;
	rate_last = t;
	n = rate_tokens < want ? (size_t)rate_tokens : want;
	rate_tokens -= n;
	pthread_mutex_unlock(&rate_lock);
	*wait_ms = n ? 0 : (int)(want / rate_bps * 1000) + 1;
	if (*wait_ms > 100)
		*wait_ms = 100;
	return n;
}

/* --- one connection ------------------------------------------------------ */

/* One direction: an optional header, then gen(seed, body_len). */
struct stream {
	uint8_t hdr[HDR_LEN];
	uint64_t hdr_len;
	uint64_t body_len;
	uint64_t seed;
	uint64_t done; /* bytes moved, header included */
	bool known; /* lengths known (the server learns them from hdr) */
	int save_fd; /* -1: not saved */
};

struct conn {
	int fd;
	bool server;
	uint32_t id;
	struct stream tx, rx;
	bool tx_shut, rx_eof, tx_blocked;
	const char *err; /* first failure, NULL while all is well */
	uint64_t bad_off;
	size_t pend_off, pend_len; /* unsent part of txbuf */
	char client[64], server_addr[64];
	uint8_t txbuf[CHUNK], rxbuf[CHUNK], expbuf[CHUNK];
};

static uint64_t stream_total(const struct stream *s)
{
	return s->hdr_len + s->body_len;
}

static void stream_fill(const struct stream *s, uint64_t off, uint8_t *buf,
			size_t len)
{
	size_t h = 0;

	if (off < s->hdr_len) {
		h = s->hdr_len - off < len ? s->hdr_len - off : len;
		memcpy(buf, s->hdr + off, h);
	}
	if (len > h)
		xfergen_body(s->seed, off + h - s->hdr_len, buf + h, len - h);
}

static void stream_save(struct conn *c, struct stream *s, const uint8_t *p,
			size_t n)
{
	if (s->save_fd >= 0 && n && write(s->save_fd, p, n) != (ssize_t)n &&
	    !c->err)
		c->err = "cannot write output file";
}

static void conn_fail(struct conn *c, const char *err)
{
	if (!c->err)
		c->err = err;
}

static int conn_open_saves(struct conn *c)
{
	char path[4096];
	int *fds[2] = {c->server ? &c->rx.save_fd : &c->tx.save_fd,
		       c->server ? &c->tx.save_fd : &c->rx.save_fd};
	const char *sfx[2] = {"c2s", "s2c"};
	int i;

	if (!o.out)
		return 0;
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/conn-%u.%s", o.out, c->id,
			 sfx[i]);
		*fds[i] = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			       0644);
		if (*fds[i] < 0) {
			fprintf(stderr, "tcpxfer: %s: %s\n", path,
				strerror(errno));
			return -errno;
		}
	}
	return 0;
}

/* The server learns the request and response from the header. */
static int conn_parse_hdr(struct conn *c)
{
	const uint8_t *h = c->rx.hdr;
	uint64_t seed;

	if (memcmp(h, XFERGEN_MAGIC, 4))
		return -EPROTO;
	c->id = xfergen_get_be(h + 4, 4);
	seed = xfergen_get_be(h + 24, 8);
	c->rx.body_len = xfergen_get_be(h + 8, 8);
	c->rx.seed = xfergen_seed(seed, c->id, XFERGEN_C2S);
	c->rx.known = true;
	c->tx.body_len = xfergen_get_be(h + 16, 8);
	c->tx.seed = xfergen_seed(seed, c->id, XFERGEN_S2C);
	c->tx.known = true;
	if (conn_open_saves(c))
		return -EIO;
	stream_save(c, &c->rx, h, HDR_LEN);
	return 0;
}

/* Take received bytes: header (server side), then checked body bytes. */
static void conn_take(struct conn *c, const uint8_t *p, size_t n)
{
	struct stream *s = &c->rx;
	size_t h;

	if (!s->known) {
		h = HDR_LEN - s->done < n ? HDR_LEN - s->done : n;
		memcpy(s->hdr + s->done, p, h);
		s->done += h;
		p += h;
		n -= h;
		if (s->done < HDR_LEN)
			return;
		if (conn_parse_hdr(c)) {
			conn_fail(c, "bad request header");
			return;
		}
	}
	if (s->done + n > stream_total(s)) {
		conn_fail(c, "more bytes than announced");
		n = stream_total(s) - s->done;
	}
	stream_save(c, s, p, n);
	stream_fill(s, s->done, c->expbuf, n);
	if (memcmp(p, c->expbuf, n) && !c->err) {
		for (h = 0; p[h] == c->expbuf[h]; h++)
			;
		c->bad_off = s->done + h;
		conn_fail(c, "content mismatch");
	}
	s->done += n;
}

static int conn_recv(struct conn *c)
{
	ssize_t r = recv(c->fd, c->rxbuf, CHUNK, MSG_DONTWAIT);

	if (r < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	if (r == 0) {
		c->rx_eof = true;
		if (!c->rx.known || c->rx.done != stream_total(&c->rx))
			conn_fail(c, "stream ended early");
		return 1;
	}
	conn_take(c, c->rxbuf, r);
	return 1;
}

static int conn_send(struct conn *c, int *wait_ms)
{
	struct stream *s = &c->tx;
	uint64_t left;
	ssize_t r;
	size_t n;

	if (!c->pend_len) {
		left = stream_total(s) - s->done;
		n = rate_allow(left < CHUNK ? left : CHUNK, wait_ms);
		if (!n)
			return 0;
		stream_fill(s, s->done, c->txbuf, n);
		c->pend_off = 0;
		c->pend_len = n;
	}
	r = send(c->fd, c->txbuf + c->pend_off, c->pend_len,
		 MSG_DONTWAIT | MSG_NOSIGNAL);
	c->tx_blocked = r < 0 && errno == EAGAIN;
	if (r < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	stream_save(c, s, c->txbuf + c->pend_off, r);
	s->done += r;
	c->pend_off += r;
	c->pend_len -= r;
	return 1;
}

/* Both directions at once until each has ended, or a stall, or a stop. */
static void conn_run(struct conn *c)
{
	double last = now_s();
	struct pollfd p = {.fd = c->fd};
	int wait_ms, r;
	bool moved;

	while (!c->err && !(c->tx_shut && c->rx_eof)) {
		moved = false;
		wait_ms = 200;
		if (c->tx.known && !c->tx_shut) {
			if (c->tx.done == stream_total(&c->tx)) {
				shutdown(c->fd, SHUT_WR);
				c->tx_shut = true;
				continue;
			}
			r = conn_send(c, &wait_ms);
			if (r < 0)
				conn_fail(c, strerror(-r));
			moved = r > 0;
		}
		p.events = (c->rx_eof ? 0 : POLLIN) |
			   (c->tx_blocked ? POLLOUT : 0);
		if (!moved && poll(&p, 1, wait_ms) < 0 && errno != EINTR)
			conn_fail(c, strerror(errno));
		if (!c->rx_eof) {
			r = conn_recv(c);
			if (r < 0)
				conn_fail(c, strerror(-r));
			moved |= r > 0;
		}
		if (stop)
			conn_fail(c, "interrupted");
		if (moved)
			last = now_s();
		else if (now_s() - last > o.timeout)
			conn_fail(c, "timeout");
	}
}

/* --- results ------------------------------------------------------------- */

static pthread_mutex_t res_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t res_cond = PTHREAD_COND_INITIALIZER;
static unsigned int res_ok, res_failed, res_active;
static uint64_t res_c2s, res_s2c;
static FILE *res_index;

static void addr_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned int port = 0;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)ss;

		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		port = ntohs(a->sin_port);
		snprintf(buf, len, "%s:%u", host, port);
	} else {
		const struct sockaddr_in6 *a = (const void *)ss;

		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		port = ntohs(a->sin6_port);
		snprintf(buf, len, "[%s]:%u", host, port);
	}
}

static void conn_names(struct conn *c)
{
	struct sockaddr_storage l = {0}, r = {0};
	socklen_t ll = sizeof(l), rl = sizeof(r);

	getsockname(c->fd, (struct sockaddr *)&l, &ll);
	getpeername(c->fd, (struct sockaddr *)&r, &rl);
	addr_str(c->server ? &r : &l, c->client, sizeof(c->client));
	addr_str(c->server ? &l : &r, c->server_addr, sizeof(c->server_addr));
}

static void conn_finish(struct conn *c)
{
	struct stream *c2s = c->server ? &c->rx : &c->tx;
	struct stream *s2c = c->server ? &c->tx : &c->rx;

	if (c->err)
		fprintf(stderr,
			"tcpxfer %s: conn %u (%s -> %s): %s (c2s %" PRIu64
			" s2c %" PRIu64 " bytes%s)\n",
			o.mode, c->id, c->client, c->server_addr, c->err,
			c2s->done, s2c->done,
			c->bad_off ? ", first bad byte below" : "");
	if (c->bad_off)
		fprintf(stderr,
			"tcpxfer %s: conn %u: first bad byte at %s "
			"offset %" PRIu64 "\n",
			o.mode, c->id, c->server ? "c2s" : "s2c", c->bad_off);
	pthread_mutex_lock(&res_lock);
	if (c->err)
		res_failed++;
	else
		res_ok++;
	res_c2s += c2s->done;
	res_s2c += s2c->done;
	if (res_index)
		fprintf(res_index, "%u\t%s\t%s\t%" PRIu64 "\t%" PRIu64 "\t%s\n",
			c->id, c->client, c->server_addr, c2s->done, s2c->done,
			c->err ? c->err : "ok");
	pthread_mutex_unlock(&res_lock);
	if (c->tx.save_fd >= 0)
		close(c->tx.save_fd);
	if (c->rx.save_fd >= 0)
		close(c->rx.save_fd);
	close(c->fd);
}

static struct conn *conn_new(int fd, bool server)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->fd = fd;
	c->server = server;
	c->tx.save_fd = c->rx.save_fd = -1;
	if (server)
		c->rx.hdr_len = HDR_LEN;
	return c;
}

static void summary(double secs)
{
	double bits = (double)(res_c2s + res_s2c) * 8;

	printf("tcpxfer %s: conns=%u ok=%u failed=%u c2s_bytes=%" PRIu64
	       " s2c_bytes=%" PRIu64 " seconds=%.3f gbit_s=%.3f\n",
	       o.mode, res_ok + res_failed, res_ok, res_failed, res_c2s,
	       res_s2c, secs, secs > 0 ? bits / secs / 1e9 : 0.0);
	fflush(stdout);
}

static int open_index(void)
{
	char path[4096];

	if (!o.out)
		return 0;
	if (mkdir(o.out, 0755) && errno != EEXIST) {
		fprintf(stderr, "tcpxfer: %s: %s\n", o.out, strerror(errno));
		return -errno;
	}
	snprintf(path, sizeof(path), "%s/index.tsv", o.out);
	res_index = fopen(path, "w");
	if (!res_index) {
		fprintf(stderr, "tcpxfer: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	setvbuf(res_index, NULL, _IOLBF, 0);
	return 0;
}

/* "IP:PORT", "[IPv6]:PORT" or, for a server, "IP" with a separate port. */
static int parse_addr(const char *s, unsigned int port,
		      struct sockaddr_storage *ss, socklen_t *len)
{
	struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				 .ai_socktype = SOCK_STREAM};
	char host[128], serv[16];
	struct addrinfo *ai;
	const char *colon;
	size_t hl;

	colon = s[0] == '[' ? strstr(s, "]:") : strrchr(s, ':');
	if (colon && !port) {
		hl = colon - s - (s[0] == '[');
		if (hl >= sizeof(host))
			return -EINVAL;
		memcpy(host, s + (s[0] == '['), hl);
		host[hl] = 0;
		snprintf(serv, sizeof(serv), "%s", colon + 1 + (*colon == ']'));
	} else {
		snprintf(host, sizeof(host), "%s", s);
		snprintf(serv, sizeof(serv), "%u", port);
	}
	if (getaddrinfo(host, serv, &hints, &ai))
		return -EINVAL;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

/* --- client -------------------------------------------------------------- */

static struct sockaddr_storage peer;
static socklen_t peer_len;
static unsigned int next_id;

static int connect_timeout(void)
{
	struct pollfd p = {.events = POLLOUT};
	int one = 1, err = 0, fd, r;
	socklen_t el = sizeof(err);

	fd = socket(peer.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&peer, peer_len) &&
	    errno != EINPROGRESS) {
		err = errno;
		goto fail;
	}
	p.fd = fd;
	r = poll(&p, 1, o.timeout * 1000);
	if (r <= 0) {
		err = r ? errno : ETIMEDOUT;
		goto fail;
	}
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
	if (err)
		goto fail;
	return fd;
fail:
	close(fd);
	return -err;
}

static void client_conn(uint32_t id)
{
	struct conn *c;
	int fd;

	fd = connect_timeout();
	if (fd < 0) {
		fprintf(stderr, "tcpxfer client: conn %u: connect: %s\n", id,
			strerror(-fd));
		pthread_mutex_lock(&res_lock);
		res_failed++;
		pthread_mutex_unlock(&res_lock);
		return;
	}
	c = conn_new(fd, false);
	if (!c) {
		close(fd);
		return;
	}
	c->id = id;
	xfergen_hdr(c->tx.hdr, id, o.req_bytes, o.resp_bytes, o.seed);
	c->tx.hdr_len = HDR_LEN;
	c->tx.body_len = o.req_bytes;
	c->tx.seed = xfergen_seed(o.seed, id, XFERGEN_C2S);
	c->rx.body_len = o.resp_bytes;
	c->rx.seed = xfergen_seed(o.seed, id, XFERGEN_S2C);
	c->tx.known = c->rx.known = true;
	conn_names(c);
	if (conn_open_saves(c))
		conn_fail(c, "cannot open output file");
	else
		conn_run(c);
	conn_finish(c);
	free(c);
}

static void *client_worker(void *arg)
{
	unsigned int i;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&res_lock);
		i = next_id < o.conns && !stop ? next_id++ : o.conns;
		pthread_mutex_unlock(&res_lock);
		if (i >= o.conns)
			return NULL;
		client_conn(o.first_id + i);
	}
}

static int run_client(void)
{
	pthread_t th[MAX_THREADS];
	unsigned int i, n = o.parallel < o.conns ? o.parallel : o.conns;
	double t0;

	if (!o.connect || parse_addr(o.connect, 0, &peer, &peer_len)) {
		fprintf(stderr, "tcpxfer client: --connect IP:PORT needed\n");
		return 2;
	}
	if (open_index())
		return 1;
	t0 = now_s();
	for (i = 0; i < n; i++)
		if (pthread_create(&th[i], NULL, client_worker, NULL))
			break;
	while (i--)
		pthread_join(th[i], NULL);
	summary(now_s() - t0);
	return res_failed || res_ok != o.conns ? 1 : 0;
}

/* --- server -------------------------------------------------------------- */

static void *server_conn(void *arg)
{
	struct conn *c = arg;

	conn_names(c);
	conn_run(c);
	conn_finish(c);
	free(c);
	pthread_mutex_lock(&res_lock);
	res_active--;
	pthread_cond_broadcast(&res_cond);
	pthread_mutex_unlock(&res_lock);
	return NULL;
}

static int server_listen(void)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1, fd;

	if (parse_addr(o.bind, o.port, &ss, &len)) {
		fprintf(stderr, "tcpxfer server: bad --bind '%s'\n", o.bind);
		return -EINVAL;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 128)) {
		fprintf(stderr, "tcpxfer server: %s port %u: %s\n", o.bind,
			o.port, strerror(errno));
		close(fd);
		return -errno;
	}
	return fd;
}

/* Start a thread for an accepted connection; 0 or -errno. */
static int server_spawn(int fd)
{
	struct conn *c = conn_new(fd, true);
	pthread_t th;

	if (!c) {
		close(fd);
		return -ENOMEM;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	pthread_mutex_lock(&res_lock);
	res_active++;
	pthread_mutex_unlock(&res_lock);
	if (pthread_create(&th, NULL, server_conn, c)) {
		close(fd);
		free(c);
		pthread_mutex_lock(&res_lock);
		res_active--;
		pthread_mutex_unlock(&res_lock);
		return -EAGAIN;
	}
	pthread_detach(th);
	return 0;
}

static int run_server(void)
{
	struct pollfd p = {.events = POLLIN};
	unsigned int accepted = 0;
	double t0, idle;
	int fd, lfd;

	lfd = server_listen();
	if (lfd < 0)
		return 1;
	if (open_index()) {
		close(lfd);
		return 1;
	}
	t0 = idle = now_s();
	p.fd = lfd;
	while (!stop && (!o.conns || accepted < o.conns)) {
		if (poll(&p, 1, 200) > 0) {
			fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			if (!accepted)
				t0 = now_s();
			if (fd >= 0 && !server_spawn(fd))
				accepted++;
			idle = now_s();
		} else if (o.conns && !res_active &&
			   now_s() - idle > o.timeout) {
			fprintf(stderr,
				"tcpxfer server: no connection for "
				"%u s\n",
				o.timeout);
			break;
		} else if (res_active) {
			idle = now_s();
		}
	}
	close(lfd);
	pthread_mutex_lock(&res_lock);
	while (res_active)
		pthread_cond_wait(&res_cond, &res_lock);
	pthread_mutex_unlock(&res_lock);
	summary(now_s() - t0);
	if (o.conns && res_ok != o.conns)
		return 1;
	return res_failed ? 1 : 0;
}

/* --- gen, expect --------------------------------------------------------- */

static int write_stream(const struct stream *s)
{
	static uint8_t buf[CHUNK];
	uint64_t off = 0, total = stream_total(s);
	size_t n;

	while (off < total) {
		n = total - off < CHUNK ? total - off : CHUNK;
		stream_fill(s, off, buf, n);
		if (fwrite(buf, 1, n, stdout) != n) {
			perror("tcpxfer: stdout");
			return 1;
		}
		off += n;
	}
	return fflush(stdout) ? 1 : 0;
}

static int run_gen(void)
{
	struct stream s = {.body_len = o.bytes, .seed = o.seed};
	static uint8_t buf[CHUNK];
	uint64_t off = o.offset, end = o.offset + o.bytes;
	size_t n;

	if (!o.offset)
		return write_stream(&s);
	while (off < end) {
		n = end - off < CHUNK ? end - off : CHUNK;
		xfergen_body(o.seed, off, buf, n);
		if (fwrite(buf, 1, n, stdout) != n) {
			perror("tcpxfer: stdout");
			return 1;
		}
		off += n;
	}
	return fflush(stdout) ? 1 : 0;
}

static int run_expect(void)
{
	struct stream s = {0};
	uint32_t id = o.conn;

	if (!o.have_conn || !o.dir ||
	    (strcmp(o.dir, "c2s") && strcmp(o.dir, "s2c"))) {
		fprintf(stderr, "tcpxfer expect: --conn I and --dir c2s|s2c "
				"are needed\n");
		return 2;
	}
	if (!strcmp(o.dir, "c2s")) {
		xfergen_hdr(s.hdr, id, o.req_bytes, o.resp_bytes, o.seed);
		s.hdr_len = HDR_LEN;
		s.body_len = o.req_bytes;
		s.seed = xfergen_seed(o.seed, id, XFERGEN_C2S);
	} else {
		s.body_len = o.resp_bytes;
		s.seed = xfergen_seed(o.seed, id, XFERGEN_S2C);
	}
	return write_stream(&s);
}

/* --- options ------------------------------------------------------------- */

static const char usage_text[] =
	"Usage:\n"
	"  tcpxfer server --port P [--bind IP] [--out DIR] [--conns N]\n"
	"                 [--timeout S] [--rate MBIT]\n"
	"  tcpxfer client --connect IP:PORT [--conns N] [--req-bytes X]\n"
	"                 [--resp-bytes Y] [--seed S] [--parallel K]\n"
	"                 [--rate MBIT] [--out DIR] [--timeout S]"
	" [--first-id I]\n"
	"  tcpxfer gen --seed S --bytes N [--offset O]\n"
	"  tcpxfer expect --seed S --conn I --req-bytes X --resp-bytes Y\n"
	"                 --dir c2s|s2c\n"
	"Sizes take K, M, G suffixes (powers of 1024).  The stream format\n"
	"is in tools/lib/xfergen.h.\n";

enum {
	O_PORT = 256,
	O_BIND,
	O_OUT,
	O_CONNS,
	O_TIMEOUT,
	O_RATE,
	O_CONNECT,
	O_REQ,
	O_RESP,
	O_SEED,
	O_PARALLEL,
	O_FIRST,
	O_BYTES,
	O_OFFSET,
	O_CONN,
	O_DIR
};

static const struct option long_opts[] = {
	{"port", 1, NULL, O_PORT},
	{"bind", 1, NULL, O_BIND},
	{"out", 1, NULL, O_OUT},
	{"conns", 1, NULL, O_CONNS},
	{"timeout", 1, NULL, O_TIMEOUT},
	{"rate", 1, NULL, O_RATE},
	{"connect", 1, NULL, O_CONNECT},
	{"req-bytes", 1, NULL, O_REQ},
	{"resp-bytes", 1, NULL, O_RESP},
	{"seed", 1, NULL, O_SEED},
	{"parallel", 1, NULL, O_PARALLEL},
	{"first-id", 1, NULL, O_FIRST},
	{"bytes", 1, NULL, O_BYTES},
	{"offset", 1, NULL, O_OFFSET},
	{"conn", 1, NULL, O_CONN},
	{"dir", 1, NULL, O_DIR},
	{"help", 0, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static int parse_uint(const char *s, unsigned int min, unsigned int max,
		      unsigned int *out)
{
	uint64_t v;

	if (cli_parse_size(s, &v) || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_one(int c, const char *arg)
{
	char *end;

	switch (c) {
	case O_PORT:
		return parse_uint(arg, 1, 65535, &o.port);
	case O_BIND:
		o.bind = arg;
		return 0;
	case O_OUT:
		o.out = arg;
		return 0;
	case O_CONNS:
		return parse_uint(arg, 1, UINT32_MAX, &o.conns);
	case O_TIMEOUT:
		return parse_uint(arg, 1, 86400, &o.timeout);
	case O_PARALLEL:
		return parse_uint(arg, 1, MAX_THREADS, &o.parallel);
	case O_FIRST:
		return parse_uint(arg, 0, UINT32_MAX, &o.first_id);
	case O_CONNECT:
		o.connect = arg;
		return 0;
	case O_REQ:
		return cli_parse_size(arg, &o.req_bytes);
	case O_RESP:
		return cli_parse_size(arg, &o.resp_bytes);
	case O_SEED:
		return cli_parse_size(arg, &o.seed);
	case O_BYTES:
		return cli_parse_size(arg, &o.bytes);
	case O_OFFSET:
		return cli_parse_size(arg, &o.offset);
	case O_DIR:
		o.dir = arg;
		return 0;
	case O_CONN:
		o.have_conn = true;
		return cli_parse_size(arg, &o.conn) || o.conn > UINT32_MAX
			       ? -EINVAL
			       : 0;
	case O_RATE:
		o.rate_mbit = strtod(arg, &end);
		return *end || end == arg || o.rate_mbit <= 0 ? -EINVAL : 0;
	}
	return -EINVAL;
}

static int parse_opts(int argc, char **argv)
{
	int c;

	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage_text, stdout);
			exit(0);
		}
		if (c == '?')
			return -EINVAL;
		if (parse_one(c, optarg)) {
			fprintf(stderr, "tcpxfer %s: invalid value '%s'\n",
				o.mode, optarg);
			return -EINVAL;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "tcpxfer %s: unexpected '%s'\n", o.mode,
			argv[optind]);
		return -EINVAL;
	}
	return 0;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_signal};

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(usage_text, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	o.mode = argv[1];
	o.bind = "0.0.0.0";
	if (parse_opts(argc - 1, argv + 1))
		return 2;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (o.rate_mbit > 0)
		rate_init(o.rate_mbit);
	if (!strcmp(o.mode, "server")) {
		if (!o.port) {
			fprintf(stderr, "tcpxfer server: --port is needed\n");
			return 2;
		}
		return run_server();
	}
	if (!strcmp(o.mode, "client"))
		return run_client();
	if (!strcmp(o.mode, "gen"))
		return run_gen();
	if (!strcmp(o.mode, "expect"))
		return run_expect();
	fprintf(stderr, "tcpxfer: unknown mode '%s'\n%s", o.mode, usage_text);
	return 2;
}
