// SPDX-License-Identifier: GPL-2.0
/*
 * The pin directory: bpffs checks, the lock that serialises mutating CLIs,
 * schema verification, and creation of the pinned maps on first use.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "clock.h"
#include "ctx.h"
#include "out.h"
#include "pktgate_xdp.skel.h"
#include "pins.h"
#include "tables.h"

int check_privileges(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};
	uint64_t eff;

	if (syscall(SYS_capget, &hdr, data))
		return 0;	/* cannot tell: let the kernel decide */
	eff = data[0].effective | (uint64_t)data[1].effective << 32;
	if (eff & (1ULL << CAP_SYS_ADMIN))
		return 0;
	if ((eff & (1ULL << CAP_BPF)) && (eff & (1ULL << CAP_NET_ADMIN)))
		return 0;
	return p_err("permission denied: pktgate needs root, or CAP_BPF and CAP_NET_ADMIN");
}

static bool is_bpffs(const char *path)
{
	struct statfs st;

	return !statfs(path, &st) && st.f_type == BPF_FS_MAGIC;
}

/* The pin directory must live on a bpffs: be a directory on one, the
 * root of one (a bpffs mounted at the pin path itself), or be made in one.
 * The default location gets one mounted if missing, as `ip` and `bpftool`
 * do; a user-given one must already be there. */
static int ensure_bpffs(struct pg_ctx *ctx)
{
	char parent[PATH_MAX];
	char *slash;

	if (ctx->pin_path[0] != '/')
		return p_err("pin path must be absolute: %s", ctx->pin_path);
	if (is_bpffs(ctx->pin_path))
		return 0;
	if (strlen(ctx->pin_path) >= sizeof(parent) - 1)
		return p_err("pin path too long: %s", ctx->pin_path);
	strcpy(parent, ctx->pin_path);
	while ((slash = strrchr(parent, '/')) && slash[1] == '\0' && slash != parent)
		*slash = '\0';	/* trailing slashes */
	slash = strrchr(parent, '/');
	if (!slash)
		return p_err("pin path must be absolute: %s", ctx->pin_path);
	if (slash == parent)
		slash[1] = '\0';
	else
		*slash = '\0';

	if (is_bpffs(parent))
		return 0;
	if (strcmp(parent, PG_DEFAULT_PIN_ROOT))
		return p_err("%s is not on a BPF filesystem: neither it nor %s is a bpffs; mount "
			     "one first (mount -t bpf bpf %s)", ctx->pin_path, parent, parent);
	if (mount("bpf", PG_DEFAULT_PIN_ROOT, "bpf", 0, "mode=0700"))
		return p_err("bpffs is not mounted at %s and mounting it failed: %s",
			     PG_DEFAULT_PIN_ROOT, strerror(errno));
	p_debug("mounted bpffs at %s", PG_DEFAULT_PIN_ROOT);
	return 0;
}

static int pin_get(struct pg_ctx *ctx, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", ctx->pin_path, name);
	return bpf_obj_get(path);
}

static int check_meta(struct pg_ctx *ctx, int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), key = 0;

	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.type != BPF_MAP_TYPE_ARRAY ||
	    info.value_size != sizeof(struct pg_meta) || info.max_entries != 1)
		return p_err("%s/%s is not a pktgate schema v%d metadata map; "
			     "the directory was made by another tool or an incompatible pktgate",
			     ctx->pin_path, PG_MAP_META, PKTGATE_SCHEMA_VERSION);
	if (bpf_map_lookup_elem(fd, &key, &ctx->meta))
		return p_err("cannot read %s/%s: %s", ctx->pin_path, PG_MAP_META, strerror(errno));
	if (ctx->meta.magic == 0)
		return 0;	/* created, not yet stamped: a run was interrupted */
	if (ctx->meta.magic != PKTGATE_MAGIC)
		return p_err("%s is not a pktgate pin directory (bad magic in %s)",
			     ctx->pin_path, PG_MAP_META);
	if (ctx->meta.schema_version != PKTGATE_SCHEMA_VERSION)
		return p_err("%s holds pktgate schema v%u but this pktgate uses schema v%d; "
			     "detach with the pktgate that made it and remove the directory, "
			     "or use another --pin-path",
			     ctx->pin_path, ctx->meta.schema_version, PKTGATE_SCHEMA_VERSION);
	return 0;
}

