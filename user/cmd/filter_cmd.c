// SPDX-License-Identifier: GPL-2.0
/*
 * filter_cmd: `flowsplice filter`.  Compiles an expression and prints the
 * rule set the classifier would run, one term per line; with -i, installs
 * it in the classifier attached to an interface (a running capture, or
 * one loaded with xdp-loader) without stopping anything.
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
#include "parse/filter.h"
#include "lib/log.h"
#include "live/xdp_prog.h"

struct filter_opts {
	bool dump;
	const char *ifname;
	const char *pin_path;
	int verbose;
};

static const struct cli_cmd filter_cmd = {
	.name = "filter",
	.args = "[EXPR...]",
	.summary = "Check a filter expression and print the rule set it "
		   "compiles to, or\nreplace the rules of a running classifier "
		   "(-i) without stopping it.",
	.details = "Exit status: 0 success, 1 runtime error, 2 usage or parse "
		   "error.\n",
};

/* The table points into o, this run's options: on the parse's stack. */
static enum cli_result parse_opts(struct filter_opts *o, int argc, char **argv,
				  int *first)
{
	const struct cli_opt opts[] = {
		CLI_OPT("interface", 'i', CLI_STR, &o->ifname, "IFACE",
			"replace the rules of the classifier on IFACE"),
		CLI_OPT("pin-path", 0, CLI_STR, &o->pin_path, "DIR",
			"with -i: the classifier's maps are pinned in DIR"),
		CLI_OPT("dump", 0, CLI_FLAG, &o->dump, NULL,
			"with -i: print the rules in effect and counters"),
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

static void print_pred(FILE *f, const struct fs_pred *p)
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
	default:
		fprintf(f, "<predicate kind %u>", p->kind);
	}
}

/* One term per line: "term N: a and b and not c". */
static void print_rules(FILE *f, const struct fs_ruleset *rs)
{
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
			print_pred(f, &t->preds[j]);
		}
		fputc('\n', f);
	}
}

static int dump_live(const struct filter_opts *opt, struct xdp_prog *xp)
{
	static const char *const names[] = FS_STAT_NAMES;
	__u64 st[FS_STAT_MAX];
	struct fs_ruleset *rs = malloc(sizeof(*rs));
	int err, i;

	if (!rs)
		return -ENOMEM;
	err = xdp_prog_get_rules(xp, rs);
	if (!err)
		err = xdp_prog_read_stats(xp, st);
	if (!err) {
		printf("%s: generation %u, %s mode\n", opt->ifname,
		       rs->generation, xdp_prog_mode_name(xdp_prog_mode(xp)));
		print_rules(stdout, rs);
		for (i = 0; i < FS_STAT_MAX; i++)
			printf("%s %llu\n", names[i],
			       (unsigned long long)st[i]);
	} else {
		pr_warn("reading the classifier on %s: %s\n", opt->ifname,
			strerror(-err));
	}
	free(rs);
	return err;
}

/*
 * Install rs (may be NULL: only --dump) on the classifier of opt->ifname.
 * 0 or -errno, logged.
 */
static int apply_live(const struct filter_opts *opt,
		      const struct fs_ruleset *rs)
{
	struct xdp_prog *xp;
	int ifindex = if_nametoindex(opt->ifname), err;
	long gen;

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
	if (rs) {
		gen = xdp_prog_set_rules(xp, rs);
		if (gen < 0) {
			pr_warn("%s: installing the rules: %s\n", opt->ifname,
				strerror(-gen));
			err = gen;
		} else if (!opt->dump) {
			printf("%s: rules replaced, generation %ld\n",
			       opt->ifname, gen);
		}
	}
	if (!err && opt->dump)
		err = dump_live(opt, xp);
	xdp_prog_detach(xp);
	return err;
}

int cmd_filter(int argc, char **argv)
{
	struct filter_opts opt = {0};
	struct fs_ruleset *rs = NULL;
	char err[256], *expr = NULL;
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
		rs = malloc(sizeof(*rs));
		if (!expr || !rs) {
			pr_warn("out of memory\n");
			ret = -ENOMEM;
			goto out;
		}
		if (filter_parse(expr, rs, err, sizeof(err))) {
			pr_warn("%s\n", err);
			ret = CMD_USAGE;
			goto out;
		}
		if (!opt.ifname)
			print_rules(stdout, rs);
	}
	ret = opt.ifname ? apply_live(&opt, rs) : 0;
out:
	free(expr);
	free(rs);
	return ret;
}
