// SPDX-License-Identifier: GPL-2.0
/*
 * metrics_http: the --metrics endpoint on 127.0.0.1 (a port the kernel
 * picks): 503 before a document, then GET /metrics gives the document
 * with the Prometheus content type and its exact length; HEAD gives the
 * headers only; other paths 404; other methods 405; garbage 400; bad
 * addresses are refused at open.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/metrics_http.h"
#include "testlib.h"

/* Send req to port, read the whole answer into buf. */
static int ask(int port, const char *req, char *buf, size_t size)
{
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	size_t got = 0;
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while (got + 1 < size && (n = read(fd, buf + got, size - 1 - got)) > 0)
		got += n;
	buf[got] = 0;
	close(fd);
	return (int)got;
}

static struct metrics_http *open_local(void)
{
	struct metrics_http *m = NULL;
	char why[128];

	CHECK_EQ(metrics_http_open(&m, "127.0.0.1:0", why, sizeof(why)), 0);
	if (m)
		CHECK_EQ(metrics_http_start(m), 0);
	return m;
}

static void test_answers(void)
{
	static const char doc[] = "# HELP a_total A.\n# TYPE a_total "
				  "counter\na_total 7\n";
	struct metrics_http *m = open_local();
	char buf[4096], want[128];
	int port;

	if (!m)
		return;
	port = metrics_http_port(m);
	CHECK(port > 0);
	CHECK(ask(port, "GET /metrics HTTP/1.0\r\n\r\n", buf, sizeof(buf)) > 0);
	CHECK(!strncmp(buf, "HTTP/1.0 503 ", 13));
	CHECK_EQ(metrics_http_publish(m, doc, strlen(doc)), 0);
	CHECK(ask(port, "GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\n\r\n", buf,
		  sizeof(buf)) > 0);
	CHECK(!strncmp(buf, "HTTP/1.0 200 OK\r\n", 17));
	CHECK(strstr(buf, "\r\nContent-Type: text/plain; version=0.0.4; "
			  "charset=utf-8\r\n") != NULL);
	snprintf(want, sizeof(want), "\r\nContent-Length: %zu\r\n",
		 strlen(doc));
	CHECK(strstr(buf, want) != NULL);
	CHECK(strstr(buf, "\r\n\r\n") &&
	      !strcmp(strstr(buf, "\r\n\r\n") + 4, doc));
	CHECK(ask(port, "HEAD /metrics HTTP/1.0\r\n\r\n", buf, sizeof(buf)) >
	      0);
	CHECK(!strncmp(buf, "HTTP/1.0 200 OK\r\n", 17));
	CHECK(strstr(buf, "\r\n\r\n") && !strstr(buf, "\r\n\r\n")[4]);
	CHECK(ask(port, "GET / HTTP/1.0\r\n\r\n", buf, sizeof(buf)) > 0);
	CHECK(!strncmp(buf, "HTTP/1.0 404 Not Found\r\n", 24));
	CHECK(ask(port, "POST /metrics HTTP/1.0\r\n\r\n", buf, sizeof(buf)) >
	      0);
	CHECK(!strncmp(buf, "HTTP/1.0 405 ", 13));
	CHECK(ask(port, "\r\n\r\n", buf, sizeof(buf)) > 0);
	CHECK(!strncmp(buf, "HTTP/1.0 400 ", 13));
	CHECK_EQ(metrics_http_scrapes(m), 2);
	metrics_http_close(m);
}

static void test_bad_addresses(void)
{
	static const char *const bad[] = {"9464",    "127.0.0.1",   "host:80",
					  "[::1:80", "127.0.0.1:x", ":"};
	struct metrics_http *m;
	char why[128];
	unsigned int i;

	for (i = 0; i < T_ARRAY_SIZE(bad); i++) {
		m = NULL;
		CHECK(metrics_http_open(&m, bad[i], why, sizeof(why)) < 0);
		CHECK(m == NULL);
	}
}

static const struct t_case cases[] = {
	T_CASE(test_answers),
	T_CASE(test_bad_addresses),
};

T_MAIN(cases)
