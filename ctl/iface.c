// SPDX-License-Identifier: GPL-2.0
/*
 * Interface slots: each interface pktgate has been attached to gets a slot
 * in the counter table, kept after detach so that counters survive
 * re-attach. Interfaces are identified by network namespace and ifindex,
 * since ifindexes repeat across namespaces.
 */
#include <errno.h>
#include <net/if.h>
#include <string.h>

#include <bpf/bpf.h>

#include "attach.h"
#include "ctx.h"
#include "out.h"

int iface_index(struct pg_ctx *ctx, const char *ifname)
{
	unsigned int idx;

	if (!*ifname || strlen(ifname) >= IF_NAMESIZE)
		return p_usage("invalid interface name '%s'", ifname), -1;
	idx = if_nametoindex(ifname);
	if (!idx) {
		if (ctx->netns)
			p_err("no interface '%s' in network namespace '%s'", ifname, ctx->netns);
		else
			p_err("no interface '%s'", ifname);
		return -1;
	}
	return idx;
}

int iface_save(struct pg_ctx *ctx, int slot, const struct pg_iface *rec)
{
	__u32 key = slot;

	if (bpf_map_update_elem(ctx->maps.ifaces, &key, rec, BPF_ANY))
		return p_err("cannot record interface %s: %s", rec->ifname, strerror(errno));
	return 0;
}

static void reset_counters(struct pg_ctx *ctx, int slot)
{
	for (int h = 0; h < PG_HOOK_MAX; h++)
		percpu_zero(ctx, ctx->maps.stats, slot * PG_HOOK_MAX + h,
			    sizeof(struct pg_stats) / sizeof(__u64));
}

int iface_slot(struct pg_ctx *ctx, int ifindex, const char *ifname, bool alloc,
	       struct pg_iface *rec)
{
	int free_slot = -1, stale_slot = -1;

	for (__u32 s = 0; s < PG_MAX_IFACES; s++) {
		struct pg_iface r;

		if (bpf_map_lookup_elem(ctx->maps.ifaces, &s, &r))
			continue;
		if (!r.in_use) {
			if (free_slot < 0)
				free_slot = s;
			continue;
		}
		if (r.netns_ino == ctx->netns_ino && r.ifindex == (__u32)ifindex) {
			*rec = r;
			return s;
		}
		/* A detached interface of this namespace that no longer exists. */
		if (stale_slot < 0 && !r.hooks && r.netns_ino == ctx->netns_ino &&
		    !if_indextoname(r.ifindex, (char[IF_NAMESIZE]){ 0 }))
			stale_slot = s;
	}
	if (!alloc)
		return -1;
	if (free_slot < 0)
		free_slot = stale_slot;
	if (free_slot < 0) {
		p_err("all %d interface slots are in use", PG_MAX_IFACES);
		return -1;
	}
	memset(rec, 0, sizeof(*rec));
	rec->in_use = 1;
	rec->ifindex = ifindex;
	rec->netns_ino = ctx->netns_ino;
	strncpy(rec->ifname, ifname, sizeof(rec->ifname) - 1);
	reset_counters(ctx, free_slot);
	return free_slot;
}
