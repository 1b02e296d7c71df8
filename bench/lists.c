// SPDX-License-Identifier: GPL-2.0
/*
 * How pgbench puts a prefix set into pktgate's deny list. This is the only
 * file that knows the list layout, so a change of layout means a change
 * here only. Map names come from maps/pktgate.h.
 *
 * Two layouts are understood, chosen at compile time from the contract:
 * every entry in one LPM trie per family, or (where pktgate.h defines
 * PG_TABLE_FOR) host entries in an exact-match hash and shorter prefixes
 * in the trie, with pg_config.tables telling the datapath which tables
 * may hold entries.
 *
 * Entries get rule_id 0, as bulk-loaded entries do in pktgate: no
 * per-rule counters. Timings cover the map updates only (the kernel-side
 * floor of a bulk load), not building the arrays.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench.h"
#include "pktgate.h"

#ifdef PG_TABLE_FOR
#define HAVE_EXACT 1
#else
#define HAVE_EXACT 0
#endif

static const char *const trie_names[2] = { PG_MAP_DENY_V4, PG_MAP_DENY_V6 };
#if HAVE_EXACT
static const char *const exact_names[2] = { PG_MAP_DENY_X4, PG_MAP_DENY_X6 };
#endif

static void lists_init(struct bench_lists *l)
{
	l->trie[0] = l->trie[1] = l->exact[0] = l->exact[1] = l->config = -1;
}

static int pin_open(const char *dir, const char *name)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		bench_err("cannot open pinned map %s: %s", path, strerror(errno));
	return fd;
}

int lists_open_pinned(struct bench_lists *l, const char *pin_path)
{
	lists_init(l);
	for (int f = 0; f < 2; f++) {
		l->trie[f] = pin_open(pin_path, trie_names[f]);
		if (l->trie[f] < 0)
			return -1;
#if HAVE_EXACT
		l->exact[f] = pin_open(pin_path, exact_names[f]);
		if (l->exact[f] < 0)
			return -1;
#endif
	}
	l->config = pin_open(pin_path, PG_MAP_CONFIG);
	return l->config < 0 ? -1 : 0;
}

static int obj_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, name);

	if (!m)
		return bench_err("map %s not in the object", name), -1;
	return bpf_map__fd(m);
}

/* The fds stay owned by the object. */
int lists_from_obj(struct bench_lists *l, struct bpf_object *obj)
{
	lists_init(l);
	for (int f = 0; f < 2; f++) {
		l->trie[f] = obj_fd(obj, trie_names[f]);
#if HAVE_EXACT
		l->exact[f] = obj_fd(obj, exact_names[f]);
		if (l->exact[f] < 0)
			return -1;
#endif
		if (l->trie[f] < 0)
			return -1;
	}
	l->config = obj_fd(obj, PG_MAP_CONFIG);
	return l->config < 0 ? -1 : 0;
}

