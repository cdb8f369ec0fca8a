// SPDX-License-Identifier: GPL-2.0
/*
 * pcap_merge: several pcap_outs (each with its own writer, as workers)
 * into one merged file or series: every record once and whole, in each
 * writer's order, in both layouts (pcapng padded to aligned regions, pcap
 * exact); rotation by size and by time at one boundary for all; -W's
 * ring of names; a full disk ends the file at its last complete region,
 * the records cut counted as lost.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "out/pcap_out.h"
#include "parse/pkt.h"
#include "testlib.h"

#define NW 2
#define MAXREC 20000

struct frame {
	struct buf b;
	uint8_t pkt[2048];
};

static void frame_release(struct buf *b)
{
	(void)b;
}

/* What the test's files were told (on_file). */
struct told {
	int finished, retired;
	char last[4096];
	uint64_t bytes[256];
};

static int on_file(void *ctx, const struct pcap_out_file *f)
{
	struct told *t = ctx;

	if (f->kind == PCAP_OUT_RETIRED) {
		t->retired++;
		unlink(f->path); /* as retain would */
		return 0;
	}
	if (t->finished < 256)
		t->bytes[t->finished] = f->bytes;
	t->finished++;
	snprintf(t->last, sizeof(t->last), "%s", f->path);
	return 0;
}

struct run {
	struct pcap_merge *m;
	struct pcap_out *po[NW];
	struct writer *w[NW];
	struct told told;
	int format;
};

static int run_open(struct run *r, const char *path, int format,
		    uint64_t rotate_bytes, unsigned int rotate_secs,
		    unsigned int max_files)
{
	struct pcap_out_opts o = {
		.linktype = LINKTYPE_ETHERNET, .format = format, .path = path};
	uint8_t hdr[4096];
	struct pcap_merge_opts mo = {
		.path = path,
		.rotate_bytes = rotate_bytes,
		.rotate_secs = rotate_secs,
		.max_files = max_files,
		.aligned = format == PCAP_OUT_PCAPNG,
		.hdr = hdr,
		.flush_ms = 0,
		.on_file = on_file,
		.on_file_ctx = &r->told,
	};
	int i, ret;

	memset(r, 0, sizeof(*r));
	r->format = format;
	CHECK_EQ(pcap_out_header(&o, hdr, sizeof(hdr), &mo.hdr_len), 0);
	ret = pcap_merge_create(&r->m, &mo);
	if (ret)
		return ret;
	o.merge = r->m;
	for (i = 0; i < NW; i++) {
		CHECK_EQ(writer_create(&r->w[i], NULL), 0);
		CHECK_EQ(pcap_out_open(&r->po[i], r->w[i], &o), 0);
	}
	return 0;
}

/* Record id (its bytes 14..17) of len bytes at ts by writer i. */
static int put(struct run *r, int i, uint32_t id, uint32_t len, uint64_t ts)
{
	struct frame fr = {.b = {.refs = 1, .release = frame_release}};
	struct iovec iov = {fr.pkt, len};
	struct buf *b = &fr.b;

	memset(fr.pkt, 0xff, 12);
	fr.pkt[12] = 0x88;
	fr.pkt[13] = 0xb5;
	memcpy(fr.pkt + 14, &id, 4);
	memset(fr.pkt + 18, (uint8_t)id, len - 18);
	return pcap_out_record(r->po[i], ts, NULL, &iov, &b, 1, len);
}

static void run_turn(struct run *r)
{
	int i;

	for (i = 0; i < NW; i++) {
		pcap_out_poll(r->po[i]);
		writer_submit(r->w[i]);
	}
	pcap_merge_poll(r->m);
}

static uint64_t kept; /* records the last run_close says are in the files */

static int run_close(struct run *r, uint64_t *lost)
{
	int i, ret = 0, k;

	for (i = 0; i < NW; i++) {
		k = pcap_out_finish(r->po[i]);
		ret = ret ? ret : k;
	}
	k = pcap_merge_close(r->m);
	ret = ret ? ret : k;
	*lost = 0;
	kept = 0;
	for (i = 0; i < NW; i++) {
		*lost += pcap_out_lost(r->po[i]);
		kept += pcap_out_records(r->po[i]);
		pcap_out_close(r->po[i]);
		writer_destroy(r->w[i]);
	}
	pcap_merge_destroy(r->m);
	return ret;
}

