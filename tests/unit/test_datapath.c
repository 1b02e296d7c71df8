// SPDX-License-Identifier: GPL-2.0
/* Datapath unit tests: the XDP program under BPF_PROG_TEST_RUN, table-driven. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "pktgate.h"
#include "pktgate_xdp.skel.h"
#include "pktbuild.h"

#define NSEC_PER_SEC	1000000000ULL
#define STATS_KEYS	(PG_MAX_IFACES * PG_HOOK_MAX)
/* Every rule_id used below is smaller, so scanning this many slots sees
 * any stray rule counter update. Slot 0 included: it must never count. */
#define RULE_SCAN	64
#define MAX_RULES	4
/* The kernel's test_run refuses frames shorter than an Ethernet header
 * (as no driver hands those to XDP): expected outcome for such lengths. */
#define REJECTED	(-1)
/* Slack for last_hit_ns: it is read from the coarse clock, which lags. */
#define LAST_HIT_SLACK	(2 * NSEC_PER_SEC)
#define SWEEP_RULE_ID	7

enum inst_id { PLAIN, DROPMAL, INST_MAX };

struct instance {
	const char *name;
	__u32 slot;
	__u8 drop_malformed;
	struct pktgate_xdp_bpf *skel;
	int prog_fd;
	int stats_fd;
	int rule_stats_fd;
	int list_fd[PG_LIST_KIND_MAX][2];	/* [kind][v4, v6] */
};

/* A nonzero slot for the main instance, and the very last one for the
 * other, so a wrong counter key computation cannot go unnoticed. */
static struct instance insts[INST_MAX] = {
	[PLAIN] = { .name = "plain", .slot = 5 },
	[DROPMAL] = { .name = "drop-malformed", .slot = PG_MAX_IFACES - 1,
		      .drop_malformed = 1 },
};

enum ttl { TTL_NEVER, TTL_LIVE, TTL_EXPIRED };

struct rule_spec {
	int kind;		/* enum pg_list_kind */
	const char *cidr;	/* NULL ends the list */
	enum ttl ttl;
	__u32 id;
};

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
};

struct log {
	char msg[1024];
	size_t used;
	int failed;
};

static int verbose;
static int n_pass, n_fail;
static struct snap snap_before, snap_after;
static void *percpu_buf;
static int ncpus;

static const char *const reason_names[PG_R_MAX] = {
	[PG_R_DEFAULT] = "DEFAULT",
	[PG_R_ALLOW] = "ALLOW",
	[PG_R_DENY] = "DENY",
	[PG_R_NON_IP] = "NON_IP",
	[PG_R_FRAGMENT] = "FRAGMENT",
	[PG_R_MALFORMED] = "MALFORMED",
	[PG_R_MALFORMED_DROP] = "MALFORMED_DROP",
};

static const char *reason_name(int r)
{
	if (r == REJECTED)
		return "rejected by test_run";
	return r >= 0 && r < PG_R_MAX ? reason_names[r] : "?";
}

/* Written out here rather than taken from PG_REASON_DROPS, so that a
 * wrong action table in the contract is caught too. */
static int expected_verdict(int reason)
{
	return reason == PG_R_DENY || reason == PG_R_MALFORMED_DROP ? XDP_DROP
								     : XDP_PASS;
}

