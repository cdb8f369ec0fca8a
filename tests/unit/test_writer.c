// SPDX-License-Identifier: GPL-2.0
/*
 * writer: bytes land at their offsets, contiguous writes merge, every buf
 * reference is dropped exactly once after completion, holes stay sparse,
 * failed writes are counted (not lost silently), and a FIFO gets its
 * bytes in order.  Closing never waits: the close, the final length and
 * the callback with the file's errors come through io_uring; small files
 * leave in one open-write-close chain, more of them than there are
 * registered slots; a full submission queue queues work instead of
 * waiting (writer_stats.waits stays 0 in all of these).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"
#include "out/writer.h"

struct tbuf {
	struct buf b;
	int released;
	uint8_t data[4096];
};

static void tbuf_release(struct buf *b)
{
	((struct tbuf *)b)->released++;
}

static int read_file(const char *path, uint8_t *out, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = pread(fd, out, len, 0);
	close(fd);
	return (int)n;
}

static void test_merge_and_refs(void)
{
	const char *dir = t_tmpdir();
	enum { N = 300 };
	static struct tbuf bufs[N];
	static uint8_t got[N * 100], want[N * 100];
	struct writer_stats st;
	struct writer *w;
	struct wfile *f;
	char path[256];
	int i;

	snprintf(path, sizeof(path), "%s/merge", dir);
	CHECK_EQ(writer_create(&w, NULL), 0);
	CHECK_EQ(writer_open(w, path, 0, &f), 0);
	for (i = 0; i < N; i++) {
		bufs[i].b.refs = 1;
		bufs[i].b.release = tbuf_release;
		memset(bufs[i].data, i & 0xff, 100);
		memset(want + i * 100, i & 0xff, 100);
		CHECK_EQ(writer_write(w, f, i * 100, bufs[i].data, 100,
				      &bufs[i].b),
			 0);
		buf_put(&bufs[i].b); /* the writer's reference remains */
		if (i % 50 == 0)
			CHECK_EQ(writer_submit(w), 0);
	}
	CHECK_EQ(writer_close(w, f), 0);
	for (i = 0; i < N; i++)
		CHECK_EQ(bufs[i].released, 1);
	writer_get_stats(w, &st);
	CHECK_EQ(st.bytes_written, N * 100);
	/* Merged: far fewer writevs than writes (64 iovecs per request). */
	CHECK(st.writes_submitted <= N / 64 + 8);
	CHECK_EQ(read_file(path, got, sizeof(got)), N * 100);
	CHECK(!memcmp(got, want, sizeof(want)));
	writer_destroy(w);
}

static void test_sparse_and_copy(void)
{
	const char *dir = t_tmpdir();
	static const char hdr[] = "HEADER";
	uint8_t got[64];
	struct writer *w;
	struct wfile *f;
	struct stat sb;
	char path[256];

	snprintf(path, sizeof(path), "%s/sparse", dir);
	CHECK_EQ(writer_create(&w, NULL), 0);
	CHECK_EQ(writer_open(w, path, 0, &f), 0);
	CHECK_EQ(writer_write_copy(w, f, 0, hdr, 6), 0);
	CHECK_EQ(writer_write(w, f, 1 << 20, "tail", 4, NULL), 0);
	CHECK_EQ(writer_write_copy(w, f, 6, "!", 1), 0);
	CHECK_EQ(writer_write_copy(w, f, 0, got, 300), -EINVAL);
	CHECK_EQ(writer_set_size(w, f, (2 << 20)), 0);
	CHECK_EQ(writer_close(w, f), 0);
	CHECK_EQ(stat(path, &sb), 0);
	CHECK_EQ(sb.st_size, 2 << 20);
	CHECK(sb.st_blocks * 512 < (1 << 20)); /* the hole is sparse */
	CHECK_EQ(read_file(path, got, 7), 7);
	CHECK(!memcmp(got, "HEADER!", 7));
	writer_destroy(w);
}

