// SPDX-License-Identifier: GPL-2.0
/*
 * filter_cmd: `flowsplice filter`.  Plans an expression (filter_plan.h),
 * prints the path it takes and the rule set, one term per line, or the
 * size of the translated program (-d: libpcap's classic program and the
 * eBPF it became); with -i, puts it into effect on the classifier
 * attached to an interface (a running capture, or one loaded with
 * xdp-loader) without stopping anything.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cli.h"
#include "cmd/commands.h"
#include "parse/cbpf_xlate.h"
#include "parse/filter.h"
#include "parse/filter_plan.h"
#include "lib/log.h"
#include "live/xdp_filter.h"
#include "live/xdp_prog.h"

struct filter_opts {
	bool dump;
	bool print_prog;
	const char *ifname;
	const char *pin_path;
	int verbose;
};

static const struct cli_cmd filter_cmd = {
	.name = "filter",
	.args = "[EXPR...]",
	.summary = "Check a filter expression (libpcap's pcap-filter "
		   "syntax) and print the path\nit takes in XDP: the rule set, "
		   "or libpcap's program translated to eBPF;\nwith -i, replace "
		   "the filter of a running classifier without stopping it.",
	.details = "Exit status: 0 success, 1 runtime error, 2 usage or parse "
		   "error.\n",
};

/* The table points into o, this run's options: on the parse's stack. */
static enum cli_result parse_opts(struct filter_opts *o, int argc, char **argv,
				  int *first)
{
	const struct cli_opt opts[] = {
		CLI_OPT("interface", 'i', CLI_STR, &o->ifname, "IFACE",
			"put the filter into effect on the classifier on IFACE"),
		CLI_OPT("pin-path", 0, CLI_STR, &o->pin_path, "DIR",
			"with -i: the classifier's maps are pinned in DIR"),
		CLI_OPT("dump", 0, CLI_FLAG, &o->dump, NULL,
			"with -i: print the filter in effect and counters"),
		CLI_OPT("print-program", 'd', CLI_FLAG, &o->print_prog, NULL,
			"print libpcap's classic program (as tcpdump -d) and "
			"the eBPF it is translated to"),
		CLI_OPT("verbose", 'v', CLI_COUNT, &o->verbose, NULL,
			"more messages (-v -v: debug)"),
		CLI_OPT_END,
	};
	struct cli_cmd cmd = filter_cmd;

	cmd.opts = opts;
	return cli_parse(&cmd, argc, argv, first);
}

/* Prefix length of a contiguous mask, or -1. */
static int mask_len(const __u32 *mask, int words)
{
	int i, b, rem, len = 0;
	__u32 want;

	for (i = 0; i < words; i++) {
		for (b = 0; b < 32 && (ntohl(mask[i]) & (0x80000000u >> b));
		     b++)
			len++;
		if (b < 32)
			break;
	}
	for (i = 0; i < words; i++) {
		rem = len - 32 * i;
		want = rem >= 32 ? ~0u : rem <= 0 ? 0 : ~0u << (32 - rem);
		if (ntohl(mask[i]) != want)
			return -1;
	}
	return len;
}

static const char *dir_word(int dir)
{
	return dir == FS_DIR_SRC ? "src " : dir == FS_DIR_DST ? "dst " : "";
}

static void print_addr(FILE *f, const struct fs_pred *p)
{
	int af = p->family == 6 ? AF_INET6 : AF_INET;
	int bits = p->family == 6 ? 128 : 32;
	int len = mask_len(p->mask, p->family == 6 ? 4 : 1);
	char a[INET6_ADDRSTRLEN] = "?", m[INET6_ADDRSTRLEN] = "?";

	inet_ntop(af, p->addr, a, sizeof(a));
	if (len == bits)
		fprintf(f, "%shost %s", dir_word(p->dir), a);
	else if (len >= 0)
		fprintf(f, "%snet %s/%d", dir_word(p->dir), a, len);
	else
		fprintf(f, "%snet %s mask %s", dir_word(p->dir), a,
			inet_ntop(af, p->mask, m, sizeof(m)) ? m : "?");
}

/* Set members shown before "... N more". */
#define SHOW_MEMBERS 8

static void print_member(FILE *f, int kind, const struct filter_member *m)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (kind == FS_PRED_PORT_SET) {
		fprintf(f, "%u", m->port);
		return;
	}
	inet_ntop(m->family == 6 ? AF_INET6 : AF_INET, m->addr, a, sizeof(a));
	if (kind == FS_PRED_NET_SET)
		fprintf(f, "%s/%u", a, m->plen);
	else
		fputs(a, f);
}

/* "host {198.18.0.1, 198.18.0.2, ... 998 more}" */
static void print_set(FILE *f, const struct filter_rules *r,
		      const struct fs_pred *p)
{
	static const char *const words[] = {"host", "net", "port"};
	const struct filter_set *s = &r->sets[p->set % FS_MAX_SETS];
	__u32 i;

	fprintf(f, "%s%s {", dir_word(p->dir),
		words[p->kind - FS_PRED_HOST_SET]);
	for (i = 0; p->set < r->nsets && i < s->n && i < SHOW_MEMBERS; i++) {
		if (i)
			fputs(", ", f);
		print_member(f, p->kind, &s->m[i]);
	}
	if (p->set < r->nsets && s->n > SHOW_MEMBERS)
		fprintf(f, ", ... %u more", s->n - SHOW_MEMBERS);
	fputc('}', f);
}

