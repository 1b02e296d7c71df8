/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Verdict logic shared by the XDP and TC programs: list lookups with TTL,
 * precedence (allow > deny > default), and the single exit that records
 * every verdict in the per-CPU counters.
 *
 * Each program instance is loaded for one interface and hook; its slot in
 * the counter table and its options are read-only globals set at load time,
 * so no per-packet lookup is spent finding them.
 */
#ifndef __PKTGATE_VERDICT_H
#define __PKTGATE_VERDICT_H

#include "pktgate_maps.bpf.h"
#include "parse.h"

const volatile __u32 cfg_slot = 0;		/* interface slot, < PG_MAX_IFACES */
const volatile __u8 cfg_drop_malformed = 0;

/* Which address an entry names: the remote peer. That is the source on
 * ingress and the destination on egress. */
enum pg_match { PG_MATCH_SRC, PG_MATCH_DST };

struct pg_hit {
	__u32 reason;
	__u32 rule_id;
	__u64 now;		/* clock read once per packet, only if needed */
};

static __always_inline __u64 pg_now(struct pg_hit *h)
{
	if (!h->now)
		h->now = bpf_ktime_get_coarse_ns();
	return h->now;
}

/* An expired entry is absent: look again with a shorter prefix, so that a
 * live covering entry of the same list still matches. Each round strictly
 * shortens the prefix, so max_prefixlen + 1 rounds always suffice. */
#define PG_LOOKUP_LIVE(map, key, max_plen, h)				\
	({								\
		const struct pg_rule *__r = 0;				\
		for (int __i = 0; __i <= (max_plen); __i++) {		\
			__r = bpf_map_lookup_elem(map, key);		\
			if (!__r || !__r->expires_ns ||			\
			    __r->expires_ns > pg_now(h))		\
				break;					\
			if (!__r->prefixlen) {				\
				__r = 0;				\
				break;					\
			}						\
			(key)->prefixlen = __r->prefixlen - 1;		\
			__r = 0;					\
		}							\
		__r;							\
	})

static __always_inline const struct pg_rule *
pg_lookup(const struct pg_pkt *p, enum pg_match m, int deny, struct pg_hit *h)
{
	const __u8 *addr = m == PG_MATCH_SRC ? p->saddr : p->daddr;

	if (p->family == 4) {
		struct pg_lpm_v4 k = { .prefixlen = 32 };

		__builtin_memcpy(k.addr, addr, 4);
		return deny ? PG_LOOKUP_LIVE(&pg_deny_v4, &k, 32, h)
			    : PG_LOOKUP_LIVE(&pg_allow_v4, &k, 32, h);
	} else {
		struct pg_lpm_v6 k = { .prefixlen = 128 };

		__builtin_memcpy(k.addr, addr, 16);
		return deny ? PG_LOOKUP_LIVE(&pg_deny_v6, &k, 128, h)
			    : PG_LOOKUP_LIVE(&pg_allow_v6, &k, 128, h);
	}
}

/* Decide why a packet gets its verdict. Address rules apply whenever the
 * addresses could be read, even if what follows is truncated: otherwise a
 * denied sender could slip through by mangling its L4 header. */
static __always_inline void
pg_classify(void *data, void *end, enum pg_match m, struct pg_hit *h)
{
	struct pg_pkt p = {};
	const struct pg_rule *r;
	int res;

	res = pg_parse(data, end, &p);
	if (res == PG_PARSE_NON_IP) {
		h->reason = PG_R_NON_IP;
		return;
	}
	if (res == PG_PARSE_BAD_L3)
		goto malformed;

	r = pg_lookup(&p, m, 0, h);
	if (r) {
		h->reason = PG_R_ALLOW;
		h->rule_id = r->rule_id;
		return;
	}
	r = pg_lookup(&p, m, 1, h);
	if (r) {
		h->reason = PG_R_DENY;
		h->rule_id = r->rule_id;
		return;
	}
	if (res == PG_PARSE_BAD_L4)
		goto malformed;
	h->reason = p.frag == PG_FRAG_LATER ? PG_R_FRAGMENT : PG_R_DEFAULT;
	return;
malformed:
	h->reason = cfg_drop_malformed ? PG_R_MALFORMED_DROP : PG_R_MALFORMED;
}

/* The single exit: count the verdict, return 1 to drop, 0 to pass. */
static __always_inline int pg_record(enum pg_hook hook, struct pg_hit *h, __u64 bytes)
{
	__u32 key = cfg_slot * PG_HOOK_MAX + hook;
	struct pg_stats *s;
	__u32 reason = h->reason;

	s = bpf_map_lookup_elem(&pg_stats, &key);
	if (s && reason < PG_R_MAX) {
		s->reason[reason].packets++;
		s->reason[reason].bytes += bytes;
	}
	if (h->rule_id) {
		__u32 id = h->rule_id;
		struct pg_rule_ctr *rc = bpf_map_lookup_elem(&pg_rule_stats, &id);

		if (rc) {
			rc->packets++;
			rc->bytes += bytes;
			rc->last_hit_ns = pg_now(h);
		}
	}
	return PG_REASON_DROPS(reason);
}

#endif /* __PKTGATE_VERDICT_H */
