// SPDX-License-Identifier: GPL-2.0
/*
 * privdrop: becoming -Z USER with no capabilities.  Raw capget/capset
 * and prctl: no libcap dependency for a dozen lines.
 */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/privdrop.h"

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

int privdrop_lookup(const char *user, struct privdrop *pd, char *why,
		    size_t whylen)
{
	struct passwd *pw;
	char *end;

	errno = 0;
	pw = getpwnam(user);
	if (!pw) {
		unsigned long uid = strtoul(user, &end, 10);

		if (*user && !*end)
			pw = getpwuid(uid);
	}
	if (!pw) {
		snprintf(why, whylen, "no such user: %s", user);
		return errno ? -errno : -ENOENT;
	}
	if (!pw->pw_uid) {
		snprintf(why, whylen, "%s is root: nothing to drop", user);
		return -EINVAL;
	}
	snprintf(pd->name, sizeof(pd->name), "%s", pw->pw_name);
	pd->uid = pw->pw_uid;
	pd->gid = pw->pw_gid;
	return 0;
}

int privdrop_chown(const struct privdrop *pd, const char *path)
{
	return lchown(path, pd->uid, pd->gid) ? -errno : 0;
}

/* The bounding set first: dropping from it needs CAP_SETPCAP. */
static int drop_bounding(void)
{
	int cap;

	for (cap = 0; cap <= 63; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno != EINVAL)
			return -errno;
	return 0;
}

/* Clear every set of this thread; setuid() alone keeps a uid 0 -> 0. */
static int clear_caps(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capset, &h, d))
		return -errno;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) &&
	    errno != EINVAL)
		return -errno;
	return 0;
}

int privdrop_caps(unsigned long long *eff, unsigned long long *prm,
		  unsigned long long *bnd)
{
	char line[256];
	int found = 0;
	FILE *f;

	f = fopen("/proc/thread-self/status", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		found += sscanf(line, "CapEff: %llx", eff) == 1;
		found += sscanf(line, "CapPrm: %llx", prm) == 1;
		found += sscanf(line, "CapBnd: %llx", bnd) == 1;
	}
	fclose(f);
	return found == 3 ? 0 : -EPROTO;
}

static int verify(const struct privdrop *pd, char *why, size_t whylen)
{
	unsigned long long eff = ~0ull, prm = ~0ull, bnd = ~0ull;
	uid_t r, e, s;
	gid_t rg, eg, sg;
	int ret;

	if (getresuid(&r, &e, &s) || getresgid(&rg, &eg, &sg))
		return -errno;
	if (r != pd->uid || e != pd->uid || s != pd->uid || rg != pd->gid ||
	    eg != pd->gid || sg != pd->gid) {
		snprintf(why, whylen,
			 "uids %u/%u/%u gids %u/%u/%u after the "
			 "drop",
			 r, e, s, rg, eg, sg);
		return -EPERM;
	}
	ret = privdrop_caps(&eff, &prm, &bnd);
	if (ret) {
		snprintf(why, whylen, "reading the capabilities back: %s",
			 strerror(-ret));
		return ret;
	}
	if (eff || prm || bnd) {
		snprintf(why, whylen,
			 "capabilities left: effective %llx "
			 "permitted %llx bounding %llx",
			 eff, prm, bnd);
		return -EPERM;
	}
	return 0;
}

int privdrop_apply(const struct privdrop *pd, char *why, size_t whylen)
{
	const char *step;
	int ret;

	step = "prctl(PR_SET_NO_NEW_PRIVS)";
	ret = prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ? -errno : 0;
	if (!ret) {
		step = "dropping the bounding set";
		ret = drop_bounding();
	}
	if (!ret) {
		step = "initgroups";
		ret = initgroups(pd->name, pd->gid) ? -errno : 0;
	}
	if (!ret) {
		step = "setresgid";
		ret = setresgid(pd->gid, pd->gid, pd->gid) ? -errno : 0;
	}
	if (!ret) {
		step = "setresuid";
		ret = setresuid(pd->uid, pd->uid, pd->uid) ? -errno : 0;
	}
	if (!ret) {
		step = "clearing the capabilities";
		ret = clear_caps();
	}
	if (ret) {
		snprintf(why, whylen, "%s: %s", step, strerror(-ret));
		return ret;
	}
	return verify(pd, why, whylen);
}
