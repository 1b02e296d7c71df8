// SPDX-License-Identifier: GPL-2.0
/*
 * Check mode: plan a bulk change without making it, and report its diff
 * (see check.h). The plan is bulk.c's own merge, so the counts are what
 * the real run's would be, and its refusals (capacity, 64 lists) the same.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bulk.h"
#include "check.h"
#include "ctx.h"
#include "lists.h"
#include "names.h"
#include "out.h"
#include "pins.h"
#include "rules.h"
#include "tables.h"

/* Entries are listed by default when a diff is this small; -v lists any. */
#define CHECK_LIST_MAX 32

int check_open(struct pg_ctx *ctx, struct check_diff *d)
{
	unsigned long cap = ctx->capacity;
	char meta[4096];
	struct stat st;
	int err;

	snprintf(meta, sizeof(meta), "%s/%s", ctx->pin_path, PG_MAP_META);
	if (stat(meta, &st)) {
		/* No pins yet: the real run would make them empty, then load. */
		d->live = false;
		ctx->ncpus = libbpf_num_possible_cpus();
		ctx->meta.list_capacity = cap ? cap : PG_LIST_CAPACITY;
		return 0;
	}
	/* Readers' lock, and a --capacity that is only planned with: the
	 * real run would rebuild the tables at it, and write it to pg_meta. */
	ctx->capacity = 0;
	err = pins_open(ctx, false);
	ctx->capacity = cap;
	if (err)
		return err;
	if (cap)
		ctx->meta.list_capacity = cap;
	d->live = true;
	return 0;
}

int check_list_id(struct pg_ctx *ctx, struct check_diff *d, int kind, const char *name,
		  unsigned int *id)
{
	unsigned int i;

	if (!name) {
		*id = PG_LIST_MANUAL(kind);
		return 0;
	}
	if (d->live && lists_exists(ctx, kind, name))
		return lists_open(ctx, kind, name, false, id);
	/* A list made earlier in this plan (a restore names it again), kept
	 * by kind in names[]' spare byte: "deny:NAME" would not fit. */
	for (i = PG_LIST_KIND_MAX; i < PG_MAX_LISTS; i++)
		if ((d->fresh >> i & 1) && !strcmp(d->names[i], name) &&
		    (d->kinds >> i & 1) == (uint64_t)kind) {
			*id = i;
			return 0;
		}
	if (d->live) {
		int err = lists_new_id(ctx, kind, name, d->fresh, &i);

		if (err)
			return err;
	} else {
		for (i = PG_LIST_KIND_MAX; i < PG_MAX_LISTS && (d->fresh >> i & 1); i++)
			;
		if (i == PG_MAX_LISTS)
			return p_err("all %d lists are in use; flush one with pktgate flush %s "
				     "--list NAME", PG_MAX_LISTS, pg_list_names[kind]);
	}
	d->fresh |= 1ULL << i;
	d->kinds |= (uint64_t)kind << i;
	snprintf(d->names[i], sizeof(d->names[i]), "%s", name);
	*id = i;
	return 0;
}

static void note(struct check_diff *d, int kind, const struct bulk_ent *m,
		 uint64_t before, uint64_t after, uint64_t queued, uint16_t port_hi, bool head)
{
	uint64_t touch = (before | after) & d->focus;

	for (; touch; touch &= touch - 1) {
		unsigned int l = __builtin_ctzll(touch);
		uint64_t bit = 1ULL << l;
		int fate = !(after & bit) ? CHECK_REMOVE : !(before & bit) ? CHECK_ADD :
			   (queued & bit) ? CHECK_KEEP : CHECK_UNTOUCHED;
		struct check_rec *r;
		uint16_t port;

		if (head)
			d->n[l][fate]++;
		if (fate == CHECK_UNTOUCHED || d->oom)
			continue;
		if (d->nv == d->cap) {
			size_t cap = d->cap ? d->cap * 2 : 256;
			struct check_rec *nv = realloc(d->v, cap * sizeof(*nv));

			if (!nv) {
				d->oom = true;
				continue;
			}
			d->v = nv;
			d->cap = cap;
		}
		r = &d->v[d->nv++];
		memset(r, 0, sizeof(*r));
		r->kind = kind;
		r->fate = fate;
		r->list = l;
		r->fam6 = m->fam6;
		r->tbl = m->tbl;
		tables_key_decode(m->fam6, m->tbl, m->key, r->addr, &r->plen, &r->proto, &port);
		/* Every port of a range is noted: the report joins them. */
		r->port_lo = port;
		r->port_hi = m->tbl == PG_TBL_PORT ? port_hi : 0;
	}
}

