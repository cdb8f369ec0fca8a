// SPDX-License-Identifier: GPL-2.0
/*
 * pcap_out: the record format (nanosecond magic, header from headroom or
 * copied, multi-piece packets), rotation by size and by time, and that
 * tcpdump reads the result without complaint.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include "out/pcap_out.h"
#include "parse/pkt.h"
#include "testlib.h"

/* A frame with headroom in front of the packet, like a UMEM frame. */
struct frame {
	struct buf b;
	uint8_t headroom[PCAP_OUT_HDR_ROOM];
	uint8_t pkt[128];
};

static void frame_release(struct buf *b)
{
	(void)b;
}

static void frame_init(struct frame *fr, uint8_t fill)
{
	fr->b.refs = 1;
	fr->b.release = frame_release;
	memset(fr->pkt, fill, sizeof(fr->pkt));
	memset(fr->pkt, 0xff, 12); /* broadcast dst, src */
	fr->pkt[12] = 0x88; /* an EtherType tcpdump shrugs at */
	fr->pkt[13] = 0xb5;
}

static long file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) ? -1 : sb.st_size;
}

static void test_records(void)
{
	const char *dir = t_tmpdir();
	struct pcap_out_opts o = {.linktype = LINKTYPE_ETHERNET};
	struct frame fr[3];
	struct pcap_out *po;
	struct writer *w;
	uint8_t file[1024];
	struct pcap_rec_hdr h;
	char path[256], cmd[1024];
	struct iovec iov[2];
	struct buf *bufs[2];
	int fd, n;

	snprintf(path, sizeof(path), "%s/rec.pcap", dir);
	o.path = path;
	CHECK_EQ(writer_create(&w, NULL), 0);
	CHECK_EQ(pcap_out_open(&po, w, &o), 0);
	frame_init(&fr[0], 1);
	frame_init(&fr[1], 2);
	frame_init(&fr[2], 3);
	/* 1: header in headroom, 100 bytes */
	iov[0] = (struct iovec){fr[0].pkt, 100};
	bufs[0] = &fr[0].b;
	CHECK_EQ(pcap_out_record(po, 1700000000123456789ull, fr[0].headroom,
				 iov, bufs, 1, 100),
		 0);
	/* 2: no headroom, two pieces (multi-buffer), wirelen larger */
	iov[0] = (struct iovec){fr[1].pkt, 60};
	iov[1] = (struct iovec){fr[2].pkt + 14, 40};
	bufs[0] = &fr[1].b;
	bufs[1] = &fr[2].b;
	CHECK_EQ(pcap_out_record(po, 1700000001000000000ull, NULL, iov, bufs, 2,
				 1500),
		 0);
	CHECK_EQ(pcap_out_records(po), 2);
	CHECK_EQ(pcap_out_close(po), 0);
	CHECK_EQ(fr[0].b.refs, 1);
	CHECK_EQ(fr[2].b.refs, 1);

	fd = open(path, O_RDONLY);
	n = read(fd, file, sizeof(file));
	close(fd);
	CHECK_EQ(n, 24 + 16 + 100 + 16 + 100);
	CHECK_EQ(*(uint32_t *)file, PCAP_MAGIC_NSEC);
	CHECK_EQ(*(uint32_t *)(file + 20), LINKTYPE_ETHERNET);
	memcpy(&h, file + 24, sizeof(h));
	CHECK_EQ(h.ts_sec, 1700000000);
	CHECK_EQ(h.ts_frac, 123456789);
	CHECK_EQ(h.caplen, 100);
	CHECK_EQ(h.len, 100);
	CHECK(!memcmp(file + 40, fr[0].pkt, 100));
	memcpy(&h, file + 140, sizeof(h));
	CHECK_EQ(h.caplen, 100);
	CHECK_EQ(h.len, 1500);
	CHECK(!memcmp(file + 156, fr[1].pkt, 60));
	CHECK(!memcmp(file + 216, fr[2].pkt + 14, 40));

	snprintf(
		cmd, sizeof(cmd),
		"command -v tcpdump >/dev/null || exit 0; "
		"tcpdump -nr %s 2>&1 | grep -v '^reading' | "
		"grep -qi -e error -e truncated && exit 1; "
		"test $(tcpdump -nr %s 2>/dev/null | grep -vc '^[[:space:]]') -eq 2",
		path, path);
	CHECK_EQ(system(cmd), 0);
	writer_destroy(w);
}

