// SPDX-License-Identifier: GPL-2.0
/* Rate limits and bans: the model (ratelimit.h). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "clock.h"
#include "ctx.h"
#include "iface.h"
#include "lists.h"
#include "ratelimit.h"
#include "out.h"
#include "pins.h"
#include "rules.h"
#include "scope.h"
#include "tables.h"

struct trie_ent {
	struct pg_prefix p;
	struct pg_limit_set set;
};

static int trie_fd(struct pg_ctx *ctx, int family)
{
	return ctx->maps.limit_trie[family == 6];
}

static void lpm_key(const struct pg_prefix *p, void *key)
{
	if (p->family == 4) {
		struct pg_lpm_v4 *k = key;

		k->prefixlen = p->plen;
		memcpy(k->addr, p->addr, 4);
	} else {
		struct pg_lpm_v6 *k = key;

		k->prefixlen = p->plen;
		memcpy(k->addr, p->addr, 16);
	}
}

/* Every entry of both tries. */
static int trie_read(struct pg_ctx *ctx, struct trie_ent **out, size_t *n)
{
	struct trie_ent *v = NULL;
	size_t cap = 0;

	*n = 0;
	for (int f = 4; f <= 6; f += 2) {
		struct pg_lpm_v6 key, next;
		void *prev = NULL;

		while (!bpf_map_get_next_key(trie_fd(ctx, f), prev, &next)) {
			struct trie_ent e = { .p.family = f };

			if (bpf_map_lookup_elem(trie_fd(ctx, f), &next, &e.set) == 0) {
				e.p.plen = next.prefixlen;
				memcpy(e.p.addr, next.addr, f == 4 ? 4 : 16);
				if (*n == cap) {
					struct trie_ent *nv;

					cap = cap ? 2 * cap : 64;
					nv = realloc(v, cap * sizeof(*v));
					if (!nv) {
						free(v);
						return -ENOMEM;
					}
					v = nv;
				}
				v[(*n)++] = e;
			}
			key = next;
			prev = &key;
		}
	}
	*out = v;
	return 0;
}

static bool set_has(const struct pg_limit_set *s, uint32_t id)
{
	for (int i = 0; i < PG_LIMITS_PER_ADDR && s->id[i]; i++)
		if (s->id[i] == id)
			return true;
	return false;
}

static bool covers(const struct pg_prefix *outer, const struct pg_prefix *inner)
{
	return outer->family == inner->family && outer->plen <= inner->plen &&
	       pg_prefix_covers(outer, inner->family, inner->addr);
}

int limits_read(struct pg_ctx *ctx, struct limit_rule **out, size_t *n)
{
	struct limit_rule *v = calloc(PG_MAX_LIMITS, sizeof(*v));
	struct trie_ent *t = NULL;
	size_t nt = 0;
	int err;

	*n = 0;
	if (!v)
		return -ENOMEM;
	err = trie_read(ctx, &t, &nt);
	if (err) {
		free(v);
		return err;
	}
	for (uint32_t id = 1; id < PG_MAX_LIMITS; id++) {
		struct limit_rule *r = &v[*n];
		struct pg_limit_ctr *pc = calloc(ctx->ncpus, sizeof(*pc));

		if (!pc || bpf_map_lookup_elem(ctx->maps.limits, &id, &r->l) || !r->l.in_use) {
			free(pc);
			memset(r, 0, sizeof(*r));
			continue;
		}
		r->id = id;
		if (!bpf_map_lookup_elem(ctx->maps.limit_stats, &id, pc))
			for (int c = 0; c < ctx->ncpus; c++) {
				r->ctr.passed += pc[c].passed;
				r->ctr.dropped += pc[c].dropped;
				r->ctr.dropped_bytes += pc[c].dropped_bytes;
				r->ctr.bans += pc[c].bans;
				r->ctr.ban_full += pc[c].ban_full;
			}
		free(pc);
		/* Its own prefixes: those no shorter prefix holding it covers. */
		for (size_t i = 0; i < nt; i++) {
			bool own = set_has(&t[i].set, id);

			for (size_t j = 0; own && j < nt; j++)
				if (j != i && t[j].p.plen < t[i].p.plen && set_has(&t[j].set, id) &&
				    covers(&t[j].p, &t[i].p))
					own = false;
			if (own && r->npfx < LIMIT_PREFIXES_MAX)
				r->pfx[r->npfx++] = t[i].p;
		}
		(*n)++;
	}
	free(t);
	*out = v;
	return 0;
}

