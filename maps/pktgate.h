/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pktgate contract between the BPF datapath and user space: map names,
 * key and value layouts, enums and the schema version. Included by both
 * sides, so it uses only __u* types and no kernel- or libc-only headers.
 *
 * Bump PKTGATE_SCHEMA_VERSION whenever any layout or meaning below changes:
 * the CLI refuses to touch pins written with another version.
 */
#ifndef __PKTGATE_H
#define __PKTGATE_H

#include <linux/types.h>

#define PKTGATE_MAGIC		0x70677465u	/* "pgte" */
#define PKTGATE_SCHEMA_VERSION	7

/* Pinned map names (the file names under the pin directory). */
#define PG_MAP_META		"pg_meta"
/* The list tables: one map per table and family, both kinds' generations
 * in it (PG_GEN_SLOT). */
#define PG_MAP_TBL_X4		"pg_tbl_x4"
#define PG_MAP_TBL_X6		"pg_tbl_x6"
#define PG_MAP_TBL_V4		"pg_tbl_v4"
#define PG_MAP_TBL_V6		"pg_tbl_v6"
#define PG_MAP_TBL_P4		"pg_tbl_p4"
#define PG_MAP_TBL_P6		"pg_tbl_p6"
#define PG_MAP_TBL_E4		"pg_tbl_e4"
#define PG_MAP_TBL_E6		"pg_tbl_e6"
#define PG_MAP_TBL_C4		"pg_tbl_c4"
#define PG_MAP_TBL_C6		"pg_tbl_c6"
#define PG_MAP_LISTS		"pg_lists"
#define PG_MAP_LIST_STATS	"pg_list_stats"
#define PG_MAP_IFACES		"pg_ifaces"
#define PG_MAP_STATS		"pg_stats"
#define PG_MAP_RULE_STATS	"pg_rule_stats"
#define PG_MAP_RULE_META	"pg_rule_meta"
#define PG_MAP_CONFIG		"pg_config"
#define PG_MAP_TOP		"pg_top"
#define PG_MAP_TOP_HEAD		"pg_top_head"
#define PG_MAP_EVENTS		"pg_events"
#define PG_MAP_EV_BUCKET	"pg_ev_bucket"
#define PG_MAP_TOP_BUCKET	"pg_top_bucket"

/* Default capacity of each list table; BPF_F_NO_PREALLOC so unused
 * capacity costs no memory. */
#define PG_LIST_CAPACITY	1048576
/* Named lists (allow and deny together): a bit each in pg_rule.lists. */
#define PG_MAX_LISTS		64
#define PG_LIST_NAME_LEN	32
#define PG_LIST_SOURCE_LEN	192
/* List ids 0 and 1 are the lists entries go to when no --list is given. */
#define PG_LIST_MANUAL(kind)	((unsigned int)(kind))
#define PG_LIST_MANUAL_NAME	"manual"
/* Generations of each list table: a replace builds the other one. */
#define PG_GENS			2
/* A port range becomes one entry per port; this bounds one rule. */
#define PG_PORT_RANGE_MAX	1024
/* Interfaces pktgate can keep counters for (slots survive detach). */
#define PG_MAX_IFACES		256
/* Individually added rules that get their own hit counters. Bulk-loaded
 * entries use rule_id 0 and are counted per list instead, so counter memory
 * is PG_MAX_RULES x CPUs however large the lists grow. */
#define PG_MAX_RULES		65536
/* Top talkers: a heavy-hitter sketch per CPU, PG_TOP_ROWS rows of
 * PG_TOP_WAYS addresses. An address hashes to one row; a packet costs a
 * lookup in a per-CPU array (inlined by the JIT) and a few stores, never an
 * insert or an eviction. 4096 x 4 keeps 16,384 addresses per CPU; the
 * rows' tags and scores, all a packet of an unknown address touches, take
 * 128 KiB per CPU, small enough to stay in the caches under a flood. */
#define PG_TOP_ROWS_SHIFT	12
#define PG_TOP_ROWS		(1u << PG_TOP_ROWS_SHIFT)
#define PG_TOP_WAYS		4
#define PG_TOP_ENTRIES		(PG_TOP_ROWS * PG_TOP_WAYS)	/* per CPU */
/* Drop events: ring buffer size, and the default rate for all CPUs. */
#define PG_EVENTS_RINGBUF	(256 * 1024)
#define PG_EVENT_RATE_DEFAULT	1000
#define PG_EVENT_BURST_SEC	1	/* a bucket holds this many seconds of rate */
/* New addresses admitted into a free way of pg_top per second, over all
 * CPUs (0: no cap). Known addresses are always counted. Admission costs a
 * few stores, so the cap is not needed for speed; it keeps a flood of
 * spoofed sources from churning the free ways. */
#define PG_TOP_RATE_DEFAULT	20000
/* attach --top-sample N: at most one packet in this many (pg_iface's u16). */
#define PG_TOP_SAMPLE_MAX	65535
#define PG_COMMENT_LEN		64
#define PG_IFNAME_LEN		16
/* TCP ports an XDP program answers SYNs for with SYN cookies (attach
 * --syncookie): load-time configuration, compared one by one. */
#define PG_SYN_PORTS		8

/* Where a program runs. Counters are kept per interface x hook. */
enum pg_hook {
	PG_HOOK_XDP = 0,
	PG_HOOK_TC_INGRESS,
	PG_HOOK_TC_EGRESS,
	PG_HOOK_MAX,
};

