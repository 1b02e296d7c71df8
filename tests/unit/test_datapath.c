// SPDX-License-Identifier: GPL-2.0
/*
 * Datapath unit tests: the XDP program and both TC programs under
 * BPF_PROG_TEST_RUN, table-driven.
 *
 * The case tables (cases_*.c, registered in cases.h) and one set of
 * truncation sweeps (cases_sweeps.c), run once per program; this file is
 * the harness that loads the programs, sets up the maps and runs them.
 * XDP and TC ingress see the frames as written; TC egress matches the
 * destination (an entry names the remote peer), so it gets every frame
 * mirrored: the peer address moved from the source to the destination
 * field, with the same rules and the same expected outcome. A rule naming
 * the local end then sits in the source field, where egress must not see it.
 *
 * As in production, every program instance uses one set of maps: the first
 * XDP object creates them, every other object is handed their fds with
 * bpf_map__reuse_fd before load (production shares them by pinning). The
 * list tables' inner maps are made with ctl/tables.c, as the CLI makes
 * them; slot 0 of each is in use (pg_config.gens 0) except in the
 * generation cases.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "pktgate.h"
#include "pktgate_tc.skel.h"
#include "pktgate_xdp.skel.h"
#include "pktbuild.h"
#include "harness.h"
#include "compile.h"
#include "tables.h"

/* Slack for last_hit_ns: it is read from the coarse clock, which lags. */
#define LAST_HIT_SLACK	(2 * NSEC_PER_SEC)
#define SWEEP_RULE_ID	7
/* Capacity of every inner list map. The kernel takes an inner map only if
 * it matches the outer map's template, so the test makes the template
 * (see prepare_maps) rather than use production's PG_LIST_CAPACITY, for
 * which every hash would allocate its buckets up front. */
#define TEST_CAPACITY	4096

const struct prog_kind progs[PROG_MAX] = {
	[P_XDP] = { "xdp", PG_HOOK_XDP, 0, XDP_PASS, XDP_DROP, XDP_TX,
		    "XDP_PASS", "XDP_DROP", "XDP_TX" },
	/* TC answers nothing: no return code stands for tx. */
	[P_TC_IN] = { "tc-ingress", PG_HOOK_TC_INGRESS, 0, TC_ACT_OK, TC_ACT_SHOT, ~0u,
		      "TC_ACT_OK", "TC_ACT_SHOT", "none" },
	[P_TC_EG] = { "tc-egress", PG_HOOK_TC_EGRESS, 1, TC_ACT_OK, TC_ACT_SHOT, ~0u,
		      "TC_ACT_OK", "TC_ACT_SHOT", "none" },
};

/* A nonzero slot for the main instance, and the very last one for the
 * other, so a wrong counter key computation cannot go unnoticed. */
struct instance insts[INST_MAX] = {
	[PLAIN] = { .name = "plain", .slot = 5 },
	[DROPMAL] = { .name = "drop-malformed", .slot = PG_MAX_IFACES - 1,
		      .drop_malformed = 1 },
	[POLDROP] = { .name = "policy-drop", .slot = PG_MAX_IFACES - 2, .policy_drop = 1 },
	[POLSTATELESS] = { .name = "policy-drop-stateless", .slot = PG_MAX_IFACES - 3,
			   .policy_drop = 1, .stateless = 1 },
	[SEL_A] = { .name = "lists-a", .slot = 3, .lists = 1ULL << SEL_LIST_A },
	[SEL_B] = { .name = "lists-b", .slot = 11, .lists = 1ULL << SEL_LIST_B },
	/* SYN cookies on a port no case or sweep uses: they all take the
	 * normal path there (scen_synproxy tests the port). */
	[SYNCOOKIE] = { .name = "syncookie", .slot = 9, .syn_port = 8080 },
	/* Every case and sweep gives the same verdicts when the top sketch
	 * samples; scen_top checks what it counts. */
	[TOPSAMPLE] = { .name = "top-sample", .slot = 13, .top_sample = 16 },
};

/* The one set of maps every instance uses (the first XDP object's). */
struct dp_maps maps;
static __u32 case_sels;	/* pg_config.sels of the rules set up */

static int verbose;
static int n_pass, n_fail;
/* Second pass over the case tables and sweeps: every address entry goes
 * to the compiled tier (ctl/compile.c) instead of the dynamic tables, so
 * each case checks both tiers against the same expectations. */
static int compiled_mode;
#define COMPILED_MAX 64
static struct compile_ent compiled_q[PG_LIST_KIND_MAX][2][COMPILED_MAX];
static size_t compiled_n[PG_LIST_KIND_MAX][2];
int compiled_installed;
static unsigned int case_installed;	/* bit kind * 2 + fam: a case's arrays in slot 0 */
/* The state after the last frame is the state before the next one: the
 * maps are private, so nothing else can change them in between, and a
 * stray update would still be caught (at the next frame). */
static struct snap snaps[2];
static struct snap *snap_before = &snaps[0], *snap_after = &snaps[1];
int snap_valid;
/* Kernels with commit 12bec2bd4b76 ("bpf: reject short IPv4/IPv6 inputs
 * in bpf_prog_test_run_skb", 2026, backported to stable) also refuse an
 * skb whose Ethernet type is IPv4 (IPv6) when fewer than 20 (40) bytes
 * follow the Ethernet header; older kernels run the program. Probed once,
 * per family, at load: [0] IPv4, [1] IPv6. Such frames are still tested
 * on TC behind a VLAN tag (the QinQ sweep), which the kernel does not
 * look into. */
static int skb_refuses_short_l3[2];
void *percpu_buf;
int ncpus;

static const char *const reason_names[PG_R_MAX] = {
#define REASON_ID(id, name, drops) [PG_R_##id] = #id,
	PG_REASONS(REASON_ID)
#undef REASON_ID
};

static const char *reason_name(int r)
{
	if (r == REJECTED)
		return "rejected by test_run";
	return r >= 0 && r < PG_R_MAX ? reason_names[r] : "?";
}

/* Written out here rather than taken from PG_REASON_DROPS, so that a
 * wrong action table in the contract is caught too. */
static __u32 expected_verdict(const struct prog_kind *pk, int reason)
{
	return PG_REASON_DROPS(reason) ? pk->drop : PG_REASON_TX(reason) ? pk->tx : pk->pass;
}

static const char *verdict_name(const struct prog_kind *pk, __u32 v)
{
	static char other[32];

	if (v == pk->pass)
		return pk->pass_name;
	if (v == pk->drop)
		return pk->drop_name;
	if (v == pk->tx)
		return pk->tx_name;
	snprintf(other, sizeof(other), "other (%u)", v);
	return other;
}

__u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

