// SPDX-License-Identifier: GPL-2.0
/* Datapath unit cases: the policy-drop instances (attach --policy drop,
 * and with --stateless). These frames belong to no conntrack entry, so TCP
 * and UDP without an allow entry are dropped as policy (scen_ct.c runs
 * one that has an entry); the safety rules: ICMP "related" types, IPv6
 * neighbour discovery / RA / RS / MLD and ARP as "neighbor", even from a
 * denied address. */
#include "cases.h"

#define ICMPT4(t)	.family = 4, .proto = IPPROTO_ICMP, .icmp_type = (t), .icmp_type_set = 1
#define ICMPT6(t)	.family = 6, .proto = IPPROTO_ICMPV6, .icmp_type = (t), .icmp_type_set = 1

/* An ICMP(v6) type passed as related on both policy-drop instances (the
 * type alone decides: no lookup), dropped as deny from a denied source. */
#define RELATED(what, SPEC, SRC)						{ what ": related", POLDROP, { SPEC }, {}, PG_R_RELATED, 0 },		{ what ": related, stateless", POLSTATELESS, { SPEC }, {}, PG_R_RELATED, 0 }, 	{ what " from denied source: deny", POLDROP, { SPEC },			  { DENY(SRC, 3) }, PG_R_DENY, 3 }
#define RELATED4(what, t)	RELATED("v4 ICMP " what, ICMPT4(t), PKT_SRC4 "/32")
#define RELATED6(what, t)	RELATED("v6 ICMPv6 " what, ICMPT6(t), PKT_SRC6 "/128")

/* An ICMPv6 neighbour type: neighbor with no entry, and from a source
 * denied by a host entry and by ::/0 (no rule or list counts). */
#define NEIGHBOR6(what, t)							{ "v6 ICMPv6 " what ": neighbor", POLDROP, { ICMPT6(t) }, {},		  PG_R_NEIGHBOR, 0 },							{ "v6 ICMPv6 " what " from denied source: neighbor", POLDROP,		  { ICMPT6(t) }, { DENY(PKT_SRC6 "/128", 3) }, PG_R_NEIGHBOR, 0 }, 	{ "v6 ICMPv6 " what " despite deny ::/0: neighbor, stateless", POLSTATELESS, 	  { ICMPT6(t) }, { DENY_ALL6 }, PG_R_NEIGHBOR, 0 }

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
	/* Related: echo replies and errors. */
	RELATED4("echo reply (0)", 0),
	RELATED4("destination unreachable (3)", 3),
	RELATED4("time exceeded (11)", 11),
	RELATED4("parameter problem (12)", 12),
	RELATED6("echo reply (129)", 129),
	RELATED6("destination unreachable (1)", 1),
	RELATED6("packet too big (2)", 2),
	RELATED6("time exceeded (3)", 3),
	RELATED6("parameter problem (4)", 4),
	{ "v4 ICMP echo reply from allowed source: allow", POLDROP, { ICMPT4(0) },
	  { ALLOW(PKT_SRC4 "/32", 2) }, PG_R_ALLOW, 2 },
	/* Other ICMP types are not let in by type. */
	{ "v4 ICMP echo request (8): policy drop", POLDROP, { ICMPT4(8) }, {}, PG_R_POLICY, 0 },
	{ "v4 ICMP redirect (5): policy drop", POLDROP, { ICMPT4(5) }, {}, PG_R_POLICY, 0 },
	{ "v4 ICMP timestamp (13): policy drop", POLDROP, { ICMPT4(13) }, {}, PG_R_POLICY, 0 },
	{ "v4 ICMP type 135 (an ICMPv6 ND number): policy drop", POLDROP, { ICMPT4(135) }, {},
	  PG_R_POLICY, 0 },
	{ "v6 ICMPv6 echo request (128): policy drop", POLDROP, { ICMPT6(128) }, {},
	  PG_R_POLICY, 0 },
	{ "v6 ICMPv6 type 5 (unassigned error): policy drop", POLDROP, { ICMPT6(5) }, {},
	  PG_R_POLICY, 0 },
	{ "v6 ICMPv6 node information (139): policy drop", POLDROP, { ICMPT6(139) }, {},
	  PG_R_POLICY, 0 },
	/* Neighbour discovery, router discovery, MLD: always. */
	NEIGHBOR6("MLD query (130)", 130),
	NEIGHBOR6("MLD report (131)", 131),
	NEIGHBOR6("MLD done (132)", 132),
	NEIGHBOR6("router solicitation (133)", 133),
	NEIGHBOR6("router advertisement (134)", 134),
	NEIGHBOR6("neighbour solicitation (135)", 135),
	NEIGHBOR6("neighbour advertisement (136)", 136),
	NEIGHBOR6("redirect (137)", 137),
	NEIGHBOR6("MLDv2 report (143)", 143),
	{ "v6 ICMPv6 neighbour solicitation from allowed source: allow", POLDROP,
	  { ICMPT6(135) }, { ALLOW(PKT_SRC6 "/128", 2) }, PG_R_ALLOW, 2 },
	{ "ARP passes as neighbor, stateless", POLSTATELESS, { .ethertype = ETH_P_ARP }, {},
	  PG_R_NEIGHBOR, 0 },
	/* Stateless: no lookup, TCP and UDP of no entry are policy. */
	{ "v4 TCP no entry, stateless: policy drop", POLSTATELESS,
	  { .family = 4, .proto = IPPROTO_TCP }, {}, PG_R_POLICY, 0 },
	{ "v6 UDP no entry, stateless: policy drop", POLSTATELESS,
	  { .family = 6, .proto = IPPROTO_UDP }, {}, PG_R_POLICY, 0 },
	{ "v6 TCP allowed source, stateless: allow", POLSTATELESS,
	  { .family = 6, .proto = IPPROTO_TCP }, { ALLOW(PKT_SRC6 "/64", 4) }, PG_R_ALLOW, 4 },
};

CASE_TABLE(policy, cases);