/*
 * -s: a record carries at most snaplen bytes, from the headroom path and
 * across pieces, keeps the wire length, and the header names snaplen.
 */
static void test_snaplen(void)
{
	const char *dir = t_tmpdir();
	struct pcap_out_opts o = {.linktype = LINKTYPE_ETHERNET, .snaplen = 70};
	struct frame fr[2];
	struct pcap_rec_hdr h;
	struct pcap_out *po;
	struct iovec iov[2];
	struct buf *bufs[2];
	uint8_t file[1024];
	struct writer *w;
	char path[256];
	int fd, n;

	snprintf(path, sizeof(path), "%s/snap.pcap", dir);
	o.path = path;
	CHECK_EQ(writer_create(&w, NULL), 0);
	CHECK_EQ(pcap_out_open(&po, w, &o), 0);
	frame_init(&fr[0], 1);
	frame_init(&fr[1], 2);
	iov[0] = (struct iovec){fr[0].pkt, 100};
	bufs[0] = &fr[0].b;
	CHECK_EQ(pcap_out_record(po, 1000000000ull, fr[0].headroom, iov, bufs,
				 1, 100),
		 0);
	/* 50 + 40 bytes in two pieces: the second one cut at 20 */
	iov[0] = (struct iovec){fr[0].pkt, 50};
	iov[1] = (struct iovec){fr[1].pkt, 40};
	bufs[1] = &fr[1].b;
	CHECK_EQ(pcap_out_record(po, 2000000000ull, NULL, iov, bufs, 2, 1514),
		 0);
	/* shorter than snaplen: whole */
	iov[0] = (struct iovec){fr[1].pkt, 60};
	bufs[0] = &fr[1].b;
	CHECK_EQ(pcap_out_record(po, 3000000000ull, NULL, iov, bufs, 1, 60), 0);
	CHECK_EQ(pcap_out_close(po), 0);
	fd = open(path, O_RDONLY);
	n = read(fd, file, sizeof(file));
	close(fd);
	CHECK_EQ(n, 24 + 16 + 70 + 16 + 70 + 16 + 60);
	CHECK_EQ(*(uint32_t *)(file + 16), 70);
	memcpy(&h, file + 24, sizeof(h));
	CHECK_EQ(h.caplen, 70);
	CHECK_EQ(h.len, 100);
	CHECK(!memcmp(file + 40, fr[0].pkt, 70));
	memcpy(&h, file + 110, sizeof(h));
	CHECK_EQ(h.caplen, 70);
	CHECK_EQ(h.len, 1514);
	CHECK(!memcmp(file + 126, fr[0].pkt, 50));
	CHECK(!memcmp(file + 176, fr[1].pkt, 20));
	memcpy(&h, file + 196, sizeof(h));
	CHECK_EQ(h.caplen, 60);
	CHECK_EQ(h.len, 60);
	writer_destroy(w);
}

static void test_isb(void *ctx, struct pcapng_isb_vals *v)
{
	unsigned int *calls = ctx;

	(*calls)++;
	v->start_ns = 1000000000ull;
	v->ifrecv = 10 * *calls;
	v->ifdrop = 3 * *calls;
	v->osdrop = *calls;
}

