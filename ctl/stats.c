// SPDX-License-Identifier: GPL-2.0
/* stats: packets and bytes per interface, hook and verdict reason, summed
 * over the per-CPU counters. */
#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>

#include "ctx.h"
#include "names.h"
#include "out.h"
#include "stats.h"

#define STATS_WORDS (sizeof(struct pg_stats) / sizeof(__u64))

static void print_ctr(const char *key, const char *label, uint64_t pk, uint64_t by)
{
	out_obj_open(key);
	out_text("  %-12s %-16s", "", label);
	out_u64("packets", " %14llu", pk);
	out_u64("bytes", " %16llu\n", by);
	out_obj_close();
}

static int print_hook(struct pg_ctx *ctx, int slot, int hook, const struct pg_iface *rec)
{
	struct pg_stats s;
	uint64_t pass_pk = 0, pass_by = 0, drop_pk = 0, drop_by = 0;
	int err;

	err = percpu_sum(ctx, ctx->maps.stats, slot * PG_HOOK_MAX + hook, (uint64_t *)&s,
			 STATS_WORDS, false);
	if (err)
		return p_err("cannot read counters: %s", strerror(-err));

	out_obj_open(NULL);
	out_str("hook", "  %s", pg_hook_names[hook]);
	out_bool("attached", NULL, rec->hooks & (1 << hook));
	out_text(" (%s)\n", rec->hooks & (1 << hook) ? "attached" : "not attached");
	out_obj_open("reasons");
	for (int r = 0; r < PG_R_MAX; r++) {
		struct pg_ctr *c = &s.reason[r];

		out_obj_open(pg_reason_names[r]);
		out_text("  %-12s %-16s", "", pg_reason_names[r]);
		out_u64("packets", " %14llu", c->packets);
		out_u64("bytes", " %16llu", c->bytes);
		out_str("action", "  %s\n", PG_REASON_DROPS(r) ? "drop" : "pass");
		out_obj_close();
		if (PG_REASON_DROPS(r)) {
			drop_pk += c->packets;
			drop_by += c->bytes;
		} else {
			pass_pk += c->packets;
			pass_by += c->bytes;
		}
	}
	out_obj_close();
	print_ctr("passed", "= passed", pass_pk, pass_by);
	print_ctr("dropped", "= dropped", drop_pk, drop_by);
	out_obj_close();
	return 0;
}

int do_stats(struct pg_ctx *ctx, void *optp, int argc, char **argv)
{
	struct stats_opts *o = optp;
	bool found = false;
	int err;

	/* Rates need two readings: the live views in watch.c. */
	if (o->watch || o->once || o->count || o->interval || argc)
		return stats_watch(ctx, o, argc, argv);
	err = pins_open(ctx, false);
	if (err)
		return err;

	out_obj_open(NULL);
	out_arr_open("interfaces");
	for (__u32 s = 0; s < PG_MAX_IFACES; s++) {
		struct pg_iface rec;

		if (bpf_map_lookup_elem(ctx->maps.ifaces, &s, &rec) || !rec.in_use)
			continue;
		if (o->iface && (strcmp(rec.ifname, o->iface) || rec.netns_ino != ctx->netns_ino))
			continue;
		found = true;
		out_obj_open(NULL);
		out_str("ifname", "%s", rec.ifname);
		out_u64("ifindex", " (ifindex %llu", rec.ifindex);
		out_u64("netns_ino", NULL, rec.netns_ino);
		out_bool("this_netns", NULL, rec.netns_ino == ctx->netns_ino);
		out_text("%s)\n", rec.netns_ino == ctx->netns_ino ? "" : ", other netns");
		out_text("  %-12s %-16s %14s %16s  %s\n", "HOOK", "REASON", "PACKETS", "BYTES",
			 "ACTION");
		out_arr_open("hooks");
		for (int h = 0; h < PG_HOOK_MAX; h++) {
			/* Show hooks pktgate has used here: attached now, or counted. */
			struct pg_stats st;
			bool used = rec.hooks & (1 << h);

			if (!used && !percpu_sum(ctx, ctx->maps.stats, s * PG_HOOK_MAX + h,
						 (uint64_t *)&st, STATS_WORDS, false)) {
				for (int r = 0; r < PG_R_MAX; r++)
					used |= st.reason[r].packets != 0;
			}
			if (!used)
				continue;
			err = print_hook(ctx, s, h, &rec);
			if (err)
				return err;
		}
		out_arr_close();
		out_obj_close();
	}
	out_arr_close();
	out_obj_close();
	if (o->iface && !found)
		return p_err("no counters for interface '%s' (pktgate was never attached to it)",
			     o->iface);
	if (!found)
		out_text("no counters yet: pktgate was never attached\n");
	return 0;
}
