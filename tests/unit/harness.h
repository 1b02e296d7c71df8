// SPDX-License-Identifier: GPL-2.0
/*
 * The datapath unit tests' harness (test_datapath.c), as the scenarios see
 * it: the loaded program instances, the shared maps, and the helpers that
 * set rules, run a frame and check verdict and counters, and report.
 *
 * A scenario is a test that is not one frame against a rule list (the
 * generations, the randomised cross-check, the compiled tier at scale, the
 * top sketch): a scen_<name>.c defining void scen_<name>(void), listed in
 * SCENARIOS. They run after the case tables and sweeps, in that order.
 */
#ifndef PG_TEST_HARNESS_H
#define PG_TEST_HARNESS_H

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cases.h"
#include "pktgate_tc.skel.h"
#include "pktgate_xdp.skel.h"

#define NSEC_PER_SEC	1000000000ULL
#define STATS_KEYS	(PG_MAX_IFACES * PG_HOOK_MAX)
/* Every rule_id used below is smaller, so scanning this many slots sees
 * any stray rule counter update. Slot 0 included: it must never count. */
#define RULE_SCAN	64

enum prog_id { P_XDP, P_TC_IN, P_TC_EG, PROG_MAX };

/* What tells the programs apart, as far as the tests are concerned. The
 * return codes are written out per hook rather than derived, so a program
 * answering in the other hook's convention is caught (XDP_PASS == 2 ==
 * TC_ACT_SHOT). */
struct prog_kind {
	const char *name;	/* prefix of every case name */
	enum pg_hook hook;	/* the counter key it must use */
	int mirror;		/* entries name the destination */
	__u32 pass, drop, tx;	/* tx: a reply sent back out (XDP only) */
	const char *pass_name, *drop_name, *tx_name;
};

/* One interface's programs: an XDP object and a TC object (both TC
 * programs), loaded with the same slot and options. */
struct instance {
	const char *name;
	__u32 slot;
	__u8 drop_malformed;
	__u8 policy_drop;	/* default policy drop */
	__u8 stateless;		/* ... without conntrack lookups (cfg_ct 0) */
	__u64 lists;		/* cfg_lists (attach --lists): list ids that apply; 0: all */
	__u16 syn_port;		/* attach --syncookie PORT (XDP); 0: none */
	__u16 top_sample;	/* attach --top-sample N; 0: every packet */
	struct pktgate_xdp_bpf *xdp;
	struct pktgate_tc_bpf *tc;
	int prog_fd[PROG_MAX];
};

/* The one set of maps every instance uses (the first XDP object's). */
struct dp_maps {
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
	int protect[2];		/* pg_protect_v4, pg_protect_v6 */
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

extern const struct prog_kind progs[PROG_MAX];
extern struct instance insts[INST_MAX];
extern struct dp_maps maps;
extern int ncpus;
/* One per-CPU value of STATS_KEYS entries of the largest counter type. */
extern void *percpu_buf;
/* The counter snapshot of the last frame is still valid (clear it after
 * changing counters behind run_frame's back). */
extern int snap_valid;
/* Slot 0 of some compiled table holds other arrays than the empty ones
 * (clear_lists puts those back). */
extern int compiled_installed;

void fail(struct log *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void report(const char *name, const struct log *l);
void case_name(char *out, size_t size, const struct prog_kind *pk,
	       const char *name, const struct instance *in);
__u64 mono_ns(void);
size_t percpu_stride(size_t size);

int set_tables(__u32 tables);
int set_gens(__u32 gens);
int clear_lists(void);
int add_rule(const struct rule_spec *rs, __u32 *tables, struct log *l);
int set_rules(const struct rule_spec *rules, int n, struct log *l);

int build_for(struct pkt *p, const struct pkt_spec *spec, enum prog_id pid);
void run_frame(const struct instance *in, enum prog_id pid,
	       const struct pkt *p, int reason, __u32 rule_id, int list,
	       const char *what, struct log *l);

void mask_addr(__u8 *a, unsigned int plen, unsigned int max);
__u64 rule_packets(__u32 id);
__u64 list_packets(__u32 id);

#define SCENARIOS(X)							\
	X(shared)							\
	X(gens)								\
	X(lpm_random)							\
	X(scale)							\
	X(top)								\
	X(limit)								\
	X(ct)								\
	X(synproxy)

#define SCENARIO_DECL(t)	void scen_##t(void);
SCENARIOS(SCENARIO_DECL)
#undef SCENARIO_DECL

#endif
