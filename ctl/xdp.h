/* SPDX-License-Identifier: GPL-2.0 */
/* pktgate's XDP program on an interface, through libxdp. */
#ifndef __PKTGATE_XDP_H
#define __PKTGATE_XDP_H

#include <stdbool.h>

#include "pktgate.h"

struct pg_ctx;

enum { MODE_NATIVE, MODE_GENERIC, MODE_AUTO };	/* --mode, in table order */

/* xdp_attach returns 0, or a negative errno when the kernel refused
 * the program in every allowed mode (*why says why), or an exit code after
 * reporting an error itself. */
int xdp_attach(struct pg_ctx *ctx, int ifindex, const char *ifname, int slot, int mode,
	       const struct pg_iface *want, struct pg_iface *rec, bool *already,
	       const char **why);
/* 0 if detached, 1 if pktgate was not attached, -1 after reporting an error. */
int xdp_detach(struct pg_ctx *ctx, int ifindex, const char *ifname, struct pg_iface *rec);
/* pktgate's XDP program id on ifindex (looking inside a libxdp dispatcher). */
__u32 xdp_prog_id(int ifindex);

#endif
