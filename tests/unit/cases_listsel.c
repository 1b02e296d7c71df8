// SPDX-License-Identifier: GPL-2.0
/* Datapath unit cases: per-interface list selection (attach --lists) with
 * overlapping lists, on instances that apply list A only (SEL_A), list B
 * only (SEL_B) and every list (PLAIN). Address entries go to the dynamic
 * tier (hash, trie) in the first pass and to the compiled tier in the
 * second; port entries stay dynamic. An entry of a list that does not
 * apply is absent: a covering entry of a list that does still matches,
 * and a hit counts into the first of the entry's lists that applies. */
#include "cases.h"

#define LA	.list = SEL_LIST_A
#define LB	.list = SEL_LIST_B

#define SEL_CASES(f, SRC, NETB, NETA, OUT)				\
	/* A denies the /16 (/32), B allows the /24 (/48) inside it. */	\
	{ "listsel v" #f " A deny and B allow overlap, every list: B allows", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP },			\
	  { DENYX(NETA, 54, LA), ALLOWX(NETB, 55, LB) }, PG_R_ALLOW, 55 }, \
	{ "listsel v" #f " A deny and B allow overlap, only A: B's allow is absent", SEL_A, \
	  { .family = f, .proto = IPPROTO_TCP },			\
	  { DENYX(NETA, 54, LA), ALLOWX(NETB, 55, LB) }, PG_R_DENY, 54 }, \
	{ "listsel v" #f " A deny and B allow overlap, only B: B allows", SEL_B, \
	  { .family = f, .proto = IPPROTO_TCP },			\
	  { DENYX(NETA, 54, LA), ALLOWX(NETB, 55, LB) }, PG_R_ALLOW, 55 }, \
	{ "listsel v" #f " outside B, only B: A's deny is absent", SEL_B, \
	  { .family = f, .proto = IPPROTO_UDP, .src = OUT },		\
	  { DENYX(NETA, 54, LA), ALLOWX(NETB, 55, LB) }, PG_R_DEFAULT, 0 }, \
	{ "listsel v" #f " outside B, only A: A denies", SEL_A,	\
	  { .family = f, .proto = IPPROTO_UDP, .src = OUT },		\
	  { DENYX(NETA, 54, LA), ALLOWX(NETB, 55, LB) }, PG_R_DENY, 54 }, \
	/* Two deny lists: B's host entry inside A's prefix. */		\
	{ "listsel v" #f " B host deny inside A prefix, every list: the host entry", PLAIN, \
	  { .family = f, .proto = IPPROTO_UDP },			\
	  { DENYX(NETA, 54, LA), DENYX(SRC, 56, LB) }, PG_R_DENY, 56 },	\
	{ "listsel v" #f " B host deny inside A prefix, only A: A's covering prefix", SEL_A, \
	  { .family = f, .proto = IPPROTO_UDP },			\
	  { DENYX(NETA, 54, LA), DENYX(SRC, 56, LB) }, PG_R_DENY, 54 },	\
	{ "listsel v" #f " B host deny inside A prefix, only B: the host entry", SEL_B, \
	  { .family = f, .proto = IPPROTO_UDP },			\
	  { DENYX(NETA, 54, LA), DENYX(SRC, 56, LB) }, PG_R_DENY, 56 },	\
	/* One entry in both lists counts into the one that applies. */	\
	{ "listsel v" #f " entry of A also in B, only B: counts into B", SEL_B, \
	  { .family = f, .proto = IPPROTO_UDP },			\
	  { DENYX(SRC, 57, LA, .also = 1ULL << SEL_LIST_B) }, PG_R_DENY, 57 }, \
	{ "listsel v" #f " entry of B also in A, only A: counts into A", SEL_A, \
	  { .family = f, .proto = IPPROTO_UDP },			\
	  { DENYX(NETB, 57, LB, .also = 1ULL << SEL_LIST_A) }, PG_R_DENY, 57 }, \
	{ "listsel v" #f " entry of A also in B, every list: counts into A", PLAIN, \
	  { .family = f, .proto = IPPROTO_UDP },			\
	  { DENYX(SRC, 57, LA, .also = 1ULL << SEL_LIST_B) }, PG_R_DENY, 57 }, \
	/* The manual lists are lists like the others. */		\
	{ "listsel v" #f " manual deny, only A: absent", SEL_A,	\
	  { .family = f, .proto = IPPROTO_TCP }, { DENY(SRC, 58) }, PG_R_DEFAULT, 0 }, \
	{ "listsel v" #f " manual allow absent, only A: A denies", SEL_A, \
	  { .family = f, .proto = IPPROTO_TCP },			\
	  { ALLOW(SRC, 59), DENYX(NETA, 54, LA) }, PG_R_DENY, 54 },	\
	{ "listsel v" #f " manual allow beats A deny, every list", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP },			\
	  { ALLOW(SRC, 59), DENYX(NETA, 54, LA) }, PG_R_ALLOW, 59 },	\
	/* Port entries (dynamic tier in both passes) beside address ones. */ \
	{ "listsel v" #f " B port deny, only A: absent", SEL_A,	\
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { DENYX(NETB, 60, TCP(22), LB) }, PG_R_DEFAULT, 0 },		\
	{ "listsel v" #f " B port deny, only B: denies", SEL_B,	\
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { DENYX(NETB, 60, TCP(22), LB) }, PG_R_DENY, 60 },		\
	{ "listsel v" #f " B port allow over A address deny, only A: A denies", SEL_A, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { ALLOWX(NETB, 61, TCP(22), LB), DENYX(NETA, 54, LA) }, PG_R_DENY, 54 }, \
	{ "listsel v" #f " B port allow over A address deny, every list: B allows", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { ALLOWX(NETB, 61, TCP(22), LB), DENYX(NETA, 54, LA) }, PG_R_ALLOW, 61 }, \
	/* An expired entry of A inside a live one of B. */		\
	{ "listsel v" #f " expired A host inside live B prefix, only A: nothing", SEL_A, \
	  { .family = f, .proto = IPPROTO_UDP },			\
	  { DENYX(SRC, 62, LA, .ttl = TTL_EXPIRED), DENYX(NETB, 56, LB) }, PG_R_DEFAULT, 0 }, \
	{ "listsel v" #f " expired A host inside live B prefix, only B: B denies", SEL_B, \
	  { .family = f, .proto = IPPROTO_UDP },			\
	  { DENYX(SRC, 62, LA, .ttl = TTL_EXPIRED), DENYX(NETB, 56, LB) }, PG_R_DENY, 56 }

static const struct tcase cases[] = {
	SEL_CASES(4, PKT_SRC4 "/32", "198.51.100.0/24", "198.51.0.0/16", "198.51.7.7"),
	SEL_CASES(6, PKT_SRC6 "/128", "2001:db8:100::/48", "2001:db8::/32", "2001:db8:200::9"),
};

CASE_TABLE(listsel, cases);