void fail(struct log *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	l->failed = 1;
	if (l->used >= sizeof(l->msg) - 1)
		return;
	if (l->used) {
		n = snprintf(l->msg + l->used, sizeof(l->msg) - l->used, "; ");
		l->used += n;
	}
	va_start(ap, fmt);
	n = vsnprintf(l->msg + l->used, sizeof(l->msg) - l->used, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->used += n;
	if (l->used >= sizeof(l->msg))
		l->used = sizeof(l->msg) - 1;
}

void report(const char *name, const struct log *l)
{
	if (l->failed) {
		printf("FAIL: %s: %s\n", name, l->msg);
		n_fail++;
	} else {
		printf("PASS: %s\n", name);
		n_pass++;
	}
}

/* The table is written from the ingress side, where the peer is the
 * source. For a mirrored (egress) run, say what the case is about there;
 * the first matching phrase wins ("destination options" stays). */
static const char *const mirror_words[][2] = {
	{ "destination address", "source address" },
	{ "from denied source", "to denied destination" },
	{ "from allowed source", "to allowed destination" },
	{ "source", "destination" },
};

void case_name(char *out, size_t size, const struct prog_kind *pk,
	       const char *name, const struct instance *in)
{
	char body[256];
	size_t n = 0, w, wn = pk->mirror ? sizeof(mirror_words) / sizeof(mirror_words[0]) : 0;
	const char *p = name;

	while (*p && n + 1 < sizeof(body)) {
		for (w = 0; w < wn; w++)
			if (!strncmp(p, mirror_words[w][0], strlen(mirror_words[w][0])))
				break;
		if (w < wn) {
			n += snprintf(body + n, sizeof(body) - n, "%s", mirror_words[w][1]);
			if (n >= sizeof(body))
				n = sizeof(body) - 1;
			p += strlen(mirror_words[w][0]);
		} else {
			body[n++] = *p++;
		}
	}
	body[n] = 0;
	snprintf(out, size, "[%s]%s %s [%s]", pk->name, compiled_mode ? " [compiled]" : "", body,
		 in->name);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	return verbose ? vfprintf(stderr, fmt, ap) : 0;
}

/* ---- counters ---- */

size_t percpu_stride(size_t size)
{
	return (size + 7) & ~(size_t)7;
}

/* Reads the first n entries of a per-CPU array in one syscall: snapshots
 * are taken for every frame, and key-by-key lookups made the run slow. */
static int read_percpu(int fd, __u32 n)
{
	static __u32 keys[STATS_KEYS];
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 out, count = n, i;
	int err;

	err = bpf_map_lookup_batch(fd, NULL, &out, keys, percpu_buf, &count, &opts);
	if (err && err != -ENOENT)
		return err;
	if (count != n)
		return -EIO;
	for (i = 0; i < n; i++)
		if (keys[i] != i)
			return -EIO;
	return 0;
}

static int read_snap(struct snap *s)
{
	size_t st = percpu_stride(sizeof(struct pg_stats));
	size_t rt = percpu_stride(sizeof(struct pg_rule_ctr));
	size_t lt = percpu_stride(sizeof(struct pg_ctr));
	__u32 key;
	int cpu, r, err;

	memset(s, 0, sizeof(*s));
	err = read_percpu(maps.stats, STATS_KEYS);
	if (err)
		return err;
	for (key = 0; key < STATS_KEYS; key++) {
		for (cpu = 0; cpu < ncpus; cpu++) {
			const struct pg_stats *v =
				percpu_buf + (key * ncpus + cpu) * st;

			for (r = 0; r < PG_R_MAX; r++) {
				s->stats[key][r].packets += v->reason[r].packets;
				s->stats[key][r].bytes += v->reason[r].bytes;
			}
		}
	}
	err = read_percpu(maps.rule_stats, RULE_SCAN);
	if (err)
		return err;
	for (key = 0; key < RULE_SCAN; key++) {
		struct pg_rule_ctr *sum = &s->rules[key];

		for (cpu = 0; cpu < ncpus; cpu++) {
			const struct pg_rule_ctr *v =
				percpu_buf + (key * ncpus + cpu) * rt;

			sum->packets += v->packets;
			sum->bytes += v->bytes;
			if (v->last_hit_ns > sum->last_hit_ns)
				sum->last_hit_ns = v->last_hit_ns;
		}
	}
	err = read_percpu(maps.list_stats, PG_MAX_LISTS);
	if (err)
		return err;
	for (key = 0; key < PG_MAX_LISTS; key++) {
		for (cpu = 0; cpu < ncpus; cpu++) {
			const struct pg_ctr *v = percpu_buf + (key * ncpus + cpu) * lt;

			s->lists[key].packets += v->packets;
			s->lists[key].bytes += v->bytes;
		}
	}
	return 0;
}

/* The list counter a verdict must move: that of the matching entry's list
 * on ALLOW and DENY (list, or the manual list of the kind if 0), none
 * otherwise (-1). */
static int expected_list(int reason, int list)
{
	if (reason == PG_R_ALLOW)
		return list ? list : (int)PG_LIST_MANUAL(PG_LIST_ALLOW);
	if (reason == PG_R_DENY)
		return list ? list : (int)PG_LIST_MANUAL(PG_LIST_DENY);
	if (reason == PG_R_BAN)
		return list;	/* the ban's list */
	return -1;
}

/* Exactly one packet of len bytes under (our key, reason), nothing in any
 * other key or reason (other hooks and other slots included), and likewise
 * for the rule counters and the list counters (list: the one expected to
 * count, -1: none). */
static void check_counters(__u32 our_key, int reason, __u32 rule_id, int list,
			   size_t len, __u64 t0, __u64 t1, struct log *l)
{
	const struct snap *sb = snap_before, *sa = snap_after;
	__u32 key, id;
	int r;

	for (key = 0; key < STATS_KEYS; key++) {
		for (r = 0; r < PG_R_MAX; r++) {
			int hit = key == our_key && r == reason;
			__u64 dp = sa->stats[key][r].packets - sb->stats[key][r].packets;
			__u64 db = sa->stats[key][r].bytes - sb->stats[key][r].bytes;

			if (dp != (__u64)hit || db != (hit ? len : 0))
				fail(l, "stats key %u (slot %u %s) %s: expected +%d/+%zu, saw +%llu/+%llu",
				     key, key / PG_HOOK_MAX,
				     key % PG_HOOK_MAX == PG_HOOK_XDP ? "xdp" :
				     key % PG_HOOK_MAX == PG_HOOK_TC_INGRESS ?
				     "tc-ingress" : "tc-egress",
				     reason_name(r), hit, hit ? len : 0,
				     (unsigned long long)dp, (unsigned long long)db);
		}
	}
	for (id = 0; id < RULE_SCAN; id++) {
		const struct pg_rule_ctr *b = &sb->rules[id];
		const struct pg_rule_ctr *a = &sa->rules[id];
		int hit = rule_id && id == rule_id;

		if (a->packets - b->packets != (__u64)hit ||
		    a->bytes - b->bytes != (hit ? len : 0))
			fail(l, "rule %u: expected +%d/+%zu, saw +%llu/+%llu", id,
			     hit, hit ? len : 0,
			     (unsigned long long)(a->packets - b->packets),
			     (unsigned long long)(a->bytes - b->bytes));
		if (!hit && a->last_hit_ns != b->last_hit_ns)
			fail(l, "rule %u: last_hit_ns changed without a hit", id);
		if (hit && (a->last_hit_ns + LAST_HIT_SLACK < t0 ||
			    a->last_hit_ns > t1 + LAST_HIT_SLACK))
			fail(l, "rule %u: last_hit_ns %llu not near now %llu", id,
			     (unsigned long long)a->last_hit_ns,
			     (unsigned long long)t1);
	}
	for (id = 0; id < PG_MAX_LISTS; id++) {
		int hit = list >= 0 && id == (__u32)list;
		__u64 dp = sa->lists[id].packets - sb->lists[id].packets;
		__u64 db = sa->lists[id].bytes - sb->lists[id].bytes;

		if (dp != (__u64)hit || db != (hit ? len : 0))
			fail(l, "list %u: expected +%d/+%zu, saw +%llu/+%llu", id,
			     hit, hit ? len : 0, (unsigned long long)dp,
			     (unsigned long long)db);
	}
}

/* ---- lists ---- */

/* pg_config.tables as the CLI keeps it: the tables that hold entries. */
int set_tables(__u32 tables)
{
	struct pg_config cfg;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(maps.config, &zero, &cfg))
		return -errno;
	cfg.tables = tables;
	cfg.sels = tables ? case_sels : 0;
	return bpf_map_update_elem(maps.config, &zero, &cfg, BPF_ANY) ? -errno : 0;
}

