/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One line of a rule set file (save --all, restore): split into words and
 * checked to be a command a rule set may hold. Pure parsing, no maps, so
 * it can be fuzzed (tests/fuzz/) without BPF.
 */
#ifndef __PKTGATE_RSLINE_H
#define __PKTGATE_RSLINE_H

#define RS_MAX_ARGS 64

struct rs_line {
	int lineno;
	int argc;
	char *argv[RS_MAX_ARGS];
	char *netns;		/* -n NAME before the command, or NULL */
	char *text;		/* the line, split in place: argv points into it */
};

/* Split s in place into l (lineno is left alone); argc 0 for a blank or
 * comment-only line. Returns 0, or -1 with *why saying what is wrong. */
int rs_parse_line(char *s, struct rs_line *l, const char **why);

#endif
