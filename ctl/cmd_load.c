// SPDX-License-Identifier: GPL-2.0
/*
 * load FILE: a blocklist into a named list. The file is read and checked
 * in full before the maps are touched; then the list's new content is
 * published in one generation switch (bulk.c), so that a replace never
 * shows the datapath a mix of old and new, an empty list, or a gap.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bulk.h"
#include "clock.h"
#include "check.h"
#include "ctx.h"
#include "listfile.h"
#include "lists.h"
#include "names.h"
#include "opts.h"
#include "out.h"
#include "pins.h"
#include "rules.h"
#include "safety.h"

struct load_opts {
	const char *list;
	bool deny, allow;
	uint64_t ttl;
	bool replace, allow_empty;
	bool check;		/* --check: report what would change, change nothing */
};

/* load --check: the load planned on what the maps hold now, as the real
 * run would make it (same list id, same capacity refusal), reported. */
static int load_check(struct pg_ctx *ctx, const struct load_opts *o, int kind,
		      const struct lf_list *lf, const char *shown)
{
	struct check_diff *d = calloc(1, sizeof(*d));
	struct bulk b = { .kind = kind };
	struct bulk_result res;
	unsigned int lid;
	int err;

	if (!d)
		return p_err("out of memory");
	err = check_open(ctx, d);
	if (!err)
		err = check_list_id(ctx, d, kind, o->list, &lid);
	if (err)
		goto out;
	if (bulk_reserve(&b, lf->n)) {
		err = p_err("out of memory");
		goto out;
	}
	for (size_t i = 0; i < lf->n; i++)
		if (bulk_add(&b, &lf->v[i], NULL, lid, 0, NULL, false)) {
			err = p_err("out of memory");
			goto out;
		}
	b.focus = d->focus = 1ULL << lid;
	b.note = check_note;
	b.note_arg = d;
	b.empty_now = !d->live;
	err = bulk_plan(ctx, &b, o->replace ? b.focus : 0, &res);
	if (err)
		goto out;
	out_obj_open(NULL);
	out_str("file", "check: load %s", shown);
	out_u64("read", ": %llu entries read", lf->n);
	out_u64("normalised", " (%llu normalised)", lf->normalised);
	out_str("list", " into %s", pg_list_names[kind]);
	out_str("list_name", " list %s", o->list ? o->list : PG_LIST_MANUAL_NAME);
	out_bool("new_list", NULL, d->fresh >> lid & 1);
	out_text("%s", d->fresh >> lid & 1 ? " (new)" : "");
	out_bool("replace", NULL, o->replace);
	out_text("%s", o->replace ? " (replace)" : "");
	out_u64("entries", "; the list would hold %llu", res.listed[0] + res.listed[1]);
	out_u64("entries_v4", " (IPv4 %llu", res.listed[0]);
	out_u64("entries_v6", ", IPv6 %llu)\n", res.listed[1]);
	check_report(ctx, d);
	out_obj_close();
out:
	bulk_free(&b);
	check_free(d);
	free(d);
	return err;
}

