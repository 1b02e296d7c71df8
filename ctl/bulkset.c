// SPDX-License-Identifier: GPL-2.0
/*
 * The entry set of a whole-kind change (see bulk.h): sorting the entries
 * read from the maps and the queued ones so that equal keys meet, and
 * merging them into one entry per key. Pure: no map, no context, so it is
 * unit-tested on its own (tests/bulk).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bulk.h"

void bulk_free(struct bulk *b)
{
	free(b->v);
	free(b->rules);
	free(b->used);
	free(b->was);
	free(b->cedit[0]);
	free(b->cedit[1]);
	memset(b, 0, sizeof(*b));
}

static int key_cmp(const struct bulk_ent *a, const struct bulk_ent *b)
{
	if (a->fam6 != b->fam6)
		return a->fam6 - b->fam6;
	if (a->tbl != b->tbl)
		return a->tbl - b->tbl;
	return memcmp(a->key, b->key, PG_KEY_MAX);
}

/* Sorting a million entries is a sizeable part of a load: sort compact
 * keys that compare as integers. Table byte, then the key without the
 * three bytes of prefixlen that are always zero: at most 22 bytes, big
 * endian in k[], so that integer order is byte order. Equal keys meet,
 * the entry already there first. */
struct sort_key {
	uint64_t k[3];
	uint32_t idx;
};

static void sort_key_of(const struct bulk_ent *e, uint32_t idx, struct sort_key *sk)
{
	uint8_t b[24] = { (uint8_t)(e->fam6 * PG_TBL_MAX + e->tbl) };
	size_t ksz = tables_key_size(e->fam6, e->tbl);

	if (e->tbl == PG_TBL_EXACT) {
		memcpy(b + 1, e->key, ksz);
	} else {
		b[1] = e->key[0];
		memcpy(b + 2, e->key + 4, ksz - 4);
	}
	for (int w = 0; w < 3; w++) {
		uint64_t v = 0;

		for (int i = 0; i < 8; i++)
			v = v << 8 | b[w * 8 + i];
		sk->k[w] = v;
	}
	sk->idx = idx;
}

/* LSD radix sort of the compact keys, 16 bits a pass, least significant
 * first, skipping passes where every key has the same digit (IPv4 keys
 * leave most of k[1] and k[2] zero). Stable, so entries already in the maps
 * (placed first) stay ahead of equal keys being added. */
static int radix_sort(struct sort_key *sk, size_t n)
{
	struct sort_key *tmp = malloc(n * sizeof(*tmp) + 1), *from = sk, *to = tmp;
	size_t *count = malloc(65536 * sizeof(*count));

	if (!tmp || !count) {
		free(tmp);
		free(count);
		return -ENOMEM;
	}
	for (int word = 2; word >= 0; word--)
		for (int shift = 0; shift < 64; shift += 16) {
			size_t sum = 0;
			bool one = false;

			memset(count, 0, 65536 * sizeof(*count));
			for (size_t i = 0; i < n; i++)
				count[from[i].k[word] >> shift & 0xffff]++;
			for (size_t d = 0; d < 65536 && !one; d++)
				one = count[d] == n;
			if (one)
				continue;
			for (size_t d = 0; d < 65536; d++) {
				size_t c = count[d];

				count[d] = sum;
				sum += c;
			}
			for (size_t i = 0; i < n; i++)
				to[count[from[i].k[word] >> shift & 0xffff]++] = from[i];
			from = to;
			to = from == sk ? tmp : sk;
		}
	if (from != sk)
		memcpy(sk, from, n * sizeof(*sk));
	free(tmp);
	free(count);
	return 0;
}

/* How far ahead the gather prefetches: enough misses in flight to cover
 * the memory latency, few enough to stay in the L1 cache. */
#define GATHER_AHEAD 8

/* Put b->v in key order: sort the compact keys, then gather the entries
 * into a new array in that order. Each entry is one cache miss either
 * way, but a gather knows its next sources and prefetches them, where
 * moving in place, cycle by cycle, waits for each miss (two, with the
 * cycle's own array): a fifth of a 1M load. In place, without a second
 * copy of the entries, when there is no memory for one. */