void lists_close(struct bench_lists *l)
{
	int *fds[] = { &l->trie[0], &l->trie[1], &l->exact[0], &l->exact[1], &l->config };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

/* Keys for one table: exact (address only) or trie (prefixlen first). */
struct batch {
	void *keys;
	struct pg_rule *vals;
	size_t n, key_size;
};

static int is_exact(const struct bench_lists *l, int family, int plen)
{
#if HAVE_EXACT
	return l->exact[family == 6] >= 0 && PG_TABLE_FOR(family, plen) == PG_TBL_EXACT;
#else
	(void)l, (void)family, (void)plen;
	return 0;
#endif
}

static void batch_add(struct batch *b, const struct bench_prefix *p, int family, int exact)
{
	__u8 *k = (__u8 *)b->keys + b->n * b->key_size;
	__u8 addr[16];
	__u32 plen = p->plen;

	addr_bytes(p->addr, family, addr);
	if (exact) {
		memcpy(k, addr, b->key_size);
	} else {
		memcpy(k, &plen, sizeof(plen));
		memcpy(k + sizeof(plen), addr, b->key_size - sizeof(plen));
	}
	memset(&b->vals[b->n], 0, sizeof(b->vals[0]));
	b->vals[b->n].prefixlen = p->plen;
	b->n++;
}

static void batches_free(struct batch b[2])
{
	for (int t = 0; t < 2; t++) {
		free(b[t].keys);
		free(b[t].vals);
	}
}

/* b[0]: trie entries, b[1]: exact entries. */
static int batches_build(const struct bench_lists *l, const struct prefix_set *s,
			 struct batch b[2])
{
	size_t alen = s->family == 4 ? 4 : 16;

	memset(b, 0, 2 * sizeof(*b));
	b[0].key_size = sizeof(__u32) + alen;
	b[1].key_size = alen;
	for (int t = 0; t < 2; t++) {
		b[t].keys = malloc((s->n ? s->n : 1) * b[t].key_size);
		b[t].vals = malloc((s->n ? s->n : 1) * sizeof(struct pg_rule));
		if (!b[t].keys || !b[t].vals) {
			batches_free(b);
			return bench_err("out of memory");
		}
	}
	for (size_t i = 0; i < s->n; i++) {
		int exact = is_exact(l, s->family, s->p[i].plen);

		batch_add(&b[exact], &s->p[i], s->family, exact);
	}
	return 0;
}

#if HAVE_EXACT
/* The datapath skips tables whose bit is clear: set bits before inserting
 * (so no entry is ever missed) and clear them once a table is empty. */
static int set_table_bits(const struct bench_lists *l, int family, const struct batch b[2],
			  int on)
{
	struct pg_config cfg;
	__u32 key = 0, bits = 0;

	if (b[0].n)
		bits |= PG_TABLE_BIT(PG_LIST_DENY, family, PG_TBL_PREFIX);
	if (b[1].n)
		bits |= PG_TABLE_BIT(PG_LIST_DENY, family, PG_TBL_EXACT);
	if (bpf_map_lookup_elem(l->config, &key, &cfg))
		return bench_err("reading %s: %s", PG_MAP_CONFIG, strerror(errno));
	cfg.tables = on ? cfg.tables | bits : cfg.tables & ~bits;
	if (bpf_map_update_elem(l->config, &key, &cfg, BPF_ANY))
		return bench_err("writing %s: %s", PG_MAP_CONFIG, strerror(errno));
	return 0;
}
#endif

static int table_fd(const struct bench_lists *l, int family, int exact)
{
	return exact ? l->exact[family == 6] : l->trie[family == 6];
}

static int batch_update(int fd, const struct batch *b)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = BPF_ANY);
	__u32 count = b->n;

	if (!b->n)
		return 0;
	if (bpf_map_update_batch(fd, b->keys, b->vals, &count, &opts) || count != b->n)
		return bench_err("batch update: %u of %zu entries: %s", count, b->n,
				 strerror(errno));
	return 0;
}

static int batch_delete(int fd, const struct batch *b)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 count = b->n;

	if (!b->n)
		return 0;
	if (bpf_map_delete_batch(fd, b->keys, &count, &opts) || count != b->n)
		return bench_err("batch delete: %u of %zu entries: %s", count, b->n,
				 strerror(errno));
	return 0;
}

static int apply(const struct bench_lists *l, const struct prefix_set *s, int add,
		 double *secs)
{
	struct batch b[2];
	double t0;
	int err = 0;

	if (batches_build(l, s, b))
		return -1;
#if HAVE_EXACT
	if (add && set_table_bits(l, s->family, b, 1))
		err = -1;
#endif
	t0 = mono_s();
	for (int t = 0; t < 2 && !err; t++)
		err = add ? batch_update(table_fd(l, s->family, t), &b[t])
			  : batch_delete(table_fd(l, s->family, t), &b[t]);
	if (secs)
		*secs = mono_s() - t0;
#if HAVE_EXACT
	if (!add && !err && set_table_bits(l, s->family, b, 0))
		err = -1;
#endif
	batches_free(b);
	return err;
}

int lists_fill(const struct bench_lists *l, const struct prefix_set *s, double *secs)
{
	return apply(l, s, 1, secs);
}

int lists_clear(const struct bench_lists *l, const struct prefix_set *s, double *secs)
{
	return apply(l, s, 0, secs);
}

static long long fd_memlock(int fd)
{
	char path[64], line[256];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %lld", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* What the kernel accounts to the family's tables (fdinfo "memlock"). */
long long lists_memlock(const struct bench_lists *l, int family)
{
	long long sum = 0;

	for (int exact = 0; exact < 2; exact++) {
		int fd = table_fd(l, family, exact);
		long long v = fd >= 0 ? fd_memlock(fd) : 0;

		if (v < 0)
			return -1;
		sum += v;
	}
	return sum;
}
