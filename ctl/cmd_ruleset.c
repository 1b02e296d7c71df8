// SPDX-License-Identifier: GPL-2.0
/*
 * Whole configurations: save --all writes one, restore applies one.
 *
 * A rule set is a file of pktgate command lines (config, allow add, deny
 * add, attach, optionally after "-n NAME"), so it reads like what an
 * operator would type. restore checks every line with the commands' own
 * parsers before it changes anything. Then both kinds' lists are built to
 * hold exactly the file's entries and published in one generation switch
 * (bulk.c): a list that does not fit changes nothing, and no packet sees
 * a mix of old and new. Settings and attachments follow.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <dirent.h>
#include <xdp/libxdp.h>

#include "policy.h"
#include "syncookie.h"
#include "bulk.h"
#include "clock.h"
#include "iface.h"
#include "check.h"
#include "listfile.h"
#include "lists.h"
#include "ctx.h"
#include "names.h"
#include "opts.h"
#include "out.h"
#include "pins.h"
#include "protect.h"
#include "ratelimit.h"
#include "rules.h"
#include "rsline.h"
#include "safety.h"
#include "scope.h"
#include "toptable.h"

struct save_opts {
	bool all;
	const char *list;
	bool deny, allow;
};

struct restore_opts {
	bool allow_empty;
	bool check;		/* --check: report what would change, change nothing */
	bool detach_others;	/* --detach-others: the rule set's interfaces, exactly */
};

struct rs_file {
	struct rs_line *lines;
	size_t n, cap;
	size_t settings;	/* config lines */
	size_t entries;		/* allow add and deny add lines */
};

/* ---- reading ---- */

/* One line: split, checked for what a rule set may hold, and kept with
 * its text (which it owns from here, kept or not). 0 or an exit code. */
static int parse_line(struct rs_file *rf, char *text, int lineno)
{
	struct rs_line l = { .lineno = lineno, .text = text };
	const char *why = NULL;
	int err = 0;

	if (rs_parse_line(text, &l, &why)) {
		err = p_usage("%s", why);
		goto drop;
	}
	if (!l.argc)
		goto drop;	/* blank, or a comment */
	if (rf->n == rf->cap) {
		size_t cap = rf->cap ? rf->cap * 2 : 64;
		struct rs_line *nl = realloc(rf->lines, cap * sizeof(*nl));

		if (!nl) {
			err = p_err("out of memory");
			goto drop;
		}
		rf->lines = nl;
		rf->cap = cap;
	}
	rf->lines[rf->n++] = l;
	if (!strcmp(l.argv[0], "config"))
		rf->settings++;
	else if (strcmp(l.argv[0], "attach"))
		rf->entries++;
	return 0;
drop:
	free(text);
	return err;
}

/* Read line by line with load's cap on a line's length, so that no input
 * (a huge file, /dev/zero) is ever held whole: memory grows with the
 * lines kept, and a line over the cap stops the read at once. */
static int parse_file(const char *path, struct rs_file *rf)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	struct lf_reader r;
	char where[PATH_MAX + 32], *line, *text;
	size_t len;
	int lineno = 0, err = 0, k;

	if (!f)
		return p_err("cannot read %s: %s", path, strerror(errno));
	if (lf_reader_init(&r, f)) {
		err = p_err("out of memory");
		goto out;
	}
	while (!err && (k = lf_reader_next(&r, &line, &len)) != LF_EOF) {
		/* Errors name the line, and are not about the command line. */
		snprintf(where, sizeof(where), "%s:%d", path, ++lineno);
		out_set_context(where);
		if (k == LF_IO)
			err = p_err("cannot read %s: %s", path, strerror(errno));
		else if (k == LF_BINARY)
			err = p_usage("not a text file (a NUL byte)");
		else if (k == LF_LONG)
			err = p_usage("line too long (more than %d bytes)", LF_MAX_LINE);
		else if (!(text = strdup(line)))
			err = p_err("out of memory");
		else
			err = parse_line(rf, text, lineno);
		out_set_context(NULL);
	}
	lf_reader_free(&r);
out:
	if (f != stdin)
		fclose(f);
	return err;
}

