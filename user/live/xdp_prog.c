// SPDX-License-Identifier: GPL-2.0
/*
 * xdp_prog: attaching the classifier through libxdp (dispatcher or single
 * legacy program, whichever the kernel allows), finding one an operator
 * loaded, and the map operations capture and `flowsplice filter` need.
 * Owns the skeleton and libxdp program of an attachment it made, and the
 * map fds of one it found.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "classifier.skel.h"
#include "classifier_nic.skel.h"
#include "lib/log.h"
#include "live/xdp_prog.h"
#include "live/xdp_prog_int.h"
#include "live/xdp_rules.h"

#define PROG_NAME "fs_classify"
#define MAX_PROG_MAPS 16
/* Linux 6.3 UAPI (Debian 12's headers are 6.1's): a device-bound program. */
#ifndef BPF_F_XDP_DEV_BOUND_ONLY
#define BPF_F_XDP_DEV_BOUND_ONLY (1U << 6)
#endif
/*
 * Serialises finding the classifier and recording the capture that uses
 * it, so that two captures started at once cannot both take it.
 */
#define ATTACH_LOCK "/run/flowsplice.lock"

static const char *const map_names[M_NR] = {
	"xsks",	    "fs_rules", "fs_ctl",  "fs_stats", "fs_qstats",
	"fs_progs", "fs_hosts", "fs_nets", "fs_ports"};

/* The value size and entry count each map must have. */
static const struct {
	__u32 value_size, max_entries;
} map_shapes[M_NR] = {
	{sizeof(__u32), FS_MAX_QUEUES},
	{sizeof(struct fs_ruleset), FS_RULE_SLOTS},
	{sizeof(__u32), FS_CTL_MAX},
	{sizeof(__u64), FS_STAT_MAX},
	{sizeof(__u64), FS_MAX_QUEUES},
	{sizeof(__u32), FS_PROG_SLOTS},
	{sizeof(__u8), FS_SET_MAP_ENTRIES},
	{sizeof(__u8), FS_SET_MAP_ENTRIES},
	{sizeof(__u8), FS_SET_MAP_ENTRIES},
};

const char *xdp_prog_mode_name(enum xdp_prog_mode mode)
{
	switch (mode) {
	case XDP_PROG_MODE_NATIVE:
		return "native";
	case XDP_PROG_MODE_GENERIC:
		return "generic";
	default:
		return "auto";
	}
}

static struct xdp_prog *prog_new(int ifindex)
{
	struct xdp_prog *p = calloc(1, sizeof(*p));
	int i;

	if (!p)
		return NULL;
	p->ifindex = ifindex;
	p->ncpus = libbpf_num_possible_cpus();
	for (i = 0; i < M_NR; i++)
		p->map_fd[i] = -1;
	p->helper_fd = -1;
	return p;
}

static void prog_free(struct xdp_prog *p)
{
	int i;

	if (!p)
		return;
	if (p->reused)
		for (i = 0; i < M_NR; i++)
			if (p->map_fd[i] >= 0)
				close(p->map_fd[i]);
	xdp_program__close(p->prog);
	bpf_object__close(p->obj);
	free(p);
}

/*
 * What is attached to ifindex: the id of an fs_classify program (0 if
 * none), the mode, and whether libxdp's dispatcher runs it.
 */
static int query_attached(int ifindex, __u32 *id, enum xdp_attach_mode *mode,
			  bool *multiprog)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	struct xdp_program *prog;
	long err = libxdp_get_error(mp);

	*id = 0;
	if (err == -ENOENT || (!err && !mp))
		return 0;
	if (err)
		return err;
	*mode = xdp_multiprog__attach_mode(mp);
	*multiprog = !xdp_multiprog__is_legacy(mp);
	if (!*multiprog) {
		prog = xdp_multiprog__main_prog(mp);
		if (prog && !strcmp(xdp_program__name(prog), PROG_NAME))
			*id = xdp_program__id(prog);
	} else {
		for (prog = xdp_multiprog__next_prog(NULL, mp); prog;
		     prog = xdp_multiprog__next_prog(prog, mp))
			if (!strcmp(xdp_program__name(prog), PROG_NAME))
				*id = xdp_program__id(prog);
	}
	xdp_multiprog__close(mp);
	return 0;
}

static int check_map(int fd, int idx, __u32 *id)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (info.value_size != map_shapes[idx].value_size ||
	    info.max_entries != map_shapes[idx].max_entries) {
		pr_warn("map %s: value size %u, %u entries: not the layout "
			"this flowsplice was built with (a classifier from "
			"another build? xdp-loader unload IFACE --all)\n",
			map_names[idx], info.value_size, info.max_entries);
		return -EPROTO;
	}
	*id = info.id;
	return 0;
}

