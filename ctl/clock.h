/* SPDX-License-Identifier: GPL-2.0 */
/* The clock of TTLs, last-hit times and rates: CLOCK_MONOTONIC, as the
 * datapath's bpf_ktime_get_ns() (and its coarse variant) count. */
#ifndef __PKTGATE_CLOCK_H
#define __PKTGATE_CLOCK_H

#include <stdint.h>

uint64_t mono_now_ns(void);
double mono_secs(void);		/* the same clock, in seconds */

#endif
