/* SPDX-License-Identifier: GPL-2.0 */
/*
 * BPF-side definitions of pktgate's maps, shared by every pktgate program
 * (XDP and TC). All are pinned by name under the pin root, so a program
 * loaded later, or the CLI, reuses the same lists and counters.
 */
#ifndef __PKTGATE_MAPS_BPF_H
#define __PKTGATE_MAPS_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "pktgate.h"

/* A list table: PG_GENS slots, each holding one generation of the table
 * (host entries in a hash, prefixes and port-scoped entries in LPM tries).
 * User space creates the inner maps and fills the slots; the inner map
 * declared here is only the template the kernel checks them against, by
 * sizes (not BTF types, which clang would emit only as declarations).
 * BPF_F_NO_PREALLOC: capacity costs memory only when it is used. */
#define PG_GEN_MAP(name, maptype, flags, max, ksize, vsize)		\
	struct name##_inner {						\
		__uint(type, maptype);					\
		__uint(map_flags, flags);				\
		__uint(max_entries, max);				\
		__uint(key_size, ksize);				\
		__uint(value_size, vsize);				\
	};								\
	struct {							\
		__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);		\
		__uint(max_entries, PG_LIST_KIND_MAX * PG_GENS);	\
		__type(key, __u32);					\
		__uint(pinning, LIBBPF_PIN_BY_NAME);			\
		__array(values, struct name##_inner);			\
	} name SEC(".maps")

#define PG_LIST_MAP(name, maptype, keytype)				\
	PG_GEN_MAP(name, maptype, BPF_F_NO_PREALLOC, PG_LIST_CAPACITY,	\
		   sizeof(keytype), sizeof(struct pg_rule))

PG_LIST_MAP(pg_tbl_x4, BPF_MAP_TYPE_HASH, struct pg_exact_v4);
PG_LIST_MAP(pg_tbl_x6, BPF_MAP_TYPE_HASH, struct pg_exact_v6);
PG_LIST_MAP(pg_tbl_v4, BPF_MAP_TYPE_LPM_TRIE, struct pg_lpm_v4);
PG_LIST_MAP(pg_tbl_v6, BPF_MAP_TYPE_LPM_TRIE, struct pg_lpm_v6);
PG_LIST_MAP(pg_tbl_p4, BPF_MAP_TYPE_LPM_TRIE, struct pg_port_v4);
PG_LIST_MAP(pg_tbl_p6, BPF_MAP_TYPE_LPM_TRIE, struct pg_port_v6);

/* The compiled tier: plain arrays, sized by user space to what they hold
 * (BPF_F_INNER_MAP lets the slots take arrays of any size; a lookup past
 * the end answers NULL) and written through mmap (BPF_F_MMAPABLE). */
#define PG_ARRAY_MAP(name, valtype)					\
	PG_GEN_MAP(name, BPF_MAP_TYPE_ARRAY, BPF_F_MMAPABLE | BPF_F_INNER_MAP, 1, \
		   sizeof(__u32), sizeof(valtype))

PG_ARRAY_MAP(pg_tbl_e4, struct pg_cent_v4);
PG_ARRAY_MAP(pg_tbl_e6, struct pg_cent_v6);
PG_ARRAY_MAP(pg_tbl_c4, union pg_cblk4);
PG_ARRAY_MAP(pg_tbl_c6, union pg_cblk6);

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PG_STATS_KEYS);
	__type(key, __u32);
	__type(value, struct pg_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pg_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PG_MAX_RULES);
	__type(key, __u32);
	__type(value, struct pg_rule_ctr);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pg_rule_stats SEC(".maps");

