// SPDX-License-Identifier: GPL-2.0
/*
 * allow / deny list commands: add, del, list, flush. Every command checks
 * all of its input before it changes anything, and undoes its own changes
 * if the kernel refuses one of them (e.g. a full list).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>

#include "cidr.h"
#include "ctx.h"
#include "out.h"
#include "rules.h"

#ifndef ENOTSUPP
#define ENOTSUPP 524	/* the kernel's "operation not supported", seen by user space */
#endif

static const char *const kind_names[PG_LIST_KIND_MAX] = { "allow", "deny" };

uint64_t mono_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The table that holds a prefix: host entries in the hash, others in the trie. */
static int table_fd(struct pg_ctx *ctx, int kind, const struct pg_prefix *p)
{
	return ctx->maps.list[kind][p->family == 6][PG_TABLE_FOR(p->family, p->plen)];
}

/* The key of a prefix in its table; buf holds a struct pg_lpm_v6. */
static void entry_key(const struct pg_prefix *p, void *buf)
{
	struct pg_lpm_v6 *k = buf;	/* the other key layouts are prefixes of it */

	memset(k, 0, sizeof(*k));
	if (PG_TABLE_FOR(p->family, p->plen) == PG_TBL_EXACT) {
		memcpy(buf, p->addr, p->family == 4 ? 4 : 16);
		return;
	}
	k->prefixlen = p->plen;
	memcpy(k->addr, p->addr, p->family == 4 ? 4 : 16);
}

static const char *family_name(int family)
{
	return family == 4 ? "IPv4" : "IPv6";
}

struct collect {
	struct pg_entry *v;
	size_t n, cap;
};

/* Append one entry of a table, decoding its key. */
static int collect_add(struct collect *c, int fam, int tbl, const void *key,
		       const struct pg_rule *rule)
{
	size_t alen = fam == 4 ? 4 : 16;
	struct pg_entry *e;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		struct pg_entry *nv = realloc(c->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		c->v = nv;
		c->cap = cap;
	}
	e = &c->v[c->n++];
	memset(e, 0, sizeof(*e));
	e->prefix.family = fam;
	if (tbl == PG_TBL_EXACT) {
		e->prefix.plen = alen * 8;
		memcpy(e->prefix.addr, key, alen);
	} else {
		const struct pg_lpm_v6 *k = key;	/* v4 keys are a prefix of it */

		e->prefix.plen = k->prefixlen;
		memcpy(e->prefix.addr, k->addr, alen);
	}
	e->rule = *rule;
	return 0;
}

/* A whole table in batches: a few system calls instead of two per entry
 * (a million entries in a fraction of a second). Returns -EINVAL or
 * -ENOTSUPP where the kernel has no batch lookup for the map. */
static int collect_batch(struct collect *c, int fd, int fam, int tbl)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	size_t ksz = tbl == PG_TBL_EXACT ? (fam == 4 ? sizeof(struct pg_exact_v4) :
					    sizeof(struct pg_exact_v6)) :
		     fam == 4 ? sizeof(struct pg_lpm_v4) : sizeof(struct pg_lpm_v6);
	/* Position tokens: a bucket index (hash) or the last key (trie). */
	struct pg_lpm_v6 in, outk;
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
		err = bpf_map_lookup_batch(fd, first ? NULL : &in, &outk, keys, vals, &count, &opts);
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
			int e = collect_add(c, fam, tbl, (char *)keys + i * ksz, &vals[i]);

			if (e) {
				free(keys);
				free(vals);
				return e;
			}
		}
		if (err == -ENOENT) {	/* the end of the table */
			err = 0;
			break;
		}
		in = outk;
		first = false;
	}
	free(keys);
	free(vals);
	return err;
}

/* Key by key, where batches are not supported. An entry deleted between
 * the two calls is skipped. */
static int collect_keys(struct collect *c, int fd, int fam, int tbl)
{
	struct pg_lpm_v6 key, next;
	struct pg_rule rule;
	void *prev = NULL;
	int err;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		if (!bpf_map_lookup_elem(fd, &next, &rule)) {
			err = collect_add(c, fam, tbl, &next, &rule);
			if (err)
				return err;
		}
		key = next;
		prev = &key;
	}
	return 0;
}

