// SPDX-License-Identifier: GPL-2.0
/*
 * xdp_pins: the directory where the classifier's maps are pinned, which
 * must be on a bpf file system (mounted at /sys/fs/bpf when it is not and
 * the path lies there).  Checked before anything is created.
 */
#include <errno.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "lib/log.h"
#include "lib/mkdir_p.h"
#include "live/xdp_prog_int.h"

#define BPFFS "/sys/fs/bpf"

int xdp_pins_mkdir(const char *dir)
{
	return mkdir_p(dir, 0700);
}

/*
 * Pins live on a bpffs: pin_path must be a directory there, or be made in
 * one (its nearest existing ancestor is on a bpffs); the kernel's own
 * answer otherwise is a bare EINVAL at the first pin.
 */
int xdp_pins_check(const char *pin_path, char *why, size_t whylen)
{
	char dir[PATH_MAX], *slash;
	struct statfs fs;
	struct stat st;
	int err;

	if (snprintf(dir, sizeof(dir), "%s", pin_path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	while (stat(dir, &st)) {
		if (errno != ENOENT)
			goto err;
		slash = strrchr(dir, '/');
		if (!slash)
			snprintf(dir, sizeof(dir), ".");
		else if (slash == dir)
			dir[1] = 0;
		else
			*slash = 0;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(why, whylen, "pin path %s: %s is not a directory",
			 pin_path, dir);
		return -ENOTDIR;
	}
	if (statfs(dir, &fs))
		goto err;
	if (fs.f_type == BPF_FS_MAGIC)
		return 0;
	if (strcmp(dir, pin_path))
		snprintf(why, whylen,
			 "pin path %s does not exist, and %s is not on a bpf "
			 "file system to make it in (mount -t bpf bpf DIR)",
			 pin_path, dir);
	else
		snprintf(why, whylen,
			 "pin path %s is not on a bpf file system (mount -t "
			 "bpf bpf DIR)",
			 pin_path);
	return -EINVAL;
err:
	err = -errno;
	snprintf(why, whylen, "pin path %s: %s", dir, strerror(-err));
	return err;
}

/* Pins need bpffs; it is not always mounted at /sys/fs/bpf here. */
int xdp_pins_prepare(const char *pin_path, char *why, size_t whylen)
{
	struct statfs st;
	int err;

	if (!strncmp(pin_path, BPFFS "/", sizeof(BPFFS)) &&
	    (statfs(BPFFS, &st) || st.f_type != BPF_FS_MAGIC)) {
		if (mount("bpf", BPFFS, "bpf", 0, "mode=0700")) {
			err = -errno;
			snprintf(why, whylen, "mounting bpffs on %s: %s", BPFFS,
				 strerror(-err));
			return err;
		}
		pr_info("mounted bpffs on %s\n", BPFFS);
	}
	return xdp_pins_check(pin_path, why, whylen);
}
