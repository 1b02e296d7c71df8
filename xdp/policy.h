/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The default policy of one interface and hook (attach --policy,
 * --egress-policy). Under "pass" nothing here runs: the verifier knows
 * cfg_policy_drop is 0 and leaves the code out. Under "drop", a packet
 * that no entry decided is dropped (reason "policy") unless a safety rule
 * passes it; no configuration can take these away:
 *  - neighbour traffic: ARP, and ICMPv6 router solicitation and
 *    advertisement, neighbour solicitation and advertisement, redirect,
 *    MLD (reason "neighbor"), even from a denied address;
 *  - a TCP or UDP packet of a flow the kernel's conntrack has an entry for,
 *    in either direction: replies to the host's own connections, and
 *    connections let in before (reason "established"). The lookup is made
 *    only here, after the allow and deny entries had their say;
 *  - "related": ICMP and ICMPv6 echo replies and error messages
 *    (destination unreachable, packet too big, time exceeded, parameter
 *    problem). The conntrack kfuncs look up TCP and UDP only, so these
 *    pass on their type alone; the host's stack discards an error or a
 *    reply that matches none of its sockets.
 */
#ifndef __PKTGATE_POLICY_H
#define __PKTGATE_POLICY_H

#include <linux/if_ether.h>
#include "verdict.h"

#include "policy_cfg.h"

/* The kernel's own types, as far as these kfuncs need them. */
struct nf_conn {
	unsigned long status;
} __attribute__((preserve_access_index));

struct bpf_ct_opts___pg {
	__s32 netns_id;
	__s32 error;
	__u8 l4proto;
	__u8 dir;
	__u8 reserved[2];
};

#define PG_CT_OPTS_SZ	12	/* the size every kernel with the kfuncs takes */
#define PG_CT_NETNS_HERE (-1)	/* BPF_F_CURRENT_NETNS */

extern struct nf_conn *bpf_xdp_ct_lookup(struct xdp_md *, struct bpf_sock_tuple *, __u32,
					 struct bpf_ct_opts___pg *, __u32) __ksym __weak;
extern struct nf_conn *bpf_skb_ct_lookup(struct __sk_buff *, struct bpf_sock_tuple *, __u32,
					 struct bpf_ct_opts___pg *, __u32) __ksym __weak;
extern void bpf_ct_release(struct nf_conn *) __ksym __weak;

/* The conntrack lookup of a TCP or UDP packet's flow, in this namespace:
 * its tuple and options; returns the tuple's size. */
static __always_inline __u32 pg_ct_tuple(const struct pg_pkt *p, struct bpf_sock_tuple *t,
					 struct bpf_ct_opts___pg *o)
{
	o->netns_id = PG_CT_NETNS_HERE;
	o->l4proto = p->l4proto;
	if (p->family == 4) {
		__builtin_memcpy(&t->ipv4.saddr, p->saddr, 4);
		__builtin_memcpy(&t->ipv4.daddr, p->daddr, 4);
		t->ipv4.sport = p->sport;
		t->ipv4.dport = p->dport;
		return sizeof(t->ipv4);
	}
	__builtin_memcpy(t->ipv6.saddr, p->saddr, 16);
	__builtin_memcpy(t->ipv6.daddr, p->daddr, 16);
	t->ipv6.sport = p->sport;
	t->ipv6.dport = p->dport;
	return sizeof(t->ipv6);
}

static __always_inline int pg_policy_icmp_neighbor(const struct pg_pkt *p)
{
	__u8 t = p->icmp_type;

	return p->family == 6 && p->l4proto == IPPROTO_ICMPV6 &&
	       ((t >= 130 && t <= 137) || t == 143);	/* MLD, RS, RA, NS, NA, redirect, MLDv2 */
}

static __always_inline int pg_policy_icmp_related(const struct pg_pkt *p)
{
	__u8 t = p->icmp_type;

	if (p->family == 4 && p->l4proto == IPPROTO_ICMP)
		return t == 0 || t == 3 || t == 11 || t == 12;
	if (p->family == 6 && p->l4proto == IPPROTO_ICMPV6)
		return t == 129 || (t >= 1 && t <= 4);
	return 0;
}

/* Decide a packet under policy drop, up to the conntrack lookup: 1 if the
 * lookup is to be made (tuple and opts filled), else 0 (reason set). */
static __always_inline int pg_policy_decide(struct pg_hit *h, struct bpf_sock_tuple *t,
					    struct bpf_ct_opts___pg *o)
{
	const struct pg_pkt *p = &h->pkt;
	__u32 r = h->reason;

	if (r == PG_R_NON_IP) {
		h->reason = p->ethertype == bpf_htons(ETH_P_ARP) ? PG_R_NEIGHBOR : PG_R_POLICY;
		return 0;
	}
	if (r == PG_R_DENY) {
		if (pg_policy_icmp_neighbor(p)) {
			h->reason = PG_R_NEIGHBOR;
			h->rule_id = 0;
		}
		return 0;
	}
	if (r != PG_R_DEFAULT && r != PG_R_FRAGMENT && r != PG_R_MALFORMED &&
	    r != PG_R_MALFORMED_DROP)
		return 0;
	h->reason = PG_R_POLICY;
	if (r != PG_R_DEFAULT)
		return 0;
	if (pg_policy_icmp_neighbor(p)) {
		h->reason = PG_R_NEIGHBOR;
		return 0;
	}
	if (pg_policy_icmp_related(p)) {
		h->reason = PG_R_RELATED;
		return 0;
	}
	if (!cfg_ct || (p->l4proto != IPPROTO_TCP && p->l4proto != IPPROTO_UDP))
		return 0;
	pg_ct_tuple(p, t, o);
	return 1;
}

static __always_inline void pg_policy_ct(struct pg_hit *h, struct nf_conn *ct)
{
	if (ct) {
		bpf_ct_release(ct);
		h->reason = PG_R_ESTABLISHED;
	}
}

/* After pg_classify: pg_policy_xdp / pg_policy_tc. Global functions, so
 * that the verifier checks them once, on their own, and a program whose
 * policy is pass (the call is dead code then) pays nothing for them. */
#define PG_DEFINE_POLICY(NAME, CTX, LOOKUP)					\
__attribute__((noinline)) int NAME(CTX *ctx, struct pg_hit *h)			\
{										\
	struct bpf_sock_tuple t = {};						\
	struct bpf_ct_opts___pg o = {};						\
										\
	if (!ctx || !h)								\
		return PG_R_POLICY;						\
	if (pg_policy_decide(h, &t, &o))					\
		pg_policy_ct(h, LOOKUP(ctx, &t, h->pkt.family == 4 ?		\
				       sizeof(t.ipv4) : sizeof(t.ipv6), &o, PG_CT_OPTS_SZ)); \
	return h->reason;							\
}

#define PG_POLICY(h, ctx, NAME)		\
	do {				\
		/* The verifier knows nothing of *h after the call: the	\
		 * reason comes back bounded, as a counter index, and the	\
		 * config pointer is put back. */			\
		if (cfg_policy_drop) {					\
			const struct pg_config *c_ = (h)->cfg;		\
									\
			(h)->reason = NAME(ctx, h) & (PG_R_SLOTS - 1);	\
			(h)->cfg = c_;					\
		}							\
	} while (0)

#endif /* __PKTGATE_POLICY_H */
