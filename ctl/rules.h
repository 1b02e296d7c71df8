/* SPDX-License-Identifier: GPL-2.0 */
/* List entries as the CLI sees them, and the options of the rule commands. */
#ifndef __PKTGATE_RULES_H
#define __PKTGATE_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "cidr.h"
#include "pktgate.h"

struct pg_ctx;

struct pg_entry {
	struct pg_prefix prefix;
	struct pg_rule rule;
	uint64_t hits, bytes, last_hit_ns;	/* filled by list only */
};

struct rule_add_opts {
	uint64_t ttl;
	const char *comment;
};

enum { SORT_PREFIX, SORT_HITS, SORT_BYTES, SORT_LAST_HIT };	/* --sort, table order */

struct rule_list_opts {
	int sort;		/* SORT_*, -1 = by prefix */
};

/* All entries of one list, both families, expired ones included. */
int rules_collect(struct pg_ctx *ctx, int kind, struct pg_entry **out, size_t *n);
uint64_t mono_now_ns(void);
/* Live and expired entries of a list, per family (0: IPv4, 1: IPv6). An
 * expired entry no longer matches but still takes room. */
int rules_count(struct pg_ctx *ctx, int kind, size_t live[2], size_t expired[2]);
/* Order entries by prefix. */
void rules_sort(struct pg_entry *v, size_t n);
/* Remove one entry and free its rule counter; 0 or an exit code. */
int rules_delete(struct pg_ctx *ctx, int kind, const struct pg_entry *e);

#endif
