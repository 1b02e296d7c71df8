// SPDX-License-Identifier: GPL-2.0
/*
 * How pgbench puts a prefix set into pktgate's deny list. This is the only
 * file of pgbench that knows the list layout (maps/pktgate.h); the table
 * helpers and the compiler are pktgate's own (ctl/tables.c, ctl/compile.c),
 * linked in.
 *
 * Each list table is an outer ARRAY_OF_MAPS with one slot per generation;
 * the deny kind's bit of pg_config.gens says which slot the datapath uses.
 * By default pgbench compiles the set into the compiled tier's two arrays
 * and installs them in that slot, as `pktgate load` does. With --tier
 * dynamic it writes into the inner maps of that slot as `pktgate deny add`
 * would: host entries (/32, /128) in the exact-match hash, shorter
 * prefixes in the LPM trie (the only layout before the compiled tier).
 * pg_config.tables tells the datapath which tables may hold entries. A
 * slot still empty (pins nobody has used yet) gets fresh inner maps, as
 * pktgate itself fills it.
 *
 * Entries go to the deny kind's "manual" list (list id 1) with rule_id 0,
 * as bulk-loaded entries do in pktgate: counted per list, no per-rule
 * counters. Keys go in sorted, as pktgate writes them. Timings cover the
 * map updates only for the dynamic tier (the kernel-side floor of a bulk
 * load); for the compiled tier, compiling, making and filling the arrays.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench.h"
#include "compile.h"
#include "pktgate.h"
#include "tables.h"

#define KIND		PG_LIST_DENY
#define LIST_ID		PG_LIST_MANUAL(PG_LIST_DENY)

void lists_init(struct bench_lists *l)
{
	int dynamic = l->dynamic;

	memset(l, 0, sizeof(*l));
	l->dynamic = dynamic;
	for (int f = 0; f < 2; f++)
		for (int t = 0; t < PG_TBL_MAX; t++)
			l->inner[f][t] = l->outer[f][t] = -1;
	l->config = l->lock = -1;
}

static int pin_open(const char *dir, const char *name)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		bench_err("cannot open pinned map %s: %s (run `pktgate status` once to create "
			  "the maps)", path, strerror(errno));
	return fd;
}

/* The inner maps of the generation the datapath uses; an empty slot gets
 * a new, empty map of the given capacity (what pktgate does on first use). */
static int open_inner(struct bench_lists *l, int outer[2][PG_TBL_MAX], __u32 capacity)
{
	struct pg_config cfg;
	__u32 key = 0, gen;

	if (bpf_map_lookup_elem(l->config, &key, &cfg))
		return bench_err("reading %s: %s", PG_MAP_CONFIG, strerror(errno));
	l->gen = gen = (cfg.gens >> KIND) & 1;
	for (int f = 0; f < 2; f++)
		for (int t = 0; t < PG_TBL_MAX; t++) {
			const char *name = tables_pin_name(f, t);
			int fd = tables_get(outer[f][t], KIND, gen), err;

			l->outer[f][t] = fcntl(outer[f][t], F_DUPFD_CLOEXEC, 0);
			if (l->outer[f][t] < 0)
				return bench_err("%s: %s", name, strerror(errno));
			if (fd == -ENOENT) {
				fd = tables_create(KIND, f, t, capacity);
				if (fd < 0)
					return bench_err("creating an inner map of %s: %s", name,
							 strerror(-fd));
				err = tables_set(outer[f][t], KIND, gen, fd);
				if (err) {
					close(fd);
					return bench_err("installing an inner map in %s slot %u: %s",
							 name, gen, strerror(-err));
				}
			}
			if (fd < 0)
				return bench_err("opening the inner map of %s slot %u: %s", name, gen,
						 strerror(-fd));
			l->inner[f][t] = fd;
		}
	return 0;
}

