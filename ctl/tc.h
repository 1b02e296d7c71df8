/* SPDX-License-Identifier: GPL-2.0 */
/* pktgate's TC programs (ingress, egress) on an interface, through libbpf. */
#ifndef __PKTGATE_TC_H
#define __PKTGATE_TC_H

#include "pktgate.h"

struct pg_ctx;

int tc_attach(struct pg_ctx *ctx, int ifindex, const char *ifname, int slot,
	      unsigned int hooks, const struct pg_iface *want, struct pg_iface *rec);
/* As xdp_detach, for both TC hooks. */
int tc_detach(struct pg_ctx *ctx, int ifindex, const char *ifname, struct pg_iface *rec);
/* pktgate's TC program id on ifindex for hook, 0 if none. */
__u32 tc_prog_id(int ifindex, int hook);

#endif
