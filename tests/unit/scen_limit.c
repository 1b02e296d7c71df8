// SPDX-License-Identifier: GPL-2.0
/*
 * Datapath unit scenario: rate limits and bans (xdp/limit.h). Limits are
 * written into the maps as `pktgate limit add` writes them; each frame's
 * verdict and counters are checked by run_frame, and the limits' own
 * counters and the ban table are read back.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define BAN_LIST	7	/* the list id bans count in */

static int fd_limits, fd_state, fd_stats, fd_trie[2], fd_src, fd_bans;

static int cfg_bits(__u32 set, __u32 clear)
{
	struct pg_config cfg;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(maps.config, &zero, &cfg))
		return -errno;
	cfg.tables = (cfg.tables & ~clear) | set;
	cfg.limit_seed = 0x5eed;
	return bpf_map_update_elem(maps.config, &zero, &cfg, BPF_ANY) ? -errno : 0;
}

/* Empty every limit map; the bits off. */
static int limits_reset(void)
{
	__u32 bits = PG_LIMIT_BIT(4) | PG_LIMIT_BIT(6) | PG_BANS_BIT;
	void *zero = calloc(1, sizeof(struct pg_ban_row) + sizeof(struct pg_src_row));
	void *pc = calloc(ncpus, sizeof(struct pg_limit_ctr));
	int err = cfg_bits(0, bits);

	for (__u32 i = 0; !err && i < PG_MAX_LIMITS; i++)
		if (bpf_map_update_elem(fd_limits, &i, zero, BPF_ANY) ||
		    bpf_map_update_elem(fd_state, &i, zero, BPF_ANY) ||
		    bpf_map_update_elem(fd_stats, &i, pc, BPF_ANY))
			err = -errno;
	for (__u32 i = 0; !err && i < PG_SRC_ROWS; i++)
		if (bpf_map_update_elem(fd_src, &i, zero, BPF_ANY))
			err = -errno;
	for (__u32 i = 0; !err && i < PG_BAN_ROWS; i++)
		if (bpf_map_update_elem(fd_bans, &i, zero, BPF_ANY))
			err = -errno;
	for (int f = 0; f < 2 && !err; f++) {
		struct pg_lpm_v6 k, next;

		while (!bpf_map_get_next_key(fd_trie[f], NULL, &next)) {
			k = next;
			if (bpf_map_delete_elem(fd_trie[f], &k))
				break;
		}
	}
	free(zero);
	free(pc);
	snap_valid = 0;
	return err;
}

/* Limit id over prefix cidr (the trie entry's set: ids). */
static int limit_set(__u32 id, const struct pg_limit *l, const char *cidr, const __u8 *ids)
{
	struct pg_lpm_v6 k = {};
	struct pg_limit_set set = {};
	char buf[64], *slash;
	int f6;

	snprintf(buf, sizeof(buf), "%s", cidr);
	slash = strchr(buf, '/');
	*slash = '\0';
	f6 = strchr(buf, ':') != NULL;
	k.prefixlen = atoi(slash + 1);
	inet_pton(f6 ? AF_INET6 : AF_INET, buf, k.addr);
	memcpy(set.id, ids, PG_LIMITS_PER_ADDR);
	if (bpf_map_update_elem(fd_limits, &id, l, BPF_ANY) ||
	    bpf_map_update_elem(fd_trie[f6], &k, &set, BPF_ANY))
		return -errno;
	return cfg_bits(PG_LIMIT_BIT(f6 ? 6 : 4) | (l->ban_ns ? PG_BANS_BIT : 0), 0);
}

static struct pg_limit pps_limit(__u32 pps, __u32 burst, int per_source)
{
	struct pg_limit l = { .in_use = 1, .pps = pps, .burst = burst };

	l.pkt_ns = (NSEC_PER_SEC + pps - 1) / pps;
	l.pkt_tol_ns = (burst - 1) * l.pkt_ns;
	l.flags = per_source ? PG_LIM_PER_SOURCE : 0;
	return l;
}

static struct pg_limit_ctr limit_ctr(__u32 id)
{
	struct pg_limit_ctr *pc = calloc(ncpus, sizeof(*pc)), sum = {};

	if (pc && !bpf_map_lookup_elem(fd_stats, &id, pc))
		for (int c = 0; c < ncpus; c++) {
			sum.passed += pc[c].passed;
			sum.dropped += pc[c].dropped;
			sum.bans += pc[c].bans;
			sum.ban_full += pc[c].ban_full;
		}
	free(pc);
	return sum;
}

