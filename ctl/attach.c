// SPDX-License-Identifier: GPL-2.0
/*
 * attach / detach of the XDP program through libxdp. Each attach loads a
 * program instance for that interface, with the interface's counter slot
 * and options as read-only data, sharing the pinned lists and counters.
 * libxdp uses its multi-program dispatcher where the kernel allows it and
 * falls back to attaching the program directly where it does not.
 */
#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "attach.h"
#include "ctx.h"
#include "names.h"
#include "out.h"
#include "pktgate_xdp.skel.h"

#define PG_XDP_PROG_NAME "pktgate_xdp"

enum { MODE_NATIVE, MODE_GENERIC, MODE_AUTO };

static const char *xdp_err(int err)
{
	static char buf[256];

	libxdp_strerror(err, buf, sizeof(buf));
	return buf;
}

/* pktgate's program among those attached to ifindex, or NULL. *foreign
 * names another program that pktgate must not replace. */
static struct xdp_program *find_ours(struct xdp_multiprog *mp, const char **foreign,
				     __u32 *foreign_id)
{
	struct xdp_program *p;

	*foreign = NULL;
	if (xdp_multiprog__is_legacy(mp)) {
		p = xdp_multiprog__main_prog(mp);
		if (p && !strcmp(xdp_program__name(p), PG_XDP_PROG_NAME))
			return p;
		if (p) {
			*foreign = xdp_program__name(p);
			*foreign_id = xdp_program__id(p);
		}
		return NULL;
	}
	for (p = xdp_multiprog__next_prog(NULL, mp); p; p = xdp_multiprog__next_prog(p, mp))
		if (!strcmp(xdp_program__name(p), PG_XDP_PROG_NAME))
			return p;
	return NULL;
}

static struct xdp_multiprog *get_multiprog(int ifindex)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);

	if (!mp || libxdp_get_error(mp))
		return NULL;	/* nothing attached */
	return mp;
}

static int load_and_attach(struct pg_ctx *ctx, int ifindex, int slot,
			   const struct attach_opts *o, enum xdp_attach_mode *mode_out,
			   __u32 *prog_id)
{
	struct pktgate_xdp_bpf *skel;
	struct xdp_program *prog;
	enum xdp_attach_mode modes[2];
	int nmodes = 0, err;

	err = pins_skel_open(ctx, &skel);
	if (err)
		return err;
	skel->rodata->cfg_slot = slot;
	skel->rodata->cfg_drop_malformed = o->drop_malformed;

	prog = xdp_program__from_bpf_obj(skel->obj, "xdp");
	err = libxdp_get_error(prog);
	if (err) {
		pktgate_xdp_bpf__destroy(skel);
		return p_err("cannot prepare the XDP program: %s", xdp_err(err));
	}
	if (o->mode == MODE_NATIVE || o->mode == MODE_AUTO || o->mode < 0)
		modes[nmodes++] = XDP_MODE_NATIVE;
	if (o->mode == MODE_GENERIC || o->mode == MODE_AUTO || o->mode < 0)
		modes[nmodes++] = XDP_MODE_SKB;

	for (int i = 0; i < nmodes; i++) {
		err = xdp_program__attach(prog, ifindex, modes[i], 0);
		if (!err) {
			*mode_out = modes[i];
			*prog_id = xdp_program__id(prog);
			break;
		}
		p_debug("XDP attach in %s mode failed: %s", pg_xdp_mode_name(modes[i]),
			xdp_err(err));
		if (i + 1 < nmodes)
			p_info("native XDP is not available here (%s); using generic mode",
			       xdp_err(err));
	}
	xdp_program__close(prog);
	pktgate_xdp_bpf__destroy(skel);
	if (err == -EPERM || err == -EACCES)
		return p_err("attaching XDP failed: permission denied (%s)", xdp_err(err));
	if (err)
		return p_err("attaching XDP in %s mode failed: %s",
			     nmodes == 1 ? pg_xdp_mode_name(modes[0]) : "native or generic",
			     xdp_err(err));
	return 0;
}

static int detach_prog(struct xdp_multiprog *mp, struct xdp_program *p, int ifindex)
{
	if (xdp_multiprog__is_legacy(mp))
		return xdp_multiprog__detach(mp);
	return xdp_program__detach(p, ifindex, xdp_multiprog__attach_mode(mp), 0);
}