static void rs_free(struct rs_file *rf)
{
	for (size_t i = 0; i < rf->n; i++)
		free(rf->lines[i].text);
	free(rf->lines);
}

/* ---- applying ---- */

/* Run one line as a command; its normal output is not wanted here. */
static int run_line(struct pg_ctx *ctx, const char *path, struct rs_line *l, bool check,
		    struct bulk_collect *collect)
{
	char where[PATH_MAX + 32], *argv[RS_MAX_ARGS + 1];
	struct pg_ctx sub = *ctx;
	int rc;

	snprintf(where, sizeof(where), "%s:%d", path, l->lineno);
	memcpy(argv, l->argv, l->argc * sizeof(char *));
	sub.netns = l->netns ? l->netns : ctx->netns;
	sub.check_only = check;
	sub.in_ruleset = true;
	sub.collect = collect;
	sub.lock_fd = -1;
	memset(&sub.maps, 0, sizeof(sub.maps));

	out_mute(true);
	out_set_context(where);
	rc = pg_run(&sub, l->argc, argv);
	out_set_context(NULL);
	out_mute(false);
	pins_close(&sub);
	return rc;
}

/* The queued entries of a kind in the rule model (struct pg_entry): a
 * port-scoped rule as one entry per port, as its keys are. */
static struct pg_entry *queued_entries(const struct bulk *b)
{
	struct pg_entry *v = calloc(b->n ? b->n : 1, sizeof(*v));

	for (size_t i = 0; v && i < b->n; i++) {
		const struct bulk_ent *e = &b->v[i];
		uint16_t port;

		v[i].prefix.family = e->fam6 ? 6 : 4;
		tables_key_decode(e->fam6, e->tbl, e->key, v[i].prefix.addr, &v[i].prefix.plen,
				  &v[i].proto, &port);
		v[i].port_lo = v[i].port_hi = port;
		if (e->tbl == PG_TBL_PORT) {	/* its match keys: one key, one selector */
			struct pg_scope ks;

			scope_of_key(tables_key_sel(e->tbl, e->key), v[i].proto, port, &ks);
			v[i].amatch = ks.amatch;
			v[i].pfield = ks.pfield;
		}
		v[i].rule = e->val;
	}
	return v;
}

/* The state the rule set makes must keep this SSH session (safety.h). */
static int restore_lockout_check(struct pg_ctx *ctx, const struct bulk_collect *c)
{
	struct pg_entry *deny = queued_entries(&c->b[PG_LIST_DENY]);
	struct pg_entry *allow = queued_entries(&c->b[PG_LIST_ALLOW]);
	struct lockout_change lc = { .what = "restore", .deny = deny, .deny_set = true,
				     .ndeny = c->b[PG_LIST_DENY].n, .allow = allow,
				     .nallow = c->b[PG_LIST_ALLOW].n, .allow_set = true,
				     .protect_set = true };
	int err;

	protect_queued(&lc.protect, &lc.nprotect);
	err = deny && allow ? lockout_check(ctx, &lc) : p_err("out of memory");
	free(deny);
	free(allow);
	return err;
}

/* Entries of both kinds, queued from the add lines, in one switch per
 * kind; named lists the file does not mention go. Protected prefixes
 * become exactly the file's, just before the switch. */
