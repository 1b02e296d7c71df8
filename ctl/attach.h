/* SPDX-License-Identifier: GPL-2.0 */
/* Attaching pktgate to interfaces (XDP and TC), and the interface slots
 * that hold each interface's counters. */
#ifndef __PKTGATE_ATTACH_H
#define __PKTGATE_ATTACH_H

#include <stdbool.h>

#include "pktgate.h"

struct pg_ctx;

enum { MODE_NATIVE, MODE_GENERIC, MODE_AUTO };	/* --mode, in table order */
enum { TC_INGRESS, TC_EGRESS, TC_BOTH };		/* --tc, in table order */

struct attach_opts {
	int mode;		/* MODE_*, -1 = auto */
	int tc;			/* TC_*, -1 = no TC */
	bool xdp, no_xdp;
	bool drop_malformed;
	bool no_top;
};

#define HOOK_BIT(h) (1u << (h))
#define TC_HOOKS (HOOK_BIT(PG_HOOK_TC_INGRESS) | HOOK_BIT(PG_HOOK_TC_EGRESS))

/* iface.c: the counter slot of an interface of the current network
 * namespace; -1 if it has none (and alloc is false, or all are taken). */
int iface_slot(struct pg_ctx *ctx, int ifindex, const char *ifname, bool alloc,
	       struct pg_iface *rec);
int iface_save(struct pg_ctx *ctx, int slot, const struct pg_iface *rec);
int iface_index(struct pg_ctx *ctx, const char *ifname);

/* xdp.c. xdp_attach returns 0, or a negative errno when the kernel refused
 * the program in every allowed mode (*why says why), or an exit code after
 * reporting an error itself. */
int xdp_attach(struct pg_ctx *ctx, int ifindex, const char *ifname, int slot, int mode,
	       const struct pg_iface *want, struct pg_iface *rec, bool *already,
	       const char **why);
/* 0 if detached, 1 if pktgate was not attached, -1 after reporting an error. */
int xdp_detach(struct pg_ctx *ctx, int ifindex, const char *ifname, struct pg_iface *rec);
/* pktgate's XDP program id on ifindex (looking inside a libxdp dispatcher). */
__u32 xdp_prog_id(int ifindex);

/* tc.c */
int tc_attach(struct pg_ctx *ctx, int ifindex, const char *ifname, int slot,
	      unsigned int hooks, const struct pg_iface *want, struct pg_iface *rec);
/* As xdp_detach, for both TC hooks. */
int tc_detach(struct pg_ctx *ctx, int ifindex, const char *ifname, struct pg_iface *rec);
/* pktgate's TC program id on ifindex for hook, 0 if none. */
__u32 tc_prog_id(int ifindex, int hook);

#endif
