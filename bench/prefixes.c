// SPDX-License-Identifier: GPL-2.0
/*
 * Deterministic prefix sets: the same family, layout, size and seed give
 * the same prefixes in every pgbench invocation, so the pktgate list, the
 * nftables set, the ipset and the generator's source addresses all agree
 * without passing files around.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define V4_SEQ_BASE	((u128)0x10000000 << 96)	/* 16.0.0.0 */
#define V6_SEQ_BASE	((u128)0x20010db8 << 96)	/* 2001:db8:: */

struct plen_weight {
	__u8 plen;
	unsigned weight;	/* per mille */
};

/* IPv4: half host entries, as in public blocklists; half shaped like the
 * global BGP table, where /24 dominates and short prefixes are rare. */
static const struct plen_weight mix_v4[] = {
	{ 32, 500 }, { 30, 5 }, { 29, 10 }, { 28, 5 }, { 24, 280 }, { 23, 50 },
	{ 22, 60 }, { 21, 30 }, { 20, 25 }, { 19, 15 }, { 18, 8 }, { 17, 5 },
	{ 16, 6 }, { 14, 1 },
};

/* IPv6: host entries and /64s (blocklists), /48 (most common in BGP),
 * and a tail of shorter allocations. */
static const struct plen_weight mix_v6[] = {
	{ 128, 300 }, { 64, 200 }, { 56, 50 }, { 48, 300 }, { 44, 50 },
	{ 40, 30 }, { 36, 20 }, { 32, 50 },
};

uint64_t rng_next(uint64_t *state)	/* splitmix64 */
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static u128 rng128(uint64_t *st)
{
	return (u128)rng_next(st) << 64 | rng_next(st);
}

int layout_parse(const char *s, enum layout *l)
{
	if (!strcmp(s, "seq"))
		*l = LAYOUT_SEQ;
	else if (!strcmp(s, "mix"))
		*l = LAYOUT_MIX;
	else
		return -1;
	return 0;
}

const char *layout_name(enum layout l)
{
	return l == LAYOUT_SEQ ? "seq" : "mix";
}

static int width(int family)
{
	return family == 4 ? 32 : 128;
}

static u128 mask_of(int plen)
{
	return plen ? ~(u128)0 << (128 - plen) : 0;
}

static u128 prefix_end(const struct bench_prefix *p)
{
	return p->addr | ~mask_of(p->plen);
}

/* A random unicast-looking address: IPv4 first octets 1-223 except 127
 * (the receiving stack treats others specially), IPv6 in 2000::/3. */
static u128 random_addr(int family, uint64_t *st)
{
	if (family == 4) {
		for (;;) {
			uint32_t a = rng_next(st);
			unsigned o = a >> 24;

			if (o && o != 127 && o < 224)
				return (u128)a << 96;
		}
	}
	return (rng128(st) & ~((u128)7 << 125)) | ((u128)1 << 125);
}

static int random_plen(int family, uint64_t *st)
{
	const struct plen_weight *w = family == 4 ? mix_v4 : mix_v6;
	size_t n = family == 4 ? sizeof(mix_v4) / sizeof(mix_v4[0])
			       : sizeof(mix_v6) / sizeof(mix_v6[0]);
	unsigned r = rng_next(st) % 1000, acc = 0;

	for (size_t i = 0; i < n; i++) {
		acc += w[i].weight;
		if (r < acc)
			return w[i].plen;
	}
	return w[0].plen;
}

static int cmp_prefix(const void *a, const void *b)
{
	const struct bench_prefix *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return (int)x->plen - (int)y->plen;	/* the wider first */
}

/* Keeps a prefix only if it starts after the last kept one ends: nftables
 * interval sets refuse overlaps, and a set without them means the same
 * thing to every filter. Returns the number kept (in place, sorted). */
static size_t drop_overlaps(struct bench_prefix *p, size_t n)
{
	size_t kept = 0;

	qsort(p, n, sizeof(*p), cmp_prefix);
	for (size_t i = 0; i < n; i++) {
		if (kept && p[i].addr <= prefix_end(&p[kept - 1]))
			continue;
		p[kept++] = p[i];
	}
	return kept;
}

static void shuffle(struct bench_prefix *p, size_t n, uint64_t *st)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = rng_next(st) % i;
		struct bench_prefix t = p[i - 1];

		p[i - 1] = p[j];
		p[j] = t;
	}
}

static int make_seq(struct prefix_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		u128 step = s->family == 4 ? (u128)(2 * i) << 96 : (u128)(2 * i);

		s->p[i].addr = (s->family == 4 ? V4_SEQ_BASE : V6_SEQ_BASE) + step;
		s->p[i].plen = width(s->family);
	}
	return 0;
}

/* Draws candidates until enough survive the overlap check, then keeps a
 * random n of them, so the survivors are not biased towards low addresses. */
