// SPDX-License-Identifier: GPL-2.0
/*
 * cli: option tables to getopt_long, value conversion with bounds, and the
 * generated --help text.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cli.h"
#include "lib/log.h"

#define CLI_MAX_OPTS 64

int cli_parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (end == s)
		return -EINVAL;
	if (errno)
		return -ERANGE;
	switch (*end) {
	case 'k':
	case 'K':
		shift = 10;
		end++;
		break;
	case 'm':
	case 'M':
		shift = 20;
		end++;
		break;
	case 'g':
	case 'G':
		shift = 30;
		end++;
		break;
	default:
		break;
	}
	if (*end == 'i' || *end == 'B')
		end += (*end == 'i' && end[1] == 'B') ? 2 : 1;
	if (*end)
		return -EINVAL;
	if (v > UINT64_MAX >> shift)
		return -ERANGE;
	*out = v << shift;
	return 0;
}

static int opt_count(const struct cli_cmd *cmd)
{
	int n = 0;

	while (cmd->opts && cmd->opts[n].name)
		n++;
	return n;
}

static void opt_label(const struct cli_opt *o, char *buf, size_t len)
{
	int n = 0;

	if (o->short_name)
		n = snprintf(buf, len, "-%c, ", o->short_name);
	else
		n = snprintf(buf, len, "    ");
	n += snprintf(buf + n, len - n, "--%s", o->name);
	if (o->type != CLI_FLAG && o->type != CLI_COUNT)
		snprintf(buf + n, len - n, " %s",
			 o->metavar ? o->metavar : "ARG");
}

/* Print text from column col, wrapped at 80 columns, then a newline. */
static void print_wrapped(FILE *f, const char *text, int col)
{
	const char *p = text;
	int pos = col;

	while (*p) {
		const char *sp = strchr(p, ' ');
		int wlen = sp ? (int)(sp - p) : (int)strlen(p);

		if (pos > col && pos + 1 + wlen > 80) {
			fprintf(f, "\n%*s", col, "");
			pos = col;
		} else if (pos > col) {
			fputc(' ', f);
			pos++;
		}
		fwrite(p, 1, wlen, f);
		pos += wlen;
		p += wlen;
		while (*p == ' ')
			p++;
	}
	fputc('\n', f);
}

/* A size as it would be typed: 8M, 64K, 1000. */
static int size_str(char *buf, size_t len, uint64_t v)
{
	static const char units[] = "KMG";
	int i = -1;

	while (i < 2 && v && !(v & 1023)) {
		v >>= 10;
		i++;
	}
	return snprintf(buf, len, "%" PRIu64 "%.*s", v, i >= 0,
			i >= 0 ? &units[i] : "");
}

static int default_str(const struct cli_opt *o, char *buf, size_t len)
{
	switch (o->type) {
	case CLI_SIZE:
		return size_str(buf, len, o->def);
	case CLI_ENUM:
		return snprintf(buf, len, "%s", o->choices[o->def]);
	default:
		return snprintf(buf, len, "%" PRIu64, o->def);
	}
}

void cli_usage(const struct cli_cmd *cmd, FILE *f)
{
	char label[64];
	int i, n = opt_count(cmd);

	fprintf(f, "Usage: flowsplice %s [OPTIONS] %s\n\n%s\n\nOptions:\n",
		cmd->name, cmd->args ? cmd->args : "", cmd->summary);
	for (i = 0; i < n; i++) {
		const struct cli_opt *o = &cmd->opts[i];

		char text[512];
		int n;

		opt_label(o, label, sizeof(label));
		n = snprintf(text, sizeof(text), "%s", o->help);
		if (o->type == CLI_ENUM) {
			const char *const *c;

			n += snprintf(text + n, sizeof(text) - n, " [");
			for (c = o->choices; *c && n < (int)sizeof(text); c++)
				n += snprintf(text + n, sizeof(text) - n,
					      "%s%s", *c, c[1] ? "|" : "]");
		}
		if (o->has_def && n < (int)sizeof(text)) {
			n += snprintf(text + n, sizeof(text) - n,
				      " (default: ");
			if (n < (int)sizeof(text))
				n += default_str(o, text + n, sizeof(text) - n);
			if (n < (int)sizeof(text))
				snprintf(text + n, sizeof(text) - n, ")");
		}
		if (strlen(label) > 28)
			fprintf(f, "  %s\n%*s", label, 31, "");
		else
			fprintf(f, "  %-28s ", label);
		print_wrapped(f, text, 31);
	}
	fprintf(f, "  %-28s %s\n", "-h, --help", "show this help and exit");
	if (cmd->details)
		fprintf(f, "\n%s", cmd->details);
}

