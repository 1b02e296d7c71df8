// SPDX-License-Identifier: GPL-2.0
/* Datapath unit cases: protected prefixes (protect add) pass before any
 * list: no rule or list counter counts, whatever the tier of the deny
 * entry. */
#include "cases.h"

static const struct tcase cases[] = {
	{ "protect v4 source beats deny 0.0.0.0/0 and its own /32 deny", PLAIN,
	  { .family = 4, .proto = IPPROTO_TCP },
	  { DENY_ALL4, DENY(PKT_SRC4 "/32", 3), PROTECT("198.51.100.0/24") },
	  PG_R_PROTECT, 0 },
	{ "protect v6 source beats deny ::/0 and a port-scoped deny", PLAIN,
	  { .family = 6, .proto = IPPROTO_TCP },
	  { DENY_ALL6, DENYX(PKT_SRC6 "/128", 4, TCP(0)), PROTECT(PKT_SRC6 "/128") },
	  PG_R_PROTECT, 0 },
	{ "protect v4 source beats deny on a --drop-malformed interface", DROPMAL,
	  { .family = 4, .proto = IPPROTO_TCP }, { DENY_ALL4, PROTECT(PKT_SRC4 "/32") },
	  PG_R_PROTECT, 0 },
	{ "protect of another v4 prefix: the deny still drops", PLAIN,
	  { .family = 4, .proto = IPPROTO_TCP },
	  { DENY(PKT_SRC4 "/32", 3), PROTECT("203.0.113.0/24") }, PG_R_DENY, 3 },
	{ "protect v4 only: v6 source is denied", PLAIN,
	  { .family = 6, .proto = IPPROTO_UDP }, { DENY("::/0", 5), PROTECT("0.0.0.0/0") },
	  PG_R_DENY, 5 },
	{ "protect without its pg_config bit is not looked up", PLAIN,
	  { .family = 4, .proto = IPPROTO_TCP },
	  { DENY(PKT_SRC4 "/32", 3), { .cidr = PKT_SRC4 "/32", .protect = 1, .unannounced = 1 } },
	  PG_R_DENY, 3 },
};

CASE_TABLE(protect, cases);
