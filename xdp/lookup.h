/* SPDX-License-Identifier: GPL-2.0 */
/*
 * List lookups shared by the XDP and TC programs: for one kind (allow or
 * deny), the live entry that covers an address, in both tiers (see
 * maps/pktgate.h), with TTLs.
 *
 * pg_kind_lookup() is a global function: the verifier checks it once, on
 * its own, instead of once per kind and per path of the caller, and it
 * answers in scalars (struct pg_lk), so the caller goes on from one state
 * whatever matched.
 */
#ifndef __PKTGATE_LOOKUP_H
#define __PKTGATE_LOOKUP_H

#include "pktgate_maps.bpf.h"

/* One kind's lookup: what it looks for, and what it found. */
struct pg_lk {
	__u8 addr[16];		/* the address the entries name, network order */
	__u64 now;		/* CLOCK_MONOTONIC (coarse), read at first need; 0: not yet */
	__u32 kind;		/* enum pg_list_kind */
	__u32 tables;		/* pg_config.tables */
	__u32 slot;		/* the kind's generation: PG_GEN_SLOT() */
	__u8 family;		/* 4 or 6 */
	__u8 l4proto;
	__u8 ports;		/* TCP/UDP with ports, or ICMP with its type, read */
	__u8 found;		/* result: an entry matched */
	__u8 dport[2];		/* network order */
	__u8 list_id;		/* result: the list whose counters the hit goes to */
	__u8 prefixlen;		/* result: the matching entry's address prefix length */
	__u32 rule_id;		/* result: its own counter, 0 if none */
	/* Match keys (match.h): set only while pg_config.sels has bits. */
	__u32 sels;		/* pg_config.sels */
	__u8 local[16];		/* the other address than addr */
	__u8 sport[2];		/* network order */
	__u8 l4;		/* L4 header read (not a later fragment) */
	__u8 egress;		/* addr is the destination */
};

static __always_inline __u64 pg_lk_now(struct pg_lk *k)
{
	if (!k->now)
		k->now = bpf_ktime_get_coarse_ns();
	return k->now;
}

#include "lists_sel.h"

/* The one liveness rule of both tiers: in a list that applies on this
 * interface, TTL not run out. (A dynamic entry is always in a list; a
 * compiled one is in none after a del, until the next bulk change leaves
 * it out.) */
static __always_inline int pg_live(const struct pg_rule *r, struct pg_lk *k)
{
	return (r->lists & cfg_lists) && (!r->expires_ns || r->expires_ns > pg_lk_now(k));
}

static __always_inline void pg_lk_take(struct pg_lk *k, const struct pg_rule *r)
{
	k->found = 1;
	k->rule_id = r->rule_id;
	k->list_id = pg_sel_list(r);
	k->prefixlen = r->prefixlen;
}

/* ---- dynamic tier: LPM tries ---- */

/* An entry that is not live is absent: look again with a shorter prefix,
 * so that a live covering entry of the same table still matches. Each
 * round strictly shortens the prefix, so max_prefixlen + 1 rounds always
 * suffice; they run under bpf_loop(), so the verifier checks one round.
 * base is the part of the key matched in full ahead of the address (port
 * keys). */
struct pg_live_walk {
	void *map;
	void *key;		/* prefixlen first */
	struct pg_lk *k;
	const struct pg_rule *r;
	__u32 base;
};

static long pg_live_step(__u32 i, void *data)
{
	struct pg_live_walk *w = data;
	const struct pg_rule *r = bpf_map_lookup_elem(w->map, w->key);

	if (!r)
		return 1;
	if (pg_live(r, w->k)) {
		w->r = r;
		return 1;
	}
	if (!r->prefixlen)
		return 1;
	*(__u32 *)w->key = w->base + r->prefixlen - 1;
	return 0;
}

static __always_inline const struct pg_rule *
pg_lpm_live(void *map, void *key, __u32 max_plen, __u32 base, struct pg_lk *k)
{
	const struct pg_rule *r = bpf_map_lookup_elem(map, key);
	struct pg_live_walk w = { .map = map, .key = key, .k = k, .base = base };

	if (!r || pg_live(r, k))
		return r;
	if (!r->prefixlen)
		return 0;
	*(__u32 *)key = base + r->prefixlen - 1;
	bpf_loop(max_plen, pg_live_step, &w, 0);
	return w.r;
}

/* ---- compiled tier (maps/pktgate.h: "the compiled index") ---- */

/* All ones if k <= x, else 0, without a branch (BPF has no conditional
 * move; a branch per key would multiply the verifier's paths): for keys
 * below 2^63, the sign of x - k; for 64-bit keys, the borrow of x - k. */
static __always_inline __u64 pg_le16(__u64 k, __u64 x)
{
	return ~(__u64)((__s64)(x - k) >> 63);
}

