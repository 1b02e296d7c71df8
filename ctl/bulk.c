// SPDX-License-Identifier: GPL-2.0
/*
 * Whole-kind changes by generation switch (see bulk.h).
 *
 * The new content of the kind is the current one (read in batches) with
 * some lists' bits cleared, merged with the queued entries: both go in one
 * array, sorted so that equal keys meet, and are merged in one pass. Each
 * table is then written into a fresh map with batch updates; a table that
 * would exceed its capacity is refused before any map is made.
 *
 * Publishing: the new maps go into the unused generation slot, the kind's
 * bit in pg_config.gens flips, and the old slot is emptied. Each update of
 * a map-in-map slot returns only once every BPF program that could still
 * use the previous content has finished, so no packet ever looks up an
 * emptied slot, and the old maps can be emptied and freed at leisure.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "bulk.h"
#include "clock.h"
#include "scope.h"
#include "compile.h"
#include "counters.h"
#include "ctx.h"
#include "names.h"
#include "out.h"
#include "pins.h"
#include "rules.h"
#include "vec.h"

static int grow(struct bulk *b)
{
	return vec_grow(&b->v, b->n, &b->cap, sizeof(*b->v), 4096);
}

int bulk_reserve(struct bulk *b, size_t more)
{
	struct bulk_ent *nv;

	if (b->cap >= b->n + more)
		return 0;
	nv = realloc(b->v, (b->n + more) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	b->v = nv;
	b->cap = b->n + more;
	return 0;
}

int bulk_add(struct bulk *b, const struct pg_prefix *p, const struct pg_scope *sc,
	     unsigned int list_id, uint64_t expires_ns, const char *comment, bool counted)
{
	static const struct pg_scope none;
	int fam6 = p->family == 6, nkeys;
	uint32_t rule = 0;

	if (!sc)
		sc = &none;
	nkeys = scope_scoped(sc) ? scope_nkeys(sc) : 1;
	if (comment || counted) {
		struct bulk_rule *r;

		if (vec_grow(&b->rules, b->nrules, &b->rcap, sizeof(*b->rules), 64))
			return -ENOMEM;
		r = &b->rules[b->nrules++];
		memset(r, 0, sizeof(*r));
		r->meta.in_use = 1;
		r->meta.family = p->family;
		r->meta.list_kind = b->kind;
		r->meta.prefixlen = p->plen;
		memcpy(r->meta.addr, p->addr, 16);
		scope_to_meta(sc, &r->meta);
		if (comment)
			snprintf(r->meta.comment, sizeof(r->meta.comment), "%s", comment);
		rule = b->nrules;
	}
	for (int i = 0; i < nkeys; i++) {
		struct bulk_ent *e;
		uint8_t sel = 0, proto = 0;
		uint16_t port = 0;

		if (b->n == b->cap && grow(b))
			return -ENOMEM;
		e = &b->v[b->n++];
		memset(e, 0, sizeof(*e));
		e->fam6 = fam6;
		e->tbl = scope_scoped(sc) ? PG_TBL_PORT : PG_TABLE_FOR(p->family, p->plen);
		e->src = 1;
		e->rule = rule;
		if (e->tbl == PG_TBL_PORT)
			scope_key_at(sc, i, &sel, &proto, &port);
		tables_key(fam6, e->tbl, p->addr, p->plen, proto, port, e->key);
		if (e->tbl == PG_TBL_PORT)
			tables_key_set_sel(e->key, sel);
		e->val.expires_ns = expires_ns;
		e->val.lists = 1ULL << list_id;
		e->val.prefixlen = p->plen;
		e->val.port_hi = sc->hi;
	}
	return 0;
}

uint32_t bulk_sel_bits(const struct bulk *b)
{
	uint32_t bits = 0;

	for (size_t i = 0; i < b->n; i++) {
		uint8_t sel = tables_key_sel(b->v[i].tbl, b->v[i].key);

		if (sel)
			bits |= PG_SEL_BIT(b->kind, b->v[i].fam6 ? 6 : 4, sel);
	}
	return bits;
}

/* Reading the tables now, one thread each: a trie walk costs the kernel
 * more than the copy, and the tables are independent. */
struct reader {
	struct bulk part;	/* this table's entries */
	int fd, fam6, tbl, err;
	uint64_t drop_mask, now;
	pthread_t thread;
	bool started;
};

