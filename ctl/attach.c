// SPDX-License-Identifier: GPL-2.0
/*
 * attach and detach commands: XDP on ingress (default), TC on ingress
 * and/or egress, each program instance counting into the interface's slot.
 */
#include <errno.h>
#include <string.h>

#include "attach.h"
#include "ctx.h"
#include "names.h"
#include "out.h"

static void print_hooks(const char *ifname, int ifindex, const struct pg_iface *rec,
			unsigned int changed)
{
	out_obj_open(NULL);
	out_str("ifname", "%s:", ifname);
	out_u64("ifindex", NULL, ifindex);
	out_arr_open("hooks");
	for (int h = 0; h < PG_HOOK_MAX; h++) {
		if (!(rec->hooks & HOOK_BIT(h)))
			continue;
		out_obj_open(NULL);
		out_str("hook", " %s", pg_hook_names[h]);
		if (h == PG_HOOK_XDP)
			out_str("mode", " (%s)", pg_xdp_mode_name(rec->xdp_mode));
		out_u64("prog_id", " prog %llu", rec->prog_id[h]);
		out_bool("changed", NULL, changed & HOOK_BIT(h));
		out_text("%s", changed & HOOK_BIT(h) ? "" : " (already attached)");
		out_obj_close();
	}
	out_arr_close();
	out_bool("drop_malformed", NULL, rec->drop_malformed);
	out_bool("top", NULL, !rec->no_top);
	out_text("%s%s\n", rec->drop_malformed ? ", dropping malformed packets" : "",
		 rec->no_top ? ", no top talkers" : "");
	out_obj_close();
}

int do_attach(struct pg_ctx *ctx, void *optp, int argc, char **argv)
{
	struct attach_opts *o = optp;
	const char *ifname = argv[0], *why = NULL;
	unsigned int tc_hooks = 0, changed = 0;
	struct pg_iface rec, want = { .drop_malformed = o->drop_malformed, .no_top = o->no_top };
	int ifindex, slot, err;
	bool want_xdp, already = false;

	(void)argc;
	if (o->xdp && o->no_xdp)
		return p_usage("attach: --xdp and --no-xdp contradict each other");
	want_xdp = !o->no_xdp;
	if (o->tc == TC_INGRESS || o->tc == TC_BOTH)
		tc_hooks |= HOOK_BIT(PG_HOOK_TC_INGRESS);
	if (o->tc == TC_EGRESS || o->tc == TC_BOTH)
		tc_hooks |= HOOK_BIT(PG_HOOK_TC_EGRESS);
	if (!want_xdp && !tc_hooks)
		return p_usage("attach: nothing to attach (--no-xdp needs --tc)");
	if (!want_xdp && o->mode >= 0)
		return p_usage("attach: --mode is for XDP, which --no-xdp leaves out");
	if (ctx->check_only)
		return 0;

	ifindex = iface_index(ctx, ifname);
	if (ifindex < 0)
		return PG_EXIT_ERR;
	err = pins_open(ctx, true);
	if (err)
		return err;
	slot = iface_slot(ctx, ifindex, ifname, true, &rec);
	if (slot < 0)
		return PG_EXIT_ERR;
	/* Hooks attached before with other options are re-attached with these. */
	if (rec.hooks && (rec.drop_malformed != want.drop_malformed || rec.no_top != want.no_top))
		tc_hooks |= rec.hooks & TC_HOOKS;

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
			if (tc_hooks & HOOK_BIT(PG_HOOK_TC_INGRESS))
				return p_err("cannot attach XDP to %s: %s", ifname, why);
			p_info("XDP cannot attach to %s (%s); filtering ingress with TC instead",
			       ifname, why);
			tc_hooks |= HOOK_BIT(PG_HOOK_TC_INGRESS);
		} else if (!already) {
			changed |= HOOK_BIT(PG_HOOK_XDP);
		}
	}
	if (tc_hooks) {
		err = tc_attach(ctx, ifindex, ifname, slot, tc_hooks, &want, &rec);
		if (err) {
			/* Undo the XDP half so that a failed command changes nothing. */
			if (changed & HOOK_BIT(PG_HOOK_XDP))
				xdp_detach(ctx, ifindex, ifname, &rec);
			iface_save(ctx, slot, &rec);
			return err;
		}
		changed |= tc_hooks;
	}
	rec.drop_malformed = want.drop_malformed;
	rec.no_top = want.no_top;
	strncpy(rec.ifname, ifname, sizeof(rec.ifname) - 1);
	err = iface_save(ctx, slot, &rec);
	if (err)
		return err;
	print_hooks(ifname, ifindex, &rec, changed);
	return 0;
}

int do_detach(struct pg_ctx *ctx, void *optp, int argc, char **argv)
{
	const char *ifname = argv[0];
	struct pg_iface rec = {};
	int ifindex, slot, xdp, tc;

	(void)optp;
	(void)argc;
	ifindex = iface_index(ctx, ifname);
	if (ifindex < 0)
		return PG_EXIT_ERR;
	xdp = pins_open(ctx, true);
	if (xdp)
		return xdp;
	slot = iface_slot(ctx, ifindex, ifname, false, &rec);
	xdp = xdp_detach(ctx, ifindex, ifname, &rec);
	if (xdp < 0)
		return PG_EXIT_ERR;
	tc = tc_detach(ctx, ifindex, ifname, &rec);
	if (tc < 0)
		return PG_EXIT_ERR;
	if (slot >= 0)
		iface_save(ctx, slot, &rec);
	if (xdp == 1 && tc == 1)
		return p_err("pktgate is not attached to %s", ifname);

	out_obj_open(NULL);
	out_str("ifname", "%s: detached", ifname);
	out_arr_open("detached");
	if (!xdp)
		out_str(NULL, " xdp", "xdp");
	if (!tc)
		out_str(NULL, " tc", "tc");
	out_arr_close();
	out_text("\n");
	out_obj_close();
	return 0;
}
