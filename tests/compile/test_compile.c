// SPDX-License-Identifier: GPL-2.0
/*
 * The compiled tier's builder (ctl/compile.c) against a plain reference:
 * random nested and disjoint prefixes of both families, then every
 * prefix boundary (first and last address, one either side) and random
 * addresses. The answer must be the longest covering prefix, and every
 * record's parent the next shorter covering one; an entry that answers
 * alone must have fast leaves (PG_CFAST), and compile_unfast must turn
 * exactly its leaves into plain ones. One PASS/FAIL line per case, as the
 * other unit test programs print.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"

static int n_pass, n_fail;

static uint64_t rng_state = 0x5eed;

static uint64_t rnd(void)	/* splitmix64 */
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void mask(uint8_t *a, int plen, int alen)
{
	for (int i = 0; i < alen; i++) {
		int keep = plen - i * 8;

		if (keep <= 0)
			a[i] = 0;
		else if (keep < 8)
			a[i] &= (uint8_t)(0xff << (8 - keep));
	}
}

static bool covers(const uint8_t *pfx, int plen, const uint8_t *a, int alen)
{
	uint8_t m[16];

	memcpy(m, a, alen);
	mask(m, plen, alen);
	return !memcmp(m, pfx, alen);
}

/* The longest entry covering a, as an index into v (sorted), or -1. */
static long ref_lookup(const struct compile_ent *v, size_t n, const uint8_t *a, int alen)
{
	long best = -1;

	for (size_t i = 0; i < n; i++)
		if (covers(v[i].addr, v[i].plen, a, alen) && (best < 0 || v[i].plen > v[best].plen))
			best = i;
	return best;
}

static void addr_add(uint8_t *a, int alen, int delta)	/* a += delta (+1 or -1) */
{
	for (int i = alen - 1; i >= 0; i--) {
		int was = a[i];

		a[i] += delta;
		if ((delta > 0 && was != 0xff) || (delta < 0 && was != 0))
			break;
	}
}

static int min_plen;	/* > 0: fewer entries cover the others */
static int sparse;	/* spread over more /16s */
static int plain;	/* every entry in list 0 alone: runs (IPv4) */

/* Prefixes clustered in a few places so that they nest and touch. */
static void random_set(struct compile_ent *v, size_t *n, size_t want, int fam6)
{
	int alen = fam6 ? 16 : 4, w = alen * 8;
	size_t k = 0;

	while (k < want) {
		struct compile_ent e = { .plen = min_plen + rnd() % (w + 1 - min_plen) };
		bool dup = false;

		for (int i = 0; i < alen; i++)
			e.addr[i] = rnd();
		/* A handful of clusters: the top bits from a small set (or
		 * from 64 /16s, a few entries each: small chunks). */
		e.addr[0] = 0x20 + rnd() % 3;
		e.addr[1] = rnd() % (sparse ? 22 : 2);
		if (sparse && rnd() % 4 == 0)	/* IPv6: outside 2000::/3 too */
			e.addr[0] = rnd() % 2 ? 0xfc + rnd() % 4 : rnd() % 0x20;
		if (rnd() % 4 == 0)
			e.plen = w - rnd() % 3;	/* many hosts and near-hosts */
		mask(e.addr, e.plen, alen);
		/* Most in list 0 alone (fast when no entry covers them); some
		 * in list 3, in two lists, with a TTL or a counter (never). */
		switch (plain ? 7 : rnd() % 8) {
		case 0: e.rule.lists = 1ULL << 3; e.rule.list_id = 3; break;
		case 1: e.rule.lists = 3; break;
		case 2: e.rule.lists = 1; e.rule.expires_ns = 1; break;
		case 3: e.rule.lists = 1; e.rule.rule_id = 7; break;
		default: e.rule.lists = 1; break;
		}
		for (size_t i = 0; i < k && !dup; i++)
			dup = v[i].plen == e.plen && !memcmp(v[i].addr, e.addr, 16);
		if (!dup)
			v[k++] = e;
	}
	*n = k;
}

static uint8_t unfast[4001];	/* entries whose fast leaves were made plain */
static size_t fast;		/* fast leaves seen */

