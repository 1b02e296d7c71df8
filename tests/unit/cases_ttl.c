// SPDX-License-Identifier: GPL-2.0
/* Datapath unit cases: entries with a TTL, live and expired. */
#include "cases.h"

static const struct tcase cases[] = {
	/* TTL: an expired entry is absent, a live one is not. */
	{ "TTL v4 expired deny /32 inside live deny /24", PLAIN,
	  { .family = 4, .proto = IPPROTO_TCP },
	  { DENY_T(PKT_SRC4 "/32", TTL_EXPIRED, 1),
	    DENY_T("198.51.100.0/24", TTL_LIVE, 2) }, PG_R_DENY, 2 },
	{ "TTL v4 expired deny /32 alone", PLAIN,
	  { .family = 4, .proto = IPPROTO_TCP },
	  { DENY_T(PKT_SRC4 "/32", TTL_EXPIRED, 1) }, PG_R_DEFAULT, 0 },
	{ "TTL v4 live deny /32", PLAIN, { .family = 4, .proto = IPPROTO_TCP },
	  { DENY_T(PKT_SRC4 "/32", TTL_LIVE, 1) }, PG_R_DENY, 1 },
	{ "TTL v4 expired /32 and /24 inside permanent /8", PLAIN,
	  { .family = 4, .proto = IPPROTO_TCP },
	  { DENY_T(PKT_SRC4 "/32", TTL_EXPIRED, 1),
	    DENY_T("198.51.100.0/24", TTL_EXPIRED, 2), DENY("198.0.0.0/8", 3) },
	  PG_R_DENY, 3 },
	{ "TTL v4 expired deny /0 alone", PLAIN, { .family = 4, .proto = IPPROTO_TCP },
	  { DENY_T("0.0.0.0/0", TTL_EXPIRED, 1) }, PG_R_DEFAULT, 0 },
	{ "TTL v4 expired allow /32 no longer shields from deny /24", PLAIN,
	  { .family = 4, .proto = IPPROTO_UDP },
	  { ALLOW_T(PKT_SRC4 "/32", TTL_EXPIRED, 1), DENY("198.51.100.0/24", 2) },
	  PG_R_DENY, 2 },
	{ "TTL v4 live allow /32 shields from deny /24", PLAIN,
	  { .family = 4, .proto = IPPROTO_UDP },
	  { ALLOW_T(PKT_SRC4 "/32", TTL_LIVE, 1), DENY("198.51.100.0/24", 2) },
	  PG_R_ALLOW, 1 },
	{ "TTL v6 expired deny /128 inside live deny /64", PLAIN,
	  { .family = 6, .proto = IPPROTO_UDP },
	  { DENY_T(PKT_SRC6 "/128", TTL_EXPIRED, 1),
	    DENY_T("2001:db8:100::/64", TTL_LIVE, 2) }, PG_R_DENY, 2 },
	{ "TTL v6 expired deny /128 alone", PLAIN,
	  { .family = 6, .proto = IPPROTO_UDP },
	  { DENY_T(PKT_SRC6 "/128", TTL_EXPIRED, 1) }, PG_R_DEFAULT, 0 },
};

CASE_TABLE(ttl, cases);
