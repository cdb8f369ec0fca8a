// SPDX-License-Identifier: GPL-2.0
/*
 * http_req: request heads (what an upload server acts on, and what it
 * must refuse: conflicting lengths, both framings, bare CRs, folding,
 * long heads, other versions), safe file names from targets, and the
 * chunked decoder fed in one piece and byte by byte.
 */
#include <string.h>

#include "parse/http_req.h"
#include "testlib.h"

static int parse(const char *s, struct http_req *r)
{
	return http_req_parse(s, strlen(s), r);
}

static void test_put(void)
{
	const char *h = "PUT /up.bin HTTP/1.1\r\nHost: x\r\n"
			"Content-Length: 12345\r\nExpect: 100-continue\r\n\r\n"
			"body";
	struct http_req r;

	CHECK_EQ(parse(h, &r), (int)strlen(h) - 4);
	CHECK_EQ(r.method, HTTP_PUT);
	CHECK(!strcmp(r.target, "/up.bin"));
	CHECK_EQ(r.minor, 1);
	CHECK(r.has_length && r.length == 12345);
	CHECK(r.expect_continue && !r.chunked && !r.close);
}

static void test_post_chunked(void)
{
	struct http_req r;

	CHECK(parse("POST /a HTTP/1.1\r\ntransfer-encoding:  Chunked \r\n"
		    "Connection: keep-alive, close\r\n\r\n",
		    &r) > 0);
	CHECK_EQ(r.method, HTTP_POST);
	CHECK(r.chunked && !r.has_length && r.close);
	CHECK(parse("PUT /a HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
		    &r) > 0);
	CHECK(r.bad_te);
	CHECK(parse("GET /a HTTP/1.0\n\n", &r) > 0); /* bare LF lines */
	CHECK_EQ(r.method, HTTP_OTHER);
	CHECK(r.close);
	CHECK(parse("get /a HTTP/1.1\r\n\r\n", &r) > 0);
	CHECK_EQ(r.method, HTTP_OTHER); /* methods are case-sensitive */
	CHECK(parse("PUT /a HTTP/1.1\r\nExpect: magic\r\n\r\n", &r) > 0);
	CHECK(r.expect_other);
}

static void test_refused(void)
{
	static char big[HTTP_HEAD_MAX + 100];
	struct http_req r;

	CHECK_EQ(parse("PUT /a HTTP/1.1\r\nContent-Length: 5\r\n", &r), 0);
	CHECK_EQ(parse("PUT /a HTTP/1.1\r\nContent-Length: 5\r\n"
		       "Transfer-Encoding: chunked\r\n\r\n",
		       &r),
		 -400);
	CHECK_EQ(parse("PUT /a HTTP/1.1\r\nContent-Length: 5\r\n"
		       "Content-Length: 6\r\n\r\n",
		       &r),
		 -400);
	CHECK(parse("PUT /a HTTP/1.1\r\nContent-Length: 5\r\n"
		    "Content-Length: 5\r\n\r\n",
		    &r) > 0);
	CHECK_EQ(parse("PUT /a HTTP/1.1\r\nContent-Length: -5\r\n\r\n", &r),
		 -400);
	CHECK_EQ(parse("PUT /a HTTP/1.1\r\nContent-Length: 99999999999999999999"
		       "\r\n\r\n",
		       &r),
		 -400);
	CHECK_EQ(parse("PUT /a HTTP/2.0\r\n\r\n", &r), -505);
	CHECK_EQ(parse("PUT /a\r\n\r\n", &r), -400);
	CHECK_EQ(parse("PUT  /a HTTP/1.1\r\n\r\n", &r), -400);
	CHECK_EQ(parse("PUT /a HTTP/1.1\r\nX: a\rb\r\n\r\n", &r), -400);
	CHECK_EQ(parse("PUT /a HTTP/1.1\r\nX: a\r\n b\r\n\r\n", &r), -400);
	CHECK_EQ(parse("PUT /a HTTP/1.1\r\nBad Name: a\r\n\r\n", &r), -400);
	CHECK_EQ(parse("\r\n\r\n", &r), -400);
	memset(big, 'a', sizeof(big));
	memcpy(big, "PUT /a HTTP/1.1\r\nX: ", 20);
	CHECK_EQ(http_req_parse(big, sizeof(big), &r), -431);
}

