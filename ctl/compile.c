// SPDX-License-Identifier: GPL-2.0
/*
 * The compiled tier's builder (see compile.h and maps/pktgate.h).
 *
 * Prefixes either nest or are disjoint, so one sweep over the entries in
 * (address, length) order with a stack of the open ones gives each entry
 * its parent and cuts the address space into ranges, each with the
 * innermost entry covering it. Neighbouring ranges with the same entry
 * merge. The ranges then go into chunks behind the 16-bit direct table
 * (and, for IPv6 prefixes longer than /64, a second chunk per /64).
 * Everything is linear after the sort.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "vec.h"

typedef unsigned __int128 u128;

struct range {
	u128 start;
	uint32_t leaf;
};

struct ranges {
	struct range *v;
	size_t n, cap;
};

/* A range from start on, with leaf: replaces one starting at the same
 * point, merges into the previous one if it has the same leaf. */
static int emit(struct ranges *r, u128 start, uint32_t leaf)
{
	if (r->n && r->v[r->n - 1].start == start)
		r->n--;
	if (r->n && r->v[r->n - 1].leaf == leaf)
		return 0;
	if (vec_grow(&r->v, r->n, &r->cap, sizeof(*r->v), 1024))
		return -ENOMEM;
	r->v[r->n++] = (struct range){ start, leaf };
	return 0;
}

static u128 key_of(int fam6, const uint8_t *addr)
{
	u128 k = 0;

	for (int i = 0; i < (fam6 ? 16 : 4); i++)
		k = k << 8 | addr[i];
	return k;
}

static u128 last_of(int fam6, u128 start, int plen)
{
	int w = fam6 ? 128 : 32;

	if (plen >= w)
		return start;
	if (!plen)
		return fam6 ? ~(u128)0 : 0xffffffffu;
	return start | (((u128)1 << (w - plen)) - 1);
}

static int ent_cmp(const void *pa, const void *pb)
{
	const struct compile_ent *a = pa, *b = pb;
	int c = memcmp(a->addr, b->addr, 16);

	return c ? c : (int)a->plen - (int)b->plen;
}

const uint8_t *compile_addr(const void *ents, int fam6, size_t i)
{
	const char *p = (const char *)ents + i * compile_ent_size(fam6);

	return fam6 ? ((const struct pg_cent_v6 *)p)->addr : ((const struct pg_cent_v4 *)p)->addr;
}

uint32_t compile_parent(const void *ents, int fam6, size_t i)
{
	const char *p = (const char *)ents + i * compile_ent_size(fam6);

	return fam6 ? ((const struct pg_cent_v6 *)p)->parent
		    : ((const struct pg_cent_v4 *)p)->parent;
}

/* Records, parents and the ranges of the whole address space. */
static int sweep(int fam6, const struct compile_ent *v, size_t n, void *ents, struct ranges *r)
{
	uint32_t *stack = malloc((fam6 ? 129 : 33) * sizeof(*stack));
	u128 *last = malloc((n + 1) * sizeof(*last));
	u128 max = fam6 ? ~(u128)0 : 0xffffffffu;
	size_t depth = 0, esz = compile_ent_size(fam6);
	int err = 0;

	if (!stack || !last) {
		err = -ENOMEM;
		goto out;
	}
	err = emit(r, 0, 0);
	for (size_t i = 1; !err && i <= n; i++) {
		const struct compile_ent *e = &v[i - 1];
		u128 s = key_of(fam6, e->addr);
		char *rec = (char *)ents + i * esz;

		/* Close the open prefixes that end before this one starts. */
		while (!err && depth && last[stack[depth - 1]] < s) {
			u128 end = last[stack[--depth]];

			if (end < max)
				err = emit(r, end + 1, depth ? stack[depth - 1] : 0);
		}
		last[i] = last_of(fam6, s, e->plen);
		if (fam6) {
			struct pg_cent_v6 *c = (struct pg_cent_v6 *)rec;

			c->r = e->rule;
			c->r.prefixlen = e->plen;
			c->parent = depth ? stack[depth - 1] : 0;
			memcpy(c->addr, e->addr, 16);
		} else {
			struct pg_cent_v4 *c = (struct pg_cent_v4 *)rec;

			c->r = e->rule;
			c->r.prefixlen = e->plen;
			c->parent = depth ? stack[depth - 1] : 0;
			memcpy(c->addr, e->addr, 4);
		}
		if (!err)
			err = emit(r, s, i);
		stack[depth++] = i;
	}
	while (!err && depth) {
		u128 end = last[stack[--depth]];

		if (end < max)
			err = emit(r, end + 1, depth ? stack[depth - 1] : 0);
	}
out:
	free(stack);
	free(last);
	return err;
}

