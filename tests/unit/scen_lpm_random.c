// SPDX-License-Identifier: GPL-2.0
/* Datapath unit scenario: randomised longest-prefix cross-check against a reference matcher. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "tables.h"

/* ---- randomised longest-prefix cross-check ---- */

/* Thousands of overlapping prefixes of mixed lengths (hosts in the hash,
 * the rest in the trie, some port-scoped in the port trie, some expired),
 * checked address by address against a plain reference matcher: the
 * verdict must agree, and the rule and list counters of the entry the
 * reference picks must be the ones that move. */
#define RND_RULES	2000
#define RND_ADDRS	1000

struct rnd_rule {
	int kind;
	unsigned int plen;
	__u8 addr[16];
	int expired;
	__u32 id;
	__u8 proto;		/* port-scoped: IPPROTO_UDP; 0: address entry */
	__u16 port;		/* 0: any port */
	int list;
};

/* Ports of the random port entries and frames (0 only in entries). */
static const __u16 rnd_ports[] = { 53, 123, 161, 0 };

static __u32 rnd_state;

static __u32 rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

/* Addresses from a small space, so that prefixes overlap a lot. */
static void rnd_addr(int family, __u8 *a)
{
	memset(a, 0, 16);
	if (family == 4) {
		a[0] = 10;
		a[1] = rnd() % 4;
		a[2] = rnd() % 64;
		a[3] = rnd() % 256;
	} else {
		a[0] = 0x20; a[1] = 0x01; a[2] = 0x0d; a[3] = 0xb8;
		a[7] = rnd() % 4;
		a[15] = rnd() % 256;
		a[14] = rnd() % 64;
	}
}

static int prefix_covers(const struct rnd_rule *r, const __u8 *a, unsigned int max)
{
	__u8 m[16];

	memcpy(m, a, 16);
	mask_addr(m, r->plen, max);
	return !memcmp(m, r->addr, max / 8);
}

/* The reference matcher for one kind: the longest live address entry;
 * failing that, the longest live port entry for the port, then for any. */
static const struct rnd_rule *rnd_best(const struct rnd_rule *rules, int n, int kind,
				       const __u8 *a, __u16 dport, unsigned int max)
{
	const struct rnd_rule *best[3] = {};	/* address, dport, any port */

	for (int j = 0; j < n; j++) {
		const struct rnd_rule *r = &rules[j];
		int w;

		if (r->kind != kind || r->expired || !prefix_covers(r, a, max))
			continue;
		if (!r->proto)
			w = 0;
		else if (r->port == dport)
			w = 1;
		else if (!r->port)
			w = 2;
		else
			continue;
		if (!best[w] || r->plen > best[w]->plen)
			best[w] = r;
	}
	return best[0] ? best[0] : best[1] ? best[1] : best[2];
}

