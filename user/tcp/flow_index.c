// SPDX-License-Identifier: GPL-2.0
/*
 * flow_index: the flows.jsonl file (fields in flow_index.h).  It owns the
 * file's creation and its final check; the lines are formatted here, one
 * heap buffer each, and written by the callers through their writers.
 * Nothing here is shared between threads but the path.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "tcp/flow_index.h"

/*
 * Blocks reserved for flows.jsonl past its end (FALLOC_FL_KEEP_SIZE) when
 * it opens, so that on a full disk the index still takes the records of
 * the flows whose writes failed (about 8,000 lines of 500 bytes); freed
 * at close.
 */
#define FLOW_INDEX_RESERVE (4u << 20)

struct flow_index {
	int fd; /* for the final check */
	char *path;
};

struct ix_line {
	struct buf b;
	uint32_t len;
	char text[];
};

int flow_index_open(struct flow_index **out, const char *path)
{
	struct flow_index *ix = calloc(1, sizeof(*ix));
	int err;

	if (!ix)
		return -ENOMEM;
	ix->path = strdup(path);
	if (!ix->path) {
		free(ix);
		return -ENOMEM;
	}
	ix->fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (ix->fd < 0) {
		err = -errno;
		free(ix->path);
		free(ix);
		return err;
	}
	/* Best effort: a file system without fallocate just has no reserve. */
	if (fallocate(ix->fd, FALLOC_FL_KEEP_SIZE, 0, FLOW_INDEX_RESERVE))
		pr_debug("%s: no space reserved: %s\n", path, strerror(errno));
	*out = ix;
	return 0;
}

const char *flow_index_path(const struct flow_index *ix)
{
	return ix->path;
}

void flow_index_json_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	for (; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

void flow_index_json_time(FILE *f, const char *key, uint64_t ns)
{
	time_t sec = ns / 1000000000;
	char buf[64];
	struct tm tm;

	if (!gmtime_r(&sec, &tm) ||
	    !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm))
		buf[0] = 0;
	fprintf(f, "\"%s_ns\":%" PRIu64 ",\"%s\":\"%s.%09uZ\",", key, ns, key,
		buf, (unsigned int)(ns % 1000000000));
}

static void json_dir(FILE *f, const struct flow *fl, int d, const char *file,
		     long *at)
{
	const struct reasm *r = &fl->dir[d];
	const struct reasm_stats *st = &r->st;
	uint32_t i;

	fprintf(f, "{\"file\":");
	if (file)
		flow_index_json_str(f, file);
	else
		fputs("null", f);
	fprintf(f,
		",\"packets\":%" PRIu64 ",\"payload\":%" PRIu64
		",\"bytes\":%" PRIu64 ",\"length\":%" PRIu64
		",\"syn\":%s,\"midstream\":%s,\"fin\":%s,\"seq0\":%u,\"gaps\":[",
		fl->pkts[d], fl->payload[d], st->bytes, reasm_length(r),
		r->syn ? "true" : "false",
		!r->syn && st->segs ? "true" : "false",
		r->fin ? "true" : "false", r->base);
	for (i = 0; i < r->ngaps; i++)
		fprintf(f, "%s[%" PRIu64 ",%" PRIu64 "]", i ? "," : "",
			r->gaps[i].off, r->gaps[i].len);
	fprintf(f,
		"],\"gaps_truncated\":%s,\"gap_count\":%" PRIu64
		",\"gap_bytes\":%" PRIu64 ",\"overlaps\":%" PRIu64
		",\"overlap_bytes\":%" PRIu64 ",\"conflicts\":%" PRIu64
		",\"conflict_bytes\":%" PRIu64 ",\"late_bytes\":%" PRIu64
		",\"before_start\":%" PRIu64 ",\"after_fin\":%" PRIu64
		",\"out_of_window\":%" PRIu64 ",\"keepalives\":%" PRIu64
		",\"write_errors\":",
		r->gaps_truncated ? "true" : "false", st->gaps, st->gap_bytes,
		st->overlaps, st->overlap_bytes, st->conflicts,
		st->conflict_bytes, st->late_bytes, st->before_start,
		st->after_fin, st->out_of_window, st->keepalives);
	/* The value comes when the file's close completed. */
	*at = ftell(f);
	fputc('}', f);
}

struct flow_index_rec {
	char *text; /* the line without its two write_errors values */
	size_t len;
	long at[2]; /* where they go */
};

static void line_release(struct buf *b)
{
	free(b);
}

