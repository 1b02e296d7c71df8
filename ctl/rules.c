// SPDX-License-Identifier: GPL-2.0
/*
 * The allow and deny entries as the commands see them: read from the live
 * tables (port ranges as one entry each), counted, ordered, formatted, and
 * the per-rule counter ids. The commands that change them are in
 * cmd_rules.c.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "clock.h"
#include "ctx.h"
#include "pins.h"
#include "rules.h"
#include "scope.h"
#include "tables.h"
#include "vec.h"

void rules_entry_scope(const struct pg_entry *e, struct pg_scope *s)
{
	*s = (struct pg_scope){ .proto = e->proto, .proto2 = e->proto2, .amatch = e->amatch,
				.pfield = e->pfield, .lo = e->port_lo, .hi = e->port_hi };
}

static void entry_set_scope(struct pg_entry *e, const struct pg_scope *s)
{
	e->proto = s->proto;
	e->proto2 = s->proto2;
	e->amatch = s->amatch;
	e->pfield = s->pfield;
	e->port_lo = s->lo;
	e->port_hi = s->hi;
}

void rules_ports_fmt(const struct pg_entry *e, char *buf, size_t len)
{
	struct pg_scope s;

	rules_entry_scope(e, &s);
	scope_fmt(&s, false, buf, len);
}

void rules_scope_args(const struct pg_entry *e, char *buf, size_t len)
{
	struct pg_scope s;

	rules_entry_scope(e, &s);
	scope_fmt(&s, true, buf, len);
}

/* ---- reading ---- */

struct collect {
	struct pg_entry *v;
	size_t n, cap;
	int fam6, tbl;
};

static int collect_one(void *arg, int tbl, const void *key, const struct pg_rule *rule)
{
	struct collect *c = arg;
	struct pg_entry *e;
	uint16_t port;

	if (vec_grow(&c->v, c->n, &c->cap, sizeof(*c->v), 256))
		return -ENOMEM;
	e = &c->v[c->n++];
	memset(e, 0, sizeof(*e));
	e->prefix.family = c->fam6 ? 6 : 4;
	e->tbl = tbl;
	tables_key_decode(c->fam6, tbl, key, e->prefix.addr, &e->prefix.plen, &e->proto,
			  &port);
	if (tbl == PG_TBL_PORT) {
		struct pg_scope s;

		scope_of_key(tables_key_sel(tbl, key), e->proto, port, &s);
		s.hi = port ? rule->port_hi : 0;
		entry_set_scope(e, &s);
	}
	e->rule = *rule;
	return 0;
}

/* Port keys of one rule become one entry: the key of the first port of
 * its range stands for it (the range is in the rule's metadata). */
static void group_ports(struct pg_ctx *ctx, struct collect *c)
{
	size_t out = 0;

	for (size_t i = 0; i < c->n; i++) {
		struct pg_entry *e = &c->v[i];
		struct pg_rule_meta rm;
		struct pg_scope s, ks;
		uint8_t sel, proto;
		uint16_t port;

		rules_entry_scope(e, &ks);
		if (rules_scoped(e) && e->rule.rule_id &&
		    !bpf_map_lookup_elem(ctx->maps.rule_meta, &e->rule.rule_id, &rm) &&
		    rm.in_use && (rm.proto == e->proto || rm.proto2 == e->proto)) {
			/* The rule's first key stands for all of them. */
			scope_from_meta(&rm, &s);
			scope_key_at(&s, 0, &sel, &proto, &port);
			scope_of_key(sel, proto, port, &ks);
			if (e->proto != proto || e->port_lo != port || e->amatch != ks.amatch ||
			    e->pfield != ks.pfield)
				continue;
			entry_set_scope(e, &s);
		} else if (rules_scoped(e)) {
			e->port_hi = e->port_lo;	/* no metadata: one key per entry */
		}
		c->v[out++] = *e;
	}
	c->n = out;
}

int rules_collect(struct pg_ctx *ctx, int kind, struct pg_entry **out, size_t *n)
{
	struct collect c = {};
	int err = pins_tables_refresh(ctx);

	for (c.fam6 = 0; !err && c.fam6 < 2; c.fam6++)
		for (c.tbl = 0; !err && c.tbl < PG_TBL_MAX; c.tbl++)
			err = tables_read(ctx->maps.list[kind][c.fam6][c.tbl], c.fam6, c.tbl,
					  collect_one, &c);
	if (err) {
		free(c.v);
		return err;
	}
	group_ports(ctx, &c);
	*out = c.v;
	*n = c.n;
	return 0;
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

static int sort_key = SORT_PREFIX;

static int entry_cmp(const void *pa, const void *pb)
{
	const struct pg_entry *a = pa, *b = pb;
	uint64_t x = 0, y = 0;
	int c;

	switch (sort_key) {
	case SORT_HITS: x = a->hits; y = b->hits; break;
	case SORT_BYTES: x = a->bytes; y = b->bytes; break;
	case SORT_LAST_HIT: x = a->last_hit_ns; y = b->last_hit_ns; break;
	}
	if (x != y)
		return x > y ? -1 : 1;
	c = pg_prefix_cmp(&a->prefix, &b->prefix);
	if (c)
		return c;
	if (a->proto != b->proto)
		return a->proto - b->proto;
	if (a->amatch != b->amatch)
		return a->amatch - b->amatch;
	if (a->pfield != b->pfield)
		return a->pfield - b->pfield;
	if (a->proto2 != b->proto2)
		return a->proto2 - b->proto2;
	return a->port_lo - b->port_lo;
}

void rules_sort_by(struct pg_entry *v, size_t n, int key)
{
	sort_key = key;
	if (n)	/* v may be NULL then, which qsort does not take */
		qsort(v, n, sizeof(*v), entry_cmp);
}

void rules_sort(struct pg_entry *v, size_t n)
{
	rules_sort_by(v, n, SORT_PREFIX);
}

/* ---- rule ids ---- */

uint32_t rules_id_alloc(struct pg_ctx *ctx, const uint8_t *taken)
{
	uint32_t start = ctx->meta.next_rule_id, id;

	if (!start || start >= PG_MAX_RULES)
		start = 1;
	id = start;
	do {
		struct pg_rule_meta rm;

		if ((!taken || !taken[id]) &&
		    !bpf_map_lookup_elem(ctx->maps.rule_meta, &id, &rm) && !rm.in_use) {
			ctx->meta.next_rule_id = id + 1 < PG_MAX_RULES ? id + 1 : 1;
			return id;
		}
		id = id + 1 < PG_MAX_RULES ? id + 1 : 1;
	} while (id != start);
	return 0;
}
