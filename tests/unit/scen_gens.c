// SPDX-License-Identifier: GPL-2.0
/* Datapath unit scenario: the generation slots of a replace, per kind and table. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "tables.h"

/* ---- generations ---- */

/* A replace fills the other slot of every table of a kind and flips the
 * kind's bit of pg_config.gens. The datapath must use exactly the slot the
 * bit names, for each kind on its own, and take an empty slot for an empty
 * table. Slot 0 holds a wide deny; slot 1 a deny and an allow of the peer,
 * in the table under test (the other tables' slot 1 stay empty). */
static void run_gens(const struct instance *in, enum prog_id pid, int family, int tbl)
{
	static const char *const tbl_names[PG_TBL_MAX] = {
		[PG_TBL_EXACT] = "exact", [PG_TBL_PREFIX] = "prefix", [PG_TBL_PORT] = "port",
	};
	static const struct {
		__u32 gens;
		int clear;		/* first empty slot 1 of: 1 allow, 2 deny */
		int reason;
		__u32 rule_id;
		int list;
		const char *what;
	} steps[] = {
		{ 0, 0, PG_R_DENY, 31, 0, "gens 0: slot 1 ignored" },
		{ 2, 0, PG_R_DENY, 32, 5, "gens 2: deny from slot 1, allow slot 0 (empty)" },
		{ 1, 0, PG_R_ALLOW, 33, 2, "gens 1: allow from slot 1, deny slot 0" },
		{ 3, 0, PG_R_ALLOW, 33, 2, "gens 3: both from slot 1" },
		{ 0, 0, PG_R_DENY, 31, 0, "gens 0 again: slot 1 ignored" },
		{ 2, 2, PG_R_DEFAULT, 0, 0, "gens 2, deny slot 1 deleted: no deny entries" },
		{ 3, 0, PG_R_ALLOW, 33, 2, "gens 3, deny slot 1 deleted: allow from slot 1" },
		{ 1, 1, PG_R_DENY, 31, 0, "gens 1, allow slot 1 deleted: deny from slot 0" },
		{ 3, 0, PG_R_DEFAULT, 0, 0, "gens 3, both slots 1 deleted: no entries" },
	};
	const int f6 = family == 6;
	const char *wide = f6 ? "2001:db8::/32" : "198.51.0.0/16";
	const char *peer = tbl == PG_TBL_EXACT ? (f6 ? PKT_SRC6 "/128" : PKT_SRC4 "/32")
					       : (f6 ? "2001:db8:100::/48" : "198.51.100.0/24");
	__u8 proto = tbl == PG_TBL_PORT ? IPPROTO_UDP : 0;
	const struct rule_spec rules[] = {
		DENY(wide, 31),
		DENYX(peer, 32, .proto = proto, .port = proto ? 53 : 0, .list = 5, .gen = 1),
		ALLOWX(peer, 33, .proto = proto, .list = 2, .gen = 1),
	};
	struct pkt_spec spec = { .family = family, .proto = IPPROTO_UDP };
	__u32 tables = 0, all = 0;
	struct log l = {};
	char name[320], desc[256], what[128];
	struct pkt p;
	size_t i;
	int kind, f, t, err;

	snprintf(desc, sizeof(desc),
		 "generations v%d, slot 1 in the %s tables: the kind's gens bit picks the slot, a deleted slot is empty",
		 family, tbl_names[tbl]);
	case_name(name, sizeof(name), &progs[pid], desc, in);
	if (build_for(&p, &spec, pid)) {
		fail(&l, "setup: packet spec cannot be built");
		goto out;
	}
	if (clear_lists()) {
		fail(&l, "setup: clearing lists");
		goto out;
	}
	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (add_rule(&rules[i], &tables, &l))
			goto out;
	/* Every table may hold entries: most slots 1 are empty (NULL). */
	for (kind = 0; kind < PG_LIST_KIND_MAX; kind++)
		for (f = 4; f <= 6; f += 2)
			for (t = 0; t < PG_TBL_MAX; t++)
				all |= PG_TABLE_BIT(kind, f, t);
	err = set_tables(all);
	for (kind = 0; kind < PG_LIST_KIND_MAX && !err; kind++)
		err = tables_set(maps.outer[kind][f6][tbl], kind, 1, maps.list[1][kind][f6][tbl]);
	if (err) {
		fail(&l, "setup: installing slot 1: %s", strerror(-err));
		goto restore;
	}
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		for (kind = 0; kind < PG_LIST_KIND_MAX; kind++) {
			if (!(steps[i].clear & 1 << kind))
				continue;
			err = tables_clear(maps.outer[kind][f6][tbl], kind, 1);
			if (err) {
				fail(&l, "%s: deleting slot 1: %s", steps[i].what, strerror(-err));
				goto restore;
			}
		}
		err = set_gens(steps[i].gens);
		if (err) {
			fail(&l, "%s: pg_config: %s", steps[i].what, strerror(-err));
			goto restore;
		}
		snprintf(what, sizeof(what), "%s: ", steps[i].what);
		run_frame(in, pid, &p, steps[i].reason, steps[i].rule_id, steps[i].list, what, &l);
	}
restore:
	err = set_gens(0);
	for (kind = 0; kind < PG_LIST_KIND_MAX; kind++)
		err = err ? err : tables_clear(maps.outer[kind][f6][tbl], kind, 1);
	if (err)
		fail(&l, "cleanup: %s", strerror(-err));
out:
	report(name, &l);
}

void scen_gens(void)
{
	for (int pid = 0; pid < PROG_MAX; pid++)
		for (int f = 4; f <= 6; f += 2)
			for (int tbl = 0; tbl <= PG_TBL_PORT; tbl++)
				run_gens(&insts[PLAIN], pid, f, tbl);
}