struct flow_index_rec *flow_index_record(const struct flow *fl,
					 enum flow_end why,
					 const char *const files[2])
{
	struct flow_index_rec *rec = calloc(1, sizeof(*rec));
	char a[64];
	FILE *f;
	int i;

	if (!rec)
		return NULL;
	f = open_memstream(&rec->text, &rec->len);
	if (!f) {
		free(rec);
		return NULL;
	}
	fprintf(f, "{\"id\":%" PRIu64 ",\"client\":", fl->id);
	flow_index_json_str(
		f, pkt_addr_str(&fl->addr[FLOW_C2S], fl->family, a, sizeof(a)));
	fprintf(f, ",\"client_port\":%u,\"server\":", fl->port[FLOW_C2S]);
	flow_index_json_str(
		f, pkt_addr_str(&fl->addr[FLOW_S2C], fl->family, a, sizeof(a)));
	fprintf(f, ",\"server_port\":%u,\"family\":%u,\"vlan\":[",
		fl->port[FLOW_S2C], fl->family);
	for (i = 0; i < fl->nvlan && i < PKT_VLAN_MAX; i++)
		fprintf(f, "%s%u", i ? "," : "", fl->vlan[i]);
	fputs("],", f);
	flow_index_json_time(f, "first", fl->first_ns);
	flow_index_json_time(f, "last", fl->last_ns);
	fprintf(f,
		"\"ended\":\"%s\",\"overlaps\":%" PRIu64
		",\"conflicts\":%" PRIu64 ",\"c2s\":",
		flow_end_name(why),
		fl->dir[0].st.overlaps + fl->dir[1].st.overlaps,
		fl->dir[0].st.conflicts + fl->dir[1].st.conflicts);
	json_dir(f, fl, FLOW_C2S, files[FLOW_C2S], &rec->at[FLOW_C2S]);
	fputs(",\"s2c\":", f);
	json_dir(f, fl, FLOW_S2C, files[FLOW_S2C], &rec->at[FLOW_S2C]);
	fputs("}\n", f);
	if (fclose(f) || !rec->text || rec->len > UINT32_MAX - 64) {
		flow_index_rec_free(rec);
		return NULL;
	}
	return rec;
}

void flow_index_rec_free(struct flow_index_rec *rec)
{
	if (rec) {
		free(rec->text);
		free(rec);
	}
}

/* A direction's write_errors value and the fields after it. */
static int late_values(char *p, const struct flow_index_out *o)
{
	return sprintf(p, "%" PRIu64 ",\"dropped_bytes\":%" PRIu64,
		       o->write_errors, o->dropped_bytes);
}

struct buf *flow_index_rec_line(struct flow_index_rec *rec,
				const struct flow_index_out out[2],
				const char **text, uint32_t *len)
{
	struct ix_line *l = malloc(sizeof(*l) + rec->len + 128);
	char *p;

	if (!l) {
		flow_index_rec_free(rec);
		return NULL;
	}
	l->b.refs = 1;
	l->b.release = line_release;
	p = l->text;
	memcpy(p, rec->text, rec->at[0]);
	p += rec->at[0];
	p += late_values(p, &out[0]);
	memcpy(p, rec->text + rec->at[0], rec->at[1] - rec->at[0]);
	p += rec->at[1] - rec->at[0];
	p += late_values(p, &out[1]);
	memcpy(p, rec->text + rec->at[1], rec->len - rec->at[1]);
	p += rec->len - rec->at[1];
	l->len = p - l->text;
	*text = l->text;
	*len = l->len;
	flow_index_rec_free(rec);
	return &l->b;
}

/*
 * A write cut short (disk full) leaves part of a line at the end: cut the
 * file back to its last whole line.  0, or -errno.
 */
static int cut_partial_line(int fd)
{
	char blk[4096];
	struct stat st;
	off_t end, at;
	ssize_t n, i;

	if (fstat(fd, &st))
		return -errno;
	end = st.st_size;
	while (end > 0) {
		at = end > (off_t)sizeof(blk) ? end - (off_t)sizeof(blk) : 0;
		n = pread(fd, blk, end - at, at);
		if (n != end - at)
			return n < 0 ? -errno : -EIO;
		for (i = n; i > 0; i--)
			if (blk[i - 1] == '\n')
				break;
		if (i > 0) {
			end = at + i;
			break;
		}
		end = at;
	}
	/* Also frees what is left of the reserve past the end. */
	if (ftruncate(fd, end))
		return -errno;
	return 0;
}

int flow_index_close(struct flow_index *ix)
{
	int err = cut_partial_line(ix->fd);

	if (close(ix->fd) && !err)
		err = -errno;
	free(ix->path);
	free(ix);
	return err;
}