/*
 * Found in place: classifier_nic (its BTF declares the metadata kfunc,
 * which only a device-bound program may call; the kernel's program info
 * does not tell a device-bound program from another).
 */
static bool calls_nic_kfunc(__u32 btf_id)
{
	struct btf *btf = btf_id ? btf__load_from_kernel_by_id(btf_id) : NULL;
	bool yes;

	if (!btf)
		return false;
	yes = btf__find_by_name_kind(btf, "bpf_xdp_metadata_rx_timestamp",
				     BTF_KIND_FUNC) >= 0;
	btf__free(btf);
	return yes;
}

/* The classifier's maps, by name among the maps the program uses. */
static int maps_from_prog(struct xdp_prog *p, __u32 prog_id)
{
	__u32 ids[MAX_PROG_MAPS], i, len, id;
	struct bpf_prog_info info = {};
	struct bpf_map_info mi;
	int prog_fd, fd, k, err = 0;

	prog_fd = bpf_prog_get_fd_by_id(prog_id);
	if (prog_fd < 0)
		return -errno;
	info.nr_map_ids = MAX_PROG_MAPS;
	info.map_ids = (__u64)(unsigned long)ids;
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		err = -errno;
	close(prog_fd);
	p->nic_ts = !err && calls_nic_kfunc(info.btf_id);
	for (i = 0; !err && i < info.nr_map_ids && i < MAX_PROG_MAPS; i++) {
		fd = bpf_map_get_fd_by_id(ids[i]);
		memset(&mi, 0, sizeof(mi));
		len = sizeof(mi);
		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &mi, &len)) {
			err = -errno;
			break;
		}
		for (k = 0; k < M_NR; k++)
			if (p->map_fd[k] < 0 && !strcmp(mi.name, map_names[k]))
				break;
		if (k == M_NR) {
			close(fd);
			continue;
		}
		p->map_fd[k] = fd;
		err = check_map(fd, k, &id);
	}
	for (k = 0; !err && k < M_NR; k++)
		if (p->map_fd[k] < 0) {
			pr_warn("program %u has no map %s\n", prog_id,
				map_names[k]);
			err = -ENOENT;
		}
	return err;
}

/* Pins under pin_path must be the maps the attached program uses. */
static int check_pins(const struct xdp_prog *p, const char *pin_path)
{
	char path[PATH_MAX];
	__u32 want, got;
	int k, fd, err;

	for (k = 0; k < M_NR; k++) {
		snprintf(path, sizeof(path), "%s/%s", pin_path, map_names[k]);
		fd = bpf_obj_get(path);
		if (fd < 0) {
			pr_warn("%s: %s\n", path, strerror(errno));
			return -ESTALE;
		}
		err = check_map(fd, k, &got);
		close(fd);
		if (!err)
			err = check_map(p->map_fd[k], k, &want);
		if (err)
			return err;
		if (got != want) {
			pr_warn("%s is not the map of the attached classifier "
				"(stale pin?)\n",
				path);
			return -ESTALE;
		}
	}
	return 0;
}

static int find_attached(int ifindex, const char *pin_path,
			 struct xdp_prog **out)
{
	enum xdp_attach_mode am = XDP_MODE_UNSPEC;
	struct xdp_prog *p;
	bool multi = false;
	__u32 id;
	int err;

	err = query_attached(ifindex, &id, &am, &multi);
	if (err)
		return err;
	if (!id)
		return -ENOENT;
	p = prog_new(ifindex);
	if (!p)
		return -ENOMEM;
	p->reused = true;
	p->id = id;
	p->multiprog = multi;
	p->mode = am == XDP_MODE_SKB ? XDP_PROG_MODE_GENERIC
				     : XDP_PROG_MODE_NATIVE;
	err = maps_from_prog(p, id);
	if (!err && pin_path)
		err = check_pins(p, pin_path);
	if (err) {
		prog_free(p);
		return err;
	}
	*out = p;
	return 0;
}

/*
 * A program left attached by a flowsplice that is gone becomes ours: it
 * is detached on exit, as if this run had attached it.
 */