static int set_value(const struct cli_opt *o, const char *arg)
{
	uint64_t v, max;
	char *end;
	int i, ret;

	switch (o->type) {
	case CLI_FLAG:
		*(bool *)o->dest = true;
		return 0;
	case CLI_COUNT:
		(*(int *)o->dest)++;
		return 0;
	case CLI_STR:
		if (!*arg)
			break;
		*(const char **)o->dest = arg;
		return 0;
	case CLI_UINT:
		errno = 0;
		v = strtoull(arg, &end, 10);
		if (end == arg || *end || *arg == '-')
			break;
		max = o->max ? o->max : UINT32_MAX;
		if (errno || v < o->min || v > max)
			goto range;
		*(unsigned int *)o->dest = v;
		return 0;
	case CLI_SIZE:
		ret = cli_parse_size(arg, &v);
		if (ret == -EINVAL)
			break;
		max = o->max ? o->max : UINT64_MAX;
		if (ret || v < o->min || v > max)
			goto range;
		*(uint64_t *)o->dest = v;
		return 0;
	case CLI_ENUM:
		for (i = 0; o->choices[i]; i++) {
			if (!strcmp(arg, o->choices[i])) {
				*(int *)o->dest = i;
				return 0;
			}
		}
		break;
	}
	pr_warn("invalid value '%s' for --%s\n", arg, o->name);
	return -EINVAL;
range:
	pr_warn("--%s %s out of range (%" PRIu64 "..%" PRIu64 "%s)\n", o->name,
		arg, o->min, max, o->type == CLI_SIZE ? " bytes" : "");
	return -ERANGE;
}

static void set_default(const struct cli_opt *o)
{
	switch (o->type) {
	case CLI_UINT:
		*(unsigned int *)o->dest = o->def;
		break;
	case CLI_SIZE:
		*(uint64_t *)o->dest = o->def;
		break;
	case CLI_ENUM:
		*(int *)o->dest = o->def;
		break;
	default:
		break;
	}
}

enum cli_result cli_parse(const struct cli_cmd *cmd, int argc, char **argv,
			  int *first_arg)
{
	struct option lopts[CLI_MAX_OPTS + 2];
	char sopts[CLI_MAX_OPTS * 2 + 4];
	int i, n = opt_count(cmd), s = 0, c, idx;

	if (n > CLI_MAX_OPTS)
		n = CLI_MAX_OPTS;
	/*
	 * GNU getopt permutes: options may follow the filter, as with
	 * tcpdump ("tcp port 80 -w x.pcap").  Filter tokens never start
	 * with '-'.
	 */
	sopts[s++] = ':';
	for (i = 0; i < n; i++) {
		const struct cli_opt *o = &cmd->opts[i];
		int has_arg = o->type != CLI_FLAG && o->type != CLI_COUNT;

		if (o->has_def)
			set_default(o);
		lopts[i] = (struct option){
			o->name, has_arg ? required_argument : no_argument,
			NULL, 256 + i};
		if (o->short_name) {
			sopts[s++] = o->short_name;
			if (has_arg)
				sopts[s++] = ':';
		}
	}
	lopts[n] = (struct option){"help", no_argument, NULL, 'h'};
	lopts[n + 1] = (struct option){0};
	sopts[s++] = 'h';
	sopts[s] = 0;

	log_set_cmd(cmd->name);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, sopts, lopts, &idx)) != -1) {
		const struct cli_opt *o = NULL;

		if (c == 'h') {
			cli_usage(cmd, stdout);
			return CLI_HELP;
		}
		if (c == '?' || c == ':') {
			const char *bad = argv[optind - 1];

			if (optopt && optopt < 256)
				pr_warn(c == ':' ? "option -%c needs a value\n"
						 : "unknown option -%c\n",
					optopt);
			else
				pr_warn(c == ':' ? "option %s needs a value\n"
						 : "unknown option %s\n",
					bad);
			fprintf(stderr, "Try 'flowsplice %s --help'.\n",
				cmd->name);
			return CLI_USAGE;
		}
		if (c >= 256)
			o = &cmd->opts[c - 256];
		for (i = 0; !o && i < n; i++)
			if (cmd->opts[i].short_name == c)
				o = &cmd->opts[i];
		if (!o || set_value(o, optarg))
			return CLI_USAGE;
	}
	*first_arg = optind;
	return CLI_OK;
}
