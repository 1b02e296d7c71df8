// SPDX-License-Identifier: GPL-2.0
/*
 * pktgate's TC (clsact, direct-action) programs. They share the parser,
 * the verdict logic and the pinned maps with the XDP program. An entry
 * names the remote peer: on ingress that is the source address, on egress
 * the destination.
 */
#include <linux/pkt_cls.h>

#include "verdict.h"
#include "policy.h"
#include "limit.h"

PG_DEFINE_POLICY(pg_policy_tc, struct __sk_buff, bpf_skb_ct_lookup)

/* Enough for Ethernet, two VLAN tags, IPv6 with a long extension header
 * chain and a TCP header with options. */
#define PG_TC_PULL_LEN 512

static __always_inline int pg_tc(struct __sk_buff *skb, enum pg_hook hook, enum pg_match m)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct pg_hit h = {};

	pg_classify(data, data_end, m, &h);
	/* Headers of a non-linear skb may reach past its linear part. Pull them
	 * in only then: pulling can copy and un-clone the skb. */
	if ((h.reason == PG_R_MALFORMED || h.reason == PG_R_MALFORMED_DROP) &&
	    data_end - data < skb->len &&
	    !bpf_skb_pull_data(skb, skb->len < PG_TC_PULL_LEN ? skb->len : PG_TC_PULL_LEN)) {
		h = (struct pg_hit){};
		pg_classify((void *)(long)skb->data, (void *)(long)skb->data_end, m, &h);
	}
	PG_POLICY(&h, skb, pg_policy_tc);
	pg_limit(&h, skb->len);
	/* TC answers nothing: never PG_ACT_TX (cfg_syncookie is 0). */
	return pg_record(hook, &h, skb->len) == PG_ACT_DROP ? TC_ACT_SHOT : TC_ACT_OK;
}

SEC("tc")
int pktgate_tc_in(struct __sk_buff *skb)
{
	return pg_tc(skb, PG_HOOK_TC_INGRESS, PG_MATCH_SRC);
}

SEC("tc")
int pktgate_tc_eg(struct __sk_buff *skb)
{
	return pg_tc(skb, PG_HOOK_TC_EGRESS, PG_MATCH_DST);
}

char LICENSE[] SEC("license") = "GPL";