bool limits_same(const struct limit_rule *a, const struct limit_rule *b)
{
	if (a->npfx != b->npfx || a->l.flags != b->l.flags || a->l.ifslot != b->l.ifslot ||
	    memcmp(a->l.proto, b->l.proto, sizeof(a->l.proto)) || a->l.port_lo != b->l.port_lo ||
	    a->l.port_hi != b->l.port_hi)
		return false;
	for (size_t i = 0; i < a->npfx; i++) {
		size_t j;

		for (j = 0; j < b->npfx; j++)
			if (!pg_prefix_cmp(&a->pfx[i], &b->pfx[j]))
				break;
		if (j == b->npfx)
			return false;
	}
	return true;
}

static int ent_cmp(const void *a, const void *b)
{
	return pg_prefix_cmp(&((const struct trie_ent *)a)->p, &((const struct trie_ent *)b)->p);
}

/* The tries that all[0..n) need: a key per own prefix, holding the ids of
 * every limit with an own prefix covering it. */
static int tries_plan(const struct limit_rule *all, size_t n, struct trie_ent **out,
		      size_t *nout)
{
	size_t cap = 0, k = 0;
	struct trie_ent *v;

	for (size_t i = 0; i < n; i++)
		cap += all[i].npfx;
	v = calloc(cap ? cap : 1, sizeof(*v));
	if (!v)
		return p_err("out of memory");
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < all[i].npfx; j++) {
			bool dup = false;

			for (size_t x = 0; x < k && !dup; x++)
				dup = !pg_prefix_cmp(&v[x].p, &all[i].pfx[j]);
			if (!dup)
				v[k++].p = all[i].pfx[j];
		}
	qsort(v, k, sizeof(*v), ent_cmp);
	for (size_t x = 0; x < k; x++) {
		int m = 0;

		/* all[] is in id order: the sets come out ascending. */
		for (size_t i = 0; i < n; i++) {
			bool cov = false;

			for (size_t j = 0; j < all[i].npfx && !cov; j++)
				cov = covers(&all[i].pfx[j], &v[x].p);
			if (!cov)
				continue;
			if (m == PG_LIMITS_PER_ADDR) {
				char buf[PG_PREFIX_STRLEN];

				pg_prefix_fmt(&v[x].p, buf, sizeof(buf));
				free(v);
				return p_err("more than %d limits would cover %s; nothing was changed",
					     PG_LIMITS_PER_ADDR, buf);
			}
			v[x].set.id[m++] = all[i].id;
		}
	}
	*out = v;
	*nout = k;
	return 0;
}

static int tables_bit(struct pg_ctx *ctx, uint32_t bit, bool on)
{
	struct pg_config cfg;
	int err = pins_config_read(ctx, &cfg);

	if (err || !!(cfg.tables & bit) == on)
		return err;
	cfg.tables = on ? cfg.tables | bit : cfg.tables & ~bit;
	return pins_config_write(ctx, &cfg);
}

/* A family whose trie holds /0 alone: its ids in pg_config, so the
 * datapath looks nothing up. Written after the trie (which the datapath
 * uses while the bit is off), cleared before a longer prefix arrives
 * (tries_apply calls this last, and all_off first). */