static void test_names(void)
{
	static const char *const good[] = {"/a", "/file.bin", "/A-b_c.9",
					   "/a..b"};
	static const char *const bad[] = {
		"/",	 "/.hidden",  "/..",	"/a/b",	      "//a",
		"a",	 "/a?x=1",    "/a%2fb", "http://h/a", "/a b",
		"/a\\b", "/\xc3\xa9", "/a:b",
	};
	char name[HTTP_NAME_MAX + 1], longt[HTTP_NAME_MAX + 3];
	unsigned int i;

	for (i = 0; i < T_ARRAY_SIZE(good); i++) {
		CHECK_EQ(http_safe_name(good[i], name), 0);
		CHECK(!strcmp(name, good[i] + 1));
	}
	for (i = 0; i < T_ARRAY_SIZE(bad); i++)
		if (http_safe_name(bad[i], name)) {
			CHECK(1);
		} else {
			fprintf(stderr, "accepted %s\n", bad[i]);
			CHECK(0);
		}
	longt[0] = '/';
	memset(longt + 1, 'x', HTTP_NAME_MAX + 1);
	longt[HTTP_NAME_MAX + 2] = 0;
	CHECK_EQ(http_safe_name(longt, name), -1);
	longt[HTTP_NAME_MAX + 1] = 0;
	CHECK_EQ(http_safe_name(longt, name), 0);
}

/* Decode all of s in pieces of step bytes: data into out. */
static int decode(const char *s, size_t step, char *out, size_t *outlen,
		  size_t *end)
{
	struct http_chunked c;
	size_t len = strlen(s), off = 0, used, dlen;
	int ret = 0;

	http_chunked_init(&c);
	*outlen = 0;
	while (off < len) {
		size_t n = len - off < step ? len - off : step, k = 0;

		while (k < n) {
			ret = http_chunked_step(&c,
						(const uint8_t *)s + off + k,
						n - k, &used, &dlen);
			if (ret < 0)
				return ret;
			memcpy(out + *outlen, s + off + k + used - dlen, dlen);
			*outlen += dlen;
			k += used;
			if (ret == 1) {
				*end = off + k;
				return 1;
			}
		}
		off += n;
	}
	return ret;
}

static void test_chunked(void)
{
	const char *body =
		"5\r\nhello\r\n6;ext=1\r\n world\r\nA\r\n0123456789\r\n"
		"0\r\nTrailer: x\r\n\r\nNEXT";
	char out[64];
	size_t n, end, step;

	for (step = 1; step <= strlen(body); step++) {
		CHECK_EQ(decode(body, step, out, &n, &end), 1);
		CHECK_EQ(n, 21);
		CHECK(!memcmp(out, "hello world0123456789", 21));
		CHECK_EQ(end, strlen(body) - 4);
	}
	CHECK_EQ(decode("0\r\n\r\n", 1, out, &n, &end), 1);
	CHECK_EQ(n, 0);
	CHECK_EQ(decode("zz\r\n", 100, out, &n, &end), -1);
	CHECK_EQ(decode("5\r\nhelloXX", 100, out, &n, &end), -1);
	CHECK_EQ(decode("\r\n", 100, out, &n, &end), -1);
	CHECK_EQ(decode("1111111111111111\r\n", 100, out, &n, &end), -1);
	CHECK_EQ(decode("5\r\nhel", 100, out, &n, &end), 0); /* not yet */
}

static const struct t_case cases[] = {
	T_CASE(test_put),   T_CASE(test_post_chunked), T_CASE(test_refused),
	T_CASE(test_names), T_CASE(test_chunked),
};

T_MAIN(cases)
