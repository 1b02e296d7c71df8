// SPDX-License-Identifier: GPL-2.0
/* Datapath unit scenario: the top-talker sketch, its admission and a flood
 * of spoofed sources. */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

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

/* repeat runs of one frame: each run is a packet to the sketch. */
static int send_udp4_rep(int prog_fd, const char *src, __u32 repeat, __u32 *len)
{
	struct pkt_spec spec = { .family = 4, .proto = IPPROTO_UDP, .src = src };
	struct pkt pk;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .repeat = repeat);

	if (pkt_build(&pk, &spec))
		return -EINVAL;
	opts.data_in = pk.buf;
	opts.data_size_in = pk.len;
	if (len)
		*len = pk.len;
	return bpf_prog_test_run_opts(prog_fd, &opts) ? -errno : 0;
}

static int send_udp4(int prog_fd, const char *src, __u32 *len)
{
	return send_udp4_rep(prog_fd, src, 1, len);
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

/* A flood on one CPU, so that one row sees all of it (test_run runs where
 * we are): the sketch emptied, admission never refused (top-rate 0). 1 if
 * set up; then top_flood_end() puts the CPUs and pg_config back. */
static int top_flood_begin(int cfg_fd, int top_fd, struct pg_config *saved, cpu_set_t *old,
			   struct log *l)
{
	int cpu = sched_getcpu();
	struct pg_config cfg;
	cpu_set_t cpus;
	__u32 zero = 0;

	if (cpu < 0 || bpf_map_lookup_elem(cfg_fd, &zero, &cfg) || top_clear(top_fd)) {
		fail(l, "setup: %s", strerror(errno));
		return 0;
	}
	CPU_ZERO(&cpus);
	CPU_SET(cpu, &cpus);
	if (sched_getaffinity(0, sizeof(*old), old) || sched_setaffinity(0, sizeof(cpus), &cpus)) {
		fail(l, "setup: affinity: %s", strerror(errno));
		return 0;
	}
	*saved = cfg;
	cfg.top_cost_ns = 0;
	if (bpf_map_update_elem(cfg_fd, &zero, &cfg, BPF_ANY)) {
		fail(l, "setup: pg_config: %s", strerror(errno));
		sched_setaffinity(0, sizeof(*old), old);
		return 0;
	}
	return 1;
}

static void top_flood_end(int cfg_fd, const struct pg_config *saved, const cpu_set_t *old)
{
	__u32 zero = 0;

	bpf_map_update_elem(cfg_fd, &zero, saved, BPF_ANY);
	sched_setaffinity(0, sizeof(*old), old);
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
	__u32 row, len = 0, next = 0, spread = 0;
	struct pg_config saved;
	static __u32 aimed[FLOOD_HEAVY * FLOOD_AIMED + FLOOD_BURST];
	size_t naimed = 0, used = 0;
	struct pg_top_val v;
	cpu_set_t old;
	struct log l = {};
	char a[INET_ADDRSTRLEN];
	int pinned = 0;

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
	pinned = top_flood_begin(cfg_fd, top_fd, &saved, &old, &l);
	if (!pinned)
		goto out;

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
out:
	if (pinned)
		top_flood_end(cfg_fd, &saved, &old);
	report("[xdp] top sketch: a heavy source keeps exact counts under a flood of "
	       "spoofed sources; no map insert; last seen follows the clock", &l);
}

/* ---- attach --top-sample ---- */

#define SAMPLE_N	16	/* insts[TOPSAMPLE].top_sample */
#define SAMPLE_ROUNDS	256	/* rounds of SAMPLE_N heavy packets, then SAMPLE_SPOOF others */
#define SAMPLE_SPOOF	32

/* With --top-sample N, one packet in N (at random) feeds the sketch and
 * counts N times: a heavy source's estimate is near its packets and a
 * multiple of N, bytes follow, one-packet sources count at most one
 * sample, and the heavy source stays the heaviest. */
static void run_top_sample(struct instance *in)
{
	struct pktgate_xdp_bpf *s = in->xdp;
	int cfg_fd = bpf_map__fd(s->maps.pg_config), top_fd = bpf_map__fd(s->maps.pg_top);
	size_t stride = percpu_stride(sizeof(struct pg_top_row));
	const char *heavy = "198.51.100.78";
	const __u64 sent = (__u64)SAMPLE_ROUNDS * SAMPLE_N;
	struct pg_top_key hk = { .family = 4 };
	struct pg_config saved;
	__u64 other_max = 0, heavy_ways = 0;
	struct pg_top_val v = {};
	__u32 len = 0, next = 1;
	cpu_set_t old;
	struct log l = {};
	int pinned = 0;

	inet_pton(AF_INET, heavy, hk.addr);
	pinned = top_flood_begin(cfg_fd, top_fd, &saved, &old, &l);
	if (!pinned)
		goto out;
	for (int r = 0; r < SAMPLE_ROUNDS && !l.failed; r++) {
		if (send_udp4_rep(in->prog_fd[P_XDP], heavy, SAMPLE_N, &len))
			fail(&l, "test_run: %s", strerror(errno));
		for (int i = 0; i < SAMPLE_SPOOF && !l.failed; i++, next++) {
			char a[INET_ADDRSTRLEN];
			__u32 be = htonl(10u << 24 | next);

			inet_ntop(AF_INET, &be, a, sizeof(a));
			if (send_udp4(in->prog_fd[P_XDP], a, NULL))
				fail(&l, "test_run: %s", strerror(errno));
		}
	}
	if (l.failed)
		goto out;
	/* Samples of the heavy source: binomial, 256 expected, sd 15.5. */
	if (top_find(top_fd, in->xdp->rodata->cfg_top_seed, &hk, &v, NULL))
		fail(&l, "heavy source: not in the sketch after %llu packets",
		     (unsigned long long)sent);
	else if (v.packets % SAMPLE_N || v.packets < sent / 2 || v.packets > sent * 3 / 2)
		fail(&l, "heavy source: %llu packets counted of %llu sent, expected a multiple "
		     "of %d within half of it", (unsigned long long)v.packets,
		     (unsigned long long)sent, SAMPLE_N);
	else if (v.bytes != v.packets * len || v.drops)
		fail(&l, "heavy source: %llu bytes, %llu drops for %llu packets of %u bytes",
		     (unsigned long long)v.bytes, (unsigned long long)v.drops,
		     (unsigned long long)v.packets, len);
	for (__u32 row = 0; row < PG_TOP_ROWS && !l.failed; row++) {
		if (bpf_map_lookup_elem(top_fd, &row, top_rows)) {
			fail(&l, "reading pg_top: %s", strerror(errno));
			break;
		}
		for (int c = 0; c < ncpus; c++)
			for (int i = 0; i < PG_TOP_WAYS; i++) {
				const struct pg_top_way *w =
					&((const struct pg_top_row *)((char *)top_rows +
								      c * stride))->way[i];

				if (!w->key.family)
					continue;
				if (!memcmp(&w->key, &hk, sizeof(hk)))
					heavy_ways++;
				else if (w->val.packets > other_max)
					other_max = w->val.packets;
			}
	}
	if (!l.failed && heavy_ways != 1)
		fail(&l, "heavy source holds %llu ways, expected 1", (unsigned long long)heavy_ways);
	if (!l.failed && other_max > SAMPLE_N)
		fail(&l, "a one-packet source counted %llu, expected at most one sample (%d)",
		     (unsigned long long)other_max, SAMPLE_N);
out:
	if (pinned)
		top_flood_end(cfg_fd, &saved, &old);
	top_clear(top_fd);
	report("[xdp] top sketch with --top-sample 16: one packet in 16 counts 16 times; "
	       "the heavy source stays named, one-packet sources count one sample at most",
	       &l);
}

void scen_top(void)
{
	top_rows = calloc(ncpus, percpu_stride(sizeof(struct pg_top_row)));
	top_heads = calloc(ncpus, percpu_stride(sizeof(struct pg_top_head)));
	if (!top_rows || !top_heads) {
		struct log l = {};

		fail(&l, "setup: out of memory");
		report("[xdp] top sketch", &l);
	} else {
		run_top_admission(&insts[PLAIN]);
		run_top_flood(&insts[PLAIN]);
		run_top_sample(&insts[TOPSAMPLE]);
	}
	free(top_rows);
	free(top_heads);
}
