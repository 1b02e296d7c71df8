/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The datapath's per-CPU counters, read as their own types: summed over
 * the CPUs, so no caller counts u64 words. Which hooks of an interface are
 * in use is decided here too, once for stats, stats --watch and exporter.
 */
#ifndef __PKTGATE_COUNTERS_H
#define __PKTGATE_COUNTERS_H

#include <stdbool.h>
#include <stdint.h>

#include "pktgate.h"

struct pg_ctx;

/* Reads: 0 or a negative errno. */
int ctr_read_stats(struct pg_ctx *ctx, uint32_t slot, int hook, struct pg_stats *out);
/* last_hit_ns: the latest of the CPUs', not a sum. */
int ctr_read_rule(struct pg_ctx *ctx, uint32_t rule_id, struct pg_rule_ctr *out);
int ctr_read_list(struct pg_ctx *ctx, unsigned int list_id, struct pg_ctr *out);
/* The granted and refused counts of a token bucket (pg_ev_bucket layout). */
int ctr_read_bucket(struct pg_ctx *ctx, int fd, struct pg_ev_bucket *out);

/* A token bucket's counts over all CPUs: what it granted and refused. */
int bucket_counts(struct pg_ctx *ctx, int fd, uint64_t *granted, uint64_t *refused);
/* Events emitted and suppressed so far, over all CPUs. */
int events_counts(struct pg_ctx *ctx, uint64_t *emitted, uint64_t *suppressed);

/* The baselines of stats --zero and list --zero (zero.c): arrays as the
 * counters, not per CPU, user space only, pinned by the first reset. */
#define PG_MAP_STATS_ZERO	"pg_stats_zero"
#define PG_MAP_LIST_STATS_ZERO	"pg_list_stats_zero"
#define PG_MAP_RULE_STATS_ZERO	"pg_rule_stats_zero"

/* Fresh counters (and no reset baseline), for a slot, rule id or list id about to be reused: 0 or
 * a negative errno (errno is left as the kernel set it). */
int ctr_zero_stats(struct pg_ctx *ctx, uint32_t slot, int hook);
int ctr_zero_rule(struct pg_ctx *ctx, uint32_t rule_id);
int ctr_zero_list(struct pg_ctx *ctx, unsigned int list_id);

/* Whether pktgate uses hook of an interface, as stats shows it: attached
 * now (rec->hooks), or counted before (st, which may be NULL when the
 * counters are not read). */
bool hook_in_use(const struct pg_iface *rec, int hook, const struct pg_stats *st);

#endif