/* Block types of a pcapng file in order; drops and queues of its EPBs. */
static int ng_walk(const char *path, uint32_t *types, int max, uint64_t *drops,
		   uint32_t *queue)
{
	uint8_t d[4096];
	int fd = open(path, O_RDONLY), n, off = 0, k = 0;

	n = read(fd, d, sizeof(d));
	close(fd);
	*drops = 0;
	while (off + 12 <= n && k < max) {
		uint32_t t, len, caplen, o, endlen;

		memcpy(&t, d + off, 4);
		memcpy(&len, d + off + 4, 4);
		memcpy(&endlen, d + off + len - 4, 4);
		if (len < 12 || off + (int)len > n || endlen != len)
			return -1;
		types[k++] = t;
		if (t == PCAPNG_EPB) {
			memcpy(&caplen, d + off + 20, 4);
			for (o = 28 + ((caplen + 3) & ~3u); o + 4 < len - 4;) {
				uint16_t code, olen;
				uint64_t v = 0;

				memcpy(&code, d + off + o, 2);
				memcpy(&olen, d + off + o + 2, 2);
				memcpy(&v, d + off + o + 4,
				       olen < 8 ? olen : 8);
				if (code == 4)
					*drops += v;
				if (code == 6)
					*queue = v;
				o += 4 + ((olen + 3) & ~3u);
			}
		}
		off += len;
	}
	return off == n ? k : -1;
}

/*
 * pcapng: section and interface headers at each file's start, EPBs with
 * epb_queue and epb_dropcount (only when drops were counted), an ISB at
 * rotation and at close with the callback's values; tshark agrees.
 */
static void test_pcapng(void)
{
	const char *dir = t_tmpdir();
	unsigned int calls = 0;
	struct pcap_out_opts o = {.linktype = LINKTYPE_ETHERNET,
				  .format = PCAP_OUT_PCAPNG,
				  .ifname = "cap0",
				  .rotate_bytes = 520,
				  .isb = test_isb,
				  .isb_ctx = &calls};
	struct pcap_out_pkt pk = {.wirelen = 100, .queue = 3};
	uint32_t types[16], q = 0;
	struct frame fr;
	struct pcap_out *po;
	struct writer *w;
	struct iovec iov = {fr.pkt, 99};
	struct buf *b = &fr.b;
	char path[256], name[300], cmd[1024];
	uint64_t drops;
	int i;

	frame_init(&fr, 4);
	snprintf(path, sizeof(path), "%s/x.pcapng", dir);
	o.path = path;
	CHECK_EQ(writer_create(&w, NULL), 0);
	CHECK_EQ(pcap_out_open(&po, w, &o), 0);
	for (i = 0; i < 4; i++) {
		pk.ts_ns = 1000000000ull * (i + 1) + 7;
		pk.drops = i == 1 ? 5 : 0;
		CHECK_EQ(pcap_out_packet(po, &pk, i & 1 ? fr.headroom : NULL,
					 &iov, &b, 1),
			 0);
	}
	CHECK_EQ(pcap_out_close(po), 0);
	CHECK_EQ(calls, 2);
	/* SHB+IDB ~120 bytes, EPBs of 28 + 100 + options + 4: 2 per file */
	CHECK_EQ(ng_walk(path, types, 16, &drops, &q), 5);
	CHECK_EQ(types[0], PCAPNG_SHB);
	CHECK_EQ(types[1], PCAPNG_IDB);
	CHECK_EQ(types[2], PCAPNG_EPB);
	CHECK_EQ(types[3], PCAPNG_EPB);
	CHECK_EQ(types[4], PCAPNG_ISB);
	CHECK_EQ(drops, 5);
	CHECK_EQ(q, 3);
	snprintf(name, sizeof(name), "%s1", path);
	CHECK_EQ(ng_walk(name, types, 16, &drops, &q), 5);
	CHECK_EQ(drops, 0);
	snprintf(cmd, sizeof(cmd),
		 "command -v tshark >/dev/null || exit 0; "
		 "test \"$(tshark -r %s -T fields -e frame.interface_queue "
		 "-e frame.drop_count -e frame.len -e frame.cap_len "
		 "-e frame.time_epoch 2>/dev/null | tr '\\t\\n' ' ;')\" = "
		 "'3  100 99 1.000000007;3 5 100 99 2.000000007;' && "
		 "capinfos %s 2>/dev/null | grep -q 'Name = cap0'",
		 path, path);
	CHECK_EQ(system(cmd), 0);
	writer_destroy(w);
}

