// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the option parser (ctl/opts.c): every option type, short
 * and long forms, values joined or separate, "--", the global options
 * after a command, stop at the first positional, the usage errors (one
 * line, exit 2, naming the problem), command prefixes, and help output.
 *
 * One line per case, "PASS: opts NAME" or "FAIL: opts NAME: WHY", as
 * tests/run.sh expects; exits non-zero if any case failed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "opts.h"
#include "out.h"

static int n_pass, n_fail;
static char why[512];

static void check(int cond, const char *fmt, const char *a)
{
	if (!cond && !why[0])
		snprintf(why, sizeof(why), fmt, a);
}

static void report(const char *name)
{
	if (why[0]) {
		printf("FAIL: opts %s: %s\n", name, why);
		n_fail++;
	} else {
		printf("PASS: opts %s\n", name);
		n_pass++;
	}
	fflush(stdout);
	why[0] = '\0';
}

struct o {
	bool force;
	const char *name;
	uint64_t ttl;
	int family;
	unsigned long limit;
};

struct g {
	bool json;
	const char *pin;
};

static const char *const families[] = { "inet", "inet6", "any", NULL };

static const struct pg_opt opts[] = {
	OPT("force", 'f', OPT_FLAG, struct o, force, NULL, "do it anyway"),
	OPT("name", 'n', OPT_STR, struct o, name, "NAME", "a name"),
	OPT("ttl", 0, OPT_DURATION, struct o, ttl, "DURATION", "expire after"),
	OPT("family", 0, OPT_ENUM, struct o, family, "FAMILY", "address family",
	    .choices = families),
	OPT("limit", 'l', OPT_UINT, struct o, limit, "N", "at most N"),
	{ 0 }
};

static const struct pg_opt globals[] = {
	OPT("json", 'j', OPT_FLAG, struct g, json, NULL, "JSON output"),
	OPT("pin", 'n', OPT_STR, struct g, pin, "DIR", "pin directory"),
	{ 0 }
};

static struct o ov;
static struct g gv;
static char *av[16];
static int npos;
static char err[1024];

/* Parses the words of line (space-separated) with opts and globals; the
 * stderr output is kept in err. */
static int parse(const char *line, bool stop)
{
	static char copy[256];
	char *save, *w;
	int ac = 0, rc, fd, saved;
	FILE *f = tmpfile();
	size_t n;

	memset(&ov, 0, sizeof(ov));
	memset(&gv, 0, sizeof(gv));
	snprintf(copy, sizeof(copy), "%s", line);
	for (w = strtok_r(copy, " ", &save); w && ac < 15; w = strtok_r(NULL, " ", &save))
		av[ac++] = w;
	av[ac] = NULL;
	fflush(stderr);
	saved = dup(2);
	fd = fileno(f);
	dup2(fd, 2);
	npos = -1;
	rc = opts_parse("deny add", opts, &ov, globals, &gv, ac, av, &npos, stop);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(f);
	n = fread(err, 1, sizeof(err) - 1, f);
	err[n] = '\0';
	fclose(f);
	return rc;
}

/* A usage error: exit 2, one line "pktgate: WHERE: PROBLEM" naming the
 * problem, then only the usage hint. */
static void usage_error(const char *name, const char *line, const char *want)
{
	int rc = parse(line, false);
	char *nl = strchr(err, '\n');

	check(rc == PG_EXIT_USAGE, "exit code not 2 for '%s'", line);
	check(nl && !strcmp(nl + 1, "Try 'pktgate help'.\n"), "not one line and the hint: '%s'",
	      err);
	if (nl)
		*nl = '\0';
	check(!strncmp(err, "pktgate: deny add: ", 19), "message does not say where: '%s'", err);
	check(strstr(err, want) != NULL, "message without the expected text: '%s'", err);
	report(name);
}

static char *capture(void (*fn)(FILE *))
{
	static char buf[4096];
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");

	memset(buf, 0, sizeof(buf));
	fn(f);
	fclose(f);
	return buf;
}

static void help_opts(FILE *f)
{
	opts_help(f, opts);
}

static const struct pg_cmd sub_add = { .name = "add", .args = "CIDR", .help = "add an entry",
					.min_args = 1, .max_args = 1, PG_CMD_OPTS(opts, struct o) };
static const struct pg_cmd sub_addlist = { .name = "addlist", .args = "FILE",
					    .help = "add a list", .min_args = 1, .max_args = 1 };
static const struct pg_cmd sub_del = { .name = "del", .args = "CIDR", .help = "delete an entry",
					.min_args = 1, .max_args = 1 };
static const struct pg_cmd *const subs[] = { &sub_add, &sub_addlist, &sub_del, NULL };
static const struct pg_cmd top = { .name = "deny", .help = "the deny list", .sub = subs };

static void help_cmd(FILE *f)
{
	cmd_help(f, "pktgate", &top);
}

