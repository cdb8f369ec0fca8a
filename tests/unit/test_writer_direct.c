// SPDX-License-Identifier: GPL-2.0
/*
 * writer, direct mode: random-sized appends land byte for byte as the
 * buffered path writes them, the file ends at exactly its last byte, the
 * caller's buf is free when writer_write() returns, a tiny staging pool
 * waits instead of failing (also with several files sharing it), writes
 * that do not continue the file are refused, a filesystem without O_DIRECT
 * falls back to buffered, and a failed tail write is reported.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"
#include "out/writer.h"

#define TOTAL (6u << 20)

static uint8_t want[TOTAL], got[TOTAL + 4096];
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

struct tbuf {
	struct buf b;
	int released;
	uint8_t data[4096];
};

static void tbuf_release(struct buf *b)
{
	((struct tbuf *)b)->released++;
}

/* The file's size, and its bytes compared with want[0..len). */
static bool file_is(const char *path, size_t len)
{
	struct stat sb;
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return false;
	n = pread(fd, got, sizeof(got), 0);
	close(fd);
	if (stat(path, &sb) || (size_t)sb.st_size != len) {
		fprintf(stderr, "%s: size %lld, want %zu\n", path,
			(long long)sb.st_size, len);
		return false;
	}
	return n == (ssize_t)len && !memcmp(got, want, len);
}

/* Whether open(2) with O_DIRECT works in dir, the writer's own test. */
static bool fs_takes_odirect(const char *dir)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/probe", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_DIRECT, 0644);
	if (fd >= 0)
		close(fd);
	unlink(path);
	return fd >= 0;
}

/*
 * The work directory, when it takes O_DIRECT; otherwise the case skips
 * (NULL): direct mode is then only the fallback, checked on ramfs.
 */
static const char *direct_dir(void)
{
	const char *dir = t_tmpdir();

	if (fs_takes_odirect(dir))
		return dir;
	t_skip("%s refuses O_DIRECT", dir);
	return NULL;
}

/* Mostly packet sizes, sometimes larger than a block of bs bytes. */
static uint32_t piece(uint32_t bs)
{
	uint32_t k = rnd() % 100;

	if (k < 70)
		return 1 + rnd() % 1600;
	if (k < 95)
		return 1 + rnd() % 65536;
	return 1 + rnd() % (3 * bs);
}

/*
 * The same appends to a buffered and a direct file of one writer; len
 * bytes in all, a loop turn every few writes.
 */
static void same_as_buffered(const char *dir, uint32_t bs, size_t len)
{
	struct writer_opts o = {.direct_block_size = bs};
	char pb[256], pd[256];
	struct wfile *fb, *fd;
	struct writer_stats st;
	struct writer *w;
	size_t off = 0;
	bool direct;

	snprintf(pb, sizeof(pb), "%s/buffered", dir);
	snprintf(pd, sizeof(pd), "%s/direct", dir);
	CHECK_EQ(writer_create(&w, &o), 0);
	CHECK_EQ(writer_open(w, pb, 0, &fb), 0);
	CHECK_EQ(writer_open(w, pd, WRITER_DIRECT, &fd), 0);
	CHECK_EQ(wfile_is_direct(fd), fs_takes_odirect(dir));
	CHECK(!wfile_is_direct(fb));
	direct = wfile_is_direct(fd);
	while (off < len) {
		uint32_t n = piece(bs);

		if (n > len - off)
			n = len - off;
		if (n <= 256 && rnd() % 2) {
			CHECK_EQ(writer_write_copy(w, fb, off, want + off, n),
				 0);
			CHECK_EQ(writer_write_copy(w, fd, off, want + off, n),
				 0);
		} else {
			CHECK_EQ(writer_write(w, fb, off, want + off, n, NULL),
				 0);
			CHECK_EQ(writer_write(w, fd, off, want + off, n, NULL),
				 0);
		}
		off += n;
		if (rnd() % 8 == 0)
			CHECK_EQ(writer_submit(w), 0);
	}
	CHECK_EQ(writer_close(w, fb), 0);
	CHECK_EQ(writer_close(w, fd), 0);
	CHECK(file_is(pb, len));
	CHECK(file_is(pd, len));
	writer_get_stats(w, &st);
	CHECK_EQ(st.bytes_written, 2 * len);
	CHECK_EQ(st.bytes_staged, direct ? len : 0);
	CHECK_EQ(st.write_errors, 0);
	writer_destroy(w);
}

