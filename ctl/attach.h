/* SPDX-License-Identifier: GPL-2.0 */
/* Attaching pktgate to interfaces, and the interface slots of the counters. */
#ifndef __PKTGATE_ATTACH_H
#define __PKTGATE_ATTACH_H

#include <stdbool.h>

#include "pktgate.h"

struct pg_ctx;

struct attach_opts {
	int mode;		/* index in "native|generic|auto", -1 = auto */
	bool drop_malformed;
};

/* The counter slot of an interface of the current network namespace;
 * -1 if it has none (and alloc is false, or all are taken). */
int iface_slot(struct pg_ctx *ctx, int ifindex, const char *ifname, bool alloc,
	       struct pg_iface *rec);
int iface_save(struct pg_ctx *ctx, int slot, const struct pg_iface *rec);
/* Resolve an interface name of the current network namespace. */
int iface_index(struct pg_ctx *ctx, const char *ifname);

#endif