static void test_errors_counted(void)
{
	struct tbuf b = {.b = {.refs = 1, .release = tbuf_release}};
	struct writer_stats st;
	struct writer *w;
	struct wfile *f;

	CHECK_EQ(writer_create(&w, NULL), 0);
	CHECK_EQ(writer_open(w, "/nonexistent-dir/x", 0, &f), -ENOENT);
	CHECK_EQ(writer_open(w, "/dev/full", 0, &f), 0);
	CHECK_EQ(writer_write(w, f, 0, b.data, 100, &b.b), 0);
	CHECK_EQ(writer_drain(w), 0);
	CHECK_EQ(b.b.refs, 1); /* dropped even though the write failed */
	CHECK_EQ(b.b.failed, ENOSPC); /* and its owner is told why */
	CHECK_EQ(wfile_errors(f), 1);
	/* The real cause, not a generic -EIO: /dev/full says ENOSPC. */
	CHECK_EQ(writer_write(w, f, 100, b.data, 100, &b.b), -ENOSPC);
	CHECK_EQ(writer_close(w, f), -ENOSPC);
	writer_get_stats(w, &st);
	CHECK_EQ(st.write_errors, 1);
	CHECK_EQ(st.bytes_failed, 100);
	/* A descriptor handed over: the same writes, closed with the file. */
	b.b.failed = 0;
	CHECK_EQ(writer_open_fd(w, open("/dev/full", O_WRONLY), "full", &f), 0);
	CHECK_EQ(writer_write(w, f, 0, b.data, 100, &b.b), 0);
	CHECK_EQ(writer_close(w, f), -ENOSPC);
	CHECK(b.b.failed != 0);
	writer_destroy(w);
}

static void test_backpressure(void)
{
	const char *dir = t_tmpdir();
	/* More requests than SQ entries: the writer must wait, not fail. */
	struct writer_opts o = {.ring_entries = 4, .max_iov = 1};
	static uint8_t data[64 * 1024];
	struct writer_stats st;
	struct writer *w;
	struct wfile *f;
	char path[256];
	int i;

	snprintf(path, sizeof(path), "%s/bp", dir);
	CHECK_EQ(writer_create(&w, &o), 0);
	CHECK_EQ(writer_open(w, path, 0, &f), 0);
	for (i = 0; i < 64; i++)
		CHECK_EQ(writer_write(w, f, i * 1024, data + i * 1024, 1024,
				      NULL),
			 0);
	CHECK_EQ(writer_drain(w), 0);
	CHECK_EQ(writer_inflight(w), 0);
	writer_get_stats(w, &st);
	CHECK_EQ(st.bytes_written, 64 * 1024);
	CHECK_EQ(writer_close(w, f), 0);
	writer_destroy(w);
}

static void test_async_open(void)
{
	const char *dir = t_tmpdir();
	struct tbuf b = {.b = {.refs = 1, .release = tbuf_release}};
	struct writer_stats st;
	struct writer *w;
	struct wfile *f;
	uint8_t got[8192];
	char path[256];
	int i;

	snprintf(path, sizeof(path), "%s/async", dir);
	memset(b.data, 0x5a, sizeof(b.data));
	CHECK_EQ(writer_create(&w, NULL), 0);
	CHECK_EQ(writer_open(w, path, WRITER_ASYNC_OPEN | WRITER_DIRECT, &f),
		 -EINVAL);
	CHECK_EQ(writer_open(w, path, WRITER_ASYNC_OPEN, &f), 0);
	/* Queued (and some issued) before the open has completed. */
	for (i = 0; i < 8; i++) {
		CHECK_EQ(writer_write(w, f, i * 1024, b.data, 1024, &b.b), 0);
		if (i == 3)
			CHECK_EQ(writer_submit(w), 0);
	}
	CHECK_EQ(writer_write(w, f, 100000, b.data, 10, &b.b), 0);
	CHECK_EQ(writer_close(w, f), 0);
	CHECK_EQ(b.b.refs, 1);
	CHECK_EQ(read_file(path, got, sizeof(got)), 8192);
	for (i = 0; i < 8192; i++)
		if (got[i] != 0x5a)
			break;
	CHECK_EQ(i, 8192);

	/* A failed open fails the writes queued behind it, counted. */
	CHECK_EQ(writer_open(w, "/nonexistent-dir/x", WRITER_ASYNC_OPEN, &f),
		 0);
	CHECK_EQ(writer_write(w, f, 0, b.data, 100, &b.b), 0);
	CHECK_EQ(writer_drain(w), 0);
	CHECK_EQ(b.b.refs, 1);
	CHECK(wfile_errors(f) >= 1);
	CHECK_EQ(writer_write(w, f, 100, b.data, 100, &b.b), -ENOENT);
	CHECK_EQ(writer_close(w, f), -ENOENT);
	writer_get_stats(w, &st);
	CHECK_EQ(st.bytes_failed, 100);
	writer_destroy(w);
}