static int apply_lists(struct pg_ctx *ctx, const char *path, struct rs_file *rf,
		       size_t added[PG_LIST_KIND_MAX], size_t *removed)
{
	struct bulk_collect c = { .ctx = ctx };
	sigset_t saved;
	int err = pins_open(ctx, true);

	protect_queue_reset();
	for (int kind = 0; kind < PG_LIST_KIND_MAX; kind++) {
		c.b[kind].kind = kind;
		c.b[kind].focus = ~0ULL;
	}
	c.lists = 1ULL << PG_LIST_MANUAL(PG_LIST_ALLOW) | 1ULL << PG_LIST_MANUAL(PG_LIST_DENY);
	for (size_t i = 0; !err && i < rf->n; i++) {
		struct rs_line *l = &rf->lines[i];

		if (strcmp(l->argv[0], "allow") && strcmp(l->argv[0], "deny") &&
		    strcmp(l->argv[0], "protect"))
			continue;
		err = run_line(ctx, path, l, false, &c);
	}
	if (!err)
		err = restore_lockout_check(ctx, &c);
	/* Both kinds are built first, so that a kind that does not fit
	 * leaves everything as it was; then one switch publishes both. */
	bulk_signals(true, &saved);
	for (int kind = 0; !err && kind < PG_LIST_KIND_MAX; kind++) {
		struct bulk_result res;

		err = bulk_prepare(ctx, &c.b[kind], ~0ULL, &res);
		added[kind] = res.listed[0] + res.listed[1];
		*removed += res.removed;
	}
	if (!err) {
		const struct pg_prefix *pv;
		size_t pn;

		protect_queued(&pv, &pn);
		err = protect_replace(ctx, pv, pn);
	}
	if (!err) {
		struct bulk *both[PG_LIST_KIND_MAX] = { &c.b[0], &c.b[1] };

		err = bulk_commit_all(ctx, both, PG_LIST_KIND_MAX);
	}
	for (int kind = 0; kind < PG_LIST_KIND_MAX; kind++)
		bulk_abort(ctx, &c.b[kind]);
	bulk_signals(false, &saved);
	for (unsigned int id = PG_LIST_KIND_MAX; !err && id < PG_MAX_LISTS; id++)
		if (!(c.lists & (1ULL << id)))
			lists_remove(ctx, id);
	for (int kind = 0; kind < PG_LIST_KIND_MAX; kind++)
		bulk_free(&c.b[kind]);
	free(c.port_rules);
	protect_queue_reset();
	/* attach lines take the lock themselves. */
	pins_close(ctx);
	return err;
}

/* The limits become exactly the file's limit lines, after the attach
 * lines (a limit may name an interface). */
static int apply_limits(struct pg_ctx *ctx, const char *path, struct rs_file *rf, size_t *applied)
{
	struct bulk_collect c = { .ctx = ctx };
	int err = 0;

	limits_queue_reset();
	for (size_t i = 0; !err && i < rf->n; i++)
		if (!strcmp(rf->lines[i].argv[0], "limit"))
			err = run_line(ctx, path, &rf->lines[i], false, &c);
	if (!err)
		err = pins_open(ctx, true);
	if (!err)
		err = limits_queue_apply(ctx, applied);
	limits_queue_reset();
	pins_close(ctx);
	return err;
}

static bool netns_name(uint64_t ino, char *name, size_t len);

/* Whether an attach line of the rule set names interface e. */
static bool attach_named(struct pg_ctx *ctx, const struct rs_file *rf, const struct iface_entry *e)
{
	char ns[NAME_MAX + 1] = "";
	const char *ens = ctx->netns;	/* the entry's namespace; NULL: the current one */

	if (e->rec.netns_ino != ctx->netns_ino) {
		if (!netns_name(e->rec.netns_ino, ns, sizeof(ns)))
			return true;	/* not nameable: save --all did not write it either */
		ens = ns;
	}
	for (size_t i = 0; i < rf->n; i++) {
		const struct rs_line *l = &rf->lines[i];
		const char *lns = l->netns ? l->netns : ctx->netns;

		if (strcmp(l->argv[0], "attach") || l->argc < 2 || strcmp(l->argv[1], e->rec.ifname))
			continue;
		if (ens && lns ? !strcmp(lns, ens) : !ens && !lns)
			return true;
	}
	return false;
}

/* restore --detach-others: interfaces pktgate is attached to that no
 * attach line names are detached, so the interfaces are the rule set's. */
static int detach_others(struct pg_ctx *ctx, const char *path, const struct rs_file *rf,
			 size_t *detached)
{
	struct iface_table *t;
	int err = pins_open(ctx, false);

	if (err)
		return err;
	t = iface_table_read(ctx);
	pins_close(ctx);
	if (!t)
		return PG_EXIT_ERR;
	for (int i = 0; i < t->n && !err; i++) {
		const struct iface_entry *e = &t->e[i];
		char ns[NAME_MAX + 1] = "", ifname[PG_IFNAME_LEN], *argv[] = { "detach", ifname };
		struct pg_ctx sub = *ctx;

		if (e->state != IFACE_ATTACHED || attach_named(ctx, rf, e))
			continue;
		snprintf(ifname, sizeof(ifname), "%s", e->rec.ifname);
		if (e->rec.netns_ino != ctx->netns_ino) {
			netns_name(e->rec.netns_ino, ns, sizeof(ns));
			sub.netns = ns;
		}
		/* Not a line of the rule set: detach is not one it may hold. */
		sub.lock_fd = -1;
		memset(&sub.maps, 0, sizeof(sub.maps));
		out_mute(true);
		out_set_context(path);
		err = pg_run(&sub, 2, argv);
		out_set_context(NULL);
		out_mute(false);
		pins_close(&sub);
		if (!err)
			(*detached)++;
	}
	free(t);
	return err;
}