/* Counter key of one (interface slot, hook) in pg_stats. */
#define PG_STATS_KEY(slot, hook)	((__u32)(slot) * PG_HOOK_MAX + (hook))
#define PG_STATS_KEYS			(PG_MAX_IFACES * PG_HOOK_MAX)
/* Bit of a hook in a set of hooks (pg_iface.hooks). */
#define PG_HOOK_BIT(h)			(1u << (h))
#define PG_NSEC_PER_SEC			1000000000ULL
/* u64 words of a per-CPU counter value, for summing over CPUs. */
#define PG_WORDS(type)			(sizeof(type) / sizeof(__u64))

/*
 * Why a packet got its verdict: one counter per reason, all listed here
 * once, as X(ID, "name", action). The list generates the enum, the names
 * the CLI prints and exports, and the action of each reason (PG_ACT_*:
 * fixed, so the counters say what was dropped); tests and the man page
 * check against it.
 * A reason's value is its counter's index: append, never reorder. pg_stats
 * has PG_R_SLOTS counters, so a new reason changes no layout.
 */
#define PG_REASONS(X)							\
	X(DEFAULT,	  "default",	    0) /* IP, no rule matched: default policy */ \
	X(ALLOW,	  "allow",	    0) /* matched an allow entry */	\
	X(DENY,		  "deny",	    1) /* matched a deny entry, no allow entry */ \
	X(NON_IP,	  "non-ip",	    0) /* ARP, LLDP, ...: always pass (no lock-outs) */ \
	X(FRAGMENT,	  "fragment",	    0) /* non-first fragment, no rule matched */ \
	X(MALFORMED,	  "malformed",	    0) /* could not be parsed */	\
	X(MALFORMED_DROP, "malformed-drop", 1) /* could not be parsed, --drop-malformed */ \
	X(PROTECT,	  "protect",	    0) /* the peer is protected: passes first */ \
	X(NEIGHBOR,	  "neighbor",	    0) /* policy drop: ARP, IPv6 ND/RA/RS/MLD */ \
	X(ESTABLISHED,	  "established",    0) /* policy drop: a conntrack entry has the flow */ \
	X(RELATED,	  "related",	    0) /* policy drop: ICMP echo reply or error */ \
	X(POLICY,	  "policy",	    1) /* policy drop: nothing let it in */ \
	X(LIMIT,	  "limit",	    1) /* over a rate limit (limit add) */ \
	X(BAN,		  "ban",	    1) /* the source is banned (limit add --ban) */ \
	X(SYNCOOKIE,	  "syncookie",	    2) /* a SYN to a --syncookie port: answered with a cookie */ \
	X(SYNCOOKIE_OK,	  "syncookie-ok",   0) /* an ACK to a --syncookie port with a valid cookie */ \
	X(SYNCOOKIE_BAD,  "syncookie-bad",  1) /* an ACK to a --syncookie port, no flow, bad cookie */

enum pg_reason {
#define PG_R_ENUM(id, name, drops) PG_R_##id,
	PG_REASONS(PG_R_ENUM)
#undef PG_R_ENUM
	PG_R_MAX,
};

#define PG_R_SLOTS	32
_Static_assert(PG_R_MAX <= PG_R_SLOTS, "more reasons than pg_stats slots");

/* What the datapath does with a packet of a reason. */
enum pg_action {
	PG_ACT_PASS = 0,
	PG_ACT_DROP = 1,
	PG_ACT_TX = 2,		/* rewritten into a reply and sent back out (XDP_TX) */
	PG_ACT_MAX,
};

#define PG_R_DROP_BIT(id, name, act) | ((__u32)((act) == PG_ACT_DROP) << PG_R_##id)
#define PG_R_TX_BIT(id, name, act) | ((__u32)((act) == PG_ACT_TX) << PG_R_##id)
#define PG_REASON_DROP_MASK	(0 PG_REASONS(PG_R_DROP_BIT))
#define PG_REASON_TX_MASK	(0 PG_REASONS(PG_R_TX_BIT))
/* The action of reason r (< PG_R_MAX): 1 = drop. */
#define PG_REASON_DROPS(r)	((PG_REASON_DROP_MASK >> (r)) & 1)
#define PG_REASON_TX(r)		((PG_REASON_TX_MASK >> (r)) & 1)
#define PG_REASON_ACTION(r)	(PG_REASON_DROPS(r) ? PG_ACT_DROP :		\
				 PG_REASON_TX(r) ? PG_ACT_TX : PG_ACT_PASS)

/* Which list an entry is in. */
enum pg_list_kind {
	PG_LIST_ALLOW = 0,
	PG_LIST_DENY,
	PG_LIST_KIND_MAX,
};

/* Each kind has five tables per family, in two tiers.
 *
 * The compiled tier holds what bulk changes (load, flush, restore) wrote:
 * every address entry of the kind, compiled in user space into plain
 * arrays. PG_TBL_CENT holds the entries themselves (struct pg_cent_v4/v6,
 * sorted by address, then prefix length; index 0 is "no entry") and
 * PG_TBL_CIDX a range index over them (see "compiled index" below) whose
 * leaves carry what a hit needs of most entries (PG_CFAST), so that such a
 * hit reads nothing but the index: a lookup costs a bounded handful of
 * array reads whatever the list size. Entries of the compiled tier are
 * changed in place by add and del (lists, TTL, rule id): their fast leaves
 * first become plain ones, then the record changes, so they never need a
 * rebuild for that.
 *
 * The dynamic tier holds entries added one by one since: host entries
 * (/32, /128) in an exact-match hash (PG_TBL_EXACT), shorter prefixes in
 * an LPM trie (PG_TBL_PREFIX). A prefix is in one tier at most, so the
 * longest live match of the two is the kind's answer. Port-scoped entries
 * are in a trie of their own keyed by protocol and port ahead of the
 * address (PG_TBL_PORT), consulted only when the address tables found
 * nothing, so address-only lookups pay nothing for it.
 *
 * Every table is an ARRAY_OF_MAPS of PG_GENS slots per kind (PG_GEN_SLOT).
 * The datapath uses the slot of pg_config.gens' bit for the kind; a replace
 * fills the other slot and flips the bit, so a packet sees the old set or
 * the new, never a mix. Both kinds share a table's map, so the kind is a
 * key, not a choice of map: each lookup in the datapath sees one map, and
 * the verifier turns it into a direct call (or inlines it) instead of a
 * call through the map's operations. */