static void test_linger(void)
{
	const char *dir = t_tmpdir();
	struct writer_opts o = {.linger_bytes = 4096, .linger_us = 200000};
	struct tbuf b = {.b = {.refs = 1, .release = tbuf_release}};
	struct writer_stats st;
	struct writer *w;
	struct wfile *f;
	char path[256];
	int i;

	snprintf(path, sizeof(path), "%s/linger", dir);
	CHECK_EQ(writer_create(&w, &o), 0);
	CHECK_EQ(writer_open(w, path, 0, &f), 0);
	/* Small pieces across several submits stay in one request... */
	for (i = 0; i < 3; i++) {
		CHECK_EQ(writer_write(w, f, i * 1000, b.data, 1000, &b.b), 0);
		CHECK_EQ(writer_submit(w), 0);
	}
	writer_get_stats(w, &st);
	CHECK_EQ(st.writes_submitted, 0);
	CHECK_EQ(b.b.refs, 4); /* held while lingering */
	/* ...until it holds linger_bytes. */
	CHECK_EQ(writer_write(w, f, 3000, b.data, 1500, &b.b), 0);
	CHECK_EQ(writer_submit(w), 0);
	writer_get_stats(w, &st);
	CHECK_EQ(st.writes_submitted, 1);
	/* writer_flush sends a young, small one at once. */
	CHECK_EQ(writer_write(w, f, 4500, b.data, 10, &b.b), 0);
	CHECK_EQ(writer_flush(w), 0);
	writer_get_stats(w, &st);
	CHECK_EQ(st.writes_submitted, 2);
	/* And age alone is enough. */
	CHECK_EQ(writer_write(w, f, 4510, b.data, 10, &b.b), 0);
	CHECK_EQ(writer_submit(w), 0);
	usleep(250000);
	CHECK_EQ(writer_submit(w), 0);
	writer_get_stats(w, &st);
	CHECK_EQ(st.writes_submitted, 3);
	CHECK_EQ(writer_close(w, f), 0);
	CHECK_EQ(b.b.refs, 1);
	writer_destroy(w);
}

/* WRITER_KEEP opens a file again with its bytes; without it, truncated. */
static void test_keep(void)
{
	const char *dir = t_tmpdir();
	struct writer *w;
	struct wfile *f;
	uint8_t got[32];
	struct stat sb;
	char path[256];

	snprintf(path, sizeof(path), "%s/keep", dir);
	CHECK_EQ(writer_create(&w, NULL), 0);
	CHECK_EQ(writer_open(w, path, WRITER_ASYNC_OPEN, &f), 0);
	CHECK_EQ(writer_write_copy(w, f, 0, "abc", 3), 0);
	CHECK_EQ(writer_close(w, f), 0);
	CHECK_EQ(writer_open(w, path, WRITER_ASYNC_OPEN | WRITER_KEEP, &f), 0);
	CHECK_EQ(writer_write_copy(w, f, 10, "XY", 2), 0);
	CHECK_EQ(writer_close(w, f), 0);
	CHECK_EQ(writer_open(w, path, WRITER_KEEP, &f), 0);
	CHECK_EQ(writer_write_copy(w, f, 3, "d", 1), 0);
	CHECK_EQ(writer_close(w, f), 0);
	CHECK_EQ(read_file(path, got, sizeof(got)), 12);
	CHECK(!memcmp(got, "abcd\0\0\0\0\0\0XY", 12));
	CHECK_EQ(writer_open(w, path, 0, &f), 0);
	CHECK_EQ(writer_close(w, f), 0);
	CHECK_EQ(stat(path, &sb), 0);
	CHECK_EQ(sb.st_size, 0);
	writer_destroy(w);
}

/*
 * A FIFO: the open does not wait for a reader (-ENXIO without one, with
 * O_NONBLOCK), and with a slow reader the bytes arrive in the order
 * written, whole (a FIFO takes one write at a time: two in flight could
 * land in either order, and a short one's rest after the next).
 */
