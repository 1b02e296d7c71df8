// SPDX-License-Identifier: GPL-2.0
/*
 * Part 1: datapath cost per packet under BPF_PROG_TEST_RUN.
 *
 * pktgate's XDP program is loaded twice, as attach would (with per-address
 * counters, the default, and as with --no-top), sharing one set of
 * unpinned maps as the unit tests do: nothing touches the host's bpffs.
 * The deny list's inner maps are made as pktgate makes them (ctl/tables.c)
 * and go into generation slot 0, the one pg_config.gens 0 selects.
 * Every program under test is reached through bench_vary, which puts a new
 * source address into the frame on each repetition (65536 addresses, in
 * random order) and tail-calls it. The bare XDP_DROP program is measured
 * both through bench_vary (the denominator of every ratio: same frames,
 * same overhead) and directly, and with a chain of one to three dependent
 * random reads in a 16 MiB array (chase1..3): the price of a cache line
 * on this machine, beside which the lookups' costs can be read.
 *
 * Timing is the kernel's: test_run reports the average duration of one
 * repetition in whole nanoseconds, measured with the task's preemptions
 * left out. Each round measures every target once, in an order rotated
 * per round, so slow drifts of the machine hit all targets alike.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench.h"
#include "bench.skel.h"
#include "pktgate.h"
#include "pktgate_xdp.skel.h"

enum target { T_BARE_DIRECT, T_BARE, T_DROP, T_PASS, T_DROP_NOTOP, T_PASS_NOTOP, T_PASS_LIMIT,
	      T_DROP_SAMPLE, T_CHASE1, T_CHASE2, T_CHASE3, T_MAX };

struct target_desc {
	const char *name;
	int inst;		/* pktgate instance, -1: the bare program */
	int misses;		/* sources from the miss half of the table */
	int direct;		/* run without bench_vary */
	__u32 retval;
	int reason;		/* pg_stats reason every repetition must count */
	int limit;		/* under a per-source limit every source conforms to */
	int chase;		/* bench_chase: random lines read per packet */
};

static const struct target_desc targets[T_MAX] = {
	[T_BARE_DIRECT] = { "bare_direct", -1, 0, 1, XDP_DROP, -1 },
	[T_BARE] = { "bare", -1, 0, 0, XDP_DROP, -1 },
	[T_DROP] = { "drop", 0, 0, 0, XDP_DROP, PG_R_DENY },
	[T_PASS] = { "pass", 0, 1, 0, XDP_PASS, PG_R_DEFAULT },
	[T_DROP_NOTOP] = { "drop_notop", 1, 0, 0, XDP_DROP, PG_R_DENY },
	[T_PASS_NOTOP] = { "pass_notop", 1, 1, 0, XDP_PASS, PG_R_DEFAULT },
	[T_PASS_LIMIT] = { "pass_limit", 0, 1, 0, XDP_PASS, PG_R_DEFAULT, 1 },
	[T_DROP_SAMPLE] = { "drop_sample", 2, 0, 0, XDP_DROP, PG_R_DENY },
	[T_CHASE1] = { "chase1", -1, 0, 0, XDP_DROP, -1, 0, 1 },
	[T_CHASE2] = { "chase2", -1, 0, 0, XDP_DROP, -1, 0, 2 },
	[T_CHASE3] = { "chase3", -1, 0, 0, XDP_DROP, -1, 0, 3 },
};

/* bench_chase's array: 16 MiB, about what the compiled index of a
 * million IPv4 prefixes takes. */
#define CHASE_LINES	(1u << 18)

struct dp {
	/* [0] per-address counters on, [1] off, [2] on with --top-sample */
	struct pktgate_xdp_bpf *pg[3];
	struct bench_bpf *b;
	struct bench_lists lists;
	size_t table;			/* addresses per half of bench_addrs */
	int beside;			/* --tier beside */
	unsigned repeat, rounds;
	int ncpus;
	__u8 frame[2][64];		/* [v4, v6] */
	size_t frame_len[2];
	double samples[T_MAX][64];
};

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

