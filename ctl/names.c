// SPDX-License-Identifier: GPL-2.0
/* Printable names of hooks, verdict reasons, lists and XDP modes. */
#include <xdp/libxdp.h>

#include "names.h"

const char *const pg_hook_names[PG_HOOK_MAX] = {
	[PG_HOOK_XDP] = "xdp",
	[PG_HOOK_TC_INGRESS] = "tc-ingress",
	[PG_HOOK_TC_EGRESS] = "tc-egress",
};

const char *const pg_reason_names[PG_R_MAX] = {
#define PG_R_NAME(id, name, act) [PG_R_##id] = name,
	PG_REASONS(PG_R_NAME)
#undef PG_R_NAME
};

const char *const pg_action_names[PG_ACT_MAX] = {
	[PG_ACT_PASS] = "pass",
	[PG_ACT_DROP] = "drop",
	[PG_ACT_TX] = "tx",
};

const char *const pg_list_names[PG_LIST_KIND_MAX] = {
	[PG_LIST_ALLOW] = "allow",
	[PG_LIST_DENY] = "deny",
};

const char *pg_xdp_mode_name(int mode)
{
	switch (mode) {
	case XDP_MODE_NATIVE: return "native";
	case XDP_MODE_SKB: return "generic";
	case XDP_MODE_HW: return "offload";
	default: return "none";
	}
}
