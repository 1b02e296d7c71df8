/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rate limits and bans (limit add), after the lists and the policy had
 * their say: what would pass is charged to every limit covering the remote
 * peer, and a banned source is dropped. maps/pktgate.h ("Rate limits and
 * bans") has the design; this is the per-packet side. Without limits and
 * bans it costs one branch on pg_config.tables, which pg_classify has
 * already read.
 */
#ifndef __PKTGATE_LIMIT_H
#define __PKTGATE_LIMIT_H

#include "verdict.h"

#define PG_TCP_SYN	0x02	/* in the TCP header's flags byte */
#define PG_TCP_ACK	0x10

/* What the limit code needs of a packet: a copy, since a global function
 * sees its arguments as memory it may not follow pointers out of. */
struct pg_lim_pkt {
	__u64 now;		/* the coarse clock */
	__u64 fine;		/* bpf_ktime_get_ns(), read for the first PG_LIM_FINE limit */
	__u64 seed;
	__u32 len;
	__u32 ifslot;		/* cfg_slot + 1, as pg_limit.ifslot */
	__u16 dport;		/* host order */
	__u8 family;
	__u8 l4proto;
	__u8 syn;		/* a TCP SYN without ACK */
	__u8 have_ids;		/* ids holds the limits (PG_LIMIT_ALL_BIT) */
	__u8 ids[PG_LIMITS_PER_ADDR];
	__u8 pad[6];
	__u8 addr[16];
};

/* Charge cost to a GCRA bucket of tolerance tol: 1 if the packet conforms
 * (the bucket moved on), 0 if not (unchanged). Compare-and-swap, so CPUs
 * sharing the bucket never both spend the same credit; a CPU that loses
 * four races in a row gives up the packet to the winners. */
static __always_inline int pg_gcra_take(__u64 *tat, __u64 now, __u64 cost, __u64 tol)
{
	int i;

#pragma unroll
	for (i = 0; i < 4; i++) {
		__u64 old = *(volatile __u64 *)tat;
		__u64 base = old > now ? old : now;

		if (base - now > tol)
			return 0;
		if (__sync_val_compare_and_swap(tat, old, base + cost) == old)
			return 1;
	}
	return 0;
}

/* A packet against one limit's buckets: 1 if it conforms to both rates. A
 * packet the byte rate refuses gives its packet credit back. */
static __always_inline int pg_limit_take(struct pg_gcra *b, const struct pg_limit *l,
					 const struct pg_lim_pkt *c, __u64 now)
{
	if (l->pkt_ns && !pg_gcra_take(&b->tat_ns, now, l->pkt_ns, l->pkt_tol_ns))
		return 0;
	if (l->byte_q10 &&
	    !pg_gcra_take(&b->btat_ns, now, (c->len * l->byte_q10) >> PG_Q10, l->byte_tol_ns)) {
		if (l->pkt_ns)
			__sync_fetch_and_add(&b->tat_ns, -l->pkt_ns);
		return 0;
	}
	return 1;
}

static __always_inline int pg_same_addr(const __u8 *a, const __u8 *b)
{
	const __u32 *x = (const void *)a, *y = (const void *)b;

	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3];
}

/* Write a ban of c's source. 0, or -1 if its row holds PG_BAN_WAYS live
 * bans (the cap: documented in maps/pktgate.h). */
static __always_inline int pg_ban_write(const struct pg_lim_pkt *c, const struct pg_limit *l,
					__u32 id, __u64 now)
{
	__u32 idx = pg_limit_hash(c->family, c->addr, 0, c->seed) & (PG_BAN_ROWS - 1);
	struct pg_ban_row *row = bpf_map_lookup_elem(&pg_bans, &idx);
	struct pg_ban *w = 0;
	int i;

	if (!row)
		return -1;
#pragma unroll
	for (i = 0; i < PG_BAN_WAYS; i++) {
		struct pg_ban *x = &row->way[i];

		if (x->expires_ns > now) {
			if (x->family == c->family && pg_same_addr(x->addr, c->addr))
				return 0;	/* another CPU banned it first */
		} else if (!w) {
			w = x;
		}
	}
	if (!w)
		return -1;
	w->family = c->family;
	__builtin_memcpy(w->addr, c->addr, 16);
	w->limit_id = id;
	w->list_id = l->ban_list;
	w->packets = 0;
	w->bytes = 0;
	w->created_ns = now;
	/* Last: the way is a ban once its deadline is ahead. */
	w->expires_ns = now + l->ban_ns;
	return 0;
}

