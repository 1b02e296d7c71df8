// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of ctl/bulkset.c, the entry set of a whole-kind change: the
 * sort (key order, and of equal keys the entries already in the maps
 * first, then the queued ones in queue order) against a plain stable
 * reference sort of the same entries, and the merge (lists, expiry, rule
 * ids, entries left in no list, what the focus lists gain and lose, port
 * ranges counted once).
 *
 * One line per case, "PASS: bulk NAME" or "FAIL: bulk NAME: WHY", as
 * tests/run.sh expects; exits non-zero if any case failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bulk.h"

static int n_pass, n_fail;
static char why[256];

static void report(const char *name, bool ok)
{
	if (!ok) {
		printf("FAIL: bulk %s: %s\n", name, why);
		n_fail++;
	} else {
		printf("PASS: bulk %s\n", name);
		n_pass++;
	}
	why[0] = 0;
}

/* One entry. tag goes in val.rule_id: the entry's identity, for checking
 * where the sort put it (the sort never reads the value). */
static void ent(struct bulk_ent *e, int fam6, int tbl, const uint8_t *addr, int plen,
		uint16_t port, int src, uint64_t lists, uint64_t expires, uint32_t tag)
{
	memset(e, 0, sizeof(*e));
	e->fam6 = fam6;
	e->tbl = tbl;
	e->src = src;
	tables_key(fam6, tbl, addr, plen, tbl == PG_TBL_PORT ? 6 : 0, port, e->key);
	e->val.lists = lists;
	e->val.expires_ns = expires;
	e->val.prefixlen = plen;
	e->val.port_hi = port;
	e->val.rule_id = tag;
	e->before = src ? 0 : lists;
}

static int ref_cmp(const void *pa, const void *pb)
{
	const struct bulk_ent *a = pa, *b = pb;

	if (a->fam6 != b->fam6)
		return a->fam6 - b->fam6;
	if (a->tbl != b->tbl)
		return a->tbl - b->tbl;
	return memcmp(a->key, b->key, PG_KEY_MAX);
}

/* The order bulk_sort promises, by a stable insertion into the expected
 * sequence: map entries (queued..n) first, then queued ones, each group in
 * its original order; qsort by key with the sequence number breaking ties. */
struct seq { struct bulk_ent e; size_t seq; };

static int seq_cmp(const void *pa, const void *pb)
{
	const struct seq *a = pa, *b = pb;
	int c = ref_cmp(&a->e, &b->e);

	return c ? c : (a->seq > b->seq) - (a->seq < b->seq);
}

static uint32_t rnd_state = 12345;
static uint32_t rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

/* n random entries of few distinct keys (so that many are equal), queued
 * of them queued, sorted two ways. */
static void sort_case(const char *name, size_t n, size_t queued, uint32_t spread)
{
	struct bulk b = { .kind = PG_LIST_DENY };
	struct seq *ref = calloc(n, sizeof(*ref));
	size_t k = 0;
	bool ok = true;

	b.v = calloc(n, sizeof(*b.v));
	b.n = b.cap = n;
	for (size_t i = 0; i < n; i++) {
		uint8_t addr[16] = { 0 };
		int fam6 = rnd() % 2, tbl = rnd() % 3, plen;
		uint32_t a = rnd() % spread;

		addr[0] = 10;
		addr[fam6 ? 15 : 3] = a & 0xff;
		addr[fam6 ? 14 : 2] = a >> 8;
		plen = tbl == PG_TBL_EXACT ? (fam6 ? 128 : 32) : (fam6 ? 64 + a % 64 : 8 + a % 24);
		ent(&b.v[i], fam6, tbl, addr, plen, tbl == PG_TBL_PORT ? a % 4 : 0, i < queued,
		    1, 0, (uint32_t)i);
	}
	for (size_t i = queued; i < n; i++)
		ref[k] = (struct seq){ b.v[i], k }, k++;
	for (size_t i = 0; i < queued; i++)
		ref[k] = (struct seq){ b.v[i], k }, k++;
	qsort(ref, n, sizeof(*ref), seq_cmp);
	if (bulk_sort(&b, queued)) {
		snprintf(why, sizeof(why), "bulk_sort failed");
		ok = false;
	}
	for (size_t i = 0; ok && i < n; i++)
		if (b.v[i].val.rule_id != ref[i].e.val.rule_id) {
			snprintf(why, sizeof(why), "position %zu holds entry %u, expected %u", i,
				 b.v[i].val.rule_id, ref[i].e.val.rule_id);
			ok = false;
		}
	report(name, ok);
	free(ref);
	bulk_free(&b);
}

static const uint8_t A[16] = { 192, 0, 2, 1 }, B[16] = { 198, 51, 100, 0 };

