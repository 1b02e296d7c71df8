/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Management prefixes (protect add): a packet whose remote peer is in one
 * passes before any list, policy or limit is looked at, so that no entry
 * can lock the operator out. One LPM trie per family, small and rarely
 * changed; pg_config.tables has a bit per family that user space sets
 * before the first insert and clears after the trie empties, so without
 * protect entries this costs one predictable branch on a word pg_classify
 * has already read.
 */
#ifndef __PKTGATE_PROTECT_H
#define __PKTGATE_PROTECT_H

#include "pktgate_maps.bpf.h"
#include "lookup.h"

/* 1 if k->addr (family k->family) is in a protected prefix. A global
 * function, as pg_kind_lookup is: the verifier checks it once, not once
 * per path of the parser that reaches it. */
__attribute__((noinline)) int pg_protected(struct pg_lk *k)
{
	if (!k)
		return 0;
	if (k->family == 4 && (k->tables & PG_PROTECT_BIT(4))) {
		struct pg_lpm_v4 k4 = { .prefixlen = 32 };

		__builtin_memcpy(k4.addr, k->addr, 4);
		return !!bpf_map_lookup_elem(&pg_protect_v4, &k4);
	}
	if (k->family == 6 && (k->tables & PG_PROTECT_BIT(6))) {
		struct pg_lpm_v6 k6 = { .prefixlen = 128 };

		__builtin_memcpy(k6.addr, k->addr, 16);
		return !!bpf_map_lookup_elem(&pg_protect_v6, &k6);
	}
	return 0;
}

#endif /* __PKTGATE_PROTECT_H */