/* One address: the entry found is the reference's, and its leaf is fast
 * exactly when the entry answers alone and was not made plain. */
static int probe(const struct compiled *c, const struct compile_ent *v, size_t n,
		 const uint8_t *a, char *why, size_t wlen)
{
	int alen = c->fam6 ? 16 : 4;
	long want = ref_lookup(v, n, a, alen);
	uint32_t got = compile_lookup(c, a), leaf = compile_leaf(c->idx, c->nidx, c->fam6, a);
	uint32_t fv = want < 0 ? 0 : compile_fast_leaf(compile_rule(c->ents, c->fam6, want + 1),
							c->fam6);

	if (got != (uint32_t)(want + 1)) {
		snprintf(why, wlen, "address %02x%02x%02x%02x..: got %u, expected %ld", a[0], a[1],
			 a[2], a[3], got, want + 1);
		return 1;
	}
	if (fv && !unfast[want + 1] ? leaf != fv : leaf != (uint32_t)(want + 1)) {
		snprintf(why, wlen, "address %02x%02x%02x%02x..: leaf %#x for entry %ld (fast "
			 "%#x%s)", a[0], a[1], a[2], a[3], leaf, want + 1, fv,
			 unfast[want + 1] ? ", made plain" : "");
		return 1;
	}
	fast += !!(leaf & PG_CFAST);
	return 0;
}

static void check_set(const char *name, int fam6, struct compile_ent *v, size_t n, int probes)
{
	struct compiled c;
	int alen = fam6 ? 16 : 4, bad = 0;
	char why[256] = "";
	int err = compile_build(fam6, v, n, &c);
	size_t runs = 0, runs2 = 0;

	memset(unfast, 0, sizeof(unfast));
	fast = 0;
	/* IPv4 direct slots that are runs (maps/pktgate.h), before any is
	 * made plain. */
	for (size_t k = 0; !err && !fam6 && k < PG_CDIR_SIZE; k++) {
		uint64_t d = c.idx[2 * k];

		runs += !(d & PG_CDIR_LEAF) && PG_CLEVELS(d) == PG_CRUN;
		runs2 += !(d & PG_CDIR_LEAF) && PG_CLEVELS(d) == PG_CRUN2;
	}
	if (err) {
		printf("FAIL: %s: compile_build: %s\n", name, strerror(-err));
		n_fail++;
		return;
	}
	/* Records in order, parents right. */
	for (size_t i = 1; i < c.nents && !bad; i++) {
		const uint8_t *a = compile_addr(c.ents, fam6, i);
		struct compile_ent *e = &v[i - 1];
		long want = -1;

		if (memcmp(a, e->addr, alen) || compile_rule(c.ents, fam6, i)->prefixlen != e->plen) {
			snprintf(why, sizeof(why), "record %zu is not entry %zu", i, i - 1);
			bad = 1;
			break;
		}
		for (size_t j = 0; j < n; j++)
			if (j != i - 1 && v[j].plen < e->plen && covers(v[j].addr, v[j].plen, e->addr, alen) &&
			    (want < 0 || v[j].plen > v[want].plen))
				want = j;
		if (compile_parent(c.ents, fam6, i) != (uint32_t)(want + 1)) {
			snprintf(why, sizeof(why), "record %zu: parent %u, expected %ld", i,
				 compile_parent(c.ents, fam6, i), want + 1);
			bad = 1;
		}
		if (compile_find(c.ents, c.nents, fam6, e->addr, e->plen) != i) {
			snprintf(why, sizeof(why), "compile_find of record %zu failed", i);
			bad = 1;
		}
	}
	/* Every boundary, one either side, and random addresses; then again
	 * with some entries' fast leaves made plain. */
	for (int pass = 0; pass < 2 && !bad; pass++) {
		if (pass)
			for (size_t i = 1; i < c.nents; i += 1 + rnd() % 3)
				if (compile_fast_leaf(compile_rule(c.ents, fam6, i), fam6)) {
					unfast[i] = 1;
					compile_unfast(c.idx, c.nidx, fam6, compile_rule(c.ents, fam6, i), i);
				}
		for (size_t i = 0; i < n && !bad; i++) {
			uint8_t pts[4][16];

			memcpy(pts[0], v[i].addr, 16);
			memcpy(pts[1], v[i].addr, 16);
			for (int b = v[i].plen; b < alen * 8; b++)
				pts[1][b / 8] |= 0x80 >> (b % 8);
			memcpy(pts[2], pts[0], 16);
			addr_add(pts[2], alen, -1);
			memcpy(pts[3], pts[1], 16);
			addr_add(pts[3], alen, 1);
			for (int p = 0; p < 4 && !bad; p++)
				bad = probe(&c, v, n, pts[p], why, sizeof(why));
		}
		for (int t = 0; t < probes && !bad; t++) {
			uint8_t a[16] = {};

			for (int i = 0; i < alen; i++)
				a[i] = rnd();
			if (t % 2)
				a[0] = 0x20 + rnd() % 3, a[1] = rnd() % 2;
			bad = probe(&c, v, n, a, why, sizeof(why));
		}
	}
	if (!bad && min_plen && !fast) {
		snprintf(why, sizeof(why), "no fast leaf was seen");
		bad = 1;
	}
	if (!bad && plain && !fam6 && runs < 10) {
		snprintf(why, sizeof(why), "only %zu runs", runs);
		bad = 1;
	}
	/* Denser: a hundred ranges and more a /16, runs with a root block. */
	if (!bad && plain && !fam6 && n > 3000 && runs2 < 10) {
		snprintf(why, sizeof(why), "only %zu runs with a root block", runs2);
		bad = 1;
	}
	if (bad) {
		printf("FAIL: %s: %s\n", name, why);
		n_fail++;
	} else {
		printf("PASS: %s (%zu entries, %zu ranges, %zu index elements, %zu fast leaves "
		       "seen, %zu runs, %zu with a root block)\n", name, n, c.ranges, c.nidx, fast,
		       runs, runs2);
		n_pass++;
	}
	compile_free(&c);
}