static void frame(const struct instance *in, enum prog_id pid, const struct pkt_spec *s,
		  int reason, int list, const char *what, struct log *l)
{
	struct pkt p;

	if (build_for(&p, s, pid)) {
		fail(l, "%s: the frame cannot be built; ", what);
		return;
	}
	run_frame(in, pid, &p, reason, 0, list, what, l);
}

static void check_ctr(__u32 id, __u64 passed, __u64 dropped, __u64 bans, struct log *l)
{
	struct pg_limit_ctr c = limit_ctr(id);

	if (c.passed != passed || c.dropped != dropped || c.bans != bans)
		fail(l, "limit %u counters: expected passed %llu dropped %llu bans %llu, saw %llu "
		     "%llu %llu; ", id, (unsigned long long)passed, (unsigned long long)dropped,
		     (unsigned long long)bans, (unsigned long long)c.passed,
		     (unsigned long long)c.dropped, (unsigned long long)c.bans);
}

static const __u8 ID1[PG_LIMITS_PER_ADDR] = { 1 }, ID2[PG_LIMITS_PER_ADDR] = { 2 };

/* A per-source limit lets exactly its burst through at once, drops the
 * rest (reason limit), bans at the threshold (the next frame: reason ban,
 * in the ban list), and a ban ends at its deadline with no one acting. */
/* The /0 shortcut: the ids in pg_config, the trie emptied (so a lookup
 * there would find nothing). */
static int limit_all(int family, const __u8 *ids)
{
	struct pg_config cfg;
	struct pg_lpm_v6 k = { .prefixlen = 0 };
	__u32 zero = 0;

	if (bpf_map_lookup_elem(maps.config, &zero, &cfg))
		return -errno;
	memcpy(cfg.limit_all[family == 6], ids, PG_LIMITS_PER_ADDR);
	cfg.tables |= PG_LIMIT_ALL_BIT(family);
	if (bpf_map_update_elem(maps.config, &zero, &cfg, BPF_ANY))
		return -errno;
	bpf_map_delete_elem(fd_trie[family == 6], &k);
	return 0;
}

static void run_per_source(const struct instance *in, enum prog_id pid, int family, int via_all)
{
	struct pg_limit lim = pps_limit(10, 5, 1);
	struct pkt_spec s = { .family = family, .proto = IPPROTO_UDP };
	struct pkt_spec other = s;
	struct log l = {};
	char name[256], what[64];

	other.src = family == 4 ? "203.0.113.9" : "2001:db8:300::9";
	lim.ban_ns = NSEC_PER_SEC;
	lim.ban_window_ns = 10 * NSEC_PER_SEC;
	lim.ban_drops = 10;
	lim.ban_list = BAN_LIST;
	snprintf(name, sizeof(name),
		 "[%s] v%d per-source limit 10/s burst 5%s: 5 pass, 10 dropped, banned on the 10th drop, the 16th frame is a ban drop, other sources unaffected, released at the deadline [%s]",
		 progs[pid].name, family, via_all ? " (on every source: no trie lookup)" : "",
		 in->name);
	if (limits_reset() || set_rules(NULL, 0, &l) ||
	    limit_set(1, &lim, family == 4 ? "0.0.0.0/0" : "::/0", ID1) ||
	    (via_all && limit_all(family, ID1))) {
		fail(&l, "setup failed: %s", strerror(errno));
		report(name, &l);
		return;
	}
	for (int i = 0; i < 5; i++) {
		snprintf(what, sizeof(what), "frame %d: ", i + 1);
		frame(in, pid, &s, PG_R_DEFAULT, -1, what, &l);
	}
	for (int i = 5; i < 15; i++) {
		snprintf(what, sizeof(what), "frame %d: ", i + 1);
		frame(in, pid, &s, PG_R_LIMIT, -1, what, &l);
	}
	check_ctr(1, 5, 10, 1, &l);
	frame(in, pid, &s, PG_R_BAN, BAN_LIST, "frame 16: ", &l);
	frame(in, pid, &other, PG_R_DEFAULT, -1, "another source: ", &l);
	check_ctr(1, 6, 10, 1, &l);
	/* The ban is 1 s; the bucket refills 10 a second meanwhile. */
	usleep(1100 * 1000);
	snap_valid = 0;
	frame(in, pid, &s, PG_R_DEFAULT, -1, "after the ban's deadline: ", &l);
	report(name, &l);
}

