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
	[PG_R_DEFAULT] = "default",
	[PG_R_ALLOW] = "allow",
	[PG_R_DENY] = "deny",
	[PG_R_NON_IP] = "non-ip",
	[PG_R_FRAGMENT] = "fragment",
	[PG_R_MALFORMED] = "malformed",
	[PG_R_MALFORMED_DROP] = "malformed-drop",
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
