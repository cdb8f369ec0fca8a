// SPDX-License-Identifier: GPL-2.0
/*
 * http_req: request heads, safe names and chunked framing (see the
 * header).  Strict where being lenient would let two readers of the same
 * bytes disagree (request smuggling, RFC 9112 6.3 and 11.2): a head with
 * both Content-Length and Transfer-Encoding, or two different lengths, or
 * a line with a bare CR, is refused.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "parse/http_req.h"

enum {
	CK_SIZE = 0, /* hex digits of the chunk size */
	CK_EXT, /* a chunk extension, up to CR LF */
	CK_SIZE_LF, /* the LF after the size line's CR */
	CK_DATA,
	CK_DATA_CR,
	CK_DATA_LF,
	CK_TRAILER, /* at the start of a trailer line */
	CK_TRAILER_LINE,
	CK_TRAILER_LF, /* the LF of a trailer line */
	CK_END_LF, /* the LF of the empty line that ends the body */
	CK_DONE,
};

/* The end of the head: the offset after CRLF CRLF (or LF LF), or 0. */
static size_t head_end(const char *b, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i++) {
		if (b[i] != '\n')
			continue;
		if (b[i + 1] == '\n')
			return i + 2;
		if (b[i + 1] == '\r' && i + 2 < len && b[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

static bool tchar(char c)
{
	return isalnum((unsigned char)c) || strchr("!#$%&'*+-.^_`|~", c);
}

/* Trim spaces and tabs from both ends of [*s, *e). */
static void trim(const char **s, const char **e)
{
	while (*s < *e && (**s == ' ' || **s == '\t'))
		(*s)++;
	while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
		(*e)--;
}

static bool eq(const char *s, const char *e, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(e - s) == n && !strncasecmp(s, word, n);
}

/* "Content-Length: 123": 0, or -400. */
static int content_length(struct http_req *r, const char *s, const char *e)
{
	uint64_t v = 0;
	const char *p;

	if (s == e)
		return -400;
	for (p = s; p < e; p++) {
		if (*p < '0' || *p > '9' || v > (UINT64_MAX - 9) / 10)
			return -400;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (r->has_length && r->length != v)
		return -400;
	r->has_length = true;
	r->length = v;
	return 0;
}

/* The last transfer coding must be chunked; anything else is 501. */
static void transfer_encoding(struct http_req *r, const char *s, const char *e)
{
	const char *last = s, *p;

	for (p = s; p < e; p++)
		if (*p == ',')
			last = p + 1;
	trim(&last, &e);
	if (eq(last, e, "chunked") && last == s)
		r->chunked = true;
	else
		r->bad_te = true;
}

static void connection(struct http_req *r, const char *s, const char *e)
{
	const char *p, *tok = s;

	for (p = s; p <= e; p++) {
		if (p < e && *p != ',')
			continue;
		{
			const char *ts = tok, *te = p;

			trim(&ts, &te);
			if (eq(ts, te, "close"))
				r->close = true;
			else if (eq(ts, te, "keep-alive") && r->minor == 0)
				r->close = false;
		}
		tok = p + 1;
	}
}

static int header(struct http_req *r, const char *s, const char *e)
{
	const char *colon = memchr(s, ':', e - s), *n, *v, *ve;

	if (!colon || colon == s)
		return -400;
	for (n = s; n < colon; n++)
		if (!tchar(*n))
			return -400; /* no space before the colon (5.1) */
	v = colon + 1;
	ve = e;
	trim(&v, &ve);
	if (eq(s, colon, "content-length"))
		return content_length(r, v, ve);
	if (eq(s, colon, "transfer-encoding"))
		transfer_encoding(r, v, ve);
	else if (eq(s, colon, "expect")) {
		if (eq(v, ve, "100-continue"))
			r->expect_continue = true;
		else
			r->expect_other = true;
	} else if (eq(s, colon, "connection"))
		connection(r, v, ve);
	return 0;
}

static int request_line(struct http_req *r, const char *s, const char *e)
{
	const char *sp1 = memchr(s, ' ', e - s), *sp2, *v;
	size_t n;

	if (!sp1 || sp1 == s)
		return -400;
	sp2 = memchr(sp1 + 1, ' ', e - sp1 - 1);
	if (!sp2 || sp2 == sp1 + 1)
		return -400;
	for (v = s; v < sp1; v++)
		if (!tchar(*v))
			return -400;
	n = sp1 - s;
	memcpy(r->method_str, s, n < sizeof(r->method_str) ? n : 15);
	r->method_str[n < sizeof(r->method_str) ? n : 15] = 0;
	if (eq(s, sp1, "PUT") && !memcmp(s, "PUT", 3))
		r->method = HTTP_PUT;
	else if (eq(s, sp1, "POST") && !memcmp(s, "POST", 4))
		r->method = HTTP_POST;
	n = sp2 - sp1 - 1;
	for (v = sp1 + 1; v < sp2; v++)
		if ((unsigned char)*v <= ' ' || *v == 0x7f)
			return -400;
	if (n < sizeof(r->target)) {
		memcpy(r->target, sp1 + 1, n);
		r->target[n] = 0;
	} else {
		r->target_long = true;
	}
	v = sp2 + 1;
	if (e - v != 8 || memcmp(v, "HTTP/", 5) ||
	    !isdigit((unsigned char)v[5]) || v[6] != '.' ||
	    !isdigit((unsigned char)v[7]))
		return -400;
	if (v[5] != '1')
		return -505;
	r->minor = v[7] - '0';
	r->close = r->minor == 0;
	return 0;
}

int http_req_parse(const char *buf, size_t len, struct http_req *r)
{
	size_t end = head_end(buf, len < HTTP_HEAD_MAX ? len : HTTP_HEAD_MAX);
	const char *p = buf, *stop, *nl, *le;
	bool first = true;
	int ret;

	memset(r, 0, sizeof(*r));
	if (!end)
		return len >= HTTP_HEAD_MAX ? -431 : 0;
	stop = buf + end;
	/* RFC 9112 2.2: empty lines before the request line are ignored. */
	while (p < stop && (*p == '\r' || *p == '\n'))
		p++;
	for (; p < stop; p = nl + 1) {
		nl = memchr(p, '\n', stop - p);
		le = nl;
		if (le > p && le[-1] == '\r')
			le--;
		if (memchr(p, '\r', le - p) || memchr(p, 0, le - p))
			return -400;
		if (le == p)
			break; /* the empty line */
		if (first) {
			ret = request_line(r, p, le);
			first = false;
		} else if (*p == ' ' || *p == '\t') {
			ret = -400; /* obsolete line folding */
		} else {
			ret = header(r, p, le);
		}
		if (ret)
			return ret;
	}
	if (first)
		return -400;
	if (r->has_length && (r->chunked || r->bad_te))
		return -400;
	return (int)end;
}

int http_safe_name(const char *target, char *name)
{
	const char *s = target + 1;
	size_t n;

	if (target[0] != '/' || !*s || *s == '.')
		return -1;
	for (n = 0; s[n]; n++)
		if (!isalnum((unsigned char)s[n]) && s[n] != '.' &&
		    s[n] != '_' && s[n] != '-')
			return -1;
	if (n > HTTP_NAME_MAX)
		return -1;
	memcpy(name, s, n + 1);
	return 0;
}

void http_chunked_init(struct http_chunked *c)
{
	memset(c, 0, sizeof(*c));
}

static int hexval(uint8_t ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch |= 0x20;
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* One framing byte; 1: the body ended, -1: an error. */
static int ck_byte(struct http_chunked *c, uint8_t ch)
{
	int h;

	switch (c->state) {
	case CK_SIZE:
		h = hexval(ch);
		if (h >= 0) {
			if (++c->ndigits > 15)
				return -1;
			c->left = c->left << 4 | (uint64_t)h;
			return 0;
		}
		if (!c->ndigits)
			return -1;
		if (ch == '\r') {
			c->state = CK_SIZE_LF;
			return 0;
		}
		if (ch == ';' || ch == ' ' || ch == '\t') {
			c->state = CK_EXT;
			c->line = 0;
			return 0;
		}
		return -1;
	case CK_EXT:
		if (ch == '\r')
			c->state = CK_SIZE_LF;
		else if (ch == '\n' || ++c->line > 4096)
			return -1;
		return 0;
	case CK_SIZE_LF:
		if (ch != '\n')
			return -1;
		c->state = c->left ? CK_DATA : CK_TRAILER;
		return 0;
	case CK_DATA_CR:
		if (ch != '\r')
			return -1;
		c->state = CK_DATA_LF;
		return 0;
	case CK_DATA_LF:
		if (ch != '\n')
			return -1;
		c->state = CK_SIZE;
		c->ndigits = 0;
		c->left = 0;
		return 0;
	case CK_TRAILER:
		if (ch == '\r') {
			c->state = CK_END_LF;
			return 0;
		}
		c->state = CK_TRAILER_LINE;
		c->line = 0;
		return 0;
	case CK_TRAILER_LINE:
		if (ch == '\r')
			c->state = CK_TRAILER_LF;
		else if (ch == '\n' || ++c->line > 4096)
			return -1;
		return 0;
	case CK_TRAILER_LF:
		if (ch != '\n')
			return -1;
		c->state = CK_TRAILER;
		return 0;
	case CK_END_LF:
		if (ch != '\n')
			return -1;
		c->state = CK_DONE;
		return 1;
	default:
		return -1;
	}
}

int http_chunked_step(struct http_chunked *c, const uint8_t *p, size_t len,
		      size_t *used, size_t *dlen)
{
	size_t i;
	int ret;

	*used = 0;
	*dlen = 0;
	if (c->state == CK_DONE)
		return 1;
	if (c->state == CK_DATA) {
		size_t n = len < c->left ? len : (size_t)c->left;

		c->left -= n;
		if (!c->left)
			c->state = CK_DATA_CR;
		*used = *dlen = n;
		return 0;
	}
	for (i = 0; i < len; i++) {
		ret = ck_byte(c, p[i]);
		if (ret) {
			*used = i + 1;
			return ret;
		}
		if (c->state == CK_DATA) {
			*used = i + 1;
			return 0;
		}
	}
	*used = len;
	return 0;
}
