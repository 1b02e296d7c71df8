/* SPDX-License-Identifier: GPL-2.0 */
/* The interfaces pktgate filters and the counter slots that hold their
 * counters (pg_ifaces), reconciled with the kernel. */
#ifndef __PKTGATE_IFACE_H
#define __PKTGATE_IFACE_H

#include <limits.h>
#include <stdbool.h>

#include "netns.h"
#include "pktgate.h"

struct pg_ctx;

/* The TC hooks of pg_iface.hooks. */
#define TC_HOOKS (PG_HOOK_BIT(PG_HOOK_TC_INGRESS) | PG_HOOK_BIT(PG_HOOK_TC_EGRESS))

/* The interface table (pg_ifaces), as the kernel has it now.
 * Every command that reads it goes through iface_table_read(), so they all
 * agree on what is attached, detached or vanished. */
enum iface_state {
	IFACE_ATTACHED,		/* at least one hook has pktgate's program */
	IFACE_DETACHED,		/* the interface is there, without pktgate */
	IFACE_VANISHED,		/* the interface or its namespace is gone */
};

struct iface_entry {
	int slot;
	enum iface_state state;
	bool here;		/* in the namespace the command runs in */
	bool ns_lost;		/* no file refers to its namespace any more */
	char netns[NAME_MAX + 1];	/* its name under /run/netns, "" if none */
	char nspath[NETNS_PATH_LEN];	/* how to enter its namespace, "" if here or lost */
	/* As recorded, with hooks reduced to what the kernel has. A vanished
	 * interface has ifindex 0 (see iface.c). */
	struct pg_iface rec;
};

struct iface_table {
	int n;
	int first_free;		/* a slot no interface uses, -1 if none */
	struct iface_entry e[PG_MAX_IFACES];
};

const char *iface_state_name(enum iface_state s);
/* The table, reconciled with the kernel; NULL after reporting an error.
 * The caller frees it. */
struct iface_table *iface_table_read(struct pg_ctx *ctx);
/* Work in the namespace of e for a while (no change if it is this one):
 * 0, or an exit code after reporting why not. */
int iface_enter(const struct iface_entry *e, int *saved);
void iface_leave(int saved);
/* Forget a vanished interface and its counters: its slot becomes free. */
int iface_clear(struct pg_ctx *ctx, const struct iface_entry *e);
/* The counter slot of an interface of the current network namespace; -1
 * if it has none (and alloc is false, or all are taken). With alloc, a
 * free slot is taken, else that of a vanished interface. */
int iface_slot(struct pg_ctx *ctx, int ifindex, const char *ifname, bool alloc,
	       struct pg_iface *rec);
int iface_save(struct pg_ctx *ctx, int slot, const struct pg_iface *rec);
int iface_index(struct pg_ctx *ctx, const char *ifname);
/* Check mode: 0 if ctx->netns (entered and left again) has an interface
 * ifname, else an exit code after saying which is missing. */
int iface_check(struct pg_ctx *ctx, const char *ifname);

#endif
