// SPDX-License-Identifier: GPL-2.0
/* pktgate's XDP program: ingress filtering at the earliest hook. */
#include "verdict.h"
#include "policy.h"
#include "limit.h"
#include "synproxy.h"


PG_DEFINE_POLICY(pg_policy_xdp, struct xdp_md, bpf_xdp_ct_lookup)

SEC("xdp")
int pktgate_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct pg_hit h = {};
	int act;

	pg_classify(data, data_end, PG_MATCH_SRC, &h);
	PG_POLICY(&h, ctx, pg_policy_xdp);
	pg_limit(&h, data_end - data);
	PG_SYNPROXY(&h, ctx);
	/* Branches, not arithmetic: each path ends with a constant, and the
	 * verifier need not track the action back to the reason. */
	act = pg_record(PG_HOOK_XDP, &h, data_end - data);
	if (act == PG_ACT_DROP)
		return XDP_DROP;
	return act == PG_ACT_TX ? XDP_TX : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
