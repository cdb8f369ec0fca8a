// SPDX-License-Identifier: GPL-2.0
/*
 * pcap_expr: libpcap's compiler and matcher behind one small API.  Owns
 * the expression's text and one compiled program per link type met (a
 * capture file rarely has more than one; pcapng may).
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "parse/pcap_expr.h"

#define SNAPLEN 262144
#define MAX_LINKTYPES 8
#define LINKTYPE_RAW 101

struct compiled {
	uint32_t linktype;
	struct bpf_program prog;
};

struct pcap_expr {
	char *text;
	bool dflt; /* no expression: the default, per link type */
	unsigned int n;
	struct compiled c[MAX_LINKTYPES];
	struct sock_filter *classic; /* c[0] in the kernel's layout */
};

/* LINKTYPE_* values are DLT_* values but for raw IP. */
static int dlt_of(uint32_t linktype)
{
	return linktype == LINKTYPE_RAW ? DLT_RAW : (int)linktype;
}

static int compile(struct pcap_expr *e, uint32_t linktype, char *err,
		   size_t errlen)
{
	struct compiled *c = &e->c[e->n];
	pcap_t *p;
	int ret = 0;

	if (e->n == MAX_LINKTYPES) {
		snprintf(err, errlen, "more than %d link types in one input",
			 MAX_LINKTYPES);
		return -EINVAL;
	}
	p = pcap_open_dead(dlt_of(linktype), SNAPLEN);
	if (!p)
		return -ENOMEM;
	/* Netmask 0, as tcpdump -r compiles: "ip broadcast" works. */
	if (pcap_compile(p, &c->prog, e->text, 1, 0) &&
	    (!e->dflt ||
	     pcap_compile(p, &c->prog, PCAP_EXPR_DEFAULT_NO_VLAN, 1, 0))) {
		snprintf(err, errlen, "%s", pcap_geterr(p));
		ret = -EINVAL;
	} else {
		c->linktype = linktype;
		e->n++;
	}
	pcap_close(p);
	return ret;
}

int pcap_expr_new(const char *expr, uint32_t linktype, struct pcap_expr **out,
		  char *err, size_t errlen)
{
	struct pcap_expr *e = calloc(1, sizeof(*e));
	unsigned int i;
	int ret;

	if (!e || !(e->text = strdup(expr ? expr : PCAP_EXPR_DEFAULT))) {
		free(e);
		return -ENOMEM;
	}
	e->dflt = !expr;
	ret = compile(e, linktype, err, errlen);
	if (!ret) {
		e->classic = calloc(e->c[0].prog.bf_len, sizeof(*e->classic));
		ret = e->classic ? 0 : -ENOMEM;
	}
	if (ret) {
		pcap_expr_free(e);
		return ret;
	}
	for (i = 0; i < e->c[0].prog.bf_len; i++) {
		const struct bpf_insn *in = &e->c[0].prog.bf_insns[i];

		e->classic[i] =
			(struct sock_filter){in->code, in->jt, in->jf, in->k};
	}
	*out = e;
	return 0;
}

int pcap_expr_check(const char *expr, uint32_t linktype, char *err,
		    size_t errlen)
{
	struct pcap_expr e = {.text = (char *)expr};
	int ret = compile(&e, linktype, err, errlen);

	if (!ret)
		pcap_freecode(&e.c[0].prog);
	return ret;
}

void pcap_expr_free(struct pcap_expr *e)
{
	unsigned int i;

	if (!e)
		return;
	for (i = 0; i < e->n; i++)
		pcap_freecode(&e->c[i].prog);
	free(e->classic);
	free(e->text);
	free(e);
}

const struct sock_filter *pcap_expr_insns(const struct pcap_expr *e,
					  size_t *len)
{
	*len = e->c[0].prog.bf_len;
	return e->classic;
}

int pcap_expr_prepare(struct pcap_expr *e, uint32_t linktype, char *err,
		      size_t errlen)
{
	unsigned int i;

	for (i = 0; i < e->n; i++)
		if (e->c[i].linktype == linktype)
			return 0;
	return compile(e, linktype, err, errlen);
}

int pcap_expr_match(struct pcap_expr *e, uint32_t linktype, const uint8_t *data,
		    uint32_t caplen, uint32_t wirelen, char *err, size_t errlen)
{
	struct pcap_pkthdr h = {.caplen = caplen, .len = wirelen};
	unsigned int i;
	int ret;

	for (i = 0; i < e->n && e->c[i].linktype != linktype; i++)
		;
	if (i == e->n) {
		ret = compile(e, linktype, err, errlen);
		if (ret)
			return ret;
	}
	return pcap_offline_filter(&e->c[i].prog, &h, data) != 0;
}

void pcap_expr_dump(const struct pcap_expr *e, FILE *f)
{
	const struct bpf_program *p = &e->c[0].prog;
	unsigned int i;

	for (i = 0; i < p->bf_len; i++)
		fprintf(f, "%s\n", bpf_image(&p->bf_insns[i], (int)i));
}
