// SPDX-License-Identifier: GPL-2.0
/*
 * The interface table (pg_ifaces). Each interface pktgate has been attached
 * to gets a slot in the counter table, kept after detach so that counters
 * survive re-attach. Interfaces are identified by network namespace and
 * ifindex, since ifindexes repeat across namespaces.
 *
 * The table says what pktgate did; the kernel says what is left of it. An
 * interface can be deleted while attached, or its whole namespace, and
 * another tool can remove pktgate's program, all without pktgate hearing
 * of it. So the table is only ever read through iface_table_read(), which
 * checks each record against the kernel: the interface in its namespace
 * (entered for the check), and the program on each hook pktgate recorded.
 * stats, watch, status, the exporter, save and attach then agree.
 *
 * A record whose interface is gone is marked by ifindex 0, which no
 * interface has. It keeps its name and counters for stats until detach
 * clears it, or until its slot is needed for a new interface. The mark is
 * written as soon as anyone sees the interface gone: namespace inodes are
 * reused, so a record left as it was could later be taken for an interface
 * of a new namespace that happens to get the same inode and ifindex.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "counters.h"
#include "ctx.h"
#include "iface.h"
#include "link.h"
#include "netns.h"
#include "out.h"
#include "tc.h"
#include "xdp.h"

int iface_index(struct pg_ctx *ctx, const char *ifname)
{
	unsigned int idx;

	if (!*ifname || strlen(ifname) >= IF_NAMESIZE)
		return p_usage("invalid interface name '%s'", ifname), -1;
	idx = if_nametoindex(ifname);
	if (!idx) {
		if (ctx->netns)
			p_err("no interface '%s' in network namespace '%s'", ifname, ctx->netns);
		else
			p_err("no interface '%s'", ifname);
		return -1;
	}
	return idx;
}

int iface_check(struct pg_ctx *ctx, const char *ifname)
{
	char path[NETNS_PATH_LEN];
	int saved, idx, err;

	if (!ctx->netns)
		return iface_index(ctx, ifname) < 0 ? PG_EXIT_ERR : 0;
	snprintf(path, sizeof(path), "/run/netns/%s", ctx->netns);
	err = strchr(ctx->netns, '/') ? -EINVAL : netns_enter(path, &saved);
	if (err)
		return p_err("no network namespace '%s' (%s: %s)", ctx->netns, path,
			     strerror(-err));
	idx = iface_index(ctx, ifname);
	netns_leave(saved);
	return idx < 0 ? PG_EXIT_ERR : 0;
}

int iface_save(struct pg_ctx *ctx, int slot, const struct pg_iface *rec)
{
	__u32 key = slot;

	if (bpf_map_update_elem(ctx->maps.ifaces, &key, rec, BPF_ANY))
		return p_err("cannot record interface %s: %s", rec->ifname, strerror(errno));
	return 0;
}

const char *iface_state_name(enum iface_state s)
{
	switch (s) {
	case IFACE_ATTACHED: return "attached";
	case IFACE_DETACHED: return "detached";
	default: return "vanished";
	}
}

/* ---- reconciling with the kernel ---------------------------------------- */

