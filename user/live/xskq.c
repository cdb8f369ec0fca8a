// SPDX-License-Identifier: GPL-2.0
/*
 * xskq: socket creation with mode fallback, batched fill-ring refills and
 * need_wakeup handling.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/log.h"
#include "live/xskq.h"

#ifndef SOL_XDP
#define SOL_XDP 283
#endif

static int try_bind(struct xskq *q, struct umem *u, const char *ifname,
		    const struct xskq_opts *o, __u16 flags)
{
	struct xsk_socket_config cfg = {
		.rx_size = o->rx_size,
		.tx_size = o->tx_size,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = flags | XDP_USE_NEED_WAKEUP,
	};

	return xsk_socket__create_shared(&q->xsk, ifname, q->queue_id, u->xumem,
					 o->rx_size ? &q->rx : NULL,
					 o->tx_size ? &q->tx : NULL, q->fq,
					 q->cq, &cfg);
}

int xskq_open(struct xskq *q, struct umem *u, const char *ifname,
	      uint32_t queue_id, const struct xskq_opts *o, bool first)
{
	static const struct {
		__u16 flags;
		bool zc, sg;
	} modes[] = {
		{XDP_ZEROCOPY | XDP_USE_SG, true, true},
		{XDP_ZEROCOPY, true, false},
		{XDP_COPY | XDP_USE_SG, false, true},
		{XDP_COPY, false, false},
	};
	unsigned int i;
	int ret = -EINVAL;

	memset(q, 0, sizeof(*q));
	q->queue_id = queue_id;
	/*
	 * libxdp hands the UMEM's own rings to the first socket (which uses
	 * the UMEM's fd) and creates new ones on every later socket.
	 */
	q->fq = first ? &u->fq : &q->fq_own;
	q->cq = first ? &u->cq : &q->cq_own;
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (modes[i].zc && !o->try_zerocopy)
			continue;
		ret = try_bind(q, u, ifname, o, modes[i].flags);
		pr_debug("queue %u: bind flags 0x%x: %s\n", queue_id,
			 modes[i].flags, ret ? strerror(-ret) : "ok");
		if (!ret) {
			q->zerocopy = modes[i].zc;
			q->sg = modes[i].sg;
			q->fd = xsk_socket__fd(q->xsk);
			return 0;
		}
		/* Only a refused mode is worth another try. */
		if (ret != -EOPNOTSUPP && ret != -EINVAL &&
		    ret != -EPROTONOSUPPORT)
			break;
	}
	return ret;
}

const char *xskq_bind_hint(int err)
{
	switch (err) {
	case -EAFNOSUPPORT:
		return " (kernel without AF_XDP)";
	case -EBUSY:
		return " (another AF_XDP socket holds this queue: another "
		       "flowsplice's, or another program's)";
	case -ENODEV:
		return " (no such interface)";
	default:
		return "";
	}
}

void xskq_close(struct xskq *q)
{
	if (q->xsk)
		xsk_socket__delete(q->xsk);
	q->xsk = NULL;
}

uint32_t xskq_refill(struct xskq *q, struct umem *u, struct frame_pool *p,
		     uint32_t max)
{
	uint32_t n = p->nfree < max ? p->nfree : max, idx, i, got;

	if (!n)
		return 0;
	got = xsk_prod_nb_free(q->fq, n);
	if (got < n)
		n = got;
	if (!n || xsk_ring_prod__reserve(q->fq, n, &idx) != n)
		return 0;
	for (i = 0; i < n; i++) {
		struct frame *f = frame_pool_get(p);

		/* The kernel owns it now; its reference comes back in RX. */
		*xsk_ring_prod__fill_addr(q->fq, idx + i) =
			umem_frame_addr(u, f);
	}
	xsk_ring_prod__submit(q->fq, n);
	return n;
}

void xskq_wakeup_fill(struct xskq *q)
{
	if (xsk_ring_prod__needs_wakeup(q->fq)) {
		recvfrom(q->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
		q->wakeups++;
	}
}

int xskq_stats(const struct xskq *q, struct xdp_statistics *st)
{
	socklen_t len = sizeof(*st);

	memset(st, 0, sizeof(*st));
	if (getsockopt(q->fd, SOL_XDP, XDP_STATISTICS, st, &len))
		return -errno;
	return 0;
}
