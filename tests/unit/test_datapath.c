// SPDX-License-Identifier: GPL-2.0
/*
 * Datapath unit tests: the XDP program and both TC programs under
 * BPF_PROG_TEST_RUN, table-driven.
 *
 * One table of cases and one set of truncation sweeps, run once per
 * program. XDP and TC ingress see the frames as written; TC egress matches
 * the destination (an entry names the remote peer), so it gets every frame
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
#include "compile.h"
#include "tables.h"

#define NSEC_PER_SEC	1000000000ULL
#define STATS_KEYS	(PG_MAX_IFACES * PG_HOOK_MAX)
/* Every rule_id used below is smaller, so scanning this many slots sees
 * any stray rule counter update. Slot 0 included: it must never count. */
#define RULE_SCAN	64
#define MAX_RULES	4
/* The kernel's test_run refuses frames shorter than an Ethernet header
 * (as no driver hands those to XDP or TC): expected outcome for such
 * lengths. See also skb_refuses_short_l3. */
#define REJECTED	(-1)
/* Slack for last_hit_ns: it is read from the coarse clock, which lags. */
#define LAST_HIT_SLACK	(2 * NSEC_PER_SEC)
#define SWEEP_RULE_ID	7
#define SHARED_RULE_ID	21
/* Capacity of every inner list map. The kernel takes an inner map only if
 * it matches the outer map's template, so the test makes the template
 * (see prepare_maps) rather than use production's PG_LIST_CAPACITY, for
 * which every hash would allocate its buckets up front. */
#define TEST_CAPACITY	4096

enum prog_id { P_XDP, P_TC_IN, P_TC_EG, PROG_MAX };

/* What tells the programs apart, as far as the tests are concerned. The
 * return codes are written out per hook rather than derived, so a program
 * answering in the other hook's convention is caught (XDP_PASS == 2 ==
 * TC_ACT_SHOT). */
struct prog_kind {
	const char *name;	/* prefix of every case name */
	enum pg_hook hook;	/* the counter key it must use */
	int mirror;		/* entries name the destination */
	__u32 pass, drop;
	const char *pass_name, *drop_name;
};

static const struct prog_kind progs[PROG_MAX] = {
	[P_XDP] = { "xdp", PG_HOOK_XDP, 0, XDP_PASS, XDP_DROP,
		    "XDP_PASS", "XDP_DROP" },
	[P_TC_IN] = { "tc-ingress", PG_HOOK_TC_INGRESS, 0, TC_ACT_OK, TC_ACT_SHOT,
		      "TC_ACT_OK", "TC_ACT_SHOT" },
	[P_TC_EG] = { "tc-egress", PG_HOOK_TC_EGRESS, 1, TC_ACT_OK, TC_ACT_SHOT,
		      "TC_ACT_OK", "TC_ACT_SHOT" },
};

enum inst_id { PLAIN, DROPMAL, INST_MAX };

/* One interface's programs: an XDP object and a TC object (both TC
 * programs), loaded with the same slot and options. */
struct instance {
	const char *name;
	__u32 slot;
	__u8 drop_malformed;
	struct pktgate_xdp_bpf *xdp;
	struct pktgate_tc_bpf *tc;
	int prog_fd[PROG_MAX];
};

/* A nonzero slot for the main instance, and the very last one for the
 * other, so a wrong counter key computation cannot go unnoticed. */
static struct instance insts[INST_MAX] = {
	[PLAIN] = { .name = "plain", .slot = 5 },
	[DROPMAL] = { .name = "drop-malformed", .slot = PG_MAX_IFACES - 1,
		      .drop_malformed = 1 },
};

/* The one set of maps every instance uses (the first XDP object's). */
static struct {
	int stats;
	int rule_stats;
	int list_stats;
	int config;
	/* The ARRAY_OF_MAPS of each table: [kind][v4, v6][exact, prefix, port] */
	int outer[PG_LIST_KIND_MAX][2][PG_TBL_MAX];
	/* Inner maps made for each generation slot. Slot 0's are installed
	 * at load and stay (pg_config.gens is 0 but in the generation
	 * cases); slot 1's are installed only by the generation cases. */
	int list[PG_GENS][PG_LIST_KIND_MAX][2][PG_TBL_MAX];
} maps;

enum ttl { TTL_NEVER, TTL_LIVE, TTL_EXPIRED };

struct rule_spec {
	int kind;		/* enum pg_list_kind */
	const char *cidr;	/* NULL ends the list */
	enum ttl ttl;
	__u32 id;
	/* Port-scoped entries: protocol, and first and last port (port 0:
	 * any port; port_hi 0: just port). One key per port, all with the
	 * same rule_id, as the CLI writes a range. proto 0: an address entry. */
	__u8 proto;
	__u16 port, port_hi;
	int list;		/* list id; 0: the manual list of the kind */
	__u64 also;		/* more lists holding the entry (pg_rule.lists bits) */
	int gen;		/* generation slot written */
	int unannounced;	/* its pg_config.tables bit is left clear */
	__u8 sel;		/* match selector (PG_SEL_*): a port-table key */
	__u8 icmp;		/* port is an ICMP type (PG_ICMP_TYPE_PORT) */
};

static __u32 case_sels;	/* pg_config.sels of the rules set up */

struct tcase {
	const char *name;
	enum inst_id inst;
	struct pkt_spec pkt;
	struct rule_spec rules[MAX_RULES];
	int reason;		/* enum pg_reason or REJECTED */
	__u32 rule_id;		/* rule counter expected to count, 0: none */
};

/* Counter state summed over CPUs. */
struct snap {
	struct pg_ctr stats[STATS_KEYS][PG_R_MAX];
	struct pg_rule_ctr rules[RULE_SCAN];
	struct pg_ctr lists[PG_MAX_LISTS];
};

struct log {
	char msg[1024];
	size_t used;
	int failed;
};

static int verbose;
static int n_pass, n_fail;
/* Second pass over the case tables and sweeps: every address entry goes
 * to the compiled tier (ctl/compile.c) instead of the dynamic tables, so
 * each case checks both tiers against the same expectations. */
static int compiled_mode;
#define COMPILED_MAX 64
static struct compile_ent compiled_q[PG_LIST_KIND_MAX][2][COMPILED_MAX];
static size_t compiled_n[PG_LIST_KIND_MAX][2];
static int compiled_installed;
static unsigned int case_installed;	/* bit kind * 2 + fam: a case's arrays in slot 0 */
/* The state after the last frame is the state before the next one: the
 * maps are private, so nothing else can change them in between, and a
 * stray update would still be caught (at the next frame). */
static struct snap snaps[2];
static struct snap *snap_before = &snaps[0], *snap_after = &snaps[1];
static int snap_valid;
/* Kernels with commit 12bec2bd4b76 ("bpf: reject short IPv4/IPv6 inputs
 * in bpf_prog_test_run_skb", 2026, backported to stable) also refuse an
 * skb whose Ethernet type is IPv4 (IPv6) when fewer than 20 (40) bytes
 * follow the Ethernet header; older kernels run the program. Probed once,
 * per family, at load: [0] IPv4, [1] IPv6. Such frames are still tested
 * on TC behind a VLAN tag (the QinQ sweep), which the kernel does not
 * look into. */
static int skb_refuses_short_l3[2];
static void *percpu_buf;
static int ncpus;

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
	return reason == PG_R_DENY || reason == PG_R_MALFORMED_DROP ? pk->drop
								     : pk->pass;
}

static const char *verdict_name(const struct prog_kind *pk, __u32 v)
{
	static char other[32];

	if (v == pk->pass)
		return pk->pass_name;
	if (v == pk->drop)
		return pk->drop_name;
	snprintf(other, sizeof(other), "other (%u)", v);
	return other;
}

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static void fail(struct log *l, const char *fmt, ...)
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

static void report(const char *name, const struct log *l)
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