int rules_collect(struct pg_ctx *ctx, int kind, struct pg_entry **out, size_t *n)
{
	struct collect c = {};

	for (int fam = 4; fam <= 6; fam += 2) {
		for (int tbl = 0; tbl < PG_TBL_MAX; tbl++) {
			int fd = ctx->maps.list[kind][fam == 6][tbl];
			size_t before = c.n;
			int err = collect_batch(&c, fd, fam, tbl);

			if (err == -EINVAL || err == -ENOTSUPP || err == -EOPNOTSUPP) {
				p_debug("no batch lookup for the %s list: reading it key by key",
					kind_names[kind]);
				c.n = before;
				err = collect_keys(&c, fd, fam, tbl);
			}
			if (err) {
				free(c.v);
				return err;
			}
		}
	}
	*out = c.v;
	*n = c.n;
	return 0;
}

static int sort_key = SORT_PREFIX;

/* By prefix, or by a counter (largest first, then by prefix). */
static int entry_cmp(const void *pa, const void *pb)
{
	const struct pg_entry *a = pa, *b = pb;
	uint64_t x = 0, y = 0;

	switch (sort_key) {
	case SORT_HITS: x = a->hits; y = b->hits; break;
	case SORT_BYTES: x = a->bytes; y = b->bytes; break;
	case SORT_LAST_HIT: x = a->last_hit_ns; y = b->last_hit_ns; break;
	}
	if (x != y)
		return x > y ? -1 : 1;
	return pg_prefix_cmp(&a->prefix, &b->prefix);
}

/* Find a free per-rule counter slot, starting where the last one was
 * taken so that the common case is one lookup. 0 if all are in use. */
static uint32_t rule_id_alloc(struct pg_ctx *ctx)
{
	uint32_t start = ctx->meta.next_rule_id, id = start;

	if (!start || start >= PG_MAX_RULES)
		id = start = 1;
	do {
		struct pg_rule_meta rm;

		if (!bpf_map_lookup_elem(ctx->maps.rule_meta, &id, &rm) && !rm.in_use) {
			ctx->meta.next_rule_id = id + 1 < PG_MAX_RULES ? id + 1 : 1;
			return id;
		}
		id = id + 1 < PG_MAX_RULES ? id + 1 : 1;
	} while (id != start);
	return 0;
}

static void rule_id_free(struct pg_ctx *ctx, uint32_t id)
{
	struct pg_rule_meta rm = {};

	if (id && id < PG_MAX_RULES)
		bpf_map_update_elem(ctx->maps.rule_meta, &id, &rm, BPF_ANY);
}

/* Forget rules whose TTL ran out, so their counter slots can be reused. */
static void sweep_expired(struct pg_ctx *ctx)
{
	uint64_t now = mono_now_ns();

	for (int kind = 0; kind < PG_LIST_KIND_MAX; kind++) {
		struct pg_entry *v;
		size_t n;

		if (rules_collect(ctx, kind, &v, &n))
			continue;
		for (size_t i = 0; i < n; i++)
			if (v[i].rule.expires_ns && v[i].rule.expires_ns <= now)
				rules_delete(ctx, kind, &v[i]);
		free(v);
	}
	pins_tables_sweep(ctx);
}

int rules_count(struct pg_ctx *ctx, int kind, size_t live[2], size_t expired[2])
{
	uint64_t now = mono_now_ns();
	struct pg_entry *v;
	size_t n;
	int err = rules_collect(ctx, kind, &v, &n);

	if (err)
		return err;
	live[0] = live[1] = expired[0] = expired[1] = 0;
	for (size_t i = 0; i < n; i++) {
		int f = v[i].prefix.family == 6;

		if (v[i].rule.expires_ns && v[i].rule.expires_ns <= now)
			expired[f]++;
		else
			live[f]++;
	}
	free(v);
	return 0;
}

void rules_sort(struct pg_entry *v, size_t n)
{
	sort_key = SORT_PREFIX;
	qsort(v, n, sizeof(*v), entry_cmp);
}

int rules_delete(struct pg_ctx *ctx, int kind, const struct pg_entry *e)
{
	struct pg_lpm_v6 key;

	entry_key(&e->prefix, &key);
	if (bpf_map_delete_elem(table_fd(ctx, kind, &e->prefix), &key) && errno != ENOENT)
		return p_err("cannot delete from the %s list: %s", kind_names[kind],
			     strerror(errno));
	rule_id_free(ctx, e->rule.rule_id);
	return 0;
}

static int parse_prefixes(int argc, char **argv, struct pg_prefix *out, bool *normalised)
{
	for (int i = 0; i < argc; i++) {
		const char *why;

		if (pg_prefix_parse(argv[i], &out[i], &normalised[i], &why))
			return p_usage("invalid prefix '%s': %s", argv[i], why);
	}
	return 0;
}

struct undo {
	struct pg_prefix prefix;
	bool existed;
	struct pg_rule old;
	uint32_t new_rule_id;		/* allocated by this command */
};