static const char *verdict_name(__u32 v)
{
	return v == XDP_PASS ? "XDP_PASS" : v == XDP_DROP ? "XDP_DROP" : "other";
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
 * are taken twice per frame, and key-by-key lookups made the run slow. */
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

static int read_snap(const struct instance *in, struct snap *s)
{
	size_t st = percpu_stride(sizeof(struct pg_stats));
	size_t rt = percpu_stride(sizeof(struct pg_rule_ctr));
	__u32 key;
	int cpu, r, err;

	memset(s, 0, sizeof(*s));
	err = read_percpu(in->stats_fd, STATS_KEYS);
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
	err = read_percpu(in->rule_stats_fd, RULE_SCAN);
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
	return 0;
}

/* Exactly one packet of len bytes under (our key, reason), nothing in any
 * other key or reason, and likewise for the rule counters. */
static void check_counters(const struct instance *in, int reason, __u32 rule_id,
			   size_t len, __u64 t0, __u64 t1, struct log *l)
{
	__u32 our_key = in->slot * PG_HOOK_MAX + PG_HOOK_XDP;
	__u32 key, id;
	int r;

	for (key = 0; key < STATS_KEYS; key++) {
		for (r = 0; r < PG_R_MAX; r++) {
			int hit = key == our_key && r == reason;
			__u64 dp = snap_after.stats[key][r].packets -
				   snap_before.stats[key][r].packets;
			__u64 db = snap_after.stats[key][r].bytes -
				   snap_before.stats[key][r].bytes;

			if (dp != (__u64)hit || db != (hit ? len : 0))
				fail(l, "stats key %u %s: expected +%d/+%zu, saw +%llu/+%llu",
				     key, reason_name(r), hit, hit ? len : 0,
				     (unsigned long long)dp, (unsigned long long)db);
		}
	}
	for (id = 0; id < RULE_SCAN; id++) {
		const struct pg_rule_ctr *b = &snap_before.rules[id];
		const struct pg_rule_ctr *a = &snap_after.rules[id];
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
}

/* ---- lists ---- */

static int clear_lists(const struct instance *in)
{
	__u8 key[sizeof(struct pg_lpm_v6)];
	int kind, fam;

	for (kind = 0; kind < PG_LIST_KIND_MAX; kind++) {
		for (fam = 0; fam < 2; fam++) {
			int fd = in->list_fd[kind][fam];

			while (!bpf_map_get_next_key(fd, NULL, key))
				if (bpf_map_delete_elem(fd, key))
					return -errno;
		}
	}
	return 0;
}

static int add_rule(const struct instance *in, const struct rule_spec *rs,
		    struct log *l)
{
	struct pg_lpm_v6 key = {};	/* pg_lpm_v4 is its prefix */
	struct pg_rule val = { .rule_id = rs->id };
	char addr[INET6_ADDRSTRLEN];
	const char *slash = strchr(rs->cidr, '/');
	int v6 = strchr(rs->cidr, ':') != NULL;
	size_t alen = slash ? (size_t)(slash - rs->cidr) : 0;

	if (!slash || alen >= sizeof(addr)) {
		fail(l, "setup: bad cidr %s", rs->cidr);
		return -1;
	}
	memcpy(addr, rs->cidr, alen);
	addr[alen] = 0;
	key.prefixlen = atoi(slash + 1);
	if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, key.addr) != 1 ||
	    key.prefixlen > (v6 ? 128u : 32u)) {
		fail(l, "setup: bad cidr %s", rs->cidr);
		return -1;
	}
	val.prefixlen = key.prefixlen;
	if (rs->ttl == TTL_LIVE)
		val.expires_ns = mono_ns() + 3600 * NSEC_PER_SEC;
	else if (rs->ttl == TTL_EXPIRED)
		val.expires_ns = mono_ns() - NSEC_PER_SEC;
	if (bpf_map_update_elem(in->list_fd[rs->kind][v6], &key, &val, BPF_ANY)) {
		fail(l, "setup: adding %s: %s", rs->cidr, strerror(errno));
		return -1;
	}
	return 0;
}

static int set_rules(const struct instance *in, const struct rule_spec *rules,
		     int n, struct log *l)
{
	int i, err = clear_lists(in);

	if (err) {
		fail(l, "setup: clearing lists: %s", strerror(-err));
		return err;
	}
	for (i = 0; i < n && rules[i].cidr; i++)
		if (add_rule(in, &rules[i], l))
			return -1;
	return 0;
}

/* ---- running ---- */

/* Run one frame and check verdict and every counter. Failures are
 * prefixed with what, so a sweep says at which length it went wrong. */
static void run_frame(const struct instance *in, const struct pkt *p,
		      int reason, __u32 rule_id, const char *what, struct log *l)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p->buf,
		    .data_size_in = p->len, .repeat = 1);
	struct log sub = {};
	__u64 t0, t1;
	int err;

	err = read_snap(in, &snap_before);
	if (err) {
		fail(l, "%sreading counters: %s", what, strerror(-err));
		return;
	}
	t0 = mono_ns();
	err = bpf_prog_test_run_opts(in->prog_fd, &opts);
	t1 = mono_ns();
	if (reason == REJECTED) {
		if (err != -EINVAL)
			fail(&sub, "expected test_run to refuse the frame (EINVAL), got %d retval %s",
			     err, verdict_name(opts.retval));
	} else if (err) {
		fail(&sub, "test_run failed: %s", strerror(-err));
	} else if (opts.retval != (__u32)expected_verdict(reason)) {
		fail(&sub, "expected %s (%s), saw %s", verdict_name(expected_verdict(reason)),
		     reason_name(reason), verdict_name(opts.retval));
	}
	err = read_snap(in, &snap_after);
	if (err) {
		fail(&sub, "reading counters: %s", strerror(-err));
	} else {
		/* A refused frame must not be counted at all: reason -1
		 * matches no counter. */
		check_counters(in, reason, reason == REJECTED ? 0 : rule_id,
			       p->len, t0, t1, &sub);
	}
	if (sub.failed)
		fail(l, "%s%s", what, sub.msg);
}

