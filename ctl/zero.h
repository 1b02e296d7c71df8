/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Counter reset (stats --zero, deny|allow list --zero), like nft reset
 * counters and ipset -Z, without losing a packet: the datapath's per-CPU
 * counters are never written. A reset reads a counter and keeps what it
 * read as the counter's baseline, in a pinned array of its own; stats,
 * lists, list and the watch view show the counter minus its baseline. A
 * packet counted after the read counts after the reset, whichever CPU it
 * ran on: there is no window between a read and a zeroing. The exporter
 * keeps exporting the raw counters, which stay monotonic, as Prometheus'
 * rate() and increase() need.
 */
#ifndef __PKTGATE_ZERO_H
#define __PKTGATE_ZERO_H

#include <stdbool.h>
#include <stdint.h>

struct pg_ctx;

/* pg_stats (slot x hook: every reason's packets, bytes), pg_list_stats
 * (list id: packets, bytes), pg_rule_stats (rule id: packets, bytes, last
 * hit). */
enum zero_kind { ZERO_STATS, ZERO_LISTS, ZERO_RULES, ZERO_KINDS };

/* A counter summed over CPUs (raw, may be NULL) and as shown: minus its
 * baseline. Pairs of words (packets, bytes) are taken apart; a pair below
 * its baseline was reset under it (its slot reused) and shows raw. For
 * rules, the last word is the last-hit time: none if nothing since. */
int zero_read(struct pg_ctx *ctx, int which, uint32_t key, uint64_t *raw, uint64_t *shown);
/* The counter's baseline becomes raw (read by zero_read): it reads 0 now.
 * Needs the exclusive lock (the first reset makes the pinned array). */
int zero_set(struct pg_ctx *ctx, int which, uint32_t key, const uint64_t *raw);
/* A slot or id given out again loses its baseline in ctr_zero_*(). */

#endif