static int read_one(void *arg, int tbl, const void *key, const struct pg_rule *val)
{
	struct reader *r = arg;
	struct bulk *b = &r->part;
	struct bulk_ent *e;

	if (b->n == b->cap && grow(b))
		return -ENOMEM;
	e = &b->v[b->n++];
	memset(e, 0, sizeof(*e));
	e->fam6 = r->fam6;
	e->tbl = tbl;
	memcpy(e->key, key, tables_key_size(r->fam6, tbl));
	e->val = *val;
	if (e->val.expires_ns && e->val.expires_ns <= r->now)
		e->val.lists = 0;	/* expired: already absent */
	e->before = e->val.lists;
	/* An entry left in no list stays for the merge, so that an entry
	 * added with the same key keeps its rule id. */
	e->val.lists &= ~r->drop_mask;
	return 0;
}

static void *read_run(void *arg)
{
	struct reader *r = arg;

	r->err = tables_read(r->fd, r->fam6, r->tbl, read_one, r);
	return NULL;
}

#define TBL_BIT(f, t)	(1u << ((f) * PG_TBL_MAX + (t)))
#define TBL_ALL		(TBL_BIT(2, 0) - 1)
#define TBL_CENT	(TBL_BIT(0, PG_TBL_CENT) | TBL_BIT(1, PG_TBL_CENT))

/* Append the entries of the tables in mask (TBL_BIT()s) to b; count[][]
 * gets each such table's size. */
static int read_tables(struct pg_ctx *ctx, struct bulk *b, uint64_t drop_mask,
		       size_t count[2][PG_TBL_MAX], uint32_t mask)
{
	struct reader rd[2][PG_TBL_MAX] = {};
	uint64_t now = mono_now_ns();
	size_t total = 0;
	int err = 0;

	for (int f = 0; f < 2; f++)
		for (int t = 0; t < PG_TBL_MAX; t++) {
			struct reader *r = &rd[f][t];

			*r = (struct reader){ .fd = ctx->maps.list[b->kind][f][t], .fam6 = f,
					      .tbl = t, .drop_mask = drop_mask, .now = now };
			if (!(mask & TBL_BIT(f, t)))
				continue;
			r->started = !pthread_create(&r->thread, NULL, read_run, r);
			if (!r->started)
				read_run(r);
		}
	for (int f = 0; f < 2; f++)
		for (int t = 0; t < PG_TBL_MAX; t++) {
			struct reader *r = &rd[f][t];

			if (r->started)
				pthread_join(r->thread, NULL);
			if (!err && r->err)
				err = p_err("cannot read the %s list: %s", pg_list_names[b->kind],
					    strerror(-r->err));
			if (mask & TBL_BIT(f, t))
				count[f][t] = r->part.n;
			total += r->part.n;
		}
	if (!err && bulk_reserve(b, total))
		err = p_err("out of memory");
	for (int f = 0; f < 2; f++)
		for (int t = 0; t < PG_TBL_MAX; t++) {
			struct reader *r = &rd[f][t];

			if (!err && r->part.n) {
				memcpy(b->v + b->n, r->part.v, r->part.n * sizeof(*b->v));
				b->n += r->part.n;
			}
			bulk_free(&r->part);
		}
	return err;
}

/* Rule ids: a queued rule adopts the id of an entry it lands on (its
 * counters go on), else gets a free one. used[] marks ids in the result. */