/*
 * Walk a file: every record whole up to its exact end; ids seen counted
 * into seen[], each record's timestamp checked in [lo, hi).  Returns the
 * records, or -1; *pads: padding blocks.
 */
static int walk(const char *path, int format, uint8_t *seen, uint64_t lo,
		uint64_t hi, int *pads)
{
	struct stat sb;
	uint8_t *d;
	uint64_t off, n;
	int fd = open(path, O_RDONLY), recs = 0;

	*pads = 0;
	if (fd < 0 || fstat(fd, &sb))
		return -1;
	n = sb.st_size;
	d = malloc(n + 1);
	if (!d || read(fd, d, n) != (ssize_t)n) {
		close(fd);
		free(d);
		return -1;
	}
	close(fd);
	off = format == PCAP_OUT_PCAPNG ? 0 : 24;
	while (off < n) {
		uint32_t h[7] = {0}, id, len, cap;
		uint64_t ts;

		memcpy(h, d + off, n - off < 28 ? n - off : 28);
		if (format == PCAP_OUT_PCAPNG) {
			len = h[1];
			if (len < 12 || off + len > n || len % 4)
				goto bad;
			if (h[0] == PCAPNG_PAD)
				(*pads)++;
			if (h[0] != PCAPNG_EPB) {
				off += len;
				continue;
			}
			ts = (uint64_t)h[3] << 32 | h[4];
			cap = h[5];
			memcpy(&id, d + off + 28 + 14, 4);
		} else {
			cap = h[2];
			len = 16 + cap;
			if (!cap || off + len > n)
				goto bad;
			ts = h[0] * 1000000000ull + h[1];
			memcpy(&id, d + off + 16 + 14, 4);
		}
		if (id >= MAXREC || ts < lo || ts >= hi || cap < 18)
			goto bad;
		seen[id]++;
		recs++;
		off += len;
	}
	free(d);
	return recs;
bad:
	fprintf(stderr, "%s: bad record at %llu\n", path,
		(unsigned long long)off);
	free(d);
	return -1;
}

/* tcpdump (if there) reads the file without complaint, records as many. */
static void readers_agree(const char *path, int recs)
{
	char cmd[4200];

	snprintf(
		cmd, sizeof(cmd),
		"command -v tcpdump >/dev/null || exit 0; "
		"tcpdump -nr %s 2>&1 >/dev/null | grep -qiE 'error|trunc' && "
		"exit 1; test $(tcpdump -nr %s 2>/dev/null | grep -vc '^[[:space:]]') -eq %d",
		path, path, recs);
	if (system(cmd)) {
		CHECK(!"tcpdump reads the file as written");
		snprintf(cmd, sizeof(cmd),
			 "tcpdump -nr %s 2>&1 >/dev/null | head -3; "
			 "cp %s /tmp/fs-merge-failed.pcap",
			 path, path);
		if (system(cmd))
			fprintf(stderr, "(could not show why)\n");
	}
}

/* Both writers, interleaved, varied lengths: each record once. */
static void merged_one(int format)
{
	static uint8_t seen[MAXREC];
	struct run r;
	char path[256];
	uint64_t lost;
	int i, pads, n = 6000;

	snprintf(path, sizeof(path), "%s/m.%d", t_tmpdir(), format);
	CHECK_EQ(run_open(&r, path, format, 0, 0, 0), 0);
	for (i = 0; i < n; i++) {
		CHECK_EQ(put(&r, i % 3 == 0, i, 60 + (i * 37) % 1441,
			     1000000000ull + i),
			 0);
		if (i % 100 == 0)
			run_turn(&r);
	}
	CHECK_EQ(run_close(&r, &lost), 0);
	CHECK_EQ(lost, 0);
	memset(seen, 0, sizeof(seen));
	CHECK_EQ(walk(path, format, seen, 0, UINT64_MAX, &pads), n);
	for (i = 0; i < n; i++)
		CHECK_EQ(seen[i], 1);
	/* pcapng: regions end padded; pcap: none (there is no such record) */
	CHECK(format == PCAP_OUT_PCAPNG ? pads > 1 : pads == 0);
	CHECK_EQ(r.told.finished, 1);
	readers_agree(path, n);
}

