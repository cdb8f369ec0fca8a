// SPDX-License-Identifier: GPL-2.0
/*
 * The classifier attached by user/live/xdp_prog.c to a veth pair in a
 * private network namespace (gone with the process: no cleanup can be
 * missed): the mode it picks, finding and reusing an attached one, rules
 * and counters read back, frames sent over the pair, pinned maps, the
 * device-bound classifier_nic with a translated filter, and detach.  Skips without root or a network namespace; the classifier on
 * crafted frames under BPF_PROG_TEST_RUN is test_classifier.c's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs_shared.h"
#include "lib/log.h"
#include "live/xdp_filter.h"
#include "live/xdp_prog.h"
#include "parse/filter.h"
#include "pktbuild.h"
#include "testlib.h"

#define VETH_TX "fsa0"
#define VETH_RX "fsa1"

static int rx, tx; /* ifindex of each end */

/* 198.18.0.1 > 198.18.1.2, TCP 40000 > 80 or UDP 5353 > 53, 32 bytes. */
static void build(struct pb *f, int proto)
{
	uint8_t src[4], dst[4];

	inet_pton(AF_INET, "198.18.0.1", src);
	inet_pton(AF_INET, "198.18.1.2", dst);
	pb_init(f);
	pb_eth(f, NULL, NULL, ETH_P_IP);
	pb_ipv4(f, &(struct pb_ip4){.src = src, .dst = dst, .proto = proto});
	if (proto == IPPROTO_TCP)
		pb_tcp(f, &(struct pb_tcp){.sport = 40000,
					   .dport = 80,
					   .flags = 0x18}); /* PSH ACK */
	else
		pb_udp(f, 5353, 53);
	pb_payload(f, NULL, 32);
	pb_finish(f);
}