static int assign_rule_ids(struct pg_ctx *ctx, struct bulk *b, size_t n, uint8_t *used)
{
	struct timespec real;
	size_t short_of = 0;

	for (size_t i = 0; i < n; i++) {
		struct bulk_ent *e = &b->v[i];

		if (!e->rule)
			continue;
		/* Only rules some entry still points at get an id: the same
		 * prefix queued twice (two lists) keeps the last one. */
		b->rules[e->rule - 1].referenced = true;
		if (e->val.rule_id && !b->rules[e->rule - 1].rule_id)
			b->rules[e->rule - 1].rule_id = e->val.rule_id;
	}
	for (size_t i = 0; i < n; i++) {
		struct bulk_ent *e = &b->v[i];

		if (e->rule)
			e->val.rule_id = b->rules[e->rule - 1].rule_id;
		if (e->val.rule_id)
			used[e->val.rule_id] = 1;
	}
	clock_gettime(CLOCK_REALTIME, &real);
	for (size_t i = 0; i < b->nrules; i++) {
		struct bulk_rule *r = &b->rules[i];
		struct pg_rule_meta old;
		bool fresh = !r->rule_id;

		if (!r->referenced)
			continue;	/* no entry of its own */
		if (fresh) {
			r->rule_id = rules_id_alloc(ctx, used);
			if (!r->rule_id) {
				short_of++;
				continue;
			}
			used[r->rule_id] = 1;
		}
		if (!fresh && !bpf_map_lookup_elem(ctx->maps.rule_meta, &r->rule_id, &old) &&
		    old.in_use) {
			/* The rule goes on: its age, and its comment unless given. */
			r->meta.created_ns = old.created_ns;
			if (!r->meta.comment[0])
				memcpy(r->meta.comment, old.comment, sizeof(old.comment));
		} else
			r->meta.created_ns = (uint64_t)real.tv_sec * PG_NSEC_PER_SEC + real.tv_nsec;
		if (fresh && ctr_zero_rule(ctx, r->rule_id))
			return p_err("cannot reset the counters of rule %u: %s", r->rule_id,
				     strerror(errno));
		if (bpf_map_update_elem(ctx->maps.rule_meta, &r->rule_id, &r->meta, BPF_ANY))
			return p_err("cannot record rule %u: %s", r->rule_id, strerror(errno));
	}
	for (size_t i = 0; i < n; i++) {
		struct bulk_ent *e = &b->v[i];

		if (e->rule && !e->val.rule_id) {
			e->val.rule_id = b->rules[e->rule - 1].rule_id;
			if (e->val.rule_id)
				used[e->val.rule_id] = 1;
		}
	}
	if (short_of)
		p_warn("all %d per-rule counters are in use: %zu rules are counted per list only",
		       PG_MAX_RULES - 1, short_of);
	return 0;
}

static const char *table_what(int fam6, int tbl)
{
	static const char *const w[2][PG_TBL_MAX] = {
		{ "IPv4 host", "IPv4 prefix", "IPv4 port-scoped", "IPv4 compiled",
		  "IPv4 compiled index" },
		{ "IPv6 host", "IPv6 prefix", "IPv6 port-scoped", "IPv6 compiled",
		  "IPv6 compiled index" },
	};

	return w[fam6][tbl];
}

/* One table's share of the work: tables are filled in parallel threads,
 * since each insert into a different map runs on its own CPU. For the
 * compiled tier, the thread builds its two arrays (cfds). */
struct fill {
	const struct bulk *b;
	size_t from, to;
	int fam6, tbl, fd;
	int cfds[TABLES_NCOMPILED];	/* compiled: PG_TBL_CENT, PG_TBL_CIDX */
	int err;		/* -errno */
	size_t ranges, nidx;	/* compiled: for the debug report */
	pthread_t thread;
	bool started;
};

/* The address entries of a family (host and prefix entries, as merged)
 * compiled into fresh arrays. */
static void *compile_run(void *arg)
{
	struct fill *fl = arg;
	size_t n = fl->to - fl->from;
	struct compile_ent *v = malloc((n ? n : 1) * sizeof(*v));
	struct compile_ent *sorted = malloc((n ? n : 1) * sizeof(*v));
	struct compiled c;
	int err = v && sorted ? 0 : -ENOMEM;

	for (size_t i = 0; !err && i < n; i++) {
		const struct bulk_ent *e = &fl->b->v[fl->from + i];
		uint8_t proto;
		uint16_t port;

		memset(&v[i], 0, sizeof(v[i]));
		tables_key_decode(e->fam6, e->tbl, e->key, v[i].addr, &v[i].plen, &proto, &port);
		v[i].rule = e->val;
	}
	if (!err && compile_order(v, n, sorted)) {
		struct compile_ent *t = v;

		v = sorted;
		sorted = t;
	}
	free(sorted);
	if (!err)
		err = compile_build(fl->fam6, v, n, &c);
	free(v);
	if (!err) {
		fl->ranges = c.ranges;
		fl->nidx = c.nidx;
		err = tables_compiled_create(fl->b->kind, &c, fl->cfds);
		compile_free(&c);
	}
	fl->err = err;
	return NULL;
}