static int all_sync(struct pg_ctx *ctx, const struct trie_ent *plan, size_t k)
{
	struct pg_config cfg;
	int err = pins_config_read(ctx, &cfg);

	if (err)
		return err;
	for (int f = 0; f < 2; f++) {
		const struct trie_ent *only = NULL;
		size_t n = 0;

		for (size_t x = 0; x < k; x++)
			if (plan[x].p.family == (f ? 6 : 4)) {
				only = &plan[x];
				n++;
			}
		if (n == 1 && only->p.plen == 0) {
			memcpy(cfg.limit_all[f], only->set.id, sizeof(cfg.limit_all[f]));
			cfg.tables |= PG_LIMIT_ALL_BIT(f ? 6 : 4);
		} else {
			cfg.tables &= ~PG_LIMIT_ALL_BIT(f ? 6 : 4);
			memset(cfg.limit_all[f], 0, sizeof(cfg.limit_all[f]));
		}
	}
	return pins_config_write(ctx, &cfg);
}

/* Off before the tries change: the datapath then reads them. */
static int all_off(struct pg_ctx *ctx)
{
	return tables_bit(ctx, PG_LIMIT_ALL_BIT(4) | PG_LIMIT_ALL_BIT(6), false);
}

/* Make the tries hold exactly plan[0..k): new and changed keys first, each
 * written in place, then the keys no longer needed; a family's bit is set
 * before its first key and cleared after its last. */
static int tries_apply(struct pg_ctx *ctx, const struct trie_ent *plan, size_t k)
{
	struct trie_ent *cur = NULL;
	size_t nc = 0;
	bool has[2] = {};
	int err = trie_read(ctx, &cur, &nc);

	if (err)
		return p_err("cannot read the limit tries: %s", strerror(-err));
	err = all_off(ctx);
	for (size_t x = 0; x < k; x++)
		has[plan[x].p.family == 6] = true;
	for (int f = 0; f < 2 && !err; f++)
		if (has[f])
			err = tables_bit(ctx, PG_LIMIT_BIT(f ? 6 : 4), true);
	for (size_t x = 0; x < k && !err; x++) {
		struct pg_lpm_v6 key = {};

		lpm_key(&plan[x].p, &key);
		if (bpf_map_update_elem(trie_fd(ctx, plan[x].p.family), &key, &plan[x].set, BPF_ANY))
			err = p_err("cannot write the limit trie: %s", strerror(errno));
	}
	for (size_t y = 0; y < nc && !err; y++) {
		bool keep = false;

		for (size_t x = 0; x < k && !keep; x++)
			keep = !pg_prefix_cmp(&plan[x].p, &cur[y].p);
		if (!keep) {
			struct pg_lpm_v6 key = {};

			lpm_key(&cur[y].p, &key);
			if (bpf_map_delete_elem(trie_fd(ctx, cur[y].p.family), &key) && errno != ENOENT)
				err = p_err("cannot delete from the limit trie: %s", strerror(errno));
		}
	}
	for (int f = 0; f < 2 && !err; f++)
		if (!has[f])
			err = tables_bit(ctx, PG_LIMIT_BIT(f ? 6 : 4), false);
	if (!err)
		err = all_sync(ctx, plan, k);
	free(cur);
	return err;
}

/* PG_BANS_BIT: on while a limit bans or a ban is live. */
static int bans_bit_sync(struct pg_ctx *ctx, const struct limit_rule *all, size_t n)
{
	size_t live = 0;

	for (size_t i = 0; i < n; i++)
		if (all[i].l.ban_ns)
			return tables_bit(ctx, PG_BANS_BIT, true);
	if (bans_count(ctx, &live))
		return p_err("cannot read the bans: %s", strerror(errno));
	return tables_bit(ctx, PG_BANS_BIT, live > 0);
}

