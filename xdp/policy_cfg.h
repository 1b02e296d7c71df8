/* SPDX-License-Identifier: GPL-2.0 */
/* The default policy's load-time settings (see policy.h). The parser
 * reads them too: it keeps what only the policy needs only under "drop",
 * so that "pass" costs nothing, not even a store. */
#ifndef __PKTGATE_POLICY_CFG_H
#define __PKTGATE_POLICY_CFG_H

#include <linux/types.h>

const volatile __u8 cfg_policy_drop = 0;	/* this hook's default policy is drop */
const volatile __u8 cfg_ct = 0;			/* conntrack lookups (not --stateless) */

#endif /* __PKTGATE_POLICY_CFG_H */