static int order_cmp(const void *pa, const void *pb)
{
	const struct compile_ent *a = pa, *b = pb;
	int c = memcmp(a->addr, b->addr, 16);

	return c ? c : a->plen - b->plen;
}

/* compile_order: a set dealt at random into k sorted runs, one after the
 * other, comes back in qsort's order; too many runs are refused. */
static void check_order(const char *name, int fam6, size_t want, int k)
{
	static struct compile_ent ref[4000], in[4000], out[4000];
	static int run[4000];
	size_t n, at = 0;
	bool ok;

	random_set(ref, &n, want, fam6);
	qsort(ref, n, sizeof(*ref), order_cmp);
	for (size_t i = 0; i < n; i++)
		run[i] = rnd() % k;
	for (int r = 0; r < k; r++)
		for (size_t i = 0; i < n; i++)
			if (run[i] == r)
				in[at++] = ref[i];
	ok = at == n && compile_order(in, n, out) &&
	     !memcmp(out, ref, n * sizeof(*out));
	printf("%s: compile order %s: %zu entries in %d runs\n", ok ? "PASS" : "FAIL", name, n, k);
	ok ? n_pass++ : n_fail++;
}

/* 64 host records take 8 blocks, where a block each took 64: the index
 * past the direct table stays small. */
static void host_blocks_check(struct compile_ent *v, size_t n)
{
	struct compiled c;
	size_t dir = PG_CDIR6_SLOTS / (sizeof(union pg_cblk6) / 8);
	int err = compile_build(1, v, n, &c);

	if (!err && c.nidx - dir <= 32) {
		printf("PASS: compile v6 64 lone hosts: %zu index blocks past the direct table\n",
		       c.nidx - dir);
		n_pass++;
	} else {
		printf("FAIL: compile v6 64 lone hosts: %s%zu index blocks past the direct table\n",
		       err ? "compile failed; " : "", err ? 0 : c.nidx - dir);
		n_fail++;
	}
	if (!err)
		compile_free(&c);
}