void pins_obj_opts(struct pg_ctx *ctx, struct bpf_object_open_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->sz = sizeof(*opts);
	opts->pin_root_path = ctx->pin_path;
}

void pins_obj_prepare(struct pg_ctx *ctx, struct bpf_object *obj)
{
	/* The inner-map template: the kernel checks inner maps against its
	 * type, key, value and flags, not its size, so a one-entry map does
	 * (a 1M-entry hash would allocate 16 MiB of buckets for nothing). */
	for (int f = 0; f < 2; f++)
		for (int t = 0; t < PG_TBL_MAX; t++) {
			struct bpf_map *m = bpf_object__find_map_by_name(obj, tables_pin_name(f, t));
			int *fd = &ctx->maps.tmpl[f][t];

			if (!m)
				continue;
			if (*fd <= 0)
				*fd = tables_create(PG_LIST_ALLOW, f, t, 1);
			if (*fd > 0)
				bpf_map__set_inner_map_fd(m, *fd);
		}
}

/* Create whatever maps are missing; reuse those pinned. */
static int create_maps(struct pg_ctx *ctx)
{
	struct bpf_object_open_opts opts;
	struct pktgate_xdp_bpf *skel;
	struct bpf_program *prog;
	int err;

	pins_obj_opts(ctx, &opts);
	skel = pktgate_xdp_bpf__open_opts(&opts);
	if (!skel)
		return p_err("cannot open the BPF object: %s", strerror(errno));
	pins_obj_prepare(ctx, skel->obj);
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, false);
	err = pktgate_xdp_bpf__load(skel);
	pktgate_xdp_bpf__destroy(skel);
	if (err)
		return p_err("cannot create the maps under %s: %s (run with -v for details)",
			     ctx->pin_path, strerror(-err));
	return 0;
}

int pins_write_meta(struct pg_ctx *ctx)
{
	__u32 key = 0;

	if (bpf_map_update_elem(ctx->maps.meta, &key, &ctx->meta, BPF_ANY))
		return p_err("cannot write %s/%s: %s", ctx->pin_path, PG_MAP_META, strerror(errno));
	return 0;
}

static int config_rw(struct pg_ctx *ctx, struct pg_config *cfg, bool write)
{
	__u32 key = 0;
	int err = write ? bpf_map_update_elem(ctx->maps.config, &key, cfg, BPF_ANY)
			: bpf_map_lookup_elem(ctx->maps.config, &key, cfg);

	if (err)
		return p_err("cannot %s %s/%s: %s", write ? "write" : "read", ctx->pin_path,
			     PG_MAP_CONFIG, strerror(errno));
	return 0;
}

/* A rate over all CPUs as each CPU's bucket: an equal share of the rate,
 * with room for PG_EVENT_BURST_SEC of it, so together they never exceed it. */
static void bucket_of_rate(struct pg_ctx *ctx, uint32_t rate, __u64 *cost_ns, __u64 *burst_ns)
{
	*cost_ns = *burst_ns = 0;
	if (!rate)
		return;
	*cost_ns = PG_NSEC_PER_SEC * ctx->ncpus / rate;
	*burst_ns = *cost_ns * ((uint64_t)rate * PG_EVENT_BURST_SEC / ctx->ncpus);
	if (*burst_ns < *cost_ns)
		*burst_ns = *cost_ns;
}

int pins_config_read(struct pg_ctx *ctx, struct pg_config *cfg)
{
	return config_rw(ctx, cfg, false);
}

int pins_config_write(struct pg_ctx *ctx, const struct pg_config *cfg)
{
	return config_rw(ctx, (struct pg_config *)cfg, true);
}

int pins_set_rate(struct pg_ctx *ctx, enum pg_rate which, uint32_t rate)
{
	struct pg_config cfg;
	int err = config_rw(ctx, &cfg, false);

	if (err)
		return err;
	cfg.flags |= PG_CFG_INITIALIZED;
	if (which == PG_RATE_EVENTS) {
		cfg.ev_rate = rate;
		bucket_of_rate(ctx, rate, &cfg.ev_cost_ns, &cfg.ev_burst_ns);
	} else {
		cfg.top_rate = rate;
		bucket_of_rate(ctx, rate, &cfg.top_cost_ns, &cfg.top_burst_ns);
	}
	return config_rw(ctx, &cfg, true);
}

