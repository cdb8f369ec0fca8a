// SPDX-License-Identifier: GPL-2.0
/*
 * tracegen expected output: the capture replayed in order, as a
 * first-data-wins receiver holds it, then DIR/expected/ (the stream files,
 * conns.tsv, gaps.tsv, conflicts.tsv; main.c describes them).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracegen.h"

static const char *const dir_name[] = {"c2s", "s2c"};

static void cf_add(struct gen *g, uint32_t conn, int d, uint64_t s, uint64_t e,
		   enum src kind)
{
	struct conflict *last = g->ncf ? &g->cf[g->ncf - 1] : NULL;

	if (last && last->conn == conn && last->dir == d &&
	    last->kind == kind && last->e == s) {
		last->e = e;
		return;
	}
	if (g->ncf == g->capcf) {
		g->capcf = g->capcf ? g->capcf * 2 : 64;
		g->cf = xrealloc(g->cf, g->capcf * sizeof(*g->cf));
	}
	g->cf[g->ncf++] = (struct conflict){conn, d, kind, s, e};
}

static void ivl_insert_at(struct ivls *l, size_t i, uint64_t s, uint64_t e,
			  uint8_t src)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	memmove(&l->v[i + 1], &l->v[i], (l->n - i) * sizeof(*l->v));
	l->v[i] = (struct ivl){s, e, src};
	l->n++;
}

/* Join touching intervals of the same source. */
static void ivl_normalize(struct ivls *l)
{
	size_t i, j = 0;

	for (i = 1; i < l->n; i++) {
		if (l->v[j].e == l->v[i].s && l->v[j].src == l->v[i].src)
			l->v[j].e = l->v[i].e;
		else
			l->v[++j] = l->v[i];
	}
	if (l->n)
		l->n = j + 1;
}

/*
 * Record bytes [s, e) of a direction arriving from src: new bytes are
 * kept, bytes already held keep their first source, and differing
 * copies are conflicts.
 */
static void receive(struct gen *g, uint32_t conn, int d, uint64_t s, uint64_t e,
		    uint8_t src)
{
	struct ivls *l = &g->conns[conn].got[d];
	uint64_t cur = s, end;
	size_t i = l->n;

	if (!l->n || s >= l->v[l->n - 1].e) {
		ivl_insert_at(l, l->n, s, e, src);
		ivl_normalize(l);
		return;
	}
	while (i > 0 && l->v[i - 1].e > s)
		i--;
	while (cur < e) {
		if (i == l->n || l->v[i].s >= e) {
			ivl_insert_at(l, i, cur, e, src);
			break;
		}
		if (l->v[i].s > cur) {
			ivl_insert_at(l, i, cur, l->v[i].s, src);
			i++;
		}
		cur = l->v[i].s > cur ? l->v[i].s : cur;
		end = l->v[i].e < e ? l->v[i].e : e;
		if (l->v[i].src != src)
			cf_add(g, conn, d, cur, end, src);
		cur = end;
		i++;
	}
	ivl_normalize(l);
}

/* Replay the capture in order to find what a receiver holds. */
void replay(struct gen *g)
{
	size_t i;

	for (i = 0; i < g->pkts.n; i++) {
		const struct seg *s = &g->pkts.v[i];
		struct conn *c = &g->conns[s->conn];
		int d = s->dir;
		int64_t st = s->off, e = s->off + s->len;

		if (s->flags & TH_SYN) {
			c->syn_seen[d] = c->has_base[d] = true;
			c->base[d] = 0;
		}
		if (!s->len)
			continue;
		if (!c->has_base[d]) {
			c->has_base[d] = true;
			c->base[d] = s->off;
		}
		/* Bytes before the stream's first (SYN or first seen). */
		if (st < (int64_t)c->base[d])
			st = c->base[d];
		if (e > st)
			receive(g, s->conn, d, st, e, s->src);
	}
}

static FILE *open_out(const char *dir, const char *name, const char *header)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/expected/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		fprintf(stderr, "tracegen: %s: %s\n", path, strerror(errno));
	else if (header)
		fputs(header, f);
	return f;
}

static void put_range(FILE *f, const struct conn *c, int d, uint64_t s,
		      uint64_t e, enum src src)
{
	static uint8_t buf[1 << 16];

	while (s < e) {
		size_t n = e - s < sizeof(buf) ? e - s : sizeof(buf);

		stream_bytes(c->key[d], s, buf, n, src);
		fwrite(buf, n, 1, f);
		s += n;
	}
}

/*
 * conn<i>.<dir>: the first-received bytes of each range, the real ones
 * where nothing was captured (and those ranges into gaps.tsv).
 */
