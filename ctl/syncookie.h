/* SPDX-License-Identifier: GPL-2.0 */
/* attach --syncookie: the ports XDP answers SYNs for with cookies (syncookie.c). */
#ifndef __PKTGATE_SYNCOOKIE_H
#define __PKTGATE_SYNCOOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "pktgate.h"

/* Ports of SPEC ("80,443"), ascending, 0-terminated, into ports; or an
 * exit code after one line saying what is wrong. NULL: none. */
int syncookie_parse(const char *spec, __u16 ports[PG_SYN_PORTS]);
/* The ports again as SPEC reads them; "" if none. */
void syncookie_names(const __u16 ports[PG_SYN_PORTS], char *buf, size_t len);
/* The kernel has the SYN cookie helpers and the conntrack kfuncs. */
bool syncookie_usable(void);
/* attach's summary and status: "syncookie": [ports] and, text, the
 * ports (", syn cookies on 80,443" where given, if text). */
void syncookie_print(const __u16 ports[PG_SYN_PORTS], bool text);

#endif