/* The copy: the buf is released, and its bytes may change, at once. */
static void refs_dropped_at_once(void)
{
	const char *dir = direct_dir();
	struct tbuf b = {.b = {.refs = 1, .release = tbuf_release}};
	struct writer *w;
	struct wfile *f;
	char path[256];
	int i;

	if (!dir)
		return;

	snprintf(path, sizeof(path), "%s/refs", dir);
	CHECK_EQ(writer_create(&w, NULL), 0);
	CHECK_EQ(writer_open(w, path, WRITER_DIRECT, &f), 0);
	CHECK(wfile_is_direct(f));
	for (i = 0; i < 100; i++) {
		memcpy(b.data, want + i * 1500, 1500);
		b.b.refs = 1;
		b.released = 0;
		CHECK_EQ(writer_write(w, f, i * 1500, b.data, 1500, &b.b), 0);
		CHECK_EQ(b.b.refs, 1);
		buf_put(&b.b);
		CHECK_EQ(b.released, 1);
		memset(b.data, 0xee, sizeof(b.data));
	}
	CHECK_EQ(writer_close(w, f), 0);
	CHECK(file_is(path, 100 * 1500));
	writer_destroy(w);
}

/* Exact sizes at and around block boundaries, including empty files. */
static void exact_sizes(void)
{
	const char *dir = direct_dir();
	static const uint32_t sizes[] = {0,	1,	24,    4095,
					 4096,	4097,	65535, 65536,
					 65537, 131072, 200000};
	struct writer_opts o = {.direct_block_size = 65536};
	struct writer *w;
	struct wfile *f;
	char path[256];
	unsigned int i;

	if (!dir)
		return;

	CHECK_EQ(writer_create(&w, &o), 0);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(path, sizeof(path), "%s/size%u", dir, i);
		CHECK_EQ(writer_open(w, path, WRITER_DIRECT, &f), 0);
		CHECK_EQ(writer_write(w, f, 0, want, sizes[i], NULL), 0);
		CHECK_EQ(writer_close(w, f), 0);
		CHECK(file_is(path, sizes[i]));
	}
	writer_destroy(w);
}

/* Appends only, and no O_DIRECT through the buffered flags. */
static void refusals(void)
{
	const char *dir = direct_dir();
	struct writer_opts bad = {.direct_block_size = 1000};
	struct writer *w;
	struct wfile *f;
	char path[256];

	if (!dir)
		return;

	CHECK_EQ(writer_create(&w, &bad), -EINVAL);
	snprintf(path, sizeof(path), "%s/refused", dir);
	CHECK_EQ(writer_create(&w, NULL), 0);
	CHECK_EQ(writer_open(w, path, O_DIRECT, &f), -EINVAL);
	CHECK_EQ(writer_open(w, path, WRITER_DIRECT, &f), 0);
	CHECK_EQ(writer_write(w, f, 1, want, 10, NULL), -EINVAL);
	CHECK_EQ(writer_write(w, f, 0, want, 10, NULL), 0);
	CHECK_EQ(writer_write(w, f, 5, want + 5, 10, NULL), -EINVAL);
	CHECK_EQ(writer_write(w, f, 20, want + 20, 10, NULL), -EINVAL);
	CHECK_EQ(writer_write_copy(w, f, 0, want, 10), -EINVAL);
	CHECK_EQ(writer_write_copy(w, f, 10, want + 10, 5), 0);
	CHECK_EQ(writer_set_size(w, f, 1 << 20), -EINVAL);
	CHECK_EQ(writer_close(w, f), 0);
	CHECK(file_is(path, 15));
	writer_destroy(w);
}

/*
 * One spare 4 KiB block, a 4-entry ring, three direct files and never a
 * writer_submit: every write must wait its way through, none may fail,
 * and no more than the one spare block may ever be in flight.
 */
static void tiny_pool(void)
{
	const char *dir = direct_dir();
	struct writer_opts o = {
		.ring_entries = 4,
		.direct_block_size = 4096,
		.direct_blocks = 1,
	};
	size_t off[3] = {0}, len = 1 << 20;
	unsigned int i, max_inflight = 0;
	struct writer_stats st;
	struct wfile *f[3];
	char path[3][256];
	struct writer *w;

	if (!dir)
		return;

	CHECK_EQ(writer_create(&w, &o), 0);
	for (i = 0; i < 3; i++) {
		snprintf(path[i], sizeof(path[i]), "%s/tiny%u", dir, i);
		CHECK_EQ(writer_open(w, path[i], WRITER_DIRECT, &f[i]), 0);
	}
	while (off[0] < len || off[1] < len || off[2] < len) {
		uint32_t n = 1 + rnd() % 9000;

		i = rnd() % 3;
		if (n > len - off[i])
			n = len - off[i];
		CHECK_EQ(writer_write(w, f[i], off[i], want + off[i], n, NULL),
			 0);
		off[i] += n;
		if (writer_inflight(w) > max_inflight)
			max_inflight = writer_inflight(w);
	}
	for (i = 0; i < 3; i++) {
		CHECK_EQ(writer_close(w, f[i]), 0);
		CHECK(file_is(path[i], len));
	}
	writer_get_stats(w, &st);
	CHECK(st.stage_waits > 0);
	CHECK_EQ(max_inflight, 1);
	CHECK_EQ(st.bytes_written, 3 * len);
	writer_destroy(w);
}

