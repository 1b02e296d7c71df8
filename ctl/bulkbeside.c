// SPDX-License-Identifier: GPL-2.0
/*
 * A small change beside a big compiled tier (a 1k list loaded while a
 * million entries of other lists are compiled) goes to the dynamic tier,
 * so that it costs what it changes rather than a rebuild of every list of
 * the kind. A queued key the compiled tier holds, and a compiled entry of
 * a list being dropped, change that record instead, in a copy of the
 * entry array published by the same switch (the index is kept). Only
 * when no rule of its own is queued, at most one in BESIDE_RATIO compiled
 * records changes (and fewer are left in no list), and for a family it
 * adds to, the dynamic tier then holds at most BESIDE_MAX entries and the
 * compiled tier BESIDE_RATIO times as many live ones (else compiling it
 * all costs little more, and keeps the datapath on one tier). The next
 * change that is not small compiles everything again.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bulk.h"
#include "clock.h"
#include "compile.h"
#include "ctx.h"
#include "vec.h"

#define BESIDE_MAX	16384
#define BESIDE_RATIO	8


static int cedit_cmp(const void *a, const void *b)
{
	const struct bulk_cedit *x = a, *y = b;

	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int cedit_push(struct bulk *b, int f, size_t *cap, struct bulk_cedit e)
{
	if (vec_grow(&b->cedit[f], b->ncedit[f], cap, sizeof(e), 64))
		return -ENOMEM;
	b->cedit[f][b->ncedit[f]++] = e;
	return 0;
}

/* b->v[0..queued): the queued entries; b->v[queued..n): the dynamic
 * tables' entries, as read. On yes, b->cedit[] holds the compiled records
 * to change, sorted, and queued entries of those keys are emptied. */
bool bulk_beside_ok(struct pg_ctx *ctx, struct bulk *b, size_t queued, uint64_t drop_mask,
		      struct bulk_beside *bc)
{
	uint64_t now = mono_now_ns();
	size_t dyn[2] = {}, adds[2] = {};

