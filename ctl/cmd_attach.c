// SPDX-License-Identifier: GPL-2.0
/*
 * attach and detach commands: XDP on ingress (default), TC on ingress
 * and/or egress, each program instance counting into the interface's slot.
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "iface.h"
#include "names.h"
#include "opts.h"
#include "out.h"
#include "pins.h"
#include "safety.h"
#include "tc.h"
#include "toptable.h"
#include "xdp.h"

enum { TC_INGRESS, TC_EGRESS, TC_BOTH };		/* --tc, in table order */

struct attach_opts {
	int mode;		/* MODE_*, -1 = auto */
	int tc;			/* TC_*, -1 = no TC */
	bool xdp, no_xdp;
	bool drop_malformed;
	bool no_top;
	unsigned long top_sample;	/* --top-sample N; 0: not given */
	int policy, egress_policy;	/* POLICY_*, -1 = not given (pass) */
	bool stateless;
	const char *lists;		/* --lists NAME,... (NULL: all) */
	const char *syncookie;		/* --syncookie PORT,... */
};

enum { POLICY_PASS, POLICY_DROP };	/* --policy, in table order */

struct detach_opts {
	bool all;
};
#include "policy.h"
#include "syncookie.h"

static void print_hooks(struct pg_ctx *ctx, const char *ifname, int ifindex, const struct pg_iface *rec,
			unsigned int changed)
{
	out_obj_open(NULL);
	out_str("ifname", "%s:", ifname);
	out_u64("ifindex", NULL, ifindex);
	out_arr_open("hooks");
	for (int h = 0; h < PG_HOOK_MAX; h++) {
		if (!(rec->hooks & PG_HOOK_BIT(h)))
			continue;
		out_obj_open(NULL);
		out_str("hook", " %s", pg_hook_names[h]);
		if (h == PG_HOOK_XDP)
			out_str("mode", " (%s)", pg_xdp_mode_name(rec->xdp_mode));
		out_u64("prog_id", " prog %llu", rec->prog_id[h]);
		out_bool("changed", NULL, changed & PG_HOOK_BIT(h));
		out_text("%s", changed & PG_HOOK_BIT(h) ? "" : " (already attached)");
		out_obj_close();
	}
	out_arr_close();
	out_bool("drop_malformed", NULL, rec->drop_malformed);
	out_bool("top", NULL, !rec->no_top);
	out_u64("top_sample", NULL, top_every(rec));
	out_text("%s%s", rec->drop_malformed ? ", dropping malformed packets" : "",
		 rec->no_top ? ", no top talkers" : "");
	if (!rec->no_top && top_every(rec) > 1)
		out_text(", top talkers sampled 1 in %u", top_every(rec));
	policy_print(ctx, rec);
	syncookie_print(rec->syn_ports, true);
	out_text("\n");
	out_obj_close();
}

