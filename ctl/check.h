/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Check mode (load --check, restore --check), like nft -c: the input is
 * read and checked in full, the kind's new content is planned as the real
 * run would make it (bulk_plan), with the same refusals, and what would be
 * added, removed and kept is reported per list. Nothing is written.
 */
#ifndef __PKTGATE_CHECK_H
#define __PKTGATE_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pktgate.h"

struct pg_ctx;
struct bulk_ent;

/* An entry's fate in one list. "kept": the input names it and the list
 * holds it already (it keeps its rule id and counters); "untouched": the
 * list holds it, the input does not name it and it stays (load without
 * --replace). */
enum check_fate { CHECK_ADD, CHECK_REMOVE, CHECK_KEEP, CHECK_UNTOUCHED, CHECK_FATES };

struct check_rec {
	uint8_t kind, fate, list, fam6;
	uint8_t tbl, plen, proto, pad;
	uint16_t port_lo, port_hi;
	uint32_t rule_id;	/* port range from its metadata when port_lo is unknown */
	uint8_t addr[16];
};

struct check_diff {
	bool live;		/* the pins exist: the plan starts from what they hold */
	uint64_t focus;		/* lists reported on */
	uint64_t fresh;		/* lists the run would make */
	uint64_t gone;		/* lists the run would remove (restore) */
	uint64_t kinds;		/* of the fresh lists: 1 = deny */
	bool all_lists;		/* restore: both manual lists are reported */
	size_t n[PG_MAX_LISTS][CHECK_FATES];
	char names[PG_MAX_LISTS][PG_LIST_NAME_LEN];	/* lists that do not exist yet */
	struct check_rec *v;	/* added, removed and kept entries */
	size_t nv, cap;
	bool oom;
};

/* Open the pins for reading if they exist (nothing is made); else the
 * plan starts from empty tables. The capacity in force for the plan is
 * --capacity if given, as the real run would use. */
int check_open(struct pg_ctx *ctx, struct check_diff *d);
/* The id list NAME (NULL: manual) of a kind has, or would get: a list that
 * does not exist takes the free id the real run would give it. */
int check_list_id(struct pg_ctx *ctx, struct check_diff *d, int kind, const char *name,
		  unsigned int *id);
/* The bulk_note_fn of check mode (arg: the check_diff): an entry's fate
 * in each list it was or will be in, counted at the head of its rule. */
void check_note(void *arg, int kind, const struct bulk_ent *m, uint64_t before,
		uint16_t old_hi, uint64_t queued, bool head);
/* The report: per list, then (with -v, or if there are few) the entries.
 * Called inside the command's JSON object. */
void check_report(struct pg_ctx *ctx, struct check_diff *d);
void check_free(struct check_diff *d);

#endif
