// SPDX-License-Identifier: GPL-2.0
/* Plain/JSON output and error reporting for the pktgate CLI. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonpretty.h"
#include "out.h"

bool out_json;
int out_verbose;

#define MAX_DEPTH 16

static FILE *jbuf;		/* JSON document being built */
static char *jbuf_mem;
static size_t jbuf_len;
static bool first[MAX_DEPTH];	/* no member printed yet at this depth */
static bool in_array[MAX_DEPTH];
static int depth;
static bool muted;		/* results of commands run inside restore */
static char errmsg[512];
static int errcode;

void out_init(bool json, int verbose)
{
	out_json = json;
	out_verbose = verbose;
	/* main calls it twice (before and after the options are parsed):
	 * one buffer for the run. */
	if (json && !jbuf) {
		jbuf = open_memstream(&jbuf_mem, &jbuf_len);
		if (!jbuf) {
			perror("pktgate: open_memstream");
			exit(PG_EXIT_ERR);
		}
		first[0] = true;
	}
}

size_t out_utf8_len(const char *p)
{
	const unsigned char *s = (const unsigned char *)p;
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	/* The second byte's range excludes overlong forms, surrogates and
	 * code points above U+10FFFF (RFC 3629's table). */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* JSON must be UTF-8: a byte that starts no valid sequence (a comment or
 * file name is bytes, not text) becomes U+FFFD, as in the exporter. */
static void json_escape(FILE *f, const char *s)
{
	fputc('"', f);
	while (*s) {
		unsigned char c = *s;
		size_t n = out_utf8_len(s);

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else if (!n)
			fputs("\\ufffd", f);
		else
			fwrite(s, 1, n, f);
		s += n ? n : 1;
	}
	fputc('"', f);
}

void out_escape_text(FILE *f, const char *s)
{
	out_escape(f, s, 0);
}

void out_escape(FILE *f, const char *s, char quote)
{
	while (*s) {
		unsigned char c = *s;
		size_t n = out_utf8_len(s);

		if (c == '\\' || (quote && c == (unsigned char)quote))
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c == '\r')
			fputs("\\r", f);
		else if (c < 0x20 || c == 0x7f || !n)
			fprintf(f, "\\x%02x", c);
		else if (n == 2 && c == 0xc2 && (unsigned char)s[1] < 0xa0)
			/* C1 controls: some terminals obey U+009B as CSI. */
			fprintf(f, "\\x%02x\\x%02x", c, (unsigned char)s[1]);
		else
			fwrite(s, 1, n, f);
		s += n ? n : 1;
	}
}

/* Whether s prints as itself, so the common case costs no copy. */
static bool text_plain(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '\\' || *p >= 0x80)
			return false;
	return true;
}

