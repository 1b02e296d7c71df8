/* SPDX-License-Identifier: GPL-2.0 */
/* Reading the top-talker sketch (pg_top), for top and the exporter. */
#ifndef __PKTGATE_TOPTABLE_H
#define __PKTGATE_TOPTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pktgate.h"

struct pg_ctx;

struct talker {
	struct pg_top_key key;
	struct pg_top_val tot;		/* summed over CPUs; last seen: the latest */
	uint64_t d_packets, d_bytes;	/* since the previous reading (top only) */
};

struct top_table {
	struct talker *t;		/* sorted by key, each key once */
	size_t n, cap;
};

struct top_reader {
	struct pg_ctx *ctx;
	__u32 *keys;			/* a batch of row indices */
	void *vals;			/* and of per-CPU rows */
	uint32_t chunk;			/* rows per batch */
	bool no_batch;			/* the kernel has no batch lookup here */
};

/* Replace tb's contents with the sketch as it is now, one entry per
 * address, summed over CPUs; 0 or -errno. Entries that counted nothing are
 * left out. */
int top_table_read(struct top_reader *r, struct top_table *tb);
void top_reader_free(struct top_reader *r);
/* Order of talkers (or keys) by key, for qsort and bsearch. */
int top_key_cmp(const void *a, const void *b);
/* A seed for a program's cfg_top_seed: random, so that no one can aim
 * spoofed sources at the row of an address they want to hide. */
uint64_t top_seed(void);
/* attach --top-sample of an interface record: packets a sample stands for
 * (1: every packet counts), and the draw that makes one (cfg_top_below). */
unsigned int top_every(const struct pg_iface *rec);
uint32_t top_below(unsigned int every);
/* Whether two records ask for the same top-talker counting. */
bool top_same(const struct pg_iface *a, const struct pg_iface *b);

#endif
