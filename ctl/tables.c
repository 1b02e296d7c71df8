// SPDX-License-Identifier: GPL-2.0
/*
 * List tables and their generations (see tables.h and maps/pktgate.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "tables.h"

static const char *const pins[PG_LIST_KIND_MAX][2][PG_TBL_MAX] = {
	[PG_LIST_ALLOW] = {
		{ PG_MAP_ALLOW_X4, PG_MAP_ALLOW_V4, PG_MAP_ALLOW_P4 },
		{ PG_MAP_ALLOW_X6, PG_MAP_ALLOW_V6, PG_MAP_ALLOW_P6 },
	},
	[PG_LIST_DENY] = {
		{ PG_MAP_DENY_X4, PG_MAP_DENY_V4, PG_MAP_DENY_P4 },
		{ PG_MAP_DENY_X6, PG_MAP_DENY_V6, PG_MAP_DENY_P6 },
	},
};

const char *tables_pin_name(int kind, int fam6, int tbl)
{
	return pins[kind][fam6][tbl];
}

size_t tables_key_size(int fam6, int tbl)
{
	static const size_t sz[2][PG_TBL_MAX] = {
		{ sizeof(struct pg_exact_v4), sizeof(struct pg_lpm_v4), sizeof(struct pg_port_v4) },
		{ sizeof(struct pg_exact_v6), sizeof(struct pg_lpm_v6), sizeof(struct pg_port_v6) },
	};

	return sz[fam6][tbl];
}

int tables_create(int kind, int fam6, int tbl, uint32_t capacity)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	char name[BPF_OBJ_NAME_LEN];
	int fd;

	/* The kernel checks type, sizes, flags and capacity against the
	 * template of the outer map (pktgate_maps.bpf.h). */
	snprintf(name, sizeof(name), "%.10s_g", pins[kind][fam6][tbl]);
	fd = bpf_map_create(tbl == PG_TBL_EXACT ? BPF_MAP_TYPE_HASH : BPF_MAP_TYPE_LPM_TRIE,
			    name, tables_key_size(fam6, tbl), sizeof(struct pg_rule), capacity,
			    &opts);
	return fd < 0 ? -errno : fd;
}

int tables_get(int outer_fd, uint32_t gen)
{
	__u32 id;
	int fd;

	if (bpf_map_lookup_elem(outer_fd, &gen, &id))
		return -errno;
	fd = bpf_map_get_fd_by_id(id);
	return fd < 0 ? -errno : fd;
}

uint32_t tables_capacity(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.max_entries;
}

uint32_t tables_id(int outer_fd, uint32_t gen)
{
	__u32 id = 0;

	if (bpf_map_lookup_elem(outer_fd, &gen, &id))
		return 0;
	return id;
}

int tables_set(int outer_fd, uint32_t gen, int inner_fd)
{
	__u32 v = inner_fd;

	return bpf_map_update_elem(outer_fd, &gen, &v, BPF_ANY) ? -errno : 0;
}

int tables_clear(int outer_fd, uint32_t gen)
{
	return bpf_map_delete_elem(outer_fd, &gen) && errno != ENOENT ? -errno : 0;
}

void tables_key(int fam6, int tbl, const uint8_t *addr, uint8_t plen, uint8_t proto,
		uint16_t port, void *buf)
{
	size_t alen = fam6 ? 16 : 4;

	memset(buf, 0, PG_KEY_MAX);
	if (tbl == PG_TBL_EXACT) {
		memcpy(buf, addr, alen);
	} else if (tbl == PG_TBL_PREFIX) {
		struct pg_lpm_v6 *k = buf;	/* the v4 layout is a prefix of it */

		k->prefixlen = plen;
		memcpy(k->addr, addr, alen);
	} else {
		struct pg_port_v6 *k = buf;
		uint16_t nport = htons(port);

		k->prefixlen = PG_PORT_KEY_BITS + plen;
		k->proto = proto;
		memcpy(k->port, &nport, 2);
		memcpy(k->addr, addr, alen);
	}
}

void tables_key_decode(int fam6, int tbl, const void *key, uint8_t *addr, uint8_t *plen,
		       uint8_t *proto, uint16_t *port)
{
	size_t alen = fam6 ? 16 : 4;

	memset(addr, 0, 16);
	*proto = 0;
	*port = 0;
	if (tbl == PG_TBL_EXACT) {
		memcpy(addr, key, alen);
		*plen = alen * 8;
	} else if (tbl == PG_TBL_PREFIX) {
		const struct pg_lpm_v6 *k = key;

		memcpy(addr, k->addr, alen);
		*plen = k->prefixlen;
	} else {
		const struct pg_port_v6 *k = key;
		uint16_t nport;

		memcpy(addr, k->addr, alen);
		*plen = k->prefixlen - PG_PORT_KEY_BITS;
		*proto = k->proto;
		memcpy(&nport, k->port, 2);
		*port = ntohs(nport);
	}
}

/* Position tokens are a bucket index (hash) or the last key (trie). */
static int read_batch(int fd, size_t ksz, tables_fn fn, void *arg)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	uint8_t in[PG_KEY_MAX], outk[PG_KEY_MAX];
	__u32 chunk = 8192;
	void *keys = NULL;
	struct pg_rule *vals = NULL;
	bool first = true;
	int err;

	for (;;) {
		__u32 count = chunk;

		if (!keys) {
			keys = malloc(chunk * ksz);
			vals = malloc(chunk * sizeof(*vals));
			if (!keys || !vals) {
				err = -ENOMEM;
				break;
			}
		}
		err = bpf_map_lookup_batch(fd, first ? NULL : in, outk, keys, vals, &count, &opts);
		if (err == -ENOSPC && !count) {
			/* One hash bucket holds more than a batch. */
			free(keys);
			free(vals);
			keys = NULL;
			vals = NULL;
			chunk *= 2;
			continue;
		}
		if (err && err != -ENOENT)
			break;
		for (__u32 i = 0; i < count; i++) {
			int e = fn(arg, (char *)keys + i * ksz, &vals[i]);

			if (e) {
				err = e;
				goto out;
			}
		}
		if (err == -ENOENT) {	/* the end of the table */
			err = 0;
			break;
		}
		memcpy(in, outk, sizeof(in));
		first = false;
	}
out:
	free(keys);
	free(vals);
	return err;
}

/* An entry deleted between the two calls is skipped. */
static int read_keys(int fd, tables_fn fn, void *arg)
{
	uint8_t key[PG_KEY_MAX], next[PG_KEY_MAX];
	struct pg_rule rule;
	void *prev = NULL;
	int err;

	while (!bpf_map_get_next_key(fd, prev, next)) {
		if (!bpf_map_lookup_elem(fd, next, &rule)) {
			err = fn(arg, next, &rule);
			if (err)
				return err;
		}
		memcpy(key, next, sizeof(key));
		prev = key;
	}
	return 0;
}

struct count_arg {
	tables_fn fn;
	void *arg;
	size_t n;
};

static int counting(void *arg, const void *key, const struct pg_rule *val)
{
	struct count_arg *c = arg;

	c->n++;
	return c->fn(c->arg, key, val);
}

int tables_read(int fd, int fam6, int tbl, tables_fn fn, void *arg)
{
	struct count_arg c = { fn, arg, 0 };
	int err = read_batch(fd, tables_key_size(fam6, tbl), counting, &c);

	/* Only before the first entry: the callback never sees one twice. */
	if ((err == -EINVAL || err == -ENOTSUPP || err == -EOPNOTSUPP) && !c.n)
		err = read_keys(fd, fn, arg);
	return err;
}