/* A fresh id's buckets and counters start at zero. */
static int limit_state_reset(struct pg_ctx *ctx, uint32_t id)
{
	struct pg_gcra g = {};
	struct pg_limit_ctr *pc = calloc(ctx->ncpus, sizeof(*pc));
	int err = 0;

	if (!pc)
		return -ENOMEM;
	if (bpf_map_update_elem(ctx->maps.limit_state, &id, &g, BPF_ANY) ||
	    bpf_map_update_elem(ctx->maps.limit_stats, &id, pc, BPF_ANY))
		err = -errno;
	free(pc);
	return err;
}

/* Free the per-source ways of limit id, in place (mmap): the datapath
 * goes on writing the other ways of a row meanwhile. */
static int src_ways_clear(struct pg_ctx *ctx, uint32_t id)
{
	size_t n, vsz;
	struct pg_src_row *rows = tables_mmap(ctx->maps.src_buckets, &n, &vsz, true);

	if (!rows)
		return -errno;
	for (size_t r = 0; r < n; r++)
		for (int w = 0; w < PG_SRC_WAYS; w++)
			if (rows[r].way[w].limit_id == id) {
				/* The id first: the datapath then never matches
				 * the way, and takes it as a full bucket. */
				rows[r].way[w].limit_id = 0;
				rows[r].way[w].b.tat_ns = 0;
				rows[r].way[w].b.btat_ns = 0;
			}
	tables_munmap(rows, n, vsz);
	return 0;
}

int limits_write(struct pg_ctx *ctx, struct limit_rule *r, const struct limit_rule *all,
		 size_t n)
{
	struct limit_rule *set = calloc(n + 1, sizeof(*set));
	struct trie_ent *plan = NULL;
	size_t k = 0, m = 0;
	bool fresh = !r->id;
	int err = 0;

	if (!set)
		return p_err("out of memory");
	if (fresh) {
		uint32_t id = 1;

		for (size_t i = 0; i < n; i++)
			if (all[i].id == id)
				id++;	/* all[] ascends by id: the first gap */
		if (id >= PG_MAX_LIMITS) {
			free(set);
			return p_err("all %d limits are in use; delete one first", PG_MAX_LIMITS - 1);
		}
		r->id = id;
	}
	for (size_t i = 0; i < n; i++) {
		if (!fresh && all[i].id == r->id)
			continue;
		set[m++] = all[i];
	}
	set[m++] = *r;
	/* In id order, as the tries' sets must be. */
	for (size_t i = m - 1; i > 0 && set[i].id < set[i - 1].id; i--) {
		struct limit_rule t = set[i];

		set[i] = set[i - 1];
		set[i - 1] = t;
	}
	err = tries_plan(set, m, &plan, &k);
	if (err)
		goto out;
	if (fresh && (err = limit_state_reset(ctx, r->id))) {
		err = p_err("cannot reset limit %u: %s", r->id, strerror(-err));
		goto out;
	}
	r->l.in_use = 1;
	if (bpf_map_update_elem(ctx->maps.limits, &r->id, &r->l, BPF_ANY)) {
		err = p_err("cannot write limit %u: %s", r->id, strerror(errno));
		goto out;
	}
	err = tries_apply(ctx, plan, k);
	if (!err)
		err = bans_bit_sync(ctx, set, m);
out:
	free(plan);
	free(set);
	return err;
}

int limits_delete(struct pg_ctx *ctx, uint32_t id, const struct limit_rule *left, size_t n)
{
	struct pg_limit none = {};
	struct trie_ent *plan = NULL;
	size_t k = 0;
	int err = tries_plan(left, n, &plan, &k);

	/* Out of the tries first: no packet reaches it after that. */
	if (!err)
		err = tries_apply(ctx, plan, k);
	free(plan);
	if (err)
		return err;
	if (bpf_map_update_elem(ctx->maps.limits, &id, &none, BPF_ANY))
		return p_err("cannot delete limit %u: %s", id, strerror(errno));
	err = src_ways_clear(ctx, id);
	if (!err)
		err = limit_state_reset(ctx, id);
	if (err)
		return p_err("cannot clear the state of limit %u: %s", id, strerror(-err));
	return bans_bit_sync(ctx, left, n);
}