int pins_tables_mark(struct pg_ctx *ctx, uint32_t bits)
{
	struct pg_config cfg;
	int err = config_rw(ctx, &cfg, false);

	if (err || (cfg.tables & bits) == bits)
		return err;
	cfg.tables |= bits;
	return config_rw(ctx, &cfg, true);
}

/* The match selectors of marked ones the port-scoped tables still use
 * (they are small: entries added one by one). */
static int sel_one(void *arg, int tbl, const void *key, const struct pg_rule *val)
{
	uint32_t *seen = arg;

	(void)val;
	*seen |= 1u << tables_key_sel(tbl, key);
	return 0;
}

static uint32_t pins_sels_used(struct pg_ctx *ctx, uint32_t marked)
{
	uint32_t sels = 0;

	for (int kind = 0; kind < PG_LIST_KIND_MAX; kind++)
		for (int f = 0; f < 2; f++) {
			uint32_t mask = PG_SEL_BIT(kind, f ? 6 : 4, 0) * 0xffu, seen = 0;

			if (!(marked & mask))
				continue;
			if (tables_read(ctx->maps.list[kind][f][PG_TBL_PORT], f, PG_TBL_PORT, sel_one,
					&seen))
				seen = 0xff;	/* unknown: keep the marks */
			sels |= PG_SEL_BIT(kind, f ? 6 : 4, 0) * seen & marked;
		}
	return sels;
}

int pins_sels_mark(struct pg_ctx *ctx, uint32_t sels)
{
	struct pg_config cfg;
	int err = config_rw(ctx, &cfg, false);

	if (err || (cfg.sels & sels) == sels)
		return err;
	cfg.sels |= sels;
	return config_rw(ctx, &cfg, true);
}

int pins_tables_sweep(struct pg_ctx *ctx)
{
	struct pg_config cfg;
	uint32_t tables, sels;
	int err = config_rw(ctx, &cfg, false);

	if (err)
		return err;
	tables = cfg.tables;
	for (int kind = 0; kind < PG_LIST_KIND_MAX; kind++)
		for (int f = 0; f < 2; f++)
			for (int t = 0; t < PG_TBL_MAX; t++)
				if (tables_empty(ctx->maps.list[kind][f][t], t))
					tables &= ~PG_TABLE_BIT(kind, f ? 6 : 4, t);
	sels = pins_sels_used(ctx, cfg.sels);
	if (tables == cfg.tables && sels == cfg.sels)
		return 0;
	cfg.tables = tables;
	cfg.sels = sels;
	return config_rw(ctx, &cfg, true);
}

static int init_config(struct pg_ctx *ctx)
{
	struct pg_config cfg;
	__u32 key = 0;

	if (bpf_map_lookup_elem(ctx->maps.config, &key, &cfg))
		return p_err("cannot read %s/%s: %s", ctx->pin_path, PG_MAP_CONFIG,
			     strerror(errno));
	if (!cfg.limit_seed) {
		/* One seed for every program: the limit tables are shared. */
		if (getrandom(&cfg.limit_seed, sizeof(cfg.limit_seed), GRND_NONBLOCK) !=
		    sizeof(cfg.limit_seed))
			cfg.limit_seed = mono_now_ns() * 0x9e3779b97f4a7c15ULL;
		cfg.limit_seed |= 1;
		if (pins_config_write(ctx, &cfg))
			return p_err("cannot write %s/%s: %s", ctx->pin_path, PG_MAP_CONFIG,
				     strerror(errno));
	}
	if (cfg.flags & PG_CFG_INITIALIZED)
		return 0;
	return pins_set_rate(ctx, PG_RATE_EVENTS, PG_EVENT_RATE_DEFAULT) ||
	       pins_set_rate(ctx, PG_RATE_TOP, PG_TOP_RATE_DEFAULT);
}

