// SPDX-License-Identifier: GPL-2.0
/*
 * xdp_rules: the rule set and its set members in the classifier's maps.
 * A member's key carries the tag of its slot and set (FS_SET_TAG), so a
 * slot's members are found by walking a map's keys.  Nothing here runs on
 * the packet path: these are a few map updates per member.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "live/xdp_rules.h"

/* The key sizes of the three set maps, and the fds in m. */
enum { SM_HOSTS, SM_NETS, SM_PORTS, SM_NR };

static const size_t key_size[SM_NR] = {
	sizeof(struct fs_host_key),
	sizeof(struct fs_net_key),
	sizeof(struct fs_port_key),
};

static int set_map_fd(const struct xdp_rules_maps *m, int which)
{
	return which == SM_HOSTS  ? m->hosts_fd
	       : which == SM_NETS ? m->nets_fd
				  : m->ports_fd;
}

static int map_of_kind(int kind)
{
	return kind == FS_PRED_HOST_SET	 ? SM_HOSTS
	       : kind == FS_PRED_NET_SET ? SM_NETS
					 : SM_PORTS;
}

static __u8 key_tag(int which, const void *key)
{
	return which == SM_NETS ? ((const struct fs_net_key *)key)->tag
				: *(const __u8 *)key;
}

/*
 * Every key of map which whose tag is of slot: *keys (malloc'd, key_size
 * bytes each) and *n.  0 or -errno.
 */
static int slot_keys(const struct xdp_rules_maps *m, int which, __u32 slot,
		     char **keys, size_t *n)
{
	size_t ks = key_size[which], cap = 0;
	char cur[sizeof(struct fs_net_key)], next[sizeof(cur)], *k;
	int fd = set_map_fd(m, which), err;
	void *prev = NULL;

	*keys = NULL;
	*n = 0;
	while (!(err = bpf_map_get_next_key(fd, prev, next))) {
		memcpy(cur, next, ks);
		prev = cur;
		if (FS_SET_TAG_SLOT(key_tag(which, cur)) != slot)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			k = realloc(*keys, cap * ks);
			if (!k)
				return -ENOMEM;
			*keys = k;
		}
		memcpy(*keys + *n * ks, cur, ks);
		(*n)++;
	}
	return errno == ENOENT ? 0 : -errno;
}

static int clear_slot(const struct xdp_rules_maps *m, __u32 slot)
{
	size_t n, i;
	char *keys;
	int which, err = 0;

	for (which = 0; !err && which < SM_NR; which++) {
		err = slot_keys(m, which, slot, &keys, &n);
		for (i = 0; !err && i < n; i++)
			if (bpf_map_delete_elem(set_map_fd(m, which),
						keys + i * key_size[which]) &&
			    errno != ENOENT)
				err = -errno;
		free(keys);
	}
	return err;
}

/* The key member mb of a set of kind has in slot's set. */
static void member_key(int kind, __u8 tag, const struct filter_member *mb,
		       void *key)
{
	struct fs_host_key *hk = key;
	struct fs_net_key *nk = key;
	struct fs_port_key *pk = key;

	memset(key, 0, sizeof(struct fs_net_key));
	if (kind == FS_PRED_HOST_SET) {
		hk->tag = tag;
		hk->family = mb->family;
		memcpy(hk->addr, mb->addr, sizeof(hk->addr));
	} else if (kind == FS_PRED_NET_SET) {
		nk->prefixlen = FS_NET_KEY_BITS + mb->plen;
		nk->tag = tag;
		nk->family = mb->family;
		memcpy(nk->addr, mb->addr, sizeof(nk->addr));
	} else {
		pk->tag = tag;
		pk->port = mb->port;
	}
}

static int write_sets(const struct xdp_rules_maps *m,
		      const struct filter_rules *r, __u32 slot)
{
	char key[sizeof(struct fs_net_key)];
	const __u8 one = 1;
	__u32 i, j;
	int fd;

	for (i = 0; i < r->nsets && i < FS_MAX_SETS; i++) {
		const struct filter_set *s = &r->sets[i];

		fd = set_map_fd(m, map_of_kind(s->kind));
		for (j = 0; j < s->n; j++) {
			member_key(s->kind, FS_SET_TAG(slot, i), &s->m[j], key);
			if (bpf_map_update_elem(fd, key, &one, BPF_ANY))
				return -errno;
		}
	}
	return 0;
}

