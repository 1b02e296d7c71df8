// SPDX-License-Identifier: GPL-2.0
/*
 * Pretty-printing of the JSON that out.c builds. out.c writes compact JSON
 * from one call site per field; indenting the finished document here keeps
 * those call sites free of layout, and the two forms cannot disagree on
 * content. The input is out.c's own well-formed output, so a small state
 * machine is enough: strings are copied as they are, and only the
 * structural characters outside them get new lines and indentation.
 */
#include "jsonpretty.h"

bool json_pretty;

#define INDENT 2

static void newline(FILE *f, int depth)
{
	fputc('\n', f);
	for (int i = 0; i < depth * INDENT; i++)
		fputc(' ', f);
}

void json_write(FILE *f, const char *s, size_t len)
{
	bool in_str = false;
	int depth = 0;

	if (!json_pretty) {
		fwrite(s, 1, len, f);
		return;
	}
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (in_str) {
			fputc(c, f);
			if (c == '\\' && i + 1 < len)
				fputc(s[++i], f);
			else if (c == '"')
				in_str = false;
			continue;
		}
		switch (c) {
		case '"':
			in_str = true;
			fputc(c, f);
			break;
		case '{':
		case '[':
			fputc(c, f);
			if (i + 1 < len && (s[i + 1] == '}' || s[i + 1] == ']')) {
				fputc(s[++i], f);	/* {} and [] stay as they are */
				break;
			}
			newline(f, ++depth);
			break;
		case '}':
		case ']':
			newline(f, --depth);
			fputc(c, f);
			break;
		case ',':
			fputc(c, f);
			newline(f, depth);
			break;
		case ':':
			fputs(": ", f);
			break;
		default:
			fputc(c, f);
		}
	}
}