int lists_open_pinned(struct bench_lists *l, const char *pin_path)
{
	int outer[2][PG_TBL_MAX], meta, err = 0;
	struct pg_meta m = {};
	__u32 key = 0;

	lists_init(l);
	memset(outer, -1, sizeof(outer));
	/* The lock every mutating pktgate command takes: no generation
	 * switch can happen between finding the live maps and filling them. */
	l->lock = open(pin_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (l->lock < 0 || flock(l->lock, LOCK_EX))
		return bench_err("cannot lock %s: %s (run `pktgate status` once to create the "
				 "maps)", pin_path, strerror(errno));
	meta = pin_open(pin_path, PG_MAP_META);
	if (meta < 0)
		return -1;
	if (bpf_map_lookup_elem(meta, &key, &m) || m.magic != PKTGATE_MAGIC ||
	    m.schema_version != PKTGATE_SCHEMA_VERSION)
		err = bench_err("%s does not hold pktgate schema v%d maps (run `pktgate status` "
				"once to create them)", pin_path, PKTGATE_SCHEMA_VERSION);
	close(meta);
	if (err)
		return -1;
	l->config = pin_open(pin_path, PG_MAP_CONFIG);
	if (l->config < 0)
		return -1;
	for (int f = 0; f < 2 && !err; f++)
		for (int t = 0; t < PG_TBL_MAX && !err; t++) {
			outer[f][t] = pin_open(pin_path, tables_pin_name(f, t));
			err = outer[f][t] < 0;
		}
	if (!err)
		err = open_inner(l, outer, m.list_capacity ? m.list_capacity : PG_LIST_CAPACITY);
	for (int f = 0; f < 2; f++)
		for (int t = 0; t < PG_TBL_MAX; t++)
			if (outer[f][t] >= 0)
				close(outer[f][t]);
	return err ? -1 : 0;
}

/* An object loaded without pins: pg_config.gens is 0, so the inner maps
 * go into slot 0. They match the template declared in the object
 * (pktgate_maps.bpf.h: capacity PG_LIST_CAPACITY), as the kernel requires. */
int lists_from_obj(struct bench_lists *l, struct bpf_object *obj)
{
	int outer[2][PG_TBL_MAX];

	lists_init(l);
	for (int f = 0; f < 2; f++)
		for (int t = 0; t < PG_TBL_MAX; t++) {
			const char *name = tables_pin_name(f, t);
			struct bpf_map *m = bpf_object__find_map_by_name(obj, name);

			if (!m)
				return bench_err("map %s not in the object", name);
			outer[f][t] = bpf_map__fd(m);
		}
	/* A descriptor of our own, so that lists_close may close it. */
	l->config = bpf_map__fd(bpf_object__find_map_by_name(obj, PG_MAP_CONFIG));
	l->config = l->config < 0 ? -1 : fcntl(l->config, F_DUPFD_CLOEXEC, 0);
	if (l->config < 0)
		return bench_err("map %s not in the object", PG_MAP_CONFIG);
	return open_inner(l, outer, PG_LIST_CAPACITY);
}

void lists_close(struct bench_lists *l)
{
	for (int f = 0; f < 2; f++)
		for (int t = 0; t < PG_TBL_MAX; t++) {
			if (l->inner[f][t] >= 0)
				close(l->inner[f][t]);
			if (l->outer[f][t] >= 0)
				close(l->outer[f][t]);
		}
	if (l->config >= 0)
		close(l->config);
	if (l->lock >= 0)
		close(l->lock);	/* and with it the lock */
	lists_init(l);
}

/* Keys and values for one table. */
struct batch {
	void *keys;
	struct pg_rule *vals;
	size_t n, key_size;
};

static void batch_add(struct batch *b, const struct bench_prefix *p, int family, int tbl)
{
	__u8 addr[16], key[PG_KEY_MAX];

	addr_bytes(p->addr, family, addr);
	tables_key(family == 6, tbl, addr, p->plen, 0, 0, key);
	memcpy((__u8 *)b->keys + b->n * b->key_size, key, b->key_size);
	b->n++;
}

static size_t sort_key_size;

static int key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sort_key_size);
}

