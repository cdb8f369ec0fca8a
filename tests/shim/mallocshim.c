// SPDX-License-Identifier: GPL-2.0
/*
 * mallocshim: LD_PRELOAD allocation failure for the CLI tests.
 *
 *   FS_FAIL_MALLOC_MIN=N   every malloc() of N bytes or more fails (ENOMEM)
 *
 * A test picks a size only its input makes (a long filter, say).  Apart
 * from faultshim because an ASan build cannot have its malloc() replaced:
 * there, ASan's allocator_may_return_null and max_allocation_size_mb do
 * the same.  With the variable unset every call goes through unchanged.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>

typedef void *(*malloc_fn)(size_t);

void *malloc(size_t size)
{
	static malloc_fn real;
	static __thread int resolving;
	const char *fail;

	if (!real) {
		/* dlsym() may allocate: that one is refused, not recursed. */
		if (resolving)
			return NULL;
		resolving = 1;
		real = (malloc_fn)dlsym(RTLD_NEXT, "malloc");
		resolving = 0;
		if (!real)
			return NULL;
	}
	fail = getenv("FS_FAIL_MALLOC_MIN");
	if (fail && size >= strtoul(fail, NULL, 10)) {
		errno = ENOMEM;
		return NULL;
	}
	return real(size);
}