static void adopt(struct xdp_prog *p, __u32 pid, char *why, size_t whylen)
{
	struct xdp_program *prog;

	if (p->multiprog)
		return;
	prog = xdp_program__from_id(p->id);
	if (libxdp_get_error(prog)) {
		pr_warn("program %u, left by flowsplice pid %u: %s\n", p->id,
			pid, strerror(-libxdp_get_error(prog)));
		return;
	}
	p->prog = prog;
	p->adopted = true;
	xdp_owner_set(p, p->id);
	snprintf(why, whylen,
		 "%s: taking over the %s program left attached by flowsplice "
		 "pid %u, which is gone (detached on exit)",
		 xdp_prog_mode_name(p->mode), PROG_NAME, pid);
}

int xdp_prog_find(int ifindex, const char *pin_path, struct xdp_prog **out)
{
	return find_attached(ifindex, pin_path, out);
}

int xdp_prog_check_busy(int ifindex, char *why, size_t whylen)
{
	struct xdp_prog *p;
	int err;

	/* Anything else wrong with it is for xdp_prog_attach() to say. */
	if (find_attached(ifindex, NULL, &p))
		return 0;
	err = xdp_user_check(p, why, whylen);
	prog_free(p);
	return err;
}

/* Why AUTO picks generic: a device without a parent is virtual. */
static bool pick_generic(int ifindex, char *why, size_t whylen)
{
	struct ethtool_drvinfo di = {.cmd = ETHTOOL_GDRVINFO};
	char name[IF_NAMESIZE] = "?", path[PATH_MAX];
	struct ifreq ifr = {};
	bool virt;
	int fd;

	if_indextoname(ifindex, name);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_data = (void *)&di;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || ioctl(fd, SIOCETHTOOL, &ifr))
		snprintf(di.driver, sizeof(di.driver), "unknown");
	if (fd >= 0)
		close(fd);
	snprintf(path, sizeof(path), "/sys/class/net/%s/device", name);
	virt = access(path, F_OK) != 0;
	if (!strcmp(di.driver, "veth"))
		snprintf(why, whylen,
			 "generic: %s is a veth (virtual device); "
			 "native mode would disable the peer's GSO",
			 name);
	else if (virt)
		snprintf(why, whylen,
			 "generic: %s (driver %s) is a virtual "
			 "device",
			 name, di.driver);
	else
		snprintf(why, whylen,
			 "native: %s (driver %s) is a physical "
			 "device",
			 name, di.driver);
	return virt || !strcmp(di.driver, "veth");
}

enum xdp_prog_mode xdp_prog_resolve_mode(int ifindex, enum xdp_prog_mode mode)
{
	char why[160];

	if (mode != XDP_PROG_MODE_AUTO)
		return mode;
	return pick_generic(ifindex, why, sizeof(why)) ? XDP_PROG_MODE_GENERIC
						       : XDP_PROG_MODE_NATIVE;
}

static void set_pins(struct bpf_object *obj, bool pin)
{
	struct bpf_map *m;

	if (pin)
		return;
	/* Maps are LIBBPF_PIN_BY_NAME for xdp-loader; we pin only on request. */
	bpf_object__for_each_map(m, obj) bpf_map__set_pin_path(m, NULL);
}

/*
 * The classifier's object: the plain one, or classifier_nic set up to
 * load device-bound to ifindex (the metadata kfunc needs it; such a
 * program attaches in native mode only).  NULL with errno.
 */
static struct bpf_object *open_classifier(bool nic, int ifindex,
					  const char *pin_path)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = pin_path,
		    .object_name = "classifier");
	struct bpf_program *prog;
	struct bpf_object *obj;
	const void *elf;
	size_t sz;

	elf = nic ? classifier_nic__elf_bytes(&sz) : classifier__elf_bytes(&sz);
	obj = bpf_object__open_mem(elf, sz, &oo);
	if (!obj)
		return NULL;
	set_pins(obj, pin_path != NULL);
	prog = bpf_object__find_program_by_name(obj, PROG_NAME);
	if (nic && prog) {
		bpf_program__set_ifindex(prog, ifindex);
		bpf_program__set_flags(prog, bpf_program__flags(prog) |
						     BPF_F_XDP_DEV_BOUND_ONLY);
	}
	return obj;
}

int xdp_prog_probe_nic_ts(int ifindex, char *why, size_t whylen)
{
	struct bpf_object *obj = open_classifier(true, ifindex, NULL);
	int err = obj ? 0 : -errno;

	if (!err) {
		log_quiet_libs(true);
		err = bpf_object__load(obj);
		log_quiet_libs(false);
		bpf_object__close(obj);
	}
	if (err)
		snprintf(why, whylen,
			 "the kernel refused the device-bound classifier "
			 "(%s)",
			 strerror(-err));
	return err;
}