static void *fill_run(void *arg)
{
	struct fill *fl = arg;
	size_t ksz = tables_key_size(fl->fam6, fl->tbl), n = fl->to - fl->from;
	uint8_t *keys = malloc(n * ksz);
	struct pg_rule *vals = malloc(n * sizeof(*vals));
	int fd = fl->fd, err = 0;
	size_t done = 0;

	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		memcpy(keys + i * ksz, fl->b->v[fl->from + i].key, ksz);
		vals[i] = fl->b->v[fl->from + i].val;
	}
	while (done < n) {
		__u32 count = n - done;
		LIBBPF_OPTS(bpf_map_batch_opts, opts);

		err = bpf_map_update_batch(fd, keys + done * ksz, vals + done, &count, &opts);
		if (err == -EINVAL || err == -ENOTSUPP || err == -EOPNOTSUPP) {
			/* No batch updates here: one by one. */
			for (; done < n; done++)
				if (bpf_map_update_elem(fd, keys + done * ksz, vals + done,
							BPF_ANY))
					break;
			err = done < n ? -errno : 0;
			break;
		}
		done += count;
		if (err)
			break;
	}
out:
	free(keys);
	free(vals);
	fl->err = err;
	return NULL;
}

/* Publish prepared kinds (see the top of this file) with one write of
 * pg_config.gens, so that a restore switches allow and deny together. A
 * table empty before and after keeps its map (its fds[][] is the live
 * one): it sits in both slots, and needs no update, hence no wait. */
static bool kept(struct pg_ctx *ctx, const struct bulk *b, int f, int t)
{
	return b->fds[f][t] == ctx->maps.list[b->kind][f][t];
}

/* Slot updates, all at once: each update (or delete) of a map-in-map slot
 * returns only after an RCU grace period, and grace periods waited for
 * at the same time are shared, so n slots in n threads cost about one
 * grace period where one after the other they cost n (8-20 ms each
 * here). */
struct slot_op {
	int outer, kind, fd;	/* fd < 0: empty the slot */
	uint32_t gen;
	int err;
	pthread_t thread;
	bool started;
};

static void *slot_run(void *arg)
{
	struct slot_op *op = arg;

	op->err = op->fd >= 0 ? tables_set(op->outer, op->kind, op->gen, op->fd) :
				tables_clear(op->outer, op->kind, op->gen);
	return NULL;
}

/* Run ops[0..n) in parallel; the first error (-errno), and its index. */
static int slots_apply(struct slot_op *ops, int n, int *failed)
{
	int err = 0;

	for (int i = 0; i < n; i++) {
		ops[i].started = n > 1 && !pthread_create(&ops[i].thread, NULL, slot_run, &ops[i]);
		if (!ops[i].started)
			slot_run(&ops[i]);
	}
	for (int i = 0; i < n; i++) {
		if (ops[i].started)
			pthread_join(ops[i].thread, NULL);
		if (!err && ops[i].err) {
			err = ops[i].err;
			if (failed)
				*failed = i;
		}
	}
	return err;
}