static void rollback(struct pg_ctx *ctx, int kind, struct undo *u, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		struct pg_lpm_v6 key;
		int fd = table_fd(ctx, kind, &u[i].prefix);

		entry_key(&u[i].prefix, &key);
		if (u[i].existed)
			bpf_map_update_elem(fd, &key, &u[i].old, BPF_ANY);
		else
			bpf_map_delete_elem(fd, &key);
		rule_id_free(ctx, u[i].new_rule_id);
	}
}

int do_rule_add(struct pg_ctx *ctx, void *optp, int argc, char **argv)
{
	struct rule_add_opts *o = optp;
	int kind = ctx->list_kind, err = 0, done = 0;
	struct pg_prefix *pfx = calloc(argc, sizeof(*pfx));
	bool *norm = calloc(argc, sizeof(*norm));
	struct undo *undo = calloc(argc, sizeof(*undo));
	uint64_t now_mono = mono_now_ns();
	struct timespec real;
	bool swept = false;

	if (!pfx || !norm || !undo) {
		err = p_err("out of memory");
		goto out;
	}
	err = parse_prefixes(argc, argv, pfx, norm);
	if (err)
		goto out;
	if (o->comment && strlen(o->comment) >= PG_COMMENT_LEN) {
		err = p_usage("comment is %zu bytes long; at most %d are kept",
			      strlen(o->comment), PG_COMMENT_LEN - 1);
		goto out;
	}
	if (ctx->check_only)
		goto out;
	err = pins_open(ctx, true);
	if (err)
		goto out;
	clock_gettime(CLOCK_REALTIME, &real);
	{
		uint32_t bits = 0;

		for (int i = 0; i < argc; i++)
			bits |= PG_TABLE_BIT(kind, pfx[i].family,
					     PG_TABLE_FOR(pfx[i].family, pfx[i].plen));
		/* Before the inserts, or the datapath could skip a new entry. */
		err = pins_tables_mark(ctx, bits);
		if (err)
			goto out;
	}

	for (done = 0; done < argc; done++) {
		struct pg_prefix *p = &pfx[done];
		struct undo *u = &undo[done];
		struct pg_rule val = { .prefixlen = p->plen };
		struct pg_rule_meta rm = {};
		struct pg_lpm_v6 key;
		int fd = table_fd(ctx, kind, p);
		char buf[PG_PREFIX_STRLEN];

		pg_prefix_fmt(p, buf, sizeof(buf));
		entry_key(p, &key);
		u->prefix = *p;
		u->existed = !bpf_map_lookup_elem(fd, &key, &u->old);
		if (u->existed && u->old.rule_id) {
			val.rule_id = u->old.rule_id;	/* keep its counters */
		} else {
			val.rule_id = rule_id_alloc(ctx);
			if (!val.rule_id && !swept) {
				sweep_expired(ctx);
				swept = true;
				val.rule_id = rule_id_alloc(ctx);
			}
			if (!val.rule_id)
				p_warn("all %d per-rule counters are in use: %s is counted per list only",
				       PG_MAX_RULES - 1, buf);
			u->new_rule_id = val.rule_id;
		}
		if (o->ttl)
			val.expires_ns = now_mono + o->ttl * 1000000000ULL;

		if (val.rule_id) {
			bool keep_meta = u->existed && u->old.rule_id &&
				!bpf_map_lookup_elem(ctx->maps.rule_meta, &val.rule_id, &rm);

			if (!keep_meta)
				memset(&rm, 0, sizeof(rm));
			rm.in_use = 1;
			rm.family = p->family;
			rm.list_kind = kind;
			rm.prefixlen = p->plen;
			memcpy(rm.addr, p->addr, 16);
			if (!keep_meta)
				rm.created_ns = (uint64_t)real.tv_sec * 1000000000ULL + real.tv_nsec;
			if (o->comment) {
				memset(rm.comment, 0, sizeof(rm.comment));
				strncpy(rm.comment, o->comment, sizeof(rm.comment) - 1);
			}
			/* Fresh counters before the entry can be hit. */
			if (u->new_rule_id &&
			    percpu_zero(ctx, ctx->maps.rule_stats, val.rule_id, 3)) {
				err = p_err("cannot reset the counters of rule %u: %s", val.rule_id,
					    strerror(errno));
				break;
			}
			if (bpf_map_update_elem(ctx->maps.rule_meta, &val.rule_id, &rm, BPF_ANY)) {
				err = p_err("cannot record rule %s: %s", buf, strerror(errno));
				break;
			}
		}
		if (bpf_map_update_elem(fd, &key, &val, BPF_ANY)) {
			if (errno == ENOSPC || errno == E2BIG)
				err = p_err("the %s list for %s is full (capacity %u entries); "
					    "nothing was added",
					    kind_names[kind], family_name(p->family),
					    ctx->meta.list_capacity);
			else
				err = p_err("cannot add %s to the %s list: %s", buf,
					    kind_names[kind], strerror(errno));
			done++;		/* its rule id is in the undo log */
			break;
		}
	}
	if (err) {
		rollback(ctx, kind, undo, done);
		pins_tables_sweep(ctx);
		goto out;
	}
	pins_write_meta(ctx);	/* next_rule_id hint; harmless if it fails */

	out_obj_open(NULL);
	out_str("list", NULL, kind_names[kind]);
	out_arr_open("added");
	for (int i = 0; i < argc; i++) {
		char buf[PG_PREFIX_STRLEN];

		pg_prefix_fmt(&pfx[i], buf, sizeof(buf));
		out_obj_open(NULL);
		out_str("prefix", "added %s", buf);
		out_str(NULL, " to %s", kind_names[kind]);
		out_bool("replaced", NULL, undo[i].existed);
		if (norm[i]) {
			out_str("input", " (normalised from %s)", argv[i]);
		}
		if (o->ttl)
			out_u64("ttl", " ttl %llus", o->ttl);
		else
			out_null("ttl", NULL, NULL);
		out_u64("rule_id", NULL, undo[i].existed ? undo[i].old.rule_id : undo[i].new_rule_id);
		out_text("%s\n", undo[i].existed ? " (updated existing entry)" : "");
		out_obj_close();
	}
	out_arr_close();
	out_obj_close();
out:
	free(pfx);
	free(norm);
	free(undo);
	return err;
}