/* Open, load and attach a fresh classifier (nic: classifier_nic) in am. */
static int attach_new(struct xdp_prog *p, enum xdp_attach_mode am,
		      const char *pin_path, bool nic)
{
	DECLARE_LIBXDP_OPTS(xdp_program_opts, xo, .prog_name = PROG_NAME);
	int err, k;

	p->obj = open_classifier(nic, p->ifindex, pin_path);
	if (!p->obj)
		return -errno;
	xo.obj = p->obj;
	p->prog = xdp_program__create(&xo);
	err = libxdp_get_error(p->prog);
	if (err) {
		p->prog = NULL;
		return err;
	}
	/*
	 * Expected to fail, and reported by the caller in its own words: the
	 * dispatcher (libxdp falls back to a single program when the kernel
	 * or bpffs refuses it) and a program already on the interface.
	 */
	log_quiet_libs(true);
	err = xdp_program__attach(p->prog, p->ifindex, am, 0);
	log_quiet_libs(false);
	if (err)
		return err;
	for (k = 0; k < M_NR; k++) {
		struct bpf_map *m =
			bpf_object__find_map_by_name(p->obj, map_names[k]);

		p->map_fd[k] = m ? bpf_map__fd(m) : -ENOENT;
	}
	p->mode = am == XDP_MODE_SKB ? XDP_PROG_MODE_GENERIC
				     : XDP_PROG_MODE_NATIVE;
	p->nic_ts = nic;
	return 0;
}

/* Undo attach_new(), including pins it made; leaves p reusable. */
void xdp_prog_release_new(struct xdp_prog *p)
{
	enum xdp_attach_mode am = p->mode == XDP_PROG_MODE_GENERIC
					  ? XDP_MODE_SKB
					  : XDP_MODE_NATIVE;
	int err;

	if (p->prog && xdp_program__is_attached(p->prog, p->ifindex)) {
		err = xdp_program__detach(p->prog, p->ifindex, am, 0);
		if (err)
			pr_warn("detaching the classifier from ifindex %d: %s\n",
				p->ifindex, strerror(-err));
	}
	if (p->obj && p->pin_path[0]) {
		bpf_object__unpin_maps(p->obj, NULL);
		rmdir(p->pin_path);
	}
	xdp_program__close(p->prog);
	p->prog = NULL;
	bpf_object__close(p->obj);
	p->obj = NULL;
	p->nic_ts = false;
}

/*
 * Native mode with nic: classifier_nic first, the plain classifier if the
 * kernel or the driver refuses it (the reason in p->nic_why).
 */
static int attach_mode(struct xdp_prog *p, bool generic, const char *pin_path,
		       bool nic)
{
	int err;

	if (nic && generic)
		snprintf(p->nic_why, sizeof(p->nic_why),
			 "a device-bound program runs in native mode only");
	if (nic && !generic) {
		err = attach_new(p, XDP_MODE_NATIVE, pin_path, true);
		if (!err)
			return 0;
		snprintf(p->nic_why, sizeof(p->nic_why),
			 "the device-bound classifier was refused (%s)",
			 strerror(-err));
		xdp_prog_release_new(p);
	}
	return attach_new(p, generic ? XDP_MODE_SKB : XDP_MODE_NATIVE, pin_path,
			  false);
}

static int attach_fresh(struct xdp_prog *p, enum xdp_prog_mode mode,
			const char *pin_path, bool nic, char *why,
			size_t whylen)
{
	bool generic = mode == XDP_PROG_MODE_GENERIC;
	char reason[160];
	int err;

	if (mode == XDP_PROG_MODE_AUTO)
		generic = pick_generic(p->ifindex, reason, sizeof(reason));
	else
		snprintf(reason, sizeof(reason), "%s: requested",
			 xdp_prog_mode_name(mode));
	p->mode = generic ? XDP_PROG_MODE_GENERIC : XDP_PROG_MODE_NATIVE;
	err = attach_mode(p, generic, pin_path, nic);
	if (err && !generic && mode == XDP_PROG_MODE_AUTO) {
		xdp_prog_release_new(p);
		snprintf(reason, sizeof(reason),
			 "generic: the driver refused native XDP (%s)",
			 strerror(-err));
		p->mode = XDP_PROG_MODE_GENERIC;
		err = attach_mode(p, true, pin_path, nic);
	}
	if (err) {
		snprintf(why, whylen, "attaching in %s mode: %s",
			 xdp_prog_mode_name(p->mode), strerror(-err));
		return err;
	}
	snprintf(why, whylen, "%s", reason);
	return 0;
}