/* restore --check: the lists planned as apply_lists would build them,
 * from what the maps hold now; settings and attach lines are counted
 * (their syntax is checked by the pass before). */
static int restore_check(struct pg_ctx *ctx, const char *path, struct rs_file *rf)
{
	struct check_diff *d = calloc(1, sizeof(*d));
	struct bulk_collect c = { .ctx = ctx, .plan = d };
	size_t entries[PG_LIST_KIND_MAX] = {}, attach = 0;
	int err;

	if (!d)
		return p_err("out of memory");
	err = check_open(ctx, d);
	d->focus = ~0ULL;
	d->all_lists = true;
	for (int kind = 0; kind < PG_LIST_KIND_MAX; kind++) {
		c.b[kind].kind = kind;
		c.b[kind].focus = ~0ULL;
		c.b[kind].note = check_note;
		c.b[kind].note_arg = d;
		c.b[kind].empty_now = !d->live;
	}
	c.lists = 1ULL << PG_LIST_MANUAL(PG_LIST_ALLOW) | 1ULL << PG_LIST_MANUAL(PG_LIST_DENY);
	for (size_t i = 0; !err && i < rf->n; i++) {
		struct rs_line *l = &rf->lines[i];

		if (!strcmp(l->argv[0], "attach")) {
			/* The interface must be there, as restore needs it. */
			ctx->check_ifaces = true;
			err = run_line(ctx, path, l, true, NULL);
			ctx->check_ifaces = false;
			attach++;
			continue;
		}
		if (strcmp(l->argv[0], "allow") && strcmp(l->argv[0], "deny"))
			continue;
		err = run_line(ctx, path, l, false, &c);
	}
	for (int kind = 0; !err && kind < PG_LIST_KIND_MAX; kind++) {
		struct bulk_result res;

		err = bulk_plan(ctx, &c.b[kind], ~0ULL, &res);
		entries[kind] = res.listed[0] + res.listed[1];
	}
	for (unsigned int id = PG_LIST_KIND_MAX; !err && id < PG_MAX_LISTS; id++)
		if (d->live && lists_in_use(ctx, id) && !(c.lists & (1ULL << id)))
			d->gone |= 1ULL << id;
	if (!err) {
		out_obj_open(NULL);
		out_str("file", "check: restore %s:", path);
		out_u64("allow", " the allow list would hold %llu", entries[PG_LIST_ALLOW]);
		out_u64("deny", " and the deny list %llu entries", entries[PG_LIST_DENY]);
		out_u64("settings", "; %llu config lines", rf->settings);
		out_u64("attach", ", %llu attach lines\n", attach);
		check_report(ctx, d);
		out_obj_close();
	}
	for (int kind = 0; kind < PG_LIST_KIND_MAX; kind++)
		bulk_free(&c.b[kind]);
	free(c.port_rules);
	check_free(d);
	free(d);
	return err;
}

