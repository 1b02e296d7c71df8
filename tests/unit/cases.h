// SPDX-License-Identifier: GPL-2.0
/*
 * The datapath unit tests' case tables: what a case is (a frame, the
 * rules in the lists, the verdict and rule counter expected), the macros
 * the tables are written with, and the registry of tables.
 *
 * The harness (test_datapath.c) runs every case of every table, in the
 * order of CASE_TABLES, once per program and once per tier. A new feature
 * adds its cases in a new cases_<topic>.c ending in CASE_TABLE(topic, ...)
 * and one X(topic) line in CASE_TABLES.
 */
#ifndef PG_TEST_CASES_H
#define PG_TEST_CASES_H

#include <stddef.h>
#include <linux/if_ether.h>
#include <netinet/in.h>

#include "pktgate.h"
#include "pktbuild.h"

#define MAX_RULES	4
/* The kernel's test_run refuses frames shorter than an Ethernet header
 * (as no driver hands those to XDP or TC): expected outcome for such
 * lengths. See also skb_refuses_short_l3. */
#define REJECTED	(-1)

/* The program instances a case can run on (see insts in test_datapath.c).
 * POLSTATELESS is policy drop --stateless (no conntrack lookups). SEL_A
 * and SEL_B are attached with --lists: only list SEL_LIST_A, only
 * SEL_LIST_B (the manual lists apply on neither). */
enum inst_id { PLAIN, DROPMAL, POLDROP, POLSTATELESS, SEL_A, SEL_B, SYNCOOKIE, TOPSAMPLE, INST_MAX };
#define SEL_LIST_A	5
#define SEL_LIST_B	6

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
	int protect;		/* a protected prefix (protect add), not a list entry */
	__u8 sel;		/* match selector (PG_SEL_*): a port-table key */
	__u8 icmp;		/* port is an ICMP type (PG_ICMP_TYPE_PORT) */
};

struct tcase {
	const char *name;
	enum inst_id inst;
	struct pkt_spec pkt;
	struct rule_spec rules[MAX_RULES];
	int reason;		/* enum pg_reason or REJECTED */
	__u32 rule_id;		/* rule counter expected to count, 0: none */
};

/* A table of cases, one per case file. */
struct case_table {
	const char *topic;
	const struct tcase *cases;
	size_t n;
};

#define CASE_TABLE(t, arr)						\
	const struct case_table cases_##t = { #t, arr, sizeof(arr) / sizeof(arr[0]) }

/* Every table, in the order they run (the counter state one case leaves
 * is the state the next one starts from, so the order is kept). */
#define CASE_TABLES(X)							\
	X(basic)							\
	X(vlan)								\
	X(malformed)							\
	X(fragments)							\
	X(lpm)								\
	X(ttl)								\
	X(dropmal)							\
	X(ports)							\
	X(lists)							\
	X(protect)							\
	X(policy)							\
	X(listsel)

#define CASE_TABLE_DECL(t)	extern const struct case_table cases_##t;
CASE_TABLES(CASE_TABLE_DECL)
#undef CASE_TABLE_DECL

/* ---- truncation sweeps (cases_sweeps.c) ---- */

/* A frame cut at every length, with no rules, its peer denied, allowed. */
struct sweep {
	const char *name;
	struct pkt_spec pkt;
};

extern const struct sweep sweeps[];
extern const size_t n_sweeps;

/* ---- the macros the tables are written with ---- */

#define DENY(c, i)		{ .kind = PG_LIST_DENY, .cidr = c, .id = i }
#define ALLOW(c, i)		{ .kind = PG_LIST_ALLOW, .cidr = c, .id = i }
#define DENY_T(c, t, i)		{ .kind = PG_LIST_DENY, .cidr = c, .ttl = t, .id = i }
#define ALLOW_T(c, t, i)	{ .kind = PG_LIST_ALLOW, .cidr = c, .ttl = t, .id = i }
#define DENY_ALL4		DENY("0.0.0.0/0", 9)
#define DENY_ALL6		DENY("::/0", 9)
/* Any other rule: designated fields after the cidr and rule id, e.g.
 * DENYX(c, 40, TCP(22), .ttl = TTL_EXPIRED, .list = 5). */
#define DENYX(c, i, ...)	{ .kind = PG_LIST_DENY, .cidr = c, .id = i, __VA_ARGS__ }
#define PROTECT(c)		{ .cidr = c, .protect = 1 }
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

#endif
