// SPDX-License-Identifier: GPL-2.0
/* Datapath unit cases: IPv4 and IPv6 fragments. */
#include "cases.h"

static const struct tcase cases[] = {
	/* Fragments: only a non-first fragment lacks an L4 header. */
	{ "v4 first fragment TCP default pass", PLAIN,
	  { .family = 4, .proto = IPPROTO_TCP, .frag_off = 0x2000 }, {},
	  PG_R_DEFAULT, 0 },
	{ "v4 first fragment with truncated TCP malformed", PLAIN,
	  { .family = 4, .proto = IPPROTO_TCP, .frag_off = 0x2000,
	    .len = ETH_IP4_LEN + 10 }, {}, PG_R_MALFORMED, 0 },
	{ "v4 middle fragment (MF, offset 185)", PLAIN,
	  { .family = 4, .proto = IPPROTO_TCP, .frag_off = 0x2000 | 185 }, {},
	  PG_R_FRAGMENT, 0 },
	{ "v4 last fragment without L4 bytes", PLAIN,
	  { .family = 4, .proto = IPPROTO_UDP, .frag_off = 1, .len = ETH_IP4_LEN },
	  {}, PG_R_FRAGMENT, 0 },
	{ "v4 non-first fragment from denied source", PLAIN,
	  { .family = 4, .proto = IPPROTO_UDP, .frag_off = 185 },
	  { DENY("198.51.100.0/24", 12) }, PG_R_DENY, 12 },
	{ "v4 non-first fragment from allowed source", PLAIN,
	  { .family = 4, .proto = IPPROTO_UDP, .frag_off = 185 },
	  { ALLOW(PKT_SRC4 "/32", 13), DENY_ALL4 }, PG_R_ALLOW, 13 },
	{ "v6 first fragment UDP default pass", PLAIN,
	  { .family = 6, .proto = IPPROTO_UDP, .n_ext = 1,
	    .ext = { EXT_FRAG(V6_MF) } }, {}, PG_R_DEFAULT, 0 },
	{ "v6 first fragment with truncated UDP malformed", PLAIN,
	  { .family = 6, .proto = IPPROTO_UDP, .n_ext = 1,
	    .ext = { EXT_FRAG(V6_MF) }, .len = ETH_IP6_LEN + 8 + 4 }, {},
	  PG_R_MALFORMED, 0 },
	{ "v6 non-first fragment", PLAIN,
	  { .family = 6, .proto = IPPROTO_UDP, .n_ext = 1,
	    .ext = { EXT_FRAG(V6_OFF(100)) } }, {}, PG_R_FRAGMENT, 0 },
	{ "v6 non-first fragment without L4 bytes after hop-by-hop", PLAIN,
	  { .family = 6, .proto = IPPROTO_TCP, .n_ext = 2,
	    .ext = { EXT(IPPROTO_HOPOPTS), EXT_FRAG(V6_OFF(100) | V6_MF) },
	    .len = ETH_IP6_LEN + 16 }, {}, PG_R_FRAGMENT, 0 },
	{ "v6 non-first fragment from denied source", PLAIN,
	  { .family = 6, .proto = IPPROTO_UDP, .n_ext = 1,
	    .ext = { EXT_FRAG(V6_OFF(100)) } }, { DENY(PKT_SRC6 "/128", 14) },
	  PG_R_DENY, 14 },
	{ "v6 fragment header cut short malformed", PLAIN,
	  { .family = 6, .proto = IPPROTO_UDP, .n_ext = 1,
	    .ext = { EXT_FRAG(V6_OFF(100)) }, .len = ETH_IP6_LEN + 4 }, {},
	  PG_R_MALFORMED, 0 },
};

CASE_TABLE(fragments, cases);