static int do_restore(struct pg_ctx *ctx, void *optp, int argc, char **argv)
{
	const char *path = argv[0];
	struct rs_file rf = {};
	size_t added[PG_LIST_KIND_MAX] = {}, removed = 0, attached = 0, limits = 0, detached = 0;
	struct bulk_collect dry = { .b = { { .kind = PG_LIST_ALLOW }, { .kind = PG_LIST_DENY } } };
	const struct restore_opts *o = optp;
	int err = 0, failed = 0;

	(void)argc;
	err = parse_file(path, &rf);
	/* A truncated or blanked file (a full disk, a failed copy, /dev/null)
	 * must not open the firewall, at boot least of all: restoring it
	 * would remove every entry. save --all always writes a config line,
	 * so a saved empty configuration still restores. */
	if (!err && !rf.entries && !rf.settings && !o->allow_empty)
		err = p_err("%s holds no entries and no settings: restoring it would remove every "
			    "allow and deny entry; nothing was changed (give --allow-empty if that "
			    "is meant)", path);
	/* Every line is checked before anything changes (port rules against
	 * each other too). */
	for (size_t i = 0; !err && i < rf.n; i++)
		err = run_line(ctx, path, &rf.lines[i], true, &dry);
	for (int kind = 0; kind < PG_LIST_KIND_MAX; kind++)
		bulk_free(&dry.b[kind]);
	free(dry.port_rules);
	if (err)
		goto out;
	if (o->check) {
		err = restore_check(ctx, path, &rf);
		goto out;
	}

	/* Lists first, all or nothing (they are what can fail for want of
	 * room), then settings, interfaces last: nothing is filtered by half
	 * a configuration. */
	for (int pass = 0; pass < 4; pass++) {
		if (pass == 0) {
			err = apply_lists(ctx, path, &rf, added, &removed);
			if (err)
				goto out;
			continue;
		}
		if (pass == 3) {
			err = apply_limits(ctx, path, &rf, &limits);
			if (!err && o->detach_others)
				err = detach_others(ctx, path, &rf, &detached);
			if (err)
				goto out;
			continue;
		}
		for (size_t i = 0; i < rf.n; i++) {
			struct rs_line *l = &rf.lines[i];
			int want = !strcmp(l->argv[0], "config") ? 1 :
				   !strcmp(l->argv[0], "attach") ? 2 : 0;

			if (want != pass)
				continue;
			if (run_line(ctx, path, l, false, NULL)) {
				/* A missing interface must not keep the rest from being
				 * applied; the exit status says something failed. */
				failed++;
				continue;
			}
			attached += pass == 2;
		}
	}

	out_obj_open(NULL);
	out_str("file", "restored %s:", path);
	out_u64("allow", " %llu allow", added[PG_LIST_ALLOW]);
	out_u64("deny", " and %llu deny entries", added[PG_LIST_DENY]);
	out_u64("removed", ", %llu stale entries removed", removed);
	out_u64("attached", ", %llu attach lines applied", attached);
	out_u64("limits", ", %llu limits", limits);
	if (o->detach_others)
		out_u64("detached", ", %llu other interfaces detached", detached);
	out_u64("failed", NULL, failed);
	out_text("\n");
	out_obj_close();
	if (failed)
		err = p_err("%d line%s of %s failed (see above); the rest was applied", failed,
			    failed == 1 ? "" : "s", path);
out:
	rs_free(&rf);
	return err;
}

/* ---- saving ---- */

/* A comment as one quoted word that rs_parse_line() reads back byte for
 * byte: out_escape() writes a newline, another control character or a byte
 * that is not UTF-8 as \n, \t, \r or \xNN, so it can neither end the line
 * nor change on a round trip, and the file stays text. */
static void put_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	out_escape(f, s, '"');
	fputc('"', f);
}

/* The name under /run/netns of the namespace with this inode, if any. */
static bool netns_name(uint64_t ino, char *name, size_t len)
{
	DIR *d = opendir("/run/netns");
	struct dirent *e;
	bool found = false;

	if (!d)
		return false;
	while (!found && (e = readdir(d))) {
		char path[PATH_MAX];
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/run/netns/%s", e->d_name);
		if (!stat(path, &st) && st.st_ino == ino) {
			snprintf(name, len, "%s", e->d_name);
			found = true;
		}
	}
	closedir(d);
	return found;
}

/* Entries without a counter of their own (what load adds) go many to a
 * line, per list and TTL: a million-entry list is then some 30,000 lines,
 * which restore reads in a second or two. */
#define SAVE_PER_LINE 32

struct save_group {
	char *text;		/* the prefixes so far, space-separated */
	size_t len;
	int count;
	uint64_t ttl;		/* seconds; 0 = never expires */
};

