/* SPDX-License-Identifier: GPL-2.0 */
/*
 * metrics_http: a tiny HTTP/1.0 server for Prometheus scrapes (--metrics
 * ADDR:PORT).  One thread of its own, never a worker's loop; it answers
 * GET (and HEAD) /metrics with the last document published (503 before
 * the first), 404 for any other path, 405 for other methods, one connection at a time, each
 * bounded in size (4 KiB of request) and time (2 s to send the request,
 * 2 s to take the answer), then closed.  The publisher (the stats
 * interval, on the main thread) copies a document in under a mutex; a
 * scrape copies it out, so neither waits on a slow client.
 *
 *	metrics_http_open(&m, "127.0.0.1:9464", why, sizeof(why));
 *	... drop privileges: the socket is bound, the port may be < 1024 ...
 *	metrics_http_start(m);
 *	metrics_http_publish(m, doc, len);   (each interval)
 *	metrics_http_close(m);
 */
#ifndef FS_METRICS_HTTP_H
#define FS_METRICS_HTTP_H

#include <stddef.h>

struct metrics_http;

/*
 * Bind and listen on addr: "IPv4:PORT", "[IPv6]:PORT" or ":PORT" (every
 * address).  No thread yet.  0 or -errno, the cause in why.
 */
int metrics_http_open(struct metrics_http **out, const char *addr, char *why,
		      size_t whylen);

/* Start serving.  0 or -errno. */
int metrics_http_start(struct metrics_http *m);

/* Replace the document served (copied).  0 or -ENOMEM. */
int metrics_http_publish(struct metrics_http *m, const char *doc, size_t len);

/* The port bound (the one given, or the kernel's pick for port 0). */
int metrics_http_port(struct metrics_http *m);

/* Requests answered 200 so far (for tests and the log). */
unsigned long metrics_http_scrapes(struct metrics_http *m);

/* Stop the thread (waits for it: at most one request's bounds), close. */
void metrics_http_close(struct metrics_http *m);

#endif /* FS_METRICS_HTTP_H */