enum pg_table {
	PG_TBL_EXACT = 0,
	PG_TBL_PREFIX,
	PG_TBL_PORT,
	PG_TBL_CENT,
	PG_TBL_CIDX,
	PG_TBL_MAX,
};

/* Slot of one kind's generation in a table's map. */
#define PG_GEN_SLOT(kind, gen)	((__u32)(kind) * PG_GENS + (gen))

#define PG_TBL_COMPILED(tbl)	((tbl) >= PG_TBL_CENT)

#define PG_TABLE_FOR(family, plen) \
	((plen) == ((family) == 4 ? 32 : 128) ? PG_TBL_EXACT : PG_TBL_PREFIX)
/* Bit of pg_config.tables for a table that may hold entries. User space
 * sets it before the first insert and clears it after the table empties,
 * so the datapath skips empty tables without ever missing an entry. */
#define PG_TABLE_BIT(kind, family, tbl) \
	(1u << ((((kind) * 2 + ((family) == 6)) * PG_TBL_MAX) + (tbl)))

/* Every table bit of one kind and family. */
#define PG_KIND_TABLES(kind, family) \
	(PG_TABLE_BIT(kind, family, 0) * ((1u << PG_TBL_MAX) - 1))

/* Exact-match hash keys: the address in network byte order. */
struct pg_exact_v4 {
	__u8 addr[4];
};

struct pg_exact_v6 {
	__u8 addr[16];
};

/* LPM trie keys: prefixlen first, as the kernel requires; address in
 * network byte order. */
struct pg_lpm_v4 {
	__u32 prefixlen;
	__u8 addr[4];
};

struct pg_lpm_v6 {
	__u32 prefixlen;
	__u8 addr[16];
};

/* Port-scoped keys: the match selector (PG_SEL_*, 0: the remote peer's
 * address and the destination port), protocol and port (network order; 0
 * = any port of the protocol; ICMP: PG_ICMP_TYPE_PORT) are always matched
 * in full, so prefixlen is PG_PORT_KEY_BITS + the address prefix length. */
#define PG_PORT_KEY_BITS	32
struct pg_port_v4 {
	__u32 prefixlen;
	__u8 sel;
	__u8 proto;
	__u8 port[2];
	__u8 addr[4];
};

struct pg_port_v6 {
	__u32 prefixlen;
	__u8 sel;
	__u8 proto;
	__u8 port[2];
	__u8 addr[16];
};

/* Value of every list entry. One prefix may be in several lists of its
 * kind: it is one entry, live while any of them holds it. */
struct pg_rule {
	__u64 expires_ns;	/* CLOCK_MONOTONIC deadline; 0 = never expires */
	__u64 lists;		/* bit per list id holding the entry */
	__u32 rule_id;		/* slot in pg_rule_stats; 0 = no own counter */
	__u8 list_id;		/* list whose counters a hit goes to: lowest bit */
	__u8 prefixlen;		/* address prefix length, to look past an expired entry */
	__u16 port_hi;		/* port-scoped: last port of the rule's range */
	__u8 spare[8];		/* zero: room for per-entry actions and match
				 * keys without a layout change */
};

/* Compiled-tier entries (PG_TBL_CENT), index 1..n in (address, prefix
 * length) order. parent: the entry of the next shorter prefix covering
 * this one, 0 if none; the datapath follows it past an entry that is not
 * live (expired, or in no list since a del), so a covering entry still
 * matches, as in the dynamic tier. An entry in no list (lists == 0) is
 * absent; the next bulk change leaves it out. */
struct pg_cent_v4 {
	struct pg_rule r;
	__u32 parent;
	__u8 addr[4];
};

struct pg_cent_v6 {
	struct pg_rule r;
	__u32 parent;
	__u32 pad;
	__u8 addr[16];
};

