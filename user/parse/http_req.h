/* SPDX-License-Identifier: GPL-2.0 */
/*
 * http_req: the parts of HTTP/1.1 (RFC 9112) an upload server reads: a
 * request head (the request line and the header fields it acts on),
 * the name a target may give a file, and a chunked body's framing, fed
 * incrementally as bytes come.  Pure functions on the caller's bytes:
 * nothing is kept between calls but the decoder's small state.
 */
#ifndef FS_HTTP_REQ_H
#define FS_HTTP_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The most a head may be: past it, 431. */
#define HTTP_HEAD_MAX 8192
/* The longest name a target may give (a file name). */
#define HTTP_NAME_MAX 255

enum http_method {
	HTTP_OTHER = 0,
	HTTP_PUT,
	HTTP_POST,
};

struct http_req {
	enum http_method method;
	char method_str[16]; /* as sent (cut), for the index */
	char target[512]; /* as sent; "" when longer */
	bool target_long;
	int minor; /* HTTP/1.x */
	bool has_length;
	uint64_t length; /* Content-Length */
	bool chunked; /* Transfer-Encoding: chunked (last coding) */
	bool bad_te; /* another transfer coding: 501 */
	bool expect_continue; /* Expect: 100-continue */
	bool expect_other; /* another expectation: 417 */
	bool close; /* Connection: close, or HTTP/1.0 without keep-alive */
};

/*
 * Parse the head at the start of buf (len bytes; it may continue past
 * the head).  Returns the head's length including its empty line (> 0),
 * 0 when the empty line has not come yet (and len < HTTP_HEAD_MAX), or
 * a negative HTTP status for a request that cannot be answered
 * otherwise: -400 (malformed: a bad line, a bad or repeated or
 * conflicting Content-Length, both Content-Length and Transfer-Encoding),
 * -431 (longer than HTTP_HEAD_MAX), -505 (not HTTP/1.x).
 */
int http_req_parse(const char *buf, size_t len, struct http_req *r);

/*
 * The file name of a target "/NAME": NAME of 1 to HTTP_NAME_MAX bytes
 * of A-Z a-z 0-9 '.' '_' '-', not starting with '.', into name (at
 * least HTTP_NAME_MAX + 1 bytes).  0, or -1 when the target names no
 * such file (a '/' inside, "..", a leading dot, any other byte, a query,
 * percent-encoding, an absolute URI): no path outside DIR is possible.
 */
int http_safe_name(const char *target, char *name);

/* A chunked body's decoder (RFC 9112 7.1), fed as bytes come. */
struct http_chunked {
	uint8_t state;
	uint8_t ndigits;
	uint64_t left; /* bytes of the current chunk's data still to come */
	uint32_t line; /* bytes of the current extension or trailer line */
};

void http_chunked_init(struct http_chunked *c);

/*
 * Decode from p (len bytes): *used bytes are consumed, of which the
 * last *dlen (when nonzero) are chunk data to keep, at p + *used -
 * *dlen.  Call again with the rest while len is left.  Returns 1 when
 * the body ended (the last chunk and the trailer section's empty line:
 * the next request starts at p + *used), 0 to go on, -1 on a framing
 * error (400).
 */
int http_chunked_step(struct http_chunked *c, const uint8_t *p, size_t len,
		      size_t *used, size_t *dlen);

#endif /* FS_HTTP_REQ_H */
