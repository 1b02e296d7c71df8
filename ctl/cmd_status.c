// SPDX-License-Identifier: GPL-2.0
/* status: where pktgate is attached, in every namespace (the interface table
 * checked against the kernel), and how full each list is. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "counters.h"
#include "confirm.h"
#include "policy.h"
#include "syncookie.h"
#include "toptable.h"
#include "ctx.h"
#include "iface.h"
#include "names.h"
#include "opts.h"
#include "out.h"
#include "pins.h"
#include "protect.h"
#include "ratelimit.h"
#include "rules.h"
#include "tables.h"

/* Every attachment the interface table has, in every namespace (as stats
 * and save --all list them), each checked against the kernel by
 * iface_table_read(). */
static void print_attached(struct pg_ctx *ctx, const struct iface_table *t)
{
	bool any = false;

	out_arr_open("attached");
	for (int i = 0; i < t->n; i++) {
		const struct iface_entry *e = &t->e[i];
		const struct pg_iface *rec = &e->rec;

		if (e->state != IFACE_ATTACHED)
			continue;
		for (int h = 0; h < PG_HOOK_MAX; h++) {
			if (!(rec->hooks & PG_HOOK_BIT(h)))
				continue;
			if (!any)
				out_text("%-16s %7s %-10s %-8s %8s %-9s %-6s %-12s %-9s %s\n", "IFACE",
					 "IFINDEX", "HOOK", "MODE", "PROG-ID", "MALFORMED", "POLICY",
					 "LISTS", "SYNCOOKIE", "NETNS");
			any = true;
			out_obj_open(NULL);
			out_str("ifname", "%-16s ", rec->ifname);
			out_u64("ifindex", "%7llu ", rec->ifindex);
			out_str("hook", "%-10s ", pg_hook_names[h]);
			out_str("mode", "%-8s ", h == PG_HOOK_XDP ? pg_xdp_mode_name(rec->xdp_mode) :
				"clsact");
			out_u64("prog_id", "%8llu ", rec->prog_id[h]);
			out_bool("drop_malformed", NULL, rec->drop_malformed);
			out_text("%-9s ", rec->drop_malformed ? "drop" : "pass");
			out_bool("top", NULL, !rec->no_top);
			out_u64("top_sample", NULL, top_every(rec));
			{
				char names[PG_MAX_LISTS * PG_LIST_NAME_LEN];
				bool drop = rec->policy_drop & PG_HOOK_BIT(h);

				policy_lists_names(ctx, rec->lists, false, names, sizeof(names));
				out_str("policy", NULL, drop ? "drop" : "pass");
				out_bool("stateless", NULL, drop && rec->stateless);
				out_text("%-6s ", drop ? rec->stateless ? "drop-s" : "drop" : "pass");
				out_str("lists", "%-12s ", names);
			}
			{
				/* Only the XDP program answers SYNs. */
				static const __u16 none[PG_SYN_PORTS];
				const __u16 *p = h == PG_HOOK_XDP ? rec->syn_ports : none;
				char ports[PG_SYN_PORTS * 6 + 1];

				syncookie_print(p, false);
				syncookie_names(p, ports, sizeof(ports));
				out_text("%-9s ", ports[0] ? ports : "-");
			}
			out_u64("netns_ino", NULL, rec->netns_ino);
			out_bool("this_netns", NULL, e->here);
			if (e->netns[0])
				out_str("netns", "%s", e->netns);
			else
				out_null("netns", "%s", e->here ? "-" : e->ns_lost ? "(gone)" : "(other)");
			out_text("\n");
			out_obj_close();
		}
	}
	out_arr_close();
	if (!any)
		out_text("pktgate is not attached to any interface\n");
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

static int do_status(struct pg_ctx *ctx, void *optp, int argc, char **argv)
{
	struct iface_table *t;
	int err;

	(void)optp;
	(void)argc;
	(void)argv;
	err = pins_open(ctx, false);
	if (err)
		return err;
	t = iface_table_read(ctx);
	if (!t)
		return PG_EXIT_ERR;

	out_obj_open(NULL);
	out_str("pin_path", "pins: %s", ctx->pin_path);
	out_u64("schema", " (schema v%llu)\n\n", ctx->meta.schema_version);
	print_attached(ctx, t);
	err = print_lists(ctx);
	if (!err)
		print_events(ctx);
	if (!err)
		err = protect_status(ctx);
	if (!err)
		err = limits_status(ctx);
	if (!err)
		confirm_status(ctx);
	out_obj_close();
	free(t);
	return err;
}

const struct pg_cmd pg_cmd_status = {
	.name = "status", .help = "where pktgate is attached and how full the lists are",
	.run = do_status,
};