/* Allow entries are limited too; deny entries drop without being charged;
 * protected peers pass uncharged. */
static void run_precedence(const struct instance *in)
{
	struct pg_limit lim = pps_limit(1, 1, 1);
	struct pkt_spec s = { .family = 4, .proto = IPPROTO_UDP };
	struct rule_spec allow = ALLOW(PKT_SRC4 "/32", 31);
	struct rule_spec deny = DENY(PKT_SRC4 "/32", 32);
	struct rule_spec prot = PROTECT(PKT_SRC4 "/32");
	struct log l = {};
	char name[256];
	struct pkt p;

	snprintf(name, sizeof(name),
		 "[xdp] v4 limit 1/s burst 1: an allowed source is limited, a denied one is dropped uncharged, a protected one passes uncharged [%s]",
		 in->name);
	if (limits_reset() || set_rules(&allow, 1, &l) || limit_set(1, &lim, "0.0.0.0/0", ID1)) {
		fail(&l, "setup failed");
		report(name, &l);
		return;
	}
	if (build_for(&p, &s, P_XDP)) {
		fail(&l, "frame");
		report(name, &l);
		return;
	}
	run_frame(in, P_XDP, &p, PG_R_ALLOW, 31, 0, "allowed, first: ", &l);
	run_frame(in, P_XDP, &p, PG_R_LIMIT, 0, -1, "allowed, second: ", &l);
	check_ctr(1, 1, 1, 0, &l);
	if (!set_rules(&deny, 1, &l) && !cfg_bits(PG_LIMIT_BIT(4), 0)) {
		run_frame(in, P_XDP, &p, PG_R_DENY, 32, 0, "denied: ", &l);
		check_ctr(1, 1, 1, 0, &l);
	}
	if (!set_rules(&prot, 1, &l) && !cfg_bits(PG_LIMIT_BIT(4), 0)) {
		run_frame(in, P_XDP, &p, PG_R_PROTECT, 0, -1, "protected: ", &l);
		check_ctr(1, 1, 1, 0, &l);
	}
	set_rules(NULL, 0, &l);
	report(name, &l);
}

/* An aggregate limit is one bucket for all its sources; a port-scoped or
 * SYN limit leaves other packets alone; two limits covering one source
 * both apply. */
static void run_aggregate(const struct instance *in)
{
	struct pg_limit agg = pps_limit(1, 3, 0), syn = pps_limit(1, 1, 0);
	struct pkt_spec a = { .family = 4, .proto = IPPROTO_UDP, .src = "198.51.100.1" };
	struct pkt_spec b = a, t = { .family = 4, .proto = IPPROTO_TCP, .dport = 22 };
	const __u8 ids12[PG_LIMITS_PER_ADDR] = { 1, 2 };
	struct log l = {};
	char name[256];

	b.src = "198.51.100.2";
	agg.proto[0] = IPPROTO_UDP;
	syn.flags |= PG_LIM_SYN;
	syn.proto[0] = IPPROTO_TCP;
	snprintf(name, sizeof(name),
		 "[xdp] v4 aggregate udp limit burst 3 shared by two sources; a SYN limit drops the second SYN only, not ACKs nor UDP [%s]",
		 in->name);
	if (limits_reset() || set_rules(NULL, 0, &l) ||
	    limit_set(1, &agg, "198.51.100.0/24", ID1) || limit_set(2, &syn, "0.0.0.0/0", ID2)) {
		fail(&l, "setup failed");
		report(name, &l);
		return;
	}
	/* 198.51.100.0/24 holds both limits, 0/0 the SYN one alone. */
	{
		struct pg_lpm_v6 k = { .prefixlen = 24 };
		struct pg_limit_set set = {}, syn_only = { .id = { 2 } };

		memcpy(set.id, ids12, sizeof(set.id));
		inet_pton(AF_INET, "198.51.100.0", k.addr);
		bpf_map_update_elem(fd_trie[0], &k, &set, BPF_ANY);
		k.prefixlen = 0;
		memset(k.addr, 0, sizeof(k.addr));
		bpf_map_update_elem(fd_trie[0], &k, &syn_only, BPF_ANY);
	}
	frame(in, P_XDP, &a, PG_R_DEFAULT, -1, "a 1: ", &l);
	frame(in, P_XDP, &b, PG_R_DEFAULT, -1, "b 1: ", &l);
	frame(in, P_XDP, &a, PG_R_DEFAULT, -1, "a 2: ", &l);
	frame(in, P_XDP, &b, PG_R_LIMIT, -1, "b 2: ", &l);
	check_ctr(1, 3, 1, 0, &l);
	frame(in, P_XDP, &t, PG_R_DEFAULT, -1, "SYN 1: ", &l);
	frame(in, P_XDP, &t, PG_R_LIMIT, -1, "SYN 2: ", &l);
	t.tcp_flags = 0x10;	/* ACK */
	frame(in, P_XDP, &t, PG_R_DEFAULT, -1, "ACK: ", &l);
	t.tcp_flags = 0x12;	/* SYN+ACK */
	frame(in, P_XDP, &t, PG_R_DEFAULT, -1, "SYN+ACK: ", &l);
	check_ctr(2, 1, 1, 0, &l);
	check_ctr(1, 3, 1, 0, &l);
	report(name, &l);
}