static void test_rotation(void)
{
	const char *dir = t_tmpdir();
	struct pcap_out_opts o = {.linktype = LINKTYPE_ETHERNET,
				  .rotate_bytes = 500};
	struct frame fr;
	struct pcap_out *po;
	struct writer *w;
	struct iovec iov = {fr.pkt, 100};
	struct buf *b = &fr.b;
	char path[256], name[300];
	int i;

	frame_init(&fr, 7);
	snprintf(path, sizeof(path), "%s/size.pcap", dir);
	o.path = path;
	CHECK_EQ(writer_create(&w, NULL), 0);
	CHECK_EQ(pcap_out_open(&po, w, &o), 0);
	/* 24 + 4 * 116 = 488 fits; the fifth record starts a new file. */
	for (i = 0; i < 10; i++)
		CHECK_EQ(pcap_out_record(po, 1000000000ull * (i + 1), NULL,
					 &iov, &b, 1, 100),
			 0);
	CHECK_EQ(pcap_out_files(po), 3);
	CHECK_EQ(pcap_out_close(po), 0);
	CHECK_EQ(file_size(path), 24 + 4 * 116);
	snprintf(name, sizeof(name), "%s1", path);
	CHECK_EQ(file_size(name), 24 + 4 * 116);
	snprintf(name, sizeof(name), "%s2", path);
	CHECK_EQ(file_size(name), 24 + 2 * 116);

	/* -G 60: records at t=120,130 then 185: a new interval at 180. */
	o.rotate_bytes = 0;
	o.rotate_secs = 60;
	snprintf(path, sizeof(path), "%s/t-%%H%%M%%S.pcap", dir);
	o.path = path;
	CHECK_EQ(pcap_out_open(&po, w, &o), 0);
	CHECK_EQ(pcap_out_record(po, 120000000000ull, NULL, &iov, &b, 1, 100),
		 0);
	CHECK_EQ(pcap_out_record(po, 130000000000ull, NULL, &iov, &b, 1, 100),
		 0);
	CHECK_EQ(pcap_out_record(po, 185000000000ull, NULL, &iov, &b, 1, 100),
		 0);
	CHECK(strstr(pcap_out_current_path(po), "t-000300.pcap") != NULL);
	CHECK_EQ(pcap_out_close(po), 0);
	snprintf(name, sizeof(name), "%s/t-000200.pcap", dir);
	CHECK_EQ(file_size(name), 24 + 2 * 116);
	snprintf(name, sizeof(name), "%s/t-000300.pcap", dir);
	CHECK_EQ(file_size(name), 24 + 116);

	/*
	 * A late record (handed in by another worker, or a clock step back)
	 * stays in the current file: the earlier interval's file is never
	 * reopened and truncated.
	 */
	snprintf(path, sizeof(path), "%s/late-%%H%%M%%S.pcap", dir);
	o.path = path;
	CHECK_EQ(pcap_out_open(&po, w, &o), 0);
	for (i = 0; i < 5; i++)
		CHECK_EQ(pcap_out_record(po, 170000000000ull, NULL, &iov, &b, 1,
					 100),
			 0);
	CHECK_EQ(pcap_out_record(po, 180000010000ull, NULL, &iov, &b, 1, 100),
		 0);
	CHECK_EQ(pcap_out_record(po, 179999950000ull, NULL, &iov, &b, 1, 100),
		 0);
	CHECK_EQ(pcap_out_record(po, 180000020000ull, NULL, &iov, &b, 1, 100),
		 0);
	CHECK_EQ(pcap_out_files(po), 2);
	CHECK_EQ(pcap_out_close(po), 0);
	snprintf(name, sizeof(name), "%s/late-000200.pcap", dir);
	CHECK_EQ(file_size(name), 24 + 5 * 116);
	snprintf(name, sizeof(name), "%s/late-000300.pcap", dir);
	CHECK_EQ(file_size(name), 24 + 3 * 116);
	writer_destroy(w);
}

/*
 * A rotation whose new file cannot be opened fails that record; the next
 * records try again (never a write to a file that is not there), and
 * output resumes once the path works.
 */