/*
 * Name the program that holds ifindex's XDP hook when an attach was
 * refused as busy: its id, name and mode, and how to remove it.  False
 * when nothing is attached (the refusal was about something else).
 */
static bool describe_holder(int ifindex, char *why, size_t whylen)
{
	static const char *const modes[][2] = {
		{"generic", "xdpgeneric"},
		{"native", "xdpdrv"},
		{"offload", "xdpoffload"},
	};
	LIBBPF_OPTS(bpf_xdp_query_opts, qo);
	struct bpf_prog_info info = {};
	char ifname[IF_NAMESIZE] = "IFACE";
	__u32 len = sizeof(info), ids[3];
	unsigned int i;
	int fd;

	if (bpf_xdp_query(ifindex, 0, &qo))
		return false;
	ids[0] = qo.skb_prog_id;
	ids[1] = qo.drv_prog_id;
	ids[2] = qo.hw_prog_id;
	for (i = 0; i < 3 && !ids[i]; i++)
		;
	if (i == 3)
		return false;
	fd = bpf_prog_get_fd_by_id(ids[i]);
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		snprintf(info.name, sizeof(info.name), "?");
	if (fd >= 0)
		close(fd);
	if_indextoname(ifindex, ifname);
	snprintf(why, whylen,
		 "XDP program %u (%s) is already attached to %s in %s mode: "
		 "remove it first (xdp-loader unload %s --all, or ip link set "
		 "dev %s %s off)",
		 ids[i], info.name, ifname, modes[i][0], ifname, ifname,
		 modes[i][1]);
	return true;
}

static int attach_locked(struct xdp_prog **out, int ifindex,
			 enum xdp_prog_mode mode, const char *pin_path,
			 bool nic, char *why, size_t whylen)
{
	enum xdp_attach_mode am;
	char line[256];
	struct xdp_prog *p;
	__u32 id;
	int err;

	if (pin_path) {
		err = xdp_pins_prepare(pin_path, why, whylen);
		if (err)
			return err;
	}
	err = find_attached(ifindex, pin_path, &p);
	if (!err) {
		__u32 gone;

		err = xdp_user_check(p, why, whylen);
		if (err) {
			prog_free(p);
			return err;
		}
		gone = xdp_owner_gone(p);

		snprintf(why, whylen,
			 "%s: reusing the %s program already "
			 "attached (left in place on exit)%s",
			 xdp_prog_mode_name(p->mode), PROG_NAME,
			 p->multiprog ? ", behind the libxdp dispatcher" : "");
		if (gone)
			adopt(p, gone, why, whylen);
		xdp_user_set(p);
		*out = p;
		return 0;
	}
	if (err == -ESTALE) {
		snprintf(why, whylen,
			 "an %s program is attached, but %s does not hold its "
			 "maps (stale pins, or the wrong directory?)",
			 PROG_NAME, pin_path);
		return err;
	}
	if (err != -ENOENT) {
		snprintf(why, whylen, "looking for an attached classifier: %s",
			 strerror(-err));
		return err;
	}
	if (pin_path) {
		err = xdp_pins_mkdir(pin_path);
		if (err) {
			snprintf(why, whylen, "pin path %s: %s", pin_path,
				 strerror(-err));
			return err;
		}
	}
	p = prog_new(ifindex);
	if (!p)
		return -ENOMEM;
	if (pin_path)
		snprintf(p->pin_path, sizeof(p->pin_path), "%s", pin_path);
	err = attach_fresh(p, mode, pin_path, nic, line, sizeof(line));
	if ((err == -EBUSY || err == -EEXIST) &&
	    describe_holder(ifindex, line, sizeof(line)))
		err = -EBUSY;
	else if (!err)
		err = query_attached(ifindex, &id, &am, &p->multiprog);
	if (err) {
		snprintf(why, whylen, "%s", line);
		xdp_prog_release_new(p);
		prog_free(p);
		return err;
	}
	err = xdp_owner_set(p, id);
	if (err)
		pr_warn("recording the classifier's owner: %s\n",
			strerror(-err));
	xdp_user_set(p);
	snprintf(why, whylen, "%s; %s", line,
		 p->multiprog ? "behind the libxdp dispatcher"
			      : "single program (no libxdp dispatcher)");
	*out = p;
	return 0;
}

