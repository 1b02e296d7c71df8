/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Whole-kind changes (load, replace, flush of a list, restore): the new
 * content of every table of a kind is built in fresh maps and published
 * with one generation switch, so the datapath sees the old set or the new
 * one and never a mix, and a change that does not fit changes nothing.
 */
#ifndef __PKTGATE_BULK_H
#define __PKTGATE_BULK_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cidr.h"
#include "tables.h"

struct pg_ctx;

struct bulk_ent {
	uint8_t fam6, tbl;
	uint8_t src;		/* 0: in the maps now, 1: being added */
	uint8_t pad;
	uint32_t rule;		/* being added: 1 + index in bulk.rules, 0 = counted per list only */
	uint8_t key[PG_KEY_MAX];
	struct pg_rule val;
	uint64_t before;	/* in the maps: the lists that held it live */
};

/* A rule with its own counters (added with add, or restored). */
struct bulk_rule {
	struct pg_rule_meta meta;
	uint32_t rule_id;	/* chosen while applying */
	bool referenced;	/* some entry of the result is this rule's */
};

struct check_diff;
struct bulk_ent;

/* Check mode's observer (check.c): each merged entry (a port range key by
 * key, head = the key it counts at), the lists that held it live before
 * and its port range's end then, and the lists the queued entries name. */
typedef void bulk_note_fn(void *arg, int kind, const struct bulk_ent *m, uint64_t before,
			  uint16_t old_hi, uint64_t queued, bool head);

/* A change of one compiled record (beside, see bulk.c): drop some lists,
 * add a queued entry's. */
struct bulk_cedit {
	uint32_t idx;		/* record in PG_TBL_CENT */
	uint64_t drop, add;	/* list bits */
	uint64_t expires_ns;	/* of the added entry */
	size_t queued;		/* 1 + index of the added entry in b->v, 0: a drop */
};

struct bulk {
	int kind;
	uint64_t focus;		/* the lists added and removed are counted for */
	bulk_note_fn *note;	/* check mode: told each entry's fate (bulk_plan) */
	void *note_arg;
	bool empty_now;		/* check mode without pins: the kind holds nothing yet */
	struct bulk_ent *v;
	size_t n, cap;
	struct bulk_rule *rules;
	size_t nrules, rcap;
	/* Prepared, not yet published (bulk_prepare): */
	bool ready;
	int fds[2][PG_TBL_MAX];	/* the new tables (or the live one, kept) */
	uint32_t bits;		/* PG_TABLE_BIT()s of the new non-empty tables */
	uint32_t sels;		/* PG_SEL_BIT()s their port-scoped keys use */
	bool beside;		/* small, beside a big compiled tier: into the
				 * dynamic tier, the compiled tables kept */
	struct bulk_cedit *cedit[2];	/* beside: compiled records to change */
	size_t ncedit[2];
	uint8_t *used, *was;	/* rule ids after, and before */
};

struct bulk_result {
	size_t entries[2];	/* entries of the kind afterwards, IPv4 / IPv6 */
	size_t listed[2];	/* of which in a focus list */
	size_t added;		/* entries new to the focus lists */
	size_t removed;		/* entries the focus lists no longer hold */
};

/* restore: what its add lines queue, per kind, to apply in one switch. */
struct bulk_collect {
	struct pg_ctx *ctx;	/* maps open under the exclusive lock */
	struct check_diff *plan;	/* restore --check: lists are looked up, not made */
	struct bulk b[PG_LIST_KIND_MAX];
	uint64_t lists;		/* the lists named, both kinds */
	uint32_t *port_rules;	/* port-scoped rules: index in b[kind].rules << 1 | kind */
	size_t nport, pcap;
};

/* bulkset.c. Put b->v in key order (fam6, table, key); of equal keys,
 * the entries read from the maps (b->v[queued..n)) come first, then the
 * queued ones (b->v[0..queued)) in queue order. */
int bulk_sort(struct bulk *b, size_t queued);
/* On sorted b->v: one entry per key, holding the lists of every entry of
 * that key, the latest expiry of them (0 = never wins), the last queued
 * rule; keys left in no list are dropped. Counts into res what the focus
 * lists gain and lose. Returns the new b->n. */
