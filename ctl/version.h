/* SPDX-License-Identifier: GPL-2.0 */
/* pktgate's version, for --version and the exporter's pktgate_build_info. */
#ifndef __PKTGATE_VERSION_H
#define __PKTGATE_VERSION_H

#define PKTGATE_VERSION "0.1.0"

#endif