/* ---- restore ---- */

struct queued {
	struct limit_rule r;
	char iface[PG_IFNAME_LEN];
	char ban_list[PG_LIST_NAME_LEN];
};

static struct queued *queue;
static size_t nqueue;

int limits_queue_add(const struct limit_rule *r, const char *iface, const char *ban_list)
{
	struct queued *nq = realloc(queue, (nqueue + 1) * sizeof(*nq));

	if (!nq)
		return p_err("out of memory");
	queue = nq;
	memset(&queue[nqueue], 0, sizeof(*queue));
	queue[nqueue].r = *r;
	snprintf(queue[nqueue].iface, sizeof(queue->iface), "%s", iface ? iface : "");
	snprintf(queue[nqueue].ban_list, sizeof(queue->ban_list), "%s", ban_list ? ban_list : "");
	nqueue++;
	return 0;
}

size_t limits_queued(void)
{
	return nqueue;
}

void limits_queue_reset(void)
{
	free(queue);
	queue = NULL;
	nqueue = 0;
}

int limits_queue_apply(struct pg_ctx *ctx, size_t *applied)
{
	struct limit_rule *v = NULL;
	size_t n = 0;
	int err;

	*applied = 0;
	/* Names first: nothing changes if one does not resolve. */
	for (size_t q = 0; q < nqueue; q++) {
		struct queued *e = &queue[q];

		if (e->iface[0]) {
			int ifindex = iface_index(ctx, e->iface);
			int slot = ifindex > 0 ? iface_slot(ctx, ifindex, e->iface, false, NULL) : -1;

			if (slot < 0)
				return p_err("limit --iface %s: pktgate is not attached to it; no limit "
					     "was changed", e->iface);
			e->r.l.ifslot = slot + 1;
		}
		if (e->ban_list[0]) {
			unsigned int lid;

			if (lists_open(ctx, PG_LIST_DENY, e->ban_list, true, &lid))
				return 1;
			e->r.l.ban_list = lid;
		}
	}
	err = limits_read(ctx, &v, &n);
	/* The limits the file no longer has go first. */
	for (size_t i = 0; !err && i < n; i++) {
		bool keep = false;

		for (size_t q = 0; q < nqueue && !keep; q++)
			keep = limits_same(&v[i], &queue[q].r);
		if (!keep) {
			uint32_t id = v[i].id;

			memmove(&v[i], &v[i + 1], (n - i - 1) * sizeof(*v));
			n--;
			i--;
			err = limits_delete(ctx, id, v, n);
		}
	}
	for (size_t q = 0; !err && q < nqueue; q++) {
		struct limit_rule *r = &queue[q].r;

		r->id = 0;
		for (size_t i = 0; i < n; i++)
			if (limits_same(&v[i], r)) {
				r->id = v[i].id;
				r->l.created_ns = v[i].l.created_ns;
			}
		err = limits_write(ctx, r, v, n);
		free(v);
		v = NULL;
		if (!err)
			err = limits_read(ctx, &v, &n);
		if (!err)
			(*applied)++;
	}
	free(v);
	return err < 0 ? p_err("cannot read the limits: %s", strerror(-err)) : err;
}

static void rate_num(uint64_t v, char *buf, size_t len)
{
	static const char *const units[] = { "", "k", "M", "G", "T" };
	int u = 0;

	while (v >= 1000 && v % 1000 == 0 && u < 4) {
		v /= 1000;
		u++;
	}
	snprintf(buf, len, "%llu%s", (unsigned long long)v, units[u]);
}

static uint64_t rec_pps(const struct pg_limit *l)
{
	return l->pps;
}

static uint64_t rec_burst(const struct pg_limit *l)
{
	return l->burst;
}

static uint64_t rec_bps(const struct pg_limit *l)
{
	return l->bps;
}

