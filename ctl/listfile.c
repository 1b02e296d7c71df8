// SPDX-License-Identifier: GPL-2.0
/*
 * Blocklist files: one prefix per line, with the comments, line endings and
 * wrappers that downloaded lists come with. See listfile.h.
 *
 * Lines are cut out of one large buffer in place (no per-line allocation):
 * a million-line list is read in well under half a second.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "listfile.h"

#define RD_BUFSZ	(256 * 1024)	/* well above LF_MAX_LINE: refills are rare */
#define QUOTE_MAX	60		/* bytes of offending text shown in messages */
#define LF_MIN_CAP	1024

int lf_reader_init(struct lf_reader *r, FILE *f)
{
	memset(r, 0, sizeof(*r));
	r->f = f;
	r->buf = malloc(RD_BUFSZ + 1);
	return r->buf ? 0 : -ENOMEM;
}

void lf_reader_free(struct lf_reader *r)
{
	free(r->buf);
	r->buf = NULL;
}

/* Next line, newline cut off and NUL-terminated in place. */
int lf_reader_next(struct lf_reader *r, char **line, size_t *len)
{
	for (;;) {
		char *s = r->buf + r->start;
		size_t avail = r->end - r->start;
		char *nl = memchr(s, '\n', avail);

		if (nl || (r->eof && avail)) {
			size_t l = nl ? (size_t)(nl - s) : avail;

			s[l] = '\0';
			r->start += nl ? l + 1 : l;
			*line = s;
			*len = l;
			if (memchr(s, '\0', l))
				return LF_BINARY;
			/* A CR of a CRLF ending is not part of the line. */
			if (l - (l && s[l - 1] == '\r') > LF_MAX_LINE)
				return LF_LONG;
			return LF_LINE;
		}
		if (r->eof)
			return LF_EOF;
		/* No newline in sight: too long, whatever follows. */
		if (avail > LF_MAX_LINE + 1)
			return memchr(s, '\0', avail) ? LF_BINARY : LF_LONG;
		memmove(r->buf, s, avail);
		r->start = 0;
		r->end = avail;
		avail = fread(r->buf + r->end, 1, RD_BUFSZ - r->end, r->f);
		r->end += avail;
		if (!avail) {
			if (ferror(r->f))
				return LF_IO;
			r->eof = true;
		}
	}
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static char *skip_ws(char *p)
{
	while (is_ws(*p))
		p++;
	return p;
}

static size_t trimmed_len(const char *s)
{
	size_t n = strlen(s);

	while (n && is_ws(s[n - 1]))
		n--;
	return n;
}

/* The start of s for a message: control bytes escaped (a binary file must
 * not garble the terminal), cut at a UTF-8 character boundary. */
#define QUOTE_BUFSZ	(QUOTE_MAX * 4 + 8)
static const char *quote(char *out, const char *s, size_t len)
{
	size_t n = len, o = 0, i;

	if (n > QUOTE_MAX) {
		n = QUOTE_MAX;
		while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(out + o, QUOTE_BUFSZ - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	if (n < len) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

static void seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- one-line JSON objects (Spamhaus drop_v4.json / drop_v6.json) ---- */

static char *json_ws(char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

/* p at an opening quote: returns past the closing one, or NULL. */
static char *json_str(char *p)
{
	for (p++; *p; p++) {
		if (*p == '\\') {
			if (!*++p)
				return NULL;
		} else if (*p == '"') {
			return p + 1;
		}
	}
	return NULL;
}

/* Skip a non-string value (nested ones included): returns the ',' or '}'
 * that ends it, or NULL. A skimmer, not a validator: values pktgate does
 * not use only need to end where they should. */
static char *json_skip(char *p)
{
	int depth = 0;

	while (*p) {
		if (*p == '"') {
			p = json_str(p);
			if (!p)
				return NULL;
			continue;
		}
		if (*p == '{' || *p == '[') {
			depth++;
		} else if (*p == '}' || *p == ']') {
			if (!depth)
				return *p == '}' ? p : NULL;
			depth--;
		} else if (*p == ',' && !depth) {
			return p;
		}
		p++;
	}
	return NULL;
}

/* The "cidr" member of the object that s holds: 1 (*val, NUL-terminated
 * in place), 0 when there is none (the metadata line), -1 malformed,
 * -2 "cidr" is not a string. The line is only changed once it has been
 * read whole, so messages can still quote it. */
static int json_cidr(char *s, char **val)
{
	char *p = json_ws(s + 1), *v = NULL, *vend = NULL, *r, *w;

	if (*p != '}') {
		for (;;) {
			char *k = p + 1, *start;
			bool is_cidr;

			if (*p != '"' || !(p = json_str(p)))
				return -1;
			is_cidr = p - k == 5 && !memcmp(k, "cidr\"", 5);
			p = json_ws(p);
			if (*p != ':')
				return -1;
			start = p = json_ws(p + 1);
			if (*p == '"') {
				p = json_str(p);
				if (!p)
					return -1;
				if (is_cidr) {
					v = start + 1;
					vend = p - 1;
				}
			} else {
				p = json_skip(p);
				if (!p || p == start)
					return -1;
				if (is_cidr)
					return -2;
			}
			p = json_ws(p);
			if (*p == '}')
				break;
			if (*p != ',')
				return -1;
			p = json_ws(p + 1);
		}
	}
	if (*json_ws(p + 1))
		return -1;
	if (!v)
		return 0;
	/* "\/" is a legal spelling of "/". */
	for (r = w = v; r < vend; r++)
		if (!(r[0] == '\\' && r[1] == '/'))
			*w++ = *r;
	*w = '\0';
	*val = v;
	return 1;
}

/* ---- the parser ---- */

struct pctx {
	const char *name;
	size_t lineno;
	char *err;
	size_t errlen;
};

static int fail(struct pctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct pctx *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!c->err || !c->errlen)
		return -1;
	n = snprintf(c->err, c->errlen, "%s:%zu: ", c->name, c->lineno);
	if (n < 0 || (size_t)n >= c->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static int push(struct lf_list *lf, const struct pg_prefix *p)
{
	if (lf->n == lf->cap) {
		size_t cap = lf->cap ? lf->cap * 2 : LF_MIN_CAP;
		struct pg_prefix *v;

		if (cap < lf->cap || cap > SIZE_MAX / sizeof(*v))
			return -1;
		v = realloc(lf->v, cap * sizeof(*v));
		if (!v)
			return -1;
		lf->v = v;
		lf->cap = cap;
	}
	lf->v[lf->n++] = *p;
	return 0;
}

/* A token that is not a prefix: an "A-B" range gets its own message,
 * since the fix (give CIDRs) is not obvious from "not a prefix". */
static int bad_token(struct pctx *c, char *tok, size_t len, const char *why)
{
	char q[QUOTE_BUFSZ];
	char *dash = strchr(tok, '-');

	if (dash) {
		struct pg_prefix p;
		const char *w;
		bool norm;
		int r;

		*dash = '\0';
		r = pg_prefix_parse(tok, &p, &norm, &w);
		*dash = '-';
		if (!r)
			return fail(c, "'%s' is an address range: ranges are not supported, give CIDRs",
				    quote(q, tok, len));
	}
	return fail(c, "'%s' is not an IPv4 or IPv6 prefix: %s", quote(q, tok, len), why);
}

/* One line: 1 and *p for a prefix, 0 for nothing (blank, comment,
 * metadata), -1 on error. */
static int parse_line(struct pctx *c, char *line, struct pg_prefix *p, bool *norm)
{
	char q[QUOTE_BUFSZ];
	char *s = skip_ws(line), *tok, *rest;
	const char *why;
	size_t toklen;
	bool rest_bad;

	if (!*s || *s == '#' || *s == ';')
		return 0;

	if (*s == '{') {
		switch (json_cidr(s, &tok)) {
		case 0:
			return 0;
		case -1:
			return fail(c, "malformed JSON object: '%s'", quote(q, s, trimmed_len(s)));
		case -2:
			return fail(c, "\"cidr\" is not a string: '%s'", quote(q, s, trimmed_len(s)));
		}
		if (pg_prefix_parse(tok, p, norm, &why))
			return bad_token(c, tok, strlen(tok), why);
		return 1;
	}

	/* 1.2.3.4#x: a comment may follow without a space. */
	tok = s;
	while (*s && !is_ws(*s) && *s != '#' && *s != ';')
		s++;
	toklen = (size_t)(s - tok);
	rest = skip_ws(s);
	/* Judged before tok is terminated, which may overwrite a '#' right
	 * after it. Text that is not a comment starts after a blank, so it
	 * survives the terminating NUL. */
	rest_bad = *rest && *rest != '#' && *rest != ';';
	*s = '\0';
	if (pg_prefix_parse(tok, p, norm, &why))
		return bad_token(c, tok, toklen, why);
	if (rest_bad) {
		if (*rest == '-') {
			*s = ' ';
			return fail(c, "'%s' is an address range: ranges are not supported, give CIDRs",
				    quote(q, tok, trimmed_len(tok)));
		}
		return fail(c, "unexpected text after the prefix: '%s'",
			    quote(q, rest, trimmed_len(rest)));
	}
	return 1;
}

int listfile_parse(FILE *f, const char *name, struct lf_list *lf, char *err, size_t errlen)
{
	struct pctx c = {
		.name = !name ? "<input>" : strcmp(name, "-") ? name : "<stdin>",
		.err = err,
		.errlen = errlen,
	};
	struct lf_reader r;
	size_t n0 = lf->n, norm0 = lf->normalised;
	char *line;
	size_t len;
	int ret = -1;

	lf->bad_line = 0;
	if (lf_reader_init(&r, f)) {
		seterr(err, errlen, "cannot read %s: %s", c.name, strerror(ENOMEM));
		return -1;
	}
	for (;;) {
		struct pg_prefix p;
		bool norm;
		int k = lf_reader_next(&r, &line, &len);

		if (k == LF_EOF)
			break;
		c.lineno++;
		if (k == LF_IO) {
			seterr(err, errlen, "cannot read %s: %s", c.name, strerror(errno));
			goto out;
		}
		if (k == LF_BINARY || k == LF_LONG) {
			lf->bad_line = c.lineno;
			if (k == LF_BINARY)
				fail(&c, "binary data (not a text file)");
			else
				fail(&c, "line longer than %d bytes", LF_MAX_LINE);
			goto out;
		}
		/* A UTF-8 byte order mark, as some Windows editors write. */
		if (c.lineno == 1 && len >= 3 && !memcmp(line, "\xef\xbb\xbf", 3))
			line += 3;
		k = parse_line(&c, line, &p, &norm);
		if (k < 0) {
			lf->bad_line = c.lineno;
			goto out;
		}
		if (!k)
			continue;
		if (push(lf, &p)) {
			fail(&c, "out of memory");
			goto out;
		}
		lf->normalised += norm;
	}
	lf->lines += c.lineno;
	ret = 0;
out:
	if (ret) {
		lf->n = n0;
		lf->normalised = norm0;
	}
	lf_reader_free(&r);
	return ret;
}

int listfile_read(const char *path, struct lf_list *lf, char *err, size_t errlen)
{
	FILE *f;
	int ret;

	if (!strcmp(path, "-"))
		return listfile_parse(stdin, "-", lf, err, errlen);
	f = fopen(path, "re");
	if (!f) {
		seterr(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	ret = listfile_parse(f, path, lf, err, errlen);
	fclose(f);
	return ret;
}

int listfile_write(FILE *f, const struct pg_prefix *v, size_t n, const char *header)
{
	char buf[PG_PREFIX_STRLEN];
	const char *p = header;
	size_t i;

	errno = 0;
	while (p && *p) {
		const char *nl = strchrnul(p, '\n');

		if (nl > p)
			fprintf(f, "# %.*s\n", (int)(nl - p), p);
		else
			fputs("#\n", f);
		p = *nl ? nl + 1 : nl;
	}
	for (i = 0; i < n; i++) {
		pg_prefix_fmt(&v[i], buf, sizeof(buf));
		fputs(buf, f);
		putc('\n', f);
	}
	if (fflush(f) || ferror(f))
		return errno ? -errno : -EIO;
	return 0;
}

void lf_free(struct lf_list *lf)
{
	free(lf->v);
	memset(lf, 0, sizeof(*lf));
}
