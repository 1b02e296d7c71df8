/* SPDX-License-Identifier: GPL-2.0 */
/* State shared by the pktgate commands: global options and the open maps. */
#ifndef __PKTGATE_CTX_H
#define __PKTGATE_CTX_H

#include <stdbool.h>
#include <stdint.h>

#include "pktgate.h"

#define PG_DEFAULT_PIN_ROOT "/sys/fs/bpf"
#define PG_DEFAULT_PIN_PATH PG_DEFAULT_PIN_ROOT "/pktgate"

struct pg_maps {
	int meta, ifaces, stats, rule_stats, rule_meta;
	int config, top, events, ev_bucket, top_bucket, lists, list_stats;
	/* [allow|deny][v4|v6][table]: the outer (generation) maps, one per
	 * family and table, shared by the kinds; the inner maps of the
	 * generation in use. */
	int outer[PG_LIST_KIND_MAX][2][PG_TBL_MAX];
	int list[PG_LIST_KIND_MAX][2][PG_TBL_MAX];
	int tmpl[2][PG_TBL_MAX];	/* inner-map templates, [v4|v6][table] */
	int protect[2];			/* pg_protect_v4, pg_protect_v6 (protect.c) */
	/* Rate limits and bans (ratelimit.c). */
	int limit_trie[2], limits, limit_state, limit_stats, src_buckets, bans;
};

struct pg_ctx {
	const char *pin_path;
	const char *netns;		/* -n NAME, NULL for the current one */
	const char *command;		/* the command running, for messages */
	uint64_t netns_ino;		/* inode of the network namespace in use */
	unsigned long capacity;		/* --capacity, 0 = keep / default */
	int list_kind;			/* enum pg_list_kind of allow/deny commands */
	bool check_only;		/* validate the command's input, change nothing */
	bool in_ruleset;		/* a line of a rule set: restorable commands only */
	bool check_ifaces;		/* check mode: a named interface must exist (restore --check) */
	int lock_fd;
	int ncpus;
	uint32_t gens;			/* pg_config.gens when the maps were opened */
	struct bulk_collect *collect;	/* restore: add commands queue here instead */
	bool force;			/* --force: no lock-out check (safety.c) */
	unsigned long confirm;		/* --confirm SECONDS: undone unless confirmed */
	struct pg_meta meta;
	struct pg_maps maps;
};

/* main.c: run one command line (as after the global options). */
int pg_run(struct pg_ctx *ctx, int argc, char **argv);

#endif