/* The compiled index (PG_TBL_CIDX), after DXR (Zec, Rizzo, Mikuc 2012):
 * the address space is cut into ranges, each with the entry of the
 * longest prefix covering it (0: none), found by a search for the last
 * range start <= the address. The array's elements are blocks of one
 * (IPv4: 64 bytes) or two (IPv6: 128) cache lines, so that a lookup costs
 * a few map reads and the search inside a block none:
 *  - blocks 0..: the direct table, a slot per value of the top 16
 *    address bits (IPv4: struct pg_cslot4, 16 bytes; IPv6: a __u64,
 *    and in 2000::/3, where every global unicast address is, a slot per
 *    /20 instead: PG_CDIR6_SLOT): PG_CDIR_LEAF | leaf if the whole slot
 *    has one answer, else the descriptor of a chunk,
 *    base << 32 | levels << 28 | n;
 *  - a chunk of up to PG_CSMALL ranges is one small block (levels 0):
 *    k[0] their count less one, their starts k[1..PG_CSMALL), their
 *    leaves l[PG_CSMALL_L4 + i] (IPv4) or l[PG_CSMALL_L6 + i], so that
 *    a sparse /16 costs one read for keys and leaves both;
 *  - IPv4: a chunk of up to PG_CRUN_MAX ranges whose leaves are all fast
 *    or none is a run (levels PG_CRUN): blocks of PG_CRUN_PER ranges
 *    from base, k[0] the block's count less one, its starts k[1..16),
 *    16-bit leaves k[16 + i] (PG_CRUN_LEAF, 0: none); the slot's rk[]
 *    hold the first start of blocks 1.. (unused: all ones), so that a
 *    hit reads the slot and one block. The chunk's B+-tree (as below) is
 *    the run's shadow, with the same answers in 32-bit leaves:
 *    compile_unfast moves the slot to it before a leaf must name its
 *    entry. The shadows come after every block a lookup reads, so that
 *    those stay close together (fewer pages and lines in the caches): a
 *    run's n is its low PG_CRUN_N_BITS, the bits above them (up to
 *    PG_CN_BITS) its shadow's first block less base;
 *  - IPv4: a bigger chunk of up to PG_CRUN2_MAX ranges, all fast or none,
 *    is a run with a root block (levels PG_CRUN2): block base holds the
 *    run's block count less one and the first start of blocks 1.. (as a
 *    tree block), the run's blocks follow it, and the slot's second word
 *    is its shadow's first block: a hit reads the slot and two blocks,
 *    where a tree of two levels and its leaves would be three;
 *  - a bigger chunk is a static B+-tree over its n range starts, PG_CFAN4 (or
 *    PG_CFAN6) keys a block, levels top-down from block base; level l's
 *    block j has the children j * fan + i below; k[0] of each block is its
 *    key count less one (the first key is never compared: the way down
 *    proves it <= the address), unused keys are all ones; then the
 *    ranges' leaves, a __u32 each.
 * IPv4 keys are the low 16 bits of the address, IPv6 keys the top 64.
 * IPv6 prefixes longer than /64: the /64 holding them is a range whose
 * entry is PG_CNODE | a block over the low 64 bits: a small block as
 * above, or, if k[0] has PG_CSMALL_BIG, a second chunk whose descriptor
 * is d[1]; or, for a /64 that one host entry alone cuts (the blocklist's
 * usual /128), PG_CNODE | PG_CHOST | block << 3 | i: record h[i] of that
 * block (struct pg_chost6, 8 a block) holds the host's low 64 bits and
 * the leaves of the host and of the rest of the /64, so that a hit reads
 * 16 bytes where a small block took 128.
 *
 * A leaf is an entry's index, or for an entry that answers alone (in one
 * list, no TTL, no counter of its own, no covering entry) PG_CFAST | its
 * prefix length << 8 | its list id: no record is read on such a hit, and
 * an interface that does not select the list has no other entry to fall
 * back to. User space turns an entry's fast leaves into its index before
 * it changes the record in place (compile_unfast). */
#define PG_CFAST		0x40000000u
#define PG_CFAST_LEAF(plen, list)	(PG_CFAST | (__u32)(plen) << 8 | (list))
#define PG_CFAST_LIST(leaf)	((leaf) & 0xff)
#define PG_CFAST_PLEN(leaf)	(((leaf) >> 8) & 0xff)

#define PG_CDIR_BITS		16
#define PG_CDIR_SIZE		(1u << PG_CDIR_BITS)
#define PG_CDIR_LEAF		(1ULL << 63)
/* IPv6 slots by the top 64 bits t: 2000::/3 by its /20s after the /16s
 * (whose slots PG_CDIR6_FINE_LO..HI - 1 no lookup reads). */
#define PG_CDIR6_UBITS		17	/* bits 3..19 */
#define PG_CDIR6_SLOTS		(PG_CDIR_SIZE + (1u << PG_CDIR6_UBITS))
#define PG_CDIR6_FINE(t)	((t) >> 61 == 1)	/* in 2000::/3 */
#define PG_CDIR6_FINE_LO	0x2000u		/* its /16s */
#define PG_CDIR6_FINE_HI	0x4000u
/* Bits of t below its slot's prefix: a /20 in 2000::/3, else a /16. */
#define PG_CDIR6_SHIFT(t)	(PG_CDIR6_FINE(t) ? 64 - 3 - PG_CDIR6_UBITS : 64 - PG_CDIR_BITS)
#define PG_CDIR6_SLOT(t)	(PG_CDIR6_FINE(t) ?						\
				 PG_CDIR_SIZE + (__u32)(((t) >> PG_CDIR6_SHIFT(t)) &		\
							((1u << PG_CDIR6_UBITS) - 1)) :	\
				 (__u32)((t) >> PG_CDIR6_SHIFT(t)))
#define PG_CNODE		0x80000000u
#define PG_CHOST		0x40000000u	/* with PG_CNODE: a host record */
#define PG_CHOST_BLK(leaf)	(((leaf) & ~(PG_CNODE | PG_CHOST)) >> 3)
#define PG_CHOST_MAX_BLK	((PG_CHOST - 1) >> 3)
#define PG_CN_BITS		28
#define PG_CN(d)		((d) & ((1u << PG_CN_BITS) - 1))	/* a chunk's n */
#define PG_CLEVELS(d)		(((d) >> PG_CN_BITS) & 15)	/* its levels */
#define PG_CLEVELS_MAX		6	/* fan^6 ranges: more than any chunk has */
#define PG_CFAN4		32
#define PG_CFAN6		16
#define PG_CSMALL		8
#define PG_CSMALL_L4		4	/* after 8 16-bit keys */
#define PG_CSMALL_L6		16	/* after 8 64-bit keys */
#define PG_CSMALL_BIG		(1ULL << 63)
#define PG_CRUN			15	/* the levels of a run */
#define PG_CRUN2		13	/* the levels of a run with a root block */
#define PG_CRUN_ROOT		4
#define PG_CRUN_PER		16
#define PG_CRUN_MAX		(PG_CRUN_PER * (PG_CRUN_ROOT + 1))
#define PG_CRUN2_MAX		(PG_CRUN_PER * PG_CFAN4)
#define PG_CRUN_N_BITS		7
#define PG_CRUN_N(d)		((__u32)(d) & ((1u << PG_CRUN_N_BITS) - 1))
#define PG_CRUN_SHADOW(d)	((__u32)PG_CN(d) >> PG_CRUN_N_BITS)
#define PG_CRUN_SHADOW_MAX	((1u << (PG_CN_BITS - PG_CRUN_N_BITS)) - 1)
_Static_assert(PG_CRUN_MAX < (1u << PG_CRUN_N_BITS), "a run's n fits its bits");
#define PG_CRUN_LEAF(plen, list)	(0x8000 | (plen) << 6 | (list))	/* plen <= 32, list < 64 */
#define PG_CRUN_FAST(l16)	PG_CFAST_LEAF(((l16) >> 6) & 63, (l16) & 63)
_Static_assert(PG_MAX_LISTS <= 64, "a run's 16-bit leaf holds a list id in 6 bits");

