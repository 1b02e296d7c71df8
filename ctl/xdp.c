// SPDX-License-Identifier: GPL-2.0
/*
 * XDP attach and detach through libxdp. Each attach loads a program
 * instance for that interface with its counter slot and options as
 * read-only data; the lists and counters are the shared pinned maps.
 * libxdp uses its multi-program dispatcher where the kernel allows it and
 * otherwise attaches the program directly (the case on lockdown kernels).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "ctx.h"
#include "names.h"
#include "out.h"
#include "pins.h"
#include "policy.h"
#include "toptable.h"
#include "pktgate_xdp.skel.h"
#include "xdp.h"

#define PG_XDP_PROG_NAME "pktgate_xdp"

static const char *xdp_err(int err)
{
	static char buf[256];

	libxdp_strerror(err, buf, sizeof(buf));
	return buf;
}

static struct xdp_multiprog *get_multiprog(int ifindex)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);

	if (!mp || libxdp_get_error(mp))
		return NULL;	/* nothing attached */
	return mp;
}

/* pktgate's program among those attached, or NULL; *foreign names a
 * program of another tool that pktgate must not replace. */
static struct xdp_program *find_ours(struct xdp_multiprog *mp, struct xdp_program **foreign)
{
	struct xdp_program *p;

	*foreign = NULL;
	if (xdp_multiprog__is_legacy(mp)) {
		p = xdp_multiprog__main_prog(mp);
		if (p && !strcmp(xdp_program__name(p), PG_XDP_PROG_NAME))
			return p;
		*foreign = p;
		return NULL;
	}
	for (p = xdp_multiprog__next_prog(NULL, mp); p; p = xdp_multiprog__next_prog(p, mp))
		if (!strcmp(xdp_program__name(p), PG_XDP_PROG_NAME))
			return p;
	return NULL;
}

__u32 xdp_prog_id(int ifindex)
{
	struct xdp_multiprog *mp = get_multiprog(ifindex);
	struct xdp_program *p, *foreign;
	__u32 id = 0;

	if (!mp)
		return 0;
	p = find_ours(mp, &foreign);
	if (p)
		id = xdp_program__id(p);
	xdp_multiprog__close(mp);
	return id;
}

static int detach_prog(struct xdp_multiprog *mp, struct xdp_program *p, int ifindex)
{
	if (xdp_multiprog__is_legacy(mp))
		return xdp_multiprog__detach(mp);
	return xdp_program__detach(p, ifindex, xdp_multiprog__attach_mode(mp), 0);
}

static void set_rodata(struct pktgate_xdp_bpf *skel, int slot, const struct pg_iface *want)
{
	skel->rodata->cfg_slot = slot;
	skel->rodata->cfg_drop_malformed = want->drop_malformed;
	skel->rodata->cfg_top = !want->no_top;
	skel->rodata->cfg_top_seed = top_seed();
	skel->rodata->cfg_top_every = top_every(want);
	skel->rodata->cfg_top_below = top_below(top_every(want));
	skel->rodata->cfg_policy_drop = !!(want->policy_drop & PG_HOOK_BIT(PG_HOOK_XDP));
	skel->rodata->cfg_ct = !want->stateless;
	skel->rodata->cfg_lists = POLICY_CFG_LISTS(want->lists);
	skel->rodata->cfg_syncookie = !!want->syn_ports[0];
	for (int i = 0; i < PG_SYN_PORTS; i++)
		skel->rodata->cfg_syn_ports[i] = htons(want->syn_ports[i]);
}

/* A program instance for this interface slot and options, opened with
 * the pins' maps and not yet loaded; NULL with errno set. */
static struct pktgate_xdp_bpf *open_instance(struct pg_ctx *ctx, int slot,
					     const struct pg_iface *want)
{
	struct bpf_object_open_opts opts;
	struct pktgate_xdp_bpf *skel;

	pins_obj_opts(ctx, &opts);
	skel = pktgate_xdp_bpf__open_opts(&opts);
	if (!skel)
		return NULL;
	pins_obj_prepare(ctx, skel->obj);
	set_rodata(skel, slot, want);
	return skel;
}

/* Load a program instance for this interface and attach it in the first
 * mode the kernel accepts. Returns 0 or a negative errno. */
static int load_and_attach(struct pg_ctx *ctx, int ifindex, int slot, int mode,
			   const struct pg_iface *want, struct pg_iface *rec)
{
	struct pktgate_xdp_bpf *skel = open_instance(ctx, slot, want);
	struct xdp_program *prog;
	enum xdp_attach_mode modes[2];
	int nmodes = 0, err = -EINVAL;

	if (!skel)
		return -errno;

	prog = xdp_program__from_bpf_obj(skel->obj, "xdp");
	err = libxdp_get_error(prog);
	if (err) {
		pktgate_xdp_bpf__destroy(skel);
		return err;
	}
	if (mode != MODE_GENERIC)
		modes[nmodes++] = XDP_MODE_NATIVE;
	if (mode != MODE_NATIVE)
		modes[nmodes++] = XDP_MODE_SKB;
	for (int i = 0; i < nmodes; i++) {
		err = xdp_program__attach(prog, ifindex, modes[i], 0);
		if (!err) {
			rec->xdp_mode = modes[i];
			rec->prog_id[PG_HOOK_XDP] = xdp_program__id(prog);
			break;
		}
		p_debug("XDP attach in %s mode failed: %s", pg_xdp_mode_name(modes[i]),
			xdp_err(err));
		if (i + 1 < nmodes)
			p_info("native XDP is not available on this interface (%s); "
			       "using generic mode", xdp_err(err));
	}
	xdp_program__close(prog);
	pktgate_xdp_bpf__destroy(skel);
	return err;
}