/* pg_config.gens: bit 0 the slot the allow tables use, bit 1 the deny's. */
int set_gens(__u32 gens)
{
	struct pg_config cfg;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(maps.config, &zero, &cfg))
		return -errno;
	cfg.gens = gens;
	return bpf_map_update_elem(maps.config, &zero, &cfg, BPF_ANY) ? -errno : 0;
}

/* Empties every inner map of both generations (slot 1's are not even
 * installed outside the generation cases, but must start empty there). */
int clear_lists(void)
{
	__u8 key[PG_KEY_MAX];
	int gen, kind, fam, tbl;

	for (gen = 0; gen < PG_GENS; gen++) {
		for (kind = 0; kind < PG_LIST_KIND_MAX; kind++) {
			for (fam = 0; fam < 2; fam++) {
				for (tbl = 0; tbl < PG_TBL_MAX; tbl++) {
					int fd = maps.list[gen][kind][fam][tbl];

					if (PG_TBL_COMPILED(tbl))
						continue;	/* never written: see below */
					while (!bpf_map_get_next_key(fd, NULL, key))
						if (bpf_map_delete_elem(fd, key))
							return -errno;
				}
			}
		}
	}
	for (fam = 0; fam < 2; fam++)
		while (!bpf_map_get_next_key(maps.protect[fam], NULL, key))
			if (bpf_map_delete_elem(maps.protect[fam], key))
				return -errno;
	/* Compiled content goes into fresh arrays: put the empty ones back. */
	for (kind = 0; compiled_installed && kind < PG_LIST_KIND_MAX; kind++)
		for (fam = 0; fam < 2; fam++)
			for (tbl = PG_TBL_CENT; tbl < PG_TBL_MAX; tbl++)
				if (tables_set(maps.outer[kind][fam][tbl], kind, 0, maps.list[0][kind][fam][tbl]))
					return -errno;
	if (compiled_installed)
		case_installed = 0;	/* the slots hold the empty arrays again */
	compiled_installed = 0;
	memset(compiled_n, 0, sizeof(compiled_n));
	return set_tables(0);
}

/* Parses "ADDR/PLEN" into addr (16 bytes, zero-padded) and plen. */
static int parse_cidr(const char *cidr, int *v6, __u8 *addr, unsigned int *plen)
{
	char a[INET6_ADDRSTRLEN];
	const char *slash = strchr(cidr, '/');
	size_t alen = slash ? (size_t)(slash - cidr) : 0;

	*v6 = strchr(cidr, ':') != NULL;
	if (!slash || alen >= sizeof(a))
		return -1;
	memcpy(a, cidr, alen);
	a[alen] = 0;
	memset(addr, 0, 16);
	*plen = atoi(slash + 1);
	if (inet_pton(*v6 ? AF_INET6 : AF_INET, a, addr) != 1 || *plen > (*v6 ? 128u : 32u))
		return -1;
	return 0;
}

int add_rule(const struct rule_spec *rs, __u32 *tables, struct log *l)
{
	struct pg_rule val = { .rule_id = rs->id };
	__u8 key[PG_KEY_MAX], addr[16];
	unsigned int plen, port, hi = rs->port_hi ? rs->port_hi : rs->port;
	int v6, tbl, fd, list = rs->list ? rs->list : (int)PG_LIST_MANUAL(rs->kind);

	if (parse_cidr(rs->cidr, &v6, addr, &plen) || hi < rs->port) {
		fail(l, "setup: bad rule %s", rs->cidr);
		return -1;
	}
	if (rs->protect) {
		struct pg_protect pv = { .created_ns = 1 };

		tables_key(v6, PG_TBL_PREFIX, addr, plen, 0, 0, key);
		if (bpf_map_update_elem(maps.protect[v6], key, &pv, BPF_ANY)) {
			fail(l, "setup: protecting %s: %s", rs->cidr, strerror(errno));
			return -1;
		}
		if (!rs->unannounced)
			*tables |= PG_PROTECT_BIT(v6 ? 6 : 4);
		return 0;
	}
	val.prefixlen = plen;
	val.list_id = list;
	val.lists = 1ULL << list | rs->also;
	val.port_hi = rs->proto ? hi : 0;
	if (rs->ttl == TTL_LIVE)
		val.expires_ns = mono_ns() + 3600 * NSEC_PER_SEC;
	else if (rs->ttl == TTL_EXPIRED)
		val.expires_ns = mono_ns() - NSEC_PER_SEC;
	if (compiled_mode && !rs->proto && !rs->sel && rs->gen == 0) {
		struct compile_ent *e;

		if (compiled_n[rs->kind][v6] == COMPILED_MAX) {
			fail(l, "setup: too many compiled entries");
			return -1;
		}
		e = &compiled_q[rs->kind][v6][compiled_n[rs->kind][v6]++];
		memset(e, 0, sizeof(*e));
		memcpy(e->addr, addr, 16);
		e->plen = plen;
		e->rule = val;
		if (!rs->unannounced)
			for (tbl = PG_TBL_CENT; tbl < PG_TBL_MAX; tbl++)
				*tables |= PG_TABLE_BIT(rs->kind, v6 ? 6 : 4, tbl);
		return 0;
	}
	/* Host entries go to the exact-match hash, keyed by the address
	 * alone; port-scoped ones to the port trie, a key per port. */
	tbl = rs->sel ? PG_TBL_PORT : tables_for(v6 ? 6 : 4, plen, rs->proto);
	fd = maps.list[rs->gen][rs->kind][v6][tbl];
	if (rs->sel)
		case_sels |= PG_SEL_BIT(rs->kind, v6 ? 6 : 4, rs->sel);
	if (rs->icmp)
		val.port_hi = hi = PG_ICMP_TYPE_PORT(rs->port);
	for (port = rs->icmp ? hi : rs->port; port <= hi; port++) {
		tables_key(v6, tbl, addr, plen, rs->proto, port, key);
		if (tbl == PG_TBL_PORT)
			tables_key_set_sel(key, rs->sel);
		if (bpf_map_update_elem(fd, key, &val, BPF_ANY)) {
			fail(l, "setup: adding %s: %s", rs->cidr, strerror(errno));
			return -1;
		}
	}
	if (!rs->unannounced)
		*tables |= PG_TABLE_BIT(rs->kind, v6 ? 6 : 4, tbl);
	return 0;
}

/* The queued entries of each kind and family, compiled as a bulk change
 * of the CLI does, into arrays made once and installed in slot 0 once:
 * their content is rewritten through mmap for each case, since every
 * update of a map-in-map slot waits for an RCU grace period. The index
 * is self-describing, so room to spare is never read. */
#define CASE_BLOCKS	(PG_CDIR_SIZE / PG_CSLOTS4 + 4096)
#define CASE_ENTS	1024
static int case_fds[PG_LIST_KIND_MAX][2][TABLES_NCOMPILED];

static int write_array(int fd, const void *src, size_t n, size_t vsz)
{
	size_t mn, mvsz;
	void *p = tables_mmap(fd, &mn, &mvsz, true);

	if (!p)
		return -errno;
	if (n > mn || vsz != mvsz) {
		tables_munmap(p, mn, mvsz);
		return -E2BIG;
	}
	memset(p, 0, mn * mvsz);
	memcpy(p, src, n * vsz);
	tables_munmap(p, mn, mvsz);
	return 0;
}

/* Slot 0 gets the empty arrays back (the generation cases mark every
 * table as holding entries). */
