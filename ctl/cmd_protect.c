// SPDX-License-Identifier: GPL-2.0
/* protect add|del|list (the model: protect.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "opts.h"
#include "out.h"
#include "pins.h"
#include "protect.h"
#include "safety.h"

/* The prefixes a command names, one per argument. */
struct pvec {
	struct pg_prefix *v;
	size_t n;
};

static int parse_prefixes(int argc, char **argv, struct pvec *pv, bool *norm)
{
	pv->v = calloc(argc, sizeof(*pv->v));
	if (!pv->v)
		return p_err("out of memory");
	for (int i = 0; i < argc; i++) {
		const char *why;

		if (pg_prefix_parse(argv[i], &pv->v[pv->n], &norm[i], &why))
			return p_usage("invalid prefix '%s': %s", argv[i], why);
		pv->n++;
	}
	return 0;
}

static int do_protect_add(struct pg_ctx *ctx, void *optp, int argc, char **argv)
{
	struct pvec pv = {};
	bool *norm = calloc(argc, sizeof(bool)), *fresh = calloc(argc, sizeof(bool));
	int err = norm && fresh ? 0 : p_err("out of memory");

	(void)optp;
	if (!err)
		err = parse_prefixes(argc, argv, &pv, norm);
	if (err || ctx->check_only)
		goto out;
	if (ctx->collect) {
		/* restore: the set is made whole after all lines are read. */
		for (size_t i = 0; !err && i < pv.n; i++)
			if (protect_queue_add(&pv.v[i]))
				err = p_err("out of memory");
		goto out;
	}
	err = pins_open(ctx, true);
	if (!err)
		err = protect_insert(ctx, pv.v, pv.n, fresh);
	if (err)
		goto out;
	out_obj_open(NULL);
	out_arr_open("added");
	for (size_t i = 0; i < pv.n; i++) {
		char buf[PG_PREFIX_STRLEN];

		pg_prefix_fmt(&pv.v[i], buf, sizeof(buf));
		out_obj_open(NULL);
		out_str("prefix", "protected %s", buf);
		if (norm[i])
			out_str("input", " (normalised from %s)", argv[i]);
		out_bool("existed", NULL, !fresh[i]);
		out_text("%s\n", fresh[i] ? "" : " (already protected)");
		out_obj_close();
	}
	out_arr_close();
	out_obj_close();
out:
	free(pv.v);
	free(norm);
	free(fresh);
	return err;
}

static int do_protect_del(struct pg_ctx *ctx, void *optp, int argc, char **argv)
{
	struct pvec pv = {};
	struct pg_prefix *now = NULL, *left = NULL;
	size_t nn = 0, nl = 0;
	bool *norm = calloc(argc, sizeof(bool));
	int err = norm ? 0 : p_err("out of memory");

	(void)optp;
	if (!err)
		err = parse_prefixes(argc, argv, &pv, norm);
	if (err || ctx->check_only)
		goto out;
	err = pins_open(ctx, true);
	if (!err && (err = protect_read(ctx, &now, &nn)))
		err = p_err("cannot read the protect list: %s", strerror(-err));
	if (err)
		goto out;
	/* All must be there before any goes. */
	for (size_t i = 0; i < pv.n; i++)
		if (!protect_in(now, nn, &pv.v[i])) {
			char buf[PG_PREFIX_STRLEN];

			pg_prefix_fmt(&pv.v[i], buf, sizeof(buf));
			err = p_err("%s is not in the protect list; nothing was deleted", buf);
			goto out;
		}
	left = calloc(nn ? nn : 1, sizeof(*left));
	if (!left) {
		err = p_err("out of memory");
		goto out;
	}
	for (size_t i = 0; i < nn; i++)
		if (!protect_in(pv.v, pv.n, &now[i]))
			left[nl++] = now[i];
	{
		struct lockout_change c = { .what = "protect del", .protect = left,
					    .nprotect = nl, .protect_set = true };

		err = lockout_check(ctx, &c);
		if (err)
			goto out;
	}
	err = protect_delete(ctx, pv.v, pv.n);
	if (err)
		goto out;
	out_obj_open(NULL);
	out_arr_open("deleted");
	for (size_t i = 0; i < pv.n; i++) {
		char buf[PG_PREFIX_STRLEN];

		pg_prefix_fmt(&pv.v[i], buf, sizeof(buf));
		out_str(NULL, "unprotected %s\n", buf);
	}
	out_arr_close();
	out_obj_close();
out:
	free(pv.v);
	free(now);
	free(left);
	free(norm);
	return err;
}

static int do_protect_list(struct pg_ctx *ctx, void *optp, int argc, char **argv)
{
	int err = pins_open(ctx, false);

	(void)optp;
	(void)argc;
	(void)argv;
	if (err)
		return err;
	out_obj_open(NULL);
	err = protect_print(ctx, false);
	out_obj_close();
	return err;
}

static const struct pg_cmd protect_add = {
	.name = "add", .args = "CIDR...",
	.help = "protect management prefixes: their packets pass before any list, policy or limit",
	.min_args = 1, .max_args = -1, .run = do_protect_add, .restorable = true, .check = true,
	.changes = PG_CHANGES_ALWAYS,
};
static const struct pg_cmd protect_del = {
	.name = "del", .args = "CIDR...",
	.help = "delete protected prefixes (refused if that cuts off this SSH session, unless "
		"--force)",
	.min_args = 1, .max_args = -1, .run = do_protect_del, .check = true,
	.changes = PG_CHANGES_ALWAYS,
};
static const struct pg_cmd protect_list = {
	.name = "list", .help = "list the protected prefixes", .run = do_protect_list,
};
static const struct pg_cmd *const protect_cmds[] = { &protect_add, &protect_del, &protect_list,
						     NULL };
const struct pg_cmd pg_cmd_protect = { .name = "protect", .sub = protect_cmds };