/* Keys in the order pktgate writes a table (it sorts them to merge), which
 * is also the faster order for a trie; then the values, all alike but for
 * the prefix length. */
static void batch_finish(struct batch *b, int family, int tbl)
{
	if (!b->n)
		return;
	sort_key_size = b->key_size;
	qsort(b->keys, b->n, b->key_size, key_cmp);
	for (size_t i = 0; i < b->n; i++) {
		const struct pg_lpm_v6 *k = (const void *)((__u8 *)b->keys + i * b->key_size);
		struct pg_rule *v = &b->vals[i];

		memset(v, 0, sizeof(*v));
		v->lists = 1ULL << LIST_ID;
		v->list_id = LIST_ID;
		v->prefixlen = tbl == PG_TBL_EXACT ? (family == 4 ? 32 : 128) : k->prefixlen;
	}
}

static void batches_free(struct batch b[PG_TBL_MAX])
{
	for (int t = 0; t < PG_TBL_MAX; t++) {
		free(b[t].keys);
		free(b[t].vals);
	}
}

/* b[PG_TBL_EXACT]: host entries, b[PG_TBL_PREFIX]: shorter prefixes. */
static int batches_build(const struct prefix_set *s, struct batch b[PG_TBL_MAX])
{
	size_t cap = s->n ? s->n : 1;

	memset(b, 0, PG_TBL_MAX * sizeof(*b));
	for (int t = 0; t < PG_TBL_MAX; t++) {
		b[t].key_size = tables_key_size(s->family == 6, t);
		if (t == PG_TBL_PORT)
			continue;	/* no port-scoped entries */
		b[t].keys = malloc(cap * b[t].key_size);
		b[t].vals = malloc(cap * sizeof(struct pg_rule));
		if (!b[t].keys || !b[t].vals) {
			batches_free(b);
			return bench_err("out of memory");
		}
	}
	for (size_t i = 0; i < s->n; i++)
		batch_add(&b[PG_TABLE_FOR(s->family, s->p[i].plen)], &s->p[i], s->family,
			  PG_TABLE_FOR(s->family, s->p[i].plen));
	for (int t = 0; t < PG_TBL_MAX; t++)
		batch_finish(&b[t], s->family, t);
	return 0;
}

/* The datapath skips tables whose bit is clear: set the bits before
 * inserting (so no entry is ever missed); after deleting, clear the bits
 * of the tables that are now empty (others may hold entries of their own). */
static int update_table_bits(const struct bench_lists *l, int family,
			     const struct batch b[PG_TBL_MAX], int add)
{
	struct pg_config cfg;
	__u32 key = 0;
	__u8 k[PG_KEY_MAX];

	if (bpf_map_lookup_elem(l->config, &key, &cfg))
		return bench_err("reading %s: %s", PG_MAP_CONFIG, strerror(errno));
	for (int t = 0; t < PG_TBL_MAX; t++) {
		__u32 bit = PG_TABLE_BIT(KIND, family, t);

		if (add && b[t].n)
			cfg.tables |= bit;
		else if (!add && bpf_map_get_next_key(l->inner[family == 6][t], NULL, k) &&
			 errno == ENOENT)
			cfg.tables &= ~bit;
	}
	if (bpf_map_update_elem(l->config, &key, &cfg, BPF_ANY))
		return bench_err("writing %s: %s", PG_MAP_CONFIG, strerror(errno));
	return 0;
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
	struct batch b[PG_TBL_MAX];
	double t0;
	int err = 0;

	if (batches_build(s, b))
		return -1;
	if (add && update_table_bits(l, s->family, b, 1))
		err = -1;
	t0 = mono_s();
	for (int t = 0; t <= PG_TBL_PORT && !err; t++) {
		int fd = l->inner[s->family == 6][t];

		err = add ? batch_update(fd, &b[t]) : batch_delete(fd, &b[t]);
	}
	if (secs)
		*secs = mono_s() - t0;
	if (!add && !err && update_table_bits(l, s->family, b, 0))
		err = -1;
	batches_free(b);
	return err;
}