void limits_rate_fmt(const struct pg_limit *l, char *buf, size_t len)
{
	char a[32] = "", b[32] = "";

	if (l->pkt_ns)
		snprintf(a, sizeof(a), "%llu/s burst %llu", (unsigned long long)rec_pps(l),
			 (unsigned long long)rec_burst(l));
	if (l->byte_q10) {
		char num[24];

		rate_num(rec_bps(l), num, sizeof(num));
		snprintf(b, sizeof(b), "%sbit/s", num);
	}
	snprintf(buf, len, "%s%s%s", a, a[0] && b[0] ? " " : "", b);
}

void limits_args_fmt(struct pg_ctx *ctx, const struct limit_rule *r, char *buf, size_t len)
{
	size_t o = 0;
	const struct pg_limit *l = &r->l;

#define ADD(...) (o += snprintf(buf + o, o < len ? len - o : 0, __VA_ARGS__))
	for (size_t i = 0; i < r->npfx; i++) {
		char p[PG_PREFIX_STRLEN];

		pg_prefix_fmt(&r->pfx[i], p, sizeof(p));
		ADD("%s%s", i ? " " : "", p);
	}
	if (l->proto[0]) {
		ADD(" proto %s%s%s", scope_proto_name(l->proto[0]), l->proto[1] ? "," : "",
		    l->proto[1] ? scope_proto_name(l->proto[1]) : "");
		if (l->port_hi && l->port_lo == l->port_hi)
			ADD(" port %u", l->port_lo);
		else if (l->port_hi)
			ADD(" port %u-%u", l->port_lo, l->port_hi);
	}
	if (l->pkt_ns)
		ADD(" --pps %llu --burst %llu", (unsigned long long)rec_pps(l),
		    (unsigned long long)rec_burst(l));
	if (l->byte_q10) {
		char num[24];

		rate_num(rec_bps(l), num, sizeof(num));
		ADD(" --bps %s", num);
	}
	ADD(" %s", l->flags & PG_LIM_PER_SOURCE ? "--per-source" : "--aggregate");
	if (l->flags & PG_LIM_SYN)
		ADD(" --syn");
	if (l->ifslot) {
		struct pg_iface rec = {};
		uint32_t slot = l->ifslot - 1;

		bpf_map_lookup_elem(ctx->maps.ifaces, &slot, &rec);
		ADD(" --iface %s", rec.ifname[0] ? rec.ifname : "?");
	}
	if (l->ban_ns) {
		char d[32], w[32];

		pg_duration_fmt(l->ban_ns / PG_NSEC_PER_SEC, d, sizeof(d));
		pg_duration_fmt(l->ban_window_ns / PG_NSEC_PER_SEC, w, sizeof(w));
		ADD(" --ban %s --ban-window %s --ban-after %u --ban-list %s", d, w, l->ban_drops,
		    lists_name(ctx, l->ban_list));
	}
#undef ADD
}

int limits_save(struct pg_ctx *ctx, FILE *f)
{
	struct limit_rule *v = NULL;
	size_t n = 0;
	int err = limits_read(ctx, &v, &n);

	if (err)
		return p_err("cannot read the limits: %s", strerror(-err));
	for (size_t i = 0; i < n; i++) {
		char args[4096];

		limits_args_fmt(ctx, &v[i], args, sizeof(args));
		fprintf(f, "limit add %s\n", args);
	}
	free(v);
	return 0;
}

int limits_status(struct pg_ctx *ctx)
{
	struct limit_rule *v = NULL;
	size_t n = 0, bans = 0;
	int err = limits_read(ctx, &v, &n);

	if (err)
		return p_err("cannot read the limits: %s", strerror(-err));
	free(v);
	if (bans_count(ctx, &bans))
		return p_err("cannot read the bans: %s", strerror(errno));
	out_obj_open("limits");
	out_u64("count", "limits: %llu", n);
	out_u64("bans", ", live bans: %llu", bans);
	out_u64("ban_capacity", " (of %llu)\n", PG_BAN_MAX);
	out_obj_close();
	return 0;
}

