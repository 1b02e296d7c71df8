// SPDX-License-Identifier: GPL-2.0
/* Datapath unit cases: the policy-drop instance (attach --policy drop).
 * BPF_PROG_TEST_RUN packets belong to no conntrack entry, so TCP and UDP
 * without an allow entry are dropped as policy. */
#include "cases.h"

static const struct tcase cases[] = {
	{ "v4 TCP no entry: policy drop", POLDROP, { .family = 4, .proto = IPPROTO_TCP }, {},
	  PG_R_POLICY, 0 },
	{ "v6 UDP no entry: policy drop", POLDROP, { .family = 6, .proto = IPPROTO_UDP }, {},
	  PG_R_POLICY, 0 },
	{ "v4 TCP allowed source passes", POLDROP, { .family = 4, .proto = IPPROTO_TCP },
	  { ALLOW(PKT_SRC4 "/32", 2) }, PG_R_ALLOW, 2 },
	{ "v6 UDP allowed prefix passes", POLDROP, { .family = 6, .proto = IPPROTO_UDP },
	  { ALLOW(PKT_SRC6 "/64", 4) }, PG_R_ALLOW, 4 },
	{ "v4 TCP denied source: deny", POLDROP, { .family = 4, .proto = IPPROTO_TCP },
	  { DENY(PKT_SRC4 "/32", 1) }, PG_R_DENY, 1 },
	{ "ARP passes as neighbor", POLDROP, { .ethertype = ETH_P_ARP }, {},
	  PG_R_NEIGHBOR, 0 },
	{ "LLDP-like non-IP: policy drop", POLDROP, { .ethertype = 0x88cc }, {},
	  PG_R_POLICY, 0 },
	{ "v4 non-first fragment: policy drop", POLDROP,
	  { .family = 4, .proto = IPPROTO_UDP, .frag_off = 185, .len = ETH_IP4_LEN },
	  {}, PG_R_POLICY, 0 },
	{ "v4 truncated TCP: policy drop", POLDROP,
	  { .family = 4, .proto = IPPROTO_TCP, .len = ETH_IP4_LEN + 10 }, {},
	  PG_R_POLICY, 0 },
};

CASE_TABLE(policy, cases);