static int do_attach(struct pg_ctx *ctx, void *optp, int argc, char **argv)
{
	struct attach_opts *o = optp;
	const char *ifname = argv[0], *why = NULL;
	unsigned int tc_hooks = 0, tc_keep = 0, changed = 0;
	struct pg_iface rec, want = { .drop_malformed = o->drop_malformed, .no_top = o->no_top };
	int ifindex, slot, err;
	bool want_xdp, already = false;

	(void)argc;
	if (o->xdp && o->no_xdp)
		return p_usage("attach: --xdp and --no-xdp contradict each other");
	if (o->top_sample && o->no_top)
		return p_usage("attach: --top-sample and --no-top contradict each other");
	if (o->top_sample > PG_TOP_SAMPLE_MAX)
		return p_usage("attach: --top-sample %lu is out of range (1 to %u)", o->top_sample,
			       PG_TOP_SAMPLE_MAX);
	want.top_sample = o->top_sample > 1 ? o->top_sample : 0;
	want_xdp = !o->no_xdp;
	if (o->tc == TC_INGRESS || o->tc == TC_BOTH)
		tc_hooks |= PG_HOOK_BIT(PG_HOOK_TC_INGRESS);
	if (o->tc == TC_EGRESS || o->tc == TC_BOTH)
		tc_hooks |= PG_HOOK_BIT(PG_HOOK_TC_EGRESS);
	if (!want_xdp && !tc_hooks)
		return p_usage("attach: nothing to attach (--no-xdp needs --tc)");
	if (!want_xdp && o->mode >= 0)
		return p_usage("attach: --mode is for XDP, which --no-xdp leaves out");
	if (o->policy == POLICY_DROP)
		want.policy_drop |= PG_HOOK_BIT(PG_HOOK_XDP) | PG_HOOK_BIT(PG_HOOK_TC_INGRESS);
	if (o->egress_policy == POLICY_DROP)
		want.policy_drop |= PG_HOOK_BIT(PG_HOOK_TC_EGRESS);
	if (o->stateless && !want.policy_drop)
		return p_usage("attach: --stateless is for --policy drop or --egress-policy drop");
	want.stateless = o->stateless;
	if (want.policy_drop && !want.stateless && !ctx->check_only && !policy_ct_usable())
		return p_err("attach: this kernel has no conntrack lookup kfuncs "
			     "(bpf_xdp_ct_lookup, bpf_skb_ct_lookup): policy drop would cut "
			     "established connections; add --stateless to drop them knowingly");
	err = syncookie_parse(o->syncookie, want.syn_ports);
	if (err)
		return err;
	if (want.syn_ports[0] && !want_xdp)
		return p_usage("attach: --syncookie needs XDP (it answers SYNs with XDP_TX), "
			       "which --no-xdp leaves out");
	if (want.syn_ports[0] && !ctx->check_only && !syncookie_usable())
		return p_err("attach: this kernel lacks the SYN cookie helpers "
			     "(bpf_tcp_raw_gen_syncookie_ipv4/6, bpf_tcp_raw_check_syncookie_ipv4/6) "
			     "or the conntrack kfuncs: --syncookie cannot work here");
	/* restore --check reports what restore would fail on; restore's own
	 * pass before applying leaves a missing interface to fail its line. */
	if (ctx->check_only)
		return ctx->check_ifaces ? iface_check(ctx, ifname) : 0;

	ifindex = iface_index(ctx, ifname);
	if (ifindex < 0)
		return PG_EXIT_ERR;
	err = pins_open(ctx, true);
	if (err)
		return err;
	/* A policy that starts dropping on the interface the SSH session
	 * comes in through must keep the session (safety.h). */
	if (want.policy_drop && lockout_session_on(ifname)) {
		struct pg_iface cur = {};
		struct lockout_change c = { .what = "attach --policy drop", .policy_drop = true };

		if (iface_slot(ctx, ifindex, ifname, false, &cur) >= 0)
			c.policy_drop_now = (cur.policy_drop & want.policy_drop) == want.policy_drop;
		err = lockout_check(ctx, &c);
		if (err)
			return err;
	}
	err = policy_lists_mask(ctx, o->lists, &want.lists);
	if (err)
		return err;
	slot = iface_slot(ctx, ifindex, ifname, true, &rec);
	if (slot < 0)
		return PG_EXIT_ERR;
	/* Hooks attached before with other options are re-attached with these;
	 * with the same options, a TC hook that has our program keeps it, as
	 * XDP does (the record was checked against the kernel). */
	if (rec.drop_malformed != want.drop_malformed || !top_same(&rec, &want) ||
	    !policy_same(&rec, &want))
		tc_hooks |= rec.hooks & TC_HOOKS;
	else
		tc_keep = rec.hooks & TC_HOOKS;

	if (want_xdp) {
		err = xdp_attach(ctx, ifindex, ifname, slot, o->mode, &want, &rec, &already, &why);
		if (err > 0)
			return err;
		if (err < 0) {
			/* The kernel refused XDP here. In auto mode TC ingress does the
			 * same filtering, later in the stack. */
			if (o->mode >= 0 && o->mode != MODE_AUTO)
				return p_err("cannot attach XDP to %s in %s mode: %s", ifname,
					     o->mode == MODE_NATIVE ? "native" : "generic", why);
			if (tc_hooks & PG_HOOK_BIT(PG_HOOK_TC_INGRESS))
				return p_err("cannot attach XDP to %s: %s", ifname, why);
			if (want.syn_ports[0])
				return p_err("cannot attach XDP to %s (%s), and --syncookie needs "
					     "XDP: TC cannot answer SYNs", ifname, why);
			p_info("XDP cannot attach to %s (%s); filtering ingress with TC instead",
			       ifname, why);
			tc_hooks |= PG_HOOK_BIT(PG_HOOK_TC_INGRESS);
		} else if (!already) {
			changed |= PG_HOOK_BIT(PG_HOOK_XDP);
		}
	}
	tc_hooks &= ~tc_keep;
	if (tc_hooks) {
		err = tc_attach(ctx, ifindex, ifname, slot, tc_hooks, &want, &rec);
		if (err) {
			/* Undo the XDP half so that a failed command changes nothing. */
			if (changed & PG_HOOK_BIT(PG_HOOK_XDP))
				xdp_detach(ctx, ifindex, ifname, &rec);
			iface_save(ctx, slot, &rec);
			return err;
		}
		changed |= tc_hooks;
	}
	rec.drop_malformed = want.drop_malformed;
	rec.no_top = want.no_top;
	rec.top_sample = want.top_sample;
	rec.policy_drop = want.policy_drop;
	rec.stateless = want.stateless;
	rec.lists = want.lists;
	memcpy(rec.syn_ports, want.syn_ports, sizeof(rec.syn_ports));
	strncpy(rec.ifname, ifname, sizeof(rec.ifname) - 1);
	err = iface_save(ctx, slot, &rec);
	if (err)
		return err;
	print_hooks(ctx, ifname, ifindex, &rec, changed);
	return 0;
}

