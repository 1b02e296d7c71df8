/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command and option tables of the pktgate CLI. Each command declares its
 * options once; the same table parses the command line and prints help.
 */
#ifndef __PKTGATE_OPTS_H
#define __PKTGATE_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct pg_ctx;

enum pg_opt_type {
	OPT_FLAG,	/* bool */
	OPT_STR,	/* const char * */
	OPT_DURATION,	/* uint64_t seconds; 0 = not given */
	OPT_ENUM,	/* int index into choices; -1 = not given */
	OPT_UINT,	/* unsigned long; 0 = not given */
};

struct pg_opt {
	const char *name;		/* long name, without "--" */
	char short_name;		/* 0 if none */
	enum pg_opt_type type;
	size_t off;			/* offset of the value in the options struct */
	size_t size;			/* its size, checked against the type's */
	const char *arg;		/* argument name in help */
	const char *help;
	const char *const *choices;	/* OPT_ENUM: NULL-terminated */
};

/* The C type an option type writes: OPT_FIELD checks it at compile time,
 * opt_set() checks the recorded size before every write. */
#define OPT_CTYPE_OPT_FLAG	bool
#define OPT_CTYPE_OPT_STR	const char *
#define OPT_CTYPE_OPT_DURATION	uint64_t
#define OPT_CTYPE_OPT_ENUM	int
#define OPT_CTYPE_OPT_UINT	unsigned long

/* Where option type t writes in struct st: member m, which must have the
 * type's C type (a struct holding a _Static_assert is how C11 lets one sit
 * in an initialiser). */
#define OPT_FIELD(t, st, m)							\
	.type = t, .off = offsetof(st, m),					\
	.size = sizeof(((st *)0)->m) + 0 * sizeof(struct {			\
		_Static_assert(_Generic(((st *)0)->m, OPT_CTYPE_##t: 1, default: 0),	\
			       #st "." #m " is not of the C type of " #t);	\
		int unused;							\
	})

/* One option: long name, short letter (0: none), type, the struct and
 * member it sets, the argument's name in help (NULL for flags), help, and
 * optionally .choices = (OPT_ENUM). */
#define OPT(n, s, t, st, m, a, h, ...) \
	{ .name = n, .short_name = s, OPT_FIELD(t, st, m), .arg = a, .help = h, __VA_ARGS__ }

/* Whether a command changes the configuration. */
enum pg_changes {
	PG_CHANGES_NOTHING = 0,
	PG_CHANGES_ALWAYS,
	PG_CHANGES_WITH_ARGS,	/* config: shows without arguments, sets with them */
};

/* A command: each module defines its own (const struct pg_cmd pg_cmd_NAME)
 * beside the function it runs, and main.c lists it once. */
struct pg_cmd {
	const char *name;
	const char *args;		/* positional arguments, for help */
	const char *help;
	int min_args, max_args;		/* max_args < 0: unlimited */
	const struct pg_opt *opts;	/* terminated by an entry with name NULL */
	size_t opts_size;		/* size of the options struct */
	int (*run)(struct pg_ctx *ctx, void *opts, int argc, char **argv);
	const struct pg_cmd *const *sub;	/* subcommands, NULL-terminated */
	int list_kind;			/* with sub: ctx->list_kind of the subcommands */
	/* May be a line of a rule set (restore runs it). */
	bool restorable;
	/* Honours ctx->check_only: checks its input and changes nothing. The
	 * dispatcher refuses check mode for a command without it. */
	bool check;
	/* Changes the configuration: --confirm applies, and it waits for a
	 * pending confirm (confirm.c). */
	enum pg_changes changes;
};

/* The options table of a command and the struct it fills. */
#define PG_CMD_OPTS(table, type) .opts = table, .opts_size = sizeof(type)

/* Parse options from argv into optbuf; positionals are compacted to the
 * front of argv and counted in *npos. Options of the table more (may be
 * NULL) are accepted too, into morebuf, where opts has no option of that
 * name: the global options after a command. With stop_at_arg, parsing
 * stops at the first positional (global options before the command).
 * where prefixes messages ("deny add"; "" for none). Returns 0 or an exit
 * code. */
int opts_parse(const char *where, const struct pg_opt *opts, void *optbuf,
	       const struct pg_opt *more, void *morebuf,
	       int argc, char **argv, int *npos, bool stop_at_arg);
/* First command in table order that name is a prefix of. */
const struct pg_cmd *cmd_find(const struct pg_cmd *const *table, const char *name);
void cmd_help(FILE *f, const char *path, const struct pg_cmd *c);
void opts_help(FILE *f, const struct pg_opt *opts);

#endif