int xdp_prog_attach(struct xdp_prog **out, int ifindex, enum xdp_prog_mode mode,
		    const char *pin_path, bool nic_ts, char *why, size_t whylen)
{
	char dummy[1];
	int lock, err;

	if (!why) {
		why = dummy;
		whylen = sizeof(dummy);
	}
	/* Without /run (or writable), the check still runs, unserialised. */
	lock = open(ATTACH_LOCK, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
		    0600);
	if (lock >= 0 && flock(lock, LOCK_EX))
		pr_debug("flock %s: %s\n", ATTACH_LOCK, strerror(errno));
	err = attach_locked(out, ifindex, mode, pin_path, nic_ts, why, whylen);
	if (lock >= 0)
		close(lock);
	return err;
}

void xdp_prog_detach(struct xdp_prog *p)
{
	if (!p)
		return;
	xdp_user_clear(p);
	if (!xdp_detacher_detach(p) && (!p->reused || p->adopted))
		xdp_prog_release_new(p);
	prog_free(p);
}

int xdp_prog_xsks_fd(const struct xdp_prog *p)
{
	return p->map_fd[M_XSKS];
}

static struct xdp_rules_maps rules_maps(const struct xdp_prog *p)
{
	return (struct xdp_rules_maps){
		.rules_fd = p->map_fd[M_RULES],
		.ctl_fd = p->map_fd[M_CTL],
		.hosts_fd = p->map_fd[M_HOSTS],
		.nets_fd = p->map_fd[M_NETS],
		.ports_fd = p->map_fd[M_PORTS],
	};
}

int xdp_prog_get_rules(struct xdp_prog *p, struct filter_rules *out)
{
	struct xdp_rules_maps m = rules_maps(p);

	return xdp_rules_read(&m, out);
}

long xdp_prog_set_rules(struct xdp_prog *p, const struct filter_rules *r)
{
	struct xdp_rules_maps m = rules_maps(p);

	return xdp_rules_install(&m, r);
}

static int sum_percpu(struct xdp_prog *p, int idx, __u32 key, __u64 *out)
{
	__u64 *vals = calloc(p->ncpus, sizeof(*vals));
	int c, err = 0;

	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(p->map_fd[idx], &key, vals))
		err = -errno;
	*out = 0;
	for (c = 0; !err && c < p->ncpus; c++)
		*out += vals[c];
	free(vals);
	return err;
}

int xdp_prog_read_stats(struct xdp_prog *p, __u64 out[FS_STAT_MAX])
{
	__u32 k;
	int err;

	for (k = 0; k < FS_STAT_MAX; k++) {
		err = sum_percpu(p, M_STATS, k, &out[k]);
		if (err)
			return err;
	}
	return 0;
}

int xdp_prog_read_qstats(struct xdp_prog *p, unsigned int queue, __u64 *out)
{
	if (queue >= FS_MAX_QUEUES)
		return -EINVAL;
	return sum_percpu(p, M_QSTATS, queue, out);
}

enum xdp_prog_mode xdp_prog_mode(const struct xdp_prog *p)
{
	return p->mode;
}

bool xdp_prog_reused(const struct xdp_prog *p)
{
	return p->reused;
}

bool xdp_prog_multiprog(const struct xdp_prog *p)
{
	return p->multiprog;
}

void xdp_prog_filter_maps(const struct xdp_prog *p, struct cbpf_maps *out)
{
	out->stats_fd = p->map_fd[M_STATS];
	out->qstats_fd = p->map_fd[M_QSTATS];
	out->xsks_fd = p->map_fd[M_XSKS];
}

int xdp_prog_set_filter(struct xdp_prog *p, int prog_fd)
{
	__u32 k = FS_PROG_FILTER;

	if (prog_fd >= 0)
		return bpf_map_update_elem(p->map_fd[M_PROGS], &k, &prog_fd,
					   BPF_ANY)
			       ? -errno
			       : 0;
	if (bpf_map_delete_elem(p->map_fd[M_PROGS], &k) && errno != ENOENT)
		return -errno;
	return 0;
}

int xdp_prog_filter_id(struct xdp_prog *p, __u32 *id)
{
	__u32 k = FS_PROG_FILTER;

	*id = 0;
	if (bpf_map_lookup_elem(p->map_fd[M_PROGS], &k, id) && errno != ENOENT)
		return -errno;
	return 0;
}

bool xdp_prog_nic_ts(const struct xdp_prog *p, const char **why)
{
	if (why)
		*why = p->nic_why[0] ? p->nic_why : NULL;
	return p->nic_ts;
}
