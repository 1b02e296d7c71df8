/* SPDX-License-Identifier: GPL-2.0 */
/* Attaching pktgate to interfaces (XDP and TC), and the interface slots
 * that hold each interface's counters. */
#ifndef __PKTGATE_ATTACH_H
#define __PKTGATE_ATTACH_H

#include <limits.h>
#include <stdbool.h>

#include "netns.h"
#include "pktgate.h"

struct pg_ctx;

enum { MODE_NATIVE, MODE_GENERIC, MODE_AUTO };	/* --mode, in table order */

#define TC_HOOKS (PG_HOOK_BIT(PG_HOOK_TC_INGRESS) | PG_HOOK_BIT(PG_HOOK_TC_EGRESS))

/* iface.c: the interface table (pg_ifaces), as the kernel has it now.
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