static void test_fifo(void)
{
	const char *dir = t_tmpdir();
	static uint8_t src[1 << 20], got[(1 << 20) + 1];
	struct writer_opts o = {.max_iov = 4};
	char path[256], out[300];
	struct writer *w;
	struct wfile *f;
	unsigned int i;
	uint64_t off = 0;
	pid_t pid;
	int status;

	for (i = 0; i < sizeof(src); i++)
		src[i] = i * 7 + (i >> 12);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	snprintf(out, sizeof(out), "%s/fifo.out", dir);
	CHECK_EQ(mkfifo(path, 0644), 0);
	CHECK_EQ(writer_create(&w, &o), 0);
	CHECK_EQ(writer_open(w, path, O_NONBLOCK, &f), -ENXIO);
	pid = fork();
	if (pid == 0) {
		/* A slow reader: small reads, a pause now and then. */
		int in = open(path, O_RDONLY), fd;
		size_t n = 0;
		ssize_t r;

		while (in >= 0 && (r = read(in, got + n, 1000)) > 0) {
			n += r;
			if (n % 64 < 8)
				usleep(1000);
		}
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		_exit(fd < 0 || write(fd, got, n) != (ssize_t)n);
	}
	/* The child's open returns once a writer opens: retry until then. */
	for (i = 0; i < 1000; i++) {
		if (!writer_open(w, path, WRITER_DIRECT | O_NONBLOCK, &f))
			break;
		usleep(5000);
	}
	CHECK(i < 1000);
	if (i < 1000) {
		CHECK(!wfile_is_direct(f));
		while (off < sizeof(src)) {
			uint32_t n = 1 + (off * 2654435761u) % 9000;

			if (n > sizeof(src) - off)
				n = sizeof(src) - off;
			CHECK_EQ(writer_write(w, f, off, src + off, n, NULL),
				 0);
			off += n;
			if (off % 5 == 0)
				writer_submit(w);
		}
		CHECK_EQ(writer_close(w, f), 0);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      !WEXITSTATUS(status));
	CHECK_EQ(read_file(out, got, sizeof(got)), (int)sizeof(src));
	CHECK(!memcmp(got, src, sizeof(src)));
	writer_destroy(w);
}

struct closed_log {
	int calls;
	uint64_t errors;
	int err;
};

static void on_closed(void *ctx, uint64_t errors, int err)
{
	struct closed_log *c = ctx;

	c->calls++;
	c->errors += errors;
	if (!c->err)
		c->err = err;
}

static off_t file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) ? -1 : sb.st_size;
}

static void test_close_async(void)
{
	const char *dir = t_tmpdir();
	static uint8_t data[10000], got[10000];
	struct closed_log c = {0};
	struct writer_stats st;
	struct writer *w;
	struct wfile *f;
	char path[256];
	int i;

	for (i = 0; i < (int)sizeof(data); i++)
		data[i] = i * 7;
	snprintf(path, sizeof(path), "%s/async", dir);
	CHECK_EQ(writer_create(&w, NULL), 0);
	CHECK_EQ(writer_open(w, path, WRITER_ASYNC_OPEN, &f), 0);
	CHECK_EQ(writer_write(w, f, 0, data, sizeof(data), NULL), 0);
	/* A sparse tail: the length set by the close's truncate. */
	CHECK_EQ(writer_close_async(w, f, 1 << 20, on_closed, &c), 0);
	CHECK_EQ(c.calls, 0); /* never from inside the call */
	CHECK_EQ(writer_drain(w), 0);
	CHECK_EQ(c.calls, 1);
	CHECK_EQ(c.errors, 0);
	CHECK_EQ(file_size(path), 1 << 20);
	CHECK_EQ(read_file(path, got, sizeof(got)), (int)sizeof(got));
	CHECK(!memcmp(got, data, sizeof(data)));
	writer_get_stats(w, &st);
	CHECK_EQ(st.waits, 0);
	CHECK_EQ(st.closes, 1);
	writer_destroy(w);
}

static void test_close_async_error(void)
{
	const char *dir = t_tmpdir();
	struct closed_log c = {0};
	struct writer_stats st;
	struct writer *w;
	struct wfile *f;
	char path[256];

	/* The open fails in io_uring: the owner hears it at the close. */
	snprintf(path, sizeof(path), "%s/no/such/dir", dir);
	CHECK_EQ(writer_create(&w, NULL), 0);
	CHECK_EQ(writer_open(w, path, WRITER_ASYNC_OPEN, &f), 0);
	CHECK_EQ(writer_write(w, f, 0, "abc", 3, NULL), 0);
	CHECK_EQ(writer_close_async(w, f, WRITER_SIZE_KEEP, on_closed, &c), 0);
	CHECK_EQ(writer_drain(w), 0);
	CHECK_EQ(c.calls, 1);
	CHECK(c.errors >= 1);
	CHECK_EQ(c.err, -ENOENT);
	writer_get_stats(w, &st);
	CHECK_EQ(st.waits, 0);
	writer_destroy(w);
}