static void group_flush(struct pg_ctx *ctx, FILE *f, int kind, unsigned int id,
			struct save_group *g)
{
	if (!g->count)
		return;
	fprintf(f, "%s add%s", pg_list_names[kind], g->text);
	if (id != PG_LIST_MANUAL(kind))
		fprintf(f, " --list %s", lists_name(ctx, id));
	if (g->ttl)
		fprintf(f, " --ttl %llus", (unsigned long long)g->ttl);
	fputs(" --no-counter\n", f);
	g->len = 0;
	g->count = 0;
	g->text[0] = '\0';
}

/* One add line per entry and list holding it (bulk entries grouped);
 * restore merges them back into one entry. */
static int save_lists(struct pg_ctx *ctx, FILE *f)
{
	uint64_t now = mono_now_ns();
	static struct save_group groups[PG_MAX_LISTS];
	static char texts[PG_MAX_LISTS][SAVE_PER_LINE * (PG_PREFIX_STRLEN + 1) + 1];

	for (unsigned int id = 0; id < PG_MAX_LISTS; id++) {
		groups[id] = (struct save_group){ .text = texts[id] };
		texts[id][0] = '\0';
	}
	for (int kind = 0; kind < PG_LIST_KIND_MAX; kind++) {
		struct pg_entry *v;
		size_t n;
		int err = rules_collect(ctx, kind, &v, &n);

		if (err)
			return p_err("cannot read the %s list: %s", pg_list_names[kind],
				     strerror(-err));
		rules_sort(v, n);
		for (size_t i = 0; i < n; i++) {
			struct pg_rule_meta rm = {};
			char buf[PG_PREFIX_STRLEN], scope[96];
			uint64_t ttl = 0;

			if (v[i].rule.expires_ns && v[i].rule.expires_ns <= now)
				continue;	/* expired: absent */
			if (v[i].rule.expires_ns)
				ttl = (v[i].rule.expires_ns - now + (PG_NSEC_PER_SEC - 1)) / PG_NSEC_PER_SEC;
			pg_prefix_fmt(&v[i].prefix, buf, sizeof(buf));
			rules_scope_args(&v[i], scope, sizeof(scope));
			if (v[i].rule.rule_id)
				bpf_map_lookup_elem(ctx->maps.rule_meta, &v[i].rule.rule_id, &rm);
			for (uint64_t bits = v[i].rule.lists; bits; bits &= bits - 1) {
				unsigned int id = __builtin_ctzll(bits);
				struct save_group *g = &groups[id];

				if (!v[i].rule.rule_id && !rules_scoped(&v[i])) {
					if (g->count && g->ttl != ttl)
						group_flush(ctx, f, kind, id, g);
					g->ttl = ttl;
					g->len += sprintf(g->text + g->len, " %s", buf);
					if (++g->count == SAVE_PER_LINE)
						group_flush(ctx, f, kind, id, g);
					continue;
				}
				fprintf(f, "%s add %s%s%s", pg_list_names[kind], buf,
					scope[0] ? " " : "", scope);
				if (id != PG_LIST_MANUAL(kind))
					fprintf(f, " --list %s", lists_name(ctx, id));
				if (ttl)
					fprintf(f, " --ttl %llus", (unsigned long long)ttl);
				if (rm.comment[0]) {
					fputs(" --comment ", f);
					put_quoted(f, rm.comment);
				}
				if (!v[i].rule.rule_id)
					fputs(" --no-counter", f);
				fputc('\n', f);
			}
		}
		/* The rest of each group, by list name: the same set always
		 * saves to the same file, whatever ids the lists have. */
		for (;;) {
			int first = -1;

			for (unsigned int id = 0; id < PG_MAX_LISTS; id++)
				if (groups[id].count && (first < 0 ||
				    strcmp(lists_name(ctx, id), lists_name(ctx, first)) < 0))
					first = id;
			if (first < 0)
				break;
			group_flush(ctx, f, kind, first, &groups[first]);
		}
		free(v);
	}
	return 0;
}