struct pg_cslot4 {
	__u64 d;
	__u16 rk[PG_CRUN_ROOT];
};

#define PG_CSLOTS4		4	/* IPv4 direct slots a block */

union pg_cblk4 {
	__u16 k[PG_CFAN4];
	__u32 l[16];
	__u64 d[8];
	struct pg_cslot4 s[PG_CSLOTS4];
};

struct pg_chost6 {
	__u64 low;		/* the host's low 64 bits */
	__u32 hit;		/* its leaf */
	__u32 miss;		/* the leaf of the rest of its /64 */
};

union pg_cblk6 {
	__u64 k[PG_CFAN6];
	__u32 l[32];
	__u64 d[16];
	struct pg_chost6 h[8];
};

#define PG_CENT_MAX		(PG_CFAST - 1)

/* pg_lists value, indexed by list id; written by user space only. */
struct pg_list {
	__u8 in_use;
	__u8 kind;		/* enum pg_list_kind */
	__u8 pad[6];
	__u64 loaded_ns;	/* CLOCK_REALTIME of the last load; 0 = never loaded */
	char name[PG_LIST_NAME_LEN];
	char source[PG_LIST_SOURCE_LEN];	/* file of the last load */
};

/* Packets and bytes, per CPU. */
struct pg_ctr {
	__u64 packets;
	__u64 bytes;
};

/* pg_stats value: all reasons of one (interface slot, hook), so the datapath
 * does a single lookup per packet. Key: PG_STATS_KEY(slot, hook). Slots
 * past PG_R_MAX are zero: room for new reasons. */
struct pg_stats {
	struct pg_ctr reason[PG_R_SLOTS];
};

/* pg_rule_stats value, per CPU, indexed by rule_id. */
struct pg_rule_ctr {
	__u64 packets;
	__u64 bytes;
	__u64 last_hit_ns;	/* CLOCK_MONOTONIC (coarse) */
};

/* pg_rule_meta value, indexed by rule_id; written by user space only. */
struct pg_rule_meta {
	__u8 in_use;
	__u8 family;		/* 4 or 6 */
	__u8 list_kind;		/* enum pg_list_kind */
	__u8 prefixlen;
	__u8 addr[16];
	__u8 proto;		/* port-scoped rules: IPPROTO_*; 0 = any */
	__u8 match;		/* PG_RM_AMATCH / PG_RM_PFIELD (match keys) */
	__u16 port_lo, port_hi;	/* host order; 0 = any port; ICMP: PG_ICMP_TYPE_PORT */
	__u8 proto2;		/* a second protocol of the rule (tcp,udp); 0 = none */
	__u8 pad2;
	__u64 created_ns;	/* CLOCK_REALTIME, for display */
	char comment[PG_COMMENT_LEN];
};

/* pg_ifaces value, indexed by interface slot; written by user space only.
 * The datapath learns its slot from its read-only config at load time. */
struct pg_iface {
	__u8 in_use;
	__u8 xdp_mode;		/* enum xdp_attach_mode of the last XDP attach */
	__u8 hooks;		/* bitmask of (1 << enum pg_hook) attached now */
	__u8 drop_malformed;
	__u8 tc_qdisc_created;	/* pktgate added the clsact qdisc: remove it last */
	__u8 no_top;		/* attached without per-address counters */
	__u8 policy_drop;	/* PG_HOOK_BIT()s of the hooks whose default policy is drop */
	__u8 stateless;		/* policy drop without conntrack lookups */
	__u32 ifindex;
	/* attach --top-sample N: one packet in N (at random) feeds the top
	 * sketch and counts N times; 0 or 1: every packet, exactly. In the
	 * hole before netns_ino, so that records written before read 0. */
	__u16 top_sample;
	__u64 netns_ino;	/* interfaces are named per network namespace */
	__u32 prog_id[PG_HOOK_MAX];
	char ifname[PG_IFNAME_LEN];
	__u64 lists;		/* list ids that apply here (PG_IFACE_ALL_LISTS: all) */
	__u16 syn_ports[PG_SYN_PORTS];	/* attach --syncookie, host order, ascending; 0 ends */
};

_Static_assert(__builtin_offsetof(struct pg_iface, netns_ino) == 16,
	       "top_sample must stay in the hole: pinned records keep their layout");

/* pg_config value (single entry): datapath settings user space may change
 * at any time. Read once per IP packet. */