static int publish(struct pg_ctx *ctx, struct bulk **bs, int nb)
{
	struct slot_op ops[PG_LIST_KIND_MAX * 2 * PG_TBL_MAX];
	struct pg_config cfg;
	uint32_t flip = 0, kind_bits = 0, bits = 0;
	int err, nops = 0, failed = 0;

	for (int i = 0; i < nb; i++)
		for (int f = 0; f < 2; f++)
			for (int t = 0; t < PG_TBL_MAX; t++) {
				kind_bits |= PG_TABLE_BIT(bs[i]->kind, f ? 6 : 4, t);
				if (!kept(ctx, bs[i], f, t))
					flip |= 1u << bs[i]->kind;
			}
	uint32_t sels = 0, kind_sels = 0;

	for (int i = 0; i < nb; i++) {
		bits |= bs[i]->bits;
		sels |= bs[i]->sels;
		for (int f = 4; f <= 6; f += 2)
			kind_sels |= PG_SEL_BIT(bs[i]->kind, f, 0) * 0xffu;
	}
	if (!flip)
		return 0;	/* every table empty before and after */
	/* Both generations' tables are looked at while either may be used. */
	err = pins_config_read(ctx, &cfg);
	if (err)
		return err;
	if ((cfg.gens ^ ctx->gens) & flip)
		return p_err("the lists changed under this command; nothing was changed");
	cfg.tables |= bits;
	cfg.sels |= sels;
	err = pins_config_write(ctx, &cfg);
	for (int i = 0; !err && i < nb; i++) {
		int kind = bs[i]->kind;
		uint32_t cur = (ctx->gens >> kind) & 1;

		if (!(flip & 1u << kind))
			continue;
		for (int f = 0; f < 2; f++)
			for (int t = 0; t < PG_TBL_MAX; t++) {
				int outer = ctx->maps.outer[kind][f][t];

				if (kept(ctx, bs[i], f, t) &&
				    tables_id(outer, kind, !cur) == tables_id(outer, kind, cur))
					continue;
				ops[nops++] = (struct slot_op){ .outer = outer, .kind = kind,
								.gen = !cur, .fd = bs[i]->fds[f][t] };
			}
	}
	if (!err && (err = slots_apply(ops, nops, &failed))) {
		int t = -1, f = 0;

		/* Name the table that failed. */
		for (int ff = 0; ff < 2 && t < 0; ff++)
			for (int tt = 0; tt < PG_TBL_MAX && t < 0; tt++)
				if (ctx->maps.outer[ops[failed].kind][ff][tt] == ops[failed].outer)
					f = ff, t = tt;
		err = p_err("cannot install a new %s %s table: %s", pg_list_names[ops[failed].kind],
			    table_what(f, t < 0 ? 0 : t), strerror(-err));
	}
	if (err) {
		nops = 0;
		for (int i = 0; i < nb; i++)
			for (int f = 0; f < 2; f++)
				for (int t = 0; t < PG_TBL_MAX; t++)
					if (!kept(ctx, bs[i], f, t))
						ops[nops++] = (struct slot_op){
							.outer = ctx->maps.outer[bs[i]->kind][f][t],
							.kind = bs[i]->kind, .fd = -1,
							.gen = !((ctx->gens >> bs[i]->kind) & 1) };
		slots_apply(ops, nops, NULL);
		pins_tables_sweep(ctx);
		return err;
	}
	cfg.gens ^= flip;
	err = pins_config_write(ctx, &cfg);
	if (err)
		return err;
	/* Wait out packets that read the old generation (an update of a
	 * slot waits for them: ops[0] again, which changes nothing), then
	 * empty the old slots. */
	slots_apply(ops, 1, NULL);
	nops = 0;
	for (int i = 0; i < nb; i++)
		for (int f = 0; f < 2; f++)
			for (int t = 0; t < PG_TBL_MAX; t++)
				if (!kept(ctx, bs[i], f, t))
					ops[nops++] = (struct slot_op){
						.outer = ctx->maps.outer[bs[i]->kind][f][t],
						.kind = bs[i]->kind, .fd = -1,
						.gen = (ctx->gens >> bs[i]->kind) & 1 };
	slots_apply(ops, nops, NULL);
	ctx->gens = cfg.gens;
	cfg.tables = (cfg.tables & ~kind_bits) | bits;
	cfg.sels = (cfg.sels & ~kind_sels) | sels;
	return pins_config_write(ctx, &cfg);
}

/* Give back what a prepared change holds: its fresh maps and the rule
 * ids it took. Nothing live changed. */
static void unprepare(struct pg_ctx *ctx, struct bulk *b)
{
	for (size_t i = 0; b->was && i < b->nrules; i++) {
		uint32_t id = b->rules[i].rule_id;
		struct pg_rule_meta z = {};

		if (id && !b->was[id])
			bpf_map_update_elem(ctx->maps.rule_meta, &id, &z, BPF_ANY);
	}
	for (int f = 0; f < 2; f++)
		for (int t = 0; t < PG_TBL_MAX; t++)
			if (b->fds[f][t] >= 0 && b->fds[f][t] != ctx->maps.list[b->kind][f][t])
				close(b->fds[f][t]);
	b->ready = false;
}

/* The kind's new content in b->v (read, sorted, merged) and its checks,
 * before any map is made: shared by bulk_prepare and check mode. */
