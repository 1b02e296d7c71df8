// SPDX-License-Identifier: GPL-2.0
/* One line of a rule set file: words, then the commands a rule set may
 * hold (see rsline.h). */
#include <string.h>

#include "rsline.h"

/* Split a line in place: whitespace separates words, "double quotes" group
 * them (with \" and \\ inside), # outside quotes starts a comment. */
static int tokenize(char *s, struct rs_line *l, const char **why)
{
	char *out = s;

	l->argc = 0;
	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\r')
			s++;
		if (!*s || *s == '#')
			return 0;
		if (l->argc == RS_MAX_ARGS) {
			*why = "too many words";
			return -1;
		}
		l->argv[l->argc++] = out;
		while (*s && *s != ' ' && *s != '\t' && *s != '\r') {
			if (*s != '"') {
				*out++ = *s++;
				continue;
			}
			for (s++; *s != '"'; s++) {
				if (!*s) {
					*why = "unterminated quote";
					return -1;
				}
				if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
					s++;
				*out++ = *s;
			}
			s++;
		}
		/* The terminator may land on the separator just read past. */
		if (*s)
			s++;
		*out++ = '\0';
	}
}

static const char *const allowed[] = { "config", "allow", "deny", "attach", NULL };

/* Commands a rule set may hold: those that describe state. */
static int line_allowed(const struct rs_line *l, const char **why)
{
	for (int i = 0; allowed[i]; i++) {
		if (strcmp(l->argv[0], allowed[i]))
			continue;
		if ((!strcmp(allowed[i], "allow") || !strcmp(allowed[i], "deny")) &&
		    (l->argc < 2 || strcmp(l->argv[1], "add"))) {
			*why = "only 'allow add' and 'deny add' may appear in a rule set";
			return -1;
		}
		return 0;
	}
	*why = "a rule set holds only config, allow add, deny add and attach lines";
	return -1;
}

int rs_parse_line(char *s, struct rs_line *l, const char **why)
{
	*why = "cannot split the line";
	if (tokenize(s, l, why))
		return -1;
	if (!l->argc)
		return 0;
	if (!strcmp(l->argv[0], "-n") || !strcmp(l->argv[0], "--netns")) {
		if (l->argc < 3) {
			*why = "-n needs a namespace name and a command";
			return -1;
		}
		l->netns = l->argv[1];
		memmove(l->argv, l->argv + 2, (l->argc - 2) * sizeof(char *));
		l->argc -= 2;
	}
	return line_allowed(l, why);
}