static bool prog_alive(__u32 id)
{
	int fd = id ? bpf_prog_get_fd_by_id(id) : -1;

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* pktgate's program on a hook of a link, as the kernel has it now. */
static __u32 hook_prog(const struct pg_link *l, int hook, __u32 recorded)
{
	if (hook != PG_HOOK_XDP)
		return tc_prog_id(l->ifindex, hook);
	/* The link reports the program itself, or a libxdp dispatcher that
	 * holds it. */
	if (!l->xdp_prog_id || l->xdp_prog_id == recorded)
		return l->xdp_prog_id;
	return xdp_prog_id(l->ifindex);
}

static void mark_vanished(struct iface_entry *e)
{
	e->state = IFACE_VANISHED;
	e->rec.hooks = 0;
	e->rec.ifindex = 0;
}

/* The entries of one namespace, checked from inside it. */
static void check_netns(struct iface_table *t, uint64_t ino)
{
	struct pg_link *links = NULL;
	size_t n = 0;
	int err = link_dump(&links, &n);

	if (err) {
		/* Unknown is not gone: the records stay as they are. */
		p_debug("cannot list interfaces over netlink: %s", strerror(-err));
		return;
	}
	for (int i = 0; i < t->n; i++) {
		struct iface_entry *e = &t->e[i];
		const struct pg_link *l = NULL;

		if (e->rec.netns_ino != ino || !e->rec.ifindex)
			continue;
		for (size_t k = 0; k < n && !l; k++)
			if (links[k].ifindex == (int)e->rec.ifindex)
				l = &links[k];
		if (!l) {
			mark_vanished(e);
			continue;
		}
		/* Renamed since: ifindexes are not reused while the namespace lives. */
		snprintf(e->rec.ifname, sizeof(e->rec.ifname), "%s", l->name);
		for (int h = 0; h < PG_HOOK_MAX; h++) {
			if (!(e->rec.hooks & PG_HOOK_BIT(h)))
				continue;
			if (hook_prog(l, h, e->rec.prog_id[h]) != e->rec.prog_id[h]) {
				/* Removed by another tool, or replaced. */
				e->rec.hooks &= ~PG_HOOK_BIT(h);
				e->rec.prog_id[h] = 0;
			}
		}
		e->state = e->rec.hooks ? IFACE_ATTACHED : IFACE_DETACHED;
	}
	free(links);
}

/* A namespace no file refers to any more: its virtual interfaces went with
 * it, and their programs. A physical device returns to the initial
 * namespace, possibly with its XDP program still running: then the hooks
 * whose program lives are reported as attached, though nobody can reach
 * them by name. */
static void check_lost(struct iface_entry *e)
{
	for (int h = 0; h < PG_HOOK_MAX; h++)
		if (e->rec.hooks & PG_HOOK_BIT(h) && !prog_alive(e->rec.prog_id[h]))
			e->rec.hooks &= ~PG_HOOK_BIT(h);
	if (e->rec.hooks)
		e->state = IFACE_ATTACHED;
	else
		mark_vanished(e);
}

static bool ns_known(const struct netns_ref *ns, int n, uint64_t ino)
{
	for (int i = 0; i < n; i++)
		if (ns[i].ino == ino)
			return true;
	return false;
}

/* Write the vanished mark, unless the record changed since it was read
 * (a command holding the lock may have reused or cleared the slot). */
static void persist_vanished(struct pg_ctx *ctx, const struct iface_entry *e,
			     const struct pg_iface *seen)
{
	struct pg_iface now;
	__u32 key = e->slot;

	if (bpf_map_lookup_elem(ctx->maps.ifaces, &key, &now) || memcmp(&now, seen, sizeof(now)))
		return;
	if (bpf_map_update_elem(ctx->maps.ifaces, &key, &e->rec, BPF_EXIST))
		p_debug("cannot mark %s as vanished: %s", e->rec.ifname, strerror(errno));
}

struct iface_table *iface_table_read(struct pg_ctx *ctx)
{
	struct iface_table *t = calloc(1, sizeof(*t));
	struct pg_iface *seen = calloc(PG_MAX_IFACES, sizeof(*seen));
	struct netns_ref *ns = calloc(PG_MAX_IFACES, sizeof(*ns));
	int nns = 0;

	if (!t || !seen || !ns) {
		free(t);
		t = NULL;
		p_err("out of memory");
		goto out;
	}
	t->first_free = -1;
	for (__u32 s = 0; s < PG_MAX_IFACES; s++) {
		struct iface_entry *e = &t->e[t->n];
		struct pg_iface r;

		if (bpf_map_lookup_elem(ctx->maps.ifaces, &s, &r))
			continue;
		if (!r.in_use) {
			if (t->first_free < 0)
				t->first_free = s;
			continue;
		}
		seen[t->n++] = r;
		e->slot = s;
		e->rec = r;
		e->rec.ifname[PG_IFNAME_LEN - 1] = '\0';
		e->here = r.netns_ino == ctx->netns_ino;
		e->state = !r.ifindex ? IFACE_VANISHED : r.hooks ? IFACE_ATTACHED : IFACE_DETACHED;
		if (!e->here && !ns_known(ns, nns, r.netns_ino))
			ns[nns++].ino = r.netns_ino;
	}

	check_netns(t, ctx->netns_ino);
	netns_find(ns, nns);
	for (int i = 0; i < nns; i++) {
		int saved;

		for (int k = 0; k < t->n; k++) {
			struct iface_entry *e = &t->e[k];
			const char *name = netns_ref_name(&ns[i]);

			if (e->rec.netns_ino != ns[i].ino)
				continue;
			snprintf(e->nspath, sizeof(e->nspath), "%s", ns[i].path);
			snprintf(e->netns, sizeof(e->netns), "%s", name ? name : "");
			e->ns_lost = !ns[i].path[0];
			if (e->ns_lost && e->rec.ifindex)
				check_lost(e);
		}
		if (!ns[i].path[0])
			continue;
		if (netns_enter(ns[i].path, &saved)) {
			p_debug("cannot enter %s to check interfaces there", ns[i].path);
			continue;
		}
		check_netns(t, ns[i].ino);
		netns_leave(saved);
	}
	if (ctx->netns)
		for (int k = 0; k < t->n; k++)
			if (t->e[k].here)
				snprintf(t->e[k].netns, sizeof(t->e[k].netns), "%s", ctx->netns);

	for (int k = 0; k < t->n; k++)
		if (t->e[k].state == IFACE_VANISHED && seen[k].ifindex)
			persist_vanished(ctx, &t->e[k], &seen[k]);
out:
	free(seen);
	free(ns);
	return t;
}

int iface_enter(const struct iface_entry *e, int *saved)
{
	int err;

	*saved = -1;
	if (e->here)
		return 0;
	if (!e->nspath[0])
		return p_err("%s is in a network namespace pktgate cannot enter (inode %llu): "
			     "no file refers to it", e->rec.ifname,
			     (unsigned long long)e->rec.netns_ino);
	err = netns_enter(e->nspath, saved);
	if (err)
		return p_err("cannot enter the network namespace of %s (%s): %s", e->rec.ifname,
			     e->nspath, strerror(-err));
	return 0;
}

void iface_leave(int saved)
{
	if (saved >= 0)
		netns_leave(saved);
}

int iface_clear(struct pg_ctx *ctx, const struct iface_entry *e)
{
	struct pg_iface none = {};

	return iface_save(ctx, e->slot, &none);
}

/* ---- slots ------------------------------------------------------------ */

static void reset_counters(struct pg_ctx *ctx, int slot)
{
	for (int h = 0; h < PG_HOOK_MAX; h++)
		ctr_zero_stats(ctx, slot, h);
}

int iface_slot(struct pg_ctx *ctx, int ifindex, const char *ifname, bool alloc,
	       struct pg_iface *rec)
{
	struct iface_table *t = iface_table_read(ctx);
	int slot = -1, vanished = -1;

	if (!t)
		return -1;
	for (int i = 0; i < t->n; i++) {
		const struct iface_entry *e = &t->e[i];

		if (e->here && e->rec.ifindex == (__u32)ifindex) {
			*rec = e->rec;
			slot = e->slot;
			goto out;
		}
		if (vanished < 0 && e->state == IFACE_VANISHED)
			vanished = e->slot;
	}
	if (!alloc)
		goto out;
	/* A vanished interface's counters are kept while there is room. */
	slot = t->first_free >= 0 ? t->first_free : vanished;
	if (slot < 0) {
		p_err("all %d interface slots are in use", PG_MAX_IFACES);
		goto out;
	}
	memset(rec, 0, sizeof(*rec));
	rec->in_use = 1;
	rec->ifindex = ifindex;
	rec->netns_ino = ctx->netns_ino;
	strncpy(rec->ifname, ifname, sizeof(rec->ifname) - 1);
	reset_counters(ctx, slot);
out:
	free(t);
	return slot;
}
