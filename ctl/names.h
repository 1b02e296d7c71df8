/* SPDX-License-Identifier: GPL-2.0 */
/* Names the CLI prints for the contract's enums (also used in JSON). */
#ifndef __PKTGATE_NAMES_H
#define __PKTGATE_NAMES_H

#include "pktgate.h"

extern const char *const pg_hook_names[PG_HOOK_MAX];
extern const char *const pg_reason_names[PG_R_MAX];
/* The action of reason r: pg_action_names[PG_REASON_ACTION(r)]. */
extern const char *const pg_action_names[PG_ACT_MAX];
extern const char *const pg_list_names[PG_LIST_KIND_MAX];
const char *pg_xdp_mode_name(int mode);

#endif