int bulk_sort(struct bulk *b, size_t queued)
{
	struct sort_key *sk = malloc(b->n * sizeof(*sk) + 1);
	struct bulk_ent *nv;
	uint32_t *dest, *src;
	size_t k = 0;

	if (!sk)
		return -ENOMEM;
	/* Entries read from the maps (after the queued ones) go first. */
	for (size_t i = queued; i < b->n; i++)
		sort_key_of(&b->v[i], i, &sk[k++]);
	for (size_t i = 0; i < queued; i++)
		sort_key_of(&b->v[i], i, &sk[k++]);
	if (radix_sort(sk, b->n)) {
		free(sk);
		return -ENOMEM;
	}
	nv = malloc(b->n * sizeof(*nv) + 1);
	if (nv) {
		for (size_t i = 0; i < b->n; i++) {
			if (i + GATHER_AHEAD < b->n)
				__builtin_prefetch(&b->v[sk[i + GATHER_AHEAD].idx]);
			nv[i] = b->v[sk[i].idx];
		}
		free(b->v);
		b->v = nv;
		b->cap = b->n;
		free(sk);
		return 0;
	}
	src = malloc(b->n * sizeof(*src) + 1);
	if (!src) {
		free(sk);
		return -ENOMEM;
	}
	for (size_t i = 0; i < b->n; i++)
		src[i] = sk[i].idx;	/* position i takes entry src[i] */
	/* Reuse the keys' memory for where each entry goes. */
	dest = (uint32_t *)sk;
	for (size_t i = 0; i < b->n; i++)
		dest[src[i]] = i;
	free(src);
	for (size_t i = 0; i < b->n; i++) {
		while (dest[i] != i) {
			uint32_t j = dest[i];
			struct bulk_ent tmp = b->v[j];

			b->v[j] = b->v[i];
			b->v[i] = tmp;
			dest[i] = dest[j];
			dest[j] = j;
		}
	}
	free(sk);
	return 0;
}

/* A port range is one key per port: count it once, at its last port. */
static bool rule_head(const struct bulk_ent *e)
{
	uint8_t addr[16], plen, proto;
	uint16_t port;

	if (e->tbl != PG_TBL_PORT)
		return true;
	tables_key_decode(e->fam6, e->tbl, e->key, addr, &plen, &proto, &port);
	return port == e->val.port_hi;
}

static uint64_t max_expiry(uint64_t a, uint64_t b)
{
	return !a || !b ? 0 : a > b ? a : b;
}

/* One entry per key: the bits of every list holding it, the latest expiry
 * of those (an entry being re-added to its own list takes the new one),
 * the rule id it had. Entries left in no list are dropped. */
size_t bulk_merge(struct bulk *b, struct bulk_result *res)
{
	size_t out = 0;

	for (size_t i = 0; i < b->n;) {
		struct bulk_ent m = b->v[i];
		size_t j = i;
		uint64_t queued = 0;
		bool set = false;

		m.rule = 0;
		if (!m.src) {
			set = m.val.lists != 0;
			j++;
		} else {
			memset(&m.val, 0, sizeof(m.val));
		}
		for (; j < b->n && !key_cmp(&b->v[i], &b->v[j]); j++) {
			const struct bulk_ent *e = &b->v[j];

			queued |= e->src ? e->val.lists : 0;
			m.val.expires_ns = set ? max_expiry(m.val.expires_ns, e->val.expires_ns)
					       : e->val.expires_ns;
			set = true;
			m.val.lists |= e->val.lists;
			m.val.prefixlen = e->val.prefixlen;
			m.val.port_hi = e->val.port_hi;
			if (e->rule)
				m.rule = e->rule;
		}
		if (b->note)
			b->note(b->note_arg, b->kind, &m, b->v[i].src ? 0 : b->v[i].before,
				b->v[i].val.port_hi, queued, rule_head(&m));
		if (!rule_head(&m))
			;	/* a port range counts once */
		else if (m.val.lists & b->focus)
			res->added += !(b->v[i].before & b->focus);
		else
			res->removed += !!(b->v[i].before & b->focus);
		if (m.val.lists) {
			m.val.list_id = __builtin_ctzll(m.val.lists);
			res->listed[m.fam6] += (m.val.lists & b->focus) && rule_head(&m);
			b->v[out++] = m;
		}
		i = j;
	}
	return out;
}

/* See bulk.h. */
void bulk_cedit_apply(const struct bulk_cedit *e, size_t n, struct pg_rule *r, uint64_t now)
{
	uint64_t lists = r->expires_ns && r->expires_ns <= now ? 0 : r->lists;
	bool set;

	for (size_t i = 0; i < n; i++)
		lists &= ~e[i].drop;
	set = lists != 0;
	if (!set)
		r->expires_ns = 0;
	for (size_t i = 0; i < n; i++) {
		if (!e[i].add)
			continue;
		r->expires_ns = set ? max_expiry(r->expires_ns, e[i].expires_ns) : e[i].expires_ns;
		set = true;
		lists |= e[i].add;
	}
	r->lists = lists;
	if (lists)
		r->list_id = __builtin_ctzll(lists);
}