struct pg_config {
	__u64 ev_cost_ns;	/* bucket credit one event costs, per CPU; 0 = no events */
	__u64 ev_burst_ns;	/* most credit a CPU's bucket holds */
	__u32 ev_rate;		/* events per second over all CPUs, as configured */
	__u32 flags;		/* PG_CFG_* */
	__u32 tables;		/* PG_TABLE_BIT()s of the tables that may hold entries */
	__u32 gens;		/* bit per kind: the generation slot in use */
	__u32 top_rate;		/* new pg_top addresses per second, all CPUs; 0 = no cap */
	__u32 sels;		/* PG_SEL_BIT()s of the match selectors port tables may hold */
	__u64 top_cost_ns;	/* as ev_cost_ns, for admissions into pg_top */
	__u64 top_burst_ns;
	__u64 limit_seed;	/* keys pg_limit_hash(): random, set with the pins */
	__u8 limit_all[2][4];	/* [v4, v6]: the limit ids of the family's trie while
				 * its one prefix is /0 (PG_LIMIT_ALL_BIT): no lookup */
};

#define PG_CFG_INITIALIZED	0x1	/* defaults written (a rate of 0 is a choice) */

/* A remote address (source on ingress, destination on egress). */
struct pg_top_key {
	__u8 family;		/* 4 or 6; 0: a way never used */
	__u8 dir;		/* enum pg_top_dir: the remote address is the source or the destination */
	__u8 pad[2];		/* always 0 */
	__u8 addr[16];		/* IPv4 in the first 4 bytes, the rest zero */
};

/* Ingress hooks count the remote source, TC egress the remote destination:
 * the same address in both is two talkers. */
enum pg_top_dir {
	PG_TOP_IN = 0,
	PG_TOP_OUT,
};

struct pg_top_val {
	__u64 packets;
	__u64 bytes;
	__u64 drops;
	__u64 last_seen_ns;	/* CLOCK_MONOTONIC (coarse) */
};

struct pg_top_way {
	struct pg_top_key key;
	__u32 tick;		/* low bits of jiffies when last_seen_ns was read */
	struct pg_top_val val;	/* exact since the address took the way */
};

/* One row of the sketch, on one CPU, in two per-CPU arrays indexed by
 * pg_top_hash() & (PG_TOP_ROWS - 1): its tags and scores in pg_top_head
 * (32 bytes a row, so that a packet of an address not in the row reads and
 * writes one cache line of a table that stays in the caches), its ways in
 * pg_top (read only on a tag match, written on admission).
 *
 * Per packet of address A: if a way holds A (its tag, then its key, match),
 * count it there and add 1 to the way's score. Else, if a way has score 0,
 * A takes it (subject to top-rate) with this packet's counts. Else every
 * score of the row goes down by 1 (a decay round, counted in decays) and
 * the packet is untracked. This is Misra-Gries' frequent-items algorithm
 * per row: an address that sent more than 1/(PG_TOP_WAYS + 1) of all the
 * packets its row saw on a CPU holds a way there, and one-packet sources
 * only ever take ways whose score went to 0. An address's counts
 * are exact from the moment it took its way; it missed at most as many
 * packets as the row had decay rounds before that (plus, with a top-rate
 * cap, its packets refused admission). A way whose score is 0 keeps its
 * address and counts until another address takes it, and goes on counting
 * if its own address comes back first. */
struct pg_top_head {
	__u16 tag[PG_TOP_WAYS];		/* pg_top_hash() >> 48 of each way's key */
	__u32 score[PG_TOP_WAYS];	/* 0: the way is free to take */
	__u32 decays;			/* decay rounds of the row (saturates) */
	__u32 pad;
};

struct pg_top_row {
	struct pg_top_way way[PG_TOP_WAYS];
};

/* The sketch's hash of an address: the low bits pick the row, the top 16
 * the tag. seed is the program's cfg_top_seed, random per load, so that
 * nobody can aim spoofed sources at one row. Used by both sides (user
 * space to find an address's row in tests and tools). */
static inline __u64 pg_top_hash(const struct pg_top_key *k, __u64 seed)
{
	__u32 w[5];
	__u64 a, b, h;

	__builtin_memcpy(w, k, sizeof(w));
	a = (__u64)w[1] << 32 | w[2];
	b = (__u64)w[3] << 32 | w[4];
	h = (a ^ seed) * 0x9e3779b97f4a7c15ULL;
	h = (h ^ (h >> 32) ^ b) * 0xc2b2ae3d27d4eb4fULL;
	h = (h ^ (h >> 29) ^ w[0]) * 0x165667b19e3779f9ULL;
	return h ^ (h >> 32);
}

/* A per-CPU token bucket: pg_ev_bucket throttles drop events, pg_top_bucket
 * admissions of new addresses into pg_top (and counts the packets pg_top
 * did not count: refused admission, or a decay round). */
struct pg_ev_bucket {
	__u64 credit_ns;
	__u64 last_ns;
	__u64 emitted;		/* events sent; addresses admitted */
	__u64 suppressed;	/* drops without an event (throttled or ring full);
				 * packets pg_top did not count (untracked) */
	__u32 tick;		/* low bits of jiffies when pg_ev_bucket last read
				 * the clock for a refusal (see pg_drop_event) */
	__u32 rng;		/* pg_top_bucket: xorshift state of --top-sample's
				 * draws; 0 until this CPU's first draw */
};

#define PG_NO_MATCH 0xff	/* pg_event.match_plen when no entry matched */

/* A drop event in pg_events. */
struct pg_event {
	__u64 ts_ns;		/* CLOCK_MONOTONIC (coarse) */
	__u32 rule_id;
	__u32 pkt_len;
	__u16 slot;		/* interface slot (pg_ifaces) */
	__u8 hook;		/* enum pg_hook */
	__u8 reason;		/* enum pg_reason */
	__u8 family;		/* 0 if the addresses could not be read */
	__u8 l4proto;
	__u8 match_plen;	/* prefix length of the matching entry, or PG_NO_MATCH */
	__u8 match_kind;	/* enum pg_list_kind of the matching entry */
	__be16 sport;
	__be16 dport;
	__u8 saddr[16];
	__u8 daddr[16];
	__u8 match_list;	/* list id of the matching entry */
	__u8 pad[3];
};