static void test_chains(void)
{
	const char *dir = t_tmpdir();
	enum { N = 600 }; /* more than the 256 registered slots */
	static struct tbuf bufs[N];
	struct closed_log c = {0};
	struct writer_stats st;
	struct writer *w;
	char path[256];
	uint8_t got[200];
	int i;

	CHECK_EQ(writer_create(&w, NULL), 0);
	for (i = 0; i < N; i++) {
		bufs[i].b.refs = 1;
		bufs[i].b.release = tbuf_release;
		memset(bufs[i].data, i & 0xff, 100 + i % 100);
		snprintf(path, sizeof(path), "%s/c%d", dir, i);
		/* Every fifth one with a sparse tail to 8000 bytes. */
		CHECK_EQ(writer_write_file(w, path, 0, bufs[i].data,
					   100 + i % 100, &bufs[i].b,
					   i % 5 ? WRITER_SIZE_KEEP : 8000,
					   on_closed, &c),
			 0);
		buf_put(&bufs[i].b);
		if (i % 32 == 0)
			CHECK_EQ(writer_submit(w), 0);
	}
	CHECK_EQ(writer_drain(w), 0);
	CHECK_EQ(c.calls, N);
	CHECK_EQ(c.errors, 0);
	for (i = 0; i < N; i++) {
		int len = 100 + i % 100;

		CHECK_EQ(bufs[i].released, 1);
		snprintf(path, sizeof(path), "%s/c%d", dir, i);
		CHECK_EQ(file_size(path), i % 5 ? len : 8000);
		CHECK_EQ(read_file(path, got, len), len);
		CHECK(!memcmp(got, bufs[i].data, len));
	}
	writer_get_stats(w, &st);
	CHECK_EQ(st.chains, N);
	CHECK(st.slot_waits > 0);
	CHECK_EQ(st.waits, 0);
	CHECK_EQ(st.write_errors, 0);
	writer_destroy(w);
}

static void test_chain_fails(void)
{
	const char *dir = t_tmpdir();
	struct closed_log c = {0};
	struct writer *w;
	char path[256];

	snprintf(path, sizeof(path), "%s/missing/x", dir);
	CHECK_EQ(writer_create(&w, NULL), 0);
	CHECK_EQ(writer_write_file(w, path, 0, "abc", 3, NULL, WRITER_SIZE_KEEP,
				   on_closed, &c),
		 0);
	CHECK_EQ(writer_drain(w), 0);
	CHECK_EQ(c.calls, 1);
	CHECK(c.errors >= 1);
	CHECK_EQ(c.err, -ENOENT);
	writer_destroy(w);
}

static void test_sq_full_queues(void)
{
	const char *dir = t_tmpdir();
	struct writer_opts o = {.ring_entries = 8};
	enum { N = 100 };
	struct closed_log c = {0};
	struct writer_stats st;
	static struct wfile *f[N];
	struct writer *w;
	char path[256];
	uint8_t got[8];
	int i;

	CHECK_EQ(writer_create(&w, &o), 0);
	for (i = 0; i < N; i++) {
		snprintf(path, sizeof(path), "%s/q%d", dir, i);
		CHECK_EQ(writer_open(w, path, WRITER_ASYNC_OPEN, &f[i]), 0);
		CHECK_EQ(writer_write_copy(w, f[i], 0, &i, sizeof(i)), 0);
		CHECK_EQ(writer_close_async(w, f[i], WRITER_SIZE_KEEP,
					    on_closed, &c),
			 0);
	}
	writer_get_stats(w, &st);
	CHECK(st.sq_queued > 0);
	CHECK_EQ(st.waits, 0);
	CHECK_EQ(writer_drain(w), 0);
	CHECK_EQ(c.calls, N);
	CHECK_EQ(c.errors, 0);
	for (i = 0; i < N; i++) {
		snprintf(path, sizeof(path), "%s/q%d", dir, i);
		CHECK_EQ(read_file(path, got, sizeof(got)), (int)sizeof(i));
		CHECK(!memcmp(got, &i, sizeof(i)));
	}
	writer_destroy(w);
}

/*
 * Aborting (a second SIGINT) with more closes queued than the SQ holds:
 * the closes still go to the kernel as room frees, never past the SQ
 * (a NULL sqe), and every file's callback comes.
 */
