/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Definitions shared by the XDP classifier (bpf/) and the flowsplice
 * program (user/): the rule format, the counter ids and the per-packet
 * metadata the classifier leaves in front of each frame.
 *
 * Fixed-width kernel types only, no libc: both sides include this file.
 */
#ifndef FS_SHARED_H
#define FS_SHARED_H

#include <linux/types.h>

/*
 * A rule set is a filter in disjunctive normal form: a packet matches when
 * any term matches, and a term matches when every predicate in it holds
 * (each predicate possibly negated).  The userspace parser turns a
 * pcap-filter expression into this form; the classifier and the offline
 * reader evaluate it the same way.
 *
 * A list of hosts, nets or ports ("host A or host B or ...") is one set
 * predicate: its members live in the set maps (fs_hosts, a hash; fs_nets,
 * an LPM trie; fs_ports, a hash), so a frame costs one lookup per field it
 * tests (source, then destination) however many members there are.
 */
#define FS_MAX_TERMS 16
#define FS_MAX_PREDS 8
#define FS_MAX_SETS 16 /* set predicates in one rule set */
/* Members of one rule set's sets in each set map, which holds two. */
#define FS_SET_MAX_MEMBERS 65536
#define FS_SET_MAP_ENTRIES (FS_RULE_SLOTS * FS_SET_MAX_MEMBERS)

enum fs_pred_kind {
	FS_PRED_L3 = 1, /* value: 4 or 6 */
	FS_PRED_L4, /* proto: IPPROTO_TCP or IPPROTO_UDP */
	FS_PRED_ADDR, /* addr/mask of family, dir */
	FS_PRED_PORT, /* port_lo..port_hi, dir (TCP and UDP) */
	FS_PRED_HOST_SET, /* an address of set in fs_hosts, dir */
	FS_PRED_NET_SET, /* an address under a prefix of set in fs_nets, dir */
	FS_PRED_PORT_SET, /* a port of set in fs_ports, dir */
};

enum fs_dir {
	FS_DIR_ANY = 0, /* source or destination */
	FS_DIR_SRC,
	FS_DIR_DST,
};

/* HOST_SET and NET_SET: the families the set has members of. */
#define FS_FAM_4 1
#define FS_FAM_6 2

struct fs_pred {
	__u8 kind; /* enum fs_pred_kind */
	__u8 dir; /* enum fs_dir */
	__u8 negate; /* 1: the predicate holds when the test fails */
	__u8 family; /* L3 and ADDR: 4 or 6 */
	__u8 proto; /* L4: IPPROTO_* */
	/*
	 * ADDR, IPv4: also the sender and target protocol addresses of ARP
	 * and RARP frames, as libpcap's unqualified "host" and "net" do.
	 * HOST_SET and NET_SET: the same for the set's IPv4 members.
	 */
	__u8 arp;
	__u8 set; /* *_SET: the set, < FS_MAX_SETS */
	__u8 fams; /* HOST_SET, NET_SET: FS_FAM_4 | FS_FAM_6 */
	__u16 port_lo; /* PORT: host byte order, inclusive */
	__u16 port_hi;
	__u32 addr[4]; /* ADDR: network byte order, IPv4 in addr[0] */
	__u32 mask[4]; /* ADDR: network byte order */
};

struct fs_term {
	__u32 npreds;
	struct fs_pred preds[FS_MAX_PREDS];
};

struct fs_ruleset {
	__u32 nterms; /* 0 terms: nothing matches */
	__u32 generation;
	struct fs_term terms[FS_MAX_TERMS];
};

/*
 * The keys of the set maps (values: one byte, 1).  A member's tag names
 * the rule slot and the set it belongs to, so the two slots' sets live
 * side by side and a rule set switch (see fs_ctl) switches its sets too.
 * Addresses in network byte order, IPv4 in addr[0] and the rest zero.
 */
#define FS_SET_TAG(slot, set) ((__u8)((slot)*FS_MAX_SETS + (set)))
#define FS_SET_TAG_SLOT(tag) ((tag) / FS_MAX_SETS)

struct fs_host_key {
	__u8 tag;
	__u8 family; /* 4 or 6 */
	__u8 pad[2];
	__u32 addr[4];
};

