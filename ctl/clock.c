// SPDX-License-Identifier: GPL-2.0
/* The monotonic clock (see clock.h). */
#include <time.h>

#include "clock.h"
#include "pktgate.h"

uint64_t mono_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * PG_NSEC_PER_SEC + ts.tv_nsec;
}

double mono_secs(void)
{
	return mono_now_ns() / 1e9;
}