static void uninstall_compiled(void)
{
	for (int kind = 0; kind < PG_LIST_KIND_MAX; kind++)
		for (int fam = 0; fam < 2; fam++)
			for (int t = 0; (case_installed & (1u << (kind * 2 + fam))) && t < TABLES_NCOMPILED; t++)
				tables_set(maps.outer[kind][fam][PG_TBL_CENT + t], kind, 0,
					   maps.list[0][kind][fam][PG_TBL_CENT + t]);
	case_installed = 0;
}

static int install_compiled(struct log *l)
{
	for (int kind = 0; kind < PG_LIST_KIND_MAX; kind++)
		for (int fam = 0; fam < 2; fam++) {
			int *fds = case_fds[kind][fam], err = 0;
			size_t cap[TABLES_NCOMPILED] = { CASE_ENTS, CASE_BLOCKS };
			struct compiled c;

			if (!compiled_n[kind][fam])
				continue;
			for (int t = 0; t < TABLES_NCOMPILED && !err; t++) {
				if (fds[t] <= 0) {
					fds[t] = tables_create_array(kind, fam, PG_TBL_CENT + t, cap[t]);
					err = fds[t] < 0 ? fds[t] : 0;
				}
				if (!err && !(case_installed & (1u << (kind * 2 + fam))))
					err = tables_set(maps.outer[kind][fam][PG_TBL_CENT + t],
							 kind, 0, fds[t]);
			}
			case_installed |= 1u << (kind * 2 + fam);
			if (!err)
				err = compile_build(fam, compiled_q[kind][fam], compiled_n[kind][fam], &c);
			if (!err) {
				err = write_array(fds[0], c.ents, c.nents, compile_ent_size(fam));
				if (!err)
					err = write_array(fds[1], c.idx, c.nidx, compile_blk_size(fam));
				compile_free(&c);
			}
			if (err) {
				fail(l, "setup: compiling: %s", strerror(-err));
				return -1;
			}
		}
	return 0;
}

int set_rules(const struct rule_spec *rules, int n, struct log *l)
{
	int i, err = clear_lists();
	__u32 tables = 0;

	if (err) {
		fail(l, "setup: clearing lists: %s", strerror(-err));
		return err;
	}
	case_sels = 0;
	for (i = 0; i < n && rules[i].cidr; i++)
		if (add_rule(&rules[i], &tables, l))
			return -1;
	err = install_compiled(l);
	if (err)
		return err;
	err = set_tables(tables);
	if (err)
		fail(l, "setup: pg_config: %s", strerror(-err));
	return err;
}

/* ---- running ---- */

/* Run one frame through one program of an instance and check verdict and
 * every counter. Failures are prefixed with what, so a sweep says at
 * which length it went wrong. */
void run_frame(const struct instance *in, enum prog_id pid,
	       const struct pkt *p, int reason, __u32 rule_id, int list,
	       const char *what, struct log *l)
{
	const struct prog_kind *pk = &progs[pid];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p->buf,
		    .data_size_in = p->len, .repeat = 1);
	struct log sub = {};
	struct snap *tmp;
	__u64 t0, t1;
	int err;

	if (!snap_valid) {
		err = read_snap(snap_before);
		if (err) {
			fail(l, "%sreading counters: %s", what, strerror(-err));
			return;
		}
	}
	snap_valid = 0;
	t0 = mono_ns();
	err = bpf_prog_test_run_opts(in->prog_fd[pid], &opts);
	t1 = mono_ns();
	if (reason == REJECTED) {
		if (err != -EINVAL)
			fail(&sub, "expected test_run to refuse the frame (EINVAL), got %d retval %s",
			     err, verdict_name(pk, opts.retval));
	} else if (err) {
		fail(&sub, "test_run failed: %s", strerror(-err));
	} else if (opts.retval != expected_verdict(pk, reason)) {
		fail(&sub, "expected %s (%s), saw %s",
		     verdict_name(pk, expected_verdict(pk, reason)),
		     reason_name(reason), verdict_name(pk, opts.retval));
	}
	err = read_snap(snap_after);
	if (err) {
		fail(&sub, "reading counters: %s", strerror(-err));
	} else {
		/* A refused frame must not be counted at all: reason -1
		 * matches no counter. Bytes are the frame as handed over:
		 * what XDP sees, and skb->len for TC. */
		check_counters(in->slot * PG_HOOK_MAX + pk->hook, reason,
			       reason == REJECTED ? 0 : rule_id,
			       expected_list(reason, list), p->len, t0, t1, &sub);
		tmp = snap_before;
		snap_before = snap_after;
		snap_after = tmp;
		snap_valid = 1;
	}
	if (sub.failed)
		fail(l, "%s%s", what, sub.msg);
}

/* The outcome to expect: the case's own, unless test_run refuses the
 * frame before any program runs. */
static int expect(enum prog_id pid, const struct pkt *p, int reason)
{
	unsigned int type;
	size_t l3;

	if (p->len < ETH_HLEN)
		return REJECTED;
	if (pid == P_XDP)
		return reason;
	type = p->buf[12] << 8 | p->buf[13];
	l3 = p->len - ETH_HLEN;
	if ((type == ETH_P_IP && l3 < 20 && skb_refuses_short_l3[0]) ||
	    (type == ETH_P_IPV6 && l3 < 40 && skb_refuses_short_l3[1]))
		return REJECTED;
	return reason;
}

/* Builds the case's frame as program pid sees it: mirrored for egress. */
int build_for(struct pkt *p, const struct pkt_spec *spec, enum prog_id pid)
{
	struct pkt_spec s = *spec;

	s.mirror = progs[pid].mirror;
	return pkt_build(p, &s);
}

/* The list whose counter a case's verdict must move: that of the rule of
 * the verdict's kind with the expected rule_id (0 if the verdict is not
 * ALLOW or DENY), or, where the instance's --lists leave its list_id out,
 * the lowest of its lists that applies (README: the first list holding
 * it). A case must leave no doubt which one that is. */
static int case_list(const struct tcase *c, struct log *l)
{
	int kind = c->reason == PG_R_ALLOW ? PG_LIST_ALLOW : PG_LIST_DENY, list = -1, i;
	__u64 sel = insts[c->inst].lists ? insts[c->inst].lists : ~0ULL;

	if (c->reason != PG_R_ALLOW && c->reason != PG_R_DENY)
		return 0;
	for (i = 0; i < MAX_RULES && c->rules[i].cidr; i++) {
		const struct rule_spec *r = &c->rules[i];
		int rl = r->list ? r->list : (int)PG_LIST_MANUAL(kind);

		if (r->kind != kind || r->id != c->rule_id)
			continue;
		if (!(sel >> rl & 1) && ((1ULL << rl | r->also) & sel))
			rl = __builtin_ctzll((1ULL << rl | r->also) & sel);
		if (list >= 0 && list != rl)
			fail(l, "setup: rules of lists %d and %d could decide", list, rl);
		list = rl;
	}
	if (list < 0)
		fail(l, "setup: no rule of rule_id %u decides", c->rule_id);
	return list;
}

static void run_case(const struct tcase *c, enum prog_id pid)
{
	const struct instance *in = &insts[c->inst];
	struct log l = {};
	struct pkt p;
	char name[320];
	int list = case_list(c, &l);

	case_name(name, sizeof(name), &progs[pid], c->name, in);
	if (l.failed)
		goto out;
	if (build_for(&p, &c->pkt, pid))
		fail(&l, "setup: packet spec cannot be built");
	else if (!set_rules(c->rules, MAX_RULES, &l))
		run_frame(in, pid, &p, expect(pid, &p, c->reason), c->rule_id, list,
			  "", &l);
out:
	report(name, &l);
}

