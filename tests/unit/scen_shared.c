// SPDX-License-Identifier: GPL-2.0
/* Datapath unit scenario: one rule added through the shared maps is seen by every program. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define SHARED_RULE_ID	21

/* ---- one rule, three programs ---- */

/* A rule added once, through the shared maps, is seen by every program:
 * XDP and TC ingress on a frame from the peer, TC egress on a frame to
 * it, each counting under its own hook, all into the same rule counter.
 * The same frames the other way round are not the peer's business on that
 * side and pass. */
static void run_shared(const struct instance *in, int family)
{
	static const struct { enum prog_id pid; int mirror; int reason; } steps[] = {
		{ P_XDP, 0, PG_R_DENY },
		{ P_TC_IN, 0, PG_R_DENY },
		{ P_TC_EG, 1, PG_R_DENY },
		{ P_XDP, 1, PG_R_DEFAULT },
		{ P_TC_IN, 1, PG_R_DEFAULT },
		{ P_TC_EG, 0, PG_R_DEFAULT },
	};
	struct rule_spec rule = DENY(family == 6 ? PKT_SRC6 "/128" : PKT_SRC4 "/32",
				     SHARED_RULE_ID);
	struct pkt_spec spec = { .family = family, .proto = IPPROTO_UDP };
	struct log l = {};
	char name[256], what[64];
	size_t i;

	snprintf(name, sizeof(name),
		 "[xdp+tc-ingress+tc-egress] v%d deny added once drops from the peer on xdp and tc-ingress, to it on tc-egress [%s]",
		 family, in->name);
	if (!set_rules(&rule, 1, &l)) {
		for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
			struct pkt p;

			spec.mirror = steps[i].mirror;
			snprintf(what, sizeof(what), "%s, frame %s the peer: ",
				 progs[steps[i].pid].name, spec.mirror ? "to" : "from");
			if (pkt_build(&p, &spec)) {
				fail(&l, "%ssetup: packet spec cannot be built", what);
				continue;
			}
			run_frame(in, steps[i].pid, &p, steps[i].reason,
				  steps[i].reason == PG_R_DENY ? SHARED_RULE_ID : 0, 0,
				  what, &l);
		}
	}
	report(name, &l);
}

void scen_shared(void)
{
	for (int k = 0; k < INST_MAX; k++) {
		if (insts[k].policy_drop || insts[k].lists)	/* expects policy pass, all lists */
			continue;
		run_shared(&insts[k], 4);
		run_shared(&insts[k], 6);
	}
}