int do_rule_del(struct pg_ctx *ctx, void *optp, int argc, char **argv)
{
	int kind = ctx->list_kind, err;
	struct pg_prefix *pfx = calloc(argc, sizeof(*pfx));
	bool *norm = calloc(argc, sizeof(*norm));
	struct pg_rule *vals = calloc(argc, sizeof(*vals));
	bool *dup = calloc(argc, sizeof(*dup));

	(void)optp;
	if (!pfx || !norm || !vals || !dup) {
		err = p_err("out of memory");
		goto out;
	}
	err = parse_prefixes(argc, argv, pfx, norm);
	if (err)
		goto out;
	err = pins_open(ctx, true);
	if (err)
		goto out;
	/* All must be present before any is removed. */
	for (int i = 0; i < argc; i++) {
		struct pg_lpm_v6 key;
		char buf[PG_PREFIX_STRLEN];

		for (int j = 0; j < i; j++)
			if (!pg_prefix_cmp(&pfx[i], &pfx[j]))
				dup[i] = true;
		entry_key(&pfx[i], &key);
		if (bpf_map_lookup_elem(table_fd(ctx, kind, &pfx[i]), &key, &vals[i])) {
			pg_prefix_fmt(&pfx[i], buf, sizeof(buf));
			err = p_err("%s is not in the %s list; nothing was deleted", buf,
				    kind_names[kind]);
			goto out;
		}
	}
	out_obj_open(NULL);
	out_str("list", NULL, kind_names[kind]);
	out_arr_open("deleted");
	for (int i = 0; i < argc; i++) {
		struct pg_lpm_v6 key;
		char buf[PG_PREFIX_STRLEN];

		if (dup[i])
			continue;
		entry_key(&pfx[i], &key);
		if (bpf_map_delete_elem(table_fd(ctx, kind, &pfx[i]), &key) && errno != ENOENT) {
			err = p_err("cannot delete from the %s list: %s", kind_names[kind],
				    strerror(errno));
			goto out;
		}
		rule_id_free(ctx, vals[i].rule_id);
		pg_prefix_fmt(&pfx[i], buf, sizeof(buf));
		out_str(NULL, "deleted %s", buf);
		out_text(" from %s\n", kind_names[kind]);
	}
	pins_tables_sweep(ctx);
	out_arr_close();
	out_obj_close();
out:
	free(pfx);
	free(norm);
	free(vals);
	free(dup);
	return err;
}

static void fmt_ago(uint64_t now, uint64_t then, char *buf, size_t len)
{
	char d[32];

	if (!then) {
		snprintf(buf, len, "never");
		return;
	}
	pg_duration_fmt(now > then ? (now - then) / 1000000000ULL : 0, d, sizeof(d));
	snprintf(buf, len, "%s ago", d);
}