static int open_all(struct pg_ctx *ctx)
{
	struct pg_maps *m = &ctx->maps;
	struct { int *fd; const char *name; } all[] = {
		{ &m->ifaces, PG_MAP_IFACES },
		{ &m->stats, PG_MAP_STATS },
		{ &m->rule_stats, PG_MAP_RULE_STATS },
		{ &m->rule_meta, PG_MAP_RULE_META },
		{ &m->config, PG_MAP_CONFIG },
		{ &m->top, PG_MAP_TOP },
		{ &m->events, PG_MAP_EVENTS },
		{ &m->ev_bucket, PG_MAP_EV_BUCKET },
		{ &m->top_bucket, PG_MAP_TOP_BUCKET },
		{ &m->lists, PG_MAP_LISTS },
		{ &m->list_stats, PG_MAP_LIST_STATS },
		{ &m->protect[0], PG_MAP_PROTECT_V4 },
		{ &m->protect[1], PG_MAP_PROTECT_V6 },
		{ &m->limit_trie[0], PG_MAP_LIMIT_V4 },
		{ &m->limit_trie[1], PG_MAP_LIMIT_V6 },
		{ &m->limits, PG_MAP_LIMITS },
		{ &m->limit_state, PG_MAP_LIMIT_STATE },
		{ &m->limit_stats, PG_MAP_LIMIT_STATS },
		{ &m->src_buckets, PG_MAP_SRC_BUCKETS },
		{ &m->bans, PG_MAP_BANS },
	};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		*all[i].fd = pin_get(ctx, all[i].name);
		if (*all[i].fd < 0)
			return -errno;
	}
	for (int kind = 0; kind < PG_LIST_KIND_MAX; kind++)
		for (int f = 0; f < 2; f++)
			for (int t = 0; t < PG_TBL_MAX; t++) {
				m->outer[kind][f][t] = pin_get(ctx, tables_pin_name(f, t));
				if (m->outer[kind][f][t] < 0)
					return -errno;
			}
	return 0;
}

/* The inner maps of the generations in use. A slot is empty only before
 * the first run fills it, or if that run was interrupted: then fill it,
 * which needs the exclusive lock. */
static int open_tables(struct pg_ctx *ctx, bool exclusive)
{
	struct pg_maps *m = &ctx->maps;
	struct pg_config cfg;
	int err = config_rw(ctx, &cfg, false);

	if (err)
		return err;
	ctx->gens = cfg.gens;
	for (int kind = 0; kind < PG_LIST_KIND_MAX; kind++)
		for (int f = 0; f < 2; f++)
			for (int t = 0; t < PG_TBL_MAX; t++) {
				__u32 gen = (cfg.gens >> kind) & 1;
				int fd = tables_get(m->outer[kind][f][t], kind, gen);

				if (fd == -ENOENT) {
					if (!exclusive)
						return -EAGAIN;
					fd = tables_create(kind, f, t, ctx->meta.list_capacity);
					if (fd < 0)
						return p_err("cannot create the %s table: %s",
							     tables_name(kind, f, t),
							     strerror(-fd));
					/* Both slots: an empty table stays shared
					 * by the generations until it fills. */
					err = tables_set(m->outer[kind][f][t], kind, gen, fd);
					if (!err)
						err = tables_set(m->outer[kind][f][t], kind, !gen, fd);
					if (err) {
						close(fd);
						return p_err("cannot install the %s table: %s",
							     tables_name(kind, f, t),
							     strerror(-err));
					}
				}
				if (fd < 0)
					return p_err("cannot open the %s table: %s",
						     tables_name(kind, f, t), strerror(-fd));
				m->list[kind][f][t] = fd;
			}
	return 0;
}

int pins_tables_refresh(struct pg_ctx *ctx)
{
	struct pg_config cfg;
	int err = config_rw(ctx, &cfg, false);

	if (err || cfg.gens == ctx->gens)
		return err;
	/* A replace by another pktgate switched generations. */
	for (int kind = 0; kind < PG_LIST_KIND_MAX; kind++)
		for (int f = 0; f < 2; f++)
			for (int t = 0; t < PG_TBL_MAX; t++)
				if (ctx->maps.list[kind][f][t] > 0)
					close(ctx->maps.list[kind][f][t]);
	return open_tables(ctx, false);
}

/* The two lists every entry goes to without --list. */
static int init_lists(struct pg_ctx *ctx)
{
	for (int kind = 0; kind < PG_LIST_KIND_MAX; kind++) {
		__u32 id = PG_LIST_MANUAL(kind);
		struct pg_list l = {};

		if (bpf_map_lookup_elem(ctx->maps.lists, &id, &l))
			return p_err("cannot read %s/%s: %s", ctx->pin_path, PG_MAP_LISTS,
				     strerror(errno));
		if (l.in_use)
			continue;
		l.in_use = 1;
		l.kind = kind;
		snprintf(l.name, sizeof(l.name), "%s", PG_LIST_MANUAL_NAME);
		if (bpf_map_update_elem(ctx->maps.lists, &id, &l, BPF_ANY))
			return p_err("cannot write %s/%s: %s", ctx->pin_path, PG_MAP_LISTS,
				     strerror(errno));
	}
	return 0;
}

