/* SPDX-License-Identifier: GPL-2.0 */
/* Interfaces and their XDP programs, read over rtnetlink with libmnl. */
#ifndef __PKTGATE_LINK_H
#define __PKTGATE_LINK_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

struct pg_link {
	int ifindex;
	char name[IF_NAMESIZE];
	uint8_t xdp_attached;	/* XDP_ATTACHED_* */
	uint32_t xdp_prog_id;	/* of the single program, or driver mode in MULTI */
	uint32_t xdp_skb_prog_id;
};

/* All links of the current network namespace; caller frees *out. */
int link_dump(struct pg_link **out, size_t *n);
/* Number of TC filters under a parent (e.g. clsact ingress), or -errno. */
int tc_filter_count(int ifindex, uint32_t parent);

#endif
