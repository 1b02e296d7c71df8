/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Output of the pktgate CLI. Each field is printed from one call site that
 * serves both plain text and JSON (the iproute2 print_* idea). JSON is
 * buffered until the command succeeds, so stdout is always one valid JSON
 * document: the result, or {"error": "..."}.
 */
#ifndef __PKTGATE_OUT_H
#define __PKTGATE_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Exit codes, documented in README.md and pktgate --help. */
enum { PG_EXIT_OK = 0, PG_EXIT_ERR = 1, PG_EXIT_USAGE = 2 };

extern bool out_json;
extern int out_verbose;

void out_init(bool json, int verbose);
/* Streams (events, watch): emit the record built so far, one JSON document
 * per line, and start the next. Plain text is flushed. */
void out_flush_record(void);
/* Emit buffered JSON (or the error) and return the exit code to use. */
int out_finish(int rc);

void out_obj_open(const char *key);	/* key is ignored inside arrays */
void out_obj_close(void);
void out_arr_open(const char *key);
void out_arr_close(void);

/* fmt is a printf format for plain text (NULL: JSON only). out_str's value
 * is escaped for either (out_escape_text, or JSON's escapes and U+FFFD). */
void out_str(const char *key, const char *fmt, const char *v);
void out_u64(const char *key, const char *fmt, uint64_t v);
void out_i64(const char *key, const char *fmt, int64_t v);
/* Rates and durations; JSON gets 3 decimals, and null if not finite. */
void out_double(const char *key, const char *fmt, double v);
void out_bool(const char *key, const char *fmt, bool v);
/* JSON null; plain prints the given text through fmt. */
void out_null(const char *key, const char *fmt, const char *plain);
/* Length of the valid UTF-8 sequence at s (1 for ASCII), 0 if none starts
 * there: overlong forms, surrogates and bytes out of place. */
size_t out_utf8_len(const char *s);
/* s as a terminal may show it: \\, \n, \t, \r, and \xNN for other control
 * characters and bytes that are not UTF-8. Plain-text strings (out_str) and
 * messages (p_err...) go through it; JSON gets its own escapes. */
void out_escape_text(FILE *f, const char *s);
/* The same, with quote (if not 0) escaped too: a quoted word of a rule set. */
void out_escape(FILE *f, const char *s, char quote);
/* Plain text only (headers, newlines). */
void out_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* While muted, results are not printed (errors still are). */
void out_mute(bool on);
/* Prefix for the errors that follow, e.g. "FILE:LINE" (NULL: none). */
void out_set_context(const char *context);
/* Errors and notices, to stderr (and as the JSON error). */
int p_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int p_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void p_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void p_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void p_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
