// SPDX-License-Identifier: GPL-2.0
/*
 * pcap_out: owns the current output pcap file, its write offset and the
 * rotation schedule.  Records are queued on the writer, never copied
 * unless the caller has no headroom for the 16-byte record header.
 *
 * Names (pcap_name.h): without rotation, exactly the path given; -C gives
 * PATH, PATH1, PATH2, ... (as tcpdump); -G passes PATH through strftime(3)
 * with the start of the wall-clock-aligned interval.
 *
 * Several queues into one file: the records go to this worker's stage of
 * the merged file (pcap_merge.h), which owns the files, their rotation
 * and their end; this pcap_out then only counts.
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
	struct pcap_name name;
	uint64_t pub_off; /* off, for pcap_out_current_bytes() */
	uint64_t dev, ino; /* the current file's */
	struct pcap_stage *stage; /* merged file: this worker's regions */
	bool finished; /* the stage's last region sent */
	int64_t interval; /* start of the -G interval, seconds */
	char *base; /* our copy of o.path: the caller's may not outlive us */
	char *ifname; /* our copy of o.ifname */
	char *ts_comment; /* our copy of o.ts_comment */
	/* what every file starts with: its bytes stay until po is freed */
	uint8_t fhdr[1024];
	uint32_t fhdr_len;
	char path[PATH_MAX];
};

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
static int file_hdr(const struct pcap_out_opts *o, uint8_t *buf, size_t cap,
		    uint32_t *len)
{
	struct pcap_file_hdr h = {
		.magic = PCAP_MAGIC_NSEC,
		.version_major = 2,
		.version_minor = 4,
		.snaplen = o->snaplen ? o->snaplen : PCAP_OUT_MAX_SNAPLEN,
		.linktype = o->linktype,
	};
	char os[sizeof(((struct utsname *)0)->sysname) * 2 + 2] = "";
	struct utsname u;
	size_t n, m;

	if (o->format != PCAP_OUT_PCAPNG) {
		if (cap < sizeof(h))
			return -ENOBUFS;
		memcpy(buf, &h, sizeof(h));
		*len = sizeof(h);
		return 0;
	}
	if (!uname(&u))
		snprintf(os, sizeof(os), "%s %s", u.sysname, u.release);
	n = pcapng_shb(buf, cap, os, "flowsplice " FS_VERSION);
	m = n && n <= cap ? pcapng_idb(buf + n, cap - n, o->linktype, h.snaplen,
				       o->ifname, o->ts_comment)
			  : 0;
	if (!m || n + m > cap)
		return -ENAMETOOLONG;
	*len = n + m;
	return 0;
}

int pcap_out_header(const struct pcap_out_opts *o, void *buf, size_t cap,
		    uint32_t *len)
{
	return file_hdr(o, buf, cap, len);
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
	struct stat sb;

	if (!po->o.on_file || pcap_name_retire(po->path, old, sizeof(old), &sb))
		return;
	pf.path = old;
	pf.bytes = sb.st_size;
	pf.dev = sb.st_dev;
	pf.ino = sb.st_ino;
	if (po->o.on_file(po->o.on_file_ctx, &pf))
		rename(old, po->path); /* then the open replaces it */
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
	ret = pcap_name_make(&po->name, po->interval, po->seq, po->path,
			     sizeof(po->path));
	if (ret)
		return ret;
	if (pcap_name_cycling(&po->name) && po->files >= po->o.max_files)
		retire(po);
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
	int ret;

	po = calloc(1, sizeof(*po));
	if (!po)
		return -ENOMEM;
	po->w = w;
	po->o = *opts;
	po->base = strdup(opts->path);
	po->ifname = opts->ifname ? strdup(opts->ifname) : NULL;
	po->ts_comment = opts->ts_comment ? strdup(opts->ts_comment) : NULL;
	po->o.path = po->base;
	po->o.ifname = po->ifname;
	po->o.ts_comment = po->ts_comment;
	if (!po->o.snaplen)
		po->o.snaplen = PCAP_OUT_MAX_SNAPLEN;
	ret = !po->base || (opts->ifname && !po->ifname) ||
			      (opts->ts_comment && !po->ts_comment)
		      ? -ENOMEM
		      : file_hdr(&po->o, po->fhdr, sizeof(po->fhdr),
				 &po->fhdr_len);
	if (!ret && po->o.merge)
		ret = pcap_stage_create(&po->stage, w, po->o.merge);
	if (ret || po->o.merge) {
		if (!ret) {
			/* The merged file's first one, for -Z to hand over. */
			snprintf(po->path, sizeof(po->path), "%s",
				 pcap_merge_first_path(po->o.merge));
			po->files = 1;
			*out = po;
			return 0;
		}
		free(po->ts_comment);
		free(po->ifname);
		free(po->base);
		free(po);
		return ret;
	}
	pcap_name_init(&po->name, po->base, po->o.rotate_bytes,
		       po->o.rotate_secs, po->o.max_files);
	if (po->o.rotate_secs) {
		/* The first file is named for the interval we start in. */
		int64_t now = time(NULL);

		po->interval = now - now % po->o.rotate_secs;
	}
	ret = open_next(po);
	if (ret) {
		if (po->f)
			close_file(po, false);
		free(po->ts_comment);
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

/* A merged file's record: copied whole into this worker's region. */
static int stage_record(struct pcap_out *po, uint64_t ts_ns, const uint8_t *hb,
			uint32_t hlen, const struct iovec *frags,
			unsigned int nfrag, uint32_t caplen,
			const struct pcapng_epb_opts *eo, uint32_t total)
{
	uint32_t left = caplen, n;
	unsigned int i;
	int err = 0;
	uint8_t *p = pcap_stage_room(po->stage, total, ts_ns, &err);

	if (!p)
		return err;
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
	if (!po->f && !po->stage) {
		/* The last rotation could not open its file: try again. */
		ret = open_next(po);
		if (ret)
			return ret;
	}
	hlen = rec_head(po, hb, pk, caplen,
			pk->wirelen > wholelen ? pk->wirelen : wholelen, &eo,
			&total);
	if (po->stage)
		return stage_record(po, pk->ts_ns, hb, hlen, frags, nfrag,
				    caplen, &eo, total);
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
	return po->stage ? pcap_stage_records(po->stage) -
				   pcap_stage_lost(po->stage)
			 : po->records;
}

uint64_t pcap_out_lost(const struct pcap_out *po)
{
	return po->stage ? pcap_stage_lost(po->stage) : po->lost;
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

uint64_t pcap_out_current_bytes(const struct pcap_out *po)
{
	if (po->stage)
		return pcap_merge_current_bytes(po->o.merge);
	return __atomic_load_n(&po->pub_off, __ATOMIC_RELAXED);
}

int pcap_out_finish(struct pcap_out *po)
{
	int ret;

	if (po && po->stage && !po->finished) {
		po->finished = true;
		ret = pcap_stage_finish(po->stage);
		if (ret)
			return ret;
	}
	return po && po->f ? close_file(po, true) : 0;
}

int pcap_out_close(struct pcap_out *po)
{
	int ret;

	if (!po)
		return 0;
	ret = pcap_out_finish(po);
	pcap_stage_destroy(po->stage);
	free(po->ts_comment);
	free(po->ifname);
	free(po->base);
	free(po);
	return ret;
}
