/* SPDX-License-Identifier: GPL-2.0 */
/* Options of the stats command. */
#ifndef __PKTGATE_STATS_H
#define __PKTGATE_STATS_H

struct stats_opts {
	const char *iface;
};

#endif