/* The compiled tier's arrays for the family (entries, index), put in
 * the live slot in place of what was there. */
static int install_compiled(struct bench_lists *l, int fam6, int fds[TABLES_NCOMPILED], int on)
{
	struct pg_config cfg;
	__u32 key = 0, bits = 0;

	for (int i = 0; i < TABLES_NCOMPILED; i++) {
		int t = PG_TBL_CENT + i, err = tables_set(l->outer[fam6][t], KIND, l->gen, fds[i]);

		bits |= PG_TABLE_BIT(KIND, fam6 ? 6 : 4, t);
		if (err)
			return bench_err("installing %s: %s", tables_name(KIND, fam6, t),
					 strerror(-err));
		close(l->inner[fam6][t]);
		l->inner[fam6][t] = fds[i];
	}
	if (bpf_map_lookup_elem(l->config, &key, &cfg))
		return bench_err("reading %s: %s", PG_MAP_CONFIG, strerror(errno));
	cfg.tables = on ? cfg.tables | bits : cfg.tables & ~bits;
	if (bpf_map_update_elem(l->config, &key, &cfg, BPF_ANY))
		return bench_err("writing %s: %s", PG_MAP_CONFIG, strerror(errno));
	return 0;
}

static int compile_fill(struct bench_lists *l, const struct prefix_set *s, double *secs)
{
	struct compile_ent *v = calloc(s->n ? s->n : 1, sizeof(*v));
	int fam6 = s->family == 6, fds[TABLES_NCOMPILED], err;
	struct compiled c;
	double t0 = mono_s();

	if (!v)
		return bench_err("out of memory");
	for (size_t i = 0; i < s->n; i++) {
		addr_bytes(s->p[i].addr, s->family, v[i].addr);
		v[i].plen = s->p[i].plen;
		v[i].rule.lists = 1ULL << LIST_ID;
		v[i].rule.list_id = LIST_ID;
	}
	err = compile_build(fam6, v, s->n, &c);
	free(v);
	if (!err) {
		err = tables_compiled_create(KIND, &c, fds);
		compile_free(&c);
	}
	if (err)
		return bench_err("compiling %zu entries: %s", s->n, strerror(-err));
	if (secs)
		*secs = mono_s() - t0;
	return install_compiled(l, fam6, fds, 1);
}

static int compile_clear(struct bench_lists *l, const struct prefix_set *s, double *secs)
{
	int fam6 = s->family == 6, fds[TABLES_NCOMPILED];
	double t0 = mono_s();

	for (int i = 0; i < TABLES_NCOMPILED; i++)
		fds[i] = tables_create(KIND, fam6, PG_TBL_CENT + i, 1);
	if (fds[0] < 0 || fds[1] < 0)
		return bench_err("creating empty compiled tables: %s", strerror(errno));
	if (secs)
		*secs = mono_s() - t0;
	return install_compiled(l, fam6, fds, 0);
}

int lists_fill(struct bench_lists *l, const struct prefix_set *s, double *secs)
{
	return l->dynamic ? apply(l, s, 1, secs) : compile_fill(l, s, secs);
}

int lists_dynamic(struct bench_lists *l, const struct prefix_set *s, int on)
{
	return apply(l, s, on, NULL);
}

int lists_clear(struct bench_lists *l, const struct prefix_set *s, double *secs)
{
	return l->dynamic ? apply(l, s, 0, secs) : compile_clear(l, s, secs);
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

	for (int t = 0; t < PG_TBL_MAX; t++) {
		int fd = l->inner[family == 6][t];
		long long v = fd >= 0 ? fd_memlock(fd) : 0;

		if (v < 0)
			return -1;
		sum += v;
	}
	return sum;
}