/* A byte rate: a burst of 100 ms of it, at least one 1514-byte frame. */
static void run_bytes(const struct instance *in)
{
	struct pg_limit lim = { .in_use = 1, .flags = PG_LIM_PER_SOURCE, .bps = 8000 };
	struct pkt_spec s = { .family = 4, .proto = IPPROTO_UDP };
	struct log l = {};
	char name[256], what[64];
	struct pkt p;
	__u64 cost, n;

	lim.byte_q10 = 8ULL * NSEC_PER_SEC * 1024 / lim.bps;
	lim.byte_tol_ns = (1514 * lim.byte_q10) >> PG_Q10;
	if (build_for(&p, &s, P_XDP)) {
		fail(&l, "frame");
		return;
	}
	cost = (p.len * lim.byte_q10) >> PG_Q10;
	n = lim.byte_tol_ns / cost + 1;
	snprintf(name, sizeof(name),
		 "[xdp] v4 per-source 8000 bit/s: %llu frames of %zu bytes pass at once (1514 bytes of credit), the next is dropped [%s]",
		 (unsigned long long)n, p.len, in->name);
	if (limits_reset() || set_rules(NULL, 0, &l) || limit_set(1, &lim, "0.0.0.0/0", ID1)) {
		fail(&l, "setup failed");
		report(name, &l);
		return;
	}
	for (__u64 i = 0; i < n; i++) {
		snprintf(what, sizeof(what), "frame %llu: ", (unsigned long long)i + 1);
		run_frame(in, P_XDP, &p, PG_R_DEFAULT, 0, -1, what, &l);
	}
	run_frame(in, P_XDP, &p, PG_R_LIMIT, 0, -1, "the next: ", &l);
	check_ctr(1, n, 1, 0, &l);
	report(name, &l);
}

/* A flood of spoofed sources, one frame each, through a per-source limit
 * with a heavy source among them: the table stays its fixed size, every
 * spoofed source's first frame passes, and the heavy source stays limited
 * to its burst and what the clock refilled (its bucket is never pushed
 * out by light ones). */