/* ---- helpers of the scenarios ---- */

/* Clears the bits of a beyond plen (max: the family's address bits). */
void mask_addr(__u8 *a, unsigned int plen, unsigned int max)
{
	for (unsigned int b = plen; b < max; b++)
		a[b / 8] &= ~(0x80 >> (b % 8));
}

/* Packets counted under a rule id and a list id, summed over CPUs (~0 on
 * error). */
__u64 rule_packets(__u32 id)
{
	size_t stride = percpu_stride(sizeof(struct pg_rule_ctr));
	__u64 sum = 0;

	if (bpf_map_lookup_elem(maps.rule_stats, &id, percpu_buf))
		return ~0ULL;
	for (int c = 0; c < ncpus; c++)
		sum += ((struct pg_rule_ctr *)((char *)percpu_buf + c * stride))->packets;
	return sum;
}

__u64 list_packets(__u32 id)
{
	size_t stride = percpu_stride(sizeof(struct pg_ctr));
	__u64 sum = 0;

	if (bpf_map_lookup_elem(maps.list_stats, &id, percpu_buf))
		return ~0ULL;
	for (int c = 0; c < ncpus; c++)
		sum += ((struct pg_ctr *)((char *)percpu_buf + c * stride))->packets;
	return sum;
}


/* ---- case tables ---- */

#define CASE_TABLE_REF(t)	&cases_##t,
static const struct case_table *const case_tables[] = { CASE_TABLES(CASE_TABLE_REF) };
#undef CASE_TABLE_REF

/* ---- truncation sweeps ---- */

static int malformed_reason(const struct instance *in)
{
	return in->drop_malformed ? PG_R_MALFORMED_DROP : PG_R_MALFORMED;
}

/* The rules a sweep runs with: none, or one entry of the peer. */
enum sweep_rules { SW_NONE, SW_DENY, SW_ALLOW, SW_MAX };

/* What a frame cut at len must get. Until the peer's address is whole the
 * frame is malformed whatever the lists say; from there on, the peer's
 * rules decide and only an unlisted peer makes it malformed. */
static int truncated_reason(const struct instance *in, enum prog_id pid,
			    const struct pkt *full, size_t len, enum sweep_rules rules)
{
	struct pkt cut = *full;

	cut.len = len;
	if (rules == SW_NONE || !full->peer_end || len < full->peer_end)
		return expect(pid, &cut, malformed_reason(in));
	return expect(pid, &cut, rules == SW_DENY ? PG_R_DENY : PG_R_ALLOW);
}

static void run_sweep(const struct instance *in, enum prog_id pid,
		      const struct sweep *sw, enum sweep_rules rules)
{
	static const char *const rules_names[SW_MAX] = {
		[SW_NONE] = "no rules", [SW_DENY] = "source denied",
		[SW_ALLOW] = "source allowed",
	};
	const struct prog_kind *pk = &progs[pid];
	const char *peer = sw->pkt.family == 6 ? PKT_SRC6 "/128" : PKT_SRC4 "/32";
	struct rule_spec rule = { .kind = rules == SW_ALLOW ? PG_LIST_ALLOW : PG_LIST_DENY,
				  .cidr = peer, .id = SWEEP_RULE_ID };
	const char *lists = rules_names[rules];
	int n_rules = rules != SW_NONE, full_reason = rules == SW_DENY ? PG_R_DENY :
		      rules == SW_ALLOW ? PG_R_ALLOW : PG_R_DEFAULT;
	struct pkt full, cut;
	char name[320], desc[256], what[32];
	int i, reason;

	if (build_for(&full, &sw->pkt, pid)) {
		struct log l = {};

		snprintf(desc, sizeof(desc), "truncate %s", sw->name);
		case_name(name, sizeof(name), pk, desc, in);
		fail(&l, "setup: packet spec cannot be built");
		report(name, &l);
		return;
	}
	for (i = 0; i < full.nhdr; i++) {
		const struct pkt_hdr *h = &full.hdr[i];
		struct log l = {};
		size_t len;

		/* By construction the outcome is the same all through a header
		 * (the IP headers are split at their addresses). */
		snprintf(desc, sizeof(desc), "truncate %s inside %s (len %zu..%zu), %s -> %s",
			 sw->name, h->name, h->start, h->end - 1, lists,
			 reason_name(truncated_reason(in, pid, &full, h->start, rules)));
		case_name(name, sizeof(name), pk, desc, in);
		if (!set_rules(&rule, n_rules, &l)) {
			for (len = h->start; len < h->end; len++) {
				cut = full;
				cut.len = len;
				reason = truncated_reason(in, pid, &full, len, rules);
				snprintf(what, sizeof(what), "len %zu: ", len);
				run_frame(in, pid, &cut, reason,
					  reason == PG_R_DENY || reason == PG_R_ALLOW ?
					  SWEEP_RULE_ID : 0, 0, what, &l);
			}
		}
		report(name, &l);
	}

	/* The uncut frame, so the sweep is known to stop at the right end. */
	{
		struct log l = {};

		snprintf(desc, sizeof(desc), "truncate %s: full frame (len %zu), %s -> %s",
			 sw->name, full.full, lists, reason_name(full_reason));
		case_name(name, sizeof(name), pk, desc, in);
		if (!set_rules(&rule, n_rules, &l))
			run_frame(in, pid, &full, full_reason, n_rules ? SWEEP_RULE_ID : 0, 0,
				  "", &l);
		report(name, &l);
	}
}

/* ---- setup ---- */

/* Which list table a map is, by name. */
static int table_of(const char *name, int *kind, int *fam, int *tbl)
{
	*kind = PG_LIST_ALLOW;	/* the kinds share a table's map */
	for (*fam = 0; *fam < 2; (*fam)++)
		for (*tbl = 0; *tbl < PG_TBL_MAX; (*tbl)++)
			if (!strcmp(name, tables_pin_name(*fam, *tbl)))
				return 0;
	return -1;
}

/* The inner maps of every table, both generations, as the CLI makes them
 * (tables_create), before the maps are created: slot 0's are the
 * templates of the outer maps (see prepare_maps). */
static int create_lists(struct log *l)
{
	int gen, kind, fam, tbl, fd;

	for (gen = 0; gen < PG_GENS; gen++) {
		for (kind = 0; kind < PG_LIST_KIND_MAX; kind++) {
			for (fam = 0; fam < 2; fam++) {
				for (tbl = 0; tbl < PG_TBL_MAX; tbl++) {
					fd = tables_create(kind, fam, tbl, TEST_CAPACITY);
					if (fd < 0) {
						fail(l, "creating an inner map of %s: %s",
						     tables_name(kind, fam, tbl), strerror(-fd));
						return -1;
					}
					maps.list[gen][kind][fam][tbl] = fd;
				}
			}
		}
	}
	return 0;
}

/* Once the maps exist: slot 0 of every table gets its inner map, and
 * stays so (pg_config.gens is 0 but in the generation cases). */
static int install_lists(struct bpf_object *owner, struct log *l)
{
	int kind, fam, tbl, err;

	for (kind = 0; kind < PG_LIST_KIND_MAX; kind++) {
		for (fam = 0; fam < 2; fam++) {
			for (tbl = 0; tbl < PG_TBL_MAX; tbl++) {
				const char *name = tables_pin_name(fam, tbl);
				struct bpf_map *m = bpf_object__find_map_by_name(owner, name);

				if (!m) {
					fail(l, "no map %s", name);
					return -1;
				}
				maps.outer[kind][fam][tbl] = bpf_map__fd(m);
				err = tables_set(maps.outer[kind][fam][tbl], kind, 0,
						 maps.list[0][kind][fam][tbl]);
				if (err) {
					fail(l, "installing the inner map of %s in slot 0: %s",
					     name, strerror(-err));
					return -1;
				}
			}
		}
	}
	return 0;
}

