// SPDX-License-Identifier: GPL-2.0
/*
 * pcap_reader: owns the offline input of a capture file: opening it,
 * telling pcap from pcapng, the sticky error and its message.  The input
 * buffer is pcap_reader_chunk.c's, the formats pcap_reader_pcap.c's and
 * pcap_reader_ng.c's (pcap_reader_int.h).
 *
 * Choices:
 * - caplen above PCAP_MAX_CAPLEN is always corrupt.  caplen above the
 *   file's (pcap) or interface's (pcapng) snaplen is corrupt when that
 *   snaplen is sane, i.e. between 1 and PCAP_MAX_CAPLEN; writers put 0 or
 *   huge values there to mean "no limit", so those are not checked.
 *   (libpcap truncates such records instead; a record longer than the file
 *   says it can be is more likely damage than data.)
 * - Unknown link types are reported in rec.linktype, not refused here.
 * - Errors: -EINVAL for a malformed input, -errno for a failed read; the
 *   error is sticky, and the message gives the offset of the bad record.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parse/pcap_reader_int.h"

int reader_set_err(struct pcap_reader *r, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	r->err = err;
	return err;
}

int reader_check_caplen(struct pcap_reader *r, uint32_t caplen,
			uint32_t snaplen, uint64_t off)
{
	if (caplen > PCAP_MAX_CAPLEN)
		return reader_set_err(
			r, -EINVAL,
			"record at offset %llu: caplen %u exceeds the "
			"maximum %u",
			(unsigned long long)off, caplen, PCAP_MAX_CAPLEN);
	if (snaplen && snaplen <= PCAP_MAX_CAPLEN && caplen > snaplen)
		return reader_set_err(
			r, -EINVAL,
			"record at offset %llu: caplen %u exceeds "
			"snaplen %u",
			(unsigned long long)off, caplen, snaplen);
	return 0;
}

int pcap_reader_next(struct pcap_reader *r, struct pcap_rec *rec)
{
	if (r->err)
		return r->err;
	return r->ng ? pcapng_next(r, rec) : pcap_classic_next(r, rec);
}

const char *pcap_reader_error(const struct pcap_reader *r)
{
	return r->msg;
}

int pcap_reader_linktype(const struct pcap_reader *r)
{
	return r->linktype;
}

void pcap_reader_close(struct pcap_reader *r)
{
	if (!r)
		return;
	chunk_pool_close(r);
	if (r->own_fd)
		close(r->fd);
	free(r->ifs);
	free(r);
}

static int reader_init(struct pcap_reader *r, const char *path)
{
	struct stat st;

	r->linktype = -1;
	if (chunk_pool_create(r))
		return reader_set_err(r, -ENOMEM, "out of memory");
	if (!strcmp(path, "-")) {
		r->fd = STDIN_FILENO;
	} else {
		r->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (r->fd < 0)
			return reader_set_err(r, -errno, "%s", strerror(errno));
		r->own_fd = true;
		posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	}
	r->can_wait = fstat(r->fd, &st) ||
		      !(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode));
	return 0;
}

void pcap_reader_set_idle(struct pcap_reader *r, void (*fn)(void *arg),
			  void *arg)
{
	r->idle = fn;
	r->idle_arg = arg;
}

int pcap_reader_stat(const struct pcap_reader *r, struct stat *st)
{
	return fstat(r->fd, st) ? -errno : 0;
}

static int reader_start(struct pcap_reader *r)
{
	uint32_t magic;
	int ret;

	ret = reader_fill(r, 4);
	if (ret < 0)
		return ret;
	if (ret)
		return reader_set_err(r, -EINVAL,
				      "not a pcap or pcapng file: only %zu "
				      "bytes",
				      avail(r));
	memcpy(&magic, cursor(r), 4);
	if (magic == PCAP_MAGIC_US || magic == PCAP_MAGIC_NS ||
	    bswap_32(magic) == PCAP_MAGIC_US ||
	    bswap_32(magic) == PCAP_MAGIC_NS)
		return pcap_classic_open(r, magic);
	if (magic != NG_SHB)
		return reader_set_err(r, -EINVAL,
				      "not a pcap or pcapng file (magic "
				      "0x%08x)",
				      bswap_32(magic));
	return pcapng_open(r);
}

int pcap_reader_open(const char *path, struct pcap_reader **out, char *err,
		     size_t errlen)
{
	struct pcap_reader *r = calloc(1, sizeof(*r));
	int ret;

	*out = NULL;
	if (!r) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	r->fd = -1;
	ret = reader_init(r, path);
	if (!ret)
		ret = reader_start(r);
	if (ret) {
		snprintf(err, errlen, "%s: %s", path, r->msg);
		if (!r->pool) {
			free(r);
			return ret;
		}
		pcap_reader_close(r);
		return ret;
	}
	*out = r;
	return 0;
}