void check_note(void *arg, int kind, const struct bulk_ent *m, uint64_t before,
		uint16_t old_hi, uint64_t queued, bool head)
{
	struct check_diff *d = arg;
	uint8_t addr[16], plen, proto;
	uint16_t port;

	if (m->tbl != PG_TBL_PORT || !before || old_hi == m->val.port_hi) {
		note(d, kind, m, before, m->val.lists, queued, m->val.port_hi, head);
		return;
	}
	/* A port range given another end is another rule: the old one goes
	 * from the lists that held it, the new one comes, though the ports
	 * they share keep their keys. */
	tables_key_decode(m->fam6, m->tbl, m->key, addr, &plen, &proto, &port);
	note(d, kind, m, before, 0, 0, old_hi, port == old_hi);
	note(d, kind, m, 0, m->val.lists, queued, m->val.port_hi, head);
}

static struct pg_ctx *sort_ctx;
static struct check_diff *sort_diff;

static const char *list_name(struct pg_ctx *ctx, struct check_diff *d, unsigned int id)
{
	if (d->fresh >> id & 1)
		return d->names[id];
	if (id < PG_LIST_KIND_MAX)
		return PG_LIST_MANUAL_NAME;
	return d->live ? lists_name(ctx, id) : "?";
}

static int rec_cmp(const void *pa, const void *pb)
{
	const struct check_rec *a = pa, *b = pb;
	int c;

	if (a->fate != b->fate)
		return a->fate - b->fate;
	if (a->kind != b->kind)
		return a->kind - b->kind;
	if (a->list != b->list &&
	    (c = strcmp(list_name(sort_ctx, sort_diff, a->list),
			list_name(sort_ctx, sort_diff, b->list))))
		return c;
	if (a->fam6 != b->fam6)
		return a->fam6 - b->fam6;
	if ((c = memcmp(a->addr, b->addr, 16)))
		return c;
	if (a->plen != b->plen)
		return a->plen - b->plen;
	if (a->proto != b->proto)
		return a->proto - b->proto;
	if (a->port_hi != b->port_hi)
		return a->port_hi - b->port_hi;
	return a->port_lo - b->port_lo;
}

/* The ports of one range, sorted together: one record, from its first. */
static bool same_rule(const struct check_rec *a, const struct check_rec *b)
{
	return a->tbl == PG_TBL_PORT && b->tbl == PG_TBL_PORT && a->fate == b->fate &&
	       a->kind == b->kind && a->list == b->list && a->fam6 == b->fam6 &&
	       a->plen == b->plen && a->proto == b->proto && a->port_hi == b->port_hi &&
	       a->port_lo != a->port_hi && !memcmp(a->addr, b->addr, 16);
}

static void entry_row(struct pg_ctx *ctx, struct check_diff *d, const struct check_rec *r)
{
	static const char *const action[] = { "add", "remove", "keep" };
	static const char sign[] = "+-=";
	struct pg_entry e = { .prefix = { .family = r->fam6 ? 6 : 4, .plen = r->plen },
			      .proto = r->proto, .port_lo = r->port_lo, .port_hi = r->port_hi };
	char buf[PG_PREFIX_STRLEN], ports[32];

	memcpy(e.prefix.addr, r->addr, 16);
	pg_prefix_fmt(&e.prefix, buf, sizeof(buf));
	rules_ports_fmt(&e, ports, sizeof(ports));
	out_obj_open(NULL);
	out_text("%c ", sign[r->fate]);
	out_str("action", NULL, action[r->fate]);
	out_str("kind", "%s ", pg_list_names[r->kind]);
	out_str("list_name", "%s ", list_name(ctx, d, r->list));
	out_str("prefix", "%s", buf);
	out_u64("family", NULL, e.prefix.family);
	if (r->proto) {
		out_str("proto", " %s", r->proto == IPPROTO_TCP ? "tcp" : "udp");
		out_u64("port_lo", NULL, r->port_lo);
		out_u64("port_hi", NULL, r->port_hi);
		out_text("%s", strchr(ports, '/') ? strchr(ports, '/') : "");
	} else {
		out_null("proto", NULL, NULL);
	}
	out_text("\n");
	out_obj_close();
}