int do_attach(struct pg_ctx *ctx, void *optp, int argc, char **argv)
{
	struct attach_opts *o = optp;
	const char *ifname = argv[0], *foreign;
	struct xdp_multiprog *mp;
	struct xdp_program *ours = NULL;
	struct pg_iface rec;
	enum xdp_attach_mode mode = XDP_MODE_UNSPEC;
	__u32 prog_id = 0, foreign_id = 0;
	int ifindex, slot, err;
	bool already = false;

	(void)argc;
	ifindex = iface_index(ctx, ifname);
	if (ifindex < 0)
		return PG_EXIT_ERR;
	err = pins_open(ctx, true);
	if (err)
		return err;

	mp = get_multiprog(ifindex);
	if (mp) {
		ours = find_ours(mp, &foreign, &foreign_id);
		if (!ours && foreign) {
			xdp_multiprog__close(mp);
			return p_err("%s already has XDP program '%s' (id %u) from another tool; "
				     "pktgate will not replace it (remove it first, e.g. "
				     "'ip link set dev %s xdp off')",
				     ifname, foreign, foreign_id, ifname);
		}
	}
	slot = iface_slot(ctx, ifindex, ifname, true, &rec);
	if (slot < 0) {
		if (mp)
			xdp_multiprog__close(mp);
		return PG_EXIT_ERR;
	}

	if (ours) {
		enum xdp_attach_mode cur = xdp_multiprog__attach_mode(mp);
		bool same_mode = o->mode < 0 || o->mode == MODE_AUTO ||
				 (o->mode == MODE_NATIVE && cur == XDP_MODE_NATIVE) ||
				 (o->mode == MODE_GENERIC && cur == XDP_MODE_SKB);

		if (same_mode && rec.drop_malformed == o->drop_malformed &&
		    (rec.hooks & (1 << PG_HOOK_XDP)) && rec.prog_id[PG_HOOK_XDP] ==
		    xdp_program__id(ours)) {
			already = true;
			mode = cur;
			prog_id = xdp_program__id(ours);
		} else {
			/* Options changed: replace our own program. */
			err = detach_prog(mp, ours, ifindex);
			if (err) {
				xdp_multiprog__close(mp);
				return p_err("cannot replace pktgate on %s: %s", ifname,
					     xdp_err(err));
			}
		}
	}
	if (mp)
		xdp_multiprog__close(mp);

	if (!already) {
		err = load_and_attach(ctx, ifindex, slot, o, &mode, &prog_id);
		if (err)
			return err;
	}
	rec.hooks |= 1 << PG_HOOK_XDP;
	rec.xdp_mode = mode;
	rec.drop_malformed = o->drop_malformed;
	rec.prog_id[PG_HOOK_XDP] = prog_id;
	strncpy(rec.ifname, ifname, sizeof(rec.ifname) - 1);
	err = iface_save(ctx, slot, &rec);
	if (err)
		return err;

	out_obj_open(NULL);
	out_str("ifname", "%s", ifname);
	out_u64("ifindex", NULL, ifindex);
	out_str("hook", ": %s", "xdp");
	out_str("mode", " %s", pg_xdp_mode_name(mode));
	out_u64("prog_id", " prog id %llu", prog_id);
	out_bool("drop_malformed", NULL, o->drop_malformed);
	out_bool("already_attached", NULL, already);
	out_text("%s%s\n", o->drop_malformed ? ", dropping malformed packets" : "",
		 already ? " (already attached)" : " attached");
	out_obj_close();
	return 0;
}

int do_detach(struct pg_ctx *ctx, void *optp, int argc, char **argv)
{
	const char *ifname = argv[0], *foreign;
	struct xdp_multiprog *mp;
	struct xdp_program *ours = NULL;
	struct pg_iface rec;
	__u32 foreign_id;
	int ifindex, slot, err;

	(void)optp;
	(void)argc;
	ifindex = iface_index(ctx, ifname);
	if (ifindex < 0)
		return PG_EXIT_ERR;
	err = pins_open(ctx, true);
	if (err)
		return err;
	mp = get_multiprog(ifindex);
	if (mp)
		ours = find_ours(mp, &foreign, &foreign_id);
	if (!ours) {
		if (mp)
			xdp_multiprog__close(mp);
		return p_err("pktgate is not attached to %s", ifname);
	}
	err = detach_prog(mp, ours, ifindex);
	xdp_multiprog__close(mp);
	if (err)
		return p_err("cannot detach from %s: %s", ifname, xdp_err(err));

	slot = iface_slot(ctx, ifindex, ifname, false, &rec);
	if (slot >= 0) {
		rec.hooks &= ~(1 << PG_HOOK_XDP);
		rec.prog_id[PG_HOOK_XDP] = 0;
		iface_save(ctx, slot, &rec);
	}
	out_obj_open(NULL);
	out_str("ifname", "%s", ifname);
	out_str("detached", ": %s detached\n", "xdp");
	out_obj_close();
	return 0;
}