static void case_name(char *out, size_t size, const struct prog_kind *pk,
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

static size_t percpu_stride(size_t size)
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
static int set_tables(__u32 tables)
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
static int set_gens(__u32 gens)
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
static int clear_lists(void)
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
	/* Compiled content goes into fresh arrays: put the empty ones back. */
	for (kind = 0; compiled_installed && kind < PG_LIST_KIND_MAX; kind++)
		for (fam = 0; fam < 2; fam++)
			for (tbl = PG_TBL_CENT; tbl <= PG_TBL_CHOT; tbl++)
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

static int add_rule(const struct rule_spec *rs, __u32 *tables, struct log *l)
{
	struct pg_rule val = { .rule_id = rs->id };
	__u8 key[PG_KEY_MAX], addr[16];
	unsigned int plen, port, hi = rs->port_hi ? rs->port_hi : rs->port;
	int v6, tbl, fd, list = rs->list ? rs->list : (int)PG_LIST_MANUAL(rs->kind);

	if (parse_cidr(rs->cidr, &v6, addr, &plen) || hi < rs->port) {
		fail(l, "setup: bad rule %s", rs->cidr);
		return -1;
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
			for (tbl = PG_TBL_CENT; tbl <= PG_TBL_CHOT; tbl++)
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
#define CASE_BLOCKS	(PG_CDIR_SIZE / 8 + 4096)
#define CASE_ENTS	1024
static int case_fds[PG_LIST_KIND_MAX][2][3];

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
			for (int t = 0; (case_installed & (1u << (kind * 2 + fam))) && t < 3; t++)
				tables_set(maps.outer[kind][fam][PG_TBL_CENT + t], kind, 0,
					   maps.list[0][kind][fam][PG_TBL_CENT + t]);
	case_installed = 0;
}

static int install_compiled(struct log *l)
{
	for (int kind = 0; kind < PG_LIST_KIND_MAX; kind++)
		for (int fam = 0; fam < 2; fam++) {
			int *fds = case_fds[kind][fam], err = 0;
			size_t cap[3] = { CASE_ENTS, CASE_BLOCKS, CASE_ENTS };
			struct compiled c;

			if (!compiled_n[kind][fam])
				continue;
			for (int t = 0; t < 3 && !err; t++) {
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
				if (!err)
					err = write_array(fds[2], c.hot, compile_hot_elems(c.nents),
							  sizeof(__u64));
				compile_free(&c);
			}
			if (err) {
				fail(l, "setup: compiling: %s", strerror(-err));
				return -1;
			}
		}
	return 0;
}

static int set_rules(const struct rule_spec *rules, int n, struct log *l)
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
static void run_frame(const struct instance *in, enum prog_id pid,
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
static int build_for(struct pkt *p, const struct pkt_spec *spec, enum prog_id pid)
{
	struct pkt_spec s = *spec;

	s.mirror = progs[pid].mirror;
	return pkt_build(p, &s);
}

/* The list whose counter a case's verdict must move: that of the rule of
 * the verdict's kind with the expected rule_id (0 if the verdict is not
 * ALLOW or DENY). A case must leave no doubt which one that is. */
static int case_list(const struct tcase *c, struct log *l)
{
	int kind = c->reason == PG_R_ALLOW ? PG_LIST_ALLOW : PG_LIST_DENY, list = -1, i;

	if (c->reason != PG_R_ALLOW && c->reason != PG_R_DENY)
		return 0;
	for (i = 0; i < MAX_RULES && c->rules[i].cidr; i++) {
		const struct rule_spec *r = &c->rules[i];
		int rl = r->list ? r->list : (int)PG_LIST_MANUAL(kind);

		if (r->kind != kind || r->id != c->rule_id)
			continue;
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

/* ---- table ---- */

#define DENY(c, i)		{ .kind = PG_LIST_DENY, .cidr = c, .id = i }
#define ALLOW(c, i)		{ .kind = PG_LIST_ALLOW, .cidr = c, .id = i }
#define DENY_T(c, t, i)		{ .kind = PG_LIST_DENY, .cidr = c, .ttl = t, .id = i }
#define ALLOW_T(c, t, i)	{ .kind = PG_LIST_ALLOW, .cidr = c, .ttl = t, .id = i }
#define DENY_ALL4		DENY("0.0.0.0/0", 9)
#define DENY_ALL6		DENY("::/0", 9)
/* Any other rule: designated fields after the cidr and rule id, e.g.
 * DENYX(c, 40, TCP(22), .ttl = TTL_EXPIRED, .list = 5). */
#define DENYX(c, i, ...)	{ .kind = PG_LIST_DENY, .cidr = c, .id = i, __VA_ARGS__ }
#define ALLOWX(c, i, ...)	{ .kind = PG_LIST_ALLOW, .cidr = c, .id = i, __VA_ARGS__ }
#define TCP(p)			.proto = IPPROTO_TCP, .port = p
#define UDP(p)			.proto = IPPROTO_UDP, .port = p

#define QINQ			{ ETH_P_8021AD, ETH_P_8021Q }
#define EXT(t)			{ .type = t }
#define EXT_AH			{ .type = IPPROTO_AH, .hdrlen = 4 }	/* 24 bytes */
#define EXT_FRAG(off)		{ .type = IPPROTO_FRAGMENT, .frag_off = off }
/* Offsets in 8-byte units, as on the wire; M is the low bit. */
#define V6_MF			1
#define V6_OFF(n)		((n) << 3)

#define CHAIN8								\
	EXT(IPPROTO_HOPOPTS), EXT(IPPROTO_DSTOPTS), EXT(IPPROTO_ROUTING),\
	EXT_FRAG(V6_MF), EXT_AH, EXT(IPPROTO_DSTOPTS),			\
	EXT(IPPROTO_DSTOPTS), EXT(IPPROTO_DSTOPTS)

#define ETH_IP4_LEN		(ETH_HLEN + 20)
#define ETH_IP6_LEN		(ETH_HLEN + 40)

/* Malformed L2/L3 headers that still hold the peer's address whole: a bad
 * IHL, version or total length, more VLAN tags than a well-formed frame
 * has. Address rules apply (README: whenever the addresses can be read),
 * port-scoped ones do not; a peer that matches no rule is malformed. */
#define READABLE(what, SRC, ALL, ...)					\
	{ what " from denied source", PLAIN, { __VA_ARGS__ },		\
	  { DENY(SRC, 16) }, PG_R_DENY, 16 },				\
	{ what " from allowed source passes despite deny all", PLAIN,	\
	  { __VA_ARGS__ }, { ALLOW(SRC, 17), DENY(ALL, 9) }, PG_R_ALLOW, 17 }, \
	{ what " malformed", PLAIN, { __VA_ARGS__ }, {}, PG_R_MALFORMED, 0 }, \
	{ what " ignores port-scoped deny", PLAIN, { __VA_ARGS__ },	\
	  { DENYX(ALL, 40, TCP(0)), DENYX(ALL, 41, UDP(0)) }, PG_R_MALFORMED, 0 }, \
	{ what " from denied source", DROPMAL, { __VA_ARGS__ },	\
	  { DENY(SRC, 16) }, PG_R_DENY, 16 },				\
	{ what " dropped as malformed", DROPMAL, { __VA_ARGS__ }, {},	\
	  PG_R_MALFORMED_DROP, 0 }
#define READABLE4(what, ...)	READABLE("v4 " what, PKT_SRC4 "/32", "0.0.0.0/0", \
					 .family = 4, __VA_ARGS__)
#define READABLE6(what, ...)	READABLE("v6 " what, PKT_SRC6 "/128", "::/0", \
					 .family = 6, __VA_ARGS__)
#define BAD_IHL(n)	READABLE4("IHL " #n, .proto = IPPROTO_TCP, .ihl = n, .ihl_set = 1)
#define VLAN3		{ ETH_P_8021AD, ETH_P_8021Q, ETH_P_8021Q }
#define VLAN4		{ ETH_P_8021AD, ETH_P_8021Q, ETH_P_8021Q, ETH_P_8021Q }
#define VLAN5		{ ETH_P_8021AD, ETH_P_8021Q, ETH_P_8021Q, ETH_P_8021Q, ETH_P_8021Q }

/* Port-scoped entries, per family: NET holds the peer (SRC), OUT does not;
 * WIDE covers NET; LOCAL is the local end. Frames go to the destination
 * port on every hook (mirroring for egress swaps only the addresses). */
#define PORT_CASES(f, NET, SRC, OUT, WIDE, ALL, LOCAL, ICMP, L3LEN, FRAGL, FRAGF) \
	{ "port v" #f " deny tcp/22 drops TCP to port 22 from inside the prefix", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { DENYX(NET, 40, TCP(22)) }, PG_R_DENY, 40 },			\
	{ "port v" #f " deny tcp/22 passes TCP to port 80 from inside the prefix", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 80 },		\
	  { DENYX(NET, 40, TCP(22)) }, PG_R_DEFAULT, 0 },		\
	{ "port v" #f " deny tcp/22 passes UDP to port 22 from inside the prefix", PLAIN, \
	  { .family = f, .proto = IPPROTO_UDP, .dport = 22 },		\
	  { DENYX(NET, 40, TCP(22)) }, PG_R_DEFAULT, 0 },		\
	{ "port v" #f " deny tcp/22 passes TCP to port 22 from outside the prefix", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22, .src = OUT }, \
	  { DENYX(NET, 40, TCP(22)) }, PG_R_DEFAULT, 0 },		\
	{ "port v" #f " deny tcp/443 on the destination address does not match", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP },			\
	  { DENYX(LOCAL, 40, TCP(443)) }, PG_R_DEFAULT, 0 },		\
	{ "port v" #f " deny udp any port drops UDP to port 53", PLAIN,	\
	  { .family = f, .proto = IPPROTO_UDP },			\
	  { DENYX(NET, 41, UDP(0)) }, PG_R_DENY, 41 },			\
	{ "port v" #f " deny udp any port drops UDP to port 1", PLAIN,	\
	  { .family = f, .proto = IPPROTO_UDP, .dport = 1 },		\
	  { DENYX(NET, 41, UDP(0)) }, PG_R_DENY, 41 },			\
	{ "port v" #f " deny udp any port drops UDP to port 65535", PLAIN, \
	  { .family = f, .proto = IPPROTO_UDP, .dport = 65535 },	\
	  { DENYX(NET, 41, UDP(0)) }, PG_R_DENY, 41 },			\
	{ "port v" #f " deny udp any port passes TCP to port 53", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 53 },		\
	  { DENYX(NET, 41, UDP(0)) }, PG_R_DEFAULT, 0 },		\
	{ "port v" #f " deny udp any port passes UDP from outside the prefix", PLAIN, \
	  { .family = f, .proto = IPPROTO_UDP, .src = OUT },		\
	  { DENYX(NET, 41, UDP(0)) }, PG_R_DEFAULT, 0 },		\
	{ "port v" #f " tcp/22 entry used before a longer any-port entry", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { DENYX(SRC, 41, TCP(0)), DENYX(NET, 40, TCP(22)) }, PG_R_DENY, 40 }, \
	{ "port v" #f " any-port entry for a port without its own entry", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 80 },		\
	  { DENYX(SRC, 41, TCP(0)), DENYX(NET, 40, TCP(22)) }, PG_R_DENY, 41 }, \
	{ "port v" #f " longest prefix among tcp/22 entries", PLAIN,	\
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { DENYX(WIDE, 42, TCP(22)), DENYX(NET, 40, TCP(22)) }, PG_R_DENY, 40 }, \
	{ "port v" #f " address deny used before a port-scoped deny", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { DENY(NET, 43), DENYX(SRC, 40, TCP(22)) }, PG_R_DENY, 43 },	\
	{ "port v" #f " allow address entry beats a port-scoped deny", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { ALLOW(SRC, 44), DENYX(NET, 40, TCP(22)) }, PG_R_ALLOW, 44 }, \
	{ "port v" #f " allow prefix beats a port-scoped deny of a host", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { ALLOW(WIDE, 44), DENYX(SRC, 40, TCP(22)) }, PG_R_ALLOW, 44 }, \
	{ "port v" #f " allow tcp/22 beats an address deny", PLAIN,	\
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { ALLOWX(NET, 45, TCP(22)), DENY(SRC, 43) }, PG_R_ALLOW, 45 },	\
	{ "port v" #f " allow tcp/22 beats deny all", PLAIN,		\
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { ALLOWX(NET, 45, TCP(22)), DENY(ALL, 9) }, PG_R_ALLOW, 45 },	\
	{ "port v" #f " allow tcp/22 does not shield TCP to port 80", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 80 },		\
	  { ALLOWX(NET, 45, TCP(22)), DENY(SRC, 43) }, PG_R_DENY, 43 },	\
	{ "port v" #f " allow udp any port beats a longer deny udp/53", PLAIN, \
	  { .family = f, .proto = IPPROTO_UDP },			\
	  { ALLOWX(WIDE, 45, UDP(0)), DENYX(SRC, 40, UDP(53)) }, PG_R_ALLOW, 45 }, \
	{ "port v" #f " ICMP from inside the prefix ignores TCP/UDP port entries", PLAIN, \
	  { .family = f, .proto = ICMP },				\
	  { DENYX(NET, 40, TCP(0)), DENYX(NET, 41, UDP(0)) }, PG_R_DEFAULT, 0 }, \
	{ "port v" #f " ICMP from inside the prefix matches an ICMP entry (issue 14)", PLAIN, \
	  { .family = f, .proto = ICMP },				\
	  { DENYX(NET, 40, TCP(0)), DENYX(NET, 41, UDP(0)),		\
	    DENYX(NET, 42, .proto = ICMP) }, PG_R_DENY, 42 },	\
	{ "port v" #f " truncated TCP header does not match port entries", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22, .len = L3LEN + 10 }, \
	  { DENYX(NET, 40, TCP(22)), DENYX(NET, 41, TCP(0)) }, PG_R_MALFORMED, 0 }, \
	{ "port v" #f " truncated TCP header to an allowed port dropped as malformed", DROPMAL, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22, .len = L3LEN + 10 }, \
	  { ALLOWX(NET, 45, TCP(22)) }, PG_R_MALFORMED_DROP, 0 },	\
	{ "port v" #f " truncated TCP header: allow tcp/22 does not shield from an address deny", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22, .len = L3LEN + 10 }, \
	  { ALLOWX(NET, 45, TCP(22)), DENY(SRC, 43) }, PG_R_DENY, 43 },	\
	{ "port v" #f " TCP options beyond the frame do not match port entries", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22, .tcp_doff = 15, \
	    .len = L3LEN + 20 },					\
	  { DENYX(NET, 40, TCP(22)) }, PG_R_MALFORMED, 0 },		\
	{ "port v" #f " later fragment does not match port entries", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22, FRAGL },	\
	  { DENYX(NET, 40, TCP(22)), DENYX(NET, 41, TCP(0)) }, PG_R_FRAGMENT, 0 }, \
	{ "port v" #f " later fragment: allow tcp/22 does not shield from an address deny", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22, FRAGL },	\
	  { ALLOWX(NET, 45, TCP(22)), DENY(SRC, 43) }, PG_R_DENY, 43 },	\
	{ "port v" #f " first fragment matches port entries", PLAIN,	\
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22, FRAGF },	\
	  { DENYX(NET, 40, TCP(22)) }, PG_R_DENY, 40 },			\
	{ "port v" #f " live port entry with a TTL", PLAIN,		\
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { DENYX(SRC, 46, TCP(22), .ttl = TTL_LIVE) }, PG_R_DENY, 46 }, \
	{ "port v" #f " expired port entry: live covering shorter one matches", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { DENYX(SRC, 46, TCP(22), .ttl = TTL_EXPIRED),		\
	    DENYX(NET, 40, TCP(22), .ttl = TTL_LIVE) }, PG_R_DENY, 40 },	\
	{ "port v" #f " expired port entry of a short prefix: live covering one matches", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { DENYX(NET, 46, TCP(22), .ttl = TTL_EXPIRED), DENYX(WIDE, 42, TCP(22)) }, \
	  PG_R_DENY, 42 },						\
	{ "port v" #f " expired port entry alone", PLAIN,		\
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { DENYX(SRC, 46, TCP(22), .ttl = TTL_EXPIRED) }, PG_R_DEFAULT, 0 }, \
	{ "port v" #f " expired port entry: shorter one of another port does not match", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { DENYX(SRC, 46, TCP(22), .ttl = TTL_EXPIRED), DENYX(NET, 40, TCP(23)), \
	    DENYX(NET, 41, UDP(22)) }, PG_R_DEFAULT, 0 },		\
	{ "port v" #f " expired port entry: covering any-port entry matches", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { DENYX(SRC, 46, TCP(22), .ttl = TTL_EXPIRED), DENYX(NET, 41, TCP(0)) }, \
	  PG_R_DENY, 41 },						\
	{ "port v" #f " expired port entries down to /0 of the same port", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { DENYX(SRC, 46, TCP(22), .ttl = TTL_EXPIRED),		\
	    DENYX(NET, 40, TCP(22), .ttl = TTL_EXPIRED), DENYX(ALL, 47, TCP(22)) }, \
	  PG_R_DENY, 47 },						\
	{ "port v" #f " expired port entry of /0 alone", PLAIN,		\
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { DENYX(ALL, 46, TCP(22), .ttl = TTL_EXPIRED) }, PG_R_DEFAULT, 0 }, \
	{ "port v" #f " expired allow tcp/22 no longer shields from an address deny", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { ALLOWX(NET, 45, TCP(22), .ttl = TTL_EXPIRED), DENY(SRC, 43) }, \
	  PG_R_DENY, 43 },						\
	{ "port v" #f " port table without its pg_config.tables bit is not consulted", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { DENYX(NET, 40, TCP(22), .unannounced = 1) }, PG_R_DEFAULT, 0 }, \
	{ "port v" #f " allow port table without its bit does not shield", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { ALLOWX(NET, 45, TCP(22), .unannounced = 1), DENYX(NET, 40, TCP(22)) }, \
	  PG_R_DENY, 40 },						\
	{ "port v" #f " range tcp/8080-8090: port 8080 counted in the rule's slot", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 8080 },	\
	  { DENYX(NET, 48, TCP(8080), .port_hi = 8090) }, PG_R_DENY, 48 }, \
	{ "port v" #f " range tcp/8080-8090: port 8085 counted in the rule's slot", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 8085 },	\
	  { DENYX(NET, 48, TCP(8080), .port_hi = 8090) }, PG_R_DENY, 48 }, \
	{ "port v" #f " range tcp/8080-8090: port 8090 counted in the rule's slot", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 8090 },	\
	  { DENYX(NET, 48, TCP(8080), .port_hi = 8090) }, PG_R_DENY, 48 }, \
	{ "port v" #f " range tcp/8080-8090: port 8091 passes", PLAIN,	\
	  { .family = f, .proto = IPPROTO_TCP, .dport = 8091 },	\
	  { DENYX(NET, 48, TCP(8080), .port_hi = 8090) }, PG_R_DEFAULT, 0 }, \
	{ "port v" #f " range tcp/8080-8090: port 8079 passes", PLAIN,	\
	  { .family = f, .proto = IPPROTO_TCP, .dport = 8079 },	\
	  { DENYX(NET, 48, TCP(8080), .port_hi = 8090) }, PG_R_DEFAULT, 0 }, \
	{ "port v" #f " allow range udp/5000-5009 beats deny all at port 5004", PLAIN, \
	  { .family = f, .proto = IPPROTO_UDP, .dport = 5004 },	\
	  { ALLOWX(NET, 49, UDP(5000), .port_hi = 5009), DENY(ALL, 9) }, PG_R_ALLOW, 49 }

#define FRAGL4	.frag_off = 185
#define FRAGF4	.frag_off = 0x2000
#define FRAGL6	.n_ext = 1, .ext = { EXT_FRAG(V6_OFF(100)) }
#define FRAGF6	.n_ext = 1, .ext = { EXT_FRAG(V6_MF) }

/* Per-list counters: a hit counts into the list_id of the entry that
 * decided, packets and bytes; every other case checks that no other list
 * counter moves (none at all for verdicts other than ALLOW and DENY). */
#define LIST_CASES(f, NET, SRC, OUT, ALL)				\
	{ "lists v" #f " deny on list 5 counts into list 5", PLAIN,	\
	  { .family = f, .proto = IPPROTO_UDP },			\
	  { DENYX(SRC, 50, .list = 5) }, PG_R_DENY, 50 },		\
	{ "lists v" #f " allow on list 2 beats deny on list 5: list 2 counts", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP },			\
	  { ALLOWX(NET, 51, .list = 2), DENYX(SRC, 50, .list = 5) }, PG_R_ALLOW, 51 }, \
	{ "lists v" #f " deny on list 5 outside allow on list 2: list 5 counts", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .src = OUT },		\
	  { ALLOWX(NET, 51, .list = 2), DENYX(ALL, 50, .list = 5) }, PG_R_DENY, 50 }, \
	{ "lists v" #f " bulk entry (rule_id 0) on list 5 counts into list 5 only", PLAIN, \
	  { .family = f, .proto = IPPROTO_UDP, .payload = 333 },	\
	  { DENYX(NET, 0, .list = 5) }, PG_R_DENY, 0 },		\
	{ "lists v" #f " entry in lists 2 and 5 counts into its list_id (5) only", PLAIN, \
	  { .family = f, .proto = IPPROTO_UDP },			\
	  { DENYX(SRC, 50, .list = 5, .also = 1 << 2) }, PG_R_DENY, 50 }, \
	{ "lists v" #f " port-scoped deny on list 2 counts into list 2", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { DENYX(NET, 52, TCP(22), .list = 2) }, PG_R_DENY, 52 },	\
	{ "lists v" #f " expired entry on list 5 inside live one on list 2: list 2 counts", PLAIN, \
	  { .family = f, .proto = IPPROTO_UDP },			\
	  { DENYX(SRC, 50, .list = 5, .ttl = TTL_EXPIRED), DENYX(NET, 52, .list = 2) }, \
	  PG_R_DENY, 52 },						\
	{ "lists v" #f " default verdict beside entries on lists 2 and 5 counts no list", PLAIN, \
	  { .family = f, .proto = IPPROTO_UDP, .src = OUT },		\
	  { ALLOWX(NET, 51, .list = 2), DENYX(NET, 50, .list = 5) }, PG_R_DEFAULT, 0 }, \
	{ "lists v" #f " malformed frame beside entries on lists 2 and 5 counts no list", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .version = f == 4 ? 6 : 4, .src = OUT }, \
	  { DENYX(NET, 50, .list = 5), ALLOWX(NET, 51, .list = 2) }, PG_R_MALFORMED, 0 }, \
	{ "lists v" #f " malformed frame from a source denied on list 5 counts into list 5", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .version = f == 4 ? 6 : 4 }, \
	  { DENYX(ALL, 50, .list = 5) }, PG_R_DENY, 50 }

static const struct tcase cases[] = {
	/* Plain IP, nothing listed. */
	{ "v4 TCP default pass", PLAIN, { .family = 4, .proto = IPPROTO_TCP }, {},
	  PG_R_DEFAULT, 0 },
	{ "v4 UDP default pass", PLAIN, { .family = 4, .proto = IPPROTO_UDP }, {},
	  PG_R_DEFAULT, 0 },
	{ "v4 ICMP default pass", PLAIN, { .family = 4, .proto = IPPROTO_ICMP }, {},
	  PG_R_DEFAULT, 0 },
	{ "v6 TCP default pass", PLAIN, { .family = 6, .proto = IPPROTO_TCP }, {},
	  PG_R_DEFAULT, 0 },
	{ "v6 UDP default pass", PLAIN, { .family = 6, .proto = IPPROTO_UDP }, {},
	  PG_R_DEFAULT, 0 },
	{ "v6 ICMPv6 default pass", PLAIN, { .family = 6, .proto = IPPROTO_ICMPV6 },
	  {}, PG_R_DEFAULT, 0 },
	{ "v4 GRE (no L4 parsing) default pass", PLAIN,
	  { .family = 4, .proto = IPPROTO_GRE }, {}, PG_R_DEFAULT, 0 },
	{ "v4 with IP options (IHL 6) default pass", PLAIN,
	  { .family = 4, .proto = IPPROTO_TCP, .ihl = 6 }, {}, PG_R_DEFAULT, 0 },
	{ "v4 TCP with options (doff 8) default pass", PLAIN,
	  { .family = 4, .proto = IPPROTO_TCP, .tcp_doff = 8 }, {}, PG_R_DEFAULT, 0 },
	{ "v4 tot_len equal to IHL*4 default pass", PLAIN,
	  { .family = 4, .proto = IPPROTO_GRE, .tot_len = 20 }, {}, PG_R_DEFAULT, 0 },
	{ "v4 DF alone is not a fragment", PLAIN,
	  { .family = 4, .proto = IPPROTO_UDP, .frag_off = 0x4000 }, {},
	  PG_R_DEFAULT, 0 },
	/* Rules name the peer: the sender here (the receiver when mirrored
	 * for egress), never the local end. */
	{ "v4 deny on the destination address does not match", PLAIN,
	  { .family = 4, .proto = IPPROTO_TCP }, { DENY("192.0.2.1/32", 1) },
	  PG_R_DEFAULT, 0 },
	{ "v6 deny on the destination address does not match", PLAIN,
	  { .family = 6, .proto = IPPROTO_TCP }, { DENY("2001:db8:ffff::1/128", 1) },
	  PG_R_DEFAULT, 0 },
	{ "v4 deny 0.0.0.0/0 does not touch v6", PLAIN,
	  { .family = 6, .proto = IPPROTO_UDP }, { DENY_ALL4 }, PG_R_DEFAULT, 0 },
	{ "v6 deny ::/0 does not touch v4", PLAIN,
	  { .family = 4, .proto = IPPROTO_UDP }, { DENY_ALL6 }, PG_R_DEFAULT, 0 },

	/* Full-size frames: every byte is counted, not just the headers. */
	{ "v4 UDP full-size frame (1514 bytes) default pass", PLAIN,
	  { .family = 4, .proto = IPPROTO_UDP, .payload = 1514 - ETH_IP4_LEN - 8 },
	  {}, PG_R_DEFAULT, 0 },
	{ "v6 TCP full-size frame (1514 bytes) from denied source", PLAIN,
	  { .family = 6, .proto = IPPROTO_TCP, .payload = 1514 - ETH_IP6_LEN - 20 },
	  { DENY(PKT_SRC6 "/128", 15) }, PG_R_DENY, 15 },

	/* Non-IP: never filtered, so a deny-all cannot lock out ARP. */
	{ "ARP non-IP", PLAIN, { .ethertype = ETH_P_ARP }, {}, PG_R_NON_IP, 0 },
	{ "ARP non-IP despite deny 0.0.0.0/0", PLAIN, { .ethertype = ETH_P_ARP },
	  { DENY_ALL4, DENY_ALL6 }, PG_R_NON_IP, 0 },
	{ "VLAN ARP non-IP despite deny 0.0.0.0/0", PLAIN,
	  { .vlan = { ETH_P_8021Q }, .ethertype = ETH_P_ARP }, { DENY_ALL4 },
	  PG_R_NON_IP, 0 },
	{ "LLDP non-IP", PLAIN, { .ethertype = ETH_P_LLDP }, { DENY_ALL4 },
	  PG_R_NON_IP, 0 },

	/* VLAN and QinQ. */
	{ "VLAN v4 TCP default pass", PLAIN,
	  { .vlan = { ETH_P_8021Q }, .family = 4, .proto = IPPROTO_TCP }, {},
	  PG_R_DEFAULT, 0 },
	{ "VLAN v4 TCP source denied", PLAIN,
	  { .vlan = { ETH_P_8021Q }, .family = 4, .proto = IPPROTO_TCP },
	  { DENY(PKT_SRC4 "/32", 1) }, PG_R_DENY, 1 },
	{ "QinQ v4 UDP source denied", PLAIN,
	  { .vlan = QINQ, .family = 4, .proto = IPPROTO_UDP },
	  { DENY(PKT_SRC4 "/32", 2) }, PG_R_DENY, 2 },
	{ "double 802.1Q v4 ICMP source denied", PLAIN,
	  { .vlan = { ETH_P_8021Q, ETH_P_8021Q }, .family = 4, .proto = IPPROTO_ICMP },
	  { DENY(PKT_SRC4 "/32", 3) }, PG_R_DENY, 3 },
	{ "VLAN v6 UDP source denied", PLAIN,
	  { .vlan = { ETH_P_8021Q }, .family = 6, .proto = IPPROTO_UDP },
	  { DENY(PKT_SRC6 "/128", 4) }, PG_R_DENY, 4 },
	{ "QinQ v6 TCP source denied", PLAIN,
	  { .vlan = QINQ, .family = 6, .proto = IPPROTO_TCP },
	  { DENY(PKT_SRC6 "/128", 5) }, PG_R_DENY, 5 },
	{ "QinQ v6 ICMPv6 default pass", PLAIN,
	  { .vlan = QINQ, .family = 6, .proto = IPPROTO_ICMPV6 }, {},
	  PG_R_DEFAULT, 0 },
	/* More tags than a well-formed frame: malformed, but the addresses
	 * behind a third and a fourth tag are read (PG_MAX_VLAN_WALK). */
	READABLE4("third VLAN tag TCP", .vlan = VLAN3, .proto = IPPROTO_TCP),
	READABLE6("third VLAN tag UDP", .vlan = VLAN3, .proto = IPPROTO_UDP),
	READABLE4("fourth VLAN tag UDP", .vlan = VLAN4, .proto = IPPROTO_UDP),
	READABLE6("fourth VLAN tag TCP", .vlan = VLAN4, .proto = IPPROTO_TCP),
	{ "fifth VLAN tag malformed though source denied", PLAIN,
	  { .vlan = VLAN5, .family = 4, .proto = IPPROTO_TCP }, { DENY_ALL4 },
	  PG_R_MALFORMED, 0 },
	{ "fifth VLAN tag dropped though source allowed", DROPMAL,
	  { .vlan = VLAN5, .family = 6, .proto = IPPROTO_UDP },
	  { ALLOW(PKT_SRC6 "/128", 17) }, PG_R_MALFORMED_DROP, 0 },
	{ "third VLAN tag cut inside the tag malformed though source denied", PLAIN,
	  { .vlan = VLAN3, .family = 4, .proto = IPPROTO_TCP, .len = ETH_HLEN + 10 },
	  { DENY_ALL4 }, PG_R_MALFORMED, 0 },
	{ "third VLAN tag cut inside the source address malformed though denied", PLAIN,
	  { .vlan = VLAN3, .family = 4, .proto = IPPROTO_TCP, .len = ETH_HLEN + 12 + 14 },
	  { DENY_ALL4 }, PG_R_MALFORMED, 0 },
	{ "third VLAN tag non-IP malformed", PLAIN,
	  { .vlan = VLAN3, .ethertype = ETH_P_ARP }, { DENY_ALL4 }, PG_R_MALFORMED, 0 },

	/* L3 header checks: the header is not trusted, but the addresses
	 * sit at fixed offsets, so address rules still apply. */
	BAD_IHL(0), BAD_IHL(1), BAD_IHL(2), BAD_IHL(3), BAD_IHL(4),
	READABLE4("IHL 15 beyond the frame", .proto = IPPROTO_ICMP, .ihl = 15,
		  .len = ETH_IP4_LEN + 8),
	READABLE4("IHL 6 one word beyond the frame", .proto = IPPROTO_GRE, .ihl = 6,
		  .len = ETH_IP4_LEN),
	READABLE4("tot_len 19 below IHL*4", .proto = IPPROTO_TCP, .tot_len = 19),
	READABLE4("tot_len 10", .proto = IPPROTO_UDP, .tot_len = 10),
	READABLE4("version 5 in an IPv4 frame", .proto = IPPROTO_TCP, .version = 5),
	READABLE4("version 6 in an IPv4 frame", .proto = IPPROTO_TCP, .version = 6),
	READABLE6("version 4 in an IPv6 frame", .proto = IPPROTO_TCP, .version = 4),
	READABLE6("version 5 in an IPv6 frame", .proto = IPPROTO_UDP, .version = 5),
	READABLE4("IHL 3 behind QinQ", .vlan = QINQ, .proto = IPPROTO_UDP, .ihl = 3),
	READABLE6("version 4 behind a VLAN tag", .vlan = { ETH_P_8021Q },
		  .proto = IPPROTO_TCP, .version = 4),

	/* L4 header checks: addresses known, so rules still apply. */
	{ "v4 TCP doff 4 malformed", PLAIN,
	  { .family = 4, .proto = IPPROTO_TCP, .tcp_doff = 4 }, {},
	  PG_R_MALFORMED, 0 },
	{ "v4 TCP doff 4 from denied source", PLAIN,
	  { .family = 4, .proto = IPPROTO_TCP, .tcp_doff = 4 },
	  { DENY(PKT_SRC4 "/32", 6) }, PG_R_DENY, 6 },
	{ "v4 TCP doff 15 beyond the frame malformed", PLAIN,
	  { .family = 4, .proto = IPPROTO_TCP, .tcp_doff = 15,
	    .len = ETH_IP4_LEN + 20 }, {}, PG_R_MALFORMED, 0 },
	{ "v4 TCP doff 15 beyond the frame from denied source", PLAIN,
	  { .family = 4, .proto = IPPROTO_TCP, .tcp_doff = 15,
	    .len = ETH_IP4_LEN + 20 }, { DENY(PKT_SRC4 "/32", 6) }, PG_R_DENY, 6 },
	{ "v6 truncated UDP from allowed source", PLAIN,
	  { .family = 6, .proto = IPPROTO_UDP, .len = ETH_IP6_LEN + 4 },
	  { ALLOW(PKT_SRC6 "/128", 8) }, PG_R_ALLOW, 8 },

	/* IPv6 extension header chains. */
	{ "v6 hop-by-hop + UDP default pass", PLAIN,
	  { .family = 6, .proto = IPPROTO_UDP, .n_ext = 1,
	    .ext = { EXT(IPPROTO_HOPOPTS) } }, {}, PG_R_DEFAULT, 0 },
	{ "v6 routing (16 bytes) + TCP default pass", PLAIN,
	  { .family = 6, .proto = IPPROTO_TCP, .n_ext = 1,
	    .ext = { { .type = IPPROTO_ROUTING, .hdrlen = 1 } } }, {},
	  PG_R_DEFAULT, 0 },
	{ "v6 destination options + ICMPv6 default pass", PLAIN,
	  { .family = 6, .proto = IPPROTO_ICMPV6, .n_ext = 1,
	    .ext = { EXT(IPPROTO_DSTOPTS) } }, {}, PG_R_DEFAULT, 0 },
	{ "v6 AH (24 bytes) + TCP default pass", PLAIN,
	  { .family = 6, .proto = IPPROTO_TCP, .n_ext = 1, .ext = { EXT_AH } }, {},
	  PG_R_DEFAULT, 0 },
	{ "v6 hop-by-hop + no next header default pass", PLAIN,
	  { .family = 6, .proto = IPPROTO_NONE, .n_ext = 1,
	    .ext = { EXT(IPPROTO_HOPOPTS) } }, {}, PG_R_DEFAULT, 0 },
	{ "v6 8 extension headers + UDP default pass", PLAIN,
	  { .family = 6, .proto = IPPROTO_UDP, .n_ext = 8, .ext = { CHAIN8 } }, {},
	  PG_R_DEFAULT, 0 },
	{ "v6 8 extension headers + UDP from denied source", PLAIN,
	  { .family = 6, .proto = IPPROTO_UDP, .n_ext = 8, .ext = { CHAIN8 } },
	  { DENY(PKT_SRC6 "/128", 10) }, PG_R_DENY, 10 },
	{ "v6 9 extension headers malformed", PLAIN,
	  { .family = 6, .proto = IPPROTO_UDP, .n_ext = 9,
	    .ext = { CHAIN8, EXT(IPPROTO_DSTOPTS) } }, {}, PG_R_MALFORMED, 0 },
	{ "v6 9 extension headers from denied source", PLAIN,
	  { .family = 6, .proto = IPPROTO_UDP, .n_ext = 9,
	    .ext = { CHAIN8, EXT(IPPROTO_DSTOPTS) } },
	  { DENY(PKT_SRC6 "/128", 10) }, PG_R_DENY, 10 },
	{ "v6 hop-by-hop cut short before UDP malformed", PLAIN,
	  { .family = 6, .proto = IPPROTO_UDP, .n_ext = 1,
	    .ext = { EXT(IPPROTO_HOPOPTS) }, .len = ETH_IP6_LEN + 4 }, {},
	  PG_R_MALFORMED, 0 },
	{ "v6 hop-by-hop cut short, no next header, malformed", PLAIN,
	  { .family = 6, .proto = IPPROTO_NONE, .n_ext = 1,
	    .ext = { EXT(IPPROTO_HOPOPTS) }, .len = ETH_IP6_LEN + 4 }, {},
	  PG_R_MALFORMED, 0 },
	{ "v6 AH cut short from denied source", PLAIN,
	  { .family = 6, .proto = IPPROTO_TCP, .n_ext = 1, .ext = { EXT_AH },
	    .len = ETH_IP6_LEN + 12 }, { DENY("2001:db8::/32", 11) }, PG_R_DENY, 11 },

	/* Fragments: only a non-first fragment lacks an L4 header. */
	{ "v4 first fragment TCP default pass", PLAIN,
	  { .family = 4, .proto = IPPROTO_TCP, .frag_off = 0x2000 }, {},
	  PG_R_DEFAULT, 0 },
	{ "v4 first fragment with truncated TCP malformed", PLAIN,
	  { .family = 4, .proto = IPPROTO_TCP, .frag_off = 0x2000,
	    .len = ETH_IP4_LEN + 10 }, {}, PG_R_MALFORMED, 0 },
	{ "v4 middle fragment (MF, offset 185)", PLAIN,
	  { .family = 4, .proto = IPPROTO_TCP, .frag_off = 0x2000 | 185 }, {},
	  PG_R_FRAGMENT, 0 },
	{ "v4 last fragment without L4 bytes", PLAIN,
	  { .family = 4, .proto = IPPROTO_UDP, .frag_off = 1, .len = ETH_IP4_LEN },
	  {}, PG_R_FRAGMENT, 0 },
	{ "v4 non-first fragment from denied source", PLAIN,
	  { .family = 4, .proto = IPPROTO_UDP, .frag_off = 185 },
	  { DENY("198.51.100.0/24", 12) }, PG_R_DENY, 12 },
	{ "v4 non-first fragment from allowed source", PLAIN,
	  { .family = 4, .proto = IPPROTO_UDP, .frag_off = 185 },
	  { ALLOW(PKT_SRC4 "/32", 13), DENY_ALL4 }, PG_R_ALLOW, 13 },
	{ "v6 first fragment UDP default pass", PLAIN,
	  { .family = 6, .proto = IPPROTO_UDP, .n_ext = 1,
	    .ext = { EXT_FRAG(V6_MF) } }, {}, PG_R_DEFAULT, 0 },
	{ "v6 first fragment with truncated UDP malformed", PLAIN,
	  { .family = 6, .proto = IPPROTO_UDP, .n_ext = 1,
	    .ext = { EXT_FRAG(V6_MF) }, .len = ETH_IP6_LEN + 8 + 4 }, {},
	  PG_R_MALFORMED, 0 },
	{ "v6 non-first fragment", PLAIN,
	  { .family = 6, .proto = IPPROTO_UDP, .n_ext = 1,
	    .ext = { EXT_FRAG(V6_OFF(100)) } }, {}, PG_R_FRAGMENT, 0 },
	{ "v6 non-first fragment without L4 bytes after hop-by-hop", PLAIN,
	  { .family = 6, .proto = IPPROTO_TCP, .n_ext = 2,
	    .ext = { EXT(IPPROTO_HOPOPTS), EXT_FRAG(V6_OFF(100) | V6_MF) },
	    .len = ETH_IP6_LEN + 16 }, {}, PG_R_FRAGMENT, 0 },
	{ "v6 non-first fragment from denied source", PLAIN,
	  { .family = 6, .proto = IPPROTO_UDP, .n_ext = 1,
	    .ext = { EXT_FRAG(V6_OFF(100)) } }, { DENY(PKT_SRC6 "/128", 14) },
	  PG_R_DENY, 14 },
	{ "v6 fragment header cut short malformed", PLAIN,
	  { .family = 6, .proto = IPPROTO_UDP, .n_ext = 1,
	    .ext = { EXT_FRAG(V6_OFF(100)) }, .len = ETH_IP6_LEN + 4 }, {},
	  PG_R_MALFORMED, 0 },

	/* Longest prefix within a list; allow beats deny at any length. */
	{ "LPM v4 deny /24 beats deny /8", PLAIN,
	  { .family = 4, .proto = IPPROTO_TCP, .src = "10.1.2.3" },
	  { DENY("10.0.0.0/8", 1), DENY("10.1.2.0/24", 2) }, PG_R_DENY, 2 },
	{ "LPM v4 deny /8 outside the /24", PLAIN,
	  { .family = 4, .proto = IPPROTO_TCP, .src = "10.9.9.9" },
	  { DENY("10.0.0.0/8", 1), DENY("10.1.2.0/24", 2) }, PG_R_DENY, 1 },
	{ "LPM v4 outside every deny prefix", PLAIN,
	  { .family = 4, .proto = IPPROTO_TCP, .src = "11.1.2.3" },
	  { DENY("10.0.0.0/8", 1), DENY("10.1.2.0/24", 2) }, PG_R_DEFAULT, 0 },
	{ "LPM v4 allow /24 inside deny /16", PLAIN,
	  { .family = 4, .proto = IPPROTO_UDP, .src = "10.1.2.3" },
	  { ALLOW("10.1.2.0/24", 3), DENY("10.1.0.0/16", 4) }, PG_R_ALLOW, 3 },
	{ "LPM v4 deny /16 outside allow /24", PLAIN,
	  { .family = 4, .proto = IPPROTO_UDP, .src = "10.1.9.9" },
	  { ALLOW("10.1.2.0/24", 3), DENY("10.1.0.0/16", 4) }, PG_R_DENY, 4 },
	{ "LPM v4 allow /16 beats deny /32 inside it", PLAIN,
	  { .family = 4, .proto = IPPROTO_UDP, .src = "10.1.2.3" },
	  { ALLOW("10.1.0.0/16", 5), DENY("10.1.2.3/32", 6) }, PG_R_ALLOW, 5 },
	{ "LPM v4 allow /24 beats allow /8", PLAIN,
	  { .family = 4, .proto = IPPROTO_ICMP, .src = "10.1.2.3" },
	  { ALLOW("10.0.0.0/8", 1), ALLOW("10.1.2.0/24", 2) }, PG_R_ALLOW, 2 },
	{ "LPM v4 deny 0.0.0.0/0", PLAIN, { .family = 4, .proto = IPPROTO_ICMP },
	  { DENY_ALL4 }, PG_R_DENY, 9 },
	{ "LPM v4 deny /32 without own counter", PLAIN,
	  { .family = 4, .proto = IPPROTO_ICMP }, { DENY(PKT_SRC4 "/32", 0) },
	  PG_R_DENY, 0 },
	{ "LPM v6 allow /48 inside deny /32", PLAIN,
	  { .family = 6, .proto = IPPROTO_TCP, .src = "2001:db8:100::7" },
	  { DENY("2001:db8::/32", 1), ALLOW("2001:db8:100::/48", 2) },
	  PG_R_ALLOW, 2 },
	{ "LPM v6 deny /32 outside allow /48", PLAIN,
	  { .family = 6, .proto = IPPROTO_TCP, .src = "2001:db8:200::1" },
	  { DENY("2001:db8::/32", 1), ALLOW("2001:db8:100::/48", 2) },
	  PG_R_DENY, 1 },
	{ "LPM v6 outside every prefix", PLAIN,
	  { .family = 6, .proto = IPPROTO_TCP, .src = "2001:db9::1" },
	  { DENY("2001:db8::/32", 1), ALLOW("2001:db8:100::/48", 2) },
	  PG_R_DEFAULT, 0 },
	{ "LPM v6 deny /128 beats deny /64", PLAIN,
	  { .family = 6, .proto = IPPROTO_UDP },
	  { DENY("2001:db8:100::/64", 1), DENY(PKT_SRC6 "/128", 2) }, PG_R_DENY, 2 },
	{ "LPM v6 allow ::/0 beats deny /128", PLAIN,
	  { .family = 6, .proto = IPPROTO_UDP },
	  { ALLOW("::/0", 3), DENY(PKT_SRC6 "/128", 2) }, PG_R_ALLOW, 3 },
	{ "LPM v6 deny ::/0", PLAIN, { .family = 6, .proto = IPPROTO_UDP },
	  { DENY_ALL6 }, PG_R_DENY, 9 },

	/* TTL: an expired entry is absent, a live one is not. */
	{ "TTL v4 expired deny /32 inside live deny /24", PLAIN,
	  { .family = 4, .proto = IPPROTO_TCP },
	  { DENY_T(PKT_SRC4 "/32", TTL_EXPIRED, 1),
	    DENY_T("198.51.100.0/24", TTL_LIVE, 2) }, PG_R_DENY, 2 },
	{ "TTL v4 expired deny /32 alone", PLAIN,
	  { .family = 4, .proto = IPPROTO_TCP },
	  { DENY_T(PKT_SRC4 "/32", TTL_EXPIRED, 1) }, PG_R_DEFAULT, 0 },
	{ "TTL v4 live deny /32", PLAIN, { .family = 4, .proto = IPPROTO_TCP },
	  { DENY_T(PKT_SRC4 "/32", TTL_LIVE, 1) }, PG_R_DENY, 1 },
	{ "TTL v4 expired /32 and /24 inside permanent /8", PLAIN,
	  { .family = 4, .proto = IPPROTO_TCP },
	  { DENY_T(PKT_SRC4 "/32", TTL_EXPIRED, 1),
	    DENY_T("198.51.100.0/24", TTL_EXPIRED, 2), DENY("198.0.0.0/8", 3) },
	  PG_R_DENY, 3 },
	{ "TTL v4 expired deny /0 alone", PLAIN, { .family = 4, .proto = IPPROTO_TCP },
	  { DENY_T("0.0.0.0/0", TTL_EXPIRED, 1) }, PG_R_DEFAULT, 0 },
	{ "TTL v4 expired allow /32 no longer shields from deny /24", PLAIN,
	  { .family = 4, .proto = IPPROTO_UDP },
	  { ALLOW_T(PKT_SRC4 "/32", TTL_EXPIRED, 1), DENY("198.51.100.0/24", 2) },
	  PG_R_DENY, 2 },
	{ "TTL v4 live allow /32 shields from deny /24", PLAIN,
	  { .family = 4, .proto = IPPROTO_UDP },
	  { ALLOW_T(PKT_SRC4 "/32", TTL_LIVE, 1), DENY("198.51.100.0/24", 2) },
	  PG_R_ALLOW, 1 },
	{ "TTL v6 expired deny /128 inside live deny /64", PLAIN,
	  { .family = 6, .proto = IPPROTO_UDP },
	  { DENY_T(PKT_SRC6 "/128", TTL_EXPIRED, 1),
	    DENY_T("2001:db8:100::/64", TTL_LIVE, 2) }, PG_R_DENY, 2 },
	{ "TTL v6 expired deny /128 alone", PLAIN,
	  { .family = 6, .proto = IPPROTO_UDP },
	  { DENY_T(PKT_SRC6 "/128", TTL_EXPIRED, 1) }, PG_R_DEFAULT, 0 },

	/* The drop-malformed instance: only the malformed action changes. */
	{ "v4 TCP default pass", DROPMAL, { .family = 4, .proto = IPPROTO_TCP }, {},
	  PG_R_DEFAULT, 0 },
	{ "v4 IHL 3 dropped", DROPMAL,
	  { .family = 4, .proto = IPPROTO_TCP, .ihl = 3 }, {},
	  PG_R_MALFORMED_DROP, 0 },
	{ "v4 truncated TCP dropped", DROPMAL,
	  { .family = 4, .proto = IPPROTO_TCP, .len = ETH_IP4_LEN + 10 }, {},
	  PG_R_MALFORMED_DROP, 0 },
	{ "v4 truncated TCP from denied source", DROPMAL,
	  { .family = 4, .proto = IPPROTO_TCP, .len = ETH_IP4_LEN + 10 },
	  { DENY(PKT_SRC4 "/32", 1) }, PG_R_DENY, 1 },
	{ "v4 truncated TCP from allowed source passes", DROPMAL,
	  { .family = 4, .proto = IPPROTO_TCP, .len = ETH_IP4_LEN + 10 },
	  { ALLOW(PKT_SRC4 "/32", 2) }, PG_R_ALLOW, 2 },
	{ "three VLAN tags dropped", DROPMAL,
	  { .vlan = { ETH_P_8021AD, ETH_P_8021Q, ETH_P_8021Q }, .family = 4,
	    .proto = IPPROTO_TCP }, {}, PG_R_MALFORMED_DROP, 0 },
	{ "v6 9 extension headers dropped", DROPMAL,
	  { .family = 6, .proto = IPPROTO_UDP, .n_ext = 9,
	    .ext = { CHAIN8, EXT(IPPROTO_DSTOPTS) } }, {}, PG_R_MALFORMED_DROP, 0 },
	{ "ARP non-IP", DROPMAL, { .ethertype = ETH_P_ARP }, {}, PG_R_NON_IP, 0 },
	{ "v4 non-first fragment", DROPMAL,
	  { .family = 4, .proto = IPPROTO_UDP, .frag_off = 185, .len = ETH_IP4_LEN },
	  {}, PG_R_FRAGMENT, 0 },
	{ "v6 UDP source denied", DROPMAL, { .family = 6, .proto = IPPROTO_UDP },
	  { DENY(PKT_SRC6 "/128", 3) }, PG_R_DENY, 3 },

	PORT_CASES(4, "198.51.100.0/24", PKT_SRC4 "/32", "203.0.113.9", "198.0.0.0/8",
		   "0.0.0.0/0", "192.0.2.1/32", IPPROTO_ICMP, ETH_IP4_LEN, FRAGL4, FRAGF4),
	PORT_CASES(6, "2001:db8:100::/48", PKT_SRC6 "/128", "2001:db8:200::9",
		   "2001:db8::/32", "::/0", "2001:db8:ffff::1/128", IPPROTO_ICMPV6,
		   ETH_IP6_LEN, FRAGL6, FRAGF6),
	LIST_CASES(4, "198.51.100.0/24", PKT_SRC4 "/32", "203.0.113.9", "0.0.0.0/0"),
	LIST_CASES(6, "2001:db8:100::/48", PKT_SRC6 "/128", "2001:db8:200::9", "::/0"),
	{ "lists ARP despite deny all on list 5 counts no list", PLAIN,
	  { .ethertype = ETH_P_ARP },
	  { DENYX("0.0.0.0/0", 50, .list = 5), DENYX("::/0", 50, .list = 5) },
	  PG_R_NON_IP, 0 },
};

/* ---- truncation sweeps ---- */

struct sweep {
	const char *name;
	struct pkt_spec pkt;
};

static const struct sweep sweeps[] = {
	{ "IPv4/TCP", { .family = 4, .proto = IPPROTO_TCP } },
	{ "IPv6/UDP", { .family = 6, .proto = IPPROTO_UDP } },
	{ "QinQ IPv4/ICMP", { .vlan = QINQ, .family = 4, .proto = IPPROTO_ICMP } },
	/* Behind a tag, so TC sees cuts in the IPv6 header too (see
	 * skb_refuses_short_l3). */
	{ "VLAN IPv6/TCP", { .vlan = { ETH_P_8021Q }, .family = 6, .proto = IPPROTO_TCP } },
	{ "IPv6 hop-by-hop+fragment/UDP",
	  { .family = 6, .proto = IPPROTO_UDP, .n_ext = 2,
	    .ext = { EXT(IPPROTO_HOPOPTS), EXT_FRAG(V6_MF) } } },
};

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

/* ---- one rule, three programs ---- */

/* A rule added once, through the shared maps, is seen by every program:
 * XDP and TC ingress on a frame from the peer, TC egress on a frame to
 * it, each counting under its own hook, all into the same rule counter.
 * The same frames the other way round are not the peer's business on that
 * side and pass. */
static void run_shared(const struct instance *in, int family)
{
	static const struct { enum prog_id pid; int mirror; int reason; } steps[] = {
		{ P_XDP, 0, PG_R_DENY },
		{ P_TC_IN, 0, PG_R_DENY },
		{ P_TC_EG, 1, PG_R_DENY },
		{ P_XDP, 1, PG_R_DEFAULT },
		{ P_TC_IN, 1, PG_R_DEFAULT },
		{ P_TC_EG, 0, PG_R_DEFAULT },
	};
	struct rule_spec rule = DENY(family == 6 ? PKT_SRC6 "/128" : PKT_SRC4 "/32",
				     SHARED_RULE_ID);
	struct pkt_spec spec = { .family = family, .proto = IPPROTO_UDP };
	struct log l = {};
	char name[256], what[64];
	size_t i;

	snprintf(name, sizeof(name),
		 "[xdp+tc-ingress+tc-egress] v%d deny added once drops from the peer on xdp and tc-ingress, to it on tc-egress [%s]",
		 family, in->name);
	if (!set_rules(&rule, 1, &l)) {
		for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
			struct pkt p;

			spec.mirror = steps[i].mirror;
			snprintf(what, sizeof(what), "%s, frame %s the peer: ",
				 progs[steps[i].pid].name, spec.mirror ? "to" : "from");
			if (pkt_build(&p, &spec)) {
				fail(&l, "%ssetup: packet spec cannot be built", what);
				continue;
			}
			run_frame(in, steps[i].pid, &p, steps[i].reason,
				  steps[i].reason == PG_R_DENY ? SHARED_RULE_ID : 0, 0,
				  what, &l);
		}
	}
	report(name, &l);
}

/* ---- generations ---- */

/* A replace fills the other slot of every table of a kind and flips the
 * kind's bit of pg_config.gens. The datapath must use exactly the slot the
 * bit names, for each kind on its own, and take an empty slot for an empty
 * table. Slot 0 holds a wide deny; slot 1 a deny and an allow of the peer,
 * in the table under test (the other tables' slot 1 stay empty). */
static void run_gens(const struct instance *in, enum prog_id pid, int family, int tbl)
{
	static const char *const tbl_names[PG_TBL_MAX] = {
		[PG_TBL_EXACT] = "exact", [PG_TBL_PREFIX] = "prefix", [PG_TBL_PORT] = "port",
	};
	static const struct {
		__u32 gens;
		int clear;		/* first empty slot 1 of: 1 allow, 2 deny */
		int reason;
		__u32 rule_id;
		int list;
		const char *what;
	} steps[] = {
		{ 0, 0, PG_R_DENY, 31, 0, "gens 0: slot 1 ignored" },
		{ 2, 0, PG_R_DENY, 32, 5, "gens 2: deny from slot 1, allow slot 0 (empty)" },
		{ 1, 0, PG_R_ALLOW, 33, 2, "gens 1: allow from slot 1, deny slot 0" },
		{ 3, 0, PG_R_ALLOW, 33, 2, "gens 3: both from slot 1" },
		{ 0, 0, PG_R_DENY, 31, 0, "gens 0 again: slot 1 ignored" },
		{ 2, 2, PG_R_DEFAULT, 0, 0, "gens 2, deny slot 1 deleted: no deny entries" },
		{ 3, 0, PG_R_ALLOW, 33, 2, "gens 3, deny slot 1 deleted: allow from slot 1" },
		{ 1, 1, PG_R_DENY, 31, 0, "gens 1, allow slot 1 deleted: deny from slot 0" },
		{ 3, 0, PG_R_DEFAULT, 0, 0, "gens 3, both slots 1 deleted: no entries" },
	};
	const int f6 = family == 6;
	const char *wide = f6 ? "2001:db8::/32" : "198.51.0.0/16";
	const char *peer = tbl == PG_TBL_EXACT ? (f6 ? PKT_SRC6 "/128" : PKT_SRC4 "/32")
					       : (f6 ? "2001:db8:100::/48" : "198.51.100.0/24");
	__u8 proto = tbl == PG_TBL_PORT ? IPPROTO_UDP : 0;
	const struct rule_spec rules[] = {
		DENY(wide, 31),
		DENYX(peer, 32, .proto = proto, .port = proto ? 53 : 0, .list = 5, .gen = 1),
		ALLOWX(peer, 33, .proto = proto, .list = 2, .gen = 1),
	};
	struct pkt_spec spec = { .family = family, .proto = IPPROTO_UDP };
	__u32 tables = 0, all = 0;
	struct log l = {};
	char name[320], desc[256], what[128];
	struct pkt p;
	size_t i;
	int kind, f, t, err;

	snprintf(desc, sizeof(desc),
		 "generations v%d, slot 1 in the %s tables: the kind's gens bit picks the slot, a deleted slot is empty",
		 family, tbl_names[tbl]);
	case_name(name, sizeof(name), &progs[pid], desc, in);
	if (build_for(&p, &spec, pid)) {
		fail(&l, "setup: packet spec cannot be built");
		goto out;
	}
	if (clear_lists()) {
		fail(&l, "setup: clearing lists");
		goto out;
	}
	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (add_rule(&rules[i], &tables, &l))
			goto out;
	/* Every table may hold entries: most slots 1 are empty (NULL). */
	for (kind = 0; kind < PG_LIST_KIND_MAX; kind++)
		for (f = 4; f <= 6; f += 2)
			for (t = 0; t < PG_TBL_MAX; t++)
				all |= PG_TABLE_BIT(kind, f, t);
	err = set_tables(all);
	for (kind = 0; kind < PG_LIST_KIND_MAX && !err; kind++)
		err = tables_set(maps.outer[kind][f6][tbl], kind, 1, maps.list[1][kind][f6][tbl]);
	if (err) {
		fail(&l, "setup: installing slot 1: %s", strerror(-err));
		goto restore;
	}
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		for (kind = 0; kind < PG_LIST_KIND_MAX; kind++) {
			if (!(steps[i].clear & 1 << kind))
				continue;
			err = tables_clear(maps.outer[kind][f6][tbl], kind, 1);
			if (err) {
				fail(&l, "%s: deleting slot 1: %s", steps[i].what, strerror(-err));
				goto restore;
			}
		}
		err = set_gens(steps[i].gens);
		if (err) {
			fail(&l, "%s: pg_config: %s", steps[i].what, strerror(-err));
			goto restore;
		}
		snprintf(what, sizeof(what), "%s: ", steps[i].what);
		run_frame(in, pid, &p, steps[i].reason, steps[i].rule_id, steps[i].list, what, &l);
	}
restore:
	err = set_gens(0);
	for (kind = 0; kind < PG_LIST_KIND_MAX; kind++)
		err = err ? err : tables_clear(maps.outer[kind][f6][tbl], kind, 1);
	if (err)
		fail(&l, "cleanup: %s", strerror(-err));
out:
	report(name, &l);
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
	/* As attach does: every program its own seed for the top sketch. */
	skel->rodata->cfg_top_seed = 0x5eed0000a5a5a5a5ULL + in->slot;
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
	skel->rodata->cfg_top_seed = 0x7c0000005a5a5a5aULL + in->slot;
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

static void mask_addr(__u8 *a, unsigned int plen, unsigned int max)
{
	for (unsigned int b = plen; b < max; b++)
		a[b / 8] &= ~(0x80 >> (b % 8));
}

static int prefix_covers(const struct rnd_rule *r, const __u8 *a, unsigned int max)
{
	__u8 m[16];

	memcpy(m, a, 16);
	mask_addr(m, r->plen, max);
	return !memcmp(m, r->addr, max / 8);
}

static __u64 rule_packets(__u32 id)
{
	size_t stride = percpu_stride(sizeof(struct pg_rule_ctr));
	__u64 sum = 0;

	if (bpf_map_lookup_elem(maps.rule_stats, &id, percpu_buf))
		return ~0ULL;
	for (int c = 0; c < ncpus; c++)
		sum += ((struct pg_rule_ctr *)((char *)percpu_buf + c * stride))->packets;
	return sum;
}

static __u64 list_packets(__u32 id)
{
	size_t stride = percpu_stride(sizeof(struct pg_ctr));
	__u64 sum = 0;

	if (bpf_map_lookup_elem(maps.list_stats, &id, percpu_buf))
		return ~0ULL;
	for (int c = 0; c < ncpus; c++)
		sum += ((struct pg_ctr *)((char *)percpu_buf + c * stride))->packets;
	return sum;
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

/* ---- the compiled tier at scale ---- */

/* A million IPv4 entries (100k IPv6) of both kinds in many lists, nested
 * and disjoint, some expired, some with a live TTL or a counter of their
 * own, nearly all compiled and a few in the dynamic tier, against a plain
 * reference: for each prefix length from the longest, a hash lookup of
 * the masked address. Every entry's first and last address and the one
 * on either side, and random addresses inside entries and anywhere, go
 * through the XDP program: the verdict of each must be the reference's,
 * and the list and per-rule counters must have counted exactly what the
 * reference says, in total. */
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

	for (int kind = 0; kind < PG_LIST_KIND_MAX; kind++) {
		struct compile_ent *c = calloc(n, sizeof(*c));
		struct compiled out;
		size_t m = 0;
		int fds[3] = { -1, -1, -1 }, err;

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
		if (!err)
			err = tables_compiled_create(kind, &out, fds);
		compile_free(&out);
		for (int t = 0; !err && t < 3; t++) {
			compiled_installed = 1;
			err = tables_set(maps.outer[kind][f6][PG_TBL_CENT + t], kind, 0, fds[t]);
			tables |= PG_TABLE_BIT(kind, family, PG_TBL_CENT + t);
		}
		for (int t = 0; t < 3; t++)
			if (fds[t] >= 0)
				close(fds[t]);
		if (err) {
			fail(l, "setup: compiling %zu entries: %s", m, strerror(-err));
			return -1;
		}
	}
	return set_tables(tables);
}

static void run_scale(const struct instance *in, int family, size_t n)
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
	char name[200];
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

		if (i && sc_rnd() % 5 == 0 && v[sc_rnd() % i].plen < max) {
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
		}
		/* Allow entries are exceptions: few, and not wide. */
		if (e.kind == PG_LIST_ALLOW && (e.plen < max / 2 || sc_rnd() % 3))
			e.kind = PG_LIST_DENY;
		mask_addr(e.addr, e.plen, max);
		s = sc_find(&ref, e.addr, e.plen, e.kind);
		if (*s)
			continue;	/* that entry exists */
		e.list = 2 + sc_rnd() % 10;
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
	if (!bad && (hits < queries / 4 || drops < queries / 8 || hits == drops))
		fail(&l, "setup: %zu of %zu addresses matched, %llu dropped: the mix tests little",
		     (size_t)hits, queries, (unsigned long long)drops);
out:
	snprintf(name, sizeof(name), "[xdp] compiled tier at scale, IPv%d: %zu entries, %u with "
		 "own counters; %zu addresses (every boundary), %llu matching, %llu dropped",
		 family, n, next_rule - 1, queries, (unsigned long long)hits,
		 (unsigned long long)drops);
	report(name, &l);
	clear_lists();
	snap_valid = 0;	/* counters moved outside run_frame */
	free(v);
	free(ref.slot);
	free(want_rule);
	free(rule0);
}

/* ---- top-talker admission ---- */

/* Sum of a per-CPU struct pg_ev_bucket. */
static int bucket_sum(int fd, struct pg_ev_bucket *out)
{
	size_t stride = percpu_stride(sizeof(struct pg_ev_bucket));
	__u32 zero = 0;

	memset(out, 0, sizeof(*out));
	if (bpf_map_lookup_elem(fd, &zero, percpu_buf))
		return -errno;
	for (int c = 0; c < ncpus; c++) {
		const struct pg_ev_bucket *b = (const void *)((char *)percpu_buf + c * stride);

		out->emitted += b->emitted;
		out->suppressed += b->suppressed;
	}
	return 0;
}

/* One row of the top sketch on every CPU (ways, or tags and scores). */
static struct pg_top_row *top_rows;
static struct pg_top_head *top_heads;
/* pg_top_head, the same map in every instance. */
static int top_head_fd = -1;

/* What the sketch holds for an address (summed over CPUs, as user space
 * sums it), and its row's decay rounds; -ENOENT if no way holds it. */
static int top_find(int fd, __u64 seed, const struct pg_top_key *k, struct pg_top_val *v,
		    __u64 *decays)
{
	size_t stride = percpu_stride(sizeof(struct pg_top_row));
	size_t hstride = percpu_stride(sizeof(struct pg_top_head));
	__u32 row = pg_top_hash(k, seed) & (PG_TOP_ROWS - 1);
	int found = 0;

	memset(v, 0, sizeof(*v));
	if (decays)
		*decays = 0;
	if (bpf_map_lookup_elem(fd, &row, top_rows) ||
	    (decays && bpf_map_lookup_elem(top_head_fd, &row, top_heads)))
		return -errno;
	for (int c = 0; c < ncpus; c++) {
		const struct pg_top_row *r = (const void *)((char *)top_rows + c * stride);

		if (decays)
			*decays += ((const struct pg_top_head *)((char *)top_heads +
								c * hstride))->decays;
		for (int i = 0; i < PG_TOP_WAYS; i++) {
			if (memcmp(&r->way[i].key, k, sizeof(*k)))
				continue;
			v->packets += r->way[i].val.packets;
			v->bytes += r->way[i].val.bytes;
			v->drops += r->way[i].val.drops;
			if (r->way[i].val.last_seen_ns > v->last_seen_ns)
				v->last_seen_ns = r->way[i].val.last_seen_ns;
			found++;
		}
	}
	return found ? 0 : -ENOENT;
}

static int top_packets(int fd, __u64 seed, const char *addr, __u64 *packets)
{
	struct pg_top_key k = { .family = 4 };
	struct pg_top_val v;
	int err;

	inet_pton(AF_INET, addr, k.addr);
	err = top_find(fd, seed, &k, &v, NULL);
	*packets = v.packets;
	return err;
}

/* With a small top-rate, a burst of new sources is split exactly into
 * admitted addresses and untracked packets, the admitted ones within the
 * buckets' burst plus the rate; known addresses keep being counted. */
static void run_top_admission(struct instance *in)
{
	struct pktgate_xdp_bpf *s = in->xdp;
	int cfg_fd = bpf_map__fd(s->maps.pg_config), top_fd = bpf_map__fd(s->maps.pg_top);
	int bkt_fd = bpf_map__fd(s->maps.pg_top_bucket);
	__u64 seed = s->rodata->cfg_top_seed;
	const unsigned int n = 300, rate = 10;
	struct pg_ev_bucket before, after;
	struct pg_config cfg, saved;
	__u64 t0 = mono_ns(), admitted, untracked, bound, packets;
	char first[INET_ADDRSTRLEN] = "";
	struct log l = {};
	__u32 zero = 0;

	if (clear_lists() || bpf_map_lookup_elem(cfg_fd, &zero, &cfg) || bucket_sum(bkt_fd, &before)) {
		fail(&l, "setup: %s", strerror(errno));
		goto out;
	}
	saved = cfg;
	/* As the CLI computes it: each CPU an equal share, one second of burst. */
	cfg.top_rate = rate;
	cfg.top_cost_ns = NSEC_PER_SEC * ncpus / rate;
	cfg.top_burst_ns = cfg.top_cost_ns * (rate / ncpus ? rate / ncpus : 1);
	if (bpf_map_update_elem(cfg_fd, &zero, &cfg, BPF_ANY)) {
		fail(&l, "setup: pg_config: %s", strerror(errno));
		goto out;
	}
	for (unsigned int i = 0; i < n; i++) {
		char a[INET_ADDRSTRLEN];
		struct pkt_spec spec = { .family = 4, .proto = IPPROTO_UDP, .src = a };
		struct pkt pk;
		__u64 p;
		LIBBPF_OPTS(bpf_test_run_opts, opts, .repeat = 1);

		snprintf(a, sizeof(a), "100.64.%u.%u", i / 250, i % 250 + 1);
		pkt_build(&pk, &spec);
		opts.data_in = pk.buf;
		opts.data_size_in = pk.len;
		if (bpf_prog_test_run_opts(in->prog_fd[P_XDP], &opts)) {
			fail(&l, "test_run: %s", strerror(errno));
			goto restore;
		}
		if (!first[0] && !top_packets(top_fd, seed, a, &p))
			snprintf(first, sizeof(first), "%s", a);
	}
	bucket_sum(bkt_fd, &after);
	admitted = after.emitted - before.emitted;
	untracked = after.suppressed - before.suppressed;
	bound = (__u64)(rate / ncpus ? rate / ncpus : 1) * ncpus +
		rate * ((mono_ns() - t0) / NSEC_PER_SEC + 1);
	if (admitted + untracked != n)
		fail(&l, "admitted %llu + untracked %llu != %u new sources",
		     (unsigned long long)admitted, (unsigned long long)untracked, n);
	if (!admitted || admitted > bound)
		fail(&l, "admitted %llu addresses, expected 1..%llu", (unsigned long long)admitted,
		     (unsigned long long)bound);
	/* An admitted address goes on being counted, bucket or not. */
	if (!first[0]) {
		fail(&l, "no source was admitted");
	} else {
		struct pkt_spec spec = { .family = 4, .proto = IPPROTO_UDP, .src = first };
		struct pkt pk;
		LIBBPF_OPTS(bpf_test_run_opts, opts, .repeat = 1);

		pkt_build(&pk, &spec);
		opts.data_in = pk.buf;
		opts.data_size_in = pk.len;
		bpf_prog_test_run_opts(in->prog_fd[P_XDP], &opts);
		if (top_packets(top_fd, seed, first, &packets) || packets != 2)
			fail(&l, "%s counted %llu packets, expected 2", first,
			     (unsigned long long)packets);
	}
restore:
	bpf_map_update_elem(cfg_fd, &zero, &saved, BPF_ANY);
out:
	report("[xdp] top-rate caps new top-talker addresses; known ones still counted", &l);
}

/* ---- top-talker sketch under a flood of spoofed sources ---- */

#define FLOOD_HEAVY	400	/* packets of the heavy source */
#define FLOOD_AIMED	3	/* one-packet sources in its row, after each of them */
#define FLOOD_SPREAD	10	/* one-packet sources anywhere, after each of them */
#define FLOOD_BURST	300	/* then one-packet sources in its row, back to back */

static int send_udp4(int prog_fd, const char *src, __u32 *len)
{
	struct pkt_spec spec = { .family = 4, .proto = IPPROTO_UDP, .src = src };
	struct pkt pk;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .repeat = 1);

	if (pkt_build(&pk, &spec))
		return -EINVAL;
	opts.data_in = pk.buf;
	opts.data_size_in = pk.len;
	if (len)
		*len = pk.len;
	return bpf_prog_test_run_opts(prog_fd, &opts) ? -errno : 0;
}

static int top_clear(int fd)
{
	memset(top_rows, 0, percpu_stride(sizeof(struct pg_top_row)) * ncpus);
	memset(top_heads, 0, percpu_stride(sizeof(struct pg_top_head)) * ncpus);
	for (__u32 i = 0; i < PG_TOP_ROWS; i++)
		if (bpf_map_update_elem(fd, &i, top_rows, BPF_ANY) ||
		    bpf_map_update_elem(top_head_fd, &i, top_heads, BPF_ANY))
			return -errno;
	return 0;
}

/* A per-CPU array of PG_TOP_ROWS values of size bytes. */
static void check_top_map(int fd, const char *name, __u32 size, struct log *l)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		fail(l, "%s info: %s", name, strerror(errno));
	else if (info.type != BPF_MAP_TYPE_PERCPU_ARRAY || info.max_entries != PG_TOP_ROWS ||
		 info.value_size != size)
		fail(l, "%s is map type %u with %u entries of %u bytes, expected a per-CPU "
		     "array of %u rows", name, info.type, info.max_entries, info.value_size,
		     PG_TOP_ROWS);
}

/* Whether a loaded program calls the helper at all. */
static int calls_helper(const struct bpf_program *prog, int helper)
{
	const struct bpf_insn *insn = bpf_program__insns(prog);
	size_t n = bpf_program__insn_cnt(prog);

	for (size_t i = 0; i < n; i++)
		if (insn[i].code == (BPF_JMP | BPF_CALL) && insn[i].src_reg == 0 &&
		    insn[i].imm == helper)
			return 1;
	return 0;
}

/* A heavy source keeps exact counts while one-packet sources flood its row
 * and the rest of the sketch, and a burst of them cannot push it out. The
 * sketch is a fixed array the programs never insert into. */
static void run_top_flood(struct instance *in)
{
	struct pktgate_xdp_bpf *s = in->xdp;
	int cfg_fd = bpf_map__fd(s->maps.pg_config), top_fd = bpf_map__fd(s->maps.pg_top);
	__u64 seed = s->rodata->cfg_top_seed, decays, d_before;
	const char *heavy = "198.51.100.77";
	struct pg_top_key hk = { .family = 4 }, k = { .family = 4 };
	__u32 row, zero = 0, len = 0, next = 0, spread = 0;
	struct pg_config cfg, saved;
	static __u32 aimed[FLOOD_HEAVY * FLOOD_AIMED + FLOOD_BURST];
	size_t naimed = 0, used = 0;
	struct pg_top_val v;
	cpu_set_t cpus, old;
	struct log l = {};
	char a[INET_ADDRSTRLEN];
	int cpu = sched_getcpu(), pinned = 0;

	top_head_fd = bpf_map__fd(s->maps.pg_top_head);
	check_top_map(top_fd, "pg_top", sizeof(struct pg_top_row), &l);
	check_top_map(top_head_fd, "pg_top_head", sizeof(struct pg_top_head), &l);
	for (int o = 0; o < 2; o++) {
		struct bpf_object *obj = o ? in->tc->obj : s->obj;
		struct bpf_program *prog;

		bpf_object__for_each_program(prog, obj)
			if (calls_helper(prog, BPF_FUNC_map_update_elem))
				fail(&l, "%s calls bpf_map_update_elem", bpf_program__name(prog));
	}

	/* One-packet sources that hash to the heavy source's row. */
	inet_pton(AF_INET, heavy, hk.addr);
	row = pg_top_hash(&hk, seed) & (PG_TOP_ROWS - 1);
	for (__u32 i = 1; i < (1u << 24) && naimed < sizeof(aimed) / sizeof(aimed[0]); i++) {
		__u32 be = htonl(10u << 24 | i);

		memcpy(k.addr, &be, 4);
		if ((pg_top_hash(&k, seed) & (PG_TOP_ROWS - 1)) == row)
			aimed[naimed++] = be;
	}
	if (naimed < sizeof(aimed) / sizeof(aimed[0])) {
		fail(&l, "setup: only %zu addresses of 10/8 in row %u", naimed, row);
		goto out;
	}
	if (cpu < 0 || bpf_map_lookup_elem(cfg_fd, &zero, &cfg) || top_clear(top_fd)) {
		fail(&l, "setup: %s", strerror(errno));
		goto out;
	}
	/* One CPU: its row sees the whole flood (test_run runs where we are). */
	CPU_ZERO(&cpus);
	CPU_SET(cpu, &cpus);
	if (sched_getaffinity(0, sizeof(old), &old) || sched_setaffinity(0, sizeof(cpus), &cpus)) {
		fail(&l, "setup: affinity: %s", strerror(errno));
		goto out;
	}
	pinned = 1;
	saved = cfg;
	cfg.top_cost_ns = 0;	/* top-rate 0: admission is never refused */
	if (bpf_map_update_elem(cfg_fd, &zero, &cfg, BPF_ANY)) {
		fail(&l, "setup: pg_config: %s", strerror(errno));
		goto out;
	}

	/* The heavy source is a quarter of its row's packets: more than the
	 * 1/(PG_TOP_WAYS + 1) that guarantees it a way. */
	for (int j = 0; j < FLOOD_HEAVY && !l.failed; j++) {
		if (send_udp4(in->prog_fd[P_XDP], heavy, &len))
			fail(&l, "test_run: %s", strerror(errno));
		for (int i = 0; i < FLOOD_AIMED; i++) {
			inet_ntop(AF_INET, &aimed[used++], a, sizeof(a));
			if (send_udp4(in->prog_fd[P_XDP], a, NULL))
				fail(&l, "test_run: %s", strerror(errno));
		}
		for (int i = 0; i < FLOOD_SPREAD; i++) {
			snprintf(a, sizeof(a), "172.%u.%u.%u", 16 + (spread >> 16 & 15),
				 spread >> 8 & 255, spread & 255);
			spread++;
			if (send_udp4(in->prog_fd[P_XDP], a, NULL))
				fail(&l, "test_run: %s", strerror(errno));
		}
	}
	if (top_find(top_fd, seed, &hk, &v, &decays))
		fail(&l, "the heavy source is not in the sketch after the flood");
	else if (v.packets != FLOOD_HEAVY || v.bytes != (__u64)FLOOD_HEAVY * len)
		fail(&l, "heavy source: %llu packets, %llu bytes, expected %u and %llu",
		     (unsigned long long)v.packets, (unsigned long long)v.bytes, FLOOD_HEAVY,
		     (unsigned long long)FLOOD_HEAVY * len);
	/* The flood did press on the row: one-packet sources came and went. */
	if (decays < FLOOD_HEAVY / 2)
		fail(&l, "only %llu decay rounds in the heavy source's row: no pressure",
		     (unsigned long long)decays);
	d_before = decays;

	/* A burst into its row: each decay round takes 1 from its score, which
	 * the flood left well above the burst's FLOOD_BURST / 4 rounds. */
	for (int i = 0; i < FLOOD_BURST && !l.failed; i++) {
		inet_ntop(AF_INET, &aimed[used++], a, sizeof(a));
		if (send_udp4(in->prog_fd[P_XDP], a, NULL))
			fail(&l, "test_run: %s", strerror(errno));
	}
	send_udp4(in->prog_fd[P_XDP], heavy, NULL);
	if (top_find(top_fd, seed, &hk, &v, &decays))
		fail(&l, "a burst of %u one-packet sources pushed the heavy source out",
		     FLOOD_BURST);
	else if (v.packets != FLOOD_HEAVY + 1)
		fail(&l, "heavy source: %llu packets after the burst, expected %u",
		     (unsigned long long)v.packets, FLOOD_HEAVY + 1);
	if (decays == d_before)
		fail(&l, "the burst caused no decay round");
	/* No one-packet source of the row outlived the decay rounds but the
	 * last few: the row holds the heavy source and at most 3 others. */
	for (size_t i = 0; i < used; i++) {
		memcpy(k.addr, &aimed[i], 4);
		if (!top_find(top_fd, seed, &k, &v, NULL))
			next++;
	}
	if (next > PG_TOP_WAYS - 1)
		fail(&l, "%u one-packet sources in the heavy source's row", next);

	/* last seen follows the clock from tick to tick (packets within one
	 * tick keep the stamp: the coarse clock has not moved). */
	{
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		__u64 seen0 = 0, now;

		top_find(top_fd, seed, &hk, &v, NULL);
		seen0 = v.last_seen_ns;
		nanosleep(&ts, NULL);
		send_udp4(in->prog_fd[P_XDP], heavy, NULL);
		clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
		now = ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
		top_find(top_fd, seed, &hk, &v, NULL);
		if (v.last_seen_ns < seen0 + 40 * 1000 * 1000 || v.last_seen_ns > now)
			fail(&l, "last seen %llu ns after 50 ms (clock at %llu, was %llu)",
			     (unsigned long long)v.last_seen_ns, (unsigned long long)now,
			     (unsigned long long)seen0);
	}
	bpf_map_update_elem(cfg_fd, &zero, &saved, BPF_ANY);
out:
	if (pinned)
		sched_setaffinity(0, sizeof(old), &old);
	report("[xdp] top sketch: a heavy source keeps exact counts under a flood of "
	       "spoofed sources; no map insert; last seen follows the clock", &l);
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
	size_t stride, i, scale;
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
	top_rows = calloc(ncpus, percpu_stride(sizeof(struct pg_top_row)));
	top_heads = calloc(ncpus, percpu_stride(sizeof(struct pg_top_head)));
	if (!percpu_buf || !top_rows || !top_heads)
		return 1;

	if (load_all()) {
		for (compiled_mode = 0; compiled_mode <= 1; compiled_mode++)
			for (pid = 0; pid < PROG_MAX; pid++) {
				for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
					run_case(&cases[i], pid);
				for (i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++)
					run_mcase(&match_cases[i], pid);
				for (k = 0; k < INST_MAX; k++)
					for (s = 0; s < (int)(sizeof(sweeps) / sizeof(sweeps[0]));
					     s++)
						for (rules = SW_NONE; rules < SW_MAX; rules++)
							run_sweep(&insts[k], pid, &sweeps[s],
								  rules);
			}
		compiled_mode = 0;
		uninstall_compiled();
		for (k = 0; k < INST_MAX; k++) {
			run_shared(&insts[k], 4);
			run_shared(&insts[k], 6);
		}
		for (pid = 0; pid < PROG_MAX; pid++)
			for (s = 4; s <= 6; s += 2)
				for (k = 0; k <= PG_TBL_PORT; k++)
					run_gens(&insts[PLAIN], pid, s, k);
		run_lpm_random(&insts[PLAIN], 4);
		run_lpm_random(&insts[PLAIN], 6);
		/* PKTGATE_SCALE: IPv4 entries (IPv6: a tenth), for slow builds. */
		scale = getenv("PKTGATE_SCALE") ? strtoul(getenv("PKTGATE_SCALE"), NULL, 10) : 0;
		scale = scale ? scale : 1000000;
		run_scale(&insts[PLAIN], 4, scale);
		run_scale(&insts[PLAIN], 6, scale / 10 ? scale / 10 : 1);
		run_top_admission(&insts[PLAIN]);
		run_top_flood(&insts[PLAIN]);
	}

	/* Sharers first: the owner goes last (the kernel keeps a map alive
	 * while any fd holds it anyway). */
	for (k = INST_MAX - 1; k >= 0; k--) {
		pktgate_tc_bpf__destroy(insts[k].tc);
		pktgate_xdp_bpf__destroy(insts[k].xdp);
	}
	free(percpu_buf);
	free(top_rows);
	free(top_heads);
	printf("%d passed, %d failed\n", n_pass, n_fail);
	return n_fail ? 1 : 0;
}