/* Merge of a small sorted set; checks the survivors. */
static size_t merged(struct bulk *b, struct bulk_ent *v, size_t n, size_t queued,
		     uint64_t focus, struct bulk_result *res)
{
	b->v = malloc(n * sizeof(*v));
	memcpy(b->v, v, n * sizeof(*v));
	b->n = b->cap = n;
	b->focus = focus;
	memset(res, 0, sizeof(*res));
	bulk_sort(b, queued);
	return bulk_merge(b, res);
}

static void merge_cases(void)
{
	struct bulk b = { .kind = PG_LIST_DENY };
	struct bulk_result res;
	struct bulk_ent v[4];
	size_t n;
	bool ok;

	/* Queued into list 2 an entry list 1 holds: one entry, both lists. */
	ent(&v[0], 0, PG_TBL_EXACT, A, 32, 0, 1, 1ULL << 2, 0, 0);
	ent(&v[1], 0, PG_TBL_EXACT, A, 32, 0, 0, 1ULL << 1, 0, 0);
	n = merged(&b, v, 2, 1, 1ULL << 2, &res);
	ok = n == 1 && b.v[0].val.lists == 0x6 && b.v[0].val.list_id == 1 &&
	     res.added == 1 && res.removed == 0 && res.listed[0] == 1;
	snprintf(why, sizeof(why), "n %zu lists %#llx list_id %u added %zu removed %zu", n,
		 n ? (unsigned long long)b.v[0].val.lists : 0, n ? b.v[0].val.list_id : 0,
		 res.added, res.removed);
	report("merge: the lists of one key join; counting list is the lowest", ok);
	bulk_free(&b);

	/* Expiry: the later of two wins, and "never" beats any time. */
	ent(&v[0], 0, PG_TBL_PREFIX, B, 24, 0, 1, 1ULL << 3, 200, 0);
	ent(&v[1], 0, PG_TBL_PREFIX, B, 24, 0, 0, 1ULL << 3, 100, 0);
	n = merged(&b, v, 2, 1, 1ULL << 3, &res);
	ok = n == 1 && b.v[0].val.expires_ns == 200 && res.added == 0;
	snprintf(why, sizeof(why), "n %zu expires %llu added %zu", n,
		 n ? (unsigned long long)b.v[0].val.expires_ns : 0, res.added);
	report("merge: the later expiry of a re-added entry wins", ok);
	bulk_free(&b);
	ent(&v[0], 0, PG_TBL_PREFIX, B, 24, 0, 1, 1ULL << 3, 0, 0);
	ent(&v[1], 0, PG_TBL_PREFIX, B, 24, 0, 0, 1ULL << 3, 100, 0);
	n = merged(&b, v, 2, 1, 1ULL << 3, &res);
	ok = n == 1 && b.v[0].val.expires_ns == 0;
	report("merge: no expiry beats an expiry", ok);
	bulk_free(&b);

	/* A map entry whose lists were dropped (lists 0, before = focus) and
	 * no queued one: gone, and counted as removed. */
	ent(&v[0], 1, PG_TBL_EXACT, A, 128, 0, 0, 1ULL << 4, 0, 0);
	v[0].val.lists = 0;
	ent(&v[1], 0, PG_TBL_EXACT, A, 32, 0, 0, 1ULL << 1, 0, 0);
	n = merged(&b, v, 2, 0, 1ULL << 4, &res);
	ok = n == 1 && b.v[0].fam6 == 0 && res.removed == 1 && res.added == 0 &&
	     res.listed[0] == 0 && res.listed[1] == 0;
	snprintf(why, sizeof(why), "n %zu removed %zu added %zu", n, res.removed, res.added);
	report("merge: an entry left in no list is dropped and counted removed", ok);
	bulk_free(&b);

	/* The rule of a queued entry is kept; a map entry's rule field is not
	 * (it keeps its id through val.rule_id). */
	ent(&v[0], 0, PG_TBL_EXACT, A, 32, 0, 1, 1ULL << 2, 0, 0);
	v[0].rule = 7;
	ent(&v[1], 0, PG_TBL_EXACT, A, 32, 0, 0, 1ULL << 2, 0, 0);
	n = merged(&b, v, 2, 1, 1ULL << 2, &res);
	ok = n == 1 && b.v[0].rule == 7;
	report("merge: a queued entry's rule is kept", ok);
	bulk_free(&b);

	/* A port range 1..3 of one rule: three keys, counted once (at its
	 * last port). */
	for (int p = 0; p < 3; p++) {
		ent(&v[p], 0, PG_TBL_PORT, B, 24, 1 + p, 1, 1ULL << 5, 0, 0);
		v[p].val.port_hi = 3;
	}
	n = merged(&b, v, 3, 3, 1ULL << 5, &res);
	ok = n == 3 && res.added == 1 && res.listed[0] == 1;
	snprintf(why, sizeof(why), "n %zu added %zu listed %zu", n, res.added, res.listed[0]);
	report("merge: a port range is three keys and one entry in the counts", ok);
	bulk_free(&b);

	/* Distinct keys stay distinct, in key order: v4 before v6, exact
	 * before prefix. */
	ent(&v[0], 1, PG_TBL_EXACT, A, 128, 0, 1, 1, 0, 1);
	ent(&v[1], 0, PG_TBL_PREFIX, B, 24, 0, 1, 1, 0, 2);
	ent(&v[2], 0, PG_TBL_EXACT, B, 32, 0, 1, 1, 0, 3);
	ent(&v[3], 0, PG_TBL_EXACT, A, 32, 0, 1, 1, 0, 4);
	n = merged(&b, v, 4, 4, 1, &res);
	ok = n == 4 && b.v[0].fam6 == 0 && b.v[0].tbl == PG_TBL_EXACT && !memcmp(b.v[0].key, A, 4) &&
	     b.v[1].tbl == PG_TBL_EXACT && b.v[2].tbl == PG_TBL_PREFIX && b.v[3].fam6 == 1 &&
	     res.added == 4;
	report("merge: distinct keys kept, in (family, table, key) order", ok);
	bulk_free(&b);
}

