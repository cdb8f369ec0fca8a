// SPDX-License-Identifier: GPL-2.0
/*
 * filter lists: runs of alike hosts, nets and ports become set predicates
 * (filter_sets.c), of any length up to the limits; their members are
 * found by the matcher; the skeleton and parts libpcap checks the
 * expression by are the expression cut apart.  The normal forms of short
 * lists are in test_filter.c's table.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/filter.h"
#include "parse/pkt.h"
#include "pktbuild.h"
#include "testlib.h"

/* Does r match a TCP segment from src (4 bytes) to 198.18.0.1? */
static bool matches(const struct filter_rules *r, const char *src)
{
	static struct pb f;
	struct pkt p;

	pb_init(&f);
	pb_eth(&f, NULL, NULL, 0x0800);
	pb_ipv4(&f, &(struct pb_ip4){
			    .src = src, .dst = "\xc6\x12\x00\x01", .proto = 6});
	pb_tcp(&f, &(struct pb_tcp){.sport = 1, .dport = 2});
	pb_finish(&f);
	CHECK_EQ(pkt_parse(f.b, f.len, f.len, LINKTYPE_ETHERNET, &p), PKT_OK);
	return filter_match(r, &p);
}

/* "PREFIX 198.19.x.y or ..." n hosts (n < 65536), malloc'd. */
static char *host_list(const char *prefix, int n)
{
	size_t len = (size_t)n * 40 + 1, off = 0;
	char *s = malloc(len);
	int i;

	s[0] = '\0';
	for (i = 0; i < n; i++)
		off += snprintf(s + off, len - off, "%s%s198.19.%d.%d",
				i ? " or " : "", prefix, i / 256, i % 256);
	return s;
}

/*
 * Lists of any length are one set; their members are found; the
 * skeleton and parts libpcap checks by are the expression cut apart.
 */
static void test_lists(void)
{
	char err[256], *expr, *p;
	struct filter_rules rs;
	size_t i;

	expr = host_list("host ", 1000);
	CHECK_EQ(filter_parse(expr, &rs, err, sizeof(err)), 0);
	CHECK_EQ(rs.rs.nterms, 1);
	CHECK_EQ(rs.nsets, 1);
	CHECK_EQ(rs.sets[0].kind, FS_PRED_HOST_SET);
	CHECK_EQ(rs.sets[0].n, 1000);
	CHECK_EQ(rs.rs.terms[0].preds[0].fams, FS_FAM_4);
	CHECK_EQ(rs.rs.terms[0].preds[0].arp, 1);
	CHECK_EQ(filter_rules_members(&rs, FS_PRED_HOST_SET), 1000);
	CHECK(rs.skeleton && !strcmp(rs.skeleton, "host 198.19.0.0"));
	CHECK_EQ(rs.nparts, 999);
	CHECK(!strcmp(rs.parts, "host 198.19.0.1"));
	for (i = 1, p = rs.parts; i < rs.nparts; i++)
		p += strlen(p) + 1;
	CHECK(!strcmp(p, "host 198.19.3.231"));
	CHECK(matches(&rs, "\xc6\x13\x03\xe7")); /* 198.19.3.231 */
	CHECK(!matches(&rs, "\xc6\x13\x03\xe8"));
	filter_rules_free(&rs);
	free(expr);

	/* Bare members are typed; the rest of the expression stays. */
	CHECK_EQ(filter_parse("tcp and (dst port 1 or 2 or 3) and not "
			      "host 1.1.1.1 and not host 2.2.2.2",
			      &rs, err, sizeof(err)),
		 0);
	CHECK(rs.skeleton && !strcmp(rs.skeleton, "tcp and (dst port 1) and "
						  "not host 1.1.1.1"));
	CHECK_EQ(rs.nparts, 3);
	CHECK(!strcmp(rs.parts, "port 2"));
	CHECK(!strcmp(rs.parts + 7, "port 3"));
	CHECK(!strcmp(rs.parts + 14, "host 2.2.2.2"));
	filter_rules_free(&rs);

	/* No list, no skeleton: libpcap compiles the whole expression. */
	CHECK_EQ(
		filter_parse("host 1.1.1.1 and port 80", &rs, err, sizeof(err)),
		0);
	CHECK(!rs.skeleton && !rs.nsets && !rs.nparts);

	/*
	 * Past FS_MAX_SETS lists the rest stay terms: (L1 and ... L8) or
	 * (L9 and ... L16) or L17 is 2 terms of sets and L17's 2 terms.
	 */
	expr = malloc(8192);
	strcpy(expr, "(");
	for (i = 0; i < FS_MAX_SETS + 1; i++)
		sprintf(expr + strlen(expr), "%s(port %zu or port %zu)",
			i == 0	  ? ""
			: i == 8  ? ") or ("
			: i == 16 ? ") or "
				  : " and ",
			i + 1, i + 100);
	CHECK_EQ(filter_parse(expr, &rs, err, sizeof(err)), 0);
	CHECK_EQ(rs.nsets, FS_MAX_SETS);
	CHECK_EQ(rs.rs.nterms, 4);
	filter_rules_free(&rs);
	free(expr);

	/* FS_SET_MAX_MEMBERS members of a kind fit, one more does not. */
	expr = host_list("", FS_SET_MAX_MEMBERS);
	p = malloc(strlen(expr) + 64);
	sprintf(p, "host %s", expr);
	CHECK_EQ(filter_parse(p, &rs, err, sizeof(err)), 0);
	CHECK_EQ(rs.sets[0].n, FS_SET_MAX_MEMBERS);
	filter_rules_free(&rs);
	strcat(p, " or 198.20.0.1");
	CHECK_EQ(filter_parse(p, &rs, err, sizeof(err)), -E2BIG);
	CHECK(strstr(err, "more than 65536 members") != NULL);
	free(p);
	free(expr);
}

static const struct t_case cases[] = {
	T_CASE(test_lists),
};
T_MAIN(cases)
