// SPDX-License-Identifier: GPL-2.0
/* lists: the named lists with their sizes, hit counters and sources. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "ctx.h"
#include "lists.h"
#include "names.h"
#include "opts.h"
#include "out.h"
#include "pins.h"
#include "tables.h"
#include "zero.h"

struct sizes {
	uint64_t now;
	size_t n[PG_MAX_LISTS][2];
	int fam6, tbl;
};

static int count_one(void *arg, int tbl, const void *key, const struct pg_rule *val)
{
	struct sizes *s = arg;

	if (val->expires_ns && val->expires_ns <= s->now)
		return 0;
	if (tbl == PG_TBL_PORT) {
		uint8_t addr[16], plen, proto;
		uint16_t port;

		/* A port range is one rule: count it at its last port. */
		tables_key_decode(s->fam6, tbl, key, addr, &plen, &proto, &port);
		if (port != val->port_hi)
			return 0;
	}
	for (uint64_t b = val->lists; b; b &= b - 1)
		s->n[__builtin_ctzll(b)][s->fam6]++;
	return 0;
}

static int do_lists(struct pg_ctx *ctx, void *optp, int argc, char **argv)
{
	struct sizes *s = calloc(1, sizeof(*s));
	const struct pg_list *cache = NULL;
	int err;

	(void)optp;
	(void)argc;
	(void)argv;
	if (!s)
		return p_err("out of memory");
	err = pins_open(ctx, false);
	if (!err && !(cache = lists_all(ctx)))
		err = PG_EXIT_ERR;
	s->now = mono_now_ns();
	for (int kind = 0; !err && kind < PG_LIST_KIND_MAX; kind++)
		for (s->fam6 = 0; !err && s->fam6 < 2; s->fam6++)
			for (s->tbl = 0; !err && s->tbl < PG_TBL_MAX; s->tbl++) {
				err = tables_read(ctx->maps.list[kind][s->fam6][s->tbl], s->fam6,
						  s->tbl, count_one, s);
				if (err)
					err = p_err("cannot read the %s list: %s",
						    pg_list_names[kind], strerror(-err));
			}
	if (err)
		goto out;
	out_obj_open(NULL);
	out_text("%-5s %-20s %9s %9s %12s %14s %-20s %s\n", "KIND", "NAME", "IPV4", "IPV6",
		 "PACKETS", "BYTES", "LOADED", "SOURCE");
	out_arr_open("lists");
	for (unsigned int id = 0; id < PG_MAX_LISTS; id++) {
		const struct pg_list *l = &cache[id];
		struct pg_ctr ctr = {};
		char when[32] = "-";

		if (!l->in_use)
			continue;
		zero_read(ctx, ZERO_LISTS, id, NULL, (uint64_t *)&ctr);
		out_obj_open(NULL);
		out_u64("id", NULL, id);
		out_str("kind", "%-5s ", pg_list_names[l->kind < PG_LIST_KIND_MAX ? l->kind : 0]);
		out_str("name", "%-20s ", l->name);
		out_u64("entries", NULL, s->n[id][0] + s->n[id][1]);
		out_u64("entries_v4", "%9llu ", s->n[id][0]);
		out_u64("entries_v6", "%9llu ", s->n[id][1]);
		out_u64("packets", "%12llu ", ctr.packets);
		out_u64("bytes", "%14llu ", ctr.bytes);
		if (l->loaded_ns) {
			time_t t = l->loaded_ns / PG_NSEC_PER_SEC;

			strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
			out_str("loaded", "%-20s ", when);
		} else {
			out_null("loaded", "%-20s ", "-");
		}
		if (l->source[0])
			out_str("source", "%s", l->source);
		else
			out_null("source", "%s", "-");
		out_text("\n");
		out_obj_close();
	}
	out_arr_close();
	out_obj_close();
out:
	free(s);
	return err;
}

const struct pg_cmd pg_cmd_lists = {
	.name = "lists", .help = "named lists with their sizes, hit counters and sources",
	.run = do_lists,
};