static void print_pred(FILE *f, const struct filter_rules *r,
		       const struct fs_pred *p)
{
	if (p->negate)
		fputs("not ", f);
	switch (p->kind) {
	case FS_PRED_L3:
		fputs(p->family == 6 ? "ip6" : "ip", f);
		break;
	case FS_PRED_L4:
		if (p->proto == IPPROTO_TCP)
			fputs("tcp", f);
		else if (p->proto == IPPROTO_UDP)
			fputs("udp", f);
		else
			fprintf(f, "proto %u", p->proto);
		break;
	case FS_PRED_ADDR:
		print_addr(f, p);
		break;
	case FS_PRED_PORT:
		if (p->port_lo == p->port_hi)
			fprintf(f, "%sport %u", dir_word(p->dir), p->port_lo);
		else
			fprintf(f, "%sportrange %u-%u", dir_word(p->dir),
				p->port_lo, p->port_hi);
		break;
	case FS_PRED_HOST_SET:
	case FS_PRED_NET_SET:
	case FS_PRED_PORT_SET:
		print_set(f, r, p);
		break;
	default:
		fprintf(f, "<predicate kind %u>", p->kind);
	}
}

/*
 * One term per line: "term N: a and b and not c", then a line per set:
 * "set N: M hosts" (the members in the terms are the first few).
 */
static void print_rules(FILE *f, const struct filter_rules *r)
{
	static const char *const words[] = {"hosts", "nets", "ports"};
	const struct fs_ruleset *rs = &r->rs;
	unsigned int i, j, n = rs->nterms;

	if (!n) {
		fprintf(f, "no terms: matches nothing\n");
		return;
	}
	if (n > FS_MAX_TERMS)
		n = FS_MAX_TERMS;
	for (i = 0; i < n; i++) {
		const struct fs_term *t = &rs->terms[i];
		unsigned int np =
			t->npreds < FS_MAX_PREDS ? t->npreds : FS_MAX_PREDS;

		fprintf(f, "term %u: ", i + 1);
		if (!np)
			fputs("(always true)", f);
		for (j = 0; j < np; j++) {
			if (j)
				fputs(" and ", f);
			print_pred(f, r, &t->preds[j]);
		}
		fputc('\n', f);
	}
	for (i = 0; i < r->nsets && i < FS_MAX_SETS; i++)
		if (r->sets[i].kind >= FS_PRED_HOST_SET)
			fprintf(f, "set %u: %u %s\n", i + 1, r->sets[i].n,
				words[r->sets[i].kind - FS_PRED_HOST_SET]);
}

static int dump_live(const struct filter_opts *opt, struct xdp_prog *xp)
{
	static const char *const names[] = FS_STAT_NAMES;
	__u64 st[FS_STAT_MAX];
	struct filter_rules *rs = malloc(sizeof(*rs));
	__u32 id = 0;
	int err, i;

	if (!rs)
		return -ENOMEM;
	err = xdp_prog_get_rules(xp, rs);
	if (!err)
		err = xdp_prog_read_stats(xp, st);
	if (!err)
		err = xdp_prog_filter_id(xp, &id);
	if (!err) {
		printf("%s: generation %u, %s mode\n", opt->ifname,
		       rs->rs.generation,
		       xdp_prog_mode_name(xdp_prog_mode(xp)));
		if (id)
			printf("translated filter: program %u (decides every "
			       "frame; the rules below are idle)\n",
			       id);
		print_rules(stdout, rs);
		for (i = 0; i < FS_STAT_MAX; i++)
			printf("%s %llu\n", names[i],
			       (unsigned long long)st[i]);
	} else {
		pr_warn("reading the classifier on %s: %s\n", opt->ifname,
			strerror(-err));
	}
	if (!err)
		filter_rules_free(rs);
	free(rs);
	return err;
}

/*
 * Put fp (may be NULL: only --dump) into effect on the classifier of
 * opt->ifname.  0 or -errno, logged.
 */