/* ---- bans ---- */

/* Every way of pg_bans, mapped (BPF_F_MMAPABLE): read and lifted in place,
 * since the datapath writes other ways of the same rows meanwhile. */
static int bans_walk(struct pg_ctx *ctx, int (*fn)(void *arg, struct pg_ban *b), void *arg)
{
	size_t n, vsz;
	struct pg_ban_row *rows = tables_mmap(ctx->maps.bans, &n, &vsz, true);
	int err = 0;

	if (!rows)
		return -errno;
	for (size_t r = 0; r < n && !err; r++)
		for (int w = 0; w < PG_BAN_WAYS && !err; w++)
			err = fn(arg, &rows[r].way[w]);
	tables_munmap(rows, n, vsz);
	return err;
}

struct bans_acc {
	uint64_t now;
	struct pg_entry **v;
	size_t *n, cap, count;
	int family;
	const uint8_t *addr;
};

static bool ban_live(const struct bans_acc *a, const struct pg_ban *b)
{
	return *(volatile const __u64 *)&b->expires_ns > a->now;
}

static int ban_count_one(void *arg, struct pg_ban *b)
{
	struct bans_acc *a = arg;

	a->count += ban_live(a, b);
	return 0;
}

int bans_count(struct pg_ctx *ctx, size_t *n)
{
	struct bans_acc a = { .now = mono_now_ns() };
	int err = bans_walk(ctx, ban_count_one, &a);

	*n = a.count;
	return err;
}

static int ban_collect_one(void *arg, struct pg_ban *b)
{
	struct bans_acc *a = arg;
	struct pg_entry *e;

	if (!ban_live(a, b) || (b->family != 4 && b->family != 6))
		return 0;
	if (*a->n == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 64;
		struct pg_entry *nv = realloc(*a->v, cap * sizeof(**a->v));

		if (!nv)
			return -ENOMEM;
		*a->v = nv;
		a->cap = cap;
	}
	e = &(*a->v)[(*a->n)++];
	memset(e, 0, sizeof(*e));
	e->prefix.family = b->family;
	e->prefix.plen = b->family == 4 ? 32 : 128;
	memcpy(e->prefix.addr, b->addr, b->family == 4 ? 4 : 16);
	e->tbl = PG_TBL_EXACT;
	e->rule.expires_ns = b->expires_ns;
	e->rule.lists = 1ULL << (b->list_id & (PG_MAX_LISTS - 1));
	e->rule.list_id = b->list_id;
	e->rule.prefixlen = e->prefix.plen;
	e->hits = b->packets;
	e->bytes = b->bytes;
	e->ban_limit = b->limit_id;
	return 0;
}

int bans_collect(struct pg_ctx *ctx, struct pg_entry **v, size_t *n)
{
	/* realloc from the caller's array, whatever its capacity was. */
	struct bans_acc a = { .now = mono_now_ns(), .v = v, .n = n, .cap = *n };

	return bans_walk(ctx, ban_collect_one, &a);
}

static int ban_lift_one(void *arg, struct pg_ban *b)
{
	struct bans_acc *a = arg;

	if (!ban_live(a, b))
		return 0;
	if (a->addr && (b->family != a->family ||
			memcmp(b->addr, a->addr, a->family == 4 ? 4 : 16)))
		return 0;
	/* Only the deadline: the datapath reads it first. */
	*(volatile __u64 *)&b->expires_ns = 0;
	a->count++;
	return 0;
}

int bans_lift(struct pg_ctx *ctx, int family, const uint8_t *addr, size_t *lifted)
{
	struct bans_acc a = { .now = mono_now_ns(), .family = family, .addr = addr };
	int err = bans_walk(ctx, ban_lift_one, &a);

	*lifted = a.count;
	return err;
}