static void merged(void)
{
	merged_one(PCAP_OUT_PCAP);
	merged_one(PCAP_OUT_PCAPNG);
}

/* -C: files r, r1, r2, ... each within the size, every record once. */
static void rotate_size_one(int format)
{
	static uint8_t seen[MAXREC];
	struct run r;
	char base[256], path[300];
	uint64_t lost, limit = 300000;
	int i, f, pads, n = 8000, total = 0;
	struct stat sb;

	snprintf(base, sizeof(base), "%s/s.%d", t_tmpdir(), format);
	CHECK_EQ(run_open(&r, base, format, limit, 0, 0), 0);
	for (i = 0; i < n; i++) {
		CHECK_EQ(put(&r, i & 1, i, 200 + i % 300, 1000000000ull + i),
			 0);
		if (i % 64 == 0)
			run_turn(&r);
	}
	CHECK_EQ(run_close(&r, &lost), 0);
	CHECK_EQ(lost, 0);
	memset(seen, 0, sizeof(seen));
	for (f = 0;; f++) {
		if (f)
			snprintf(path, sizeof(path), "%s%d", base, f);
		else
			snprintf(path, sizeof(path), "%s", base);
		if (stat(path, &sb))
			break;
		/* within the size, the statistics block aside */
		CHECK(sb.st_size <= (off_t)limit);
		CHECK(f >= 256 || r.told.bytes[f] == (uint64_t)sb.st_size);
		i = walk(path, format, seen, 0, UINT64_MAX, &pads);
		CHECK(i > 0);
		total += i;
		readers_agree(path, i);
	}
	CHECK(f > 3);
	CHECK_EQ(r.told.finished, f);
	CHECK_EQ(total, n);
	for (i = 0; i < n; i++)
		CHECK_EQ(seen[i], 1);
}

static void rotate_size(void)
{
	rotate_size_one(PCAP_OUT_PCAP);
	rotate_size_one(PCAP_OUT_PCAPNG);
}

