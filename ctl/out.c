// SPDX-License-Identifier: GPL-2.0
/* Plain/JSON output and error reporting for the pktgate CLI. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void json_escape(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
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
		printf(fmt, v);
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

static int record_err(int code, const char *fmt, va_list ap)
{
	int n = 0;

	if (err_context)
		n = snprintf(errmsg, sizeof(errmsg), "%s: ", err_context);
	vsnprintf(errmsg + n, sizeof(errmsg) - n, fmt, ap);
	errcode = code;
	fprintf(stderr, "pktgate: %s\n", errmsg);
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

	fputs("pktgate: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Informational lines go to stdout in plain mode, stderr in JSON mode. */
void p_info(const char *fmt, ...)
{
	va_list ap;
	FILE *f = out_json ? stderr : stdout;

	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

void p_debug(const char *fmt, ...)
{
	va_list ap;

	if (!out_verbose)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void out_flush_record(void)
{
	if (!out_json) {
		fflush(stdout);
		return;
	}
	fclose(jbuf);
	if (jbuf_len) {
		fwrite(jbuf_mem, 1, jbuf_len, stdout);
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
		fwrite(jbuf_mem, 1, jbuf_len, stdout);
		fputc('\n', stdout);
	}
	free(jbuf_mem);
	fflush(stdout);
	return rc;
}