static void run_case(const struct tcase *c)
{
	const struct instance *in = &insts[c->inst];
	struct log l = {};
	struct pkt p;
	char name[256];

	snprintf(name, sizeof(name), "%s [%s]", c->name, in->name);
	if (pkt_build(&p, &c->pkt))
		fail(&l, "setup: packet spec cannot be built");
	else if (!set_rules(in, c->rules, MAX_RULES, &l))
		run_frame(in, &p, c->reason, c->rule_id, "", &l);
	report(name, &l);
}

/* ---- table ---- */

#define DENY(c, id)		{ PG_LIST_DENY, c, TTL_NEVER, id }
#define ALLOW(c, id)		{ PG_LIST_ALLOW, c, TTL_NEVER, id }
#define DENY_T(c, t, id)	{ PG_LIST_DENY, c, t, id }
#define ALLOW_T(c, t, id)	{ PG_LIST_ALLOW, c, t, id }
#define DENY_ALL4		DENY("0.0.0.0/0", 9)
#define DENY_ALL6		DENY("::/0", 9)

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

/* IHL below 5 cannot hold the fixed header; a denied source must not
 * matter because the addresses cannot be trusted. */
#define BAD_IHL(n)							\
	{ "v4 IHL " #n " malformed though source denied", PLAIN,	\
	  { .family = 4, .proto = IPPROTO_TCP, .ihl = n, .ihl_set = 1 },\
	  { DENY_ALL4 }, PG_R_MALFORMED, 0 }

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
	/* Ingress rules name the sender, never the destination. */
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
	{ "three VLAN tags malformed though source denied", PLAIN,
	  { .vlan = { ETH_P_8021AD, ETH_P_8021Q, ETH_P_8021Q }, .family = 4,
	    .proto = IPPROTO_TCP }, { DENY_ALL4 }, PG_R_MALFORMED, 0 },

	/* L3 header checks: addresses untrusted, lists do not apply. */
	BAD_IHL(0), BAD_IHL(1), BAD_IHL(2), BAD_IHL(3), BAD_IHL(4),
	{ "v4 IHL 15 beyond the frame malformed though source denied", PLAIN,
	  { .family = 4, .proto = IPPROTO_ICMP, .ihl = 15, .len = ETH_IP4_LEN + 8 },
	  { DENY_ALL4 }, PG_R_MALFORMED, 0 },
	{ "v4 IHL 6 one word beyond the frame malformed", PLAIN,
	  { .family = 4, .proto = IPPROTO_GRE, .ihl = 6, .len = ETH_IP4_LEN },
	  { DENY_ALL4 }, PG_R_MALFORMED, 0 },
	{ "v4 tot_len below IHL*4 malformed though source denied", PLAIN,
	  { .family = 4, .proto = IPPROTO_TCP, .tot_len = 19 }, { DENY_ALL4 },
	  PG_R_MALFORMED, 0 },
	{ "v4 version 6 in an IPv4 frame malformed", PLAIN,
	  { .family = 4, .proto = IPPROTO_TCP, .version = 6 }, { DENY_ALL4 },
	  PG_R_MALFORMED, 0 },
	{ "v6 version 4 in an IPv6 frame malformed", PLAIN,
	  { .family = 6, .proto = IPPROTO_TCP, .version = 4 }, { DENY_ALL6 },
	  PG_R_MALFORMED, 0 },

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
	{ "IPv6 hop-by-hop+fragment/UDP",
	  { .family = 6, .proto = IPPROTO_UDP, .n_ext = 2,
	    .ext = { EXT(IPPROTO_HOPOPTS), EXT_FRAG(V6_MF) } } },
};

static int malformed_reason(const struct instance *in)
{
	return in->drop_malformed ? PG_R_MALFORMED_DROP : PG_R_MALFORMED;
}

/* What a frame cut at len, inside header h, must get. Before the end of
 * the L3 header the addresses are not known, so it is malformed whatever
 * the lists say; after it, the source rules decide and only an unlisted
 * source makes it malformed. */
static int truncated_reason(const struct instance *in, const struct pkt_hdr *h,
			    size_t len, int denied)
{
	if (len < ETH_HLEN)
		return REJECTED;
	if (h->layer != PKT_L4 || !denied)
		return malformed_reason(in);
	return PG_R_DENY;
}