/* The index being written: blocks of bw 64-bit words. */
struct out {
	uint64_t *v;
	size_t n, cap;		/* in blocks */
	size_t bw;		/* words a block */
	const void *ents;	/* the swept records, for fast leaves */
	int fam6;
	struct shadow *sh;	/* runs whose shadows are still to write */
	size_t nsh, capsh;
	size_t hblk;		/* IPv6: the block of host records being filled */
	unsigned hused;		/* its records in use (8: none being filled) */
};

/* A run's chunk: its shadow tree goes after every block a lookup reads. */
struct shadow {
	const struct range *rs;
	size_t n;
	u128 base;
};

/* The direct table's first blocks: IPv4 slots are 16 bytes (a descriptor
 * and a run's root keys), IPv6 slots 8. */
static size_t dir_blocks(int fam6)
{
	return fam6 ? PG_CDIR6_SLOTS / (sizeof(union pg_cblk6) / 8) : PG_CDIR_SIZE / PG_CSLOTS4;
}

/* Slot c's descriptor word (IPv4: the root keys are the next word). */
static uint64_t *dir_slot(const uint64_t *idx, bool wide, size_t c)
{
	return (uint64_t *)idx + (wide ? c : 2 * c);
}

uint32_t compile_fast_leaf(const void *rec, int fam6)
{
	const struct pg_rule *r = rec;

	if (r->expires_ns || r->rule_id || !r->lists || (r->lists & (r->lists - 1)) ||
	    compile_parent(rec, fam6, 0))
		return 0;
	return PG_CFAST_LEAF(r->prefixlen, r->list_id);
}

/* What the index holds for a range's entry (or a PG_CNODE block). */
static uint32_t leaf_of(const struct out *o, uint32_t leaf)
{
	uint32_t f = !leaf || (leaf & PG_CNODE) ? 0 :
		     compile_fast_leaf(compile_rule((void *)o->ents, o->fam6, leaf), o->fam6);

	return f ? f : leaf;
}