static void test_rotation_open_fails(void)
{
	const char *dir = t_tmpdir();
	struct pcap_out_opts o = {.linktype = LINKTYPE_ETHERNET,
				  .rotate_bytes = 300};
	struct frame fr;
	struct pcap_out *po;
	struct writer *w;
	struct iovec iov = {fr.pkt, 100}, small = {fr.pkt, 20};
	struct buf *b = &fr.b;
	char sub[200], moved[220], path[240], name[260];

	frame_init(&fr, 9);
	snprintf(sub, sizeof(sub), "%s/rot", dir);
	snprintf(moved, sizeof(moved), "%s/rot-moved", dir);
	CHECK_EQ(mkdir(sub, 0755), 0);
	snprintf(path, sizeof(path), "%s/x.pcap", sub);
	o.path = path;
	CHECK_EQ(writer_create(&w, NULL), 0);
	CHECK_EQ(pcap_out_open(&po, w, &o), 0);
	CHECK_EQ(pcap_out_record(po, 1000000000ull, NULL, &iov, &b, 1, 100), 0);
	CHECK_EQ(pcap_out_record(po, 2000000000ull, NULL, &iov, &b, 1, 100), 0);
	/* The directory goes away: the third record needs a new file. */
	CHECK_EQ(rename(sub, moved), 0);
	CHECK_EQ(pcap_out_record(po, 3000000000ull, NULL, &iov, &b, 1, 100),
		 -ENOENT);
	/* A record that would fit finds no file open, and says so. */
	CHECK_EQ(pcap_out_record(po, 4000000000ull, NULL, &small, &b, 1, 20),
		 -ENOENT);
	CHECK_EQ(rename(moved, sub), 0);
	CHECK_EQ(pcap_out_record(po, 5000000000ull, NULL, &iov, &b, 1, 100), 0);
	CHECK_EQ(pcap_out_close(po), 0);
	CHECK_EQ(file_size(path), 24 + 2 * 116);
	snprintf(name, sizeof(name), "%s1", path);
	CHECK_EQ(file_size(name), 24 + 116);
	writer_destroy(w);
}

/*
 * The caller's path may be gone after pcap_out_open() (a stack buffer in
 * capture set-up): rotated names still come from the path given, in its
 * directory.
 */
static void test_path_copied(void)
{
	const char *dir = t_tmpdir();
	struct pcap_out_opts o = {.linktype = LINKTYPE_ETHERNET,
				  .rotate_bytes = 300};
	struct frame fr;
	struct pcap_out *po;
	struct writer *w;
	struct iovec iov = {fr.pkt, 100};
	struct buf *b = &fr.b;
	char *path = malloc(256), name[300];
	int i;

	frame_init(&fr, 5);
	snprintf(path, 256, "%s/copied.pcap", dir);
	snprintf(name, sizeof(name), "%s1", path);
	o.path = path;
	CHECK_EQ(writer_create(&w, NULL), 0);
	CHECK_EQ(pcap_out_open(&po, w, &o), 0);
	memset(path, 'z', 255);
	path[255] = 0;
	free(path);
	for (i = 0; i < 3; i++)
		CHECK_EQ(pcap_out_record(po, 1000000000ull * (i + 1), NULL,
					 &iov, &b, 1, 100),
			 0);
	CHECK_EQ(pcap_out_files(po), 2);
	CHECK(!strcmp(pcap_out_current_path(po), name));
	CHECK_EQ(pcap_out_close(po), 0);
	CHECK_EQ(file_size(name), 24 + 116);
	writer_destroy(w);
}

/* Records of a pcap file that must end exactly after its last record. */
static long count_records(const char *path)
{
	struct pcap_rec_hdr h;
	long n = 0;
	off_t off = 24;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	while (pread(fd, &h, sizeof(h), off) == sizeof(h)) {
		if (!h.caplen || h.caplen > h.len) {
			n = -2;
			break;
		}
		off += sizeof(h) + h.caplen;
		n++;
	}
	if (n >= 0 && off != lseek(fd, 0, SEEK_END))
		n = -3;
	close(fd);
	return n;
}

