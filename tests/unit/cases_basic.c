// SPDX-License-Identifier: GPL-2.0
/* Datapath unit cases: plain IP with nothing listed, rules name the peer, full-size
 * frames, non-IP. */
#include "cases.h"

static const struct tcase cases[] = {
	/* Plain IP, nothing listed. */
	{ "v4 TCP default pass", PLAIN, { .family = 4, .proto = IPPROTO_TCP }, {},
	  PG_R_DEFAULT, 0 },
	{ "v4 UDP default pass", PLAIN, { .family = 4, .proto = IPPROTO_UDP }, {},
	  PG_R_DEFAULT, 0 },
	{ "v4 ICMP default pass", PLAIN, { .family = 4, .proto = IPPROTO_ICMP }, {},
	  PG_R_DEFAULT, 0 },
	{ "v6 TCP default pass", PLAIN, { .family = 6, .proto = IPPROTO_TCP }, {},
	  PG_R_DEFAULT, 0 },
	{ "v6 UDP default pass", PLAIN, { .family = 6, .proto = IPPROTO_UDP }, {},
	  PG_R_DEFAULT, 0 },
	{ "v6 ICMPv6 default pass", PLAIN, { .family = 6, .proto = IPPROTO_ICMPV6 },
	  {}, PG_R_DEFAULT, 0 },
	{ "v4 GRE (no L4 parsing) default pass", PLAIN,
	  { .family = 4, .proto = IPPROTO_GRE }, {}, PG_R_DEFAULT, 0 },
	{ "v4 with IP options (IHL 6) default pass", PLAIN,
	  { .family = 4, .proto = IPPROTO_TCP, .ihl = 6 }, {}, PG_R_DEFAULT, 0 },
	{ "v4 TCP with options (doff 8) default pass", PLAIN,
	  { .family = 4, .proto = IPPROTO_TCP, .tcp_doff = 8 }, {}, PG_R_DEFAULT, 0 },
	{ "v4 tot_len equal to IHL*4 default pass", PLAIN,
	  { .family = 4, .proto = IPPROTO_GRE, .tot_len = 20 }, {}, PG_R_DEFAULT, 0 },
	{ "v4 DF alone is not a fragment", PLAIN,
	  { .family = 4, .proto = IPPROTO_UDP, .frag_off = 0x4000 }, {},
	  PG_R_DEFAULT, 0 },
	/* Rules name the peer: the sender here (the receiver when mirrored
	 * for egress), never the local end. */
	{ "v4 deny on the destination address does not match", PLAIN,
	  { .family = 4, .proto = IPPROTO_TCP }, { DENY("192.0.2.1/32", 1) },
	  PG_R_DEFAULT, 0 },
	{ "v6 deny on the destination address does not match", PLAIN,
	  { .family = 6, .proto = IPPROTO_TCP }, { DENY("2001:db8:ffff::1/128", 1) },
	  PG_R_DEFAULT, 0 },
	{ "v4 deny 0.0.0.0/0 does not touch v6", PLAIN,
	  { .family = 6, .proto = IPPROTO_UDP }, { DENY_ALL4 }, PG_R_DEFAULT, 0 },
	{ "v6 deny ::/0 does not touch v4", PLAIN,
	  { .family = 4, .proto = IPPROTO_UDP }, { DENY_ALL6 }, PG_R_DEFAULT, 0 },

	/* Full-size frames: every byte is counted, not just the headers. */
	{ "v4 UDP full-size frame (1514 bytes) default pass", PLAIN,
	  { .family = 4, .proto = IPPROTO_UDP, .payload = 1514 - ETH_IP4_LEN - 8 },
	  {}, PG_R_DEFAULT, 0 },
	{ "v6 TCP full-size frame (1514 bytes) from denied source", PLAIN,
	  { .family = 6, .proto = IPPROTO_TCP, .payload = 1514 - ETH_IP6_LEN - 20 },
	  { DENY(PKT_SRC6 "/128", 15) }, PG_R_DENY, 15 },

	/* Non-IP: never filtered, so a deny-all cannot lock out ARP. */
	{ "ARP non-IP", PLAIN, { .ethertype = ETH_P_ARP }, {}, PG_R_NON_IP, 0 },
	{ "ARP non-IP despite deny 0.0.0.0/0", PLAIN, { .ethertype = ETH_P_ARP },
	  { DENY_ALL4, DENY_ALL6 }, PG_R_NON_IP, 0 },
	{ "VLAN ARP non-IP despite deny 0.0.0.0/0", PLAIN,
	  { .vlan = { ETH_P_8021Q }, .ethertype = ETH_P_ARP }, { DENY_ALL4 },
	  PG_R_NON_IP, 0 },
	{ "LLDP non-IP", PLAIN, { .ethertype = ETH_P_LLDP }, { DENY_ALL4 },
	  PG_R_NON_IP, 0 },
};

CASE_TABLE(basic, cases);