static int apply_live(const struct filter_opts *opt, struct filter_plan *fp)
{
	struct xdp_prog *xp;
	int ifindex = if_nametoindex(opt->ifname), err;
	char why[256] = "";
	struct filter_rules *rs;

	if (!ifindex) {
		pr_warn("%s: no such interface\n", opt->ifname);
		return -ENODEV;
	}
	err = xdp_prog_find(ifindex, opt->pin_path, &xp);
	if (err) {
		if (err == -ENOENT)
			pr_warn("%s: no flowsplice classifier attached\n",
				opt->ifname);
		else if (err == -ESTALE)
			pr_warn("%s: %s does not hold the maps of the attached "
				"classifier\n",
				opt->ifname, opt->pin_path);
		else
			pr_warn("%s: %s\n", opt->ifname, strerror(-err));
		return err;
	}
	if (fp) {
		err = xdp_filter_apply(xp, fp, why, sizeof(why));
		rs = malloc(sizeof(*rs));
		if (err)
			pr_warn("%s: %s\n", opt->ifname, why);
		else if (!opt->dump && fp->path == FILTER_PATH_BPF)
			printf("%s: translated filter installed\n",
			       opt->ifname);
		else if (!opt->dump && rs && !xdp_prog_get_rules(xp, rs)) {
			printf("%s: rules replaced, generation %u\n",
			       opt->ifname, rs->rs.generation);
			filter_rules_free(rs);
		}
		free(rs);
	}
	if (!err && opt->dump)
		err = dump_live(opt, xp);
	xdp_prog_detach(xp);
	return err;
}

/* -d: libpcap's program, then the eBPF (with placeholder map fds). */
static int print_program(struct filter_plan *fp)
{
	const struct cbpf_maps maps = {-1, -1, -1};
	const struct sock_filter *classic;
	struct pcap_expr *px;
	struct cbpf_prog ep;
	char err[200], line[96];
	size_t n, i;
	int ret;

	px = filter_plan_pcap(fp, err, sizeof(err));
	if (!px) {
		pr_warn("%s\n", err);
		return CMD_USAGE;
	}
	classic = pcap_expr_insns(px, &n);
	printf("classic BPF (libpcap, %zu instructions):\n", n);
	pcap_expr_dump(px, stdout);
	ret = cbpf_xlate(classic, n, &maps, &ep, err, sizeof(err));
	if (ret) {
		pr_warn("translating: %s\n",
			ret == -EINVAL ? err : strerror(-ret));
		return ret == -EINVAL ? CMD_USAGE : ret;
	}
	printf("eBPF (%zu instructions):\n", ep.len);
	for (i = 0; i < ep.len; i++) {
		cbpf_ebpf_image(&ep.insns[i], line, sizeof(line));
		printf("(%04zu) %s\n", i, line);
	}
	cbpf_prog_free(&ep);
	return 0;
}

/* Without -i: the path, and what runs there. */
static int print_plan(const struct filter_opts *opt, struct filter_plan *fp)
{
	const struct sock_filter *classic;
	struct cbpf_prog ep;
	char err[200];
	size_t n;
	int ret;

	printf("path: %s\n", fp->why);
	if (fp->path == FILTER_PATH_RULES) {
		print_rules(stdout, &fp->rules);
	} else if (!opt->print_prog) {
		/* The translator must take it: say so now, not at -i. */
		classic = pcap_expr_insns(fp->px, &n);
		ret = cbpf_xlate(classic, n, NULL, &ep, err, sizeof(err));
		if (ret) {
			pr_warn("translating: %s\n",
				ret == -EINVAL ? err : strerror(-ret));
			return ret == -EINVAL ? CMD_USAGE : ret;
		}
		printf("classic: %zu instructions, eBPF: %zu instructions\n", n,
		       ep.len);
		cbpf_prog_free(&ep);
	}
	return opt->print_prog ? print_program(fp) : 0;
}

int cmd_filter(int argc, char **argv)
{
	struct filter_opts opt = {0};
	struct filter_plan *fp = NULL;
	char err[512], *expr = NULL;
	int first, ret;

	ret = parse_opts(&opt, argc, argv, &first);
	if (ret != CLI_OK)
		return ret == CLI_HELP ? 0 : CMD_USAGE;
	/* Only what went wrong, unless asked: stdout is the result. */
	log_set_level(opt.verbose > 1 ? LOG_LVL_DEBUG
		      : opt.verbose   ? LOG_LVL_INFO
				      : LOG_LVL_WARN);
	if ((opt.dump || opt.pin_path) && !opt.ifname) {
		pr_warn("--%s needs -i IFACE\n",
			opt.dump ? "dump" : "pin-path");
		return CMD_USAGE;
	}
	if (first >= argc && !opt.dump) {
		pr_warn("no expression given\n"
			"Try 'flowsplice filter --help'.\n");
		return CMD_USAGE;
	}
	if (first < argc) {
		expr = filter_join_args(argc - first, argv + first);
		if (!expr) {
			pr_warn("out of memory\n");
			return -ENOMEM;
		}
		ret = filter_plan_new(expr, &fp, err, sizeof(err));
		if (ret) {
			/* libpcap's own words. */
			if (ret == -EINVAL)
				pr_warn("%s\n", err);
			ret = ret == -EINVAL ? CMD_USAGE : ret;
			goto out;
		}
		if (opt.ifname && opt.print_prog)
			ret = print_program(fp);
		else if (!opt.ifname)
			ret = print_plan(&opt, fp);
	}
	if (!ret && opt.ifname)
		ret = apply_live(&opt, fp);
	if (!ret && opt.ifname && fp)
		printf("path: %s\n", fp->why);
out:
	free(expr);
	filter_plan_free(fp);
	return ret;
}