int pins_open(struct pg_ctx *ctx, bool exclusive)
{
	bool created = false;
	int err;

	ctx->ncpus = libbpf_num_possible_cpus();
	if (ctx->ncpus <= 0)
		return p_err("cannot count the possible CPUs");
	err = ensure_bpffs(ctx);
	if (err)
		return err;
	if (mkdir(ctx->pin_path, 0700) && errno != EEXIST)
		return p_err("cannot create pin directory %s: %s", ctx->pin_path, strerror(errno));

	ctx->lock_fd = open(ctx->pin_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ctx->lock_fd < 0)
		return p_err("cannot open pin directory %s: %s", ctx->pin_path, strerror(errno));
	/* Readers share the lock so they never see a half-created pin set. */
	if (flock(ctx->lock_fd, exclusive ? LOCK_EX : LOCK_SH))
		return p_err("cannot lock %s: %s", ctx->pin_path, strerror(errno));

	ctx->maps.meta = pin_get(ctx, PG_MAP_META);
	if (ctx->maps.meta >= 0) {
		err = check_meta(ctx, ctx->maps.meta);
		if (err)
			return err;
	}
	if (ctx->maps.meta < 0 || open_all(ctx)) {
		if (!exclusive) {
			/* Creating needs the exclusive lock; take it and retry. */
			if (flock(ctx->lock_fd, LOCK_EX))
				return p_err("cannot lock %s: %s", ctx->pin_path, strerror(errno));
		}
		err = create_maps(ctx);
		if (err)
			return err;
		created = true;
		if (ctx->maps.meta < 0)
			ctx->maps.meta = pin_get(ctx, PG_MAP_META);
		if (ctx->maps.meta < 0 || (err = open_all(ctx)))
			return p_err("cannot open the maps under %s: %s", ctx->pin_path,
				     strerror(errno));
	}
	if (ctx->meta.magic == 0) {
		ctx->meta.magic = PKTGATE_MAGIC;
		ctx->meta.schema_version = PKTGATE_SCHEMA_VERSION;
		ctx->meta.list_capacity = ctx->capacity ? ctx->capacity : PG_LIST_CAPACITY;
		ctx->meta.next_rule_id = 1;
		err = pins_write_meta(ctx);
		if (err)
			return err;
	}
	err = init_config(ctx);
	if (err)
		return err;
	if (ctx->capacity && ctx->capacity != ctx->meta.list_capacity) {
		/* Inner maps need not match the template's size: tables built
		 * from now on (load, flush, restore) take the new capacity. */
		if (!exclusive && !created)
			return p_err("the tables at %s hold %u entries each; --capacity %lu takes "
				     "effect with a command that rebuilds them (load, flush, restore)",
				     ctx->pin_path, ctx->meta.list_capacity, ctx->capacity);
		ctx->meta.list_capacity = ctx->capacity;
		err = pins_write_meta(ctx);
		if (err)
			return err;
	}
	err = open_tables(ctx, exclusive || created);
	if (err == -EAGAIN) {
		/* An interrupted first run left a slot empty: filling it
		 * needs the exclusive lock. */
		if (flock(ctx->lock_fd, LOCK_EX))
			return p_err("cannot lock %s: %s", ctx->pin_path, strerror(errno));
		created = true;
		err = open_tables(ctx, true);
	}
	if (err)
		return err;
	if (exclusive || created) {
		err = init_lists(ctx);
		if (err)
			return err;
	}
	if (created)
		p_debug("created maps under %s", ctx->pin_path);
	if (!exclusive)
		flock(ctx->lock_fd, LOCK_SH);
	return 0;
}

void pins_close(struct pg_ctx *ctx)
{
	int *fds = (int *)&ctx->maps;

	/* struct pg_maps is nothing but descriptors; 0 is never one of ours. */
	for (size_t i = 0; i < sizeof(ctx->maps) / sizeof(int); i++)
		if (fds[i] > 0)
			close(fds[i]);
	memset(&ctx->maps, 0, sizeof(ctx->maps));
	if (ctx->lock_fd > 0)
		close(ctx->lock_fd);
	ctx->lock_fd = -1;
}
