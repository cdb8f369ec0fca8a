/* SPDX-License-Identifier: GPL-2.0 */
/*
 * privdrop: -Z USER, as tcpdump's.  Once everything that needs privilege
 * is set up, the process becomes USER (its uid, its primary group and its
 * supplementary groups) with no capabilities left in any set (effective,
 * permitted, inheritable, ambient, bounding) and no_new_privs set, so
 * that nothing it runs later (-z commands) can regain any.
 *
 * Per-thread state (capabilities, the bounding set) is changed in the
 * calling thread only, while setuid() and setgid() reach every thread
 * (glibc): call privdrop_apply() before creating threads, and threads
 * created afterwards inherit the empty sets.
 *
 *	struct privdrop pd;
 *
 *	privdrop_lookup("nobody", &pd, why, sizeof(why));  (at option time)
 *	... set up; privdrop_chown(&pd, path) for what must stay writable ...
 *	privdrop_apply(&pd, why, sizeof(why));
 */
#ifndef FS_PRIVDROP_H
#define FS_PRIVDROP_H

#include <stddef.h>
#include <sys/types.h>

struct privdrop {
	char name[64];
	uid_t uid;
	gid_t gid;
};

/* Resolve USER (a name, or a numeric uid).  0 or -errno, why set. */
int privdrop_lookup(const char *user, struct privdrop *pd, char *why,
		    size_t whylen);

/*
 * Give path (never followed if a symlink) to USER and its group, so that
 * it stays writable after the drop.  0 or -errno.
 */
int privdrop_chown(const struct privdrop *pd, const char *path);

/*
 * Become USER with no capabilities; then check that the kernel agrees
 * (uids, gids, every capability set empty).  0 or -errno, why set; on
 * failure the process may be half-way and must not go on.
 */
int privdrop_apply(const struct privdrop *pd, char *why, size_t whylen);

/*
 * The calling thread's effective, permitted and bounding capability
 * masks as the kernel reports them (/proc/self/status).  0 or -errno.
 */
int privdrop_caps(unsigned long long *eff, unsigned long long *prm,
		  unsigned long long *bnd);

#endif /* FS_PRIVDROP_H */