/* A file writer_destroy closes still gets its tail. */
static void destroy_closes(void)
{
	const char *dir = direct_dir();
	struct writer *w;
	struct wfile *f;
	char path[256];

	if (!dir)
		return;

	snprintf(path, sizeof(path), "%s/unclosed", dir);
	CHECK_EQ(writer_create(&w, NULL), 0);
	CHECK_EQ(writer_open(w, path, WRITER_DIRECT, &f), 0);
	CHECK_EQ(writer_write(w, f, 0, want, 3000000, NULL), 0);
	writer_destroy(w);
	CHECK(file_is(path, 3000000));
}

/*
 * tmpfs: since Linux 6.6 it takes O_DIRECT, before that it refused it;
 * either way the bytes and the size must come out exact.
 */
static void on_shm(void)
{
	char dir[] = "/dev/shm/fs-writer-XXXXXX";
	char cmd[300];

	if (!mkdtemp(dir)) {
		CHECK(0);
		return;
	}
	fprintf(stderr, "/dev/shm %s O_DIRECT\n",
		fs_takes_odirect(dir) ? "takes" : "refuses");
	same_as_buffered(dir, 1 << 20, 3 << 20 | 12345);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK_EQ(system(cmd), 0);
}

/*
 * ramfs refuses O_DIRECT: mounted in a private mount namespace of a child,
 * the file must fall back to buffered (counted, still append-only) and
 * come out exact.  Skipped, and said so, where mounting is not allowed.
 */
static int fallback_child(void)
{
	char dir[] = "/tmp/fs-writer-ramfs-XXXXXX";
	struct writer_stats st;
	char path[300];
	struct writer *w;
	struct wfile *f;

	if (!mkdtemp(dir))
		return T_EXIT_FAIL;
	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("none", dir, "ramfs", 0, NULL)) {
		rmdir(dir);
		return T_EXIT_SKIP;
	}
	CHECK(!fs_takes_odirect(dir));
	snprintf(path, sizeof(path), "%s/fallback", dir);
	CHECK_EQ(writer_create(&w, NULL), 0);
	CHECK_EQ(writer_open(w, path, WRITER_DIRECT, &f), 0);
	CHECK(!wfile_is_direct(f));
	CHECK_EQ(writer_write(w, f, 0, want, 1 << 20 | 77, NULL), 0);
	CHECK_EQ(writer_write(w, f, 5, want, 10, NULL), -EINVAL);
	CHECK_EQ(writer_write_copy(w, f, 1 << 20 | 77, want + (1 << 20 | 77),
				   100),
		 0);
	CHECK_EQ(writer_close(w, f), 0);
	CHECK(file_is(path, (1 << 20) + 177));
	writer_get_stats(w, &st);
	CHECK_EQ(st.direct_fallbacks, 1);
	CHECK_EQ(st.bytes_staged, 0);
	writer_destroy(w);
	umount(dir);
	rmdir(dir);
	return t_result();
}

/*
 * RLIMIT_FSIZE at two blocks: the blocks land, the tail past the limit
 * fails (EFBIG), and close says so.  In a child: the limit is per process.
 */
static int tail_error_child(const char *dir)
{
	struct writer_opts o = {.direct_block_size = 65536};
	struct rlimit rl = {2 * 65536, 2 * 65536};
	struct writer_stats st;
	struct writer *w;
	struct wfile *f;
	char path[256];

	signal(SIGXFSZ, SIG_IGN);
	if (setrlimit(RLIMIT_FSIZE, &rl))
		return T_EXIT_FAIL;
	snprintf(path, sizeof(path), "%s/efbig", dir);
	CHECK_EQ(writer_create(&w, &o), 0);
	CHECK_EQ(writer_open(w, path, WRITER_DIRECT, &f), 0);
	CHECK_EQ(writer_write(w, f, 0, want, 2 * 65536 + 100, NULL), 0);
	CHECK_EQ(writer_close(w, f), -EFBIG);
	CHECK(file_is(path, 2 * 65536));
	writer_get_stats(w, &st);
	CHECK_EQ(st.write_errors, 1);
	CHECK_EQ(st.bytes_failed, 100);
	CHECK_EQ(st.bytes_written, 2 * 65536);
	writer_destroy(w);
	return t_result();
}