/* -G 2: one file per interval, its records inside it, whoever wrote them. */
static void rotate_time(void)
{
	static uint8_t seen[MAXREC];
	struct run r;
	char base[256], path[300], stamp[32];
	uint64_t lost, t0, sec;
	time_t now = time(NULL), s;
	int i, pads, n = 3000, total = 0, files = 0;
	struct tm tm;

	snprintf(base, sizeof(base), "%s/t.pcap", t_tmpdir());
	CHECK_EQ(run_open(&r, base, PCAP_OUT_PCAP, 0, 2, 0), 0);
	/* from the interval we start in, 10 seconds of records */
	t0 = (uint64_t)(now - now % 2) * 1000000000ull;
	for (i = 0; i < n; i++) {
		CHECK_EQ(put(&r, (i / 7) & 1, i, 100, t0 + i * 3333333ull), 0);
		if (i % 50 == 0)
			run_turn(&r);
	}
	CHECK_EQ(run_close(&r, &lost), 0);
	CHECK_EQ(lost, 0);
	memset(seen, 0, sizeof(seen));
	for (sec = t0 / 1000000000ull; sec < t0 / 1000000000ull + 12;
	     sec += 2) {
		s = sec;
		gmtime_r(&s, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
		snprintf(path, sizeof(path), "%s.%s", base, stamp);
		if (access(path, F_OK))
			continue;
		files++;
		i = walk(path, PCAP_OUT_PCAP, seen, sec * 1000000000ull,
			 (sec + 2) * 1000000000ull, &pads);
		CHECK(i > 0);
		total += i;
	}
	CHECK_EQ(files, 5);
	CHECK_EQ(total, n);
	for (i = 0; i < n; i++)
		CHECK_EQ(seen[i], 1);
}

/* -C -W 3: names r0, r1, r2 cycle; the files they held are handed over. */
static void ring(void)
{
	static uint8_t seen[MAXREC];
	struct run r;
	char base[256], path[300];
	uint64_t lost;
	int i, f, pads, n = 8000, recs;

	snprintf(base, sizeof(base), "%s/w.pcap", t_tmpdir());
	CHECK_EQ(run_open(&r, base, PCAP_OUT_PCAP, 200000, 0, 3), 0);
	for (i = 0; i < n; i++) {
		CHECK_EQ(put(&r, i & 1, i, 300, 1000000000ull + i), 0);
		run_turn(&r);
	}
	CHECK_EQ(run_close(&r, &lost), 0);
	CHECK_EQ(lost, 0);
	CHECK(r.told.finished > 6);
	CHECK_EQ(r.told.retired, r.told.finished - 3);
	memset(seen, 0, sizeof(seen));
	for (f = 0; f < 3; f++) {
		snprintf(path, sizeof(path), "%s%d", base, f);
		recs = walk(path, PCAP_OUT_PCAP, seen, 0, UINT64_MAX, &pads);
		CHECK(recs > 0);
	}
	/* the newest records are the ones left */
	CHECK_EQ(seen[n - 1], 1);
	snprintf(path, sizeof(path), "%s3", base);
	CHECK(access(path, F_OK));
}

/*
 * A full disk (a 3 MiB tmpfs in a mount namespace of our own): the
 * file ends at a region boundary with whole records; what is not in it
 * is counted lost; close reports ENOSPC.
 */
static int disk_full_child(int format)
{
	static uint8_t seen[MAXREC];
	char dir[] = "/tmp/fs-merge-full-XXXXXX", path[300];
	struct run r;
	uint64_t lost;
	int i, pads, recs, n = 12000, ret;

	if (!mkdtemp(dir))
		return T_EXIT_SKIP;
	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("none", dir, "tmpfs", 0, "size=3m")) {
		rmdir(dir);
		return T_EXIT_SKIP;
	}
	snprintf(path, sizeof(path), "%s/f", dir);
	CHECK_EQ(run_open(&r, path, format, 0, 0, 0), 0);
	for (i = 0; i < n; i++) {
		put(&r, i & 1, i, 400, 1000000000ull + i);
		if (i % 32 == 0)
			run_turn(&r);
	}
	ret = run_close(&r, &lost);
	CHECK_EQ(ret, -ENOSPC);
	memset(seen, 0, sizeof(seen));
	recs = walk(path, format, seen, 0, UINT64_MAX, &pads);
	fprintf(stderr, "format %d: %d records on disk, %llu lost\n", format,
		recs, (unsigned long long)lost);
	CHECK(recs > 100);
	CHECK(lost > 0);
	/* what is said to be in the file is; each record at most once */
	CHECK_EQ(recs, kept);
	for (i = 0; i < n; i++)
		CHECK(seen[i] <= 1);
	readers_agree(path, recs);
	umount(dir);
	rmdir(dir);
	return t_result();
}

static void disk_full(void)
{
	int format, status;

	for (format = PCAP_OUT_PCAP; format <= PCAP_OUT_PCAPNG; format++) {
		pid_t pid = fork();

		if (pid == 0) {
			t_failures = 0;
			_exit(disk_full_child(format));
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid ||
		    !WIFEXITED(status))
			t_failures++;
		else if (WEXITSTATUS(status) == T_EXIT_SKIP)
			t_skip("cannot mount a tmpfs in a private mount "
			       "namespace");
		else if (WEXITSTATUS(status) != T_EXIT_PASS)
			t_failures++;
	}
}

static const struct t_case cases[] = {
	T_CASE(merged), T_CASE(rotate_size), T_CASE(rotate_time),
	T_CASE(ring),	T_CASE(disk_full),
};

T_MAIN(cases)