static int plan(struct pg_ctx *ctx, struct bulk *b, uint64_t drop_mask, struct bulk_result *res,
		size_t count[2][PG_TBL_MAX], double t[3], bool may_beside)
{
	int kind = b->kind, err;
	size_t queued = b->n, n;
	struct bulk_beside bc;
	uint32_t mask = TBL_ALL;

	memset(count, 0, 2 * PG_TBL_MAX * sizeof(count[0][0]));
	if (!b->empty_now)
		pins_tables_refresh(ctx);
	t[0] = mono_secs();
	b->beside = false;
	/* A pass that only drops expired entries (queued nothing, drops no
	 * list) is for the compiled tier too. */
	if (may_beside && !b->nrules && (queued || drop_mask))
		mask &= ~TBL_CENT;
	err = b->empty_now ? 0 : read_tables(ctx, b, drop_mask, count, mask);
	if (!err && !b->empty_now && mask != TBL_ALL) {
		b->beside = bulk_beside_ok(ctx, b, queued, drop_mask, &bc);
		if (b->beside)
			p_debug("%s: a small change beside the compiled tier (IPv4 %zu, IPv6 %zu "
				"entries): %zu of its records change, the rest is dynamic",
				pg_list_names[kind], bc.live[0], bc.live[1],
				b->ncedit[0] + b->ncedit[1]);
		else
			err = read_tables(ctx, b, drop_mask, count, TBL_CENT);
	}
	if (err)
		return err;
	for (size_t i = queued; b->was && i < b->n; i++)
		if (b->v[i].val.rule_id)
			b->was[b->v[i].val.rule_id] = 1;
	t[1] = mono_secs();
	if (bulk_sort(b, queued))
		return p_err("out of memory");
	n = bulk_merge(b, res);
	b->n = n;
	b->sels = bulk_sel_bits(b);
	t[2] = mono_secs();
	/* Refuse what does not fit before any map is made. */
	for (size_t i = 0; i < n;) {
		size_t j = i;

		while (j < n && b->v[j].fam6 == b->v[i].fam6 && b->v[j].tbl == b->v[i].tbl)
			j++;
		if (j - i > ctx->meta.list_capacity)
			return p_err("the %s %s table would hold %zu entries, over its capacity of "
				     "%u; nothing was changed. Give a larger capacity to this "
				     "command: pktgate --capacity N %s ...",
				     pg_list_names[kind], table_what(b->v[i].fam6, b->v[i].tbl),
				     j - i, ctx->meta.list_capacity, ctx->command ? ctx->command : "load");
		res->entries[b->v[i].fam6] += j - i;
		/* Host and prefix entries all go to the compiled tier, but for
		 * a small change beside it. */
		if (b->v[i].tbl == PG_TBL_PORT || b->beside) {
			b->bits |= PG_TABLE_BIT(kind, b->v[i].fam6 ? 6 : 4, b->v[i].tbl);
		} else {
			for (int t = PG_TBL_CENT; t < PG_TBL_MAX; t++)
				b->bits |= PG_TABLE_BIT(kind, b->v[i].fam6 ? 6 : 4, t);
		}
		i = j;
	}
	if (b->beside) {
		res->added += bc.added;
		res->removed += bc.removed;
	}
	for (int f = 0; b->beside && f < 2; f++) {
		res->entries[f] += bc.live[f];
		res->listed[f] += bc.focus[f];
		if (!tables_empty(ctx->maps.list[kind][f][PG_TBL_CENT], PG_TBL_CENT))
			for (int t = PG_TBL_CENT; t < PG_TBL_MAX; t++)
				b->bits |= PG_TABLE_BIT(kind, f ? 6 : 4, t);
	}
	return 0;
}

int bulk_plan(struct pg_ctx *ctx, struct bulk *b, uint64_t drop_mask, struct bulk_result *res)
{
	size_t count[2][PG_TBL_MAX];
	double t[3];

	memset(res, 0, sizeof(*res));
	b->bits = 0;
	return plan(ctx, b, drop_mask, res, count, t, false);
}