/* A compiled record changed beside (bulk_cedit_apply) ends as the merge
 * makes the same entry read from the maps (TTL run out: in no list; the
 * dropped lists cleared) with the entries queued with its key. */
static void cedit_cases(void)
{
	const uint64_t now = 1000;
	int bad = 0;

	for (int c = 0; c < 2000; c++) {
		struct bulk b = { .kind = PG_LIST_DENY };
		struct bulk_result res;
		struct bulk_ent v[4];
		struct bulk_cedit e[4];
		struct pg_rule r = {};
		uint64_t drop = rnd() % 2 ? 1ULL << (rnd() % 4) : 0;
		size_t nq = rnd() % 3, ne = 0, n;

		r.lists = rnd() % 16;
		r.expires_ns = rnd() % 3 ? 0 : 500 + rnd() % 1000;	/* some ran out */
		r.prefixlen = 24;
		r.list_id = r.lists ? __builtin_ctzll(r.lists) : 0;
		ent(&v[nq], 0, PG_TBL_PREFIX, B, 24, 0, 0, r.lists, r.expires_ns, 0);
		if (r.expires_ns && r.expires_ns <= now)
			v[nq].val.lists = 0;
		v[nq].val.lists &= ~drop;
		if (drop)
			e[ne++] = (struct bulk_cedit){ .idx = 1, .drop = drop };
		for (size_t q = 0; q < nq; q++) {
			uint64_t l = 1ULL << (rnd() % 4), x = rnd() % 2 ? 0 : 1500 + rnd() % 1000;

			ent(&v[q], 0, PG_TBL_PREFIX, B, 24, 0, 1, l, x, 0);
			e[ne++] = (struct bulk_cedit){ .idx = 1, .add = l, .expires_ns = x };
		}
		bulk_cedit_apply(e, ne, &r, now);
		n = merged(&b, v, nq + 1, nq, 1, &res);
		if (n ? !(r.lists == b.v[0].val.lists && r.expires_ns == b.v[0].val.expires_ns &&
			  r.list_id == b.v[0].val.list_id) : r.lists != 0) {
			if (!bad++)
				snprintf(why, sizeof(why), "case %d: lists %#llx vs %#llx, expires %llu vs %llu",
					 c, (unsigned long long)r.lists,
					 n ? (unsigned long long)b.v[0].val.lists : 0,
					 (unsigned long long)r.expires_ns,
					 n ? (unsigned long long)b.v[0].val.expires_ns : 0);
		}
		bulk_free(&b);
	}
	report("cedit: a compiled record changed in place ends as the merge makes it (2000 random cases)",
	       !bad);
}

int main(void)
{
	sort_case("sort: 10 entries, all queued", 10, 10, 4);
	sort_case("sort: 10 entries, none queued", 10, 0, 4);
	sort_case("sort: 1000 entries, half queued, many equal keys", 1000, 500, 16);
	sort_case("sort: 100000 entries, a tenth queued, wide keys", 100000, 10000, 65536);
	sort_case("sort: one entry", 1, 1, 1);
	merge_cases();
	cedit_cases();
	printf("%d passed, %d failed\n", n_pass, n_fail);
	return n_fail != 0;
}
