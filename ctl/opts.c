// SPDX-License-Identifier: GPL-2.0
/* Table-driven option parsing and help for the pktgate CLI. */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"
#include "opts.h"
#include "out.h"

static const struct pg_opt *opt_find(const struct pg_opt *opts, const char *arg, size_t len,
				     bool is_long)
{
	for (; opts && opts->name; opts++) {
		if (is_long && strlen(opts->name) == len && !strncmp(opts->name, arg, len))
			return opts;
		if (!is_long && opts->short_name && opts->short_name == arg[0] && len == 1)
			return opts;
	}
	return NULL;
}

static void choices_str(const struct pg_opt *o, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; o->choices[i] && n < len; i++)
		n += snprintf(buf + n, len - n, "%s%s", i ? "|" : "", o->choices[i]);
}

/* Messages start with WHERE and ": " when it is not empty ("deny add: ");
 * pktgate's own name is added once, by the error printer. */
#define W(where) where, *(where) ? ": " : ""

/* The size of the value each option type writes. */
static size_t opt_type_size(enum pg_opt_type t)
{
	switch (t) {
	case OPT_FLAG: return sizeof(OPT_CTYPE_OPT_FLAG);
	case OPT_STR: return sizeof(OPT_CTYPE_OPT_STR);
	case OPT_DURATION: return sizeof(OPT_CTYPE_OPT_DURATION);
	case OPT_ENUM: return sizeof(OPT_CTYPE_OPT_ENUM);
	case OPT_UINT: return sizeof(OPT_CTYPE_OPT_UINT);
	}
	return 0;
}

static int opt_set(const char *where, const struct pg_opt *o, void *optbuf, const char *val)
{
	void *dst = (char *)optbuf + o->off;
	char buf[128];

	/* A table written without OPT_FIELD would write past its member. */
	assert(o->size == opt_type_size(o->type));
	switch (o->type) {
	case OPT_FLAG:
		*(bool *)dst = true;
		return 0;
	case OPT_STR:
		*(const char **)dst = val;
		return 0;
	case OPT_DURATION:
		if (pg_duration_parse(val, (uint64_t *)dst))
			return p_usage("%s%sinvalid duration '%s' for --%s (a unit for each number, "
				       "d h m s in order: 90s, 10m, 2h, 1d, 1h30m)", W(where), val,
				       o->name);
		return 0;
	case OPT_UINT: {
		char *end;
		unsigned long v;

		errno = 0;
		v = strtoul(val, &end, 10);
		if (errno || !*val || *end || v == 0 || val[0] == '-')
			return p_usage("%s%sinvalid number '%s' for --%s", W(where), val, o->name);
		*(unsigned long *)dst = v;
		return 0;
	}
	case OPT_ENUM:
		for (int i = 0; o->choices[i]; i++) {
			if (!strcmp(o->choices[i], val)) {
				*(int *)dst = i;
				return 0;
			}
		}
		choices_str(o, buf, sizeof(buf));
		return p_usage("%s%sinvalid value '%s' for --%s (one of %s)", W(where), val, o->name,
			       buf);
	}
	return PG_EXIT_USAGE;
}

static void enums_unset(const struct pg_opt *opts, void *optbuf)
{
	for (const struct pg_opt *o = opts; o && o->name; o++)
		if (o->type == OPT_ENUM && o->size == sizeof(int))
			*(int *)((char *)optbuf + o->off) = -1;
}

int opts_parse(const char *where, const struct pg_opt *opts, void *optbuf,
	       const struct pg_opt *more, void *morebuf,
	       int argc, char **argv, int *npos, bool stop_at_arg)
{
	int i, n = 0;
	bool only_args = false;

	enums_unset(opts, optbuf);

	for (i = 0; i < argc; i++) {
		char *a = argv[i];
		const struct pg_opt *o;
		const char *val = NULL, *name;
		void *buf;
		size_t len;
		bool is_long;
		int rc;

		if (only_args || a[0] != '-' || !a[1]) {
			if (stop_at_arg)
				break;
			argv[n++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			only_args = true;
			if (stop_at_arg) {
				i++;
				break;
			}
			continue;
		}
		is_long = a[1] == '-';
		name = a + (is_long ? 2 : 1);
		len = strcspn(name, "=");
		if (!is_long && len > 1)
			len = 1;	/* -j, or -nNAME */
		/* The command's own options first: where a letter means
		 * both, it means the command's (top -n is --limit). */
		buf = optbuf;
		o = opt_find(opts, name, len, is_long);
		if (!o && (o = opt_find(more, name, len, is_long)))
			buf = morebuf;
		if (!o)
			return p_usage("%s%sunknown option '%s'", W(where), a);
		if (o->type == OPT_FLAG) {
			if (name[len])
				return p_usage("%s%soption '--%s' takes no value", W(where), o->name);
		} else if (name[len]) {
			val = name + len + (name[len] == '=' ? 1 : 0);
		} else if (i + 1 < argc) {
			val = argv[++i];
		} else {
			return p_usage("%s%soption '--%s' needs %s", W(where), o->name, o->arg);
		}
		rc = opt_set(where, o, buf, val);
		if (rc)
			return rc;
	}
	/* Keep whatever follows a stop, for the command to parse. */
	for (; i < argc; i++)
		argv[n++] = argv[i];
	*npos = n;
	return 0;
}

const struct pg_cmd *cmd_find(const struct pg_cmd *const *table, const char *name)
{
	size_t len = strlen(name);
	const struct pg_cmd *const *t;

	if (!len)
		return NULL;
	for (t = table; *t; t++)
		if (!strcmp((*t)->name, name))
			return *t;
	/* Like bpftool and ip: a prefix picks the first match in table order. */
	for (t = table; *t; t++)
		if (!strncmp((*t)->name, name, len))
			return *t;
	return NULL;
}

void opts_help(FILE *f, const struct pg_opt *opts)
{
	for (; opts && opts->name; opts++) {
		char lhs[64], choices[128] = "";
		bool val = opts->type != OPT_FLAG;

		if (opts->short_name)
			snprintf(lhs, sizeof(lhs), "-%c, --%s%s%s", opts->short_name, opts->name,
				 val ? " " : "", val ? opts->arg : "");
		else
			snprintf(lhs, sizeof(lhs), "    --%s%s%s", opts->name, val ? " " : "",
				 val ? opts->arg : "");
		if (opts->type == OPT_ENUM)
			choices_str(opts, choices, sizeof(choices));
		fprintf(f, "    %-26s %s%s%s%s\n", lhs, opts->help, choices[0] ? " (" : "",
			choices, choices[0] ? ")" : "");
	}
}

static void usage_line(FILE *f, const char *path, const struct pg_cmd *c)
{
	fprintf(f, "  %s %s%s%s", path, c->name, c->args ? " " : "", c->args ? c->args : "");
	for (const struct pg_opt *o = c->opts; o && o->name; o++)
		fprintf(f, " [--%s%s%s]", o->name, o->type == OPT_FLAG ? "" : " ",
			o->type == OPT_FLAG ? "" : o->arg);
	fputc('\n', f);
}

void cmd_help(FILE *f, const char *path, const struct pg_cmd *c)
{
	char sub[128];

	if (c->sub) {
		snprintf(sub, sizeof(sub), "%s %s", path, c->name);
		for (const struct pg_cmd *const *s = c->sub; *s; s++)
			cmd_help(f, sub, *s);
		return;
	}
	usage_line(f, path, c);
	fprintf(f, "      %s\n", c->help);
	opts_help(f, c->opts);
}