static int send_frame(int ifindex, int proto)
{
	static struct pb f;
	struct sockaddr_ll sll = {.sll_family = AF_PACKET,
				  .sll_ifindex = ifindex,
				  .sll_halen = ETH_ALEN};
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	build(&f, proto);
	memcpy(sll.sll_addr, f.b, ETH_ALEN);
	if (sendto(fd, f.b, f.len, 0, (void *)&sll, sizeof(sll)) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* Waits for the counter to reach want: the peer receives asynchronously. */
static __u64 wait_stat(struct xdp_prog *xp, int id, uint64_t want)
{
	__u64 st[FS_STAT_MAX] = {0};
	int i;

	for (i = 0; i < 100; i++) {
		if (xdp_prog_read_stats(xp, st) || st[id] >= want)
			break;
		usleep(10000);
	}
	return st[id];
}

static void attach_traffic(struct xdp_prog *xp)
{
	struct filter_rules rs, got;
	__u64 st[FS_STAT_MAX], q0 = 1;
	long gen;

	CHECK_EQ(filter_parse("tcp dst port 80 and (src host 198.18.0.1 or "
			      "src host 198.18.0.7)",
			      &rs, NULL, 0),
		 0);
	gen = xdp_prog_set_rules(xp, &rs);
	t_report("xdp_prog_set_rules: generation 1", gen == 1,
		 "bad generation");
	t_report("xdp_prog_get_rules reads them back, sets too",
		 !xdp_prog_get_rules(xp, &got) && got.rs.generation == 1 &&
			 got.rs.nterms == 1 && got.rs.terms[0].npreds == 3 &&
			 got.nsets == 1 && got.sets[0].n == 2 &&
			 !memcmp(got.sets[0].m, rs.sets[0].m,
				 2 * sizeof(*rs.sets[0].m)),
		 "different rule set");
	filter_rules_free(&got);
	t_report("xdp_prog_set_rules again: generation 2",
		 xdp_prog_set_rules(xp, &rs) == 2, "bad generation");
	filter_rules_free(&rs);
	CHECK_EQ(send_frame(tx, IPPROTO_UDP), 0);
	CHECK_EQ(send_frame(tx, IPPROTO_TCP), 0);
	t_report("veth frame matched, no socket: nosock",
		 wait_stat(xp, FS_STAT_NOSOCK, 1) == 1, "no nosock count");
	CHECK_EQ(xdp_prog_read_stats(xp, st), 0);
	t_report("veth frames seen, one matched",
		 st[FS_STAT_SEEN] >= 2 && st[FS_STAT_MATCHED] == 1 &&
			 st[FS_STAT_REDIRECTED] == 0,
		 "unexpected counters");
	t_report("qstats: nothing redirected to queue 0",
		 !xdp_prog_read_qstats(xp, 0, &q0) && q0 == 0, "bad qstats");
	t_report("qstats: queue out of range refused",
		 xdp_prog_read_qstats(xp, FS_MAX_QUEUES, &q0) == -EINVAL,
		 "accepted");
}

static void test_auto(void)
{
	struct xdp_prog *xp = NULL, *found = NULL;
	char why[256] = "";
	int err;

	err = xdp_prog_attach(&xp, rx, XDP_PROG_MODE_AUTO, NULL, false, why,
			      sizeof(why));
	printf("      attach: %s\n", why);
	t_report("attach auto on veth: generic",
		 !err && xdp_prog_mode(xp) == XDP_PROG_MODE_GENERIC &&
			 !xdp_prog_reused(xp) && strstr(why, "veth"),
		 why);
	if (err)
		return;
	t_report("xsks map fd", xdp_prog_xsks_fd(xp) >= 0, "no fd");
	err = xdp_prog_find(rx, NULL, &found);
	t_report("find the attached classifier",
		 !err && xdp_prog_reused(found) &&
			 xdp_prog_mode(found) == XDP_PROG_MODE_GENERIC,
		 "not found");
	if (!err) {
		attach_traffic(found);
		xdp_prog_detach(found);
	}
	t_report("releasing a found classifier leaves it attached",
		 !xdp_prog_find(rx, NULL, &found), "it was detached");
	xdp_prog_detach(found);
	err = xdp_prog_attach(&found, rx, XDP_PROG_MODE_NATIVE, NULL, false,
			      why, sizeof(why));
	t_report("attach again reuses, whatever the mode",
		 !err && xdp_prog_reused(found) &&
			 xdp_prog_mode(found) == XDP_PROG_MODE_GENERIC,
		 why);
	if (!err)
		xdp_prog_detach(found);
	xdp_prog_detach(xp);
	t_report("detach removes what attach attached",
		 xdp_prog_find(rx, NULL, &found) == -ENOENT, "still attached");
}

static void test_native_pinned(void)
{
	struct xdp_prog *xp = NULL, *found = NULL;
	char why[256] = "", pins[64], path[96];
	struct stat st;
	int err;

	snprintf(pins, sizeof(pins), "/sys/fs/bpf/fs_test_classifier_%d",
		 (int)getpid());
	err = xdp_prog_attach(&xp, rx, XDP_PROG_MODE_NATIVE, pins, false, why,
			      sizeof(why));
	printf("      attach: %s\n", why);
	t_report("attach native on veth, pinned",
		 !err && xdp_prog_mode(xp) == XDP_PROG_MODE_NATIVE, why);
	if (err)
		return;
	snprintf(path, sizeof(path), "%s/fs_rules", pins);
	t_report("maps pinned under the pin path", !stat(path, &st), path);
	t_report("find by pin path", !xdp_prog_find(rx, pins, &found),
		 "not found");
	xdp_prog_detach(found);
	t_report("find by a wrong pin path fails",
		 xdp_prog_find(rx, "/sys/fs/bpf/fs_test_none", &found) < 0,
		 "found");
	xdp_prog_detach(xp);
	t_report("detach removes the pins", stat(pins, &st) && errno == ENOENT,
		 pins);
}

/*
 * NIC timestamps: classifier_nic loads device-bound to the veth and
 * attaches natively (found again, it is known for what it is), a
 * translated filter (a plain program) goes into its fs_progs and runs,
 * and in generic mode, where a device-bound program cannot attach, the
 * plain classifier stands in, saying why.
 */
static void test_native_nic(void)
{
	const struct sock_filter all[] = {BPF_STMT(BPF_RET | BPF_K, 262144)};
	struct xdp_prog *xp = NULL, *found = NULL;
	struct cbpf_maps maps;
	char why[256] = "";
	const char *nwhy = NULL;
	int err, fd;

	t_report("classifier_nic loads device-bound to the veth",
		 !xdp_prog_probe_nic_ts(rx, why, sizeof(why)), why);
	err = xdp_prog_attach(&xp, rx, XDP_PROG_MODE_NATIVE, NULL, true, why,
			      sizeof(why));
	t_report("attach native with NIC timestamps: classifier_nic",
		 !err && xdp_prog_nic_ts(xp, &nwhy) && !nwhy, why);
	if (err)
		return;
	t_report("found in place: classifier_nic",
		 !xdp_prog_find(rx, NULL, &found) &&
			 xdp_prog_nic_ts(found, NULL),
		 "not known for classifier_nic");
	xdp_prog_detach(found);
	xdp_prog_filter_maps(xp, &maps);
	fd = xdp_filter_build(all, 1, &maps, why, sizeof(why));
	t_report("a translated filter goes into its fs_progs",
		 fd >= 0 && !xdp_prog_set_filter(xp, fd), why);
	if (fd >= 0)
		close(fd);
	CHECK_EQ(send_frame(tx, IPPROTO_UDP), 0);
	t_report("and the device-bound classifier tail-calls it",
		 wait_stat(xp, FS_STAT_MATCHED, 1) >= 1, "nothing matched");
	xdp_prog_detach(xp);
	err = xdp_prog_attach(&xp, rx, XDP_PROG_MODE_GENERIC, NULL, true, why,
			      sizeof(why));
	t_report("generic mode: the plain classifier, and why",
		 !err && !xdp_prog_nic_ts(xp, &nwhy) && nwhy &&
			 strstr(nwhy, "native"),
		 nwhy ? nwhy : why);
	if (!err)
		xdp_prog_detach(xp);
}

/* The veth pair, in a network namespace of this process alone. */
static int setup(void)
{
	if (geteuid() != 0) {
		t_skip("attaching XDP needs root");
		return T_EXIT_SKIP;
	}
	if (unshare(CLONE_NEWNET)) {
		t_skip("no private network namespace: %s", strerror(errno));
		return T_EXIT_SKIP;
	}
	if (system("ip link add " VETH_TX " type veth peer name " VETH_RX
		   " && ip link set " VETH_TX " up && ip link set " VETH_RX
		   " up")) {
		fprintf(stderr, "no veth pair in the private netns\n");
		return T_EXIT_FAIL;
	}
	tx = if_nametoindex(VETH_TX);
	rx = if_nametoindex(VETH_RX);
	return tx && rx ? 0 : T_EXIT_FAIL;
}

static const struct t_case cases[] = {
	T_CASE(test_auto),
	T_CASE(test_native_pinned),
	T_CASE(test_native_nic),
};

int main(int argc, char **argv)
{
	log_init_libs();
	return t_run(argc, argv, cases, T_ARRAY_SIZE(cases), setup);
}