static int reserve(struct out *o, size_t more)
{
	if (o->n + more > o->cap) {
		size_t cap = o->cap ? o->cap : 8192;
		uint64_t *nv;

		while (cap < o->n + more)
			cap *= 2;
		nv = realloc(o->v, cap * o->bw * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		o->v = nv;
		o->cap = cap;
	}
	return 0;
}

static uint64_t *blk(struct out *o, size_t b)
{
	return o->v + b * o->bw;
}

/* Key i of a block: 16 bits (IPv4) or 64. */
static void key_put(uint64_t *b, bool wide, unsigned i, uint64_t v)
{
	if (wide)
		b[i] = v;
	else
		((uint16_t *)b)[i] = (uint16_t)v;
}

/* The key of range start s in a chunk from base: IPv6 the whole 64-bit
 * start, IPv4 the low 16 bits. */
static uint64_t key_in(u128 s, u128 base, bool wide)
{
	return wide ? (uint64_t)s : (uint64_t)(s - base);
}

/* Up to PG_CSMALL ranges in block b, keys and leaves (maps/pktgate.h). */
static void put_small(const struct out *o, uint64_t *b, const struct range *rs, size_t n,
		      u128 base, bool wide)
{
	uint32_t *l = (uint32_t *)b + (wide ? PG_CSMALL_L6 : PG_CSMALL_L4);

	memset(b, 0, o->bw * sizeof(uint64_t));
	for (unsigned k = 1; k < PG_CSMALL; k++)
		key_put(b, wide, k, k < n ? key_in(rs[k].start, base, wide) : wide ? UINT64_MAX : 0xffff);
	key_put(b, wide, 0, n - 1);
	for (size_t k = 0; k < n; k++)
		l[k] = leaf_of(o, rs[k].leaf);
}

/* Levels of a B+-tree over n keys, fan a block; its blocks per level
 * from the bottom in cnt[] (0 if it would be too deep). */
static size_t tree_levels(size_t n, unsigned fan, size_t cnt[PG_CLEVELS_MAX + 1])
{
	size_t lv = 0;

	cnt[0] = (n + fan - 1) / fan;
	while (cnt[lv] > 1) {
		if (++lv >= PG_CLEVELS_MAX)
			return 0;
		cnt[lv] = (cnt[lv - 1] + fan - 1) / fan;
	}
	return lv + 1;
}

static int put_tree(struct out *o, const struct range *rs, size_t n, u128 base, bool wide,
		    uint64_t *desc);

/* An IPv4 chunk whose leaves are all fast or none, if it is one. */
static bool run_fits(const struct out *o, const struct range *rs, size_t n)
{
	if (n <= PG_CSMALL || n > PG_CRUN2_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint32_t l = leaf_of(o, rs[i].leaf);

		if (l && !(l & PG_CFAST))
			return false;
	}
	return true;
}

/* A run over rs[0..n) (maps/pktgate.h), its root keys in the slot's
 * second word or (more than PG_CRUN_ROOT + 1 blocks) in a root block;
 * its shadow B+-tree comes later (put_shadows). Its descriptor, and the
 * slot's second word. */
static int put_run(struct out *o, const struct range *rs, size_t n, u128 base, uint64_t *desc,
		   uint64_t *root)
{
	size_t m = (n + PG_CRUN_PER - 1) / PG_CRUN_PER, first = o->n;
	bool big = m > PG_CRUN_ROOT + 1;
	size_t blocks = first + big;	/* the run's first block */
	uint16_t rk[PG_CRUN_ROOT];
	int err;

	if (blocks + m >= PG_CNODE)
		return -E2BIG;
	err = reserve(o, m + big);
	if (err)
		return err;
	o->n += m + big;
	memset(blk(o, first), 0, (m + big) * o->bw * sizeof(uint64_t));
	for (unsigned r = 0; r < PG_CRUN_ROOT; r++)
		rk[r] = !big && r + 1 < m ?
			(uint16_t)key_in(rs[(r + 1) * PG_CRUN_PER].start, base, false) : 0xffff;
	if (big) {
		uint16_t *k = (uint16_t *)blk(o, first);

		k[0] = m - 1;
		for (unsigned i = 1; i < PG_CFAN4; i++)
			k[i] = i < m ? (uint16_t)key_in(rs[i * PG_CRUN_PER].start, base, false)
				     : 0xffff;
	}
	for (size_t b = 0; b < m; b++) {
		uint16_t *k = (uint16_t *)blk(o, blocks + b);
		size_t at = b * PG_CRUN_PER, have = n - at < PG_CRUN_PER ? n - at : PG_CRUN_PER;

		k[0] = have - 1;
		for (unsigned i = 1; i < PG_CRUN_PER; i++)
			k[i] = i < have ? (uint16_t)key_in(rs[at + i].start, base, false) : 0xffff;
		for (size_t i = 0; i < have; i++) {
			uint32_t l = leaf_of(o, rs[at + i].leaf);

			k[PG_CRUN_PER + i] = l ? PG_CRUN_LEAF(PG_CFAST_PLEN(l), PG_CFAST_LIST(l)) : 0;
		}
	}
	if (vec_grow(&o->sh, o->nsh, &o->capsh, sizeof(*o->sh), 1024))
		return -ENOMEM;
	o->sh[o->nsh++] = (struct shadow){ rs, n, base };
	*desc = (uint64_t)first << 32 | (uint64_t)(big ? PG_CRUN2 : PG_CRUN) << PG_CN_BITS | n;
	memcpy(root, rk, sizeof(rk));
	return 0;
}

/* The runs' shadow trees, after everything else; each run learns where
 * its shadow is: in its descriptor, or (a run with a root block) in the
 * slot's second word. A shadow too far for the descriptor's bits becomes
 * its slot's chunk instead (a tree: slower, as right). */
static int put_shadows(struct out *o)
{
	int err = 0;

	for (size_t i = 0; i < o->nsh && !err; i++) {
		const struct shadow *sh = &o->sh[i];
		uint64_t sdesc, *slot, delta;

		err = put_tree(o, sh->rs, sh->n, sh->base, false, &sdesc);
		if (err)
			break;
		slot = dir_slot(o->v, false, (size_t)(sh->base >> 16));
		delta = (sdesc >> 32) - (slot[0] >> 32);
		if (PG_CLEVELS(slot[0]) == PG_CRUN2)
			slot[1] = sdesc >> 32;
		else if (delta <= PG_CRUN_SHADOW_MAX)
			slot[0] |= delta << PG_CRUN_N_BITS;
		else
			slot[0] = sdesc;
	}
	free(o->sh);
	o->sh = NULL;
	o->nsh = o->capsh = 0;
	return err;
}

/* The shadow of the run in slot: its B+-tree. */
static uint64_t run_shadow(const uint64_t *slot)
{
	uint64_t desc = slot[0], base;
	bool big = PG_CLEVELS(desc) == PG_CRUN2;
	size_t n = big ? PG_CN(desc) : PG_CRUN_N(desc), cnt[PG_CLEVELS_MAX + 1];

	base = big ? (uint32_t)slot[1] : (desc >> 32) + PG_CRUN_SHADOW(desc);
	return base << 32 | (uint64_t)tree_levels(n, PG_CFAN4, cnt) << PG_CN_BITS | n;
}

/* A chunk over rs[0..n) from base: one small block, an IPv4 run (root
 * given: its keys go there), or a B+-tree (see maps/pktgate.h); its
 * descriptor. */
static int put_chunk(struct out *o, const struct range *rs, size_t n, u128 base, bool wide,
		     uint64_t *desc, uint64_t *root)
{
	if (!n || n >= (1u << PG_CN_BITS))
		return -E2BIG;
	if (n <= PG_CSMALL) {
		int err;

		if (o->n + 1 >= PG_CNODE)
			return -E2BIG;
		err = reserve(o, 1);
		if (err)
			return err;
		put_small(o, blk(o, o->n), rs, n, base, wide);
		*desc = (uint64_t)o->n++ << 32 | n;
		return 0;
	}
	if (root && !wide && run_fits(o, rs, n))
		return put_run(o, rs, n, base, desc, root);
	return put_tree(o, rs, n, base, wide, desc);
}

static int put_tree(struct out *o, const struct range *rs, size_t n, u128 base, bool wide,
		    uint64_t *desc)
{
	unsigned fan = wide ? PG_CFAN6 : PG_CFAN4, lpb = o->bw * 2;	/* leaves a block */
	size_t cnt[PG_CLEVELS_MAX + 1], total = 0, first, lv = 0, at;
	uint64_t *firsts = NULL, pad = wide ? UINT64_MAX : 0xffff;
	int err = 0;

	/* Blocks per level, bottom (cnt[0]) up to the root (one block). */
	lv = tree_levels(n, fan, cnt);
	if (!lv--)
		return -E2BIG;
	for (size_t l = 0; l <= lv; l++)
		total += cnt[l];
	first = o->n;
	if (first + total + (n + lpb - 1) / lpb >= PG_CNODE)
		return -E2BIG;
	err = reserve(o, total + (n + lpb - 1) / lpb);
	firsts = malloc(n * sizeof(*firsts));
	if (err || !firsts) {
		free(firsts);
		return -ENOMEM;
	}
	/* IPv6: whole 64-bit starts; IPv4: the low 16 bits. The first is
	 * never compared. */
	for (size_t i = 0; i < n; i++)
		firsts[i] = !i ? 0 : key_in(rs[i].start, base, wide);
	o->n += total + (n + lpb - 1) / lpb;
	memset(blk(o, first), 0, (total + (n + lpb - 1) / lpb) * o->bw * sizeof(uint64_t));
	/* Levels from the bottom: block b of a level holds the first keys of
	 * its fan children (or ranges); firsts[] then becomes the level's. */
	at = first + total;
	for (size_t l = 0, items = n; l <= lv; l++) {
		size_t nb = cnt[l];

		at -= nb;
		for (size_t b = 0; b < nb; b++) {
			uint64_t *k = blk(o, at + b);
			size_t have = items - b * fan < fan ? items - b * fan : fan;

			for (unsigned i = 1; i < fan; i++)
				key_put(k, wide, i, i < have ? firsts[b * fan + i] : pad);
			key_put(k, wide, 0, have - 1);
		}
		for (size_t b = 0; b < nb; b++)
			firsts[b] = firsts[b * fan];
		items = nb;
	}
	free(firsts);
	/* The entries of the ranges, after the tree. */
	for (size_t i = 0; i < n; i++) {
		uint32_t *lb = (uint32_t *)blk(o, first + total + i / lpb);

		lb[i % lpb] = leaf_of(o, rs[i].leaf);
	}
	*desc = (uint64_t)first << 32 | (uint64_t)(lv + 1) << PG_CN_BITS | n;
	return 0;
}

/* Direct slots from slot on, count of them, each over 2^low keys from lo0
 * on, with chunks behind those that have more than one range. */
static int put_slots(struct out *o, const struct range *rs, size_t n, u128 lo0, int low,
		     size_t slot, size_t count, bool wide)
{
	size_t p = 0;

	for (size_t c = 0; c < count; c++) {
		u128 lo = lo0 + ((u128)c << low), hi = lo + (((u128)1 << low) - 1);
		uint64_t desc, root = UINT64_MAX;
		size_t q;
		int err;

		/* rs[p]: the range holding lo; rs[p..q): those in this slot. */
		while (p + 1 < n && rs[p + 1].start <= lo)
			p++;
		for (q = p + 1; q < n && rs[q].start <= hi; q++)
			;
		if (q - p == 1) {
			*dir_slot(o->v, wide, slot + c) = PG_CDIR_LEAF | leaf_of(o, rs[p].leaf);
			continue;
		}
		err = put_chunk(o, rs + p, q - p, lo, wide, &desc, wide ? NULL : &root);
		if (err)
			return err;
		/* put_chunk may have moved o->v */
		*dir_slot(o->v, wide, slot + c) = desc;
		if (!wide)
			dir_slot(o->v, wide, slot + c)[1] = root;
		p = q - 1;
	}
	return 0;
}

/* The direct table: IPv4 over 32-bit keys; IPv6 over the top 64 bits,
 * 2000::/3 by /20s (PG_CDIR6_SLOT). */
static int put_top(struct out *o, const struct range *rs, size_t n, int bits)
{
	int err;

	if (bits == 32)
		return put_slots(o, rs, n, 0, 32 - PG_CDIR_BITS, 0, PG_CDIR_SIZE, false);
	err = put_slots(o, rs, n, 0, 64 - PG_CDIR_BITS, 0, PG_CDIR6_FINE_LO, true);
	for (size_t c = PG_CDIR6_FINE_LO; c < PG_CDIR6_FINE_HI; c++)
		o->v[c] = PG_CDIR_LEAF;	/* read by no lookup */
	if (!err)
		err = put_slots(o, rs, n, (u128)PG_CDIR6_FINE_LO << 48, 64 - 3 - PG_CDIR6_UBITS,
				PG_CDIR_SIZE, (size_t)1 << PG_CDIR6_UBITS, true);
	if (!err)
		err = put_slots(o, rs, n, (u128)PG_CDIR6_FINE_HI << 48, 64 - PG_CDIR_BITS,
				PG_CDIR6_FINE_HI, PG_CDIR_SIZE - PG_CDIR6_FINE_HI, true);
	return err;
}

static int build_v4(struct ranges *r, struct out *o)
{
	int err = put_top(o, r->v, r->n, 32);

	return err ? err : put_shadows(o);
}

/* A /64's ranges over the low 64 bits that one host alone cuts, as a
 * host record (maps/pktgate.h); its leaf, or 0 if they are not that. */
static uint32_t put_host(struct out *o, const struct ranges *sub)
{
	const struct range *v = sub->v;
	struct pg_chost6 h;

	if (sub->n == 3 && v[0].leaf == v[2].leaf && v[2].start == v[1].start + 1)
		h = (struct pg_chost6){ (uint64_t)v[1].start, v[1].leaf, v[0].leaf };
	else if (sub->n == 2 && v[1].start == 1)
		h = (struct pg_chost6){ 0, v[0].leaf, v[1].leaf };
	else if (sub->n == 2 && (uint64_t)v[1].start == UINT64_MAX)
		h = (struct pg_chost6){ UINT64_MAX, v[1].leaf, v[0].leaf };
	else
		return 0;
	if (o->hused == 8) {
		if (o->n > PG_CHOST_MAX_BLK || reserve(o, 1))
			return 0;	/* a small block then */
		o->hblk = o->n++;
		memset(blk(o, o->hblk), 0, o->bw * sizeof(uint64_t));
		o->hused = 0;
	}
	h.hit = leaf_of(o, h.hit);
	h.miss = leaf_of(o, h.miss);
	((struct pg_chost6 *)blk(o, o->hblk))[o->hused] = h;
	return PG_CNODE | PG_CHOST | (uint32_t)(o->hblk << 3 | o->hused++);
}

/* IPv6: /64 blocks with starts inside them get a chunk of their own over
 * the low 64 bits (or a host record); the rest is ranges over the top 64
 * bits. */
static int build_v6(struct ranges *r, struct out *o)
{
	struct ranges top = {};
	int err = 0;

	o->hused = 8;

	for (size_t i = 0; !err && i < r->n;) {
		u128 block = r->v[i].start >> 64;
		size_t j = i;
		struct ranges sub = {};
		uint64_t desc_el, desc;

		while (j < r->n && r->v[j].start >> 64 == block)
			j++;
		if (j - i == 1 && !(uint64_t)r->v[i].start) {
			err = emit(&top, block, r->v[i].leaf);
			i = j;
			continue;
		}
		/* The range holding the block's first address comes first. */
		if ((uint64_t)r->v[i].start)
			err = emit(&sub, 0, i ? r->v[i - 1].leaf : 0);
		for (size_t k = i; !err && k < j; k++)
			err = emit(&sub, (uint64_t)r->v[k].start, r->v[k].leaf);
		if (!err && (desc = put_host(o, &sub))) {
			free(sub.v);
			err = emit(&top, block, (uint32_t)desc);
			if (!err && block != UINT64_MAX)
				err = emit(&top, block + 1, r->v[j - 1].leaf);
			i = j;
			continue;
		}
		if (!err)
			err = reserve(o, 1);
		if (!err) {
			uint64_t *b;

			desc_el = o->n++;
			b = blk(o, desc_el);
			if (sub.n <= PG_CSMALL) {
				put_small(o, b, sub.v, sub.n, 0, true);
			} else {
				memset(b, 0, o->bw * sizeof(uint64_t));
				err = put_chunk(o, sub.v, sub.n, 0, true, &desc, NULL);
				b = blk(o, desc_el);	/* put_chunk may have moved o->v */
				b[0] = PG_CSMALL_BIG;
				b[1] = desc;
			}
		}
		free(sub.v);
		if (!err)
			err = emit(&top, block, PG_CNODE | (uint32_t)desc_el);
		if (!err && block != UINT64_MAX)
			err = emit(&top, block + 1, r->v[j - 1].leaf);
		i = j;
	}
	if (!err)
		err = put_top(o, top.v, top.n, 64);
	free(top.v);
	return err;
}

/* A binary heap of runs, by their head entries. */
struct run {
	size_t at, end;
};

static void heap_down(struct run *h, size_t k, size_t i, const struct compile_ent *v)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		struct run t;

		if (l < k && ent_cmp(&v[h[l].at], &v[h[m].at]) < 0)
			m = l;
		if (l + 1 < k && ent_cmp(&v[h[l + 1].at], &v[h[m].at]) < 0)
			m = l + 1;
		if (m == i)
			return;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

/* See compile.h. A k-way merge of the sorted runs, in one pass. */

bool compile_order(const struct compile_ent *src, size_t n, struct compile_ent *dst)
{
	struct run h[COMPILE_ORDER_RUNS];
	size_t k = 0, out = 0;

	for (size_t i = 0; i < n;) {
		size_t j = i + 1;

		while (j < n && ent_cmp(&src[j - 1], &src[j]) <= 0)
			j++;
		if (k == COMPILE_ORDER_RUNS)
			return false;
		h[k++] = (struct run){ i, j };
		i = j;
	}
	for (size_t i = k; i-- > 0;)
		heap_down(h, k, i, src);
	while (k) {
		dst[out++] = src[h[0].at++];
		if (h[0].at == h[0].end)
			h[0] = h[--k];
		heap_down(h, k, 0, src);
	}
	return true;
}

/* Callers that merged sorted runs (bulk.c) need no sort: one pass tells. */
static bool is_sorted(const struct compile_ent *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (ent_cmp(&v[i - 1], &v[i]) > 0)
			return false;
	return true;
}

int compile_build(int fam6, struct compile_ent *v, size_t n, struct compiled *out)
{
	struct ranges r = {};
	struct out o = {};
	int err;

	memset(out, 0, sizeof(*out));
	out->fam6 = fam6;
	if (n >= PG_CENT_MAX)
		return -E2BIG;
	if (n && !is_sorted(v, n))
		qsort(v, n, sizeof(*v), ent_cmp);
	out->nents = n + 1;
	out->ents = calloc(n + 1, compile_ent_size(fam6));
	o.bw = compile_blk_size(fam6) / sizeof(uint64_t);
	err = out->ents ? reserve(&o, dir_blocks(fam6)) : -ENOMEM;
	if (!err) {
		o.n = dir_blocks(fam6);
		memset(o.v, 0, o.n * o.bw * sizeof(uint64_t));
		err = sweep(fam6, v, n, out->ents, &r);
	}
	o.ents = out->ents;
	o.fam6 = fam6;
	if (!err)
		err = fam6 ? build_v6(&r, &o) : build_v4(&r, &o);
	out->ranges = r.n;
	free(r.v);
	free(o.sh);
	out->idx = o.v;
	out->nidx = o.n;
	if (err)
		compile_free(out);
	return err;
}

void compile_free(struct compiled *c)
{
	free(c->idx);
	free(c->ents);
	c->idx = NULL;
	c->ents = NULL;
	c->nidx = c->nents = 0;
}

size_t compile_find(const void *ents, size_t nents, int fam6, const uint8_t *addr, uint8_t plen)
{
	size_t lo = 1, hi = nents, alen = fam6 ? 16 : 4;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(compile_addr(ents, fam6, mid), addr, alen);

		if (!c)
			c = (int)compile_rule((void *)ents, fam6, mid)->prefixlen - plen;
		if (!c)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* The last key <= x of a block (its index), halving from step top; k[0]
 * is the key count less one. As xdp/lookup.h's PG_DEFINE_FIND. */
static size_t blk_find(const uint64_t *b, bool wide, unsigned top, uint64_t x)
{
	size_t i = 0, cnt1 = wide ? b[0] : ((const uint16_t *)b)[0];

	for (unsigned step = top; step; step /= 2)
		if ((wide ? b[i + step] : ((const uint16_t *)b)[i + step]) <= x)
			i += step;
	return i > cnt1 ? cnt1 : i;
}

/* Where the leaf of the range holding x is in a small block. */
static uint32_t *small_pos(const uint64_t *b, uint64_t x, bool wide)
{
	return (uint32_t *)b + (wide ? PG_CSMALL_L6 : PG_CSMALL_L4) +
	       blk_find(b, wide, PG_CSMALL / 2, x);
}

/* As the datapath does it (xdp/lookup.h), block by block: where the
 * leaf of the range holding x is (NULL past the array's end). A chunk's
 * leaves are one run of __u32, in range order. */
static uint32_t *chunk_pos(const uint64_t *idx, size_t nblk, size_t bw, uint64_t desc,
			   uint64_t x, bool wide)
{
	unsigned fan = wide ? PG_CFAN6 : PG_CFAN4, lpb = bw * 2;
	size_t n = PG_CN(desc), levels = PG_CLEVELS(desc);
	size_t cnt[PG_CLEVELS_MAX + 1], off = desc >> 32, j = 0;

	if (!levels)
		return off < nblk ? small_pos(idx + off * bw, x, wide) : NULL;
	if (levels > PG_CLEVELS_MAX || tree_levels(n, fan, cnt) != levels)
		return NULL;
	for (size_t l = levels; l-- > 0;) {
		if (off + j >= nblk)
			return NULL;
		j = j * fan + blk_find(idx + (off + j) * bw, wide, fan / 2, x);
		off += cnt[l];
	}
	if (off + j / lpb >= nblk)
		return NULL;
	return (uint32_t *)(idx + off * bw) + j;
}

/* The same in a PG_CNODE block over the low 64 bits of IPv6 (or its host
 * record: the leaf of the host or of the rest). */
static uint32_t *node_pos(const uint64_t *idx, size_t nblk, size_t bw, uint32_t leaf, uint64_t x)
{
	size_t k = leaf & ~PG_CNODE;
	const uint64_t *b = idx + k * bw;

	if (leaf & PG_CHOST) {
		struct pg_chost6 *h;

		if (PG_CHOST_BLK(leaf) >= nblk)
			return NULL;
		h = (struct pg_chost6 *)(idx + PG_CHOST_BLK(leaf) * bw) + (leaf & 7);
		return x == h->low ? &h->hit : &h->miss;
	}
	if (k >= nblk)
		return NULL;
	if (b[0] & PG_CSMALL_BIG)
		return chunk_pos(idx, nblk, bw, b[1], x, true);
	return small_pos(b, x, true);
}

static uint64_t half_of(const uint8_t *a)
{
	uint64_t h = 0;

	for (int i = 0; i < 8; i++)
		h = h << 8 | a[i];
	return h;
}

/* What a run answers for x (its leaf, as a 32-bit one). */
static uint32_t run_leaf(const uint64_t *idx, size_t nblk, const uint64_t *slot, uint64_t x)
{
	uint64_t d = slot[0];
	const uint16_t *rk = (const uint16_t *)&slot[1], *k;
	size_t j = 0, i, b;

	if (PG_CLEVELS(d) == PG_CRUN2) {
		b = d >> 32;
		if (b >= nblk)
			return 0;
		b += 1 + blk_find(idx + b * (sizeof(union pg_cblk4) / 8), false, PG_CFAN4 / 2, x);
	} else {
		size_t last = (PG_CRUN_N(d) - 1) / PG_CRUN_PER;

		for (unsigned r = 0; r < PG_CRUN_ROOT; r++)
			j += rk[r] <= x;
		if (j > last)
			j = last;
		b = (d >> 32) + j;
	}
	if (b >= nblk)
		return 0;
	k = (const uint16_t *)(idx + b * (sizeof(union pg_cblk4) / 8));
	i = blk_find((const uint64_t *)k, false, PG_CRUN_PER / 2, x);
	return k[PG_CRUN_PER + i] ? PG_CRUN_FAST(k[PG_CRUN_PER + i]) : 0;
}

static bool is_run(uint64_t d)
{
	return !(d & PG_CDIR_LEAF) &&
	       (PG_CLEVELS(d) == PG_CRUN || PG_CLEVELS(d) == PG_CRUN2);
}

uint32_t compile_leaf(const uint64_t *idx, size_t nblk, int fam6, const uint8_t *addr)
{
	size_t bw = compile_blk_size(fam6) / sizeof(uint64_t);
	uint32_t k = fam6 ? PG_CDIR6_SLOT(half_of(addr)) : (uint32_t)addr[0] << 8 | addr[1], *p;
	const uint64_t *slot = dir_slot(idx, fam6, k);
	uint64_t d;

	if (dir_blocks(fam6) > nblk)
		return 0;
	d = slot[0];
	if (d & PG_CDIR_LEAF)
		return (uint32_t)d;
	if (!fam6 && is_run(d))
		return run_leaf(idx, nblk, slot, (uint32_t)addr[2] << 8 | addr[3]);
	p = fam6 ? chunk_pos(idx, nblk, bw, d, half_of(addr), true)
		 : chunk_pos(idx, nblk, bw, d, (uint32_t)addr[2] << 8 | addr[3], false);
	if (p && fam6 && (*p & PG_CNODE))
		p = node_pos(idx, nblk, bw, *p, half_of(addr + 8));
	return p ? *p : 0;
}

uint32_t compile_lookup(const struct compiled *c, const uint8_t *addr)
{
	uint32_t leaf = compile_leaf(c->idx, c->nidx, c->fam6, addr);
	uint8_t a[16] = {};
	int plen = PG_CFAST_PLEN(leaf);

	if (!(leaf & PG_CFAST))
		return leaf;
	for (int i = 0; i < (c->fam6 ? 16 : 4); i++) {
		int keep = plen - i * 8;

		a[i] = keep >= 8 ? addr[i] : keep > 0 ? addr[i] & (uint8_t)(0xff << (8 - keep)) : 0;
	}
	return compile_find(c->ents, c->nents, c->fam6, a, plen);
}

/* Leaves p..q that hold fv become e (with the nodes under them, IPv6,
 * between lo and hi of the low 64 bits). */
static size_t unfast_run(const uint64_t *idx, size_t nblk, size_t bw, uint32_t *p, uint32_t *q,
			 uint32_t fv, uint32_t e, uint64_t lo, uint64_t hi)
{
	size_t n = 0;

	for (; p && q && p <= q; p++) {
		uint32_t v = __atomic_load_n(p, __ATOMIC_RELAXED);

		if (v == fv) {
			__atomic_store_n(p, e, __ATOMIC_RELAXED);
			n++;
		} else if (v & PG_CNODE) {
			n += unfast_run(idx, nblk, bw, node_pos(idx, nblk, bw, v, lo),
					node_pos(idx, nblk, bw, v, hi), fv, e, 0, 0);
		}
	}
	return n;
}

/* One direct slot's part, keys x0..x1, of compile_unfast. */
static size_t unfast_slot(uint64_t *idx, size_t nblk, int fam6, uint64_t *slot, uint64_t x0,
			  uint64_t x1, uint32_t fv, uint32_t e, uint64_t nlo, uint64_t nhi)
{
	size_t bw = compile_blk_size(fam6) / sizeof(uint64_t), n;
	uint64_t d = __atomic_load_n(slot, __ATOMIC_RELAXED);
	bool run = !fam6 && is_run(d);

	if (d & PG_CDIR_LEAF) {
		if ((uint32_t)d != fv)
			return 0;
		__atomic_store_n(slot, PG_CDIR_LEAF | e, __ATOMIC_RELAXED);
		return 1;
	}
	/* A run's leaves cannot name an entry: its shadow tree, with the
	 * same answers, takes over (after the change below). */
	if (run)
		d = run_shadow(slot);
	n = unfast_run(idx, nblk, bw, chunk_pos(idx, nblk, bw, d, x0, fam6),
		       chunk_pos(idx, nblk, bw, d, x1, fam6), fv, e, nlo, nhi);
	if (run)
		__atomic_store_n(slot, d, __ATOMIC_RELEASE);
	return n;
}

size_t compile_unfast(uint64_t *idx, size_t nblk, int fam6, const void *rec, uint32_t e)
{
	uint32_t fv = compile_fast_leaf(rec, fam6);
	int plen = ((const struct pg_rule *)rec)->prefixlen;
	u128 lo = key_of(fam6, compile_addr(rec, fam6, 0)), hi = last_of(fam6, lo, plen);
	/* IPv6: the low 64 bits bound nodes only inside a prefix longer than /64. */
	uint64_t nlo = plen > 64 ? (uint64_t)lo : 0, nhi = plen > 64 ? (uint64_t)hi : UINT64_MAX;
	size_t n = 0;

	if (!fv || dir_blocks(fam6) > nblk)
		return 0;
	if (!fam6) {
		for (uint32_t c = (uint32_t)(lo >> 16); c <= (uint32_t)(hi >> 16); c++)
			n += unfast_slot(idx, nblk, 0, dir_slot(idx, false, c),
					 c == (uint32_t)(lo >> 16) ? (uint64_t)(lo & 0xffff) : 0,
					 c == (uint32_t)(hi >> 16) ? (uint64_t)(hi & 0xffff) : 0xffff,
					 fv, e, nlo, nhi);
		return n;
	}
	/* IPv6: the slots of the top halves lo..hi, /16s or (2000::/3) /20s. */
	for (uint64_t t = (uint64_t)(lo >> 64), top = (uint64_t)(hi >> 64);;) {
		uint64_t span = 1ULL << PG_CDIR6_SHIFT(t);
		uint64_t slo = t & ~(span - 1), shi = slo + (span - 1);

		n += unfast_slot(idx, nblk, 1, dir_slot(idx, true, PG_CDIR6_SLOT(t)), t,
				 shi < top ? shi : top, fv, e, nlo, nhi);
		if (shi >= top)
			break;
		t = shi + 1;
	}
	return n;
}