/* The bucket of c's source under limit id, in its row of pg_src_buckets.
 * A source not there takes the way with the smallest arrival time (the
 * fullest bucket: see maps/pktgate.h), with a full bucket. */
static __always_inline struct pg_src_way *pg_src_way(const struct pg_lim_pkt *c, __u32 id)
{
	__u32 idx = pg_limit_hash(c->family, c->addr, id, c->seed) & (PG_SRC_ROWS - 1);
	struct pg_src_row *row = bpf_map_lookup_elem(&pg_src_buckets, &idx);
	struct pg_src_way *v = 0;
	__u64 vt = ~0ULL;
	int i;

	if (!row)
		return 0;
#pragma unroll
	for (i = 0; i < PG_SRC_WAYS; i++) {
		struct pg_src_way *w = &row->way[i];
		__u64 t = w->b.tat_ns > w->b.btat_ns ? w->b.tat_ns : w->b.btat_ns;

		if (w->limit_id == id && w->family == c->family && pg_same_addr(w->addr, c->addr))
			return w;
		if (t < vt) {
			vt = t;
			v = w;
		}
	}
	if (!v)
		return 0;
	v->limit_id = id;
	v->family = c->family;
	__builtin_memcpy(v->addr, c->addr, 16);
	v->b.tat_ns = 0;
	v->b.btat_ns = 0;
	v->win_start_ns = 0;
	v->win_drops = 0;
	return v;
}

/* One limit: 1 if it drops the packet. Counts in pg_limit_stats. A global
 * function: the verifier checks it once, not once per limit slot. */
__attribute__((noinline)) int pg_limit_one(struct pg_lim_pkt *c, __u32 id)
{
	const struct pg_limit *l;
	struct pg_limit_ctr *ctr;
	struct pg_src_way *w = 0;
	struct pg_gcra *b;
	__u64 now;

	if (!c || !id || id >= PG_MAX_LIMITS)
		return 0;
	l = bpf_map_lookup_elem(&pg_limits, &id);
	if (!l || !l->in_use)
		return 0;
	if (l->ifslot && l->ifslot != c->ifslot)
		return 0;
	if ((l->proto[0] || l->proto[1]) && l->proto[0] != c->l4proto && l->proto[1] != c->l4proto)
		return 0;
	if (l->port_hi && (c->dport < l->port_lo || c->dport > l->port_hi))
		return 0;
	if ((l->flags & PG_LIM_SYN) && !c->syn)
		return 0;
	if (l->flags & PG_LIM_PER_SOURCE) {
		w = pg_src_way(c, id);
		b = w ? &w->b : 0;
	} else {
		b = bpf_map_lookup_elem(&pg_limit_state, &id);
	}
	ctr = bpf_map_lookup_elem(&pg_limit_stats, &id);
	if (!b || !ctr)
		return 0;
	now = c->now;
	if (l->flags & PG_LIM_FINE) {
		if (!c->fine)
			c->fine = bpf_ktime_get_ns();
		now = c->fine;
	}
	if (pg_limit_take(b, l, c, now)) {
		ctr->passed++;
		return 0;
	}
	ctr->dropped++;
	ctr->dropped_bytes += c->len;
	if (w && l->ban_ns) {
		if (now - w->win_start_ns > l->ban_window_ns) {
			w->win_start_ns = now;
			w->win_drops = 0;
		}
		/* == : one ban attempt per window, so a full ban row costs
		 * no more than one search per window. */
		if (++w->win_drops == l->ban_drops) {
			if (pg_ban_write(c, l, id, now))
				ctr->ban_full++;
			else
				ctr->bans++;
		}
	}
	return 1;
}

/* A ban of the peer, live at now: its list id + 1, counted; else 0. */
static __always_inline int pg_ban_find(struct pg_lim_pkt *c, __u64 now)
{
	__u32 idx = pg_limit_hash(c->family, c->addr, 0, c->seed) & (PG_BAN_ROWS - 1);
	struct pg_ban_row *row = bpf_map_lookup_elem(&pg_bans, &idx);
	int i;

	if (!row)
		return 0;
#pragma unroll
	for (i = 0; i < PG_BAN_WAYS; i++) {
		struct pg_ban *x = &row->way[i];

		if (x->expires_ns > now && x->family == c->family && pg_same_addr(x->addr, c->addr)) {
			__sync_fetch_and_add(&x->packets, 1);
			__sync_fetch_and_add(&x->bytes, c->len);
			return x->list_id + 1;
		}
	}
	return 0;
}