/* Unpinned maps; the second instance is handed the first one's. */
static int share_maps(struct bpf_object *obj, struct bpf_object *owner)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, obj) {
		if (bpf_map__set_pin_path(m, NULL))
			return bench_err("cannot unpin %s", bpf_map__name(m));
		if (!owner || bpf_map__is_internal(m))
			continue;
		struct bpf_map *om = bpf_object__find_map_by_name(owner, bpf_map__name(m));

		if (!om || bpf_map__reuse_fd(m, bpf_map__fd(om)))
			return bench_err("cannot share map %s", bpf_map__name(m));
	}
	return 0;
}

/* drop_sample: attach --top-sample with this N. */
#define BENCH_TOP_SAMPLE 16

static int load_pktgate(struct dp *d, int inst)
{
	struct pktgate_xdp_bpf *s = pktgate_xdp_bpf__open();

	if (!s)
		return bench_err("cannot open pktgate's XDP object: %s", strerror(errno));
	d->pg[inst] = s;
	if (share_maps(s->obj, inst ? d->pg[0]->obj : NULL))
		return -1;
	s->rodata->cfg_slot = inst;
	s->rodata->cfg_top = inst != 1;
	if (inst == 2) {
		s->rodata->cfg_top_every = BENCH_TOP_SAMPLE;
		s->rodata->cfg_top_below = (__u32)((1ULL << 32) / BENCH_TOP_SAMPLE);
	}
	if (pktgate_xdp_bpf__load(s))
		return bench_err("cannot load pktgate's XDP program (root needed): %s",
				 strerror(errno));
	return 0;
}

/* Drop events and top-talker admission as the CLI configures them by
 * default, so the datapath pays for its token buckets as in production. */
static int set_event_rate(struct dp *d)
{
	int fd = bpf_map__fd(d->pg[0]->maps.pg_config);
	struct pg_config cfg;
	__u32 key = 0, rate = PG_EVENT_RATE_DEFAULT, top = PG_TOP_RATE_DEFAULT;

	if (bpf_map_lookup_elem(fd, &key, &cfg))
		return bench_err("reading pg_config: %s", strerror(errno));
	cfg.flags |= PG_CFG_INITIALIZED;
	cfg.ev_rate = rate;
	cfg.ev_cost_ns = NSEC_PER_SEC * d->ncpus / rate;
	cfg.ev_burst_ns = cfg.ev_cost_ns * ((__u64)rate * PG_EVENT_BURST_SEC / d->ncpus);
	cfg.top_rate = top;
	cfg.top_cost_ns = NSEC_PER_SEC * d->ncpus / top;
	cfg.top_burst_ns = cfg.top_cost_ns * ((__u64)top * PG_EVENT_BURST_SEC / d->ncpus);
	if (bpf_map_update_elem(fd, &key, &cfg, BPF_ANY))
		return bench_err("writing pg_config: %s", strerror(errno));
	return 0;
}

/* Random first words, so that each read's line depends on the last. */
static int fill_chase(struct dp *d)
{
	int fd = bpf_map__fd(d->b->maps.bench_mem);
	uint64_t seed = 0x5eed;
	__u64 line[8] = {};

	for (__u32 k = 0; k < CHASE_LINES; k++) {
		line[0] = rng_next(&seed);
		if (bpf_map_update_elem(fd, &k, line, BPF_ANY))
			return bench_err("filling bench_mem: %s", strerror(errno));
	}
	d->b->bss->chase_mask = CHASE_LINES - 1;
	return 0;
}

static int load_bench(struct dp *d)
{
	struct bench_bpf *b = bench_bpf__open();

	if (!b)
		return bench_err("cannot open the bench object: %s", strerror(errno));
	d->b = b;
	bpf_map__set_max_entries(b->maps.bench_addrs, 2 * d->table);
	bpf_map__set_max_entries(b->maps.bench_mem, CHASE_LINES);
	if (bench_bpf__load(b))
		return bench_err("cannot load the bench programs: %s", strerror(errno));
	return fill_chase(d);
}