void check_report(struct pg_ctx *ctx, struct check_diff *d)
{
	size_t tot[CHECK_FATES] = {}, shown = 0;
	bool list;

	for (unsigned int l = 0; l < PG_MAX_LISTS; l++)
		for (int f = 0; f < CHECK_FATES; f++)
			tot[f] += d->n[l][f];
	out_bool("check", NULL, true);
	out_bool("changed", NULL, false);
	out_u64("added", NULL, tot[CHECK_ADD]);
	out_u64("removed", NULL, tot[CHECK_REMOVE]);
	out_u64("kept", NULL, tot[CHECK_KEEP]);
	out_u64("untouched", NULL, tot[CHECK_UNTOUCHED]);
	out_text("%-5s %-24s %9s %9s %9s %9s\n", "KIND", "LIST", "ADD", "REMOVE", "KEEP",
		 "UNTOUCHED");
	out_arr_open("lists");
	for (unsigned int l = 0; l < PG_MAX_LISTS; l++) {
		const size_t *n = d->n[l];
		bool fresh = d->fresh >> l & 1, gone = d->gone >> l & 1;
		int kind = l < PG_LIST_KIND_MAX ? (int)l :
			   fresh ? (int)(d->kinds >> l & 1) : -1;
		char label[PG_LIST_NAME_LEN + 16];

		if (!(d->focus >> l & 1) ||
		    !(fresh || gone || n[0] || n[1] || n[2] || n[3] || l < PG_LIST_KIND_MAX))
			continue;
		if (kind < 0) {
			struct pg_list pl = {};
			__u32 key = l;

			if (d->live)
				bpf_map_lookup_elem(ctx->maps.lists, &key, &pl);
			kind = pl.kind < PG_LIST_KIND_MAX ? pl.kind : 0;
		}
		/* The manual lists of a kind the command does not touch. */
		if (l < PG_LIST_KIND_MAX && !(n[0] || n[1] || n[2] || n[3]) && !d->all_lists)
			continue;
		snprintf(label, sizeof(label), "%s%s", list_name(ctx, d, l),
			 fresh ? " (new)" : gone ? " (removed)" : "");
		out_obj_open(NULL);
		out_str("kind", "%-5s ", pg_list_names[kind]);
		out_str("list_name", NULL, list_name(ctx, d, l));
		out_text("%-24s ", label);
		out_bool("new", NULL, fresh);
		out_bool("removed_list", NULL, gone);
		out_u64("added", " %9llu", n[CHECK_ADD]);
		out_u64("removed", " %9llu", n[CHECK_REMOVE]);
		out_u64("kept", " %9llu", n[CHECK_KEEP]);
		out_u64("untouched", " %9llu\n", n[CHECK_UNTOUCHED]);
		out_obj_close();
	}
	out_arr_close();

	list = out_verbose || tot[CHECK_ADD] + tot[CHECK_REMOVE] + tot[CHECK_KEEP] <= CHECK_LIST_MAX;
	if (d->oom)
		list = false;
	out_bool("entries_listed", NULL, list);
	out_arr_open("changes");
	if (list && d->nv) {
		sort_ctx = ctx;
		sort_diff = d;
		qsort(d->v, d->nv, sizeof(*d->v), rec_cmp);
		for (size_t i = 0; i < d->nv; i++) {
			struct check_rec r = d->v[i];

			while (i + 1 < d->nv && same_rule(&d->v[i], &d->v[i + 1]))
				i++;
			/* A range keeps its first port; its last is port_hi. */
			if (r.tbl == PG_TBL_PORT && r.port_hi && r.port_lo > r.port_hi)
				r.port_lo = r.port_hi;
			entry_row(ctx, d, &r);
			shown++;
		}
	}
	out_arr_close();
	if (!list && tot[CHECK_ADD] + tot[CHECK_REMOVE] + tot[CHECK_KEEP])
		out_text("(%zu entries not listed: give -v to list them)\n",
			 tot[CHECK_ADD] + tot[CHECK_REMOVE] + tot[CHECK_KEEP]);
	out_text("check only: nothing was changed\n");
}

void check_free(struct check_diff *d)
{
	free(d->v);
	d->v = NULL;
	d->nv = d->cap = 0;
}