static __always_inline __u64 pg_le64(__u64 k, __u64 x)
{
	return ((((~x & k) | (~(x ^ k) & (x - k))) >> 63) & 1) - 1;
}

/* name(b, x): the last key <= x of a block (its index), by halving from
 * step TOP; k[0] is the key count less one, and the way down proved the
 * first key <= x. For tree blocks (TOP: half the fan), small blocks and
 * runs' blocks (maps/pktgate.h). */
#define PG_DEFINE_FIND(name, F, LE, TOP)				\
static __always_inline __u32 name(const union pg_cblk##F *b, __u64 x)	\
{									\
	__u64 lo = 0, d;						\
									\
	_Pragma("unroll")						\
	for (__u32 step = (TOP); step; step /= 2)			\
		lo += step & LE(b->k[lo + step], x);			\
	d = (__u64)b->k[0] - lo;	/* unused keys are all ones: x may equal them */ \
	return lo + (d & (__u64)((__s64)d >> 63));			\
}

PG_DEFINE_FIND(pg_cblk4_find, 4, pg_le16, PG_CFAN4 / 2)
PG_DEFINE_FIND(pg_cblk6_find, 6, pg_le64, PG_CFAN6 / 2)
PG_DEFINE_FIND(pg_csmall4_find, 4, pg_le16, PG_CSMALL / 2)
PG_DEFINE_FIND(pg_csmall6_find, 6, pg_le64, PG_CSMALL / 2)
PG_DEFINE_FIND(pg_crun_find, 4, pg_le16, PG_CRUN_PER / 2)

/* One level of a chunk's tree, if the chunk has it (levels run from
 * PG_CLEVELS_MAX down to 1; the chunk's top is its number of levels). */
#define PG_CLEVEL(F, m, cm)						\
	if (levels >= (m)) {						\
		el = off + j;						\
		b = bpf_map_lookup_elem(idx, &el);			\
		if (!b)							\
			return 0;					\
		j = j * PG_CFAN##F + pg_cblk##F##_find(b, x);		\
		off += (cm);						\
	}

/* The entry of the range holding x, in the chunk of descriptor desc. */
#define PG_DEFINE_CHUNK(F, LPB)						\
static __always_inline __u32 pg_cchunk##F(void *idx, __u64 desc, __u64 x) \
{									\
	__u32 n = PG_CN(desc), levels = PG_CLEVELS(desc);		\
	__u32 off = desc >> 32, j = 0, el;				\
	__u32 c1 = (n + PG_CFAN##F - 1) / PG_CFAN##F;			\
	__u32 c2 = (c1 + PG_CFAN##F - 1) / PG_CFAN##F;			\
	__u32 c3 = (c2 + PG_CFAN##F - 1) / PG_CFAN##F;			\
	__u32 c4 = (c3 + PG_CFAN##F - 1) / PG_CFAN##F;			\
	__u32 c5 = (c4 + PG_CFAN##F - 1) / PG_CFAN##F;			\
	const union pg_cblk##F *b;					\
									\
	if (!levels) {							\
		b = bpf_map_lookup_elem(idx, &off);			\
		if (!b)							\
			return 0;					\
		return b->l[PG_CSMALL_L##F + (pg_csmall##F##_find(b, x) & (PG_CSMALL - 1))]; \
	}								\
	PG_CLEVEL(F, 6, 1)						\
	PG_CLEVEL(F, 5, c5)						\
	PG_CLEVEL(F, 4, c4)						\
	PG_CLEVEL(F, 3, c3)						\
	PG_CLEVEL(F, 2, c2)						\
	PG_CLEVEL(F, 1, c1)						\
	el = off + j / (LPB);						\
	b = bpf_map_lookup_elem(idx, &el);				\
	if (!b)								\
		return 0;						\
	return b->l[j % (LPB)];						\
}

PG_DEFINE_CHUNK(4, 16)
PG_DEFINE_CHUNK(6, 32)

/* The leaf of a run's block el: fast or none. */
static __always_inline __u32 pg_crun_leaf(void *idx, __u32 el, __u64 x)
{
	const union pg_cblk4 *b = bpf_map_lookup_elem(idx, &el);
	__u32 l16;

	if (!b)
		return 0;
	l16 = b->k[PG_CRUN_PER + (pg_crun_find(b, x) & (PG_CRUN_PER - 1))];
	return l16 ? PG_CRUN_FAST(l16) : 0;
}

/* A run (maps/pktgate.h): the slot's root keys pick the block, the
 * block's the leaf. */
static __always_inline __u32 pg_crun(void *idx, const struct pg_cslot4 *sl, __u64 v, __u64 x)
{
	__u64 j = 0, last = (PG_CRUN_N(v) - 1) / PG_CRUN_PER, d;

	j += 1 & pg_le16(sl->rk[0], x);
	j += 1 & pg_le16(sl->rk[1], x);
	j += 1 & pg_le16(sl->rk[2], x);
	j += 1 & pg_le16(sl->rk[3], x);
	d = last - j;	/* unused keys are all ones: x may equal them */
	return pg_crun_leaf(idx, (v >> 32) + j + (d & (__u64)((__s64)d >> 63)), x);
}

/* A run with a root block: its keys pick the block. */
static __always_inline __u32 pg_crun2(void *idx, __u64 v, __u64 x)
{
	__u32 el = v >> 32;
	const union pg_cblk4 *b = bpf_map_lookup_elem(idx, &el);

	if (!b)
		return 0;
	return pg_crun_leaf(idx, el + 1 + pg_cblk4_find(b, x), x);
}

static __always_inline __u32 pg_cindex_v4(void *idx, const __u8 *a)
{
	__u32 s = (__u32)a[0] << 8 | a[1], el = s / PG_CSLOTS4, x = (__u32)a[2] << 8 | a[3];
	const union pg_cblk4 *d = bpf_map_lookup_elem(idx, &el);
	const struct pg_cslot4 *sl;
	__u64 v;

	if (!d)
		return 0;
	sl = &d->s[s % PG_CSLOTS4];
	v = sl->d;
	if (v & PG_CDIR_LEAF)
		return (__u32)v;
	if (PG_CLEVELS(v) == PG_CRUN)
		return pg_crun(idx, sl, v, x);
	if (PG_CLEVELS(v) == PG_CRUN2)
		return pg_crun2(idx, v, x);
	return pg_cchunk4(idx, v, x);
}

static __always_inline __u32 pg_cindex_v6(void *idx, const __u8 *a)
{
	__u64 v, half, top;
	__u32 s, el, e;
	const union pg_cblk6 *d;

	__builtin_memcpy(&half, a, 8);
	top = __builtin_bswap64(half);
	s = PG_CDIR6_SLOT(top);
	el = s / 16;
	d = bpf_map_lookup_elem(idx, &el);
	if (!d)
		return 0;
	v = d->d[s % 16];
	if (v & PG_CDIR_LEAF)
		return (__u32)v;
	e = pg_cchunk6(idx, v, top);
	if (!(e & PG_CNODE))
		return e;
	__builtin_memcpy(&half, a + 8, 8);
	half = __builtin_bswap64(half);
	if (e & PG_CHOST) {
		/* One host alone in its /64: its record. */
		const struct pg_chost6 *h;

		el = PG_CHOST_BLK(e);
		d = bpf_map_lookup_elem(idx, &el);
		if (!d)
			return 0;
		h = &d->h[e & 7];
		return h->low == half ? h->hit : h->miss;
	}
	el = e & ~PG_CNODE;
	d = bpf_map_lookup_elem(idx, &el);
	if (!d)
		return 0;
	if (d->k[0] & PG_CSMALL_BIG)
		return pg_cchunk6(idx, d->d[1], half);
	return d->l[PG_CSMALL_L6 + (pg_csmall6_find(d, half) & (PG_CSMALL - 1))];
}

/* A compiled entry that is not live gives way to its parent, the next
 * shorter entry covering it: at most once per prefix length. */
struct pg_cwalk {
	void *ents;
	__u32 e;
	struct pg_lk *k;
	const struct pg_rule *r;
};

static long pg_cwalk_step(__u32 i, void *data)
{
	struct pg_cwalk *w = data;
	const struct pg_rule *r;

	if (!w->e)
		return 1;
	r = bpf_map_lookup_elem(w->ents, &w->e);
	if (!r)
		return 1;
	if (pg_live(r, w->k)) {
		w->r = r;
		return 1;
	}
	w->e = ((const struct pg_cent_v4 *)r)->parent;	/* at the same offset in both */
	return 0;
}

/* A fast leaf's answer (maps/pktgate.h: PG_CFAST): found unless the
 * interface does not select its list, and then there is nothing under it. */
static __always_inline void pg_cfast_take(__u32 leaf, struct pg_lk *k)
{
	if (!pg_sel_has(PG_CFAST_LIST(leaf)))
		return;
	k->found = 1;
	k->rule_id = 0;
	k->list_id = PG_CFAST_LIST(leaf);
	k->prefixlen = PG_CFAST_PLEN(leaf);
}

/* Entry e's answer from its record, walking to covering entries past one
 * that is not live. Only then is the kind's entries array looked up. */
static __always_inline void pg_cslow(void *ents, __u32 e, __u32 max_plen, struct pg_lk *k)
{
	struct pg_cwalk w = { .ents = ents, .k = k };
	const struct pg_rule *r;

	r = bpf_map_lookup_elem(ents, &e);
	if (!r)
		return;
	if (!pg_live(r, k)) {
		w.e = ((const struct pg_cent_v4 *)r)->parent;
		bpf_loop(max_plen, pg_cwalk_step, &w, 0);
		r = w.r;
	}
	if (r)
		pg_lk_take(k, r);
}

/* ---- one kind, one family ---- */

/* The generation of a table in use; NULL until user space fills it. */
#define PG_GEN(map, k)		bpf_map_lookup_elem(&map, &(k)->slot)
#define PG_HAS(k, F, tbl)	((k)->tables & PG_TABLE_BIT((k)->kind, F, tbl))

#include "match.h"

PG_DEFINE_MATCH(4, 4)
PG_DEFINE_MATCH(6, 16)

/* A host entry of the dynamic tier if there is one (the longest prefix
 * there can be, and in no other tier); else the longest live prefix of
 * either tier; else a port-scoped entry: the packet's protocol and
 * destination port (or ICMP type), then the same protocol with any port
 * (entries with other match keys: match.h). Tables that hold nothing cost
 * nothing. */
#define PG_DEFINE_LOOKUP(F, ALEN)					\
static __always_inline void pg_lookup_v##F(struct pg_lk *k)		\
{									\
	const struct pg_rule *r = 0;					\
	void *t, *e;							\
									\
	if (PG_HAS(k, F, PG_TBL_EXACT) &&				\
	    (t = PG_GEN(pg_tbl_x##F, k))) {				\
		struct pg_exact_v##F x;					\
									\
		__builtin_memcpy(x.addr, k->addr, ALEN);		\
		r = bpf_map_lookup_elem(t, &x);				\
		if (r && pg_live(r, k)) {				\
			pg_lk_take(k, r);				\
			return;						\
		}							\
	}								\
	if (PG_HAS(k, F, PG_TBL_CENT) &&				\
	    (t = PG_GEN(pg_tbl_c##F, k))) {				\
		__u32 ce = pg_cindex_v##F(t, k->addr);			\
									\
		if (ce & PG_CFAST)					\
			pg_cfast_take(ce, k);				\
		else if (ce && (e = PG_GEN(pg_tbl_e##F, k)))		\
			pg_cslow(e, ce, (ALEN) * 8 + 1, k);		\
	}								\
	if ((!k->found || k->prefixlen < (ALEN) * 8) && PG_HAS(k, F, PG_TBL_PREFIX) && \
	    (t = PG_GEN(pg_tbl_v##F, k))) {				\
		struct pg_lpm_v##F key = { .prefixlen = (ALEN) * 8 };	\
									\
		__builtin_memcpy(key.addr, k->addr, ALEN);		\
		r = pg_lpm_live(t, &key, (ALEN) * 8, 0, k);		\
		if (r && (!k->found || r->prefixlen > k->prefixlen))	\
			pg_lk_take(k, r);				\
	}								\
	if (!k->found && k->ports && PG_HAS(k, F, PG_TBL_PORT) &&	\
	    (t = PG_GEN(pg_tbl_p##F, k))) {				\
		struct pg_port_v##F key = {				\
			.prefixlen = PG_PORT_KEY_BITS + (ALEN) * 8,	\
			.proto = k->l4proto,				\
			.port = { k->dport[0], k->dport[1] },		\
		};							\
									\
		__builtin_memcpy(key.addr, k->addr, ALEN);		\
		r = pg_lpm_live(t, &key, (ALEN) * 8, PG_PORT_KEY_BITS, k); \
		if (!r) {						\
			key.prefixlen = PG_PORT_KEY_BITS + (ALEN) * 8;	\
			key.port[0] = key.port[1] = 0;			\
			r = pg_lpm_live(t, &key, (ALEN) * 8, PG_PORT_KEY_BITS, k); \
		}							\
		if (r)							\
			pg_lk_take(k, r);				\
	}								\
}

PG_DEFINE_LOOKUP(4, 4)
PG_DEFINE_LOOKUP(6, 16)

/* 1 if an entry of k->kind matched (its fields are in k), else 0. */
__attribute__((noinline)) int pg_kind_lookup(struct pg_lk *k)
{
	if (!k)
		return 0;
	k->found = 0;
	if (k->kind >= PG_LIST_KIND_MAX)
		return 0;
	if (k->family == 4)
		pg_lookup_v4(k);
	else if (k->family == 6)
		pg_lookup_v6(k);
	return k->found;
}

/* pg_kind_lookup() if a table of the kind and family may hold entries. */
static __always_inline int pg_kind_find(struct pg_lk *k)
{
	k->found = 0;
	if (!(k->tables & PG_KIND_TABLES(k->kind, k->family)))
		return 0;
	return pg_kind_lookup(k);
}

#endif /* __PKTGATE_LOOKUP_H */