/* One list, as load reads it: address entries only. */
static int save_one_list(struct pg_ctx *ctx, const struct save_opts *o, FILE *f)
{
	int kind = o->allow ? PG_LIST_ALLOW : PG_LIST_DENY, err;
	uint64_t now = mono_now_ns();
	struct pg_prefix *out = NULL;
	struct pg_entry *v = NULL;
	size_t n = 0, k = 0, scoped = 0;
	unsigned int lid;
	char header[512], stamp[40];
	time_t t = time(NULL);

	err = lists_open(ctx, kind, o->list, false, &lid);
	if (err)
		return err;
	err = rules_collect(ctx, kind, &v, &n);
	if (err)
		return p_err("cannot read the %s list: %s", pg_list_names[kind], strerror(-err));
	rules_sort(v, n);
	out = calloc(n ? n : 1, sizeof(*out));
	if (!out) {
		free(v);
		return p_err("out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		if (!(v[i].rule.lists & (1ULL << lid)) ||
		    (v[i].rule.expires_ns && v[i].rule.expires_ns <= now))
			continue;
		if (rules_scoped(&v[i])) {
			scoped++;
			continue;
		}
		out[k++] = v[i].prefix;
	}
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	snprintf(header, sizeof(header), "pktgate %s list %s, saved %s: %zu entries\n"
		 "Load with: pktgate load FILE --%s --list %s", pg_list_names[kind],
		 lists_name(ctx, lid), stamp, k, pg_list_names[kind], lists_name(ctx, lid));
	if (scoped)
		p_warn("%zu port-scoped entries of list %s are not written (a list file holds "
		       "prefixes only); save --all keeps them", scoped, lists_name(ctx, lid));
	err = listfile_write(f, out, k, header);
	if (err)
		err = p_err("cannot write the list: %s", strerror(-err));
	free(out);
	free(v);
	return err;
}

/* What is attached now (the table reconciled with the kernel): a vanished
 * interface's line would fail every restore. */
static int save_attachments(struct pg_ctx *ctx, FILE *f)
{
	struct iface_table *t = iface_table_read(ctx);

	if (!t)
		return PG_EXIT_ERR;
	for (int i = 0; i < t->n; i++) {
		struct pg_iface r = t->e[i].rec;
		char ns[NAME_MAX + 1];
		unsigned int tc;

		if (t->e[i].state != IFACE_ATTACHED)
			continue;
		if (r.netns_ino != ctx->netns_ino) {
			if (!netns_name(r.netns_ino, ns, sizeof(ns))) {
				fprintf(f, "# %s is in a network namespace without a name: "
					   "not saved\n", r.ifname);
				continue;
			}
			fprintf(f, "-n %s ", ns);
		}
		fprintf(f, "attach %s", r.ifname);
		if (r.hooks & PG_HOOK_BIT(PG_HOOK_XDP))
			fprintf(f, " --mode %s", pg_xdp_mode_name(r.xdp_mode));
		else
			fputs(" --no-xdp", f);
		tc = r.hooks & TC_HOOKS;
		if (tc)
			fprintf(f, " --tc %s", tc == TC_HOOKS ? "both" :
				tc & PG_HOOK_BIT(PG_HOOK_TC_INGRESS) ? "ingress" : "egress");
		if (r.drop_malformed)
			fputs(" --drop-malformed", f);
		if (r.no_top)
			fputs(" --no-top", f);
		else if (top_every(&r) > 1)
			fprintf(f, " --top-sample %u", top_every(&r));
		if (r.policy_drop & (PG_HOOK_BIT(PG_HOOK_XDP) | PG_HOOK_BIT(PG_HOOK_TC_INGRESS)))
			fputs(" --policy drop", f);
		if (r.policy_drop & PG_HOOK_BIT(PG_HOOK_TC_EGRESS))
			fputs(" --egress-policy drop", f);
		if (r.stateless)
			fputs(" --stateless", f);
		if (r.lists != PG_IFACE_ALL_LISTS) {
			char names[PG_MAX_LISTS * PG_LIST_NAME_LEN];

			policy_lists_names(ctx, r.lists, true, names, sizeof(names));
			fprintf(f, " --lists %s", names);
		}
		if (r.syn_ports[0]) {
			char ports[PG_SYN_PORTS * 6 + 1];

			syncookie_names(r.syn_ports, ports, sizeof(ports));
			fprintf(f, " --syncookie %s", ports);
		}
		fputc('\n', f);
	}
	free(t);
	return 0;
}

