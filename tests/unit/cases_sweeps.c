// SPDX-License-Identifier: GPL-2.0
/* Datapath unit cases: the frames of the truncation sweeps. */
#include "cases.h"

const struct sweep sweeps[] = {
	{ "IPv4/TCP", { .family = 4, .proto = IPPROTO_TCP } },
	{ "IPv6/UDP", { .family = 6, .proto = IPPROTO_UDP } },
	{ "QinQ IPv4/ICMP", { .vlan = QINQ, .family = 4, .proto = IPPROTO_ICMP } },
	/* Behind a tag, so TC sees cuts in the IPv6 header too (see
	 * skb_refuses_short_l3). */
	{ "VLAN IPv6/TCP", { .vlan = { ETH_P_8021Q }, .family = 6, .proto = IPPROTO_TCP } },
	{ "IPv6 hop-by-hop+fragment/UDP",
	  { .family = 6, .proto = IPPROTO_UDP, .n_ext = 2,
	    .ext = { EXT(IPPROTO_HOPOPTS), EXT_FRAG(V6_MF) } } },
};

const size_t n_sweeps = sizeof(sweeps) / sizeof(sweeps[0]);