/*
 * Enhanced packet blocks of a pcapng file that must end exactly after a
 * whole block (-4: a block of another type after the headers).
 */
static long count_epbs(const char *path)
{
	uint32_t h[2];
	long n = 0, k = 0;
	off_t off = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	while (pread(fd, h, sizeof(h), off) == sizeof(h)) {
		if (h[1] < 12 || (h[1] & 3)) {
			n = -2;
			break;
		}
		if (k++ >= 2 && h[0] != PCAPNG_EPB) {
			n = -4;
			break;
		}
		n += h[0] == PCAPNG_EPB;
		off += h[1];
	}
	if (n >= 0 && off != lseek(fd, 0, SEEK_END))
		n = -3;
	close(fd);
	return n;
}

/*
 * Disk full (a 256 KiB tmpfs) in direct and buffered mode, pcap and
 * pcapng: the file ends
 * at its last complete record, the records counted written are exactly
 * those in the file, and every record offered is written, refused or
 * lost; close reports ENOSPC.
 */
static int disk_full_child(void)
{
	char dir[] = "/tmp/fs-pcapout-full-XXXXXX";
	struct writer_opts wo = {.direct_block_size = 65536,
				 .direct_blocks = 2};
	struct frame fr;
	struct iovec iov = {fr.pkt, 100};
	struct buf *b = &fr.b;
	char path[300];
	int mode, i;

	if (!mkdtemp(dir))
		return T_EXIT_FAIL;
	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("none", dir, "tmpfs", 0, "size=256k")) {
		rmdir(dir);
		return T_EXIT_SKIP;
	}
	frame_init(&fr, 3);
	for (mode = 0; mode < 4; mode++) {
		struct pcap_out_opts o = {.linktype = LINKTYPE_ETHERNET,
					  .direct = !(mode & 1),
					  .format = mode >> 1,
					  .path = path};
		uint64_t refused = 0;
		struct pcap_out *po;
		struct writer *w;

		snprintf(path, sizeof(path), "%s/full%d.pcap", dir, mode);
		CHECK_EQ(writer_create(&w, &wo), 0);
		CHECK_EQ(pcap_out_open(&po, w, &o), 0);
		for (i = 0; i < 4000; i++) {
			if (pcap_out_record(po, 1000000000ull + i, NULL, &iov,
					    &b, 1, 100))
				refused++;
			if (i % 64 == 0)
				writer_submit(w);
		}
		CHECK_EQ(pcap_out_finish(po), -ENOSPC);
		CHECK(refused + pcap_out_lost(po) > 0);
		CHECK_EQ(pcap_out_records(po) + pcap_out_lost(po) + refused,
			 4000);
		CHECK_EQ(o.format ? count_epbs(path) : count_records(path),
			 (long)pcap_out_records(po));
		CHECK(pcap_out_records(po) > 1000);
		fprintf(stderr,
			"%s %s: %llu records, %llu lost, %llu refused\n",
			o.format ? "pcapng" : "pcap",
			mode & 1 ? "buffered" : "direct",
			(unsigned long long)pcap_out_records(po),
			(unsigned long long)pcap_out_lost(po),
			(unsigned long long)refused);
		CHECK_EQ(pcap_out_close(po), 0);
		writer_destroy(w);
		unlink(path);
	}
	umount(dir);
	rmdir(dir);
	return t_result();
}

static void disk_full(void)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		t_failures = 0;
		_exit(disk_full_child());
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		t_failures++;
	else if (WEXITSTATUS(status) == T_EXIT_SKIP)
		t_skip("cannot mount a tmpfs in a private mount namespace");
	else if (WEXITSTATUS(status) != T_EXIT_PASS)
		t_failures++;
}

static const struct t_case cases[] = {
	T_CASE(test_records),
	T_CASE(test_snaplen),
	T_CASE(test_pcapng),
	T_CASE(test_rotation),
	T_CASE(test_rotation_open_fails),
	T_CASE(test_path_copied),
	T_CASE(disk_full),
};

T_MAIN(cases)