	memset(bc, 0, sizeof(*bc));
	for (size_t i = 0; i < b->n; i++) {
		const struct bulk_ent *e = &b->v[i];

		if (e->tbl == PG_TBL_PORT)
			continue;
		adds[e->fam6] += i < queued;
		dyn[e->fam6] += i < queued || e->val.lists;
	}
	/* What can be told from the sizes alone, before reading a record. */
	for (int f = 0; f < 2; f++) {
		size_t n = tables_capacity(ctx->maps.list[b->kind][f][PG_TBL_CENT]);

		if (adds[f] && (dyn[f] > BESIDE_MAX || dyn[f] * BESIDE_RATIO > n))
			return false;
	}
	for (int f = 0; f < 2; f++) {
		size_t n, vsz, cap = 0, dead = 0, live0;
		void *p = tables_mmap(ctx->maps.list[b->kind][f][PG_TBL_CENT], &n, &vsz, false);
		int err = p ? 0 : -errno;

		b->ncedit[f] = 0;
		for (size_t i = 1; !err && i < n; i++) {
			const struct pg_rule *r = compile_rule(p, f, i);
			bool live = r->lists && (!r->expires_ns || r->expires_ns > now);

			bc->live[f] += live;
			bc->focus[f] += live && (r->lists & b->focus);
			if (!(r->lists & drop_mask))
				continue;
			if (b->ncedit[f] * BESIDE_RATIO >= n)
				err = -E2BIG;	/* not a small change */
			else
				err = cedit_push(b, f, &cap, (struct bulk_cedit){ .idx = i,
									 .drop = drop_mask });
		}
		for (size_t i = 0; !err && i < queued; i++) {
			struct bulk_ent *e = &b->v[i];
			uint8_t addr[16], plen, proto;
			uint16_t port;
			size_t at;

			if (e->fam6 != f || e->tbl == PG_TBL_PORT)
				continue;
			tables_key_decode(f, e->tbl, e->key, addr, &plen, &proto, &port);
			at = compile_find(p, n, f, addr, plen);
			if (!at)
				continue;
			err = cedit_push(b, f, &cap, (struct bulk_cedit){
				.idx = at, .add = e->val.lists, .expires_ns = e->val.expires_ns,
				.queued = i + 1 });
			dyn[f]--;
		}
		if (!err && b->ncedit[f])	/* qsort of NULL is undefined, even empty */
			qsort(b->cedit[f], b->ncedit[f], sizeof(*b->cedit[f]), cedit_cmp);
		/* Count what the records become. */
		live0 = bc->live[f];
		for (size_t i = 0; !err && i < b->ncedit[f];) {
			size_t j = i;
			struct pg_rule r = *compile_rule(p, f, b->cedit[f][i].idx);
			uint64_t before = r.expires_ns && r.expires_ns <= now ? 0 : r.lists;

			while (j < b->ncedit[f] && b->cedit[f][j].idx == b->cedit[f][i].idx)
				j++;
			bulk_cedit_apply(&b->cedit[f][i], j - i, &r, now);
			bc->live[f] += !!r.lists - !!before;
			bc->focus[f] += !!(r.lists & b->focus) - !!(before & b->focus);
			bc->added += (r.lists & b->focus) && !(before & b->focus);
			bc->removed += !(r.lists & b->focus) && (before & b->focus);
			dead += before && !r.lists;
			i = j;
		}
		tables_munmap(p, n, vsz);
		if (err || b->ncedit[f] * BESIDE_RATIO > live0 || dead * BESIDE_RATIO > bc->live[f] ||
		    (adds[f] && (dyn[f] > BESIDE_MAX || bc->live[f] < BESIDE_RATIO * dyn[f]))) {
			b->ncedit[0] = b->ncedit[1] = 0;
			return false;
		}
	}
	/* Queued entries of compiled keys go into their records, not the
	 * dynamic tier. */
	for (int f = 0; f < 2; f++)
		for (size_t i = 0; i < b->ncedit[f]; i++)
			if (b->cedit[f][i].queued)
				b->v[b->cedit[f][i].queued - 1].val.lists = 0;
	return true;
}

/* Beside: the family's compiled entries with b->cedit[f] applied, in a
 * new entry array (fds[0]); the index stays (fds[1]), its fast leaves of
 * the records that change made plain first, which both generations
 * answer alike. */
int bulk_beside_edit(struct pg_ctx *ctx, struct bulk *b, int f, int fds[TABLES_NCOMPILED])
{
	const int *live = &ctx->maps.list[b->kind][f][PG_TBL_CENT];
	uint64_t now = mono_now_ns();
	size_t n, vsz, ni, ivsz, en = 0, evsz = 0;
	void *p = tables_mmap(live[0], &n, &vsz, false), *ip = tables_mmap(live[1], &ni, &ivsz, true);
	void *ep = NULL;
	int err = p && ip ? 0 : -errno;

	fds[0] = -1;
	fds[1] = live[1];
	if (!err && (fds[0] = tables_create_array(b->kind, f, PG_TBL_CENT, n)) < 0)
		err = fds[0];
	if (!err && !(ep = tables_mmap(fds[0], &en, &evsz, true)))
		err = -errno;
	if (!err) {
		memcpy(ep, p, n * vsz);
		for (size_t i = 0; i < b->ncedit[f];) {
			size_t j = i;
			uint32_t at = b->cedit[f][i].idx;

			while (j < b->ncedit[f] && b->cedit[f][j].idx == at)
				j++;
			compile_unfast(ip, ni, f, compile_rule(p, f, at), at);
			bulk_cedit_apply(&b->cedit[f][i], j - i, compile_rule(ep, f, at), now);
			i = j;
		}
	}
	tables_munmap(ep, en, evsz);
	tables_munmap(p, n, vsz);
	tables_munmap(ip, ni, ivsz);
	if (err && fds[0] >= 0) {
		close(fds[0]);
		fds[0] = -1;
	}
	return err;
}