size_t bulk_merge(struct bulk *b, struct bulk_result *res);

/* bulkset.c. What the edits e[0..n) of one compiled record make of it,
 * by bulk_merge's rules for an entry read from the maps and the entries
 * queued with its key: drop lists (an entry whose TTL ran out at now is
 * in none), then add the queued ones, with the latest expiry. */
void bulk_cedit_apply(const struct bulk_cedit *e, size_t n, struct pg_rule *r, uint64_t now);

/* bulkbeside.c: a small change beside a big compiled tier, which goes to
 * the dynamic tier and changes the compiled records it shares or drops in
 * copies, the index kept, rather than compiling the kind again. */
struct bulk_beside {
	size_t live[2];		/* compiled entries in a list, TTL not run out */
	size_t focus[2];	/* of which in a focus list */
	size_t added, removed;	/* focus entries the compiled tier gains, loses */
};
/* On b->v[0..queued) queued and the dynamic tables' entries after them:
 * whether the change is small beside the compiled tier; if so, fills
 * b->cedit[] (sorted) and empties the queued entries of compiled keys. */
bool bulk_beside_ok(struct pg_ctx *ctx, struct bulk *b, size_t queued, uint64_t drop_mask,
		    struct bulk_beside *bc);
/* The family's compiled tier with b->cedit[f] applied: a new entry array
 * in fds[0], the live index in fds[1]. */
int bulk_beside_edit(struct pg_ctx *ctx, struct bulk *b, int f, int fds[TABLES_NCOMPILED]);

/* Room for more entries, to be queued next. */
int bulk_reserve(struct bulk *b, size_t more);
/* Queue an entry of list_id: a prefix, or with a scope (scope.h: a
 * protocol and port range, match keys) its keys. comment != NULL or
 * counted gives it its own rule id and counters. expires_ns is
 * CLOCK_MONOTONIC, 0 = never. */
struct pg_scope;
int bulk_add(struct bulk *b, const struct pg_prefix *p, const struct pg_scope *sc,
	     unsigned int list_id, uint64_t expires_ns, const char *comment, bool counted);
/* PG_SEL_BIT()s of the selectors a kind's port-scoped keys use. */
uint32_t bulk_sel_bits(const struct bulk *b);
/* Make the kind hold: the entries there now, minus the lists in drop_mask
 * (and minus expired entries), plus the queued ones. bulk_apply is
 * bulk_prepare (everything that can fail for want of room: new tables
 * built and filled, nothing live touched) then bulk_commit (the switch);
 * bulk_abort undoes a prepare. A prepared kind must be committed or
 * aborted before another change of the same kind. */
int bulk_apply(struct pg_ctx *ctx, struct bulk *b, uint64_t drop_mask, struct bulk_result *res);
int bulk_prepare(struct pg_ctx *ctx, struct bulk *b, uint64_t drop_mask, struct bulk_result *res);
int bulk_commit(struct pg_ctx *ctx, struct bulk *b);
/* Check mode: what bulk_prepare would make of the kind (res, b->note),
 * with the same refusals (capacity), touching no map at all. */
int bulk_plan(struct pg_ctx *ctx, struct bulk *b, uint64_t drop_mask, struct bulk_result *res);
/* Commit prepared kinds in one switch (restore: allow and deny at once). */
int bulk_commit_all(struct pg_ctx *ctx, struct bulk **bs, int nb);
void bulk_abort(struct pg_ctx *ctx, struct bulk *b);
void bulk_free(struct bulk *b);

/* Hold off Ctrl-C and termination while a change is built and switched
 * (bulk_apply does): a change then happens in full or not at all, and
 * leaves no rule ids taken by an interrupted run. */
void bulk_signals(bool hold, sigset_t *saved);

/* Free inner maps without stalling the caller: a low-priority child
 * empties them in chunks, then closes them. The fds are closed here. */
void bulk_release(int *fds, int n);

#endif
