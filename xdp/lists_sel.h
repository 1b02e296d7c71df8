/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-interface list selection (attach --lists): the list ids whose
 * entries apply on this program's interface, a read-only global set at
 * load time. An entry in none of them is absent here, exactly as an
 * expired one is (pg_live), so a covering entry of a selected list still
 * matches. With every list selected (the default) the verifier knows the
 * mask is all ones and drops the checks: nothing per packet.
 */
#ifndef __PKTGATE_LISTS_SEL_H
#define __PKTGATE_LISTS_SEL_H

#include <linux/types.h>

const volatile __u64 cfg_lists = ~0ULL;	/* bit per list id that applies here */

/* 1 if list id applies here. */
static __always_inline int pg_sel_has(__u32 id)
{
	return cfg_lists == ~0ULL || ((cfg_lists >> (id & 63)) & 1);
}

/* Index of the lowest set bit of v (v != 0), without a branch. */
static __always_inline __u32 pg_lowest_bit(__u64 v)
{
	__u32 n = 0, s;

	v &= -v;
	s = (((v & 0xffffffffULL) - 1) >> 63) << 5; v >>= s; n += s;
	s = (((v & 0xffffULL) - 1) >> 63) << 4; v >>= s; n += s;
	s = (((v & 0xffULL) - 1) >> 63) << 3; v >>= s; n += s;
	s = (((v & 0xfULL) - 1) >> 63) << 2; v >>= s; n += s;
	s = (((v & 0x3ULL) - 1) >> 63) << 1; v >>= s; n += s;
	s = ((v & 0x1ULL) - 1) >> 63; n += s;
	return n;
}

/* The list a hit on a live entry counts for: the first list holding it,
 * among those that apply here. */
static __always_inline __u8 pg_sel_list(const struct pg_rule *r)
{
	if (pg_sel_has(r->list_id))
		return r->list_id;
	return pg_lowest_bit(r->lists & cfg_lists);
}

#endif /* __PKTGATE_LISTS_SEL_H */
