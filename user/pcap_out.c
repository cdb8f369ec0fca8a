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
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "pcap_out.h"

struct pcap_file_hdr {
	uint32_t magic;
	uint16_t version_major;
	uint16_t version_minor;
	int32_t thiszone;
	uint32_t sigfigs;
	uint32_t snaplen;
	uint32_t linktype;
};

struct pcap_out {
	struct writer *w;
	struct pcap_out_opts o;
	struct wfile *f;
	uint64_t off; /* next record's offset in the current file */
	uint64_t records;
	uint64_t file_records; /* records in the current file */
	unsigned int files;
	unsigned int seq; /* files opened in this interval */
	int64_t interval; /* start of the -G interval, seconds */
	char *base; /* our copy of o.path: the caller's may not outlive us */
	char path[PATH_MAX];
};

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
	if (po->seq)
		n = snprintf(out, len, "%s%u", base, po->seq);
	else
		n = snprintf(out, len, "%s", base);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int open_next(struct pcap_out *po)
{
	struct pcap_file_hdr h = {
		.magic = PCAP_MAGIC_NSEC,
		.version_major = 2,
		.version_minor = 4,
		.snaplen = po->o.snaplen,
		.linktype = po->o.linktype,
	};
	int ret;

	if (po->f) {
		ret = writer_close(po->w, po->f);
		po->f = NULL;
		if (ret)
			pr_warn("closing %s: %s\n", po->path, strerror(-ret));
	}
	ret = make_name(po, po->path, sizeof(po->path));
	if (ret)
		return ret;
	ret = writer_open(po->w, po->path, po->o.direct ? WRITER_DIRECT : 0,
			  &po->f);
	if (ret)
		return ret;
	po->files++;
	po->seq++;
	po->file_records = 0;
	po->off = sizeof(h);
	return writer_write_copy(po->w, po->f, 0, &h, sizeof(h));
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
	if (!po->base) {
		free(po);
		return -ENOMEM;
	}
	po->o.path = po->base;
	if (!po->o.snaplen)
		po->o.snaplen = 262144;
	if (po->o.rotate_secs) {
		/* The first file is named for the interval we start in. */
		int64_t now = time(NULL);

		po->interval = now - now % po->o.rotate_secs;
	}
	ret = open_next(po);
	if (ret) {
		if (po->f)
			writer_close(w, po->f);
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
				writer_close(po->w, po->f);
				po->f = NULL;
				unlink(po->path);
				po->files = 0;
			}
			po->interval = start;
			po->seq = 0;
			return open_next(po);
		}
	}
	if (po->o.rotate_bytes && po->off > sizeof(struct pcap_file_hdr) &&
	    po->off + len > po->o.rotate_bytes)
		return open_next(po);
	return 0;
}

int pcap_out_record(struct pcap_out *po, uint64_t ts_ns, void *hdr,
		    const struct iovec *frags, struct buf *const *bufs,
		    unsigned int nfrag, uint32_t wirelen)
{
	struct pcap_rec_hdr h;
	uint32_t caplen = 0;
	unsigned int i;
	int ret;

	for (i = 0; i < nfrag; i++)
		caplen += frags[i].iov_len;
	if (!po->f) {
		/* The last rotation could not open its file: try again. */
		ret = open_next(po);
		if (ret)
			return ret;
	}
	ret = maybe_rotate(po, ts_ns, caplen + sizeof(h));
	if (ret)
		return ret;
	h.ts_sec = ts_ns / 1000000000ull;
	h.ts_frac = ts_ns % 1000000000ull;
	h.caplen = caplen;
	h.len = wirelen > caplen ? wirelen : caplen;

	if (hdr) {
		/* Header and first piece leave as one span of the frame. */
		memcpy(hdr, &h, sizeof(h));
		ret = writer_write(po->w, po->f, po->off, hdr,
				   sizeof(h) + frags[0].iov_len, bufs[0]);
	} else {
		ret = writer_write_copy(po->w, po->f, po->off, &h, sizeof(h));
		if (!ret)
			ret = writer_write(po->w, po->f, po->off + sizeof(h),
					   frags[0].iov_base, frags[0].iov_len,
					   bufs[0]);
	}
	po->off += sizeof(h) + frags[0].iov_len;
	for (i = 1; i < nfrag && !ret; i++) {
		ret = writer_write(po->w, po->f, po->off, frags[i].iov_base,
				   frags[i].iov_len, bufs[i]);
		po->off += frags[i].iov_len;
	}
	if (!ret) {
		po->records++;
		po->file_records++;
	}
	return ret;
}

uint64_t pcap_out_records(const struct pcap_out *po)
{
	return po->records;
}

unsigned int pcap_out_files(const struct pcap_out *po)
{
	return po->files;
}

const char *pcap_out_current_path(const struct pcap_out *po)
{
	return po->path;
}

int pcap_out_close(struct pcap_out *po)
{
	int ret = 0;

	if (!po)
		return 0;
	if (po->f)
		ret = writer_close(po->w, po->f);
	free(po->base);
	free(po);
	return ret;
}