/* Turns pinning off on every map, so the test never touches the host's
 * bpffs and its maps vanish with it. Unless this object is the first
 * (owner == NULL), it is then handed the owner's maps, as pinning would in
 * production. */
static int prepare_maps(struct bpf_object *obj, struct bpf_object *owner,
			struct log *l)
{
	struct bpf_map *m, *om;
	int err;

	bpf_object__for_each_map(m, obj) {
		struct bpf_map *inner = bpf_map__inner_map(m);

		err = bpf_map__set_pin_path(m, NULL);
		if (err) {
			fail(l, "unpinning %s: %s", bpf_map__name(m), strerror(-err));
			return -1;
		}
		/* A list table of the object creating the maps: one of its
		 * own inner maps is the template, so they are smaller than
		 * production's (a hash allocates its buckets up front) and
		 * match it by construction. */
		if (inner && !owner) {
			int kind, fam, tbl;

			if (table_of(bpf_map__name(m), &kind, &fam, &tbl)) {
				fail(l, "map %s is not a list table", bpf_map__name(m));
				return -1;
			}
			err = bpf_map__set_inner_map_fd(m, maps.list[0][kind][fam][tbl]);
			if (err) {
				fail(l, "template of %s: %s", bpf_map__name(m), strerror(-err));
				return -1;
			}
		}
		if (!owner || bpf_map__is_internal(m))
			continue;	/* .rodata is per object: cfg_slot */
		om = bpf_object__find_map_by_name(owner, bpf_map__name(m));
		if (!om) {
			fail(l, "map %s has no counterpart to share", bpf_map__name(m));
			return -1;
		}
		err = bpf_map__reuse_fd(m, bpf_map__fd(om));
		if (err) {
			fail(l, "reusing %s: %s", bpf_map__name(m), strerror(-err));
			return -1;
		}
	}
	return 0;
}

static __u32 map_id(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

/* After load: nothing pinned, and (unless the owner) every shared map is
 * the owner's very map, not a lookalike. */
static void check_maps(struct bpf_object *obj, struct bpf_object *owner,
		       struct log *l)
{
	struct bpf_map *m, *om;

	bpf_object__for_each_map(m, obj) {
		if (bpf_map__is_pinned(m) || bpf_map__pin_path(m))
			fail(l, "map %s is pinned", bpf_map__name(m));
		if (!owner || bpf_map__is_internal(m))
			continue;
		om = bpf_object__find_map_by_name(owner, bpf_map__name(m));
		if (!om || !map_id(bpf_map__fd(m)) ||
		    map_id(bpf_map__fd(m)) != map_id(bpf_map__fd(om)))
			fail(l, "map %s is not shared", bpf_map__name(m));
	}
}

static int load_xdp(struct instance *in, struct bpf_object *owner, struct log *l)
{
	struct pktgate_xdp_bpf *skel;
	int err;

	skel = pktgate_xdp_bpf__open();
	if (!skel) {
		fail(l, "open: %s", strerror(errno));
		return -1;
	}
	in->xdp = skel;
	if (prepare_maps(skel->obj, owner, l))
		return -1;
	skel->rodata->cfg_slot = in->slot;
	skel->rodata->cfg_drop_malformed = in->drop_malformed;
	skel->rodata->cfg_policy_drop = in->policy_drop;
	skel->rodata->cfg_ct = !in->stateless;
	skel->rodata->cfg_lists = in->lists ? in->lists : ~0ULL;
	/* As attach does: every program its own seed for the top sketch. */
	skel->rodata->cfg_top_seed = 0x5eed0000a5a5a5a5ULL + in->slot;
	if (in->top_sample > 1) {
		skel->rodata->cfg_top_every = in->top_sample;
		skel->rodata->cfg_top_below = (__u32)((1ULL << 32) / in->top_sample);
	}
	skel->rodata->cfg_syncookie = !!in->syn_port;
	skel->rodata->cfg_syn_ports[0] = htons(in->syn_port);
	err = pktgate_xdp_bpf__load(skel);
	if (err) {
		fail(l, "load: %s (run as root; -v shows the verifier log)",
		     strerror(-err));
		return -1;
	}
	check_maps(skel->obj, owner, l);
	in->prog_fd[P_XDP] = bpf_program__fd(skel->progs.pktgate_xdp);
	return l->failed ? -1 : 0;
}

static int load_tc(struct instance *in, struct bpf_object *owner, struct log *l)
{
	struct pktgate_tc_bpf *skel;
	int err;

	skel = pktgate_tc_bpf__open();
	if (!skel) {
		fail(l, "open: %s", strerror(errno));
		return -1;
	}
	in->tc = skel;
	if (prepare_maps(skel->obj, owner, l))
		return -1;
	skel->rodata->cfg_slot = in->slot;
	skel->rodata->cfg_drop_malformed = in->drop_malformed;
	skel->rodata->cfg_policy_drop = in->policy_drop;
	skel->rodata->cfg_ct = !in->stateless;
	skel->rodata->cfg_lists = in->lists ? in->lists : ~0ULL;
	skel->rodata->cfg_top_seed = 0x7c0000005a5a5a5aULL + in->slot;
	if (in->top_sample > 1) {
		skel->rodata->cfg_top_every = in->top_sample;
		skel->rodata->cfg_top_below = (__u32)((1ULL << 32) / in->top_sample);
	}
	err = pktgate_tc_bpf__load(skel);
	if (err) {
		fail(l, "load: %s (run as root; -v shows the verifier log)",
		     strerror(-err));
		return -1;
	}
	check_maps(skel->obj, owner, l);
	in->prog_fd[P_TC_IN] = bpf_program__fd(skel->progs.pktgate_tc_in);
	in->prog_fd[P_TC_EG] = bpf_program__fd(skel->progs.pktgate_tc_eg);
	return l->failed ? -1 : 0;
}

/* Whether test_run refuses a TC frame of this family whose L3 header is
 * cut one byte short (see skb_refuses_short_l3). 1: refused, 0: run, -1:
 * neither (reported as a failure). */
static int probe_short_l3(const struct instance *in, int family, struct log *l)
{
	struct pkt_spec spec = { .family = family, .proto = IPPROTO_UDP,
				 .len = family == 6 ? ETH_HLEN + 39 : ETH_HLEN + 19 };
	struct pkt p;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .repeat = 1);
	int err;

	if (pkt_build(&p, &spec)) {
		fail(l, "setup: packet spec cannot be built");
		return -1;
	}
	opts.data_in = p.buf;
	opts.data_size_in = p.len;
	err = bpf_prog_test_run_opts(in->prog_fd[P_TC_IN], &opts);
	if (err == -EINVAL)
		return 1;
	if (!err)
		return 0;
	fail(l, "v%d probe: test_run failed: %s", family, strerror(-err));
	return -1;
}

