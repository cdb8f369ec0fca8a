/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xdp_prog internals shared by xdp_prog.c (attach, find, maps),
 * xdp_users.c (the owner and user records in fs_ctl) and xdp_pins.c (the
 * pin directory).  Not part of the API: callers use xdp_prog.h.
 */
#ifndef FS_XDP_PROG_INT_H
#define FS_XDP_PROG_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "live/xdp_prog.h"

enum {
	M_XSKS,
	M_RULES,
	M_CTL,
	M_STATS,
	M_QSTATS,
	M_PROGS,
	M_HOSTS,
	M_NETS,
	M_PORTS,
	M_NR
};

struct xdp_prog {
	int ifindex;
	enum xdp_prog_mode mode;
	bool reused;
	bool adopted; /* reused, but left by a flowsplice that is gone */
	bool user; /* this process is recorded as FS_CTL_USER */
	bool multiprog;
	__u32 id; /* the attached program's id, when found */
	int ncpus;
	/* device-bound classifier_nic: packets carry the NIC's timestamps */
	bool nic_ts;
	/* why it is not, when it was asked for (attach_fresh) */
	char nic_why[160];
	/* Ours: the object and libxdp's handle.  Found: map fds we own. */
	struct bpf_object *obj;
	struct xdp_program *prog;
	int map_fd[M_NR];
	char pin_path[PATH_MAX];
	/* xdp_detacher.c: the helper that detaches for us after -Z, or -1 */
	int helper_fd;
	int helper_pid;
};

/* xdp_prog.c: undo what attach_new() did (detach, unpin, close). */
void xdp_prog_release_new(struct xdp_prog *p);

/* xdp_detacher.c: have the helper detach p; false if there is none. */
bool xdp_detacher_detach(struct xdp_prog *p);

/* xdp_users.c */
/* Record this process as the owner of program id (attached by us). */
int xdp_owner_set(struct xdp_prog *p, __u32 id);
/* The pid of the flowsplice that attached p and is gone, or 0. */
__u32 xdp_owner_gone(struct xdp_prog *p);
/* -EBUSY, the other capture named in why, while another capture uses p. */
int xdp_user_check(struct xdp_prog *p, char *why, size_t whylen);
/* Record this process as the capture that uses p; 0 or -errno. */
int xdp_user_set(struct xdp_prog *p);
void xdp_user_clear(struct xdp_prog *p);

/* xdp_pins.c: 0 or -errno, the reason in why. */
int xdp_pins_mkdir(const char *dir);
/* pin_path is, or can be made, a directory on bpffs; creates nothing. */
int xdp_pins_check(const char *pin_path, char *why, size_t whylen);
/* The same, mounting bpffs on /sys/fs/bpf first when the path is there. */
int xdp_pins_prepare(const char *pin_path, char *why, size_t whylen);

#endif /* FS_XDP_PROG_INT_H */
