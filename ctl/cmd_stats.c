// SPDX-License-Identifier: GPL-2.0
/* stats: packets and bytes per interface, hook and verdict reason, summed
 * over the per-CPU counters. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "counters.h"
#include "ctx.h"
#include "iface.h"
#include "names.h"
#include "opts.h"
#include "out.h"
#include "pins.h"
#include "policy.h"
#include "lists.h"
#include "stats.h"
#include "zero.h"


static void print_ctr(const char *key, const char *label, uint64_t pk, uint64_t by)
{
	out_obj_open(key);
	out_text("  %-12s %-16s", "", label);
	out_u64("packets", " %14llu", pk);
	out_u64("bytes", " %16llu\n", by);
	out_obj_close();
}

static int print_hook(struct pg_ctx *ctx, int slot, int hook, const struct pg_iface *rec,
		      bool zero)
{
	struct pg_stats s, raw;
	uint64_t pass_pk = 0, pass_by = 0, drop_pk = 0, drop_by = 0;
	int err;

	err = zero_read(ctx, ZERO_STATS, PG_STATS_KEY(slot, hook), (uint64_t *)&raw,
			(uint64_t *)&s);
	if (err)
		return p_err("cannot read counters: %s", strerror(-err));
	/* The values printed are the ones the reset takes off: none lost. */
	if (zero && (err = zero_set(ctx, ZERO_STATS, PG_STATS_KEY(slot, hook),
				    (uint64_t *)&raw)))
		return err;

	out_obj_open(NULL);
	out_str("hook", "  %s", pg_hook_names[hook]);
	out_bool("attached", NULL, rec->hooks & PG_HOOK_BIT(hook));
	stats_hook_policy(rec, hook);
	out_text(" (%s%s)\n", rec->hooks & PG_HOOK_BIT(hook) ? "attached" : "not attached",
		 !(rec->policy_drop & PG_HOOK_BIT(hook)) ? "" :
		 rec->stateless ? ", policy drop, stateless" : ", policy drop");
	out_obj_open("reasons");
	for (int r = 0; r < PG_R_MAX; r++) {
		struct pg_ctr *c = &s.reason[r];

		out_obj_open(pg_reason_names[r]);
		out_text("  %-12s %-16s", "", pg_reason_names[r]);
		out_u64("packets", " %14llu", c->packets);
		out_u64("bytes", " %16llu", c->bytes);
		out_str("action", "  %s\n", pg_action_names[PG_REASON_ACTION(r)]);
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

void stats_hook_policy(const struct pg_iface *rec, int hook)
{
	bool drop = rec->policy_drop & PG_HOOK_BIT(hook);

	out_str("policy", NULL, drop ? "drop" : "pass");
	out_bool("stateless", NULL, drop && rec->stateless);
}

void stats_iface_head(struct pg_ctx *ctx, const struct iface_entry *e)
{
	const struct pg_iface *rec = &e->rec;
	char names[PG_MAX_LISTS * PG_LIST_NAME_LEN];

	out_str("ifname", "%s", rec->ifname);
	if (rec->ifindex)
		out_u64("ifindex", " (ifindex %llu", rec->ifindex);
	else
		out_null("ifindex", " (%s", "gone");
	out_u64("netns_ino", NULL, rec->netns_ino);
	out_bool("this_netns", NULL, e->here);
	if (e->netns[0])
		out_str("netns", e->here ? NULL : ", netns %s", e->netns);
	else
		out_null("netns", e->here ? NULL : ", %s", e->ns_lost ? "netns gone" : "other netns");
	out_str("state", ") %s", iface_state_name(e->state));
	/* JSON only, as status shows it: the lists that apply here. */
	policy_lists_names(ctx, rec->lists, false, names, sizeof(names));
	out_str("lists", NULL, names);
}

/* stats --zero: the named lists' counters too, printed as read. */
static int zero_lists(struct pg_ctx *ctx)
{
	int err = 0;

	out_text("\n%-5s %-24s %14s %16s\n", "KIND", "LIST", "PACKETS", "BYTES");
	out_arr_open("lists");
	for (unsigned int id = 0; !err && id < PG_MAX_LISTS; id++) {
		struct pg_list l;
		uint64_t raw[2], ctr[2];
		__u32 key = id;

		if (bpf_map_lookup_elem(ctx->maps.lists, &key, &l) || !l.in_use)
			continue;
		err = zero_read(ctx, ZERO_LISTS, id, raw, ctr);
		if (err) {
			err = p_err("cannot read the counters of list %s: %s", l.name,
				    strerror(-err));
			break;
		}
		err = zero_set(ctx, ZERO_LISTS, id, raw);
		out_obj_open(NULL);
		out_str("kind", "%-5s ", pg_list_names[l.kind < PG_LIST_KIND_MAX ? l.kind : 0]);
		out_str("list_name", "%-24s ", l.name);
		out_u64("packets", " %14llu", ctr[0]);
		out_u64("bytes", " %16llu\n", ctr[1]);
		out_obj_close();
	}
	out_arr_close();
	return err;
}

static int do_stats(struct pg_ctx *ctx, void *optp, int argc, char **argv)
{
	struct stats_opts *o = optp;
	struct iface_table *t;
	bool found = false;
	int err;

	/* Rates need two readings: the live views in watch.c. */
	if (o->zero && (o->watch || o->once || o->count || o->interval || argc))
		return p_usage("stats: --zero reads and resets once; leave out --watch, --once, "
			       "--count and INTERVAL");
	if (o->watch || o->once || o->count || o->interval || argc)
		return stats_watch(ctx, o, argc, argv);
	/* A reset under the writers' lock: two at once read the same values. */
	err = pins_open(ctx, o->zero);
	if (err)
		return err;

	t = iface_table_read(ctx);
	if (!t)
		return PG_EXIT_ERR;
	out_obj_open(NULL);
	out_arr_open("interfaces");
	for (int i = 0; i < t->n; i++) {
		const struct iface_entry *e = &t->e[i];
		const struct pg_iface *rec = &e->rec;
		int s = e->slot;

		if (o->iface && (strcmp(rec->ifname, o->iface) || !e->here))
			continue;
		found = true;
		out_obj_open(NULL);
		stats_iface_head(ctx, e);
		out_text("\n  %-12s %-16s %14s %16s  %s\n", "HOOK", "REASON", "PACKETS", "BYTES",
			 "ACTION");
		out_arr_open("hooks");
		for (int h = 0; h < PG_HOOK_MAX; h++) {
			/* Show hooks pktgate has used here: attached now, or counted. */
			struct pg_stats st;
			bool used = hook_in_use(rec, h, NULL);

			if (!used && !ctr_read_stats(ctx, s, h, &st))
				used = hook_in_use(rec, h, &st);
			if (!used)
				continue;
			err = print_hook(ctx, s, h, rec, o->zero);
			if (err) {
				free(t);
				return err;
			}
		}
		out_arr_close();
		out_obj_close();
	}
	free(t);
	out_arr_close();
	if (o->zero && !o->iface)
		err = zero_lists(ctx);
	if (o->zero) {
		out_bool("zeroed", NULL, !err);
		out_text(err ? "" : "counters zeroed (the values above were read)\n");
	}
	out_obj_close();
	if (err)
		return err;
	if (o->iface && !found)
		return p_err("no counters for interface '%s' (pktgate was never attached to it)",
			     o->iface);
	if (!found)
		out_text("no counters yet: pktgate was never attached\n");
	return 0;
}

static const struct pg_opt stats_opts[] = {
	OPT("iface", 'i', OPT_STR, struct stats_opts, iface, "IFACE", "only this interface"),
	OPT("watch", 'w', OPT_FLAG, struct stats_opts, watch, NULL,
	    "live table of rates and totals, refreshed every INTERVAL seconds (default 1; "
	    "e.g. 0.5)"),
	OPT("once", 0, OPT_FLAG, struct stats_opts, once, NULL,
	    "one sample: rates between two readings INTERVAL apart"),
	OPT("count", 'c', OPT_UINT, struct stats_opts, count, "N", "stop after N samples"),
	OPT("interval", 0, OPT_STR, struct stats_opts, interval, "S",
	    "seconds between readings (as INTERVAL)"),
	OPT("zero", 'z', OPT_FLAG, struct stats_opts, zero, NULL, "reset the counters after "
	    "reading them (like nft reset counters); without --iface, the named lists' too"),
	{},
};

const struct pg_cmd pg_cmd_stats = {
	.name = "stats", .args = "[INTERVAL]",
	.help = "packets and bytes per interface, hook and verdict reason; rates with --watch "
		"or --once",
	.min_args = 0, .max_args = 1, .run = do_stats,
	PG_CMD_OPTS(stats_opts, struct stats_opts),
};
