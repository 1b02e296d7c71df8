// SPDX-License-Identifier: GPL-2.0
/*
 * TC (clsact) attach and detach through libbpf's TC API. pktgate's filters
 * use their own handle and priority so that filters of other tools on the
 * same hooks are never touched, and the clsact qdisc is removed only if
 * pktgate created it and nothing else uses it.
 */
#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/pkt_sched.h>

#include "ctx.h"
#include "link.h"
#include "names.h"
#include "out.h"
#include "pins.h"
#include "tc.h"
#include "policy.h"
#include "toptable.h"
#include "pktgate_tc.skel.h"

/* "PG"; the priority puts pktgate ahead of filters added with tc's
 * automatic priorities (49152 downwards). */
#define PG_TC_HANDLE	0x5047
#define PG_TC_PRIO	0x5047

static enum bpf_tc_attach_point tc_point(int hook)
{
	return hook == PG_HOOK_TC_INGRESS ? BPF_TC_INGRESS : BPF_TC_EGRESS;
}

__u32 tc_prog_id(int ifindex, int hook)
{
	LIBBPF_OPTS(bpf_tc_hook, h, .ifindex = ifindex, .attach_point = tc_point(hook));
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = PG_TC_HANDLE, .priority = PG_TC_PRIO);

	if (bpf_tc_query(&h, &o))
		return 0;
	return o.prog_id;
}

static int detach_one(int ifindex, int hook)
{
	LIBBPF_OPTS(bpf_tc_hook, h, .ifindex = ifindex, .attach_point = tc_point(hook));
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = PG_TC_HANDLE, .priority = PG_TC_PRIO);

	return bpf_tc_detach(&h, &o);
}

/* Remove the clsact qdisc if pktgate made it and no filter is left on it. */
static void maybe_remove_qdisc(int ifindex, struct pg_iface *rec)
{
	LIBBPF_OPTS(bpf_tc_hook, h, .ifindex = ifindex,
		    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
	int in, eg;

	if (!rec->tc_qdisc_created)
		return;
	in = tc_filter_count(ifindex, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS));
	eg = tc_filter_count(ifindex, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS));
	if (in != 0 || eg != 0) {
		if (in > 0 || eg > 0)
			p_debug("clsact on ifindex %d still has filters of other tools: kept",
				ifindex);
		return;
	}
	if (!bpf_tc_hook_destroy(&h) || errno == ENOENT)
		rec->tc_qdisc_created = 0;
}

