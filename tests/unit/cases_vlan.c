// SPDX-License-Identifier: GPL-2.0
/* Datapath unit cases: VLAN and QinQ, and more tags than a well-formed frame has. */
#include "cases.h"

#define VLAN3		{ ETH_P_8021AD, ETH_P_8021Q, ETH_P_8021Q }
#define VLAN4		{ ETH_P_8021AD, ETH_P_8021Q, ETH_P_8021Q, ETH_P_8021Q }
#define VLAN5		{ ETH_P_8021AD, ETH_P_8021Q, ETH_P_8021Q, ETH_P_8021Q, ETH_P_8021Q }

static const struct tcase cases[] = {
	/* VLAN and QinQ. */
	{ "VLAN v4 TCP default pass", PLAIN,
	  { .vlan = { ETH_P_8021Q }, .family = 4, .proto = IPPROTO_TCP }, {},
	  PG_R_DEFAULT, 0 },
	{ "VLAN v4 TCP source denied", PLAIN,
	  { .vlan = { ETH_P_8021Q }, .family = 4, .proto = IPPROTO_TCP },
	  { DENY(PKT_SRC4 "/32", 1) }, PG_R_DENY, 1 },
	{ "QinQ v4 UDP source denied", PLAIN,
	  { .vlan = QINQ, .family = 4, .proto = IPPROTO_UDP },
	  { DENY(PKT_SRC4 "/32", 2) }, PG_R_DENY, 2 },
	{ "double 802.1Q v4 ICMP source denied", PLAIN,
	  { .vlan = { ETH_P_8021Q, ETH_P_8021Q }, .family = 4, .proto = IPPROTO_ICMP },
	  { DENY(PKT_SRC4 "/32", 3) }, PG_R_DENY, 3 },
	{ "VLAN v6 UDP source denied", PLAIN,
	  { .vlan = { ETH_P_8021Q }, .family = 6, .proto = IPPROTO_UDP },
	  { DENY(PKT_SRC6 "/128", 4) }, PG_R_DENY, 4 },
	{ "QinQ v6 TCP source denied", PLAIN,
	  { .vlan = QINQ, .family = 6, .proto = IPPROTO_TCP },
	  { DENY(PKT_SRC6 "/128", 5) }, PG_R_DENY, 5 },
	{ "QinQ v6 ICMPv6 default pass", PLAIN,
	  { .vlan = QINQ, .family = 6, .proto = IPPROTO_ICMPV6 }, {},
	  PG_R_DEFAULT, 0 },
	/* More tags than a well-formed frame: malformed, but the addresses
	 * behind a third and a fourth tag are read (PG_MAX_VLAN_WALK). */
	READABLE4("third VLAN tag TCP", .vlan = VLAN3, .proto = IPPROTO_TCP),
	READABLE6("third VLAN tag UDP", .vlan = VLAN3, .proto = IPPROTO_UDP),
	READABLE4("fourth VLAN tag UDP", .vlan = VLAN4, .proto = IPPROTO_UDP),
	READABLE6("fourth VLAN tag TCP", .vlan = VLAN4, .proto = IPPROTO_TCP),
	{ "fifth VLAN tag malformed though source denied", PLAIN,
	  { .vlan = VLAN5, .family = 4, .proto = IPPROTO_TCP }, { DENY_ALL4 },
	  PG_R_MALFORMED, 0 },
	{ "fifth VLAN tag dropped though source allowed", DROPMAL,
	  { .vlan = VLAN5, .family = 6, .proto = IPPROTO_UDP },
	  { ALLOW(PKT_SRC6 "/128", 17) }, PG_R_MALFORMED_DROP, 0 },
	{ "third VLAN tag cut inside the tag malformed though source denied", PLAIN,
	  { .vlan = VLAN3, .family = 4, .proto = IPPROTO_TCP, .len = ETH_HLEN + 10 },
	  { DENY_ALL4 }, PG_R_MALFORMED, 0 },
	{ "third VLAN tag cut inside the source address malformed though denied", PLAIN,
	  { .vlan = VLAN3, .family = 4, .proto = IPPROTO_TCP, .len = ETH_HLEN + 12 + 14 },
	  { DENY_ALL4 }, PG_R_MALFORMED, 0 },
	{ "third VLAN tag non-IP malformed", PLAIN,
	  { .vlan = VLAN3, .ethertype = ETH_P_ARP }, { DENY_ALL4 }, PG_R_MALFORMED, 0 },
};

CASE_TABLE(vlan, cases);