static void run_flood(const struct instance *in)
{
	struct pg_limit lim = pps_limit(1, 5, 1);
	struct pkt_spec heavy = { .family = 4, .proto = IPPROTO_UDP, .src = "192.0.2.200" };
	struct log l = {};
	char name[256], src[32];
	__u64 passed = 0, spoofed_passed = 0, t0, t1, allowed;
	int n_spoofed = 40000;
	struct pkt hp;

	snprintf(name, sizeof(name),
		 "[xdp] v4 per-source 1/s burst 5 under %d spoofed one-frame sources: each spoofed frame passes, the heavy source gets its burst and refill only [%s]",
		 n_spoofed, in->name);
	if (limits_reset() || set_rules(NULL, 0, &l) || limit_set(1, &lim, "0.0.0.0/0", ID1) ||
	    build_for(&hp, &heavy, P_XDP)) {
		fail(&l, "setup failed");
		report(name, &l);
		return;
	}
	t0 = mono_ns();
	for (int i = 0; i < n_spoofed; i++) {
		struct pkt_spec sp = { .family = 4, .proto = IPPROTO_UDP, .src = src };
		struct pkt p;
		LIBBPF_OPTS(bpf_test_run_opts, o, .repeat = 1);

		snprintf(src, sizeof(src), "10.%d.%d.%d", (i >> 16) & 255, (i >> 8) & 255, i & 255);
		if (build_for(&p, &sp, P_XDP))
			break;
		o.data_in = p.buf;
		o.data_size_in = p.len;
		if (!bpf_prog_test_run_opts(in->prog_fd[P_XDP], &o) && o.retval == XDP_PASS)
			spoofed_passed++;
		if (i % 10 == 0) {
			o.data_in = hp.buf;
			o.data_size_in = hp.len;
			if (!bpf_prog_test_run_opts(in->prog_fd[P_XDP], &o) && o.retval == XDP_PASS)
				passed++;
		}
	}
	t1 = mono_ns();
	snap_valid = 0;
	allowed = 5 + (t1 - t0) / NSEC_PER_SEC + 1;
	if (spoofed_passed != (__u64)n_spoofed)
		fail(&l, "%llu of %d spoofed sources' first frames passed; ",
		     (unsigned long long)spoofed_passed, n_spoofed);
	if (passed < 5 || passed > allowed)
		fail(&l, "the heavy source passed %llu frames in %.2f s; its burst and refill allow "
		     "5 to %llu; ", (unsigned long long)passed, (t1 - t0) / 1e9,
		     (unsigned long long)allowed);
	report(name, &l);
}

/* A bucket shallower than a few ticks uses the precise clock: at 1000/s
 * with a burst of 1, frames 1.5 ms apart all pass (the coarse clock, a
 * tick of several ms, would see no time go by between them). */
static void run_fine(const struct instance *in)
{
	struct pg_limit lim = pps_limit(1000, 1, 1);
	struct pkt_spec s = { .family = 4, .proto = IPPROTO_UDP };
	struct log l = {};
	char name[256], what[64];

	lim.flags |= PG_LIM_FINE;
	snprintf(name, sizeof(name),
		 "[xdp] v4 per-source 1000/s burst 1 on the precise clock: frames 1.5 ms apart pass, a frame right after one is dropped [%s]",
		 in->name);
	if (limits_reset() || set_rules(NULL, 0, &l) || limit_set(1, &lim, "0.0.0.0/0", ID1)) {
		fail(&l, "setup failed");
		report(name, &l);
		return;
	}
	for (int i = 0; i < 4; i++) {
		snprintf(what, sizeof(what), "frame %d: ", i + 1);
		frame(in, P_XDP, &s, PG_R_DEFAULT, -1, what, &l);
		usleep(1500);
		snap_valid = 0;
	}
	frame(in, P_XDP, &s, PG_R_DEFAULT, -1, "frame 5: ", &l);
	frame(in, P_XDP, &s, PG_R_LIMIT, -1, "frame 6, at once: ", &l);
	check_ctr(1, 5, 1, 0, &l);
	report(name, &l);
}

void scen_limit(void)
{
	struct pktgate_xdp_bpf *s = insts[PLAIN].xdp;

	fd_limits = bpf_map__fd(s->maps.pg_limits);
	fd_state = bpf_map__fd(s->maps.pg_limit_state);
	fd_stats = bpf_map__fd(s->maps.pg_limit_stats);
	fd_trie[0] = bpf_map__fd(s->maps.pg_limit_v4);
	fd_trie[1] = bpf_map__fd(s->maps.pg_limit_v6);
	fd_src = bpf_map__fd(s->maps.pg_src_buckets);
	fd_bans = bpf_map__fd(s->maps.pg_bans);
	run_per_source(&insts[PLAIN], P_XDP, 4, 0);
	run_per_source(&insts[PLAIN], P_XDP, 6, 0);
	run_per_source(&insts[PLAIN], P_TC_IN, 4, 0);
	run_per_source(&insts[PLAIN], P_TC_EG, 6, 0);
	run_per_source(&insts[PLAIN], P_XDP, 4, 1);
	run_per_source(&insts[PLAIN], P_TC_EG, 6, 1);
	run_fine(&insts[PLAIN]);
	run_precedence(&insts[PLAIN]);
	run_aggregate(&insts[PLAIN]);
	run_bytes(&insts[PLAIN]);
	run_flood(&insts[PLAIN]);
	limits_reset();
}
