// SPDX-License-Identifier: GPL-2.0
/* One line of a rule set file: words, then the commands a rule set may
 * hold (see rsline.h). */
#include <stdbool.h>
#include <string.h>

#include "rsline.h"

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The escapes put_quoted() writes, at *s (a backslash inside quotes):
 * \" \\ \n \t \r \xNN. Stores the byte and leaves *s on the escape's
 * last character (the caller's loop steps past it); false if this is no
 * escape (the backslash then stands for itself, as before). */
static bool unescape(char **s, char **out)
{
	char *p = *s;
	int hi, lo;

	switch (p[1]) {
	case '"': case '\\': *(*out)++ = p[1]; break;
	case 'n': *(*out)++ = '\n'; break;
	case 't': *(*out)++ = '\t'; break;
	case 'r': *(*out)++ = '\r'; break;
	case 'x':
		hi = hex_digit(p[2]);
		lo = hi < 0 ? -1 : hex_digit(p[3]);
		if (lo < 0 || (hi == 0 && lo == 0))
			return false;	/* \x00 would end the word */
		*(*out)++ = hi * 16 + lo;
		*s = p + 3;
		return true;
	default:
		return false;
	}
	*s = p + 1;
	return true;
}

/* Split a line in place: whitespace separates words, "double quotes" group
 * them (with the escapes of unescape() inside), # outside quotes starts a
 * comment. */
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
				if (*s == '\\' && unescape(&s, &out))
					continue;
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

static const char *const allowed[] = { "config", "allow", "deny", "attach", "protect", "limit",
					NULL };

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
		if (!strcmp(allowed[i], "protect") && (l->argc < 2 || strcmp(l->argv[1], "add"))) {
			*why = "only 'protect add' of the protect commands may appear in a rule set";
			return -1;
		}
		if (!strcmp(allowed[i], "limit") && (l->argc < 2 || strcmp(l->argv[1], "add"))) {
			*why = "only 'limit add' of the limit commands may appear in a rule set";
			return -1;
		}
		return 0;
	}
	*why = "a rule set holds only config, allow add, deny add and attach lines "
	       "(and protect add, limit add)";
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