/* ---- Match keys (issue 14) ----
 *
 * An entry names the remote peer's address (source on ingress, destination
 * on egress) and, if port-scoped, the destination port: selector 0, the
 * tables above. Other match keys live in the port-scoped tables (never in
 * the compiled tier) under a selector byte ahead of the protocol:
 * which address the key names, and whether its port is the source port.
 * "Either address" (--match any) and "either port" (anyport) are one rule
 * with a key for each. pg_config.sels marks the selectors other than 0
 * that a kind's port table of a family may hold (set before the first
 * insert, cleared after the last), so a packet looks up only those: with
 * no match keys in use it costs one branch. */
#define PG_SEL_REMOTE		0	/* the remote peer: source on ingress, destination on egress */
#define PG_SEL_SRC		1	/* the packet's source address, on every hook */
#define PG_SEL_DST		2	/* the packet's destination address, on every hook */
#define PG_SEL_ADDR		3	/* mask of the address part */
#define PG_SEL_SPORT		4	/* the key's port is the source port */
#define PG_SEL_MAX		8
#define PG_SEL_BIT(kind, family, sel) \
	(1u << ((((kind) * 2 + ((family) == 6)) * PG_SEL_MAX) + (sel)))
/* The port of an ICMP/ICMPv6 type key: never 0 (any), whatever the type. */
#define PG_ICMP_TYPE_PORT(type)	(0x100u | (type))
#define PG_ICMP_TYPE_FLAG	0x100u
/* pg_rule_meta.match: the rule's address (PG_AM_*) and port (PG_PF_*) keys. */
#define PG_RM_AMATCH(m)		((m) & 3)
#define PG_RM_PFIELD(m)		(((m) >> 2) & 3)
#define PG_RM_MATCH(am, pf)	((__u8)((am) | (pf) << 2))
enum pg_amatch { PG_AM_REMOTE = 0, PG_AM_SRC, PG_AM_DST, PG_AM_ANY };
enum pg_pfield { PG_PF_DST = 0, PG_PF_SRC, PG_PF_ANY };

/* pg_meta value (single entry): identifies the pin set and its layout. */
struct pg_meta {
	__u32 magic;
	__u32 schema_version;
	__u32 list_capacity;	/* max_entries of each list trie */
	__u32 next_rule_id;	/* where the CLI looks first for a free rule_id */
};

/* ---- Management prefixes (protect add): checked before everything ----
 * One LPM trie per family (key struct pg_lpm_v4/v6, value struct
 * pg_protect), small: a handful of management networks. The bit of a
 * family in pg_config.tables is set while its trie may hold entries. The
 * top bits: the list tables use the low 20 (PG_TABLE_BIT). */
#define PG_MAP_PROTECT_V4	"pg_protect_v4"
#define PG_MAP_PROTECT_V6	"pg_protect_v6"
#define PG_PROTECT_MAX		1024	/* entries per family */
#define PG_PROTECT_BIT(family)	(1u << (30 + ((family) == 6)))
#define PG_PROTECT_ANY		(PG_PROTECT_BIT(4) | PG_PROTECT_BIT(6))

struct pg_protect {
	__u64 created_ns;	/* CLOCK_REALTIME, for display */
};

/* ---- Firewall policy and per-interface lists (issue 14) ---- */

/* pg_iface.lists of an interface every list applies on (the default, and
 * what a record written before the field existed holds). */
#define PG_IFACE_ALL_LISTS	0ULL

/* ---- Rate limits and bans (issue 15) ----
 *
 * A limit (limit add) names prefixes, optionally a protocol, a destination
 * port range, TCP SYNs only and an interface, and a rate: packets and/or
 * bytes per second, with a burst, for all its sources together
 * (aggregate) or for each source (per-source). Every limit whose prefix
 * covers a packet's remote peer applies, in id order: one LPM trie per
 * family maps a prefix to the ids of every limit covering it (user space
 * folds the covering prefixes' ids in), so one lookup finds them all.
 *
 * A limit applies to what would otherwise pass: a denied packet is dropped
 * without being charged, and protected peers and neighbour traffic are
 * never limited. Rates are GCRA (the virtual scheduling form of a token
 * bucket): one 64-bit "theoretical arrival time" per bucket, moved by
 * compare-and-swap, so a bucket shared by all CPUs is exact.
 *
 * Per-source buckets live in a fixed table (pg_src_buckets): a source of
 * limit L hashes to one row of PG_SRC_WAYS ways. A source not in its row
 * takes the way whose bucket is fullest (the smallest arrival time): a
 * full bucket is the same as no state at all, so a source only loses state
 * it would not have used, and a heavy source, whose arrival time runs
 * ahead, is the last to be pushed out. A flood of spoofed sources churns
 * the light ways and nothing grows: memory is fixed at pin creation.
 *
 * Bans (--ban D): a per-source bucket also counts its drops in a window;
 * once they reach the limit's threshold, the datapath writes the source
 * into pg_bans, a fixed table (PG_BAN_ROWS x PG_BAN_WAYS), with its
 * deadline. A banned source's packets are dropped (reason "ban") before
 * any list is looked at, until the deadline, with no daemon. A row whose
 * ways all hold live bans takes no more: the source stays limited, not
 * banned, and the limit counts it (ban_full). */
#define PG_MAP_LIMIT_V4		"pg_limit_v4"
#define PG_MAP_LIMIT_V6		"pg_limit_v6"
#define PG_MAP_LIMITS		"pg_limits"
#define PG_MAP_LIMIT_STATE	"pg_limit_state"
#define PG_MAP_LIMIT_STATS	"pg_limit_stats"
#define PG_MAP_SRC_BUCKETS	"pg_src_buckets"
#define PG_MAP_BANS		"pg_bans"

