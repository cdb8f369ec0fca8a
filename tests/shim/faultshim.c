// SPDX-License-Identifier: GPL-2.0
/*
 * faultshim: LD_PRELOAD fault injection for the CLI tests.
 *
 *   FS_FAIL_PTHREAD_CREATE=N   the Nth pthread_create() call fails (EAGAIN)
 *
 * With the variable unset every call goes through unchanged.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

typedef int (*create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *),
			 void *);

int pthread_create(pthread_t *t, const pthread_attr_t *attr,
		   void *(*fn)(void *), void *arg)
{
	static create_fn real;
	static int calls;
	const char *fail = getenv("FS_FAIL_PTHREAD_CREATE");

	if (!real)
		real = (create_fn)dlsym(RTLD_NEXT, "pthread_create");
	if (fail &&
	    __atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED) == atoi(fail))
		return EAGAIN;
	return real(t, attr, fn, arg);
}