/* One interface's line: what was detached from it, and whether the record
 * of a vanished interface of that name was cleared. */
static void print_detached(const struct iface_entry *e, const char *ifname, int xdp, int tc,
			   int cleared)
{
	out_obj_open(NULL);
	out_str("ifname", "%s:", ifname);
	if (e && !e->here) {
		if (e->netns[0])
			out_str("netns", " (netns %s)", e->netns);
		else
			out_null("netns", " (%s)", e->ns_lost ? "netns gone" : "other netns");
	}
	out_arr_open("detached");
	if (!xdp || !tc)
		out_text(" detached");
	if (!xdp)
		out_str(NULL, " xdp", "xdp");
	if (!tc)
		out_str(NULL, " tc", "tc");
	out_arr_close();
	out_u64("cleared", NULL, cleared);
	if (cleared)
		out_text("%s cleared the record of a vanished interface and its counters",
			 !xdp || !tc ? ";" : "");
	out_text("\n");
	out_obj_close();
}

/* Everything pktgate has on the interfaces of this namespace (or with -n,
 * of that one) and of every other it has records for; vanished interfaces
 * are forgotten. */
static int detach_all(struct pg_ctx *ctx, struct iface_table *t)
{
	int rc = 0, done = 0;

	out_obj_open(NULL);
	out_arr_open("interfaces");
	for (int i = 0; i < t->n; i++) {
		struct iface_entry *e = &t->e[i];
		int saved, xdp, tc;

		if (ctx->netns && !e->here)
			continue;
		if (e->state == IFACE_VANISHED) {
			if (iface_clear(ctx, e)) {
				rc = PG_EXIT_ERR;
				continue;
			}
			print_detached(e, e->rec.ifname, 1, 1, 1);
			done++;
			continue;
		}
		if (e->state != IFACE_ATTACHED)
			continue;
		if (iface_enter(e, &saved)) {
			rc = PG_EXIT_ERR;
			continue;
		}
		xdp = xdp_detach(ctx, e->rec.ifindex, e->rec.ifname, &e->rec);
		tc = xdp < 0 ? -1 : tc_detach(ctx, e->rec.ifindex, e->rec.ifname, &e->rec);
		iface_leave(saved);
		if (xdp < 0 || tc < 0 || iface_save(ctx, e->slot, &e->rec)) {
			rc = PG_EXIT_ERR;
			continue;
		}
		print_detached(e, e->rec.ifname, xdp, tc, 0);
		done++;
	}
	out_arr_close();
	if (!done && !rc)
		out_text("pktgate is not attached to any interface%s%s\n",
			 ctx->netns ? " in network namespace " : "", ctx->netns ? ctx->netns : "");
	out_obj_close();
	return rc;
}

static int do_detach(struct pg_ctx *ctx, void *optp, int argc, char **argv)
{
	struct detach_opts *o = optp;
	const char *ifname = argc ? argv[0] : NULL;
	const struct iface_entry *here = NULL;
	struct iface_table *t;
	struct pg_iface rec = {};
	int ifindex, xdp, tc, err, cleared = 0;

	if (o->all && ifname)
		return p_usage("detach: give IFACE or --all, not both");
	if (!o->all && !ifname)
		return p_usage("detach: missing IFACE (or --all)");
	if (ifname && (!*ifname || strlen(ifname) >= IF_NAMESIZE))
		return p_usage("invalid interface name '%s'", ifname);
	if (ctx->check_only)
		return 0;
	err = pins_open(ctx, true);
	if (err)
		return err;
	t = iface_table_read(ctx);
	if (!t)
		return PG_EXIT_ERR;
	if (o->all) {
		err = detach_all(ctx, t);
		goto out;
	}

	/* A vanished interface is known by its name only, here or in a
	 * namespace that is gone (which -n can no longer name). */
	for (int i = 0; i < t->n; i++) {
		const struct iface_entry *e = &t->e[i];

		if (e->state == IFACE_VANISHED && (e->here || e->ns_lost) &&
		    !strcmp(e->rec.ifname, ifname))
			cleared++;
	}
	ifindex = if_nametoindex(ifname);
	if (!ifindex && !cleared) {
		err = iface_index(ctx, ifname) < 0 ? PG_EXIT_ERR : 0;
		goto out;
	}
	xdp = tc = 1;
	if (ifindex) {
		for (int i = 0; i < t->n; i++)
			if (t->e[i].here && t->e[i].rec.ifindex == (__u32)ifindex)
				here = &t->e[i];
		if (here)
			rec = here->rec;
		xdp = xdp_detach(ctx, ifindex, ifname, &rec);
		tc = xdp < 0 ? -1 : tc_detach(ctx, ifindex, ifname, &rec);
		if (xdp < 0 || tc < 0) {
			err = PG_EXIT_ERR;
			goto out;
		}
		if (here && (err = iface_save(ctx, here->slot, &rec)))
			goto out;
		if (xdp == 1 && tc == 1 && !cleared) {
			err = p_err("pktgate is not attached to %s", ifname);
			goto out;
		}
	}
	for (int i = 0; i < t->n; i++) {
		const struct iface_entry *e = &t->e[i];

		if (e->state == IFACE_VANISHED && (e->here || e->ns_lost) &&
		    !strcmp(e->rec.ifname, ifname) && (err = iface_clear(ctx, e)))
			goto out;
	}
	print_detached(NULL, ifname, xdp, tc, cleared);
out:
	free(t);
	return err;
}