static void test_abort_queued_closes(void)
{
	const char *dir = t_tmpdir();
	static int stop;
	struct writer_opts o = {.ring_entries = 8, .abort = &stop};
	enum { N = 100 };
	struct closed_log c = {0};
	static struct wfile *f[N];
	struct writer *w;
	char path[256];
	int i;

	stop = 0;
	CHECK_EQ(writer_create(&w, &o), 0);
	for (i = 0; i < N; i++) {
		snprintf(path, sizeof(path), "%s/a%d", dir, i);
		CHECK_EQ(writer_open(w, path, 0, &f[i]), 0);
		CHECK_EQ(writer_write_copy(w, f[i], 0, &i, sizeof(i)), 0);
		CHECK_EQ(writer_close_async(w, f[i], WRITER_SIZE_KEEP,
					    on_closed, &c),
			 0);
	}
	stop = 1;
	writer_drain(w); /* -ECANCELED past the abort's grace is fine */
	CHECK_EQ(c.calls, N);
	writer_destroy(w);
}

static void test_mkdir(void)
{
	const char *dir = t_tmpdir();
	struct writer_stats st;
	struct writer *w;
	char path[256];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/d1", dir);
	CHECK_EQ(writer_create(&w, NULL), 0);
	CHECK_EQ(writer_mkdir(w, path), 0);
	CHECK_EQ(writer_drain(w), 0);
	CHECK(!stat(path, &sb) && S_ISDIR(sb.st_mode));
	CHECK_EQ(writer_mkdir(w, path), 0); /* exists: not an error */
	CHECK_EQ(writer_drain(w), 0);
	writer_get_stats(w, &st);
	CHECK_EQ(st.write_errors, 0);
	CHECK_EQ(st.mkdirs, 2);
	writer_destroy(w);
}

static void on_renamed(void *ctx, int res)
{
	int *r = ctx;

	*r = res;
}

/*
 * A file closed with WRITER_SYNC (the fsync before the close), renamed
 * into place, refused over an existing name with RENAME_NOREPLACE, and
 * removed: each through io_uring, never a wait.
 */
static void test_sync_rename_unlink(void)
{
	const char *dir = t_tmpdir();
	char tmp[256], fin[256], other[256];
	struct closed_log c = {0};
	struct writer_stats st;
	static uint8_t got[100];
	struct writer *w;
	struct wfile *f;
	int r1 = 1, r2 = 1;

	snprintf(tmp, sizeof(tmp), "%s/.part", dir);
	snprintf(fin, sizeof(fin), "%s/final", dir);
	snprintf(other, sizeof(other), "%s/other", dir);
	CHECK_EQ(writer_create(&w, NULL), 0);
	CHECK_EQ(writer_open(w, tmp, WRITER_ASYNC_OPEN | WRITER_SYNC, &f), 0);
	CHECK_EQ(writer_write(w, f, 0, "0123456789", 10, NULL), 0);
	CHECK_EQ(writer_close_async(w, f, WRITER_SIZE_KEEP, on_closed, &c), 0);
	CHECK_EQ(writer_drain(w), 0);
	CHECK_EQ(c.calls, 1);
	CHECK_EQ(c.errors, 0);
	CHECK_EQ(writer_rename(w, NULL, tmp, fin, RENAME_NOREPLACE, on_renamed,
			       &r1),
		 0);
	CHECK_EQ(writer_drain(w), 0);
	CHECK_EQ(r1, 0);
	CHECK_EQ(read_file(fin, got, sizeof(got)), 10);
	CHECK(!memcmp(got, "0123456789", 10));
	CHECK_EQ(file_size(tmp), -1);
	close(open(other, O_CREAT | O_WRONLY, 0644));
	CHECK_EQ(writer_rename(w, NULL, other, fin, RENAME_NOREPLACE,
			       on_renamed, &r2),
		 0);
	CHECK_EQ(writer_drain(w), 0);
	CHECK_EQ(r2, -EEXIST);
	CHECK_EQ(writer_unlink(w, other), 0);
	CHECK_EQ(writer_unlink(w, other), 0); /* gone: not an error */
	CHECK_EQ(writer_drain(w), 0);
	CHECK_EQ(file_size(other), -1);
	writer_get_stats(w, &st);
	CHECK_EQ(st.write_errors, 0);
	CHECK_EQ(st.waits, 0);
	writer_destroy(w);
}

/* Sparse direct mode: the bytes of the model file, written in pieces. */
struct piece {
	uint64_t off;
	uint32_t len;
};

