/* SPDX-License-Identifier: GPL-2.0 */
/* mkdir_p: a directory and its missing parents, as mkdir -p. */
#ifndef FS_MKDIR_P_H
#define FS_MKDIR_P_H

#include <sys/types.h>

/*
 * Create dir and every missing parent with mode (existing ones are fine).
 * 0 or -errno (-ENAMETOOLONG past PATH_MAX).  Synchronous: start-up only.
 */
int mkdir_p(const char *dir, mode_t mode);

#endif /* FS_MKDIR_P_H */