/* LPM trie key: prefixlen counts the 32 bits before addr too. */
struct fs_net_key {
	__u32 prefixlen; /* 32 + the prefix length */
	__u8 tag;
	__u8 family;
	__u8 pad[2];
	__u32 addr[4];
};
#define FS_NET_KEY_BITS 32

struct fs_port_key {
	__u8 tag;
	__u8 pad;
	__u16 port; /* host byte order */
};

/*
 * The program array the classifier tail-calls into (fs_progs): a filter
 * libpcap compiled and parse/cbpf_xlate translated, installed by
 * userspace when the expression is outside the rule-set path.  It then
 * decides every frame and does what the classifier would do with the
 * verdict; while the slot is empty the rule set decides.
 */
#define FS_PROG_FILTER 0
#define FS_PROG_SLOTS 1

/*
 * Rules are double-buffered so that an update never exposes a half-written
 * rule set: userspace writes slot !active of fs_rules, then flips
 * fs_ctl[FS_CTL_ACTIVE].
 */
#define FS_RULE_SLOTS 2
enum fs_ctl_key {
	FS_CTL_ACTIVE = 0,
	/*
	 * The flowsplice process that attached the program itself (and
	 * detaches it on exit): its pid (0 when an operator loaded the
	 * program), its pid namespace's inode, its start time (clock ticks
	 * since boot, low 32 bits) and the id of the program it attached.  A
	 * later run in the same pid namespace that finds that program still
	 * attached and that process gone takes it over, so a crash does not
	 * leave it attached for good.
	 */
	FS_CTL_OWNER,
	FS_CTL_OWNER_PIDNS,
	FS_CTL_OWNER_START,
	FS_CTL_OWNER_PROG,
	/*
	 * The flowsplice capture that uses the program now, whoever attached
	 * it (an operator's xdp-loader included): its pid (0: none), pid
	 * namespace inode and start time.  Its rules are the active ones, so
	 * a second capture on the interface is refused while it runs.
	 */
	FS_CTL_USER,
	FS_CTL_USER_PIDNS,
	FS_CTL_USER_START,
	FS_CTL_MAX,
};

/* Per-CPU classifier counters (fs_stats map, one __u64 per id). */
enum fs_stat_id {
	FS_STAT_SEEN = 0, /* every frame the program ran on */
	FS_STAT_MATCHED, /* frames a rule matched */
	FS_STAT_REDIRECTED, /* matched and redirected to an AF_XDP socket */
	FS_STAT_NOSOCK, /* matched, no socket on that queue: passed */
	FS_STAT_PASSED, /* all frames given to the kernel (XDP_PASS) */
	FS_STAT_MALFORMED, /* truncated or inconsistent headers: passed */
	FS_STAT_FRAGMENT, /* IPv4/IPv6 fragments seen (not first: no ports) */
	FS_STAT_MAX,
};

#define FS_STAT_NAMES                                                \
	{                                                            \
		"seen", "matched", "redirected", "nosock", "passed", \
			"malformed", "fragment"                      \
	}

/* Per-queue count of redirected frames (fs_qstats, per-CPU, by queue). */
#define FS_MAX_QUEUES 64

/*
 * Metadata the classifier writes in front of a redirected packet
 * (bpf_xdp_adjust_meta).  The kernel copies it into the UMEM frame in
 * copy mode; userspace checks the magic, takes the timestamp and clears
 * the magic so that a stale copy is never read twice.  The magic says
 * whose clock: FS_META_MAGIC, bpf_ktime_get_ns() at classification
 * (CLOCK_MONOTONIC); FS_META_MAGIC_NIC, the NIC's receive timestamp
 * (bpf_xdp_metadata_rx_timestamp, the device-bound classifier_nic), in
 * the NIC's clock, nanoseconds.  A translated filter (tail-called) puts
 * its own in front of the classifier_nic's, which stays nearest the
 * packet: at most two, 32 bytes, the kernel's limit.
 */
#define FS_META_MAGIC 0xf5c0de5au
#define FS_META_MAGIC_NIC 0xf5c0de5bu
struct fs_meta {
	__u64 ts_mono_ns; /* the timestamp (see the magic) */
	__u32 magic;
	__u32 rx_queue;
};

#endif /* FS_SHARED_H */
