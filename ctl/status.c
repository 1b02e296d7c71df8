// SPDX-License-Identifier: GPL-2.0
/* status: where pktgate is attached (from the kernel, over netlink) and how
 * full each list is. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/if_link.h>

#include "attach.h"
#include "events.h"
#include "ctx.h"
#include "link.h"
#include "names.h"
#include "out.h"
#include "rules.h"
#include "tables.h"

static void prog_name(__u32 id, char *name, size_t len)
{
	struct bpf_prog_info info = {};
	__u32 ilen = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);

	name[0] = '\0';
	if (fd < 0)
		return;
	if (!bpf_obj_get_info_by_fd(fd, &info, &ilen))
		snprintf(name, len, "%s", info.name);
	close(fd);
}

/* pktgate's XDP program on a link, from what netlink reported: the program
 * itself, or inside a libxdp dispatcher. */
static __u32 our_xdp_id(const struct pg_link *l)
{
	char name[BPF_OBJ_NAME_LEN];

	if (!l->xdp_prog_id)
		return 0;
	prog_name(l->xdp_prog_id, name, sizeof(name));
	if (!strcmp(name, "pktgate_xdp"))
		return l->xdp_prog_id;
	if (!strcmp(name, "xdp_dispatcher"))
		return xdp_prog_id(l->ifindex);
	return 0;
}

static const char *attached_mode(uint8_t attached)
{
	switch (attached) {
	case XDP_ATTACHED_DRV: return "native";
	case XDP_ATTACHED_SKB: return "generic";
	case XDP_ATTACHED_HW: return "offload";
	case XDP_ATTACHED_MULTI: return "multi";
	default: return "none";
	}
}

static void print_attached(struct pg_ctx *ctx, struct pg_link *links, size_t n)
{
	bool any = false;

	out_arr_open("attached");
	for (size_t i = 0; i < n; i++) {
		struct pg_iface rec = {};
		bool have_rec = iface_slot(ctx, links[i].ifindex, links[i].name, false, &rec) >= 0;

		for (int h = 0; h < PG_HOOK_MAX; h++) {
			__u32 id = h == PG_HOOK_XDP ? our_xdp_id(&links[i]) :
				   tc_prog_id(links[i].ifindex, h);

			if (!id)
				continue;
			if (!any)
				out_text("%-16s %7s %-10s %-8s %8s %s\n", "IFACE", "IFINDEX", "HOOK",
					 "MODE", "PROG-ID", "MALFORMED");
			any = true;
			out_obj_open(NULL);
			out_str("ifname", "%-16s ", links[i].name);
			out_u64("ifindex", "%7llu ", links[i].ifindex);
			out_str("hook", "%-10s ", pg_hook_names[h]);
			out_str("mode", "%-8s ", h == PG_HOOK_XDP ?
				attached_mode(links[i].xdp_attached) : "clsact");
			out_u64("prog_id", "%8llu ", id);
			out_bool("drop_malformed", NULL, have_rec && rec.drop_malformed);
			out_text("%s\n", have_rec && rec.drop_malformed ? "drop" : "pass");
			out_obj_close();
		}
	}
	out_arr_close();
	if (!any)
		out_text("pktgate is not attached to any interface%s%s\n",
			 ctx->netns ? " in network namespace " : "", ctx->netns ? ctx->netns : "");
}

/* What one family of a kind holds at most: its address tables' size
 * (each was made with the capacity in force when it was built). */
static uint32_t list_capacity(struct pg_ctx *ctx, int kind, int fam6)
{
	uint32_t x = tables_capacity(ctx->maps.list[kind][fam6][PG_TBL_EXACT]);
	uint32_t v = tables_capacity(ctx->maps.list[kind][fam6][PG_TBL_PREFIX]);

	return x < v ? x : v;
}

static int print_lists(struct pg_ctx *ctx)
{
	out_text("\n%-6s %-6s %10s %10s %10s\n", "LIST", "FAMILY", "ENTRIES", "EXPIRED",
		 "CAPACITY");
	out_arr_open("lists");
	for (int kind = 0; kind < PG_LIST_KIND_MAX; kind++) {
		size_t live[2], expired[2];
		int err = rules_count(ctx, kind, live, expired);

		if (err)
			return p_err("cannot read the %s list: %s", pg_list_names[kind],
				     strerror(-err));
		for (int f = 0; f < 2; f++) {
			out_obj_open(NULL);
			out_str("list", "%-6s ", pg_list_names[kind]);
			out_u64("family", f ? "ipv6   " : "ipv4   ", f ? 6 : 4);
			out_u64("entries", "%10llu ", live[f]);
			out_u64("expired", "%10llu ", expired[f]);
			out_u64("capacity", "%10llu\n", list_capacity(ctx, kind, f));
			out_obj_close();
		}
	}
	out_arr_close();
	return 0;
}

static void print_events(struct pg_ctx *ctx)
{
	struct pg_config cfg = {};
	uint64_t emitted = 0, suppressed = 0, admitted = 0, untracked = 0;
	__u32 key = 0;

	bpf_map_lookup_elem(ctx->maps.config, &key, &cfg);
	events_counts(ctx, &emitted, &suppressed);
	bucket_counts(ctx, ctx->maps.top_bucket, &admitted, &untracked);
	out_obj_open("events");
	out_u64("rate", "\ndrop events: rate %llu/s", cfg.ev_rate);
	out_u64("emitted", ", emitted %llu", emitted);
	out_u64("suppressed", ", suppressed %llu\n", suppressed);
	out_obj_close();
	out_obj_open("top");
	out_u64("rate", "top talkers: new addresses %llu/s", cfg.top_rate);
	out_u64("admitted", ", admitted %llu", admitted);
	out_u64("untracked", ", packets untracked %llu\n", untracked);
	out_obj_close();
}

int do_status(struct pg_ctx *ctx, void *optp, int argc, char **argv)
{
	struct pg_link *links = NULL;
	size_t n = 0;
	int err;

	(void)optp;
	(void)argc;
	(void)argv;
	err = pins_open(ctx, false);
	if (err)
		return err;
	err = link_dump(&links, &n);
	if (err)
		return p_err("cannot list interfaces over netlink: %s", strerror(-err));

	out_obj_open(NULL);
	out_str("pin_path", "pins: %s", ctx->pin_path);
	out_u64("schema", " (schema v%llu)\n\n", ctx->meta.schema_version);
	print_attached(ctx, links, n);
	err = print_lists(ctx);
	if (!err)
		print_events(ctx);
	out_obj_close();
	free(links);
	return err;
}