/* Replace our program attached directly (no dispatcher) in mode cur with a
 * new instance, in one step: the kernel swaps them (XDP_FLAGS_REPLACE),
 * so no packet sees the interface without a program, nor the old and new
 * options mixed. 0, or a negative errno with the old program in place. */
static int replace_atomic(struct pg_ctx *ctx, int ifindex, int slot, enum xdp_attach_mode cur,
			  __u32 old_id, const struct pg_iface *want, struct pg_iface *rec)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, xo);
	struct bpf_prog_info info = {};
	__u32 info_len = sizeof(info);
	struct pktgate_xdp_bpf *skel = open_instance(ctx, slot, want);
	int err, fd;

	if (!skel)
		return -errno;
	err = pktgate_xdp_bpf__load(skel);
	if (err)
		goto out;
	xo.old_prog_fd = bpf_prog_get_fd_by_id(old_id);
	if (xo.old_prog_fd < 0) {
		err = -errno;
		goto out;
	}
	fd = bpf_program__fd(skel->progs.pktgate_xdp);
	err = bpf_xdp_attach(ifindex, fd, XDP_FLAGS_REPLACE | (cur == XDP_MODE_NATIVE ?
			     XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE), &xo);
	close(xo.old_prog_fd);
	if (err)
		goto out;
	if (!bpf_obj_get_info_by_fd(fd, &info, &info_len))
		rec->prog_id[PG_HOOK_XDP] = info.id;
	rec->xdp_mode = cur;
out:
	pktgate_xdp_bpf__destroy(skel);	/* the interface holds the program */
	return err;
}

int xdp_attach(struct pg_ctx *ctx, int ifindex, const char *ifname, int slot, int mode,
	       const struct pg_iface *want, struct pg_iface *rec, bool *already,
	       const char **why)
{
	struct xdp_multiprog *mp = get_multiprog(ifindex);
	struct xdp_program *ours = NULL, *foreign = NULL;
	int err;

	*already = false;
	if (mp) {
		ours = find_ours(mp, &foreign);
		if (!ours && foreign) {
			err = p_err("%s already has XDP program '%s' (id %u) from another tool; "
				    "pktgate will not replace it (remove it first, e.g. "
				    "'ip link set dev %s xdp off')", ifname,
				    xdp_program__name(foreign), xdp_program__id(foreign), ifname);
			xdp_multiprog__close(mp);
			return err;
		}
	}
	if (ours) {
		enum xdp_attach_mode cur = xdp_multiprog__attach_mode(mp);
		bool same_mode = mode < 0 || mode == MODE_AUTO ||
				 (mode == MODE_NATIVE && cur == XDP_MODE_NATIVE) ||
				 (mode == MODE_GENERIC && cur == XDP_MODE_SKB);

		if (same_mode && rec->drop_malformed == want->drop_malformed &&
		    top_same(rec, want) && policy_same(rec, want) &&
		    rec->prog_id[PG_HOOK_XDP] == xdp_program__id(ours)) {
			*already = true;
			rec->xdp_mode = cur;
			xdp_multiprog__close(mp);
			return 0;
		}
		/* Other options asked for: replace our own program, in one step
		 * where it is attached directly and stays in its mode. */
		if (same_mode && xdp_multiprog__is_legacy(mp) &&
		    !replace_atomic(ctx, ifindex, slot, cur, xdp_program__id(ours), want, rec)) {
			xdp_multiprog__close(mp);
			rec->hooks |= PG_HOOK_BIT(PG_HOOK_XDP);
			return 0;
		}
		err = detach_prog(mp, ours, ifindex);
		if (err) {
			xdp_multiprog__close(mp);
			return p_err("cannot replace pktgate's XDP program on %s: %s", ifname,
				     xdp_err(err));
		}
	}
	if (mp)
		xdp_multiprog__close(mp);

	err = load_and_attach(ctx, ifindex, slot, mode, want, rec);
	if (err) {
		*why = xdp_err(err);
		return err;
	}
	rec->hooks |= PG_HOOK_BIT(PG_HOOK_XDP);
	return 0;
}

int xdp_detach(struct pg_ctx *ctx, int ifindex, const char *ifname, struct pg_iface *rec)
{
	struct xdp_multiprog *mp = get_multiprog(ifindex);
	struct xdp_program *ours = NULL, *foreign;
	int err;

	(void)ctx;
	if (mp)
		ours = find_ours(mp, &foreign);
	if (!ours) {
		if (mp)
			xdp_multiprog__close(mp);
		rec->hooks &= ~PG_HOOK_BIT(PG_HOOK_XDP);
		return 1;
	}
	err = detach_prog(mp, ours, ifindex);
	xdp_multiprog__close(mp);
	if (err)
		return -p_err("cannot detach XDP from %s: %s", ifname, xdp_err(err));
	rec->hooks &= ~PG_HOOK_BIT(PG_HOOK_XDP);
	rec->prog_id[PG_HOOK_XDP] = 0;
	return 0;
}