/* Reasons a limit applies to: what would pass, decided by no protect,
 * neighbour or parsing rule. */
static __always_inline int pg_limit_applies(__u32 reason)
{
	return reason == PG_R_DEFAULT || reason == PG_R_ALLOW || reason == PG_R_FRAGMENT ||
	       reason == PG_R_ESTABLISHED || reason == PG_R_RELATED;
}

/* Bans, then limits: the new reason of the packet, and in *list the ban's
 * list id + 1. */
__attribute__((noinline)) int pg_limits_apply(struct pg_lim_pkt *c, __u32 *list, __u32 tables)
{
	struct pg_limit_set *set = 0;
	int i, b;

	if (!c || !list)
		return 0;
	c->now = bpf_ktime_get_coarse_ns();
	if (tables & PG_BANS_BIT) {
		b = pg_ban_find(c, c->now);
		if (b) {
			*list = b;
			return PG_R_BAN;
		}
	}
	if (!c->have_ids) {
		if (c->family == 4 && (tables & PG_LIMIT_BIT(4))) {
			struct pg_lpm_v4 k4 = { .prefixlen = 32 };

			__builtin_memcpy(k4.addr, c->addr, 4);
			set = bpf_map_lookup_elem(&pg_limit_v4, &k4);
		} else if (c->family == 6 && (tables & PG_LIMIT_BIT(6))) {
			struct pg_lpm_v6 k6 = { .prefixlen = 128 };

			__builtin_memcpy(k6.addr, c->addr, 16);
			set = bpf_map_lookup_elem(&pg_limit_v6, &k6);
		}
		if (!set)
			return 0;
		__builtin_memcpy(c->ids, set->id, PG_LIMITS_PER_ADDR);
	}
#pragma unroll
	for (i = 0; i < PG_LIMITS_PER_ADDR; i++) {
		__u32 id = c->ids[i];

		if (!id)
			break;
		if (pg_limit_one(c, id))
			return PG_R_LIMIT;
	}
	return 0;
}

/* After pg_classify and the policy. */
static __always_inline void pg_limit(struct pg_hit *h, __u32 len)
{
	const struct pg_config *cfg = h->cfg;
	struct pg_lim_pkt c = {};
	__u32 tables, list = 0;
	int r;

	if (!cfg)
		return;
	tables = cfg->tables & (PG_LIMIT_BIT(4) | PG_LIMIT_BIT(6) | PG_BANS_BIT |
				PG_LIMIT_ALL_BIT(4) | PG_LIMIT_ALL_BIT(6));
	if (!tables || !h->pkt.family || !pg_limit_applies(h->reason))
		return;
	if (tables & PG_LIMIT_ALL_BIT(h->pkt.family)) {
		__builtin_memcpy(c.ids, cfg->limit_all[h->pkt.family == 6], PG_LIMITS_PER_ADDR);
		c.have_ids = 1;
	}
	c.seed = cfg->limit_seed;
	c.len = len;
	c.ifslot = cfg_slot + 1;
	c.dport = bpf_ntohs(h->pkt.dport);
	c.family = h->pkt.family;
	c.l4proto = h->pkt.l4proto;
	c.syn = h->pkt.l4proto == IPPROTO_TCP &&
		(h->pkt.tcp_flags & (PG_TCP_SYN | PG_TCP_ACK)) == PG_TCP_SYN;
	__builtin_memcpy(c.addr, h->match == PG_MATCH_SRC ? h->pkt.saddr : h->pkt.daddr, 16);
	r = pg_limits_apply(&c, &list, tables);
	if (r == PG_R_BAN || r == PG_R_LIMIT) {
		h->reason = r;
		h->rule_id = 0;
		h->match_plen = r == PG_R_BAN ? (c.family == 4 ? 32 : 128) : PG_NO_MATCH;
		h->match_kind = PG_LIST_DENY;
		h->list_id = r == PG_R_BAN ? (list - 1) & (PG_MAX_LISTS - 1) : 0;
	}
}

#endif /* __PKTGATE_LIMIT_H */