/* The first XDP object creates the maps; every other object shares them. */
static int load_all(void)
{
	struct bpf_object *owner = NULL;
	struct log lists = {};
	int k, loaded = 1;

	if (create_lists(&lists)) {
		report("[setup] inner maps of the list tables", &lists);
		return 0;
	}

	for (k = 0; k < INST_MAX; k++) {
		struct log l = {};
		char name[128];

		snprintf(name, sizeof(name), "[xdp] load %s, slot %u [%s]",
			 owner ? "sharing the maps" : "private instance, creating the maps",
			 insts[k].slot, insts[k].name);
		if (load_xdp(&insts[k], owner, &l))
			loaded = 0;
		report(name, &l);
		if (!loaded)
			return 0;
		if (!owner) {
			struct pktgate_xdp_bpf *s = insts[k].xdp;

			owner = s->obj;
			maps.stats = bpf_map__fd(s->maps.pg_stats);
			maps.rule_stats = bpf_map__fd(s->maps.pg_rule_stats);
			maps.config = bpf_map__fd(s->maps.pg_config);
			maps.list_stats = bpf_map__fd(s->maps.pg_list_stats);
			maps.protect[0] = bpf_map__fd(s->maps.pg_protect_v4);
			maps.protect[1] = bpf_map__fd(s->maps.pg_protect_v6);
			install_lists(owner, &lists);
			report("[setup] inner maps of the 12 list tables (allow, deny x v4, v6 x exact, prefix, port) x 2 generations created, slot 0 installed",
			       &lists);
			if (lists.failed)
				return 0;
		}
	}
	for (k = 0; k < INST_MAX; k++) {
		struct log l = {};
		char name[128];

		snprintf(name, sizeof(name),
			 "[tc] load tc-ingress and tc-egress sharing the maps, slot %u [%s]",
			 insts[k].slot, insts[k].name);
		if (load_tc(&insts[k], owner, &l))
			loaded = 0;
		report(name, &l);
	}
	if (loaded) {
		/* The probe runs the program when the kernel lets it: no
		 * snapshot is held yet, so that is not charged to a case. */
		struct log l = {};
		char name[160];
		int v4 = probe_short_l3(&insts[PLAIN], 4, &l);
		int v6 = probe_short_l3(&insts[PLAIN], 6, &l);

		skb_refuses_short_l3[0] = v4 == 1;
		skb_refuses_short_l3[1] = v6 == 1;
		snap_valid = 0;
		snprintf(name, sizeof(name),
			 "[tc] probe: test_run refuses a short L3 header behind an IPv4 ethertype: %s, IPv6: %s",
			 v4 == 1 ? "yes" : v4 ? "?" : "no", v6 == 1 ? "yes" : v6 ? "?" : "no");
		report(name, &l);
	}
	return loaded;
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-v]\n  -v  show libbpf messages on stderr\n", prog);
	exit(2);
}

/* ---- match keys (issue 14): a case table of their own ----
 *
 * The frame is mirrored for egress, so an entry naming the remote peer
 * (PKT_SRC4) matches on every hook; entries naming the source or the
 * destination match on ingress or on egress only: each case says what
 * the ingress hooks (XDP, TC ingress) and TC egress give. Ports are not
 * mirrored (pktbuild.h): sport/dport keys give the same on every hook. */
struct mcase {
	const char *name;
	struct pkt_spec pkt;
	struct rule_spec rules[MAX_RULES];
	int reason_in, reason_eg;
	__u32 rule_id_in, rule_id_eg;
};

#define SEL(x)		.sel = (x)
#define SPORT_OF(p)	.port = (p), .sel = PG_SEL_SPORT
#define ICMPT(pr, t)	.proto = (pr), .port = (t), .icmp = 1
#define PKT_PEER4	PKT_SRC4 "/32"
#define PKT_PEER6	PKT_SRC6 "/128"

static const struct mcase match_cases[] = {
	/* Which address. */
	{ "match src: the sender on ingress only", { .family = 4, .proto = IPPROTO_TCP },
	  { DENYX(PKT_PEER4, 60, SEL(PG_SEL_SRC)) }, PG_R_DENY, PG_R_DEFAULT, 60, 0 },
	{ "match dst: the peer is the destination on egress only", { .family = 4, .proto = IPPROTO_UDP },
	  { DENYX(PKT_PEER4, 61, SEL(PG_SEL_DST)) }, PG_R_DEFAULT, PG_R_DENY, 0, 61 },
	{ "match any (two keys, one rule) on every hook", { .family = 6, .proto = IPPROTO_TCP },
	  { DENYX(PKT_PEER6, 62, SEL(PG_SEL_SRC)), DENYX(PKT_PEER6, 62, SEL(PG_SEL_DST)) },
	  PG_R_DENY, PG_R_DENY, 62, 62 },
	{ "match src with a port, v6", { .family = 6, .proto = IPPROTO_TCP, .dport = 22 },
	  { DENYX("2001:db8:100::/48", 63, TCP(22), SEL(PG_SEL_SRC)) }, PG_R_DENY, PG_R_DEFAULT, 63, 0 },
	{ "match dst, other port: no match", { .family = 4, .proto = IPPROTO_TCP, .dport = 23 },
	  { DENYX(PKT_PEER4, 64, TCP(22), SEL(PG_SEL_DST)) }, PG_R_DEFAULT, PG_R_DEFAULT, 0, 0 },
	/* Which port. */
	{ "sport of the remote peer", { .family = 4, .proto = IPPROTO_UDP, .sport = 5353 },
	  { DENYX(PKT_PEER4, 65, .proto = IPPROTO_UDP, SPORT_OF(5353)) }, PG_R_DENY, PG_R_DENY, 65, 65 },
	{ "sport entry, the port as destination: no match",
	  { .family = 4, .proto = IPPROTO_UDP, .sport = 40000, .dport = 5353 },
	  { DENYX(PKT_PEER4, 66, .proto = IPPROTO_UDP, SPORT_OF(5353)) }, PG_R_DEFAULT, PG_R_DEFAULT, 0, 0 },
	{ "anyport: the dport key", { .family = 6, .proto = IPPROTO_TCP, .dport = 53 },
	  { DENYX(PKT_PEER6, 67, TCP(53)), DENYX(PKT_PEER6, 67, .proto = IPPROTO_TCP, SPORT_OF(53)) },
	  PG_R_DENY, PG_R_DENY, 67, 67 },
	{ "anyport: the sport key", { .family = 6, .proto = IPPROTO_TCP, .sport = 53, .dport = 80 },
	  { DENYX(PKT_PEER6, 67, TCP(53)), DENYX(PKT_PEER6, 67, .proto = IPPROTO_TCP, SPORT_OF(53)) },
	  PG_R_DENY, PG_R_DENY, 67, 67 },
	{ "sport with match src", { .family = 4, .proto = IPPROTO_TCP, .sport = 7000 },
	  { DENYX("0.0.0.0/0", 68, .proto = IPPROTO_TCP, .port = 7000,
		  .sel = PG_SEL_SRC | PG_SEL_SPORT) }, PG_R_DENY, PG_R_DENY, 68, 68 },
	/* Port entries with no address, tcp,udp. */
	{ "port entry, no address, v4", { .family = 4, .proto = IPPROTO_TCP, .dport = 23 },
	  { DENYX("0.0.0.0/0", 69, TCP(23)), DENYX("::/0", 70, TCP(23)) }, PG_R_DENY, PG_R_DENY, 69, 69 },
	{ "port entry, no address, v6", { .family = 6, .proto = IPPROTO_TCP, .dport = 23 },
	  { DENYX("0.0.0.0/0", 69, TCP(23)), DENYX("::/0", 70, TCP(23)) }, PG_R_DENY, PG_R_DENY, 70, 70 },
	{ "tcp,udp: the udp key", { .family = 4, .proto = IPPROTO_UDP, .dport = 53 },
	  { DENYX(PKT_PEER4, 71, TCP(53)), DENYX(PKT_PEER4, 71, UDP(53)) }, PG_R_DENY, PG_R_DENY, 71, 71 },
	/* ICMP type. */
	{ "icmp type 8 (echo request)", { .family = 4, .proto = IPPROTO_ICMP },
	  { DENYX("0.0.0.0/0", 72, ICMPT(IPPROTO_ICMP, 8)) }, PG_R_DENY, PG_R_DENY, 72, 72 },
	{ "icmp type 0: an echo request passes", { .family = 4, .proto = IPPROTO_ICMP },
	  { DENYX("0.0.0.0/0", 73, ICMPT(IPPROTO_ICMP, 0)) }, PG_R_DEFAULT, PG_R_DEFAULT, 0, 0 },
	{ "icmpv6 type 128 with match dst", { .family = 6, .proto = IPPROTO_ICMPV6 },
	  { DENYX(PKT_PEER6, 74, ICMPT(IPPROTO_ICMPV6, 128), SEL(PG_SEL_DST)) },
	  PG_R_DEFAULT, PG_R_DENY, 0, 74 },
	{ "icmp, any type", { .family = 4, .proto = IPPROTO_ICMP },
	  { DENYX(PKT_PEER4, 75, .proto = IPPROTO_ICMP) }, PG_R_DENY, PG_R_DENY, 75, 75 },
	/* Precedence: allow > deny whatever the keys; within a kind, the
	 * remote peer's address, its port entries, then src, then dst. */
	{ "allow match src (every source) beats a deny address entry", { .family = 4, .proto = IPPROTO_TCP },
	  { DENY(PKT_PEER4, 76), ALLOWX("0.0.0.0/0", 77, SEL(PG_SEL_SRC)) }, PG_R_ALLOW, PG_R_ALLOW, 77, 77 },
	{ "allow match src (the peer) beats deny on ingress only", { .family = 4, .proto = IPPROTO_TCP },
	  { DENY(PKT_PEER4, 76), ALLOWX(PKT_PEER4, 77, SEL(PG_SEL_SRC)) }, PG_R_ALLOW, PG_R_DENY, 77, 76 },
	{ "allow sport beats deny any", { .family = 4, .proto = IPPROTO_UDP, .sport = 123 },
	  { DENYX(PKT_PEER4, 78, SEL(PG_SEL_SRC)), DENYX(PKT_PEER4, 78, SEL(PG_SEL_DST)),
	    ALLOWX("0.0.0.0/0", 79, .proto = IPPROTO_UDP, SPORT_OF(123)) }, PG_R_ALLOW, PG_R_ALLOW, 79, 79 },
	{ "deny icmp type beats nothing, allow address beats it", { .family = 6, .proto = IPPROTO_ICMPV6 },
	  { DENYX("::/0", 80, ICMPT(IPPROTO_ICMPV6, 128)), ALLOW(PKT_PEER6, 81) }, PG_R_ALLOW, PG_R_ALLOW, 81, 81 },
	{ "within deny: the address entry counts before match src", { .family = 4, .proto = IPPROTO_TCP },
	  { DENY("198.51.100.0/24", 82), DENYX(PKT_PEER4, 83, SEL(PG_SEL_SRC)) }, PG_R_DENY, PG_R_DENY, 82, 82 },
	{ "within deny: the port entry counts before match src", { .family = 4, .proto = IPPROTO_TCP, .dport = 22 },
	  { DENYX("0.0.0.0/0", 84, TCP(22)), DENYX(PKT_PEER4, 85, SEL(PG_SEL_SRC)) }, PG_R_DENY, PG_R_DENY, 84, 84 },
	{ "within deny: src before dst", { .family = 4, .proto = IPPROTO_TCP },
	  { DENYX("0.0.0.0/0", 86, SEL(PG_SEL_DST)), DENYX("0.0.0.0/0", 87, SEL(PG_SEL_SRC)) },
	  PG_R_DENY, PG_R_DENY, 87, 87 },
	{ "expired match src gives way to a covering one", { .family = 4, .proto = IPPROTO_TCP },
	  { DENYX(PKT_PEER4, 88, SEL(PG_SEL_SRC), .ttl = TTL_EXPIRED),
	    DENYX("198.51.0.0/16", 89, SEL(PG_SEL_SRC)) }, PG_R_DENY, PG_R_DEFAULT, 89, 0 },
	{ "fragment: match src address applies, its port entry does not",
	  { .family = 4, .proto = IPPROTO_TCP, .frag_off = 0x0010 },
	  { DENYX(PKT_PEER4, 90, TCP(443), SEL(PG_SEL_SRC)) }, PG_R_FRAGMENT, PG_R_FRAGMENT, 0, 0 },
};

