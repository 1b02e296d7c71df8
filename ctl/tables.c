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
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "compile.h"
#include "tables.h"

static const char *const pins[2][PG_TBL_MAX] = {
	{ PG_MAP_TBL_X4, PG_MAP_TBL_V4, PG_MAP_TBL_P4, PG_MAP_TBL_E4, PG_MAP_TBL_C4 },
	{ PG_MAP_TBL_X6, PG_MAP_TBL_V6, PG_MAP_TBL_P6, PG_MAP_TBL_E6, PG_MAP_TBL_C6 },
};

/* Names of the inner maps, as bpftool shows them and messages say. */
static const char *const names[PG_LIST_KIND_MAX][2][PG_TBL_MAX] = {
	[PG_LIST_ALLOW] = {
		{ "pg_allow_x4", "pg_allow_v4", "pg_allow_p4", "pg_allow_e4", "pg_allow_c4" },
		{ "pg_allow_x6", "pg_allow_v6", "pg_allow_p6", "pg_allow_e6", "pg_allow_c6" },
	},
	[PG_LIST_DENY] = {
		{ "pg_deny_x4", "pg_deny_v4", "pg_deny_p4", "pg_deny_e4", "pg_deny_c4" },
		{ "pg_deny_x6", "pg_deny_v6", "pg_deny_p6", "pg_deny_e6", "pg_deny_c6" },
	},
};

const char *tables_name(int kind, int fam6, int tbl)
{
	return names[kind][fam6][tbl];
}

const char *tables_pin_name(int fam6, int tbl)
{
	return pins[fam6][tbl];
}

size_t tables_key_size(int fam6, int tbl)
{
	static const size_t sz[2][PG_TBL_MAX] = {
		{ sizeof(struct pg_exact_v4), sizeof(struct pg_lpm_v4), sizeof(struct pg_port_v4),
		  sizeof(__u32), sizeof(__u32) },
		{ sizeof(struct pg_exact_v6), sizeof(struct pg_lpm_v6), sizeof(struct pg_port_v6),
		  sizeof(__u32), sizeof(__u32) },
	};

	return sz[fam6][tbl];
}

/* The compiled tier's arrays, sized to their content (at least one
 * element, the "no entry" record or an empty index). */
int tables_create_array(int kind, int fam6, int tbl, size_t n)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE | BPF_F_INNER_MAP);
	size_t vsz = tbl == PG_TBL_CIDX ? compile_blk_size(fam6) : compile_ent_size(fam6);
	char name[BPF_OBJ_NAME_LEN];
	int fd;

	if (n > UINT32_MAX)
		return -E2BIG;
	snprintf(name, sizeof(name), "%s", names[kind][fam6][tbl]);
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, name, sizeof(__u32), vsz, n ? n : 1, &opts);
	return fd < 0 ? -errno : fd;
}

int tables_create(int kind, int fam6, int tbl, uint32_t capacity)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	char name[BPF_OBJ_NAME_LEN];
	int fd;

	if (PG_TBL_COMPILED(tbl))
		return tables_create_array(kind, fam6, tbl, 1);

	/* The kernel checks type, sizes, flags and capacity against the
	 * template of the outer map (pktgate_maps.bpf.h). */
	snprintf(name, sizeof(name), "%s", names[kind][fam6][tbl]);
	fd = bpf_map_create(tbl == PG_TBL_EXACT ? BPF_MAP_TYPE_HASH : BPF_MAP_TYPE_LPM_TRIE,
			    name, tables_key_size(fam6, tbl), sizeof(struct pg_rule), capacity,
			    &opts);
	return fd < 0 ? -errno : fd;
}