static void run_lpm_random(const struct instance *in, int family)
{
	static struct rnd_rule rules[RND_RULES];
	unsigned int max = family == 4 ? 32 : 128;
	int n = 0, bad = 0, matched = 0, matched_port = 0, nport = 0;
	__u32 tables = 0;
	struct log l = {};
	char name[160];

	rnd_state = 0x9e3779b9u ^ (family * 7919);
	if (clear_lists()) {
		fail(&l, "setup: clearing lists");
		goto out;
	}
	for (int i = 0; i < RND_RULES; i++) {
		struct rnd_rule r = { .kind = rnd() % 5 ? PG_LIST_DENY : PG_LIST_ALLOW };
		struct pg_rule val = {};
		__u8 key[PG_KEY_MAX];
		unsigned int roll = rnd() % 100;
		int tbl, j;

		r.plen = roll < 40 ? max : (family == 4 ? 25 + rnd() % 7 : 121 + rnd() % 7);
		if (rnd() % 100 < 20) {
			r.proto = IPPROTO_UDP;
			r.port = rnd_ports[rnd() % 4];
		}
		rnd_addr(family, r.addr);
		mask_addr(r.addr, r.plen, max);
		r.expired = rnd() % 100 < 15;
		r.list = 2 + rnd() % 8;
		/* The same entry twice in a list: the later add replaces it. */
		for (j = 0; j < n; j++)
			if (rules[j].kind == r.kind && rules[j].plen == r.plen &&
			    rules[j].proto == r.proto && rules[j].port == r.port &&
			    !memcmp(rules[j].addr, r.addr, 16))
				break;
		r.id = j < n ? rules[j].id : (__u32)(n + 1);
		rules[j] = r;
		if (j == n)
			n++;

		val.rule_id = r.id;
		val.prefixlen = r.plen;
		val.list_id = r.list;
		val.lists = 1ULL << r.list;
		val.port_hi = r.port;
		val.expires_ns = r.expired ? mono_ns() - NSEC_PER_SEC :
				 (rnd() % 2 ? mono_ns() + 3600 * NSEC_PER_SEC : 0);
		tbl = tables_for(family, r.plen, r.proto);
		tables_key(family == 6, tbl, r.addr, r.plen, r.proto, r.port, key);
		if (bpf_map_update_elem(maps.list[0][r.kind][family == 6][tbl], key, &val,
					BPF_ANY)) {
			fail(&l, "setup: adding a rule: %s", strerror(errno));
			goto out;
		}
		tables |= PG_TABLE_BIT(r.kind, family, tbl);
	}
	for (int j = 0; j < n; j++)
		nport += rules[j].proto != 0;
	if (set_tables(tables)) {
		fail(&l, "setup: pg_config");
		goto out;
	}

	for (int i = 0; i < RND_ADDRS; i++) {
		const struct rnd_rule *allow, *deny, *want;
		char astr[INET6_ADDRSTRLEN];
		struct pkt_spec spec = { .family = family, .proto = IPPROTO_UDP,
					 .dport = rnd_ports[rnd() % 3] };
		struct pkt pk;
		__u8 a[16];
		__u64 before = 0, after = 0, lbefore = 0, lafter = 0;
		int exp_ret;
		LIBBPF_OPTS(bpf_test_run_opts, opts, .repeat = 1);

		rnd_addr(family, a);
		allow = rnd_best(rules, n, PG_LIST_ALLOW, a, spec.dport, max);
		deny = rnd_best(rules, n, PG_LIST_DENY, a, spec.dport, max);
		want = allow ? allow : deny;
		exp_ret = !allow && deny ? XDP_DROP : XDP_PASS;
		matched += want != NULL;
		matched_port += want && want->proto;

		inet_ntop(family == 4 ? AF_INET : AF_INET6, a, astr, sizeof(astr));
		spec.src = astr;
		if (pkt_build(&pk, &spec)) {
			fail(&l, "setup: building a frame from %s", astr);
			goto out;
		}
		if (want) {
			before = rule_packets(want->id);
			lbefore = list_packets(want->list);
		}
		opts.data_in = pk.buf;
		opts.data_size_in = pk.len;
		if (bpf_prog_test_run_opts(in->prog_fd[P_XDP], &opts)) {
			fail(&l, "test_run: %s", strerror(errno));
			goto out;
		}
		if (want) {
			after = rule_packets(want->id);
			lafter = list_packets(want->list);
		}
		if ((int)opts.retval != exp_ret ||
		    (want && (after != before + 1 || lafter != lbefore + 1))) {
			if (bad++ < 3)
				fail(&l, "%s udp/%u: expected %s by rule %u (/%u%s), got %s%s%s", astr,
				     spec.dport, exp_ret == XDP_DROP ? "drop" : "pass",
				     want ? want->id : 0, want ? want->plen : 0,
				     want && want->proto ? (want->port ? " port" : " any port") : "",
				     opts.retval == XDP_DROP ? "drop" : "pass",
				     want && after != before + 1 ? ", rule not counted" : "",
				     want && lafter != lbefore + 1 ? ", list not counted" : "");
		}
	}
	if (matched < RND_ADDRS / 10 || matched > RND_ADDRS * 9 / 10 ||
	    matched_port < RND_ADDRS / 50)
		fail(&l, "setup: %d of %d addresses matched a rule, %d a port-scoped one: the mix is not testing much",
		     matched, RND_ADDRS, matched_port);
out:
	snprintf(name, sizeof(name), "[xdp] random LPM cross-check, IPv%d: %d entries "
		 "(hash, trie, %d in the port trie), %d addresses, %d matching, %d by port",
		 family, n, nport, RND_ADDRS, matched, matched_port);
	report(name, &l);
	clear_lists();
	snap_valid = 0;	/* counters moved outside run_frame */
}

void scen_lpm_random(void)
{
	run_lpm_random(&insts[PLAIN], 4);
	run_lpm_random(&insts[PLAIN], 6);
}
