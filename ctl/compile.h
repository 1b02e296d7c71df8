/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The compiled tier's builder: address entries of one kind and family in,
 * the two arrays the datapath reads out (entries, and the range index of
 * maps/pktgate.h). Pure computation: no maps, so the unit tests, the
 * benchmark and the fuzzers use it as the CLI does.
 */
#ifndef __PKTGATE_COMPILE_H
#define __PKTGATE_COMPILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pktgate.h"

struct compile_ent {
	uint8_t addr[16];	/* network order, host bits clear */
	uint8_t plen;
	struct pg_rule rule;
};

struct compiled {
	int fam6;
	uint64_t *idx;		/* PG_TBL_CIDX content */
	size_t nidx;		/* elements: blocks of compile_blk_size() bytes */
	void *ents;		/* PG_TBL_CENT content: struct pg_cent_v4/v6 */
	size_t nents;		/* records, the "no entry" record 0 included */
	size_t ranges;		/* ranges in all chunks, for reports */
};

static inline size_t compile_blk_size(int fam6)
{
	return fam6 ? sizeof(union pg_cblk6) : sizeof(union pg_cblk4);
}

static inline size_t compile_ent_size(int fam6)
{
	return fam6 ? sizeof(struct pg_cent_v6) : sizeof(struct pg_cent_v4);
}

/* src[0..n) into dst by address, then prefix length, if src is at most
 * COMPILE_ORDER_RUNS sorted runs (false, dst unchanged, if not): one
 * merging pass instead of a sort. bulk.c's entries are a family's host
 * entries by address, then its prefixes by length and address: one run
 * per prefix length, where a qsort of a million is a fifth of a load. */
#define COMPILE_ORDER_RUNS 256
bool compile_order(const struct compile_ent *src, size_t n, struct compile_ent *dst);

/* Sorts v (by address, then prefix length) unless it is so already, and
 * builds; keys must be unique. 0, -ENOMEM, or -E2BIG past what the index
 * can address. */
int compile_build(int fam6, struct compile_ent *v, size_t n, struct compiled *out);
void compile_free(struct compiled *c);

/* The record of entry i (1..nents-1) of compiled content. */
static inline struct pg_rule *compile_rule(void *ents, int fam6, size_t i)
{
	return (struct pg_rule *)((char *)ents + i * compile_ent_size(fam6));
}

const uint8_t *compile_addr(const void *ents, int fam6, size_t i);
uint32_t compile_parent(const void *ents, int fam6, size_t i);

/* The entry of exactly this prefix in sorted records, 0 if none. */
size_t compile_find(const void *ents, size_t nents, int fam6, const uint8_t *addr, uint8_t plen);

/* The fast leaf (PG_CFAST) that stands for the entry of record rec (a
 * struct pg_cent_v4/v6) in the index, 0 if a hit on it must read rec. */
uint32_t compile_fast_leaf(const void *rec, int fam6);

/* Turns entry e's fast leaves in a live index into e itself, so that its
 * record (rec, as it is now) can change in place next (the datapath then
 * reads it); safe under traffic, since both leaves give the same answer
 * until then. The number of leaves changed. */
size_t compile_unfast(uint64_t *idx, size_t nidx, int fam6, const void *rec, uint32_t e);

/* The leaf the datapath's index lookup finds for addr. */
uint32_t compile_leaf(const uint64_t *idx, size_t nidx, int fam6, const uint8_t *addr);

/* The entry that leaf stands for: the longest prefix covering addr, live
 * or not (0: none). For tests. */
uint32_t compile_lookup(const struct compiled *c, const uint8_t *addr);

#endif