#define PG_MAX_LIMITS		256	/* limit ids 1..255; 0: no limit */
#define PG_LIMIT_PREFIXES	4096	/* trie entries per family */
#define PG_LIMITS_PER_ADDR	4	/* limits that may cover one address */
#define PG_SRC_ROWS_SHIFT	12
#define PG_SRC_ROWS		(1u << PG_SRC_ROWS_SHIFT)
#define PG_SRC_WAYS		4
#define PG_BAN_ROWS_SHIFT	10
#define PG_BAN_ROWS		(1u << PG_BAN_ROWS_SHIFT)
#define PG_BAN_WAYS		4
#define PG_BAN_MAX		(PG_BAN_ROWS * PG_BAN_WAYS)
/* pg_config.tables: a family's limit trie may hold entries; bans may be
 * live (a limit with --ban exists, or did while bans it made are live). */
#define PG_LIMIT_BIT(family)	(1u << (24 + ((family) == 6)))
#define PG_BANS_BIT		(1u << 26)
/* The family's limit trie holds only /0, whose ids pg_config.limit_all
 * has: limits on every source cost no trie lookup. */
#define PG_LIMIT_ALL_BIT(family)	(1u << (27 + ((family) == 6)))
/* A byte costs byte_q10 / 1024 ns of a byte rate's bucket. */
#define PG_Q10			10

/* Value of the limit tries: the limits covering the prefix, ascending,
 * 0-terminated. */
struct pg_limit_set {
	__u8 id[PG_LIMITS_PER_ADDR];
};

#define PG_LIM_PER_SOURCE	0x1	/* a bucket per source, else one for all */
#define PG_LIM_SYN		0x2	/* only TCP SYNs without ACK */
#define PG_LIM_FINE		0x4	/* a bucket shallower than a few ticks: the
					 * precise clock (else the coarse one, which
					 * lags by under a tick: never more credit) */

/* pg_limits value, indexed by limit id; written by user space only. */
struct pg_limit {
	__u64 pkt_ns;		/* GCRA interval of a packet (1e9 / pps); 0: no packet rate */
	__u64 pkt_tol_ns;	/* (burst - 1) x pkt_ns */
	__u64 byte_q10;		/* interval of a byte, ns << PG_Q10; 0: no byte rate */
	__u64 byte_tol_ns;	/* the byte bucket's depth, in ns */
	__u64 ban_ns;		/* ban duration; 0: no bans */
	__u64 ban_window_ns;	/* drops are counted over windows this long */
	__u64 bps;		/* the byte rate as given, bits per second (display) */
	__u32 pps, burst;	/* the packet rate as given (display) */
	__u32 ban_drops;	/* drops in one window that ban the source */
	__u8 in_use;
	__u8 flags;		/* PG_LIM_* */
	__u8 proto[2];		/* IPPROTO_*; both 0: any protocol */
	__u16 port_lo, port_hi;	/* destination port range, host order; 0, 0: any */
	__u16 ifslot;		/* interface slot + 1; 0: every interface */
	__u8 ban_list;		/* list id bans are counted in */
	__u8 pad;
	__u64 created_ns;	/* CLOCK_REALTIME, for display */
};

/* pg_limit_state value, indexed by limit id: an aggregate limit's
 * buckets, shared by all CPUs. */
struct pg_gcra {
	__u64 tat_ns;		/* packet bucket's theoretical arrival time */
	__u64 btat_ns;		/* byte bucket's */
};

/* pg_limit_stats value, per CPU, indexed by limit id. */
struct pg_limit_ctr {
	__u64 passed;
	__u64 dropped;
	__u64 dropped_bytes;
	__u64 bans;		/* sources this limit banned */
	__u64 ban_full;		/* bans refused: the source's ban row was full */
};

/* A source of a per-source limit: its buckets and its drop window. */
struct pg_src_way {
	struct pg_gcra b;
	__u64 win_start_ns;
	__u32 win_drops;
	__u8 limit_id;		/* 0: a way never used */
	__u8 family;
	__u8 pad[2];
	__u8 addr[16];
};

struct pg_src_row {
	struct pg_src_way way[PG_SRC_WAYS];
};

/* A ban: live while expires_ns (CLOCK_MONOTONIC) is ahead. */
struct pg_ban {
	__u64 expires_ns;
	__u64 packets;		/* dropped since the ban (all CPUs) */
	__u64 bytes;
	__u64 created_ns;	/* CLOCK_MONOTONIC */
	__u8 family;
	__u8 limit_id;		/* the limit that banned it */
	__u8 list_id;		/* the list it shows in (deny list --list auto) */
	__u8 pad[5];
	__u8 addr[16];
};

struct pg_ban_row {
	struct pg_ban way[PG_BAN_WAYS];
};

/* The row of an address in pg_src_buckets (with its limit id) and in
 * pg_bans (id 0): shared by both sides and by every program, so the seed
 * is pg_config.limit_seed. */
static inline __u64 pg_limit_hash(__u8 family, const __u8 *addr, __u32 id, __u64 seed)
{
	__u64 a, b, h;

	__builtin_memcpy(&a, addr, 8);
	__builtin_memcpy(&b, addr + 8, 8);
	h = (a ^ seed ^ ((__u64)id << 8 | family)) * 0x9e3779b97f4a7c15ULL;
	h = (h ^ (h >> 32) ^ b) * 0xc2b2ae3d27d4eb4fULL;
	return h ^ (h >> 29);
}

#endif /* __PKTGATE_H */