static uint8_t pat(uint64_t off)
{
	return (uint8_t)(off * 131 + (off >> 12) + 1) | 1; /* never 0 */
}

static void test_sparse_direct(void)
{
	const char *dir = t_tmpdir();
	/* A small gap inside a sector, a big one, a run that grows the
	 * blocks to their largest, another hole, an unaligned end. */
	static const struct piece pieces[] = {
		{0, 5000},	   {5003, 10000},  {115003, 1448},
		{116451, 2900000}, {3500001, 777}, {3500778, 1},
	};
	const uint64_t size = 3600000; /* past the last byte: a sparse tail */
	static uint8_t buf[65536], got[65536];
	struct closed_log c = {0};
	struct writer_stats st;
	struct tbuf tb = {.b.refs = 1, .b.release = tbuf_release};
	struct writer *w;
	struct wfile *f;
	struct stat sb;
	char path[256];
	uint64_t data = 0, off, settle_waits = 0;
	unsigned int i;
	int fd;

	snprintf(path, sizeof(path), "%s/direct", dir);
	if (writer_sparse_probe(dir))
		T_SKIP("no O_DIRECT or IORING_OP_FTRUNCATE here");
	CHECK_EQ(writer_create(&w, NULL), 0);
	CHECK_EQ(writer_open(w, path, WRITER_DIRECT_SPARSE | WRITER_KEEP, &f),
		 -EINVAL);
	CHECK_EQ(writer_open(w, path, WRITER_DIRECT_SPARSE, &f), 0);
	for (i = 0; i < T_ARRAY_SIZE(pieces); i++) {
		for (off = pieces[i].off;
		     off < pieces[i].off + pieces[i].len;) {
			uint32_t n = pieces[i].off + pieces[i].len - off;
			uint32_t k;

			n = n > 1448 ? 1448 : n;
			for (k = 0; k < n; k++)
				tb.data[k] = pat(off + k);
			CHECK_EQ(writer_write(w, f, off, tb.data, n, &tb.b), 0);
			/* copied: no reference taken, the frame is free */
			CHECK_EQ(tb.b.refs, 1);
			CHECK_EQ(writer_submit(w), 0);
			off += n;
		}
		data += pieces[i].len;
		if (i == 1) {
			/* What is staged reads back after a settle. */
			writer_get_stats(w, &st);
			CHECK_EQ(st.waits, 0);
			CHECK_EQ(writer_settle(w, f), 0);
			writer_get_stats(w, &st);
			settle_waits = st.waits;
			fd = open(path, O_RDONLY);
			CHECK_EQ(pread(fd, got, 15003, 0), 15003);
			close(fd);
			CHECK(got[5001] == 0 && got[4999] == pat(4999) &&
			      got[15002] == pat(15002));
		}
	}
	CHECK_EQ(writer_write(w, f, 100, "x", 1, NULL), -EINVAL);
	CHECK_EQ(writer_close_async(w, f, size, on_closed, &c), 0);
	writer_get_stats(w, &st);
	CHECK_EQ(st.waits, settle_waits); /* the settle's, and no other */
	CHECK_EQ(writer_drain(w), 0);
	CHECK_EQ(c.calls, 1);
	CHECK_EQ(c.errors, 0);
	CHECK_EQ(stat(path, &sb), 0);
	CHECK_EQ(sb.st_size, (off_t)size);
	/* The holes are not written: at most a block per edge beyond data. */
	CHECK((uint64_t)sb.st_blocks * 512 <= data + 8 * 4096);
	fd = open(path, O_RDONLY);
	for (off = 0; off < size; off += sizeof(buf)) {
		uint32_t n =
			size - off < sizeof(buf) ? size - off : sizeof(buf);
		uint32_t k;
		bool ok = true;

		memset(buf, 0, n);
		for (i = 0; i < T_ARRAY_SIZE(pieces); i++)
			for (k = 0; k < n; k++)
				if (off + k >= pieces[i].off &&
				    off + k < pieces[i].off + pieces[i].len)
					buf[k] = pat(off + k);
		if (pread(fd, got, n, off) != (ssize_t)n || memcmp(got, buf, n))
			ok = false;
		CHECK(ok);
	}
	close(fd);
	writer_get_stats(w, &st);
	CHECK(st.sparse_writes > 10);
	CHECK_EQ(st.sparse_refused, 0);
	CHECK_EQ(st.write_errors, 0);
	CHECK(st.sparse_max > 0 && st.sparse_max <= 64u << 20);
	writer_destroy(w);
}

