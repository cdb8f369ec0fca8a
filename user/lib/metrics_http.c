// SPDX-License-Identifier: GPL-2.0
/*
 * metrics_http: the --metrics endpoint.  Owns its listening socket, its
 * thread, the stop eventfd and the current document.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lib/metrics_http.h"

#define REQ_MAX 4096
#define IO_TIMEOUT_MS 2000

struct metrics_http {
	int lfd;
	int stopfd;
	bool started;
	pthread_t thread;
	pthread_mutex_t lock;
	char *doc; /* under lock */
	size_t len;
	unsigned long scrapes; /* under lock */
};

static int split_addr(const char *addr, char *host, size_t hlen,
		      const char **port)
{
	const char *colon = strrchr(addr, ':');
	size_t n;

	if (!colon || !colon[1])
		return -EINVAL;
	*port = colon + 1;
	n = colon - addr;
	if (n && addr[0] == '[') {
		if (addr[n - 1] != ']')
			return -EINVAL;
		addr++;
		n -= 2;
	}
	if (n >= hlen)
		return -EINVAL;
	memcpy(host, addr, n);
	host[n] = 0;
	return 0;
}

static int listen_on(const char *addr, char *why, size_t whylen)
{
	const struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV,
	};
	struct addrinfo *ai;
	const char *port;
	char host[64];
	int fd, one = 1, ret;

	if (split_addr(addr, host, sizeof(host), &port)) {
		snprintf(why, whylen, "not ADDR:PORT, [ADDR6]:PORT or :PORT");
		return -EINVAL;
	}
	ret = getaddrinfo(*host ? host : NULL, port, &hints, &ai);
	if (ret) {
		snprintf(why, whylen, "%s", gai_strerror(ret));
		return -EINVAL;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 16)) {
		ret = -errno;
		snprintf(why, whylen, "%s", strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = ret;
	}
	freeaddrinfo(ai);
	return fd;
}

int metrics_http_open(struct metrics_http **out, const char *addr, char *why,
		      size_t whylen)
{
	struct metrics_http *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	m->lfd = listen_on(addr, why, whylen);
	if (m->lfd < 0) {
		int ret = m->lfd;

		free(m);
		return ret;
	}
	m->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (m->stopfd < 0) {
		int ret = -errno;

		snprintf(why, whylen, "eventfd: %s", strerror(errno));
		close(m->lfd);
		free(m);
		return ret;
	}
	pthread_mutex_init(&m->lock, NULL);
	*out = m;
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ll + ts.tv_nsec / 1000000;
}

/* Wait for fd to be ready for ev before deadline; false on time out. */
static bool wait_fd(int fd, short ev, long long deadline)
{
	struct pollfd p = {.fd = fd, .events = ev};
	long long left = deadline - now_ms();

	return left > 0 && poll(&p, 1, (int)left) > 0;
}

/* The request head, up to the blank line; its length, or -1. */
static ssize_t read_head(int fd, char *buf, size_t size)
{
	long long deadline = now_ms() + IO_TIMEOUT_MS;
	size_t got = 0;

	while (got + 1 < size) {
		ssize_t n = read(fd, buf + got, size - 1 - got);

		if (n > 0) {
			got += n;
			buf[got] = 0;
			if (strstr(buf, "\r\n\r\n") || strstr(buf, "\n\n"))
				return got;
			continue;
		}
		if (!n || (errno != EAGAIN && errno != EINTR) ||
		    !wait_fd(fd, POLLIN, deadline))
			break;
	}
	/* An HTTP/0.9-style or truncated head still has its first line. */
	buf[got] = 0;
	return strchr(buf, '\n') ? (ssize_t)got : -1;
}

static void send_all(int fd, const char *p, size_t len, long long deadline)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n > 0) {
			p += n;
			len -= n;
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			return;
		} else if (!wait_fd(fd, POLLOUT, deadline)) {
			return;
		}
	}
}

/*
 * The answer: status ("404 Not Found"), and as the body the document
 * (body_doc: 503 until the first one is published) or the status line.
 */