/* hooks share one object, hence one policy: the caller splits them. */
static int tc_attach_some(struct pg_ctx *ctx, int ifindex, const char *ifname, int slot,
			  unsigned int hooks, const struct pg_iface *want, struct pg_iface *rec)
{
	struct bpf_object_open_opts opts;
	struct pktgate_tc_bpf *skel;
	unsigned int done = 0;
	bool created = false;
	int err = 0;

	pins_obj_opts(ctx, &opts);
	skel = pktgate_tc_bpf__open_opts(&opts);
	if (!skel)
		return p_err("cannot open the TC BPF object: %s", strerror(errno));
	pins_obj_prepare(ctx, skel->obj);
	skel->rodata->cfg_slot = slot;
	skel->rodata->cfg_drop_malformed = want->drop_malformed;
	skel->rodata->cfg_top = !want->no_top;
	skel->rodata->cfg_top_seed = top_seed();
	skel->rodata->cfg_top_every = top_every(want);
	skel->rodata->cfg_top_below = top_below(top_every(want));
	skel->rodata->cfg_policy_drop = !!(want->policy_drop & hooks);
	skel->rodata->cfg_ct = !want->stateless;
	skel->rodata->cfg_lists = POLICY_CFG_LISTS(want->lists);
	bpf_program__set_autoload(skel->progs.pktgate_tc_in, hooks & PG_HOOK_BIT(PG_HOOK_TC_INGRESS));
	bpf_program__set_autoload(skel->progs.pktgate_tc_eg, hooks & PG_HOOK_BIT(PG_HOOK_TC_EGRESS));
	err = pktgate_tc_bpf__load(skel);
	if (err) {
		pktgate_tc_bpf__destroy(skel);
		return p_err("cannot load the TC programs: %s (run with -v for details)",
			     strerror(-err));
	}

	for (int hook = PG_HOOK_TC_INGRESS; hook <= PG_HOOK_TC_EGRESS; hook++) {
		LIBBPF_OPTS(bpf_tc_hook, h, .ifindex = ifindex, .attach_point = tc_point(hook));
		LIBBPF_OPTS(bpf_tc_opts, o, .handle = PG_TC_HANDLE, .priority = PG_TC_PRIO,
			    .flags = BPF_TC_F_REPLACE);
		struct bpf_program *prog = hook == PG_HOOK_TC_INGRESS ? skel->progs.pktgate_tc_in :
							 skel->progs.pktgate_tc_eg;

		if (!(hooks & PG_HOOK_BIT(hook)))
			continue;
		err = bpf_tc_hook_create(&h);
		if (!err)
			created = true;
		else if (err != -EEXIST) {
			err = p_err("cannot add a clsact qdisc to %s: %s", ifname, strerror(-err));
			break;
		}
		o.prog_fd = bpf_program__fd(prog);
		err = bpf_tc_attach(&h, &o);
		if (err) {
			err = p_err("cannot attach the TC %s program to %s: %s", pg_hook_names[hook],
				    ifname, strerror(-err));
			break;
		}
		done |= PG_HOOK_BIT(hook);
		rec->prog_id[hook] = o.prog_id;
	}
	pktgate_tc_bpf__destroy(skel);	/* the filters hold the programs */

	if (created)
		rec->tc_qdisc_created = 1;
	if (err) {
		/* Leave the interface as it was. */
		for (int hook = PG_HOOK_TC_INGRESS; hook <= PG_HOOK_TC_EGRESS; hook++)
			if (done & PG_HOOK_BIT(hook) && !(rec->hooks & PG_HOOK_BIT(hook)))
				detach_one(ifindex, hook);
		maybe_remove_qdisc(ifindex, rec);
		return err;
	}
	rec->hooks |= done;
	return 0;
}

int tc_attach(struct pg_ctx *ctx, int ifindex, const char *ifname, int slot,
	      unsigned int hooks, const struct pg_iface *want, struct pg_iface *rec)
{
	unsigned int in = hooks & PG_HOOK_BIT(PG_HOOK_TC_INGRESS);
	unsigned int eg = hooks & PG_HOOK_BIT(PG_HOOK_TC_EGRESS);
	unsigned int had = rec->hooks;
	int err;

	if (!in || !eg || !(want->policy_drop & in) == !(want->policy_drop & eg))
		return tc_attach_some(ctx, ifindex, ifname, slot, hooks, want, rec);
	/* Ingress and egress with different policies: one object each. */
	err = tc_attach_some(ctx, ifindex, ifname, slot, in, want, rec);
	if (err)
		return err;
	err = tc_attach_some(ctx, ifindex, ifname, slot, eg, want, rec);
	if (err && !(had & in)) {
		detach_one(ifindex, PG_HOOK_TC_INGRESS);
		rec->hooks &= ~in;
		maybe_remove_qdisc(ifindex, rec);
	}
	return err;
}

int tc_detach(struct pg_ctx *ctx, int ifindex, const char *ifname, struct pg_iface *rec)
{
	bool any = false;

	(void)ctx;
	for (int hook = PG_HOOK_TC_INGRESS; hook <= PG_HOOK_TC_EGRESS; hook++) {
		int err;

		if (!tc_prog_id(ifindex, hook))
			continue;
		err = detach_one(ifindex, hook);
		if (err && err != -ENOENT)
			return -p_err("cannot detach the TC %s program from %s: %s",
				     pg_hook_names[hook], ifname, strerror(-err));
		rec->hooks &= ~PG_HOOK_BIT(hook);
		rec->prog_id[hook] = 0;
		any = true;
	}
	maybe_remove_qdisc(ifindex, rec);
	return any ? 0 : 1;
}
