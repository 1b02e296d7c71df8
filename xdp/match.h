/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Match keys (maps/pktgate.h, "Match keys"): port-table entries whose
 * selector is not 0 name the source or the destination address whatever
 * the hook, or the source port, and ICMP/ICMPv6 entries name a type.
 * Included by lookup.h, whose tables and liveness walk they share.
 *
 * Cost: pg_match_prep() fills what these lookups need only while
 * pg_config.sels says some kind holds such entries, and a kind looks at
 * them only when its other tables found nothing and its bits are set.
 * Each address selector's lookups are a global function, checked by the
 * verifier once, whatever calls it.
 */
#ifndef __PKTGATE_MATCH_H
#define __PKTGATE_MATCH_H

/* The selectors other than 0 of one kind and family. */
#define PG_SEL_KIND_MASK(k, F) \
	(PG_SEL_BIT((k)->kind, F, 0) * (0xffu & ~1u))
#define PG_SEL_HAS(k, F, sel)	((k)->sels & PG_SEL_BIT((k)->kind, F, sel))

/* The keys of one address selector (PG_SEL_REMOTE, _SRC or _DST), first
 * match wins: its destination port or ICMP type, its protocol with any
 * port, its source port, then the address alone (the remote peer's
 * address alone is in the address tables, looked at first). Within each,
 * the longest live prefix. */
#define PG_DEFINE_MATCH(F, ALEN)						\
__attribute__((noinline)) int pg_match_v##F(struct pg_lk *k, __u32 asel)	\
{										\
	const struct pg_rule *r = 0;						\
	struct pg_port_v##F key = {};						\
	void *t;								\
										\
	if (!k || k->kind >= PG_LIST_KIND_MAX || asel > PG_SEL_DST)		\
		return 0;							\
	t = PG_GEN(pg_tbl_p##F, k);				\
	if (!t)									\
		return 0;							\
	/* The remote peer is the source on ingress, the destination on	\
	 * egress; k->local is the other one. */				\
	if (asel == PG_SEL_REMOTE || (asel == PG_SEL_SRC) == !k->egress)	\
		__builtin_memcpy(key.addr, k->addr, ALEN);			\
	else									\
		__builtin_memcpy(key.addr, k->local, ALEN);			\
	if (asel != PG_SEL_REMOTE && PG_SEL_HAS(k, F, asel)) {			\
		key.sel = asel;							\
		if (k->ports) {							\
			key.prefixlen = PG_PORT_KEY_BITS + (ALEN) * 8;		\
			key.proto = k->l4proto;					\
			key.port[0] = k->dport[0];				\
			key.port[1] = k->dport[1];				\
			r = pg_lpm_live(t, &key, (ALEN) * 8, PG_PORT_KEY_BITS, k); \
		}								\
		if (!r && k->l4) {						\
			key.prefixlen = PG_PORT_KEY_BITS + (ALEN) * 8;		\
			key.proto = k->l4proto;					\
			key.port[0] = key.port[1] = 0;				\
			r = pg_lpm_live(t, &key, (ALEN) * 8, PG_PORT_KEY_BITS, k); \
		}								\
	}									\
	if (!r && k->ports && PG_SEL_HAS(k, F, asel | PG_SEL_SPORT)) {		\
		key.sel = asel | PG_SEL_SPORT;					\
		key.prefixlen = PG_PORT_KEY_BITS + (ALEN) * 8;			\
		key.proto = k->l4proto;						\
		key.port[0] = k->sport[0];					\
		key.port[1] = k->sport[1];					\
		r = pg_lpm_live(t, &key, (ALEN) * 8, PG_PORT_KEY_BITS, k);	\
	}									\
	if (!r && asel != PG_SEL_REMOTE && PG_SEL_HAS(k, F, asel)) {		\
		key.sel = asel;							\
		key.prefixlen = PG_PORT_KEY_BITS + (ALEN) * 8;			\
		key.proto = 0;							\
		key.port[0] = key.port[1] = 0;					\
		r = pg_lpm_live(t, &key, (ALEN) * 8, PG_PORT_KEY_BITS, k);	\
	}									\
	if (!r)									\
		return 0;							\
	pg_lk_take(k, r);							\
	return 1;								\
}

/* After pg_kind_lookup() found nothing: the remote peer's source port,
 * then the source address, then the destination address. Called by the
 * program, not by pg_kind_lookup(), so that the calls stay within the
 * stack the verifier allows. 1 if an entry matched (in k). */
int pg_match_v4(struct pg_lk *k, __u32 asel);
int pg_match_v6(struct pg_lk *k, __u32 asel);

static __always_inline int pg_match_kind(struct pg_lk *k)
{
	if (k->family == 4 && (k->sels & PG_SEL_KIND_MASK(k, 4)))
		return pg_match_v4(k, PG_SEL_REMOTE) || pg_match_v4(k, PG_SEL_SRC) ||
		       pg_match_v4(k, PG_SEL_DST);
	if (k->family == 6 && (k->sels & PG_SEL_KIND_MASK(k, 6)))
		return pg_match_v6(k, PG_SEL_REMOTE) || pg_match_v6(k, PG_SEL_SRC) ||
		       pg_match_v6(k, PG_SEL_DST);
	return 0;
}

/* What one packet's lookups need: ports (TCP/UDP) or the ICMP type as a
 * port key, and, while match keys are in use, the other address and the
 * source port. egress: the remote peer is the destination. */
static __always_inline void pg_match_prep(struct pg_lk *k, const struct pg_pkt *p,
					  int parsed, int egress, __u32 sels)
{
	__u8 l4 = parsed && p->frag != PG_FRAG_LATER;

	__builtin_memcpy(k->dport, &p->dport, 2);
	k->ports = l4 && (p->l4proto == IPPROTO_TCP || p->l4proto == IPPROTO_UDP);
	if (l4 && (p->l4proto == IPPROTO_ICMP || p->l4proto == IPPROTO_ICMPV6)) {
		__u16 port = bpf_htons(PG_ICMP_TYPE_PORT(p->icmp_type));

		__builtin_memcpy(k->dport, &port, 2);
		k->ports = 1;
	}
	k->sels = sels;
	if (!sels)
		return;
	k->l4 = l4;
	k->egress = egress;
	__builtin_memcpy(k->sport, &p->sport, 2);
	__builtin_memcpy(k->local, egress ? p->saddr : p->daddr, 16);
}

#endif /* __PKTGATE_MATCH_H */