static void build_frames(struct dp *d)
{
	static const __u8 mac_a[6] = { 2, 0, 0, 0, 0, 1 }, mac_b[6] = { 2, 0, 0, 0, 0, 2 };
	__u8 s4[16] = { 198, 51, 100, 7 }, d4[16] = { 192, 0, 2, 1 };
	__u8 s6[16] = { 0x20, 0x01, 0x0d, 0xb8, 1, [15] = 7 };
	__u8 d6[16] = { 0x20, 0x01, 0x0d, 0xb8, 2, [15] = 1 };

	d->frame_len[0] = frame_build(d->frame[0], 4, mac_a, mac_b, s4, d4);
	d->frame_len[1] = frame_build(d->frame[1], 6, mac_a, mac_b, s6, d6);
}

/* Hits in the first half of bench_addrs, misses (of also too) in the
 * second. */
static int load_addrs(struct dp *d, struct prefix_set *s, const struct prefix_set *also)
{
	size_t n = 2 * d->table;
	__u8 (*a)[16] = malloc(n * 16);
	__u32 *keys = malloc(n * sizeof(*keys)), count = n;
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	int err = 0;

	if (!a || !keys) {
		err = bench_err("out of memory");
		goto out;
	}
	prefixes_hits(s, a, d->table);
	prefixes_misses_of(s, also, a + d->table, d->table);
	for (size_t i = 0; i < n; i++)
		keys[i] = i;
	if (bpf_map_update_batch(bpf_map__fd(d->b->maps.bench_addrs), keys, a, &count, &opts))
		err = bench_err("loading source addresses: %s", strerror(errno));
out:
	free(a);
	free(keys);
	return err;
}

static __u64 reason_count(struct dp *d, int inst, int reason)
{
	size_t stride = (sizeof(struct pg_stats) + 7) & ~(size_t)7;
	__u32 key = PG_STATS_KEY(inst, PG_HOOK_XDP);
	__u8 buf[stride * d->ncpus];
	__u64 sum = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(d->pg[0]->maps.pg_stats), &key, buf))
		return 0;
	for (int c = 0; c < d->ncpus; c++)
		sum += ((struct pg_stats *)(buf + c * stride))->reason[reason].packets;
	return sum;
}

static int target_fd(struct dp *d, enum target t)
{
	const struct target_desc *td = &targets[t];

	if (td->chase)
		return bpf_program__fd(d->b->progs.bench_chase);
	if (td->inst < 0)
		return bpf_program__fd(d->b->progs.bench_drop);
	return bpf_program__fd(d->pg[td->inst]->progs.pktgate_xdp);
}

/* A per-source limit over 0.0.0.0/0 and ::/0, as `limit add` writes it,
 * that no source exceeds: what a limit costs a packet that passes. Its
 * trie bits are on only while pass_limit runs. */
static int limit_setup(struct dp *d)
{
	struct pktgate_xdp_bpf *s = d->pg[0];
	/* A million a second each, a million deep: the coarse clock. */
	struct pg_limit l = { .in_use = 1, .flags = PG_LIM_PER_SOURCE, .pps = 1000000,
			      .burst = 1000000, .pkt_ns = 1000 };
	struct pg_limit_set set = { .id = { 1 } };
	struct pg_lpm_v6 k = { .prefixlen = 0 };
	__u32 id = 1;

	l.pkt_tol_ns = (__u64)(l.burst - 1) * l.pkt_ns;
	if (bpf_map_update_elem(bpf_map__fd(s->maps.pg_limits), &id, &l, BPF_ANY) ||
	    bpf_map_update_elem(bpf_map__fd(s->maps.pg_limit_v4), &k, &set, BPF_ANY) ||
	    bpf_map_update_elem(bpf_map__fd(s->maps.pg_limit_v6), &k, &set, BPF_ANY))
		return bench_err("writing the limit: %s", strerror(errno));
	return 0;
}