/* s escaped for a terminal, in a malloc()ed string (NULL: no memory). */
static char *text_escaped(const char *s)
{
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	out_escape_text(f, s);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Separator and key of the next JSON member. */
static void json_member(const char *key)
{
	if (!first[depth])
		fputc(',', jbuf);
	first[depth] = false;
	if (depth > 0 && !in_array[depth] && key) {
		json_escape(jbuf, key);
		fputc(':', jbuf);
	}
}

static void json_open(const char *key, char c, bool array)
{
	json_member(key);
	fputc(c, jbuf);
	if (depth + 1 < MAX_DEPTH)
		depth++;
	first[depth] = true;
	in_array[depth] = array;
}

void out_obj_open(const char *key)
{
	if (out_json && !muted)
		json_open(key, '{', false);
}

void out_obj_close(void)
{
	if (out_json && !muted) {
		fputc('}', jbuf);
		depth--;
	}
}

void out_arr_open(const char *key)
{
	if (out_json && !muted)
		json_open(key, '[', true);
}

void out_arr_close(void)
{
	if (out_json && !muted) {
		fputc(']', jbuf);
		depth--;
	}
}

/* In JSON, a member needs a key; keyless calls are plain-text only, except
 * inside arrays, where they are the elements. */
void out_mute(bool on)
{
	muted = on;
}

static bool json_wants(const char *key)
{
	return out_json && !muted && (key || in_array[depth]);
}

void out_str(const char *key, const char *fmt, const char *v)
{
	if (json_wants(key)) {
		json_member(key);
		json_escape(jbuf, v);
	} else if (!out_json && !muted && fmt) {
		/* Names, comments and file names are the user's bytes: a
		 * newline or an escape sequence must not forge output. */
		char *esc = NULL;

		if (!text_plain(v) && !(esc = text_escaped(v)))
			v = "?";	/* out of memory: never the raw bytes */
		printf(fmt, esc ? esc : v);
		free(esc);
	}
}

void out_u64(const char *key, const char *fmt, uint64_t v)
{
	if (json_wants(key)) {
		json_member(key);
		fprintf(jbuf, "%llu", (unsigned long long)v);
	} else if (!out_json && !muted && fmt) {
		printf(fmt, (unsigned long long)v);
	}
}

void out_i64(const char *key, const char *fmt, int64_t v)
{
	if (json_wants(key)) {
		json_member(key);
		fprintf(jbuf, "%lld", (long long)v);
	} else if (!out_json && !muted && fmt) {
		printf(fmt, (long long)v);
	}
}

void out_double(const char *key, const char *fmt, double v)
{
	if (json_wants(key)) {
		json_member(key);
		if (isfinite(v))
			fprintf(jbuf, "%.3f", v);
		else
			fputs("null", jbuf);
	} else if (!out_json && !muted && fmt) {
		printf(fmt, v);
	}
}

void out_bool(const char *key, const char *fmt, bool v)
{
	if (json_wants(key)) {
		json_member(key);
		fputs(v ? "true" : "false", jbuf);
	} else if (!out_json && !muted && fmt) {
		printf(fmt, v ? "yes" : "no");
	}
}

void out_null(const char *key, const char *fmt, const char *plain)
{
	if (json_wants(key)) {
		json_member(key);
		fputs("null", jbuf);
	} else if (!out_json && !muted && fmt) {
		printf(fmt, plain);
	}
}

void out_text(const char *fmt, ...)
{
	va_list ap;

	if (out_json || muted)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

static const char *err_context;

void out_set_context(const char *context)
{
	err_context = context;
}

/* One line of prefix and message, the message escaped as text is: it
 * quotes the user's words, and a newline in them must not start a line
 * that looks like pktgate's own. */
static void put_line(FILE *f, const char *prefix, const char *msg)
{
	fputs(prefix, f);
	if (text_plain(msg))
		fputs(msg, f);
	else
		out_escape_text(f, msg);
	fputc('\n', f);
}

static void vput_line(FILE *f, const char *prefix, const char *fmt, va_list ap)
{
	char *msg = NULL;

	if (vasprintf(&msg, fmt, ap) < 0) {
		put_line(f, prefix, "(out of memory)");
		return;
	}
	put_line(f, prefix, msg);
	free(msg);
}

static int record_err(int code, const char *fmt, va_list ap)
{
	int n = 0;

	if (err_context)
		n = snprintf(errmsg, sizeof(errmsg), "%s: ", err_context);
	vsnprintf(errmsg + n, sizeof(errmsg) - n, fmt, ap);
	errcode = code;
	put_line(stderr, "pktgate: ", errmsg);
	return code;
}

int p_err(const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = record_err(PG_EXIT_ERR, fmt, ap);
	va_end(ap);
	return rc;
}

int p_usage(const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = record_err(PG_EXIT_USAGE, fmt, ap);
	va_end(ap);
	if (!out_json && !err_context)
		fprintf(stderr, "Try 'pktgate help'.\n");
	return rc;
}

void p_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vput_line(stderr, "pktgate: warning: ", fmt, ap);
	va_end(ap);
}

/* Informational lines go to stdout in plain mode, stderr in JSON mode. */
void p_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vput_line(out_json ? stderr : stdout, "", fmt, ap);
	va_end(ap);
}

void p_debug(const char *fmt, ...)
{
	va_list ap;

	if (!out_verbose)
		return;
	va_start(ap, fmt);
	vput_line(stderr, "", fmt, ap);
	va_end(ap);
}

void out_flush_record(void)
{
	if (!out_json) {
		fflush(stdout);
		return;
	}
	fclose(jbuf);
	if (jbuf_len) {
		json_write(stdout, jbuf_mem, jbuf_len);
		fputc('\n', stdout);
	}
	fflush(stdout);
	free(jbuf_mem);
	jbuf_mem = NULL;
	jbuf_len = 0;
	depth = 0;
	first[0] = true;
	jbuf = open_memstream(&jbuf_mem, &jbuf_len);
	if (!jbuf) {
		perror("pktgate: open_memstream");
		exit(PG_EXIT_ERR);
	}
}

int out_finish(int rc)
{
	if (rc && !errcode)
		errcode = rc;
	if (!out_json) {
		fflush(stdout);
		return rc;
	}
	fclose(jbuf);
	if (rc) {
		fputs("{\"error\":", stdout);
		/* reuse the escaper on stdout */
		jbuf = stdout;
		json_escape(stdout, errmsg[0] ? errmsg : "failed");
		fputs("}\n", stdout);
	} else if (jbuf_len) {
		json_write(stdout, jbuf_mem, jbuf_len);
		fputc('\n', stdout);
	}
	free(jbuf_mem);
	fflush(stdout);
	return rc;
}