static void respond(struct metrics_http *m, int fd, const char *status,
		    bool body_doc, bool head)
{
	static const char ctype[] = "text/plain; version=0.0.4; charset=utf-8";
	long long deadline = now_ms() + IO_TIMEOUT_MS;
	char hdr[256], *doc = NULL;
	size_t len = 0;
	int n;

	if (body_doc) {
		pthread_mutex_lock(&m->lock);
		doc = m->doc ? malloc(m->len ? m->len : 1) : NULL;
		if (doc) {
			memcpy(doc, m->doc, m->len);
			len = m->len;
			m->scrapes++;
		}
		pthread_mutex_unlock(&m->lock);
		if (!doc) {
			body_doc = false;
			status = "503 Service Unavailable";
		}
	}
	if (!body_doc) {
		len = strlen(status) + 1; /* and a newline */
		doc = malloc(len + 1);
		if (doc)
			snprintf(doc, len + 1, "%s\n", status);
		else
			len = 0;
	}
	n = snprintf(hdr, sizeof(hdr),
		     "HTTP/1.0 %s\r\nContent-Type: %s\r\n"
		     "Content-Length: %zu\r\nConnection: close\r\n\r\n",
		     status, body_doc ? ctype : "text/plain", len);
	send_all(fd, hdr, n, deadline);
	if (!head && doc)
		send_all(fd, doc, len, deadline);
	free(doc);
}

static void serve_one(struct metrics_http *m, int fd)
{
	char req[REQ_MAX], method[8], path[256];
	bool head;

	if (read_head(fd, req, sizeof(req)) < 0 ||
	    sscanf(req, "%7s %255s", method, path) != 2) {
		respond(m, fd, "400 Bad Request", false, false);
		return;
	}
	head = !strcmp(method, "HEAD");
	if (strcmp(method, "GET") && !head) {
		respond(m, fd, "405 Method Not Allowed", false, false);
		return;
	}
	path[strcspn(path, "?")] = 0;
	if (strcmp(path, "/metrics"))
		respond(m, fd, "404 Not Found", false, head);
	else
		respond(m, fd, "200 OK", true, head);
}

static void *serve(void *arg)
{
	struct metrics_http *m = arg;
	struct pollfd p[2] = {
		{.fd = m->lfd, .events = POLLIN},
		{.fd = m->stopfd, .events = POLLIN},
	};

	for (;;) {
		int fd;

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		if (!(p[0].revents & POLLIN))
			continue;
		fd = accept4(m->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			/* Out of descriptors or memory: not a busy loop. */
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				poll(NULL, 0, 100);
			continue;
		}
		serve_one(m, fd);
		close(fd);
	}
	return NULL;
}

int metrics_http_start(struct metrics_http *m)
{
	int ret = -pthread_create(&m->thread, NULL, serve, m);

	m->started = !ret;
	return ret;
}

int metrics_http_publish(struct metrics_http *m, const char *doc, size_t len)
{
	char *copy = malloc(len ? len : 1);

	if (!copy)
		return -ENOMEM;
	memcpy(copy, doc, len);
	pthread_mutex_lock(&m->lock);
	free(m->doc);
	m->doc = copy;
	m->len = len;
	pthread_mutex_unlock(&m->lock);
	return 0;
}

int metrics_http_port(struct metrics_http *m)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(m->lfd, (struct sockaddr *)&ss, &len))
		return -errno;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

unsigned long metrics_http_scrapes(struct metrics_http *m)
{
	unsigned long n;

	pthread_mutex_lock(&m->lock);
	n = m->scrapes;
	pthread_mutex_unlock(&m->lock);
	return n;
}

void metrics_http_close(struct metrics_http *m)
{
	uint64_t one = 1;

	if (!m)
		return;
	if (m->started) {
		if (write(m->stopfd, &one, sizeof(one)) != sizeof(one))
			pthread_cancel(m->thread);
		pthread_join(m->thread, NULL);
	}
	close(m->stopfd);
	close(m->lfd);
	pthread_mutex_destroy(&m->lock);
	free(m->doc);
	free(m);
}