int do_rule_list(struct pg_ctx *ctx, void *optp, int argc, char **argv)
{
	struct rule_list_opts *o = optp;
	int kind = ctx->list_kind, err;
	struct pg_entry *v = NULL;
	size_t n = 0, shown = 0;
	uint64_t now;

	(void)argc;
	(void)argv;
	err = pins_open(ctx, false);
	if (err)
		return err;
	err = rules_collect(ctx, kind, &v, &n);
	if (err)
		return p_err("cannot read the %s list: %s", kind_names[kind], strerror(-err));
	for (size_t i = 0; i < n; i++) {
		uint64_t ctr[3];

		if (v[i].rule.rule_id &&
		    !percpu_sum(ctx, ctx->maps.rule_stats, v[i].rule.rule_id, ctr, 3, true)) {
			v[i].hits = ctr[0];
			v[i].bytes = ctr[1];
			v[i].last_hit_ns = ctr[2];
		}
	}
	sort_key = o->sort < 0 ? SORT_PREFIX : o->sort;
	qsort(v, n, sizeof(*v), entry_cmp);
	now = mono_now_ns();

	out_obj_open(NULL);
	out_str("list", NULL, kind_names[kind]);
	out_text("%-43s %-10s %12s %14s %-12s %s\n", "PREFIX", "EXPIRES", "PACKETS", "BYTES",
		 "LAST-HIT", "COMMENT");
	out_arr_open("entries");
	for (size_t i = 0; i < n; i++) {
		struct pg_entry *e = &v[i];
		uint64_t ctr[3] = { e->hits, e->bytes, e->last_hit_ns };
		struct pg_rule_meta rm = {};
		char buf[PG_PREFIX_STRLEN], ttl[32], ago[48];

		if (e->rule.expires_ns && e->rule.expires_ns <= now)
			continue;	/* expired: absent, as the datapath sees it */
		shown++;
		if (e->rule.rule_id)
			bpf_map_lookup_elem(ctx->maps.rule_meta, &e->rule.rule_id, &rm);
		pg_prefix_fmt(&e->prefix, buf, sizeof(buf));
		out_obj_open(NULL);
		out_str("prefix", "%-43s ", buf);
		out_u64("family", NULL, e->prefix.family);
		if (e->rule.expires_ns) {
			uint64_t left = (e->rule.expires_ns - now + 999999999ULL) / 1000000000ULL;

			pg_duration_fmt(left, ttl, sizeof(ttl));
			out_u64("expires_in", NULL, left);
			out_str(NULL, "%-10s ", ttl);
		} else {
			out_null("expires_in", "%-10s ", "never");
		}
		out_u64("packets", "%12llu ", ctr[0]);
		out_u64("bytes", "%14llu ", ctr[1]);
		if (ctr[2]) {
			fmt_ago(now, ctr[2], ago, sizeof(ago));
			out_u64("last_hit_ago", NULL, (now > ctr[2] ? now - ctr[2] : 0) / 1000000000ULL);
			out_str(NULL, "%-12s ", ago);
		} else {
			out_null("last_hit_ago", "%-12s ", "never");
		}
		out_str("comment", "%s", rm.comment);
		out_u64("rule_id", NULL, e->rule.rule_id);
		out_text("\n");
		out_obj_close();
	}
	out_arr_close();
	out_obj_close();
	if (!shown)
		out_text("(the %s list is empty)\n", kind_names[kind]);
	free(v);
	return 0;
}

int do_flush(struct pg_ctx *ctx, void *optp, int argc, char **argv)
{
	int kind, err;
	struct pg_entry *v = NULL;
	size_t n = 0, gone = 0;

	(void)optp;
	(void)argc;
	if (!strcmp(argv[0], "deny"))
		kind = PG_LIST_DENY;
	else if (!strcmp(argv[0], "allow"))
		kind = PG_LIST_ALLOW;
	else
		return p_usage("flush: unknown list '%s' (deny or allow)", argv[0]);
	err = pins_open(ctx, true);
	if (err)
		return err;
	err = rules_collect(ctx, kind, &v, &n);
	if (err)
		return p_err("cannot read the %s list: %s", kind_names[kind], strerror(-err));
	for (size_t i = 0; i < n && !err; i++)
		if (!(err = rules_delete(ctx, kind, &v[i])))
			gone++;
	free(v);
	pins_tables_sweep(ctx);
	if (err)
		return p_err("the %s list was flushed in part: %zu entries removed",
			     kind_names[kind], gone);
	out_obj_open(NULL);
	out_str("list", NULL, kind_names[kind]);
	out_u64("flushed", "flushed %llu entries", gone);
	out_text(" from %s\n", kind_names[kind]);
	out_obj_close();
	return 0;
}