static int make_mix(struct prefix_set *s)
{
	size_t cap = s->n + s->n / 2 + 64, have = 0;
	struct bench_prefix *c = malloc(cap * sizeof(*c));

	if (!c)
		return -1;
	while (have < s->n) {
		size_t want = have + (s->n - have) * 3 + 64;

		if (want > cap) {
			struct bench_prefix *nc = realloc(c, want * sizeof(*c));

			if (!nc) {
				free(c);
				return -1;
			}
			c = nc;
			cap = want;
		}
		for (; have < want; have++) {
			c[have].plen = random_plen(s->family, &s->rng);
			c[have].addr = random_addr(s->family, &s->rng) & mask_of(c[have].plen);
		}
		have = drop_overlaps(c, have);
	}
	shuffle(c, have, &s->rng);
	memcpy(s->p, c, s->n * sizeof(*c));
	free(c);
	return 0;
}

int prefixes_make(struct prefix_set *s, int family, enum layout l, size_t n, uint64_t seed)
{
	memset(s, 0, sizeof(*s));
	s->family = family;
	s->layout = l;
	s->n = n;
	s->rng = seed * 1000003 + family * 7 + l;
	s->p = calloc(n ? n : 1, sizeof(*s->p));
	s->sorted = calloc(n ? n : 1, sizeof(*s->sorted));
	if (!s->p || !s->sorted || (l == LAYOUT_SEQ ? make_seq(s) : make_mix(s))) {
		prefixes_free(s);
		return -1;
	}
	memcpy(s->sorted, s->p, n * sizeof(*s->p));
	qsort(s->sorted, n, sizeof(*s->sorted), cmp_prefix);
	return 0;
}

void prefixes_free(struct prefix_set *s)
{
	free(s->p);
	free(s->sorted);
	s->p = s->sorted = NULL;
}

void addr_bytes(u128 a, int family, __u8 out[16])
{
	memset(out, 0, 16);
	for (int i = 0; i < width(family) / 8; i++)
		out[i] = a >> (120 - 8 * i);
}

/* Addresses inside random entries, host bits random too. */
void prefixes_hits(struct prefix_set *s, __u8 (*out)[16], size_t m)
{
	u128 wmask = mask_of(width(s->family));

	for (size_t i = 0; i < m; i++) {
		const struct bench_prefix *p = &s->p[rng_next(&s->rng) % s->n];
		u128 host = rng128(&s->rng) & ~mask_of(p->plen) & wmask;

		addr_bytes(p->addr | host, s->family, out[i]);
	}
}

static int covered(const struct prefix_set *s, u128 a)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {	/* first entry starting after a */
		size_t mid = (lo + hi) / 2;

		if (s->sorted[mid].addr <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && a <= prefix_end(&s->sorted[lo - 1]);
}

/* Sequential entries: the uncovered neighbour of an entry, which walks a
 * trie as deep as a hit does. Mixed: random addresses no entry covers. */
void prefixes_misses(struct prefix_set *s, __u8 (*out)[16], size_t m)
{
	prefixes_misses_of(s, NULL, out, m);
}

void prefixes_misses_of(struct prefix_set *s, const struct prefix_set *also, __u8 (*out)[16],
			size_t m)
{
	u128 one = s->family == 4 ? (u128)1 << 96 : 1;

	for (size_t i = 0; i < m; i++) {
		u128 a;

		do
			if (s->layout == LAYOUT_SEQ)
				a = s->p[rng_next(&s->rng) % s->n].addr + one;
			else
				do
					a = random_addr(s->family, &s->rng);
				while (covered(s, a));
		while (also && covered(also, a));
		addr_bytes(a, s->family, out[i]);
	}
}

static void print_cidr(const struct bench_prefix *p, int family, FILE *f)
{
	char buf[INET6_ADDRSTRLEN];
	__u8 b[16];

	addr_bytes(p->addr, family, b);
	inet_ntop(family == 4 ? AF_INET : AF_INET6, b, buf, sizeof(buf));
	fprintf(f, "%s/%u", buf, p->plen);
}

/* cidr: one per line; nft: an element list for "elements = { ... }";
 * ipset: lines for `ipset restore`. */
int prefixes_print(const struct prefix_set *s, FILE *f, enum prefix_fmt fmt, const char *set)
{
	for (size_t i = 0; i < s->n; i++) {
		if (fmt == FMT_IPSET)
			fprintf(f, "add %s ", set);
		print_cidr(&s->p[i], s->family, f);
		fputs(fmt == FMT_NFT && i + 1 < s->n ? ",\n" : "\n", f);
	}
	return ferror(f) ? -1 : 0;
}

void prefixes_histogram_json(const struct prefix_set *s, FILE *f)
{
	size_t count[129] = { 0 };
	int first = 1;

	for (size_t i = 0; i < s->n; i++)
		count[s->p[i].plen]++;
	fputc('{', f);
	for (int l = 0; l <= 128; l++) {
		if (!count[l])
			continue;
		fprintf(f, "%s\"%d\": %zu", first ? "" : ", ", l, count[l]);
		first = 0;
	}
	fputc('}', f);
}