static int do_load(struct pg_ctx *ctx, void *optp, int argc, char **argv)
{
	struct load_opts *o = optp;
	const char *path = argv[0], *shown = strcmp(path, "-") ? path : "<stdin>";
	int kind = o->allow ? PG_LIST_ALLOW : PG_LIST_DENY, err;
	struct lf_list lf = {};
	struct bulk b = { .kind = kind };
	struct bulk_result res;
	char why[PATH_MAX + 256], source[PATH_MAX];
	uint64_t expires = 0;
	unsigned int lid;
	bool existed, held = false;
	sigset_t saved;
	double t0 = mono_secs(), t_read, t_done;

	(void)argc;
	if (o->allow && o->deny)
		return p_usage("load: give --deny or --allow, not both");
	if (o->list && (err = lists_check_name(o->list)))
		return err;
	if (listfile_read(path, &lf, why, sizeof(why))) {
		err = p_err("%s; nothing was loaded", why);
		/* A bad line is bad input, as a bad CIDR on the command line is
		 * (exit 2); a file that cannot be read is a runtime error. The
		 * message already names FILE:LINE, so no "Try 'pktgate help'". */
		if (lf.bad_line)
			err = PG_EXIT_USAGE;
		goto out;
	}
	t_read = mono_secs();
	if (ctx->check_only)
		goto out;
	/* A feed that yields nothing (a failed download, objects without a
	 * "cidr" member, only comments) is refused: with --replace it would
	 * empty the list, and without, it would pass for a fresh load. */
	if (!lf.n && !o->allow_empty) {
		if (o->replace)
			err = p_err("%s holds no entries: --replace would empty the %s list %s; "
				    "give --allow-empty if that is meant", shown,
				    pg_list_names[kind], o->list ? o->list : PG_LIST_MANUAL_NAME);
		else
			err = p_err("%s holds no entries: nothing was loaded (give --allow-empty "
				    "if that is meant)", shown);
		goto out;
	}
	if (o->check) {
		err = load_check(ctx, o, kind, &lf, shown);
		goto out;
	}
	err = pins_open(ctx, true);
	if (!err && kind == PG_LIST_DENY) {
		struct lockout_change c = { .what = "load", .deny_add_pfx = lf.v,
					    .ndeny_add_pfx = lf.n };

		err = lockout_check(ctx, &c);
	}
	if (err)
		goto out;
	/* From here the load happens in full, list and all, or not at all. */
	bulk_signals(true, &saved);
	held = true;
	existed = !o->list || lists_exists(ctx, kind, o->list);
	err = lists_open(ctx, kind, o->list, true, &lid);
	if (err)
		goto out;
	if (o->ttl)
		expires = mono_now_ns() + o->ttl * PG_NSEC_PER_SEC;
	if (bulk_reserve(&b, lf.n)) {
		err = p_err("out of memory");
		goto out;
	}
	for (size_t i = 0; i < lf.n; i++)
		if (bulk_add(&b, &lf.v[i], NULL, lid, expires, NULL, false)) {
			err = p_err("out of memory");
			goto out;
		}
	b.focus = 1ULL << lid;
	err = bulk_apply(ctx, &b, o->replace ? b.focus : 0, &res);
	if (err) {
		if (!existed)
			lists_remove(ctx, lid);	/* nothing changed: not even a new list */
		goto out;
	}
	if (strcmp(path, "-") && realpath(path, source))
		lists_loaded(ctx, lid, source);
	else
		lists_loaded(ctx, lid, shown);
	t_done = mono_secs();

	out_obj_open(NULL);
	out_str("file", "loaded %s", shown);
	out_u64("read", ": %llu entries read", lf.n);
	out_u64("normalised", " (%llu normalised)", lf.normalised);
	out_str("list", " into %s", pg_list_names[kind]);
	out_str("list_name", " list %s", lists_name(ctx, lid));
	out_bool("replace", NULL, o->replace);
	out_text("%s", o->replace ? " (replaced)" : "");
	out_u64("added", ": %llu added", res.added);
	out_u64("removed", ", %llu removed", res.removed);
	out_u64("entries", "; the list holds %llu", res.listed[0] + res.listed[1]);
	out_u64("entries_v4", " (IPv4 %llu", res.listed[0]);
	out_u64("entries_v6", ", IPv6 %llu)", res.listed[1]);
	out_double("read_seconds", NULL, t_read - t0);
	out_double("seconds", " in %.2f s\n", t_done - t0);
	out_obj_close();
out:
	if (held)
		bulk_signals(false, &saved);
	lf_free(&lf);
	bulk_free(&b);
	return err;
}

static const struct pg_opt load_opts[] = {
	OPT("list", 'l', OPT_STR, struct load_opts, list, "NAME",
	    "the named list to load into (default manual; made if missing)"),
	OPT("deny", 0, OPT_FLAG, struct load_opts, deny, NULL, "a deny list (the default)"),
	OPT("allow", 0, OPT_FLAG, struct load_opts, allow, NULL, "an allow list"),
	OPT("ttl", 0, OPT_DURATION, struct load_opts, ttl, "DURATION",
	    "the entries stop matching after DURATION"),
	OPT("replace", 'r', OPT_FLAG, struct load_opts, replace, NULL,
	    "the list becomes exactly the file, in one atomic switch"),
	OPT("allow-empty", 0, OPT_FLAG, struct load_opts, allow_empty, NULL,
	    "accept a file that holds no entries (with --replace, the list is emptied)"),
	OPT("check", 'c', OPT_FLAG, struct load_opts, check, NULL, "check everything and show "
	    "what would be added, removed and kept; change nothing (like nft -c)"),
	{},
};

/* Checks its file in full in check mode. */
const struct pg_cmd pg_cmd_load = {
	.name = "load", .args = "FILE",
	.help = "load a blocklist (one CIDR a line; # and ; comments; FireHOL, Spamhaus DROP; "
		"- for stdin) into a named list; checked in full first",
	.min_args = 1, .max_args = 1, .run = do_load,
	PG_CMD_OPTS(load_opts, struct load_opts), .check = true,
	.changes = PG_CHANGES_ALWAYS,
};
