// SPDX-License-Identifier: GPL-2.0
/* Datapath unit scenario: the compiled tier at scale, against a reference matcher. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "compile.h"
#include "tables.h"

/* ---- the compiled tier at scale ---- */

/* A million IPv4 entries (100k IPv6) of both kinds in many lists, nested
 * and disjoint, some expired, some with a live TTL or a counter of their
 * own, nearly all compiled and a few in the dynamic tier, against a plain
 * reference: for each prefix length from the longest, a hash lookup of
 * the masked address. Every entry's first and last address and the one
 * on either side, and random addresses inside entries and anywhere, go
 * through the XDP program: the verdict of each must be the reference's,
 * and the list and per-rule counters must have counted exactly what the
 * reference says, in total. A second, plain set is a loaded blocklist:
 * disjoint entries with no TTL or counter of their own, dense enough that
 * most IPv4 /16s are runs (maps/pktgate.h), which the first set, nested
 * and expiring, seldom makes; a third, four times denser, makes runs with
 * a root block. */
struct sc_ent {
	__u8 addr[16];
	__u8 plen, kind, list, dynamic;
	__u32 rule_id;
	__u64 expires;
};

struct sc_ref {
	__u32 *slot;		/* 1 + index in v, 0: empty */
	size_t mask;
	const struct sc_ent *v;
	int alen;
};

static __u64 sc_state;
static size_t sc_runs;	/* IPv4 direct slots that are runs, in the last install */
static size_t sc_runs2;	/* ...that are runs with a root block */
/* /16s a plain set fills: about 32 entries each (plain 1), or 128 (2). */
#define SC_PLAIN_SLOTS(n, plain)	((n) / (plain * 32) ? (n) / (plain * 32) : 1)

