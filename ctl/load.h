/* SPDX-License-Identifier: GPL-2.0 */
/* load: blocklist files into named lists. */
#ifndef __PKTGATE_LOAD_H
#define __PKTGATE_LOAD_H

#include <stdbool.h>
#include <stdint.h>

struct load_opts {
	const char *list;
	bool deny, allow;
	uint64_t ttl;
	bool replace, allow_empty;
};

#endif