static void test_sparse_bound(void)
{
	const char *dir = t_tmpdir();
	struct writer_opts o = {.sparse_total = 64 << 10};
	enum { N = 40 };
	struct closed_log c = {0};
	struct writer_stats st;
	struct wfile *f[N];
	struct writer *w;
	char path[256];
	int i, ok = 0, refused = 0;

	if (writer_sparse_probe(dir))
		T_SKIP("no O_DIRECT or IORING_OP_FTRUNCATE here");
	CHECK_EQ(writer_create(&w, &o), 0);
	/* 40 files of one 4 KiB block each against 64 KiB: refused, never
	 * waited for, and the refusal copies nothing. */
	for (i = 0; i < N; i++) {
		snprintf(path, sizeof(path), "%s/b%d", dir, i);
		CHECK_EQ(writer_open(w, path, WRITER_DIRECT_SPARSE, &f[i]), 0);
		if (writer_write(w, f[i], 0, "abc", 3, NULL) == -ENOBUFS)
			refused++;
		else
			ok++;
	}
	CHECK_EQ(ok, 16);
	CHECK_EQ(refused, N - 16);
	writer_get_stats(w, &st);
	CHECK_EQ(st.sparse_refused, N - 16);
	CHECK_EQ(st.sparse_refused_bytes, 3 * (N - 16));
	CHECK_EQ(st.waits, 0);
	for (i = 0; i < N; i++)
		CHECK_EQ(writer_close_async(w, f[i], WRITER_SIZE_KEEP,
					    on_closed, &c),
			 0);
	CHECK_EQ(writer_drain(w), 0);
	CHECK_EQ(c.calls, N);
	CHECK_EQ(c.errors, 0);
	for (i = 0; i < N; i++) {
		snprintf(path, sizeof(path), "%s/b%d", dir, i);
		CHECK_EQ(file_size(path), i < 16 ? 3 : 0);
	}
	writer_destroy(w);
}

static void test_chain_direct(void)
{
	const char *dir = t_tmpdir();
	struct closed_log c = {0};
	struct writer *w;
	char path[256];
	uint8_t *p = NULL, got[5000];

	if (writer_sparse_probe(dir))
		T_SKIP("no O_DIRECT or IORING_OP_FTRUNCATE here");
	CHECK_EQ(posix_memalign((void **)&p, 4096, 8192), 0);
	memset(p, 0, 8192);
	memset(p, 'q', 5000);
	snprintf(path, sizeof(path), "%s/once", dir);
	CHECK_EQ(writer_create(&w, NULL), 0);
	/* Unpadded or without the exact length: refused. */
	CHECK_EQ(writer_write_file(w, path, WRITER_DIRECT_SPARSE, p, 5000, NULL,
				   5000, on_closed, &c),
		 -EINVAL);
	CHECK_EQ(writer_write_file(w, path, WRITER_DIRECT_SPARSE, p, 8192, NULL,
				   WRITER_SIZE_KEEP, on_closed, &c),
		 -EINVAL);
	CHECK_EQ(writer_write_file(w, path, WRITER_DIRECT_SPARSE, p, 8192, NULL,
				   5000, on_closed, &c),
		 0);
	CHECK_EQ(writer_drain(w), 0);
	CHECK_EQ(c.calls, 1);
	CHECK_EQ(c.errors, 0);
	CHECK_EQ(file_size(path), 5000);
	CHECK_EQ(read_file(path, got, sizeof(got)), 5000);
	CHECK(got[0] == 'q' && got[4999] == 'q');
	writer_destroy(w);
	free(p);
}

static const struct t_case cases[] = {
	T_CASE(test_merge_and_refs),
	T_CASE(test_sparse_and_copy),
	T_CASE(test_errors_counted),
	T_CASE(test_backpressure),
	T_CASE(test_async_open),
	T_CASE(test_linger),
	T_CASE(test_keep),
	T_CASE(test_fifo),
	T_CASE(test_close_async),
	T_CASE(test_close_async_error),
	T_CASE(test_chains),
	T_CASE(test_chain_fails),
	T_CASE(test_sq_full_queues),
	T_CASE(test_abort_queued_closes),
	T_CASE(test_mkdir),
	T_CASE(test_sparse_direct),
	T_CASE(test_sparse_bound),
	T_CASE(test_chain_direct),
	T_CASE(test_sync_rename_unlink),
};

T_MAIN(cases)