int tables_get(int outer_fd, int kind, uint32_t gen)
{
	__u32 id, slot = PG_GEN_SLOT(kind, gen);
	int fd;

	if (bpf_map_lookup_elem(outer_fd, &slot, &id))
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

uint32_t tables_id(int outer_fd, int kind, uint32_t gen)
{
	__u32 id = 0, slot = PG_GEN_SLOT(kind, gen);

	if (bpf_map_lookup_elem(outer_fd, &slot, &id))
		return 0;
	return id;
}

int tables_set(int outer_fd, int kind, uint32_t gen, int inner_fd)
{
	__u32 v = inner_fd, slot = PG_GEN_SLOT(kind, gen);

	return bpf_map_update_elem(outer_fd, &slot, &v, BPF_ANY) ? -errno : 0;
}

int tables_clear(int outer_fd, int kind, uint32_t gen)
{
	__u32 slot = PG_GEN_SLOT(kind, gen);

	return bpf_map_delete_elem(outer_fd, &slot) && errno != ENOENT ? -errno : 0;
}

void *tables_mmap(int fd, size_t *n, size_t *vsz, bool writable)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	void *p;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return NULL;
	*n = info.max_entries;
	*vsz = (info.value_size + 7) & ~7u;	/* array elements are 8-byte aligned */
	p = mmap(NULL, *n * *vsz, PROT_READ | (writable ? PROT_WRITE : 0), MAP_SHARED, fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

void tables_munmap(void *p, size_t n, size_t vsz)
{
	if (p)
		munmap(p, n * vsz);
}

static int fill_array(int fd, const void *src, size_t n, size_t vsz)
{
	size_t mn, mvsz;
	void *p = tables_mmap(fd, &mn, &mvsz, true);

	if (!p)
		return -errno;
	if (mn != n || mvsz != vsz) {
		tables_munmap(p, mn, mvsz);
		return -EINVAL;
	}
	memcpy(p, src, n * vsz);
	tables_munmap(p, mn, mvsz);
	return 0;
}

int tables_compiled_create(int kind, const struct compiled *c, int fds[TABLES_NCOMPILED])
{
	const void *src[TABLES_NCOMPILED] = { c->ents, c->idx };
	size_t n[TABLES_NCOMPILED] = { c->nents, c->nidx };
	size_t vsz[TABLES_NCOMPILED] = { compile_ent_size(c->fam6), compile_blk_size(c->fam6) };
	int err = 0, i;

	for (i = 0; i < TABLES_NCOMPILED; i++)
		fds[i] = -1;
	for (i = 0; i < TABLES_NCOMPILED && !err; i++) {
		fds[i] = tables_create_array(kind, c->fam6, PG_TBL_CENT + i, n[i]);
		if (fds[i] < 0)
			err = fds[i];
		else if (n[i])
			err = fill_array(fds[i], src[i], n[i], vsz[i]);
	}
	for (i = 0; err && i < TABLES_NCOMPILED; i++)
		if (fds[i] >= 0) {
			close(fds[i]);
			fds[i] = -1;
		}
	return err;
}

bool tables_empty(int fd, int tbl)
{
	uint8_t key[PG_KEY_MAX];

	if (PG_TBL_COMPILED(tbl))
		return tables_capacity(fd) <= 1;
	return bpf_map_get_next_key(fd, NULL, key) && errno == ENOENT;
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

void tables_key_set_sel(void *key, uint8_t sel)
{
	((struct pg_port_v6 *)key)->sel = sel;	/* at the same offset in both */
}

uint8_t tables_key_sel(int tbl, const void *key)
{
	return tbl == PG_TBL_PORT ? ((const struct pg_port_v6 *)key)->sel : 0;
}

/* Position tokens are a bucket index (hash) or the last key (trie). */
static int read_batch(int fd, int tbl, size_t ksz, tables_fn fn, void *arg)
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
			int e = fn(arg, tbl, (char *)keys + i * ksz, &vals[i]);

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
static int read_keys(int fd, int tbl, tables_fn fn, void *arg)
{
	uint8_t key[PG_KEY_MAX], next[PG_KEY_MAX];
	struct pg_rule rule;
	void *prev = NULL;
	int err;

	while (!bpf_map_get_next_key(fd, prev, next)) {
		if (!bpf_map_lookup_elem(fd, next, &rule)) {
			err = fn(arg, tbl, next, &rule);
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
	int tbl;
};

static int counting(void *arg, int tbl, const void *key, const struct pg_rule *val)
{
	struct count_arg *c = arg;

	c->n++;
	return c->fn(c->arg, tbl, key, val);
}

/* Entries of the compiled tier, with the key their prefix would have in
 * the dynamic tier (so that equal prefixes of the two tiers compare
 * equal). Entries in no list are gone. */
static int read_compiled(int fd, int fam6, tables_fn fn, void *arg)
{
	size_t n, vsz;
	void *p = tables_mmap(fd, &n, &vsz, false);
	int err = 0;

	if (!p)
		return -errno;
	for (size_t i = 1; i < n && !err; i++) {
		const struct pg_rule *r = compile_rule(p, fam6, i);
		struct pg_rule v = *r;
		uint8_t key[PG_KEY_MAX];
		int tbl = PG_TABLE_FOR(fam6 ? 6 : 4, v.prefixlen);

		if (!v.lists)
			continue;
		tables_key(fam6, tbl, compile_addr(p, fam6, i), v.prefixlen, 0, 0, key);
		err = fn(arg, tbl, key, &v);
	}
	tables_munmap(p, n, vsz);
	return err;
}

int tables_read(int fd, int fam6, int tbl, tables_fn fn, void *arg)
{
	struct count_arg c = { fn, arg, 0, tbl };
	int err;

	if (tbl == PG_TBL_CIDX)
		return 0;	/* no entries of its own */
	if (tbl == PG_TBL_CENT)
		return read_compiled(fd, fam6, fn, arg);
	err = read_batch(fd, tbl, tables_key_size(fam6, tbl), counting, &c);

	/* Only before the first entry: the callback never sees one twice. */
	if ((err == -EINVAL || err == -ENOTSUPP || err == -EOPNOTSUPP) && !c.n)
		err = read_keys(fd, tbl, fn, arg);
	return err;
}
