/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test helpers in the liburing style: one program per module, exit 0 on
 * pass, 1 on fail, 77 on skip.  CHECK() records a failure and goes on so
 * that one run reports every broken case.
 *
 * A program is a table of named cases, as xskxceiver's:
 *
 *	static const struct t_case cases[] = {
 *		T_CASE(test_inorder),	   named "inorder"
 *		{"overhead-drop", overhead_drop},
 *	};
 *	T_MAIN(cases)
 *
 * "prog" runs every case, "prog NAME..." only those, "prog --list" prints
 * the names.  Each case that runs prints one line on stdout:
 * "PASS name", "FAIL name" or "SKIP name: reason" (T_SKIP() in the case).
 * The exit status is 1 when a case failed, 77 when every case that ran
 * skipped, 0 otherwise.  A program may still call its checks from its own
 * main() and return t_result().
 */
#ifndef FS_TESTLIB_H
#define FS_TESTLIB_H

#include <ftw.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T_EXIT_PASS 0
#define T_EXIT_FAIL 1
#define T_EXIT_SKIP 77

#define T_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int t_failures;

/* The case running now: whether it skipped, and why. */
static struct {
	bool skipped;
	char why[256];
	char tmpdir[64];
} t_cur;

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, \
				__LINE__, #cond);                              \
			t_failures++;                                          \
		}                                                              \
	} while (0)

#define CHECK_EQ(a, b)                                                    \
	do {                                                              \
		long long _a = (long long)(a), _b = (long long)(b);       \
		if (_a != _b) {                                           \
			fprintf(stderr,                                   \
				"%s:%d: %s == %s failed: %lld != %lld\n", \
				__FILE__, __LINE__, #a, #b, _a, _b);      \
			t_failures++;                                     \
		}                                                         \
	} while (0)

static inline int t_result(void)
{
	if (t_failures) {
		fprintf(stderr, "%d check(s) failed\n", t_failures);
		return T_EXIT_FAIL;
	}
	return T_EXIT_PASS;
}

/*
 * A check with a name, on a line of its own under the case's (indented,
 * so that it is not a case's line): a failure, with why, when !ok.
 */
static inline void t_report(const char *name, bool ok, const char *why)
{
	if (!ok)
		t_failures++;
	printf("  %s %s%s%s\n", ok ? "ok  " : "FAIL", name, ok ? "" : ": ",
	       ok ? "" : why);
}

/* Marks the running case skipped; its checks still count. */
static inline void t_skip(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static inline void t_skip(const char *fmt, ...)
{
	va_list ap;

	t_cur.skipped = true;
	va_start(ap, fmt);
	vsnprintf(t_cur.why, sizeof(t_cur.why), fmt, ap);
	va_end(ap);
}

/* Skip the rest of the case (from the case function itself). */
#define T_SKIP(...)                  \
	do {                         \
		t_skip(__VA_ARGS__); \
		return;              \
	} while (0)

struct t_case {
	const char *name;
	void (*fn)(void);
};

/* A case named for its function, without a "test_" prefix. */
/* clang-format off */
#define T_CASE(fn) { #fn, fn }
/* clang-format on */

static inline const char *t_case_name(const struct t_case *c)
{
	return strncmp(c->name, "test_", 5) ? c->name : c->name + 5;
}

/*
 * A directory for the program's files, made on first use and removed,
 * with what is in it, once every case has run.
 */
static inline const char *t_tmpdir(void)
{
	if (!t_cur.tmpdir[0]) {
		strcpy(t_cur.tmpdir, "/tmp/fs-test-XXXXXX");
		if (!mkdtemp(t_cur.tmpdir)) {
			perror("mkdtemp");
			exit(T_EXIT_FAIL);
		}
	}
	return t_cur.tmpdir;
}

static inline int t_rm_one(const char *path, const struct stat *sb, int type,
			   struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

static inline void t_tmpdir_remove(void)
{
	if (!t_cur.tmpdir[0])
		return;
	if (nftw(t_cur.tmpdir, t_rm_one, 16, FTW_DEPTH | FTW_PHYS)) {
		fprintf(stderr, "removing %s failed\n", t_cur.tmpdir);
		t_failures++;
	}
	t_cur.tmpdir[0] = '\0';
}

static inline const struct t_case *t_find(const struct t_case *cases, size_t n,
					  const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(t_case_name(&cases[i]), name))
			return &cases[i];
	return NULL;
}

/* Runs one case; returns its exit status. */
static inline int t_run_case(const struct t_case *c)
{
	int before = t_failures;

	t_cur.skipped = false;
	t_cur.why[0] = '\0';
	c->fn();
	if (t_failures > before) {
		printf("FAIL %s\n", t_case_name(c));
		return T_EXIT_FAIL;
	}
	if (t_cur.skipped) {
		printf("SKIP %s: %s\n", t_case_name(c), t_cur.why);
		return T_EXIT_SKIP;
	}
	printf("PASS %s\n", t_case_name(c));
	return T_EXIT_PASS;
}

/*
 * The program's main: argv names the cases to run (none: all).  setup,
 * when given, runs once before the first case and returns 0, T_EXIT_FAIL,
 * or T_EXIT_SKIP after t_skip(): then every selected case skips.
 */
static inline int t_run(int argc, char **argv, const struct t_case *cases,
			size_t n, int (*setup)(void))
{
	const struct t_case *sel[n ? n : 1];
	size_t i, nsel = 0, npass = 0, nskip = 0;
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i < (size_t)argc; i++) {
		if (!strcmp(argv[i], "--list")) {
			for (i = 0; i < n; i++)
				printf("%s\n", t_case_name(&cases[i]));
			return T_EXIT_PASS;
		}
		if (nsel == n || !(sel[nsel++] = t_find(cases, n, argv[i]))) {
			fprintf(stderr,
				"%s: no case '%s' (--list lists them)\n",
				argv[0], argv[i]);
			return T_EXIT_FAIL;
		}
	}
	for (i = 0; !nsel && i < n; i++)
		sel[i] = &cases[i];
	nsel = nsel ? nsel : n;
	ret = setup ? setup() : T_EXIT_PASS;
	if (ret == T_EXIT_SKIP) {
		for (i = 0; i < nsel; i++)
			printf("SKIP %s: %s\n", t_case_name(sel[i]), t_cur.why);
		return T_EXIT_SKIP;
	}
	if (ret)
		return T_EXIT_FAIL;
	for (i = 0; i < nsel; i++) {
		ret = t_run_case(sel[i]);
		npass += ret == T_EXIT_PASS;
		nskip += ret == T_EXIT_SKIP;
	}
	t_tmpdir_remove();
	if (t_failures || npass + nskip < nsel)
		return t_result() ?: T_EXIT_FAIL;
	return nsel && nskip == nsel ? T_EXIT_SKIP : T_EXIT_PASS;
}

#define T_MAIN(cases)                                                       \
	int main(int argc, char **argv)                                     \
	{                                                                   \
		return t_run(argc, argv, cases, T_ARRAY_SIZE(cases), NULL); \
	}

#endif /* FS_TESTLIB_H */