static int limit_bits(struct dp *d, int on)
{
	int fd = bpf_map__fd(d->pg[0]->maps.pg_config);
	__u32 key = 0, bits = PG_LIMIT_BIT(4) | PG_LIMIT_BIT(6) | PG_LIMIT_ALL_BIT(4) |
			      PG_LIMIT_ALL_BIT(6);
	struct pg_config cfg;

	if (bpf_map_lookup_elem(fd, &key, &cfg))
		return bench_err("reading pg_config: %s", strerror(errno));
	/* As `limit add 0.0.0.0/0 ::/0` leaves it: the ids in pg_config. */
	cfg.limit_all[0][0] = cfg.limit_all[1][0] = 1;
	cfg.tables = on ? cfg.tables | bits : cfg.tables & ~bits;
	if (bpf_map_update_elem(fd, &key, &cfg, BPF_ANY))
		return bench_err("writing pg_config: %s", strerror(errno));
	return 0;
}

/* One test_run of a target; checks that every repetition took the path
 * it is meant to measure (pktgate's counters must grow by repeat). */
static int run_target(struct dp *d, enum target t, int family, unsigned repeat, double *ns)
{
	const struct target_desc *td = &targets[t];
	int fi = family == 6, fd = target_fd(d, t);
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = d->frame[fi],
		    .data_size_in = d->frame_len[fi], .repeat = repeat);
	__u32 zero = 0;
	__u64 before = td->reason >= 0 ? reason_count(d, td->inst, td->reason) : 0;

	d->b->bss->family = family;
	d->b->bss->chase_steps = td->chase;
	d->b->bss->addr_base = td->misses ? d->table : 0;
	d->b->bss->addr_mask = d->table - 1;
	if (!td->direct) {
		if (bpf_map_update_elem(bpf_map__fd(d->b->maps.bench_target), &zero, &fd, BPF_ANY))
			return bench_err("tail call slot: %s", strerror(errno));
		fd = bpf_program__fd(d->b->progs.bench_vary);
	}
	if (td->limit && limit_bits(d, 1))
		return -1;
	if (bpf_prog_test_run_opts(fd, &opts)) {
		if (td->limit)
			limit_bits(d, 0);
		return bench_err("test_run %s: %s", td->name, strerror(errno));
	}
	if (td->limit && limit_bits(d, 0))
		return -1;
	if (opts.retval != td->retval)
		return bench_err("%s: program returned %u, expected %u", td->name, opts.retval,
				 td->retval);
	if (td->reason >= 0 && reason_count(d, td->inst, td->reason) - before != repeat)
		return bench_err("%s: not every repetition took the %s path", td->name, td->name);
	*ns = opts.duration;
	return 0;
}

/* memlock of the empty tables too: a hash accounts its buckets up front,
 * so only the difference is the cost of the entries. */
static void emit_cell(struct dp *d, const struct prefix_set *s, long long empty, FILE *f,
		      int first)
{
	fprintf(f, "%s\n    {\"family\": %d, \"layout\": \"%s\", \"entries\": %zu, \"memlock\": %lld,"
		" \"memlock_empty\": %lld, \"plen_histogram\": ", first ? "" : ",", s->family,
		layout_name(s->layout), s->n, lists_memlock(&d->lists, s->family), empty);
	prefixes_histogram_json(s, f);
	for (int t = 0; t < T_MAX; t++) {
		fputs(", ", f);
		json_samples(f, targets[t].name, d->samples[t], d->rounds);
	}
	fputc('}', f);
}

/* --tier beside: what a small list loaded beside the compiled set adds to
 * every lookup (another seed's prefixes, which the traffic misses). */
#define BESIDE_ENTRIES 1000

