/* SPDX-License-Identifier: GPL-2.0 */
/* Default policy and per-interface lists of attach (policy.c). */
#ifndef __PKTGATE_POLICY_H
#define __PKTGATE_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "pktgate.h"

struct pg_ctx;
struct pg_iface;

/* Two records ask for the same policy, lists and SYN cookie ports (else:
 * re-attach). */
bool policy_same(const struct pg_iface *a, const struct pg_iface *b);
/* Policy and lists of an attachment, as fields and, where not the
 * default, text: ", policy drop, lists a,b". */
void policy_print(struct pg_ctx *ctx, const struct pg_iface *rec);

/* The conntrack lookup kfuncs policy drop needs are in this kernel. */
bool policy_ct_usable(void);
/* The pg_iface.lists mask of --lists SPEC (NULL: all), or an exit code
 * after saying which name is not a list. */
int policy_lists_mask(struct pg_ctx *ctx, const char *spec, __u64 *mask);
/* SPEC again, from a mask: "all", or names joined by commas, those of
 * lists removed since included (a selection names lists by name). With
 * live_only, the names of lists there now, if there is any. */
void policy_lists_names(struct pg_ctx *ctx, __u64 mask, bool live_only, char *buf, size_t len);
/* The program's cfg_lists of a pg_iface.lists mask. */
#define POLICY_CFG_LISTS(mask)	((mask) == PG_IFACE_ALL_LISTS ? ~0ULL : (mask))

#endif