int main(void)
{
	const char *h;

	out_init(false, 0);

	check(!parse("-f --name web --ttl 1h30m --family inet6 --limit 7 10.0.0.0/8", false),
	      "%s", "refused");
	check(ov.force && ov.name && !strcmp(ov.name, "web") && ov.ttl == 5400 &&
	      ov.family == 1 && ov.limit == 7, "%s", "wrong values");
	check(npos == 1 && !strcmp(av[0], "10.0.0.0/8"), "%s", "positional not kept");
	report("every type, long and short");

	check(!parse("--name=a --ttl=90s --family=any --limit=3 -nb", false), "%s", "refused");
	check(!strcmp(ov.name, "b") && ov.ttl == 90 && ov.family == 2 && ov.limit == 3, "%s",
	      "wrong values");
	report("values joined with = and short -nVALUE; a repeated option: the last wins");

	check(!parse("x", false), "%s", "refused");
	check(ov.family == -1 && !ov.force && !ov.name && !ov.ttl && !ov.limit, "%s",
	      "options not given are not unset");
	report("options not given: enum -1, others zero");

	check(!parse("a -f b -- -c --name", false), "%s", "refused");
	check(npos == 4 && !strcmp(av[0], "a") && !strcmp(av[1], "b") && !strcmp(av[2], "-c") &&
	      !strcmp(av[3], "--name") && ov.force && !ov.name, "%s", "wrong positionals");
	report("positionals compacted, -- ends options, - alone is one");

	check(!parse("-j --pin /x -n web", false), "%s", "refused");
	check(gv.json && gv.pin && !strcmp(gv.pin, "/x") && ov.name && !strcmp(ov.name, "web"),
	      "%s", "global options not parsed");
	report("global options after a command; the command's own letter wins (-n)");

	check(!parse("-j deny -f", true), "%s", "refused");
	check(gv.json && !ov.force && npos == 2 && !strcmp(av[0], "deny") && !strcmp(av[1], "-f"),
	      "%s", "did not stop at the first positional");
	report("stop_at_arg stops at the first positional and keeps the rest");

	usage_error("unknown long option", "--nope", "unknown option '--nope'");
	usage_error("unknown short option", "-z", "unknown option '-z'");
	usage_error("no prefixes of option names", "--fam inet", "unknown option '--fam'");
	usage_error("missing argument", "--name", "option '--name' needs NAME");
	usage_error("missing argument of a short option", "x -l", "option '--limit' needs N");
	usage_error("flag with a value", "--force=yes", "option '--force' takes no value");
	usage_error("enum value not a choice", "--family ipx",
		    "invalid value 'ipx' for --family (one of inet|inet6|any)");
	usage_error("enum choices exact, not prefixes", "--family inet4", "invalid value 'inet4'");
	usage_error("invalid duration", "--ttl 90", "invalid duration '90' for --ttl");
	usage_error("number 0", "--limit 0", "invalid number '0' for --limit");
	usage_error("negative number", "--limit -1", "invalid number '-1' for --limit");
	usage_error("number with trailing junk", "--limit 5x", "invalid number '5x' for --limit");
	usage_error("number out of range", "--limit 99999999999999999999999",
		    "invalid number '99999999999999999999999'");
	usage_error("empty number", "--limit=", "invalid number '' for --limit");

	check(cmd_find(subs, "add") == subs[0], "%s", "exact name");
	check(cmd_find(subs, "addl") == subs[1], "%s", "unique prefix");
	check(cmd_find(subs, "ad") == subs[0], "%s", "prefix: first in table order");
	check(cmd_find(subs, "d") == subs[2], "%s", "one-letter prefix");
	check(!cmd_find(subs, "x") && !cmd_find(subs, "") && !cmd_find(subs, "adds"), "%s",
	      "no match must be NULL");
	report("command names: exact, then the first prefix in table order");

	h = capture(help_opts);
	check(strstr(h, "-f, --force ") && strstr(h, "do it anyway"), "flag line: %s", h);
	check(strstr(h, "-n, --name NAME") != NULL, "short+long with arg: %s", h);
	check(strstr(h, "    --ttl DURATION") != NULL, "long only: %s", h);
	check(strstr(h, "address family (inet|inet6|any)") != NULL, "enum choices: %s", h);
	check(!strstr(h, "--force ") || !strstr(h, "--force (null)"), "flag has no arg: %s", h);
	report("option help: every option, argument names, enum choices");

	h = capture(help_cmd);
	check(strstr(h, "pktgate deny add CIDR [--force] [--name NAME] [--ttl DURATION] "
		     "[--family FAMILY] [--limit N]\n") != NULL, "usage line: %s", h);
	check(strstr(h, "pktgate deny addlist FILE\n") && strstr(h, "pktgate deny del CIDR\n"),
	      "subcommands: %s", h);
	check(strstr(h, "add an entry") && strstr(h, "delete an entry"), "help texts: %s", h);
	report("command help: usage lines of the subcommands, options from the table");

	printf("%d passed, %d failed\n", n_pass, n_fail);
	return n_fail ? 1 : 0;
}
