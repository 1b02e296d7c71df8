// SPDX-License-Identifier: GPL-2.0
/* Datapath unit cases: the drop-malformed instance. */
#include "cases.h"

static const struct tcase cases[] = {
	/* The drop-malformed instance: only the malformed action changes. */
	{ "v4 TCP default pass", DROPMAL, { .family = 4, .proto = IPPROTO_TCP }, {},
	  PG_R_DEFAULT, 0 },
	{ "v4 IHL 3 dropped", DROPMAL,
	  { .family = 4, .proto = IPPROTO_TCP, .ihl = 3 }, {},
	  PG_R_MALFORMED_DROP, 0 },
	{ "v4 truncated TCP dropped", DROPMAL,
	  { .family = 4, .proto = IPPROTO_TCP, .len = ETH_IP4_LEN + 10 }, {},
	  PG_R_MALFORMED_DROP, 0 },
	{ "v4 truncated TCP from denied source", DROPMAL,
	  { .family = 4, .proto = IPPROTO_TCP, .len = ETH_IP4_LEN + 10 },
	  { DENY(PKT_SRC4 "/32", 1) }, PG_R_DENY, 1 },
	{ "v4 truncated TCP from allowed source passes", DROPMAL,
	  { .family = 4, .proto = IPPROTO_TCP, .len = ETH_IP4_LEN + 10 },
	  { ALLOW(PKT_SRC4 "/32", 2) }, PG_R_ALLOW, 2 },
	{ "three VLAN tags dropped", DROPMAL,
	  { .vlan = { ETH_P_8021AD, ETH_P_8021Q, ETH_P_8021Q }, .family = 4,
	    .proto = IPPROTO_TCP }, {}, PG_R_MALFORMED_DROP, 0 },
	{ "v6 9 extension headers dropped", DROPMAL,
	  { .family = 6, .proto = IPPROTO_UDP, .n_ext = 9,
	    .ext = { CHAIN8, EXT(IPPROTO_DSTOPTS) } }, {}, PG_R_MALFORMED_DROP, 0 },
	{ "ARP non-IP", DROPMAL, { .ethertype = ETH_P_ARP }, {}, PG_R_NON_IP, 0 },
	{ "v4 non-first fragment", DROPMAL,
	  { .family = 4, .proto = IPPROTO_UDP, .frag_off = 185, .len = ETH_IP4_LEN },
	  {}, PG_R_FRAGMENT, 0 },
	{ "v6 UDP source denied", DROPMAL, { .family = 6, .proto = IPPROTO_UDP },
	  { DENY(PKT_SRC6 "/128", 3) }, PG_R_DENY, 3 },
};

CASE_TABLE(dropmal, cases);