int main(void)
{
	static struct compile_ent v[4000];
	size_t n;

	for (int fam6 = 0; fam6 < 2; fam6++) {
		const char *f = fam6 ? "v6" : "v4";
		char name[96];

		snprintf(name, sizeof(name), "compile %s empty set", f);
		check_set(name, fam6, v, 0, 200);
		/* The whole space, and a host at each end of it. */
		memset(v, 0, sizeof(v));
		v[0].plen = 0;
		v[1].plen = fam6 ? 128 : 32;
		memset(v[2].addr, 0xff, fam6 ? 16 : 4);
		v[2].plen = fam6 ? 128 : 32;
		snprintf(name, sizeof(name), "compile %s /0 and both ends of the space", f);
		check_set(name, fam6, v, 3, 200);
		if (fam6) {
			/* Hosts inside one /64, under a /64 entry: a second
			 * chunk small enough for one block, then a larger one. */
			for (int hosts = 3; hosts <= 40; hosts += 37) {
				memset(v, 0, sizeof(v));
				v[0].addr[0] = 0x20;
				v[0].addr[1] = 0x01;
				v[0].plen = 64;
				for (int h = 1; h <= hosts; h++) {
					v[h] = v[0];
					v[h].plen = 128;
					v[h].addr[15] = 2 * h;
					v[h].addr[12] = h % 3;
				}
				snprintf(name, sizeof(name),
					 "compile v6 %d hosts in one /64 (%s second chunk)", hosts,
					 hosts < 4 ? "small" : "big");
				check_set(name, fam6, v, hosts + 1, 2000);
			}
			/* Hosts alone in their /64s, some under a /48: host
			 * records, 8 a block (maps/pktgate.h). */
			memset(v, 0, sizeof(v));
			v[0].addr[0] = 0x20;
			v[0].addr[1] = 0x01;
			v[0].plen = 48;
			for (int h = 1; h <= 64; h++) {
				v[h] = v[0];
				v[h].plen = 128;
				v[h].addr[5] = h % 2;	/* half under the /48 */
				v[h].addr[7] = h;
				v[h].addr[15] = h % 3 == 0 ? 0 : h % 3 == 1 ? 0xff : h;
				if (h % 3 == 1)
					memset(v[h].addr + 8, 0xff, 8);	/* the /64's last address */
			}
			check_set("compile v6 64 hosts alone in their /64s (host records)", fam6, v,
				  65, 2000);
			host_blocks_check(v, 65);
		}
		for (int round = 0; round < 14; round++) {
			size_t want = round < 3 ? 40 : round < 8 ? 3000 : round < 10 ? 200 :
				      round < 12 ? 1200 : 4000;

			min_plen = round < 6 ? 0 : fam6 ? 40 : 24;
			sparse = round >= 8;
			plain = round >= 10;
			random_set(v, &n, want, fam6);
			snprintf(name, sizeof(name), "compile %s random nested set %d (%zu, /%d and "
				 "longer%s%s)", f, round, want, min_plen, sparse ? ", sparse" : "",
				 plain ? ", plain" : "");
			check_set(name, fam6, v, n, 5000);
		}
		min_plen = sparse = plain = 0;
	}
	check_order("v4, a few runs", 0, 3000, 5);
	check_order("v6, as many runs as allowed", 1, 3000, COMPILE_ORDER_RUNS);
	{
		static struct compile_ent in[600], out[600];
		bool refused;

		random_set(in, &n, 600, 0);
		qsort(in, n, sizeof(*in), order_cmp);
		for (size_t i = 0; i < n / 2; i++) {	/* reversed: a run per entry */
			struct compile_ent t = in[i];

			in[i] = in[n - 1 - i];
			in[n - 1 - i] = t;
		}
		refused = !compile_order(in, n, out);
		printf("%s: compile order refuses more than %d runs\n", refused ? "PASS" : "FAIL",
		       COMPILE_ORDER_RUNS);
		refused ? n_pass++ : n_fail++;
	}
	printf("compile: %d passed, %d failed\n", n_pass, n_fail);
	return n_fail ? 1 : 0;
}
