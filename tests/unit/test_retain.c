// SPDX-License-Identifier: GPL-2.0
/*
 * retain: -W keeps the newest N files of a series, --max-disk deletes the
 * oldest first down to the byte budget, a name that now holds another
 * file is never deleted, a retired file is deleted, and -z runs its
 * command once per finished file, at most max_jobs at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "out/retain.h"
#include "testlib.h"

/* Make dir/name with len bytes and tell r's series 0 it is finished. */
static void finish_file(struct retain *r, const char *dir, const char *name,
			unsigned int len, enum pcap_out_file_kind kind)
{
	char path[512], buf[256] = {0};
	struct pcap_out_file f = {.kind = kind, .bytes = len, .path = path};
	struct stat sb;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	CHECK(fd >= 0);
	while (len) {
		unsigned int n = len < sizeof(buf) ? len : sizeof(buf);

		CHECK_EQ(write(fd, buf, n), (ssize_t)n);
		len -= n;
	}
	close(fd);
	CHECK_EQ(stat(path, &sb), 0);
	f.dev = sb.st_dev;
	f.ino = sb.st_ino;
	CHECK_EQ(retain_on_file(retain_series(r, 0), &f), 0);
}

static bool exists(const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return !access(path, F_OK);
}

static void keep_newest(void)
{
	const char *dir = t_tmpdir();
	struct retain_opts o = {.max_files = 2};
	struct retain_stats st;
	struct retain *r;
	char name[16];
	int i;

	CHECK_EQ(retain_create(&r, &o, 1), 0);
	for (i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		finish_file(r, dir, name, 100, PCAP_OUT_FINISHED);
	}
	retain_poll(r);
	retain_get_stats(r, &st);
	CHECK_EQ(st.finished, 5);
	CHECK_EQ(st.deleted, 3);
	CHECK_EQ(st.deleted_bytes, 300);
	CHECK(!exists(dir, "f0") && !exists(dir, "f2"));
	CHECK(exists(dir, "f3") && exists(dir, "f4"));
	retain_destroy(r);
}

/* The budget counts finished files; the oldest go first. */
static void byte_budget(void)
{
	const char *dir = t_tmpdir();
	struct retain_opts o = {.max_bytes = 2500};
	struct retain_stats st;
	struct retain *r;

	CHECK_EQ(retain_create(&r, &o, 1), 0);
	finish_file(r, dir, "a", 1000, PCAP_OUT_FINISHED);
	finish_file(r, dir, "b", 1000, PCAP_OUT_FINISHED);
	retain_poll(r);
	finish_file(r, dir, "c", 1000, PCAP_OUT_FINISHED);
	retain_poll(r);
	retain_get_stats(r, &st);
	CHECK_EQ(st.deleted, 1);
	CHECK(!exists(dir, "a") && exists(dir, "b") && exists(dir, "c"));
	retain_destroy(r);
}

/* A name that holds another file now (reused) keeps it. */
static void reused_name_kept(void)
{
	const char *dir = t_tmpdir();
	struct retain_opts o = {.max_files = 1};
	struct retain_stats st;
	char a[512], tmp[512];
	struct retain *r;
	int fd;

	CHECK_EQ(retain_create(&r, &o, 1), 0);
	finish_file(r, dir, "x", 10, PCAP_OUT_FINISHED);
	snprintf(a, sizeof(a), "%s/x", dir);
	snprintf(tmp, sizeof(tmp), "%s/x.new", dir);
	fd = open(tmp, O_CREAT | O_WRONLY, 0644);
	close(fd);
	CHECK_EQ(rename(tmp, a), 0); /* x is another file now */
	finish_file(r, dir, "y", 10, PCAP_OUT_FINISHED);
	retain_poll(r);
	retain_get_stats(r, &st);
	CHECK_EQ(st.deleted, 0);
	CHECK_EQ(st.delete_errors, 0);
	CHECK(exists(dir, "x") && exists(dir, "y"));
	CHECK(!exists(dir, ".x.flowsplice-del"));
	retain_destroy(r);
}

/* A retired file (renamed aside by -W's ring) is deleted and counted. */
static void retired_deleted(void)
{
	const char *dir = t_tmpdir();
	struct retain_opts o = {.max_files = 0};
	struct retain_stats st;
	struct retain *r;

	CHECK_EQ(retain_create(&r, &o, 1), 0);
	finish_file(r, dir, ".p0.flowsplice-old", 50, PCAP_OUT_RETIRED);
	retain_poll(r);
	retain_get_stats(r, &st);
	CHECK_EQ(st.deleted, 1);
	CHECK(!exists(dir, ".p0.flowsplice-old"));
	retain_destroy(r);
}

/* -z: each file once, at most max_jobs at once, waited for at finish. */
static void commands(void)
{
	const char *dir = t_tmpdir();
	struct retain_opts o = {.max_jobs = 2};
	char script[512], name[32];
	struct retain_stats st;
	struct retain *r;
	sigset_t none;
	FILE *f;
	int i;

	snprintf(script, sizeof(script), "%s/z.sh", dir);
	f = fopen(script, "w");
	fprintf(f, "#!/bin/sh\nsleep 0.1\ntouch \"$1.done\"\n");
	fclose(f);
	chmod(script, 0755);
	o.command = script;
	CHECK_EQ(retain_create(&r, &o, 1), 0);
	for (i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		finish_file(r, dir, name, 10, PCAP_OUT_FINISHED);
	}
	retain_poll(r);
	retain_get_stats(r, &st);
	CHECK_EQ(st.commands, 2);
	CHECK_EQ(st.commands_waiting, 3);
	sigemptyset(&none);
	retain_finish(r, &none);
	retain_get_stats(r, &st);
	CHECK_EQ(st.commands, 5);
	CHECK_EQ(st.commands_failed, 0);
	CHECK_EQ(st.commands_waiting, 0);
	for (i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "f%d.done", i);
		CHECK(exists(dir, name));
	}
	retain_destroy(r);
}

static const struct t_case cases[] = {
	T_CASE(keep_newest),	 T_CASE(byte_budget), T_CASE(reused_name_kept),
	T_CASE(retired_deleted), T_CASE(commands),
};

T_MAIN(cases)