/* Hits per list id: a prefix in a million-entry list is counted here,
 * not per rule. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PG_MAX_LISTS);
	__type(key, __u32);
	__type(value, struct pg_ctr);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pg_list_stats SEC(".maps");

/* Top talkers: the heavy-hitter sketch, one row per element, its tags and
 * scores apart from its ways (see struct pg_top_row). Arrays: a packet
 * never inserts or evicts. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PG_TOP_ROWS);
	__type(key, __u32);
	__type(value, struct pg_top_head);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pg_top_head SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PG_TOP_ROWS);
	__type(key, __u32);
	__type(value, struct pg_top_row);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pg_top SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, PG_EVENTS_RINGBUF);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pg_events SEC(".maps");

/* Per-CPU token buckets: drop events, and admissions into pg_top. */
#define PG_BUCKET(name)							\
	struct {							\
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);		\
		__uint(max_entries, 1);					\
		__type(key, __u32);					\
		__type(value, struct pg_ev_bucket);			\
		__uint(pinning, LIBBPF_PIN_BY_NAME);			\
	} name SEC(".maps")

PG_BUCKET(pg_ev_bucket);
PG_BUCKET(pg_top_bucket);

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pg_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pg_config SEC(".maps");

/* Written by user space only; defined here so that they are created and
 * pinned together with the rest. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PG_MAX_RULES);
	__type(key, __u32);
	__type(value, struct pg_rule_meta);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pg_rule_meta SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PG_MAX_LISTS);
	__type(key, __u32);
	__type(value, struct pg_list);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pg_lists SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PG_MAX_IFACES);
	__type(key, __u32);
	__type(value, struct pg_iface);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pg_ifaces SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pg_meta);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pg_meta SEC(".maps");

/* Small prefix tries written by user space only: the management prefixes
 * (xdp/protect.h), looked up before any list, and the rate limits' prefixes
 * (xdp/limit.h). */
#define PG_SMALL_TRIE(name, keytype, valtype, max)			\
	struct {							\
		__uint(type, BPF_MAP_TYPE_LPM_TRIE);			\
		__uint(map_flags, BPF_F_NO_PREALLOC);			\
		__uint(max_entries, max);				\
		__type(key, keytype);					\
		__type(value, valtype);					\
		__uint(pinning, LIBBPF_PIN_BY_NAME);			\
	} name SEC(".maps")

PG_SMALL_TRIE(pg_protect_v4, struct pg_lpm_v4, struct pg_protect, PG_PROTECT_MAX);
PG_SMALL_TRIE(pg_protect_v6, struct pg_lpm_v6, struct pg_protect, PG_PROTECT_MAX);
PG_SMALL_TRIE(pg_limit_v4, struct pg_lpm_v4, struct pg_limit_set, PG_LIMIT_PREFIXES);
PG_SMALL_TRIE(pg_limit_v6, struct pg_lpm_v6, struct pg_limit_set, PG_LIMIT_PREFIXES);

/* Rate limits and bans (xdp/limit.h). Fixed-size arrays: a lookup is
 * inlined, and a flood of new sources writes into them in place. */
#define PG_FIXED_ARRAY(name, maptype, flags, n, valtype)		\
	struct {							\
		__uint(type, maptype);					\
		__uint(map_flags, flags);				\
		__uint(max_entries, n);					\
		__type(key, __u32);					\
		__type(value, valtype);					\
		__uint(pinning, LIBBPF_PIN_BY_NAME);			\
	} name SEC(".maps")
PG_FIXED_ARRAY(pg_limits, BPF_MAP_TYPE_ARRAY, 0, PG_MAX_LIMITS, struct pg_limit);
PG_FIXED_ARRAY(pg_limit_state, BPF_MAP_TYPE_ARRAY, 0, PG_MAX_LIMITS, struct pg_gcra);
PG_FIXED_ARRAY(pg_limit_stats, BPF_MAP_TYPE_PERCPU_ARRAY, 0, PG_MAX_LIMITS,
	       struct pg_limit_ctr);
/* Written in place by user space too (mmap): a way at a time. */
PG_FIXED_ARRAY(pg_src_buckets, BPF_MAP_TYPE_ARRAY, BPF_F_MMAPABLE, PG_SRC_ROWS,
	       struct pg_src_row);
PG_FIXED_ARRAY(pg_bans, BPF_MAP_TYPE_ARRAY, BPF_F_MMAPABLE, PG_BAN_ROWS, struct pg_ban_row);

#endif /* __PKTGATE_MAPS_BPF_H */
