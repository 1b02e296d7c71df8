// SPDX-License-Identifier: GPL-2.0
/* pktgate's XDP program: ingress filtering at the earliest hook. */
#include "verdict.h"
#include "policy.h"
#include "limit.h"

PG_DEFINE_POLICY(pg_policy_xdp, struct xdp_md, bpf_xdp_ct_lookup)

SEC("xdp")
int pktgate_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct pg_hit h = {};

	pg_classify(data, data_end, PG_MATCH_SRC, &h);
	PG_POLICY(&h, ctx, pg_policy_xdp);
	pg_limit(&h, data_end - data);
	return pg_record(PG_HOOK_XDP, &h, data_end - data) ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