static int active_slot(const struct xdp_rules_maps *m, __u32 *slot)
{
	__u32 k = FS_CTL_ACTIVE;

	if (bpf_map_lookup_elem(m->ctl_fd, &k, slot))
		return -errno;
	*slot &= 1;
	return 0;
}

long xdp_rules_install(const struct xdp_rules_maps *m,
		       const struct filter_rules *r)
{
	struct fs_ruleset *buf = malloc(sizeof(*buf));
	__u32 slot, gen, k = FS_CTL_ACTIVE;
	long ret;

	if (!buf)
		return -ENOMEM;
	ret = active_slot(m, &slot);
	if (!ret && bpf_map_lookup_elem(m->rules_fd, &slot, buf))
		ret = -errno;
	if (ret)
		goto out;
	gen = buf->generation + 1 ? buf->generation + 1 : 1;
	*buf = r->rs;
	buf->generation = gen;
	slot = !slot;
	ret = clear_slot(m, slot);
	if (!ret)
		ret = write_sets(m, r, slot);
	if (ret)
		goto out;
	if (bpf_map_update_elem(m->rules_fd, &slot, buf, BPF_ANY) ||
	    bpf_map_update_elem(m->ctl_fd, &k, &slot, BPF_ANY)) {
		ret = -errno;
		goto out;
	}
	ret = gen;
out:
	free(buf);
	return ret;
}

/* The kinds of the sets r's predicates name, and r->nsets. */
static void set_kinds(struct filter_rules *r)
{
	const struct fs_ruleset *rs = &r->rs;
	__u32 i, j;

	for (i = 0; i < rs->nterms && i < FS_MAX_TERMS; i++)
		for (j = 0; j < rs->terms[i].npreds && j < FS_MAX_PREDS; j++) {
			const struct fs_pred *p = &rs->terms[i].preds[j];

			if (p->kind < FS_PRED_HOST_SET || p->set >= FS_MAX_SETS)
				continue;
			r->sets[p->set].kind = p->kind;
			if (p->set >= r->nsets)
				r->nsets = p->set + 1;
		}
}

/* The members of slot's sets from map which into r. */
static int read_members(const struct xdp_rules_maps *m, int which, __u32 slot,
			struct filter_rules *r)
{
	size_t n, i, ks = key_size[which];
	struct filter_member *mb;
	struct filter_set *s;
	char *keys;
	int err = slot_keys(m, which, slot, &keys, &n);

	for (i = 0; !err && i < n; i++) {
		const char *key = keys + i * ks;
		const struct fs_host_key *hk = (const void *)key;
		const struct fs_net_key *nk = (const void *)key;
		const struct fs_port_key *pk = (const void *)key;

		s = &r->sets[key_tag(which, key) % FS_MAX_SETS];
		if (map_of_kind(s->kind) != which)
			continue;
		mb = realloc(s->m, (s->n + 1) * sizeof(*mb));
		if (!mb) {
			err = -ENOMEM;
			break;
		}
		s->m = mb;
		mb = &s->m[s->n++];
		memset(mb, 0, sizeof(*mb));
		if (which == SM_HOSTS) {
			mb->family = hk->family;
			memcpy(mb->addr, hk->addr, sizeof(mb->addr));
		} else if (which == SM_NETS) {
			mb->family = nk->family;
			mb->plen = nk->prefixlen - FS_NET_KEY_BITS;
			memcpy(mb->addr, nk->addr, sizeof(mb->addr));
		} else {
			mb->port = pk->port;
		}
	}
	free(keys);
	return err;
}

int xdp_rules_read(const struct xdp_rules_maps *m, struct filter_rules *out)
{
	__u32 slot, i;
	int which, err;

	memset(out, 0, sizeof(*out));
	err = active_slot(m, &slot);
	if (!err && bpf_map_lookup_elem(m->rules_fd, &slot, &out->rs))
		err = -errno;
	if (err)
		return err;
	set_kinds(out);
	for (which = 0; !err && which < SM_NR; which++)
		err = read_members(m, which, slot, out);
	for (i = 0; !err && i < out->nsets; i++)
		qsort(out->sets[i].m, out->sets[i].n, sizeof(*out->sets[i].m),
		      filter_member_cmp);
	if (err)
		filter_rules_free(out);
	return err;
}
