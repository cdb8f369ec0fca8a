// SPDX-License-Identifier: GPL-2.0
/*
 * pcap_out: owns the current output pcap file, its write offset and the
 * rotation schedule.  Records are queued on the writer, never copied
 * unless the caller has no headroom for the 16-byte record header.
 *
 * Names: without rotation, exactly the path given.  With -C (size), the
 * first file is PATH and the next ones PATH1, PATH2, ... (as tcpdump).
 * With -G (time), PATH is passed through strftime(3) with the start of the
 * wall-clock-aligned interval, so "cap-%Y%m%d-%H%M%S.pcap" gives
 * time-stamped names; a PATH without '%' gets ".YYYYmmdd-HHMMSS" appended
 * instead.  With both, the count suffix is added within an interval.
 *
 * A failed write (disk full) ends the file at the last record wholly on
 * disk before it: later records to that file are refused, and when it is
 * closed (rotation or the end) it is cut there, the records past the cut
 * counted as lost.  Finding the cut reads back at most PCAP_MARK_EVERY
 * bytes of record headers from the last mark, so closing a failed file
 * waits for that read and an ftruncate: a rotation or exit-time cost, on
 * the error path only, where the writes have already stopped.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "out/pcap_out.h"
#include "out/pcapng_enc.h"

#ifndef FS_VERSION
#define FS_VERSION "0.1.0"
#endif

struct pcap_file_hdr {
	uint32_t magic;
	uint16_t version_major;
	uint16_t version_minor;
	int32_t thiszone;
	uint32_t sigfigs;
	uint32_t snaplen;
	uint32_t linktype;
};

/* A record boundary, one per PCAP_MARK_EVERY bytes of file at most. */
#define PCAP_MARK_EVERY (1u << 20)
#define PCAP_MARKS 256 /* covers more than the writes a worker has in flight */
#define NO_OFF UINT64_MAX

struct pcap_mark {
	uint64_t off;
	uint64_t rec; /* records of the file before off */
};

struct pcap_out {
	struct writer *w;
	struct pcap_out_opts o;
	struct wfile *f;
	uint64_t off; /* next record's offset in the current file */
	uint64_t records; /* in the files, cut records excepted */
	uint64_t lost; /* counted in records, then cut from a failed file */
	uint64_t file_records; /* records in the current file */
	uint64_t bad; /* a record not queued whole: the file ends there */
	uint64_t bad_records; /* file_records at bad */
	int bad_err;
	bool seekable; /* a regular file: it can be cut (a FIFO cannot) */
	struct pcap_mark mark[PCAP_MARKS];
	unsigned int nmark; /* marks in this file (the ring keeps the last) */
	uint64_t next_mark;
	unsigned int files;
	unsigned int seq; /* files opened in this interval */
	unsigned int digits; /* -W: the count's width in names */
	uint64_t pub_off; /* off, for pcap_out_current_bytes() */
	uint64_t dev, ino; /* the current file's */
	struct pcap_stage *stage; /* merged file: this writer's batches */
	int64_t interval; /* start of the -G interval, seconds */
	char *base; /* our copy of o.path: the caller's may not outlive us */
	char *ifname; /* our copy of o.ifname */
	/* what every file starts with: its bytes stay until po is freed */
	uint8_t fhdr[1024];
	uint32_t fhdr_len;
	char path[PATH_MAX];
};

/* -C -W without -G: a ring of max_files names, as tcpdump's. */
static bool cycling(const struct pcap_out *po)
{
	return po->o.max_files && po->o.rotate_bytes && !po->o.rotate_secs;
}

