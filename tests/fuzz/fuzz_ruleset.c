// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness of the rule set line parser (ctl/rsline.c), what
 * restore reads before it checks each line with the commands' own
 * parsers. The input is split into lines as restore does (a NUL byte makes
 * it "not a text file"); each line must parse or be refused with a reason,
 * and a parsed line is words inside the line, led by a command a rule set
 * may hold.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	       !strcmp(cmd, "attach");
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *text, *p, *next;

	if (memchr(data, '\0', size))
		return 0;	/* refused whole, before any line is parsed */
	text = malloc(size + 1);
	check(text != NULL, "malloc");
	memcpy(text, data, size);
	text[size] = '\0';
	for (p = text; *p; p = next) {
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
			continue;
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
	}
	free(text);
	return 0;
}
