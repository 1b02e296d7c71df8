/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pgbench: pktgate's benchmark tool. Shared declarations of its parts:
 * prefix sets (prefixes.c), list filling (lists.c), frames (frame.c),
 * the datapath benchmark (datapath.c), the traffic generator (traffic.c)
 * and the control-plane measurements (ctlplane.c).
 */
#ifndef __PGBENCH_H
#define __PGBENCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/types.h>

#include "pktgate.h"

typedef unsigned __int128 u128;

#define NSEC_PER_SEC	1000000000ULL
#define ADDR_TABLE_MAX	65536	/* source addresses one run cycles through */

enum layout {
	LAYOUT_SEQ,	/* host entries (/32, /128) at every other address */
	LAYOUT_MIX,	/* a realistic mix of prefix lengths, no overlaps */
};

enum prefix_fmt { FMT_CIDR, FMT_NFT, FMT_IPSET };

/* An address is kept with its first bit in bit 127, whatever the family,
 * so one mask computation serves IPv4 and IPv6. */
struct bench_prefix {
	u128 addr;
	__u8 plen;
};

struct prefix_set {
	int family;			/* 4 or 6 */
	enum layout layout;
	size_t n;
	struct bench_prefix *p;		/* in insertion (random) order */
	struct bench_prefix *sorted;	/* by address: coverage checks */
	uint64_t rng;
};

/* Options of every subcommand; each reads the ones it needs. */
struct opts {
	int family;
	enum layout layout;
	size_t entries;
	uint64_t seed;
	const char *pin_path;
	unsigned rounds;
	unsigned repeat;
	size_t sizes[8];
	int n_sizes;
	unsigned duration_ms;
	uint64_t max_packets;
	const char *ifname;
	const char *dst_mac;
	const char *dst_ip;
	size_t table;
	const char *out;
	int keep;
	enum prefix_fmt format;
	const char *set_name;
	int rx_cpu;		/* gen: CPU whose load to report, -1: none */
	unsigned syn_port;	/* gen: send TCP SYNs to this port instead of UDP; 0: UDP */
	int dynamic;		/* --tier dynamic: entries in the hash and trie, as deny add
				 * puts them; default: compiled, as load does */
	int beside;		/* --tier beside: compiled, and BESIDE_ENTRIES others
				 * in the dynamic tier, as a small load beside them */
	char **args;		/* what follows the options (time: the command) */
	int nargs;
};

/* prefixes.c */
uint64_t rng_next(uint64_t *state);
int layout_parse(const char *s, enum layout *l);
const char *layout_name(enum layout l);
int prefixes_make(struct prefix_set *s, int family, enum layout l, size_t n, uint64_t seed);
void prefixes_free(struct prefix_set *s);
void addr_bytes(u128 a, int family, __u8 out[16]);
void prefixes_hits(struct prefix_set *s, __u8 (*out)[16], size_t m);
void prefixes_misses(struct prefix_set *s, __u8 (*out)[16], size_t m);
/* Misses of s that also (NULL: nothing) does not cover either. */
void prefixes_misses_of(struct prefix_set *s, const struct prefix_set *also, __u8 (*out)[16],
			size_t m);
int prefixes_print(const struct prefix_set *s, FILE *f, enum prefix_fmt fmt, const char *set);
void prefixes_histogram_json(const struct prefix_set *s, FILE *f);

/* lists.c: the one place that knows how a deny list is laid out in maps. */
struct bench_lists {
	int inner[2][PG_TBL_MAX];	/* [v4, v6][table]: the deny list's live inner maps */
	int outer[2][PG_TBL_MAX];	/* their generation maps (compiled tier: replaced whole) */
	__u32 gen;			/* the deny kind's generation slot in use */
	int dynamic;			/* fill the dynamic tier instead of compiling */
	int config;			/* pg_config */
	int lock;			/* the pin directory, locked; -1 without pins */
};

/* Pinned maps (the pins must exist: `pktgate status` makes them); holds
 * pktgate's lock on the pin directory until lists_close. */
int lists_open_pinned(struct bench_lists *l, const char *pin_path);
void lists_init(struct bench_lists *l);	/* nothing open: lists_close is a no-op */
struct bpf_object;
/* A loaded pktgate object without pins: its deny tables get inner maps. */
int lists_from_obj(struct bench_lists *l, struct bpf_object *obj);
void lists_close(struct bench_lists *l);
int lists_fill(struct bench_lists *l, const struct prefix_set *s, double *secs);
/* Put s into (on) or take it out of the dynamic tier, whatever l->dynamic. */
int lists_dynamic(struct bench_lists *l, const struct prefix_set *s, int on);
int lists_clear(struct bench_lists *l, const struct prefix_set *s, double *secs);
long long lists_memlock(const struct bench_lists *l, int family);

/* frame.c */
#define FRAME_LEN_V4	60	/* 64 bytes on the wire with the FCS */
#define FRAME_LEN_V6	62	/* the smallest IPv6/UDP frame */
size_t frame_build(__u8 *buf, int family, const __u8 src_mac[6], const __u8 dst_mac[6],
		   const __u8 *saddr, const __u8 *daddr);
int mac_parse(const char *s, __u8 mac[6]);
/* An IPv4 TCP SYN to port, valid checksums; its length. */
size_t frame_build_syn(__u8 *buf, const __u8 src_mac[6], const __u8 dst_mac[6],
		       const __u8 *saddr, const __u8 *daddr, unsigned port);
#define FRAME_SYN_CSUM_OFF	(14 + 20 + 16)	/* the TCP checksum: Ethernet, IPv4, 16 */

/* Subcommands. */
int cmd_datapath(const struct opts *o);
int cmd_gen(const struct opts *o);
int cmd_xdp_pass(const struct opts *o);
int cmd_xdp_drop(const struct opts *o);
int cmd_load(const struct opts *o);
int cmd_clear(const struct opts *o);
int cmd_fill_top(const struct opts *o);
int cmd_time(const struct opts *o);
int cmd_prefixes(const struct opts *o);

/* pgbench.c */
double mono_s(void);
void json_samples(FILE *f, const char *name, const double *v, unsigned n);
int bench_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* __PGBENCH_H */
