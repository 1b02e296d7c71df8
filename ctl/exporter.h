/* SPDX-License-Identifier: GPL-2.0 */
/* Options of the exporter command (Prometheus metrics over HTTP). */
#ifndef __PKTGATE_EXPORTER_H
#define __PKTGATE_EXPORTER_H

#include <stdbool.h>

#define PG_EXPORTER_LISTEN	"127.0.0.1:9435"	/* loopback only unless asked */
#define PG_EXPORTER_TOP		10
/* Top talkers are labelled by address, and each new address in the set is
 * a new series: the limit bounds what a flood of spoofed sources can make a
 * scrape hold. */
#define PG_EXPORTER_TOP_MAX	100

#endif