static void run_mcase(const struct mcase *c, enum prog_id pid)
{
	const struct instance *in = &insts[PLAIN];
	int eg = pid == P_TC_EG, reason = eg ? c->reason_eg : c->reason_in;
	__u32 rule_id = eg ? c->rule_id_eg : c->rule_id_in;
	struct log l = {};
	struct pkt p;
	char name[320], full[340];

	snprintf(full, sizeof(full), "match keys: %s", c->name);
	case_name(name, sizeof(name), &progs[pid], full, in);
	if (build_for(&p, &c->pkt, pid))
		fail(&l, "setup: packet spec cannot be built");
	else if (!set_rules(c->rules, MAX_RULES, &l))
		run_frame(in, pid, &p, expect(pid, &p, reason), rule_id,
			  reason == PG_R_DENY || reason == PG_R_ALLOW ?
			  (int)PG_LIST_MANUAL(reason == PG_R_DENY ? PG_LIST_DENY : PG_LIST_ALLOW) : 0,
			  "", &l);
	report(name, &l);
}

int main(int argc, char **argv)
{
	size_t stride, i, t;
	int k, s, pid, rules;

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "-v")))
		usage(argv[0]);
	verbose = argc == 2;
	libbpf_set_print(libbpf_print);

	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0) {
		fprintf(stderr, "cannot count CPUs: %s\n", strerror(-ncpus));
		return 1;
	}
	stride = percpu_stride(sizeof(struct pg_stats));
	if (stride < percpu_stride(sizeof(struct pg_rule_ctr)))
		stride = percpu_stride(sizeof(struct pg_rule_ctr));
	percpu_buf = calloc((size_t)STATS_KEYS * ncpus, stride);
	if (!percpu_buf)
		return 1;

	if (load_all()) {
		for (compiled_mode = 0; compiled_mode <= 1; compiled_mode++)
			for (pid = 0; pid < PROG_MAX; pid++) {
				for (t = 0; t < sizeof(case_tables) / sizeof(case_tables[0]); t++)
					for (i = 0; i < case_tables[t]->n; i++)
						run_case(&case_tables[t]->cases[i], pid);
				for (i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++)
					run_mcase(&match_cases[i], pid);
				/* Sweeps expect policy pass and every list;
				 * policy drop and --lists have their own case
				 * tables (cases_policy.c, cases_listsel.c). */
				for (k = 0; k < INST_MAX; k++)
					for (s = 0; s < (int)n_sweeps && !insts[k].policy_drop &&
					     !insts[k].lists; s++)
						for (rules = SW_NONE; rules < SW_MAX; rules++)
							run_sweep(&insts[k], pid, &sweeps[s],
								  rules);
			}
		compiled_mode = 0;
		uninstall_compiled();
#define SCENARIO_RUN(t)	scen_##t();
		SCENARIOS(SCENARIO_RUN)
#undef SCENARIO_RUN
	}

	/* Sharers first: the owner goes last (the kernel keeps a map alive
	 * while any fd holds it anyway). */
	for (k = INST_MAX - 1; k >= 0; k--) {
		pktgate_tc_bpf__destroy(insts[k].tc);
		pktgate_xdp_bpf__destroy(insts[k].xdp);
	}
	free(percpu_buf);
	printf("%d passed, %d failed\n", n_pass, n_fail);
	return n_fail ? 1 : 0;
}