static const char *const xdp_modes[] = { "native", "generic", "auto", NULL };
static const char *const tc_dirs[] = { "ingress", "egress", "both", NULL };
static const char *const policies[] = { "pass", "drop", NULL };
static const struct pg_opt attach_opts[] = {
	OPT("mode", 0, OPT_ENUM, struct attach_opts, mode, "MODE",
	    "XDP mode; auto tries native, then generic, then TC ingress", .choices = xdp_modes),
	OPT("tc", 0, OPT_ENUM, struct attach_opts, tc, "DIR",
	    "also attach TC programs (egress matches destinations)", .choices = tc_dirs),
	OPT("xdp", 0, OPT_FLAG, struct attach_opts, xdp, NULL,
	    "attach XDP on ingress (the default)"),
	OPT("no-xdp", 0, OPT_FLAG, struct attach_opts, no_xdp, NULL, "leave XDP out (with --tc)"),
	OPT("no-top", 0, OPT_FLAG, struct attach_opts, no_top, NULL,
	    "keep no per-address counters (top talkers): no sketch update per packet"),
	OPT("top-sample", 0, OPT_UINT, struct attach_opts, top_sample, "N",
	    "feed the top-talker sketch one packet in N, at random, each counting N times "
	    "(top and the exporter show estimates; default 1: every packet, exactly)"),
	OPT("drop-malformed", 0, OPT_FLAG, struct attach_opts, drop_malformed, NULL,
	    "drop packets that cannot be parsed (default: pass and count them)"),
	OPT("policy", 0, OPT_ENUM, struct attach_opts, policy, "POLICY",
	    "default policy of the ingress hooks: pass (the default) or drop (only allow "
	    "entries, neighbour traffic and established connections pass)", .choices = policies),
	OPT("egress-policy", 0, OPT_ENUM, struct attach_opts, egress_policy, "POLICY",
	    "default policy of TC egress (pass or drop)", .choices = policies),
	OPT("stateless", 0, OPT_FLAG, struct attach_opts, stateless, NULL,
	    "policy drop without conntrack lookups (established connections are dropped too)"),
	OPT("lists", 0, OPT_STR, struct attach_opts, lists, "NAME,...",
	    "the named lists that apply on this interface (default: all)"),
	OPT("syncookie", 0, OPT_STR, struct attach_opts, syncookie, "PORT,...",
	    "answer TCP SYNs to these ports with SYN cookies at XDP (XDP_TX); needs the "
	    "netfilter SYNPROXY rules of the man page"),
	{},
};

const struct pg_cmd pg_cmd_attach = {
	.name = "attach", .args = "IFACE", .help = "filter IFACE: XDP on ingress, TC on request",
	.min_args = 1, .max_args = 1, .run = do_attach,
	PG_CMD_OPTS(attach_opts, struct attach_opts), .restorable = true, .check = true,
	.changes = PG_CHANGES_ALWAYS,
};

static const struct pg_opt detach_opts[] = {
	OPT("all", 'a', OPT_FLAG, struct detach_opts, all, NULL,
	    "every interface pktgate is attached to, in every namespace (with -n: in that "
	    "one); forget vanished interfaces"),
	{},
};

const struct pg_cmd pg_cmd_detach = {
	.name = "detach", .args = "IFACE|--all",
	.help = "detach pktgate from IFACE (rules and counters stay); forget a vanished IFACE",
	.min_args = 0, .max_args = 1, .run = do_detach,
	PG_CMD_OPTS(detach_opts, struct detach_opts), .check = true,
	.changes = PG_CHANGES_ALWAYS,
};