static __u64 sc_rnd(void)	/* splitmix64 */
{
	__u64 z = (sc_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static size_t sc_hash(const __u8 *a, int alen, int plen, int kind)
{
	__u64 h = 0xcbf29ce484222325ULL ^ ((__u64)plen << 8 | kind);

	for (int i = 0; i < alen; i++)
		h = (h ^ a[i]) * 0x100000001b3ULL;
	return h ^ (h >> 29);
}

static __u32 *sc_find(struct sc_ref *r, const __u8 *a, int plen, int kind)
{
	for (size_t i = sc_hash(a, r->alen, plen, kind) & r->mask;; i = (i + 1) & r->mask) {
		const struct sc_ent *e;

		if (!r->slot[i])
			return &r->slot[i];
		e = &r->v[r->slot[i] - 1];
		if (e->plen == plen && e->kind == kind && !memcmp(e->addr, a, r->alen))
			return &r->slot[i];
	}
}

/* The longest live entry of a kind covering a, or NULL. */
static const struct sc_ent *sc_best(struct sc_ref *r, const __u8 *a, int kind, __u64 now)
{
	for (int plen = r->alen * 8; plen >= 0; plen--) {
		__u8 m[16];
		__u32 *s;

		memcpy(m, a, 16);
		mask_addr(m, plen, r->alen * 8);
		s = sc_find(r, m, plen, kind);
		if (*s && (!r->v[*s - 1].expires || r->v[*s - 1].expires > now))
			return &r->v[*s - 1];
	}
	return NULL;
}

static int sc_plen(int family)
{
	unsigned int roll = sc_rnd() % 100;

	if (family == 4)
		return roll < 45 ? 32 : roll < 70 ? 24 : roll < 90 ? 16 + sc_rnd() % 8 :
		       roll < 95 ? 8 + sc_rnd() % 8 : 25 + sc_rnd() % 7;
	return roll < 30 ? 128 : roll < 50 ? 64 : roll < 75 ? 48 : roll < 90 ? 32 + sc_rnd() % 16 : 56;
}

static int sc_install(struct sc_ent *v, size_t n, int family, struct log *l)
{
	int f6 = family == 6;
	__u32 tables = 0;

	sc_runs = sc_runs2 = 0;
	for (int kind = 0; kind < PG_LIST_KIND_MAX; kind++) {
		struct compile_ent *c = calloc(n, sizeof(*c));
		struct compiled out;
		size_t m = 0;
		int fds[TABLES_NCOMPILED] = { -1, -1 }, err;

		if (!c)
			return -1;
		for (size_t i = 0; i < n; i++) {
			struct pg_rule val = { .rule_id = v[i].rule_id, .prefixlen = v[i].plen,
					       .list_id = v[i].list, .lists = 1ULL << v[i].list,
					       .expires_ns = v[i].expires };

			if (v[i].kind != kind)
				continue;
			if (v[i].dynamic) {
				int tbl = tables_for(family, v[i].plen, 0);
				__u8 key[PG_KEY_MAX];

				tables_key(f6, tbl, v[i].addr, v[i].plen, 0, 0, key);
				if (bpf_map_update_elem(maps.list[0][kind][f6][tbl], key, &val, BPF_ANY)) {
					fail(l, "setup: dynamic entry: %s", strerror(errno));
					free(c);
					return -1;
				}
				tables |= PG_TABLE_BIT(kind, family, tbl);
				continue;
			}
			memcpy(c[m].addr, v[i].addr, 16);
			c[m].plen = v[i].plen;
			c[m++].rule = val;
		}
		err = compile_build(f6, c, m, &out);
		free(c);
		for (size_t k = 0; !err && !f6 && k < PG_CDIR_SIZE; k++) {
			__u64 d = out.idx[2 * k];	/* 16-byte slots */

			sc_runs += !(d & PG_CDIR_LEAF) && PG_CLEVELS(d) == PG_CRUN;
			sc_runs2 += !(d & PG_CDIR_LEAF) && PG_CLEVELS(d) == PG_CRUN2;
		}
		if (!err)
			err = tables_compiled_create(kind, &out, fds);
		compile_free(&out);
		for (int t = 0; !err && t < TABLES_NCOMPILED; t++) {
			compiled_installed = 1;
			err = tables_set(maps.outer[kind][f6][PG_TBL_CENT + t], kind, 0, fds[t]);
			tables |= PG_TABLE_BIT(kind, family, PG_TBL_CENT + t);
		}
		for (int t = 0; t < TABLES_NCOMPILED; t++)
			if (fds[t] >= 0)
				close(fds[t]);
		if (err) {
			fail(l, "setup: compiling %zu entries: %s", m, strerror(-err));
			return -1;
		}
	}
	return set_tables(tables);
}

static void run_scale(const struct instance *in, int family, size_t n, int plain)
{
	int f6 = family == 6, alen = f6 ? 16 : 4, max = alen * 8;
	size_t nref = 1, addr_off = ETH_HLEN + (f6 ? 8 : 12), queries = 0, bad = 0;
	struct sc_ent *v = calloc(n, sizeof(*v));
	struct sc_ref ref = { .alen = alen };
	__u64 now = mono_ns(), want_list[PG_MAX_LISTS] = {}, *want_rule = NULL;
	__u64 list0[PG_MAX_LISTS], drops = 0, hits = 0, *rule0 = NULL;
	struct pkt_spec spec = { .family = family, .proto = IPPROTO_UDP, .dport = 53 };
	struct pkt pk;
	struct log l = {};
	char name[256];
	__u32 next_rule = 1;

	while (nref < 4 * n)
		nref <<= 1;
	ref.slot = calloc(nref, sizeof(*ref.slot));
	ref.mask = nref - 1;
	ref.v = v;
	want_rule = calloc(PG_MAX_RULES, sizeof(*want_rule));
	rule0 = calloc(PG_MAX_RULES, sizeof(*rule0));
	sc_state = 0x5ca1e ^ family;
	if (!v || !ref.slot || !want_rule || !rule0 || clear_lists() || pkt_build(&pk, &spec)) {
		fail(&l, "setup: memory, lists or frame");
		goto out;
	}
	for (size_t i = 0; i < n;) {
		struct sc_ent e = { .kind = sc_rnd() % 100 < 15 ? PG_LIST_ALLOW : PG_LIST_DENY };
		unsigned int roll = sc_rnd() % 1000;
		__u32 *s;

		if (!plain && i && sc_rnd() % 5 == 0 && v[sc_rnd() % i].plen < max) {
			/* Inside an earlier entry, of either kind. */
			const struct sc_ent *p = &v[sc_rnd() % i];

			if (p->plen >= max)
				continue;
			for (int b = 0; b < alen; b++)
				e.addr[b] = sc_rnd();
			for (int b = 0; b < p->plen; b++)
				if ((p->addr[b / 8] ^ e.addr[b / 8]) & (0x80 >> (b % 8)))
					e.addr[b / 8] ^= 0x80 >> (b % 8);
			e.plen = p->plen + 1 + sc_rnd() % (max - p->plen);
		} else {
			for (int b = 0; b < alen; b++)
				e.addr[b] = sc_rnd();
			e.addr[0] = f6 ? 0x20 | (e.addr[0] & 0x1f) : 1 + e.addr[0] % 223;
			e.plen = sc_plen(family);
			if (plain) {
				/* Each in a /24 of its own (i times a prime, modulo
				 * the /24s: no two alike), about 32 (or 128) a /16
				 * from 10.0/16 on (runs of one to five blocks, and
				 * some trees; or runs with a root block): disjoint,
				 * as aggregated feeds are. */
				__u32 k = (__u32)(((__u64)i * 2654435761u) %
						  ((__u64)SC_PLAIN_SLOTS(n, plain) * 256));

				e.addr[0] = 10 + k / 65536;
				e.addr[1] = k / 256 % 256;
				e.addr[2] = k % 256;
				e.plen = e.plen < 24 ? 24 : e.plen;
			}
		}
		/* Allow entries are exceptions: few, and not wide. */
		if (e.kind == PG_LIST_ALLOW && (e.plen < max / 2 || sc_rnd() % 3))
			e.kind = PG_LIST_DENY;
		mask_addr(e.addr, e.plen, max);
		s = sc_find(&ref, e.addr, e.plen, e.kind);
		if (*s)
			continue;	/* that entry exists */
		e.list = 2 + sc_rnd() % 10;
		if (plain) {
			v[i] = e;
			*s = ++i;
			continue;
		}
		e.dynamic = roll < 2;
		if (roll >= 2 && roll < 12 && next_rule < PG_MAX_RULES)
			e.rule_id = next_rule++;
		if (roll >= 12 && roll < 52)
			e.expires = now - NSEC_PER_SEC;
		else if (roll >= 52 && roll < 92)
			e.expires = now + 3600 * NSEC_PER_SEC;
		v[i] = e;
		*s = ++i;
	}
	if (sc_install(v, n, family, &l))
		goto out;
	for (int id = 0; id < PG_MAX_LISTS; id++)
		list0[id] = list_packets(id);
	for (__u32 id = 1; id < next_rule; id++)
		rule0[id] = rule_packets(id);	/* earlier cases used these ids too */
	/* Each entry's boundaries, then addresses inside entries and anywhere. */
	for (size_t q = 0; q < 6 * n && bad < 3; q++) {
		const struct sc_ent *allow, *deny, *want;
		LIBBPF_OPTS(bpf_test_run_opts, opts, .repeat = 1);
		__u8 a[16] = {};
		int exp_ret;

		if (q < 4 * n) {
			const struct sc_ent *e = &v[q / 4];

			memcpy(a, e->addr, 16);
			if (q % 4 >= 2)	/* the last address */
				for (int b = e->plen; b < max; b++)
					a[b / 8] |= 0x80 >> (b % 8);
			if (q % 2) {	/* one outside: before the first, after the last */
				int up = q % 4 == 3, i = alen - 1;

				while (i >= 0 && a[i] == (up ? 0xff : 0))
					a[i--] = up ? 0 : 0xff;
				if (i >= 0)
					a[i] += up ? 1 : -1;
			}
		} else if (q < 5 * n) {
			const struct sc_ent *e = &v[sc_rnd() % n];

			for (int b = 0; b < alen; b++)
				a[b] = sc_rnd();
			for (int b = 0; b < e->plen; b++)
				a[b / 8] = (a[b / 8] & ~(0x80 >> (b % 8))) |
					   (e->addr[b / 8] & (0x80 >> (b % 8)));
		} else {
			for (int b = 0; b < alen; b++)
				a[b] = sc_rnd();
		}
		allow = sc_best(&ref, a, PG_LIST_ALLOW, now);
		deny = sc_best(&ref, a, PG_LIST_DENY, now);
		want = allow ? allow : deny;
		exp_ret = !allow && deny ? XDP_DROP : XDP_PASS;
		memcpy(pk.buf + addr_off, a, alen);
		opts.data_in = pk.buf;
		opts.data_size_in = pk.len;
		if (bpf_prog_test_run_opts(in->prog_fd[P_XDP], &opts)) {
			fail(&l, "test_run: %s", strerror(errno));
			goto out;
		}
		queries++;
		if (want) {
			hits++;
			want_list[want->list]++;
			if (want->rule_id)
				want_rule[want->rule_id]++;
		}
		drops += exp_ret == XDP_DROP;
		if ((int)opts.retval != exp_ret) {
			char astr[INET6_ADDRSTRLEN], wstr[INET6_ADDRSTRLEN] = "-";

			inet_ntop(f6 ? AF_INET6 : AF_INET, a, astr, sizeof(astr));
			if (want)
				inet_ntop(f6 ? AF_INET6 : AF_INET, want->addr, wstr, sizeof(wstr));
			fail(&l, "%s: expected %s (%s/%d, list %d), got %s", astr,
			     exp_ret == XDP_DROP ? "drop" : "pass", wstr, want ? want->plen : 0,
			     want ? want->list : -1, opts.retval == XDP_DROP ? "drop" : "pass");
			bad++;
		}
	}
	for (int id = 0; id < PG_MAX_LISTS && !bad; id++) {
		__u64 got = list_packets(id) - list0[id];

		if (got != want_list[id]) {
			fail(&l, "list %d counted %llu packets, expected %llu", id,
			     (unsigned long long)got, (unsigned long long)want_list[id]);
			bad++;
		}
	}
	for (__u32 id = 1; id < next_rule && !bad; id++) {
		__u64 got = rule_packets(id) - rule0[id];

		if (got != want_rule[id]) {
			fail(&l, "rule %u counted %llu packets, expected %llu", id,
			     (unsigned long long)got, (unsigned long long)want_rule[id]);
			bad++;
		}
	}
	if (!bad && (hits < queries / 4 || drops < queries / 8 || (!plain && hits == drops)))
		fail(&l, "setup: %zu of %zu addresses matched, %llu dropped: the mix tests little",
		     (size_t)hits, queries, (unsigned long long)drops);
	if (!bad && plain == 1 && family == 4 && sc_runs < SC_PLAIN_SLOTS(n, plain) / 2)
		fail(&l, "setup: only %zu runs", sc_runs);
	if (!bad && plain == 2 && family == 4 && sc_runs2 < SC_PLAIN_SLOTS(n, plain) / 2)
		fail(&l, "setup: only %zu runs with a root block", sc_runs2);
out:
	snprintf(name, sizeof(name), "[xdp] compiled tier at scale, IPv%d%s: %zu entries, %u with "
		 "own counters, %zu runs (%zu with a root block); %zu addresses (every boundary), "
		 "%llu matching, %llu dropped", family,
		 plain == 2 ? ", dense plain blocklist" : plain ? ", plain blocklist" : "", n,
		 next_rule - 1, sc_runs + sc_runs2, sc_runs2, queries, (unsigned long long)hits,
		 (unsigned long long)drops);
	report(name, &l);
	clear_lists();
	snap_valid = 0;	/* counters moved outside run_frame */
	free(v);
	free(ref.slot);
	free(want_rule);
	free(rule0);
}

void scen_scale(void)
{
	/* PKTGATE_SCALE: IPv4 entries (IPv6: a tenth), for slow builds. */
	size_t scale = getenv("PKTGATE_SCALE") ? strtoul(getenv("PKTGATE_SCALE"), NULL, 10) : 0;

	scale = scale ? scale : 1000000;
	run_scale(&insts[PLAIN], 4, scale, 0);
	run_scale(&insts[PLAIN], 6, scale / 10 ? scale / 10 : 1, 0);
	run_scale(&insts[PLAIN], 4, scale / 5 ? scale / 5 : 1, 1);
	run_scale(&insts[PLAIN], 4, scale / 10 ? scale / 10 : 1, 2);
}
