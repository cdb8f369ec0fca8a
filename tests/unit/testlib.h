/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal test helpers in the liburing style: one program per test, exit 0
 * on pass, 1 on fail, 77 on skip.  CHECK() records a failure and goes on so
 * that one run reports every broken case.
 */
#ifndef FS_TESTLIB_H
#define FS_TESTLIB_H

#include <stdio.h>
#include <stdlib.h>

#define T_EXIT_PASS 0
#define T_EXIT_FAIL 1
#define T_EXIT_SKIP 77

static int t_failures;

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

#endif /* FS_TESTLIB_H */