int bulk_prepare(struct pg_ctx *ctx, struct bulk *b, uint64_t drop_mask, struct bulk_result *res)
{
	int kind = b->kind, err = 0;
	size_t count[2][PG_TBL_MAX];
	size_t n, from;
	double t[4];
	struct fill fills[2][PG_TBL_MAX] = {};

	memset(res, 0, sizeof(*res));
	memset(b->fds, -1, sizeof(b->fds));
	b->bits = 0;
	free(b->used);
	free(b->was);
	b->used = calloc(PG_MAX_RULES, 1);
	b->was = calloc(PG_MAX_RULES, 1);
	if (!b->used || !b->was)
		return p_err("out of memory");
	err = plan(ctx, b, drop_mask, res, count, t, true);
	if (err)
		return err;
	n = b->n;
	b->ready = true;
	err = assign_rule_ids(ctx, b, n, b->used);
	from = 0;
	for (int f = 0; f < 2 && !err; f++) {
		size_t addr_from = from, addr_to;

		while (from < n && b->v[from].fam6 == f && b->v[from].tbl != PG_TBL_PORT)
			from++;
		addr_to = from;
		for (int t = 0; t < PG_TBL_MAX && !err; t++) {
			struct fill *fl = &fills[f][t];
			size_t lo = from, to = from;
			bool compiled = t == PG_TBL_CENT;
			bool empty = t != PG_TBL_PORT && !compiled && !b->beside;

			if (t == PG_TBL_CIDX)
				continue;	/* built with PG_TBL_CENT */
			if (t == PG_TBL_PORT)
				while (to < n && b->v[to].fam6 == f && b->v[to].tbl == t)
					to++;
			if (!empty && !compiled && t != PG_TBL_PORT) {
				/* beside: this table's share of the address entries */
				for (lo = addr_from; lo < addr_to && b->v[lo].tbl != t; lo++)
					;
				for (to = lo; to < addr_to && b->v[to].tbl == t; to++)
					;
			}
			if (compiled) {
				*fl = (struct fill){ .b = b, .from = addr_from, .to = addr_to,
						     .fam6 = f, .tbl = t, .fd = -1,
						     .cfds = { -1, -1 } };
				if (b->beside && b->ncedit[f]) {
					err = bulk_beside_edit(ctx, b, f, &b->fds[f][PG_TBL_CENT]);
					if (err)
						err = p_err("cannot change the compiled %s %s entries: "
							    "%s", pg_list_names[kind],
							    f ? "IPv6" : "IPv4", strerror(-err));
					continue;
				}
				if (b->beside || (addr_to == addr_from && !count[f][t])) {
					/* empty, stays so; or kept beside */
					for (int c = PG_TBL_CENT; c < PG_TBL_MAX; c++)
						b->fds[f][c] = ctx->maps.list[kind][f][c];
					continue;
				}
				fl->started = !pthread_create(&fl->thread, NULL, compile_run, fl);
				if (!fl->started)
					compile_run(fl);
				continue;
			}
			*fl = (struct fill){ .b = b, .from = lo, .to = empty ? lo : to, .fam6 = f,
					     .tbl = t };
			if ((empty || to == lo) && !count[f][t] &&
			    tables_capacity(ctx->maps.list[kind][f][t]) == ctx->meta.list_capacity) {
				b->fds[f][t] = ctx->maps.list[kind][f][t];	/* empty, stays so */
				continue;
			}
			fl->fd = b->fds[f][t] = tables_create(kind, f, t, ctx->meta.list_capacity);
			if (fl->fd < 0)
				err = p_err("cannot create a %s table: %s",
					    tables_name(kind, f, t), strerror(-fl->fd));
			else if (!empty && to > lo)
				fl->started = !pthread_create(&fl->thread, NULL, fill_run, fl);
			if (!err && !empty && to > lo && !fl->started)
				fill_run(fl);	/* no thread: do it here */
			if (t == PG_TBL_PORT)
				from = to;
		}
	}
	for (int f = 0; f < 2; f++)
		for (int t = 0; t < PG_TBL_MAX; t++) {
			struct fill *fl = &fills[f][t];

			if (fl->started)
				pthread_join(fl->thread, NULL);
			if (t == PG_TBL_CENT && (fl->started || fl->err || fl->cfds[0] >= 0)) {
				for (int c = 0; c < TABLES_NCOMPILED; c++)
					b->fds[f][PG_TBL_CENT + c] = fl->cfds[c];
				if (!err && fl->err)
					err = p_err("cannot compile the %s %s entries: %s",
						    pg_list_names[kind], f ? "IPv6" : "IPv4",
						    strerror(-fl->err));
				if (fl->nidx)
					p_debug("%s %s: %zu entries compiled into %zu ranges, "
						"%zu KiB of index", pg_list_names[kind],
						f ? "IPv6" : "IPv4", fl->to - fl->from, fl->ranges,
						fl->nidx * 8 / 1024);
				continue;
			}
			if (!err && fl->err)
				err = p_err("cannot fill a new %s %s table: %s", pg_list_names[kind],
					    table_what(f, t), strerror(-fl->err));
		}
	t[3] = mono_secs();
	p_debug("%s: read %zu entries %.3f s, sort and merge %.3f s, fill %zu entries %.3f s",
		pg_list_names[kind], count[0][0] + count[0][1] + count[0][2] + count[1][0] +
		count[1][1] + count[1][2], t[1] - t[0], t[2] - t[1], n, t[3] - t[2]);
	if (err)
		unprepare(ctx, b);
	return err;
}