static int write_stream(struct gen *g, const char *dir, uint32_t i, int d,
			FILE *gaps)
{
	const struct conn *c = &g->conns[i];
	const struct ivls *l = &c->got[d];
	uint64_t pos = c->base[d], end = c->bytes[d], s;
	char name[64];
	size_t k;
	FILE *f;

	snprintf(name, sizeof(name), "conn%u.%s", i, dir_name[d]);
	f = open_out(dir, name, NULL);
	if (!f)
		return -1;
	for (k = 0; k <= l->n && pos < end; k++) {
		s = k < l->n ? l->v[k].s : end;
		if (s > pos) {
			put_range(f, c, d, pos, s, SRC_CANON);
			fprintf(gaps, "%u\t%s\t%llu\t%llu\n", i, dir_name[d],
				(unsigned long long)(pos - c->base[d]),
				(unsigned long long)(s - pos));
			pos = s;
		}
		if (k < l->n) {
			put_range(f, c, d, pos, l->v[k].e, l->v[k].src);
			pos = l->v[k].e;
		}
	}
	return fclose(f) ? -1 : 0;
}

static void addr_str(const struct conn *c, const uint8_t *a, char *buf,
		     size_t len)
{
	int k, n = 0;

	if (c->family == 4) {
		snprintf(buf, len, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
		return;
	}
	/* Full form, no "::" compression: simple and unambiguous. */
	for (k = 0; k < 16; k += 2)
		n += snprintf(buf + n, len - n, "%s%x", k ? ":" : "",
			      a[k] << 8 | a[k + 1]);
}

static void conn_line(FILE *f, const struct conn *c, uint32_t i)
{
	char ca[64], sa[64], vlan[32] = "-";
	int d;

	addr_str(c, c->caddr, ca, sizeof(ca));
	addr_str(c, c->saddr, sa, sizeof(sa));
	if (c->nvlan == 1)
		snprintf(vlan, sizeof(vlan), "%u", c->vlan_id[0]);
	else if (c->nvlan == 2)
		snprintf(vlan, sizeof(vlan), "%u.%u", c->vlan_id[0],
			 c->vlan_id[1]);
	fprintf(f, "%u\t%d\t%s\t%s\t%u\t%s\t%u", i, c->family, vlan, ca,
		c->cport, sa, c->sport);
	for (d = 0; d < 2; d++)
		fprintf(f, "\t%u", c->isn[d]);
	for (d = 0; d < 2; d++)
		fprintf(f, "\t%u", (uint32_t)(c->isn[d] + 1 + c->base[d]));
	for (d = 0; d < 2; d++)
		fprintf(f, "\t%llu",
			(unsigned long long)(c->bytes[d] - c->base[d]));
	fprintf(f, "\t%s\n", c->rst ? "rst" : "fin");
}

int write_expected(struct gen *g, const char *dir)
{
	FILE *conns, *gaps, *cf;
	int ret = 0, d;
	uint32_t i;
	size_t k;

	conns = open_out(dir, "conns.tsv",
			 "conn\tfamily\tvlan\tclient\tcport\tserver\tsport\t"
			 "c2s_isn\ts2c_isn\tc2s_seq0\ts2c_seq0\tc2s_bytes\t"
			 "s2c_bytes\tclose\n");
	gaps = open_out(dir, "gaps.tsv", "conn\tdir\toffset\tlength\n");
	cf = open_out(dir, "conflicts.tsv",
		      "conn\tdir\toffset\tlength\tkind\n");
	if (!conns || !gaps || !cf)
		ret = -1;
	for (i = 0; !ret && i < g->nconns; i++) {
		conn_line(conns, &g->conns[i], i);
		for (d = 0; d < 2 && !ret; d++)
			ret = write_stream(g, dir, i, d, gaps);
	}
	for (k = 0; !ret && k < g->ncf; k++) {
		const struct conflict *x = &g->cf[k];
		uint64_t base = g->conns[x->conn].base[x->dir];

		fprintf(cf, "%u\t%s\t%llu\t%llu\t%s\n", x->conn,
			dir_name[x->dir], (unsigned long long)(x->s - base),
			(unsigned long long)(x->e - x->s),
			x->kind == SRC_GARB ? "keepalive" : "overlap");
	}
	if ((conns && fclose(conns)) || (gaps && fclose(gaps)) ||
	    (cf && fclose(cf)))
		ret = -1;
	if (ret)
		fprintf(stderr, "tracegen: writing %s/expected failed\n", dir);
	return ret;
}
