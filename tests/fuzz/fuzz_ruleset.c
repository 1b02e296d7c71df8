// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness of the rule set parser: what restore does before it
 * changes anything. The input is split into lines as restore does (a NUL
 * byte makes it "not a text file"); each line goes through the line parser
 * (ctl/rsline.c), then through the commands' own parsers in check mode with
 * a dry collect, as restore's check pass runs it (cmd_ruleset.c: run_line with
 * check set), up to the first line refused. Check mode touches no map and
 * no interface, so this runs without BPF.
 *
 * Beyond "no crash, no sanitizer report, no leak": a refused line has a
 * reason, a parsed one is words inside its line led by a command a rule
 * set may hold, and a command answers with one of pktgate's exit codes.
 * Run with -close_fd_mask=3: the commands' messages are not wanted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bulk.h"
#include "ctx.h"
#include "out.h"
#include "pins.h"
#include "rsline.h"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_ruleset: %s\n", what);
		abort();
	}
}

static int held(const char *cmd)
{
	return !strcmp(cmd, "config") || !strcmp(cmd, "allow") || !strcmp(cmd, "deny") ||
	       !strcmp(cmd, "attach") || !strcmp(cmd, "protect") || !strcmp(cmd, "limit");
}

/* One parsed line as restore's check pass runs it; 0 if it passes. */
static int check_line(struct rs_line *l, struct bulk_collect *dry)
{
	struct pg_ctx sub = { .pin_path = "/nonexistent/pktgate-fuzz", .lock_fd = -1 };
	char *argv[RS_MAX_ARGS + 1];
	int rc;

	memcpy(argv, l->argv, l->argc * sizeof(char *));
	argv[l->argc] = NULL;
	sub.netns = l->netns;
	sub.check_only = true;
	sub.in_ruleset = true;
	sub.collect = dry;
	out_mute(true);
	out_set_context("fuzz:1");
	rc = pg_run(&sub, l->argc, argv);
	out_set_context(NULL);
	out_mute(false);
	pins_close(&sub);
	check(rc == 0 || rc == PG_EXIT_ERR || rc == PG_EXIT_USAGE, "an exit code pktgate does not use");
	return rc;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct bulk_collect dry = { .b = { { .kind = PG_LIST_ALLOW }, { .kind = PG_LIST_DENY } } };
	char *text, *p, *next;
	int rc = 0;

	if (memchr(data, '\0', size))
		return 0;	/* refused whole, before any line is parsed */
	text = malloc(size + 1);
	check(text != NULL, "malloc");
	memcpy(text, data, size);
	text[size] = '\0';
	for (p = text; !rc && *p; p = next) {
		struct rs_line l = { .lineno = 1 };
		const char *why = NULL;
		char *end;

		next = strchr(p, '\n');
		if (next)
			*next++ = '\0';
		else
			next = p + strlen(p);
		end = p + strlen(p);
		if (rs_parse_line(p, &l, &why)) {
			check(why && *why, "refused without a reason");
			break;
		}
		check(l.argc >= 0 && l.argc <= RS_MAX_ARGS, "word count out of range");
		if (!l.argc)
			continue;
		check(held(l.argv[0]), "a command a rule set may not hold was accepted");
		check((strcmp(l.argv[0], "allow") && strcmp(l.argv[0], "deny")) ||
		      (l.argc >= 2 && !strcmp(l.argv[1], "add")), "allow/deny other than add");
		for (int i = 0; i < l.argc; i++)
			check(l.argv[i] >= p && l.argv[i] + strlen(l.argv[i]) <= end,
			      "a word outside its line");
		check(!l.netns || (l.netns >= p && l.netns < end), "netns outside its line");
		rc = check_line(&l, &dry);
	}
	for (int kind = 0; kind < PG_LIST_KIND_MAX; kind++)
		bulk_free(&dry.b[kind]);
	free(dry.port_rules);
	free(text);
	return 0;
}