static void run_sweep(const struct instance *in, const struct sweep *sw, int denied)
{
	struct rule_spec rule = DENY(sw->pkt.family == 6 ? PKT_SRC6 "/128" :
				     PKT_SRC4 "/32", SWEEP_RULE_ID);
	const char *lists = denied ? "source denied" : "no rules";
	struct pkt full, cut;
	char name[256], what[32];
	int i, reason;

	if (pkt_build(&full, &sw->pkt)) {
		struct log l = {};

		snprintf(name, sizeof(name), "truncate %s [%s]", sw->name, in->name);
		fail(&l, "setup: packet spec cannot be built");
		report(name, &l);
		return;
	}
	for (i = 0; i < full.nhdr; i++) {
		const struct pkt_hdr *h = &full.hdr[i];
		struct log l = {};
		size_t len;

		/* By construction the outcome is the same all through a header. */
		snprintf(name, sizeof(name), "truncate %s inside %s (len %zu..%zu), %s -> %s [%s]",
			 sw->name, h->name, h->start, h->end - 1, lists,
			 reason_name(truncated_reason(in, h, h->start, denied)), in->name);
		/* denied doubles as the number of rules to install */
		if (!set_rules(in, &rule, denied, &l)) {
			for (len = h->start; len < h->end; len++) {
				cut = full;
				cut.len = len;
				reason = truncated_reason(in, h, len, denied);
				snprintf(what, sizeof(what), "len %zu: ", len);
				run_frame(in, &cut, reason,
					  reason == PG_R_DENY ? SWEEP_RULE_ID : 0, what, &l);
			}
		}
		report(name, &l);
	}

	/* The uncut frame, so the sweep is known to stop at the right end. */
	{
		struct log l = {};

		snprintf(name, sizeof(name), "truncate %s: full frame (len %zu), %s -> %s [%s]",
			 sw->name, full.full, lists,
			 reason_name(denied ? PG_R_DENY : PG_R_DEFAULT), in->name);
		if (!set_rules(in, &rule, denied, &l))
			run_frame(in, &full, denied ? PG_R_DENY : PG_R_DEFAULT,
				  denied ? SWEEP_RULE_ID : 0, "", &l);
		report(name, &l);
	}
}

/* ---- setup ---- */

/* Loads one private instance: pinning is turned off on every map, so the
 * test never touches the host's bpffs and its maps vanish with it. */
static int load_instance(struct instance *in, struct log *l)
{
	struct pktgate_xdp_bpf *skel;
	struct bpf_map *m;
	int err;

	skel = pktgate_xdp_bpf__open();
	if (!skel) {
		fail(l, "open: %s", strerror(errno));
		return -1;
	}
	in->skel = skel;
	bpf_object__for_each_map(m, skel->obj) {
		err = bpf_map__set_pin_path(m, NULL);
		if (err) {
			fail(l, "unpinning %s: %s", bpf_map__name(m), strerror(-err));
			return -1;
		}
	}
	skel->rodata->cfg_slot = in->slot;
	skel->rodata->cfg_drop_malformed = in->drop_malformed;
	err = pktgate_xdp_bpf__load(skel);
	if (err) {
		fail(l, "load: %s (run as root; -v shows the verifier log)",
		     strerror(-err));
		return -1;
	}
	bpf_object__for_each_map(m, skel->obj)
		if (bpf_map__is_pinned(m) || bpf_map__pin_path(m))
			fail(l, "map %s is pinned", bpf_map__name(m));

	in->prog_fd = bpf_program__fd(skel->progs.pktgate_xdp);
	in->stats_fd = bpf_map__fd(skel->maps.pg_stats);
	in->rule_stats_fd = bpf_map__fd(skel->maps.pg_rule_stats);
	in->list_fd[PG_LIST_ALLOW][0] = bpf_map__fd(skel->maps.pg_allow_v4);
	in->list_fd[PG_LIST_ALLOW][1] = bpf_map__fd(skel->maps.pg_allow_v6);
	in->list_fd[PG_LIST_DENY][0] = bpf_map__fd(skel->maps.pg_deny_v4);
	in->list_fd[PG_LIST_DENY][1] = bpf_map__fd(skel->maps.pg_deny_v6);
	return l->failed ? -1 : 0;
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-v]\n  -v  show libbpf messages on stderr\n", prog);
	exit(2);
}

int main(int argc, char **argv)
{
	size_t stride, i;
	int loaded = 1, k, s, denied;

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

	for (k = 0; k < INST_MAX; k++) {
		struct log l = {};
		char name[128];

		snprintf(name, sizeof(name), "load private instance, slot %u [%s]",
			 insts[k].slot, insts[k].name);
		if (load_instance(&insts[k], &l))
			loaded = 0;
		report(name, &l);
	}

	if (loaded) {
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			run_case(&cases[i]);
		for (k = 0; k < INST_MAX; k++)
			for (s = 0; s < (int)(sizeof(sweeps) / sizeof(sweeps[0])); s++)
				for (denied = 0; denied <= 1; denied++)
					run_sweep(&insts[k], &sweeps[s], denied);
	}

	for (k = 0; k < INST_MAX; k++)
		pktgate_xdp_bpf__destroy(insts[k].skel);
	free(percpu_buf);
	printf("%d passed, %d failed\n", n_pass, n_fail);
	return n_fail ? 1 : 0;
}