/* Run fn in a child; its failures count here, its skip skips the case. */
static void in_child(const char *why, int (*fn)(const char *), const char *arg)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		t_failures = 0;
		_exit(fn(arg));
	}
	CHECK(pid > 0);
	if (pid <= 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
		t_failures++;
		return;
	}
	if (WEXITSTATUS(status) == T_EXIT_SKIP)
		t_skip("%s", why);
	else if (WEXITSTATUS(status) != T_EXIT_PASS)
		t_failures++;
}

static int fallback_entry(const char *unused)
{
	(void)unused;
	return fallback_child();
}

static void same_as_buffered_1m(void)
{
	const char *dir = direct_dir();

	if (dir)
		same_as_buffered(dir, 1 << 20, TOTAL);
}

static void same_as_buffered_16k(void)
{
	const char *dir = direct_dir();

	if (dir)
		same_as_buffered(dir, 16384, TOTAL - 4097);
}

static void ramfs_fallback(void)
{
	in_child("mounting ramfs is not allowed here", fallback_entry, NULL);
}

static void tail_error(void)
{
	const char *dir = direct_dir();

	if (dir)
		in_child("the child skipped", tail_error_child, dir);
}

/* file_is() without the message: for polling. */
static bool file_is_quiet(const char *path, size_t len)
{
	struct stat sb;

	return !stat(path, &sb) && (size_t)sb.st_size == len &&
	       file_is(path, len);
}

/* Polls f's file (up to 10 s) until it holds len bytes of want. */
static bool reaches(struct writer *w, const char *path, size_t len)
{
	int i;

	for (i = 0; i < 1000; i++) {
		writer_submit(w);
		if (file_is_quiet(path, len))
			return true;
		usleep(10000);
	}
	return file_is(path, len);
}

/*
 * With direct_flush_ms, a partial block reaches the file while it is
 * open (through the page cache), also behind full blocks and when the
 * block later fills; the file still ends exact at close, and the bytes
 * are counted once in bytes_written.
 */
static void flush_timer(void)
{
	const char *dir = direct_dir();
	struct writer_opts o = {.direct_block_size = 65536,
				.direct_blocks = 2,
				.direct_flush_ms = 1};
	struct writer_stats st;
	struct writer *w;
	struct wfile *f;
	char path[256];
	uint64_t off = 0;
	unsigned int i;

	snprintf(path, sizeof(path), "%s/flushed", dir);
	CHECK_EQ(writer_create(&w, &o), 0);
	CHECK_EQ(writer_open(w, path, WRITER_DIRECT, &f), 0);
	CHECK(wfile_is_direct(f));
	CHECK_EQ(writer_write(w, f, 0, want, 1000, NULL), 0);
	off = 1000;
	CHECK(reaches(w, path, off));
	/* More into the same partial block, then across several blocks. */
	CHECK_EQ(writer_write(w, f, off, want + off, 3000, NULL), 0);
	off += 3000;
	CHECK(reaches(w, path, off));
	for (i = 0; i < 40; i++) {
		uint32_t n = 1 + rnd() % 20000;

		CHECK_EQ(writer_write(w, f, off, want + off, n, NULL), 0);
		off += n;
		writer_submit(w);
	}
	CHECK(reaches(w, path, off));
	CHECK_EQ(writer_close(w, f), 0);
	CHECK(file_is(path, off));
	writer_get_stats(w, &st);
	CHECK_EQ(st.bytes_written, off);
	CHECK(st.bytes_flushed > 0);
	CHECK_EQ(st.write_errors, 0);
	writer_destroy(w);
}

static const struct t_case cases[] = {
	T_CASE(same_as_buffered_1m),
	T_CASE(same_as_buffered_16k),
	T_CASE(refs_dropped_at_once),
	T_CASE(exact_sizes),
	T_CASE(refusals),
	T_CASE(tiny_pool),
	T_CASE(destroy_closes),
	T_CASE(on_shm),
	T_CASE(ramfs_fallback),
	T_CASE(tail_error),
	T_CASE(flush_timer),
};

static int setup(void)
{
	size_t i;

	for (i = 0; i < TOTAL; i++)
		want[i] = rnd();
	return 0;
}

int main(int argc, char **argv)
{
	return t_run(argc, argv, cases, T_ARRAY_SIZE(cases), setup);
}
