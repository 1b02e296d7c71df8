// SPDX-License-Identifier: GPL-2.0
/* Datapath unit cases: per-list counters. */
#include "cases.h"

/* Per-list counters: a hit counts into the list_id of the entry that
 * decided, packets and bytes; every other case checks that no other list
 * counter moves (none at all for verdicts other than ALLOW and DENY). */
#define LIST_CASES(f, NET, SRC, OUT, ALL)				\
	{ "lists v" #f " deny on list 5 counts into list 5", PLAIN,	\
	  { .family = f, .proto = IPPROTO_UDP },			\
	  { DENYX(SRC, 50, .list = 5) }, PG_R_DENY, 50 },		\
	{ "lists v" #f " allow on list 2 beats deny on list 5: list 2 counts", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP },			\
	  { ALLOWX(NET, 51, .list = 2), DENYX(SRC, 50, .list = 5) }, PG_R_ALLOW, 51 }, \
	{ "lists v" #f " deny on list 5 outside allow on list 2: list 5 counts", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .src = OUT },		\
	  { ALLOWX(NET, 51, .list = 2), DENYX(ALL, 50, .list = 5) }, PG_R_DENY, 50 }, \
	{ "lists v" #f " bulk entry (rule_id 0) on list 5 counts into list 5 only", PLAIN, \
	  { .family = f, .proto = IPPROTO_UDP, .payload = 333 },	\
	  { DENYX(NET, 0, .list = 5) }, PG_R_DENY, 0 },		\
	{ "lists v" #f " entry in lists 2 and 5 counts into its list_id (5) only", PLAIN, \
	  { .family = f, .proto = IPPROTO_UDP },			\
	  { DENYX(SRC, 50, .list = 5, .also = 1 << 2) }, PG_R_DENY, 50 }, \
	{ "lists v" #f " port-scoped deny on list 2 counts into list 2", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { DENYX(NET, 52, TCP(22), .list = 2) }, PG_R_DENY, 52 },	\
	{ "lists v" #f " expired entry on list 5 inside live one on list 2: list 2 counts", PLAIN, \
	  { .family = f, .proto = IPPROTO_UDP },			\
	  { DENYX(SRC, 50, .list = 5, .ttl = TTL_EXPIRED), DENYX(NET, 52, .list = 2) }, \
	  PG_R_DENY, 52 },						\
	{ "lists v" #f " default verdict beside entries on lists 2 and 5 counts no list", PLAIN, \
	  { .family = f, .proto = IPPROTO_UDP, .src = OUT },		\
	  { ALLOWX(NET, 51, .list = 2), DENYX(NET, 50, .list = 5) }, PG_R_DEFAULT, 0 }, \
	{ "lists v" #f " malformed frame beside entries on lists 2 and 5 counts no list", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .version = f == 4 ? 6 : 4, .src = OUT }, \
	  { DENYX(NET, 50, .list = 5), ALLOWX(NET, 51, .list = 2) }, PG_R_MALFORMED, 0 }, \
	{ "lists v" #f " malformed frame from a source denied on list 5 counts into list 5", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .version = f == 4 ? 6 : 4 }, \
	  { DENYX(ALL, 50, .list = 5) }, PG_R_DENY, 50 }

static const struct tcase cases[] = {
	LIST_CASES(4, "198.51.100.0/24", PKT_SRC4 "/32", "203.0.113.9", "0.0.0.0/0"),
	LIST_CASES(6, "2001:db8:100::/48", PKT_SRC6 "/128", "2001:db8:200::9", "::/0"),
	{ "lists ARP despite deny all on list 5 counts no list", PLAIN,
	  { .ethertype = ETH_P_ARP },
	  { DENYX("0.0.0.0/0", 50, .list = 5), DENYX("::/0", 50, .list = 5) },
	  PG_R_NON_IP, 0 },
};

CASE_TABLE(lists, cases);