static int do_save(struct pg_ctx *ctx, void *optp, int argc, char **argv)
{
	struct save_opts *o = optp;
	const char *path = argc ? argv[0] : "-";
	char tmp[PATH_MAX], stamp[40];
	struct pg_config cfg = {};
	FILE *f = stdout;
	time_t t = time(NULL);
	__u32 key = 0;
	int err;

	if (o->allow && o->deny)
		return p_usage("save: give --deny or --allow, not both");
	if (o->all && (o->list || o->allow || o->deny))
		return p_usage("save: --all writes every list; leave out --list, --deny, --allow");
	if (o->list && (err = lists_check_name(o->list)))
		return err;
	err = pins_open(ctx, false);
	if (err)
		return err;
	if (strcmp(path, "-")) {
		/* A new file renamed into place: a reader never sees half of it. */
		int fd;

		if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
			return p_err("file name too long: %s", path);
		fd = mkstemp(tmp);
		if (fd < 0 || !(f = fdopen(fd, "w")))
			return p_err("cannot write %s: %s", path, strerror(errno));
	}
	if (!o->all) {
		err = save_one_list(ctx, o, f);
		goto done;
	}
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	fprintf(f, "# pktgate rule set, saved %s (maps schema v%d).\n"
		   "# Apply with: pktgate restore FILE. TTLs are what remained when saved.\n",
		stamp, PKTGATE_SCHEMA_VERSION);
	bpf_map_lookup_elem(ctx->maps.config, &key, &cfg);
	fprintf(f, "config event-rate %u top-rate %u\n", cfg.ev_rate, cfg.top_rate);
	err = protect_save(ctx, f);
	if (!err)
		err = save_lists(ctx, f);
	if (!err)
		err = save_attachments(ctx, f);
	/* After the attach lines: a limit may name an interface. */
	if (!err)
		err = limits_save(ctx, f);
done:
	if (f == stdout) {
		fflush(f);
		return err;
	}
	if (fflush(f) || fsync(fileno(f)) || ferror(f))
		err = err ? err : p_err("cannot write %s: %s", path, strerror(errno));
	fclose(f);
	if (!err && rename(tmp, path))
		err = p_err("cannot write %s: %s", path, strerror(errno));
	if (err)
		unlink(tmp);
	return err;
}

static const struct pg_opt save_opts[] = {
	OPT("all", 'a', OPT_FLAG, struct save_opts, all, NULL,
	    "the whole configuration (a rule set): settings, all lists, attachments"),
	OPT("list", 'l', OPT_STR, struct save_opts, list, "NAME",
	    "the named list to write, one prefix a line as load reads it (default manual)"),
	OPT("deny", 0, OPT_FLAG, struct save_opts, deny, NULL, "a deny list (the default)"),
	OPT("allow", 0, OPT_FLAG, struct save_opts, allow, NULL, "an allow list"),
	{},
};

const struct pg_cmd pg_cmd_save = {
	.name = "save", .args = "[FILE]",
	.help = "write a list (as load reads it), or with --all the whole configuration as a "
		"rule set (FILE or - for stdout)",
	.min_args = 0, .max_args = 1, .run = do_save, PG_CMD_OPTS(save_opts, struct save_opts),
};

static const struct pg_opt restore_opts[] = {
	OPT("allow-empty", 0, OPT_FLAG, struct restore_opts, allow_empty, NULL,
	    "apply a rule set that holds no entries and no settings (it removes every entry)"),
	OPT("check", 'c', OPT_FLAG, struct restore_opts, check, NULL, "check every line and "
	    "show what would be added, removed and kept per list; change nothing (like nft -c)"),
	OPT("detach-others", 0, OPT_FLAG, struct restore_opts, detach_others, NULL,
	    "also detach the interfaces no attach line names (the rollback of --confirm)"),
	{},
};

const struct pg_cmd pg_cmd_restore = {
	.name = "restore", .args = "FILE",
	.help = "apply a rule set: every line is checked first; entries it does not name are "
		"removed",
	.min_args = 1, .max_args = 1, .run = do_restore,
	PG_CMD_OPTS(restore_opts, struct restore_opts), .changes = PG_CHANGES_ALWAYS,
};