/* One family x layout x size: fill, warm up, measure, empty. */
static int run_cell(struct dp *d, int family, enum layout l, size_t n, FILE *f, int first)
{
	struct prefix_set s, small = {};
	long long empty = lists_memlock(&d->lists, family);
	double ns;
	int err;

	if (prefixes_make(&s, family, l, n, 1))
		return bench_err("cannot make %zu prefixes", n);
	if (d->beside && prefixes_make(&small, family, LAYOUT_MIX, BESIDE_ENTRIES, 2)) {
		prefixes_free(&s);
		return bench_err("cannot make %d prefixes", BESIDE_ENTRIES);
	}
	err = lists_fill(&d->lists, &s, NULL) || load_addrs(d, &s, d->beside ? &small : NULL) ||
	      (d->beside && lists_dynamic(&d->lists, &small, 1));
	for (int t = 0; t < T_MAX && !err; t++)	/* warm-up: caches, LRU, checks */
		err = run_target(d, t, family, d->repeat / 10 + 1, &ns);
	for (unsigned r = 0; r < d->rounds && !err; r++)
		for (int i = 0; i < T_MAX && !err; i++) {
			int t = (i + r) % T_MAX;

			err = run_target(d, t, family, d->repeat, &d->samples[t][r]);
		}
	if (!err) {
		emit_cell(d, &s, empty, f, first);
		fprintf(stderr, "  datapath v%d %s %zu: drop %.0f ns, pass %.0f ns, bare %.0f ns\n",
			family, layout_name(l), n, d->samples[T_DROP][0], d->samples[T_PASS][0],
			d->samples[T_BARE][0]);
	}
	if (!err && lists_clear(&d->lists, &s, NULL))
		err = -1;
	if (!err && d->beside && lists_dynamic(&d->lists, &small, 0))
		err = -1;
	prefixes_free(&s);
	if (d->beside)
		prefixes_free(&small);
	return err ? -1 : 0;
}

static int run_all(struct dp *d, const struct opts *o, FILE *f)
{
	static const int families[] = { 4, 6 };
	static const enum layout layouts[] = { LAYOUT_SEQ, LAYOUT_MIX };
	int first = 1;

	fprintf(f, "{\"repeat\": %u, \"rounds\": %u, \"addresses\": %zu, \"tier\": \"%s\", "
		"\"frame_len\": {\"4\": %zu, \"6\": %zu}, \"cells\": [", d->repeat, d->rounds,
		d->table, d->lists.dynamic ? "dynamic" : d->beside ? "beside" : "compiled",
		d->frame_len[0],
		d->frame_len[1]);
	for (int fi = 0; fi < 2; fi++)
		for (int li = 0; li < 2; li++)
			for (int si = 0; si < o->n_sizes; si++) {
				if (run_cell(d, families[fi], layouts[li], o->sizes[si], f, first))
					return -1;
				first = 0;
			}
	fputs("\n]}\n", f);
	return ferror(f) ? -1 : 0;
}

static void dp_free(struct dp *d)
{
	lists_close(&d->lists);
	bench_bpf__destroy(d->b);
	pktgate_xdp_bpf__destroy(d->pg[2]);
	pktgate_xdp_bpf__destroy(d->pg[1]);
	pktgate_xdp_bpf__destroy(d->pg[0]);
}

int cmd_datapath(const struct opts *o)
{
	struct dp d = { .repeat = o->repeat, .rounds = o->rounds, .table = o->table,
			.beside = o->beside };
	FILE *f = o->out ? fopen(o->out, "w") : stdout;
	int err;

	if (!f)
		return bench_err("cannot write %s: %s", o->out, strerror(errno));
	if (d.rounds > 64 || d.table & (d.table - 1))
		return bench_err("at most 64 rounds; the address table must be a power of two");
	lists_init(&d.lists);
	d.lists.dynamic = o->dynamic;
	libbpf_set_print(libbpf_quiet);
	d.ncpus = libbpf_num_possible_cpus();
	build_frames(&d);
	err = load_pktgate(&d, 0) || load_pktgate(&d, 1) || load_pktgate(&d, 2) || set_event_rate(&d) ||
	      load_bench(&d) || lists_from_obj(&d.lists, d.pg[0]->obj) || limit_setup(&d) ||
	      run_all(&d, o, f);
	dp_free(&d);
	if (f != stdout && fclose(f))
		err = bench_err("writing %s: %s", o->out, strerror(errno));
	return err ? 1 : 0;
}