static int make_name(struct pcap_out *po, char *out, size_t len)
{
	const char *base = po->o.path;
	char stamp[PATH_MAX];
	int n;

	if (po->o.rotate_secs) {
		time_t t = po->interval;
		struct tm tm;

		gmtime_r(&t, &tm);
		if (strchr(base, '%')) {
			if (!strftime(stamp, sizeof(stamp), base, &tm))
				return -ENAMETOOLONG;
		} else {
			n = snprintf(stamp, sizeof(stamp), "%s.", base);
			if (n < 0 || (size_t)n >= sizeof(stamp) ||
			    !strftime(stamp + n, sizeof(stamp) - n,
				      "%Y%m%d-%H%M%S", &tm))
				return -ENAMETOOLONG;
		}
		base = stamp;
	}
	if (po->seq || po->digits)
		n = snprintf(out, len, "%s%0*u", base, (int)po->digits,
			     cycling(po) ? po->seq % po->o.max_files : po->seq);
	else
		n = snprintf(out, len, "%s", base);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/*
 * A record's length from its first 16 bytes (pcap: the record header;
 * pcapng: type and total length), 0 if they cannot be ours.
 */
static uint64_t rec_len(const struct pcap_out *po, const uint32_t h[4])
{
	if (po->o.format == PCAP_OUT_PCAPNG)
		return (h[0] == PCAPNG_EPB || h[0] == PCAPNG_ISB) &&
				       h[1] >= 12 && !(h[1] & 3) &&
				       h[1] <= po->o.snaplen + 128
			       ? h[1]
			       : 0;
	return h[2] <= po->o.snaplen ? PCAP_REC_HDR_LEN + h[2] : 0;
}

/*
 * The end of the last record wholly on disk in a failed file, and the
 * records before it: from the last mark below the first failure, walk the
 * record headers as far as they fit.
 */
static uint64_t cut_point(struct pcap_out *po, uint64_t *kept)
{
	uint64_t good = wfile_written_prefix(po->f);
	uint64_t off = po->fhdr_len, n = 0, len;
	uint32_t h[4];
	unsigned int i;
	int fd;

	if (po->bad <= good) {
		*kept = po->bad_records;
		return po->bad;
	}
	*kept = 0;
	if (good < off)
		return 0;
	for (i = 0; i < po->nmark && i < PCAP_MARKS; i++) {
		const struct pcap_mark *m =
			&po->mark[(po->nmark - 1 - i) % PCAP_MARKS];

		if (m->off <= good) {
			off = m->off;
			n = m->rec;
			break;
		}
	}
	fd = wfile_open_read(po->f);
	if (fd < 0) {
		pr_warn("cannot read %s back to cut it: %s\n", po->path,
			strerror(-fd));
	} else {
		while (off + sizeof(h) <= good &&
		       pread(fd, h, sizeof(h), off) == sizeof(h) &&
		       (len = rec_len(po, h)) && off + len <= good) {
			off += len;
			n++;
		}
		close(fd);
	}
	*kept = n;
	return off;
}

/* pcapng: the interface's counters so far end the file (not a failed one). */
static void write_isb(struct pcap_out *po)
{
	struct pcapng_isb_vals v = {PCAPNG_UNKNOWN, PCAPNG_UNKNOWN,
				    PCAPNG_UNKNOWN, PCAPNG_UNKNOWN,
				    PCAPNG_UNKNOWN};
	uint8_t b[256];
	struct timespec ts;
	size_t n;

	if (po->o.format != PCAP_OUT_PCAPNG || !po->o.isb ||
	    po->bad != NO_OFF || wfile_errors(po->f))
		return;
	po->o.isb(po->o.isb_ctx, &v);
	clock_gettime(CLOCK_REALTIME, &ts);
	n = pcapng_isb(b, sizeof(b), 0, ts.tv_sec * 1000000000ull + ts.tv_nsec,
		       &v);
	if (n && !writer_write_copy(po->w, po->f, po->off, b, n))
		po->off += n;
}

/* A merged file: the last batch, its writes, the close (size kept). */
static int close_merged(struct pcap_out *po)
{
	struct pcap_out_file pf = {PCAP_OUT_FINISHED, 0, po->dev, po->ino,
				   po->path};
	int ret = pcap_stage_flush(po->stage), r;

	r = writer_settle(po->w, po->f);
	ret = ret ? ret : r;
	r = writer_close(po->w, po->f);
	ret = ret ? ret : r;
	po->f = NULL;
	pcap_stage_destroy(po->stage);
	po->stage = NULL;
	pf.bytes = pcap_merge_end(po->o.merge);
	if (po->o.merge_first && po->o.on_file)
		po->o.on_file(po->o.on_file_ctx, &pf);
	return ret;
}

/*
 * Close the current file.  After a failure it ends at the last complete
 * record: the records cut move from records to lost.
 */
static int close_file(struct pcap_out *po, bool tell)
{
	struct pcap_out_file pf = {PCAP_OUT_FINISHED, 0, po->dev, po->ino,
				   po->path};
	uint64_t end = NO_OFF, kept;
	int ret, r;

	if (po->stage)
		return close_merged(po);
	write_isb(po);
	ret = writer_settle(po->w, po->f);
	if (!ret && po->seekable &&
	    (wfile_errors(po->f) || po->bad != NO_OFF)) {
		end = cut_point(po, &kept);
		po->lost += po->file_records - kept;
		po->records -= po->file_records - kept;
		po->file_records = kept;
	}
	r = writer_close_at(po->w, po->f, end);
	po->f = NULL;
	if (end != NO_OFF)
		pr_warn("%s: cut at %" PRIu64 " bytes, after record %" PRIu64
			" (the last one on disk before the write failure)\n",
			po->path, end, kept);
	pf.bytes = end != NO_OFF ? end : po->off;
	if (tell && po->o.on_file && po->seekable)
		po->o.on_file(po->o.on_file_ctx, &pf);
	return ret ? ret : r;
}

/* What each file starts with: a pcap header, or pcapng's SHB and IDB. */
static int build_file_hdr(struct pcap_out *po)
{
	struct pcap_file_hdr h = {
		.magic = PCAP_MAGIC_NSEC,
		.version_major = 2,
		.version_minor = 4,
		.snaplen = po->o.snaplen,
		.linktype = po->o.linktype,
	};
	char os[sizeof(((struct utsname *)0)->sysname) * 2 + 2] = "";
	struct utsname u;
	size_t n, m;

	if (po->o.format != PCAP_OUT_PCAPNG) {
		memcpy(po->fhdr, &h, sizeof(h));
		po->fhdr_len = sizeof(h);
		return 0;
	}
	if (!uname(&u))
		snprintf(os, sizeof(os), "%s %s", u.sysname, u.release);
	n = pcapng_shb(po->fhdr, sizeof(po->fhdr), os,
		       "flowsplice " FS_VERSION);
	m = n ? pcapng_idb(po->fhdr + n, sizeof(po->fhdr) - n, po->o.linktype,
			   po->o.snaplen, po->ifname)
	      : 0;
	if (!m)
		return -ENAMETOOLONG;
	po->fhdr_len = n + m;
	return 0;
}

/*
 * -W's ring comes round to the oldest file's name: rename that file away
 * (one metadata operation) and hand it over, so that freeing its blocks
 * (an unlink, or the truncate of an open that reuses it) is not this
 * thread's work.  If nobody takes it, the open truncates it.
 */
static void retire(struct pcap_out *po)
{
	struct pcap_out_file pf = {.kind = PCAP_OUT_RETIRED};
	char old[PATH_MAX];
	const char *slash = strrchr(po->path, '/');
	int dlen = slash ? slash - po->path + 1 : 0;
	struct stat sb;

	if (!po->o.on_file || stat(po->path, &sb) || !S_ISREG(sb.st_mode))
		return;
	if (snprintf(old, sizeof(old), "%.*s.%s.flowsplice-old", dlen, po->path,
		     po->path + dlen) >= (int)sizeof(old) ||
	    rename(po->path, old))
		return;
	pf.path = old;
	pf.bytes = sb.st_size;
	pf.dev = sb.st_dev;
	pf.ino = sb.st_ino;
	if (po->o.on_file(po->o.on_file_ctx, &pf))
		rename(old, po->path); /* then the open replaces it */
}

/*
 * A merged file: the first opener truncates it and reserves and writes
 * the header at offset 0; the others open it as it is.
 */
static int open_merged(struct pcap_out *po)
{
	struct stat sb;
	int ret;

	ret = writer_open(po->w, po->path, po->o.merge_first ? 0 : WRITER_KEEP,
			  &po->f);
	if (ret)
		return ret;
	if (!stat(po->path, &sb)) {
		po->dev = sb.st_dev;
		po->ino = sb.st_ino;
	}
	po->files++;
	ret = pcap_stage_create(&po->stage, po->w, po->f, po->o.merge,
				po->o.merge_flush_ms * 1000000ull);
	if (ret || !po->o.merge_first)
		return ret;
	if (pcap_merge_reserve(po->o.merge, po->fhdr_len) != 0)
		return -EINVAL; /* another one wrote first */
	return writer_write(po->w, po->f, 0, po->fhdr, po->fhdr_len, NULL);
}

static int open_next(struct pcap_out *po)
{
	struct stat sb;
	int ret;

	if (po->f) {
		ret = close_file(po, true);
		if (ret)
			pr_warn("closing %s: %s\n", po->path, strerror(-ret));
	}
	ret = make_name(po, po->path, sizeof(po->path));
	if (ret)
		return ret;
	if (cycling(po) && po->files >= po->o.max_files)
		retire(po);
	if (po->o.merge)
		return open_merged(po);
	/* Never wait in open: a FIFO without a reader is -ENXIO. */
	ret = writer_open(po->w, po->path,
			  (po->o.direct ? WRITER_DIRECT : 0) | O_NONBLOCK,
			  &po->f);
	if (ret)
		return ret;
	po->seekable = !stat(po->path, &sb) && S_ISREG(sb.st_mode);
	po->dev = sb.st_dev;
	po->ino = sb.st_ino;
	po->files++;
	po->seq++;
	po->file_records = 0;
	po->off = po->fhdr_len;
	__atomic_store_n(&po->pub_off, po->off, __ATOMIC_RELAXED);
	po->bad = NO_OFF;
	po->nmark = 0;
	po->next_mark = PCAP_MARK_EVERY;
	return writer_write(po->w, po->f, 0, po->fhdr, po->fhdr_len, NULL);
}

int pcap_out_open(struct pcap_out **out, struct writer *w,
		  const struct pcap_out_opts *opts)
{
	struct pcap_out *po;
	unsigned int n;
	int ret;

	po = calloc(1, sizeof(*po));
	if (!po)
		return -ENOMEM;
	po->w = w;
	po->o = *opts;
	po->base = strdup(opts->path);
	po->ifname = opts->ifname ? strdup(opts->ifname) : NULL;
	po->o.path = po->base;
	po->o.ifname = po->ifname;
	if (!po->o.snaplen)
		po->o.snaplen = PCAP_OUT_MAX_SNAPLEN;
	ret = !po->base || (opts->ifname && !po->ifname) ? -ENOMEM
							 : build_file_hdr(po);
	if (ret) {
		free(po->ifname);
		free(po->base);
		free(po);
		return ret;
	}
	if (po->o.max_files > 1 && po->o.rotate_bytes)
		for (n = po->o.max_files - 1; n; n /= 10)
			po->digits++;
	if (po->o.rotate_secs) {
		/* The first file is named for the interval we start in. */
		int64_t now = time(NULL);

		po->interval = now - now % po->o.rotate_secs;
	}
	ret = open_next(po);
	if (ret) {
		if (po->f)
			close_file(po, false);
		free(po->ifname);
		free(po->base);
		free(po);
		return ret;
	}
	*out = po;
	return 0;
}

/* Rotate before a record of len bytes stamped ts_ns if a limit says so. */
static int maybe_rotate(struct pcap_out *po, uint64_t ts_ns, uint64_t len)
{
	if (po->o.rotate_secs) {
		int64_t sec = ts_ns / 1000000000ull;
		int64_t start = sec - sec % po->o.rotate_secs;

		/*
		 * The file opened at start-up is named for the wall clock;
		 * if the first packet belongs to another interval (offline
		 * input) it goes away.  Otherwise rotation only moves
		 * forward: a late record (a packet handed in by another
		 * worker, a clock step back) goes into the current file,
		 * never into a reopened, truncated earlier one.
		 */
		bool fresh = !po->file_records && po->files == 1;

		if (start > po->interval || (fresh && start != po->interval)) {
			if (fresh) {
				close_file(po, false);
				unlink(po->path);
				po->files = 0;
			}
			po->interval = start;
			po->seq = 0;
			return open_next(po);
		}
	}
	if (po->o.rotate_bytes && po->off > po->fhdr_len &&
	    po->off + len > po->o.rotate_bytes)
		return open_next(po);
	return 0;
}

/* The record's header into hb: pcap's 16 bytes or an EPB's 28. */
static uint32_t rec_head(const struct pcap_out *po, uint8_t *hb,
			 const struct pcap_out_pkt *pk, uint32_t caplen,
			 uint32_t origlen, const struct pcapng_epb_opts *eo,
			 uint32_t *total)
{
	struct pcap_rec_hdr h = {
		.ts_sec = pk->ts_ns / 1000000000ull,
		.ts_frac = pk->ts_ns % 1000000000ull,
		.caplen = caplen,
		.len = origlen,
	};

	if (po->o.format == PCAP_OUT_PCAPNG) {
		*total = pcapng_epb_len(caplen, eo);
		pcapng_epb_head(hb, 0, pk->ts_ns, caplen, origlen, *total);
		return PCAPNG_EPB_HDR_LEN;
	}
	*total = sizeof(h) + caplen;
	memcpy(hb, &h, sizeof(h));
	return sizeof(h);
}

/* A merged file's record: copied whole into this writer's batch. */
static int stage_record(struct pcap_out *po, const uint8_t *hb, uint32_t hlen,
			const struct iovec *frags, unsigned int nfrag,
			uint32_t caplen, const struct pcapng_epb_opts *eo,
			uint32_t total)
{
	uint8_t *p = pcap_stage_room(po->stage, total);
	uint32_t left = caplen, n;
	unsigned int i;

	if (!p)
		return wfile_error(po->f) ? wfile_error(po->f) : -EIO;
	memcpy(p, hb, hlen);
	p += hlen;
	for (i = 0; i < nfrag && left; i++) {
		n = frags[i].iov_len < left ? frags[i].iov_len : left;
		memcpy(p, frags[i].iov_base, n);
		p += n;
		left -= n;
	}
	if (po->o.format == PCAP_OUT_PCAPNG)
		pcapng_epb_tail(p, caplen, eo, total);
	po->records++;
	return 0;
}

int pcap_out_packet(struct pcap_out *po, const struct pcap_out_pkt *pk,
		    void *hdr, const struct iovec *frags,
		    struct buf *const *bufs, unsigned int nfrag)
{
	struct pcapng_epb_opts eo = {
		.queue = pk->queue == PCAP_OUT_NO_QUEUE ? PCAPNG_UNKNOWN
							: pk->queue,
		.drops = pk->drops,
	};
	uint8_t hb[PCAP_OUT_HDR_ROOM], tail[PCAPNG_EPB_TAIL_MAX];
	uint32_t caplen, wholelen = 0, left, n, hlen, total;
	uint64_t rec_off;
	unsigned int i;
	int ret;

	/* -s: the pieces as far as snaplen reaches; len stays the wire's. */
	for (i = 0; i < nfrag; i++)
		wholelen += frags[i].iov_len;
	caplen = wholelen < po->o.snaplen ? wholelen : po->o.snaplen;
	if (!po->f) {
		/* The last rotation could not open its file: try again. */
		ret = open_next(po);
		if (ret)
			return ret;
	}
	hlen = rec_head(po, hb, pk, caplen,
			pk->wirelen > wholelen ? pk->wirelen : wholelen, &eo,
			&total);
	if (po->stage)
		return stage_record(po, hb, hlen, frags, nfrag, caplen, &eo,
				    total);
	ret = maybe_rotate(po, pk->ts_ns, total);
	if (ret)
		return ret;
	if (po->bad != NO_OFF)
		return po->bad_err; /* the file ends before this record */
	rec_off = po->off;
	if (rec_off >= po->next_mark) {
		po->mark[po->nmark++ % PCAP_MARKS] =
			(struct pcap_mark){rec_off, po->file_records};
		po->next_mark = (rec_off & ~(uint64_t)(PCAP_MARK_EVERY - 1)) +
				PCAP_MARK_EVERY;
	}
	left = caplen;
	n = frags[0].iov_len < left ? frags[0].iov_len : left;
	if (hdr) {
		/* Header and first piece leave as one span of the frame. */
		uint8_t *h = (uint8_t *)hdr + PCAP_OUT_HDR_ROOM - hlen;

		memcpy(h, hb, hlen);
		ret = writer_write(po->w, po->f, po->off, h, hlen + n, bufs[0]);
	} else {
		ret = writer_write_copy(po->w, po->f, po->off, hb, hlen);
		if (!ret && n)
			ret = writer_write(po->w, po->f, po->off + hlen,
					   frags[0].iov_base, n, bufs[0]);
	}
	po->off += hlen + n;
	left -= n;
	for (i = 1; i < nfrag && left && !ret; i++) {
		n = frags[i].iov_len < left ? frags[i].iov_len : left;
		ret = writer_write(po->w, po->f, po->off, frags[i].iov_base, n,
				   bufs[i]);
		po->off += n;
		left -= n;
	}
	if (!ret && po->o.format == PCAP_OUT_PCAPNG) {
		n = pcapng_epb_tail(tail, caplen, &eo, total);
		ret = writer_write_copy(po->w, po->f, po->off, tail, n);
		po->off += n;
	}
	if (ret) {
		/* Whatever of it was queued is cut at close. */
		po->bad = rec_off;
		po->bad_records = po->file_records;
		po->bad_err = ret;
		return ret;
	}
	po->records++;
	po->file_records++;
	__atomic_store_n(&po->pub_off, po->off, __ATOMIC_RELAXED);
	return 0;
}

int pcap_out_record(struct pcap_out *po, uint64_t ts_ns, void *hdr,
		    const struct iovec *frags, struct buf *const *bufs,
		    unsigned int nfrag, uint32_t wirelen)
{
	const struct pcap_out_pkt pk = {
		.ts_ns = ts_ns, .wirelen = wirelen, .queue = PCAP_OUT_NO_QUEUE};

	return pcap_out_packet(po, &pk, hdr, frags, bufs, nfrag);
}

uint64_t pcap_out_records(const struct pcap_out *po)
{
	return po->records;
}

uint64_t pcap_out_lost(const struct pcap_out *po)
{
	return po->lost;
}

unsigned int pcap_out_files(const struct pcap_out *po)
{
	return po->files;
}

const char *pcap_out_current_path(const struct pcap_out *po)
{
	return po->path;
}

void pcap_out_poll(struct pcap_out *po)
{
	struct timespec ts;

	if (!po || !po->stage)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	pcap_stage_poll(po->stage, ts.tv_sec * 1000000000ull + ts.tv_nsec);
}

int pcap_out_merge_isb(const char *path, struct pcap_merge *m,
		       const struct pcapng_isb_vals *v)
{
	struct timespec ts;
	uint8_t b[256];
	size_t n;
	int fd, ret = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	n = pcapng_isb(b, sizeof(b), 0, ts.tv_sec * 1000000000ull + ts.tv_nsec,
		       v);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (pwrite(fd, b, n, pcap_merge_reserve(m, n)) != (ssize_t)n)
		ret = -EIO;
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}

uint64_t pcap_out_current_bytes(const struct pcap_out *po)
{
	return __atomic_load_n(&po->pub_off, __ATOMIC_RELAXED);
}

int pcap_out_finish(struct pcap_out *po)
{
	return po && po->f ? close_file(po, true) : 0;
}

int pcap_out_close(struct pcap_out *po)
{
	int ret;

	if (!po)
		return 0;
	ret = pcap_out_finish(po);
	free(po->ifname);
	free(po->base);
	free(po);
	return ret;
}