int bulk_commit_all(struct pg_ctx *ctx, struct bulk **bs, int nb)
{
	double t0 = mono_secs();
	int err;

	for (int i = 0; i < nb; i++)
		if (!bs[i]->ready)
			return p_err("internal error: nothing prepared for the %s list",
				     pg_list_names[bs[i]->kind]);
	err = publish(ctx, bs, nb);
	p_debug("switch %.3f s", mono_secs() - t0);
	for (int i = 0; i < nb; i++) {
		struct bulk *b = bs[i];
		int kind = b->kind, old[2 * PG_TBL_MAX];

		if (err) {
			unprepare(ctx, b);
			continue;
		}
		b->ready = false;
		/* Rule ids of entries that went away. */
		for (uint32_t id = 1; id < PG_MAX_RULES; id++)
			if (b->was[id] && !b->used[id]) {
				struct pg_rule_meta z = {};

				bpf_map_update_elem(ctx->maps.rule_meta, &id, &z, BPF_ANY);
			}
		for (int f = 0; f < 2; f++)
			for (int t = 0; t < PG_TBL_MAX; t++) {
				old[f * PG_TBL_MAX + t] = kept(ctx, b, f, t) ? -1 :
							  ctx->maps.list[kind][f][t];
				ctx->maps.list[kind][f][t] = b->fds[f][t];
			}
		bulk_release(old, 2 * PG_TBL_MAX);
	}
	if (!err)
		pins_write_meta(ctx);	/* next_rule_id hint */
	return err;
}

int bulk_commit(struct pg_ctx *ctx, struct bulk *b)
{
	return bulk_commit_all(ctx, &b, 1);
}

void bulk_abort(struct pg_ctx *ctx, struct bulk *b)
{
	if (b->ready)
		unprepare(ctx, b);
}

void bulk_signals(bool hold, sigset_t *saved)
{
	sigset_t set;

	if (!hold) {
		sigprocmask(SIG_SETMASK, saved, NULL);
		return;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	sigprocmask(SIG_BLOCK, &set, saved);
}

int bulk_apply(struct pg_ctx *ctx, struct bulk *b, uint64_t drop_mask, struct bulk_result *res)
{
	sigset_t saved;
	int err;

	bulk_signals(true, &saved);
	err = bulk_prepare(ctx, b, drop_mask, res);
	if (!err)
		err = bulk_commit(ctx, b);
	bulk_signals(false, &saved);
	return err;
}

/* Empty a map in chunks, so that no single system call holds a CPU long. */
static void drain(int fd)
{
	enum { CHUNK = 16384 };
	uint8_t *keys = malloc((size_t)CHUNK * PG_KEY_MAX);
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (!keys || bpf_obj_get_info_by_fd(fd, &info, &len))
		goto out;
	if (info.type == BPF_MAP_TYPE_ARRAY)
		goto out;	/* the compiled tier: freed whole, in one go */
	for (;;) {
		__u32 n = 0, count;
		void *prev = NULL;
		LIBBPF_OPTS(bpf_map_batch_opts, opts);

		while (n < CHUNK && !bpf_map_get_next_key(fd, prev, keys + n * info.key_size)) {
			prev = keys + n * info.key_size;
			n++;
		}
		if (!n)
			break;
		count = n;
		if (bpf_map_delete_batch(fd, keys, &count, &opts))
			for (__u32 i = 0; i < n; i++)
				bpf_map_delete_elem(fd, keys + i * info.key_size);
		sched_yield();
	}
out:
	free(keys);
}

void bulk_release(int *fds, int n)
{
	pid_t pid = fork();

	if (pid == 0) {
		/* A grandchild, so that nobody has to reap it; without the
		 * caller's lock and output, at the lowest priority. */
		sigset_t none;

		if (fork() != 0)
			_exit(0);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);	/* the caller may hold some */
		for (int fd = 0; fd < 1024; fd++) {
			bool keep = false;

			for (int i = 0; i < n; i++)
				keep |= fds[i] == fd;
			if (!keep)
				close(fd);
		}
		open("/dev/null", O_RDWR);
		dup2(0, 1);
		dup2(0, 2);
		setpriority(PRIO_PROCESS, 0, 19);
		for (int i = 0; i < n; i++)
			if (fds[i] >= 0)
				drain(fds[i]);
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
	for (int i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}
