/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Blocklist files for `pktgate load`: the plain and commented lists people
 * download (Spamhaus DROP text and NDJSON, FireHOL .netset, hand-written
 * lists). Pure parsing and printing: no maps, so it can be unit tested.
 */
#ifndef __PKTGATE_LISTFILE_H
#define __PKTGATE_LISTFILE_H

#include <stdbool.h>
#include <stdio.h>

#include "cidr.h"

/* Longest line accepted, line ending excluded: real lists stay far below,
 * and a cap keeps a binary or runaway file from being read whole. */
#define LF_MAX_LINE 4096

/* Start zeroed; several files may be parsed into one list. */
struct lf_list {
	struct pg_prefix *v;	/* in file order, duplicates kept */
	size_t n, cap;
	size_t lines;		/* lines read */
	size_t normalised;	/* entries whose host bits were cleared */
	size_t bad_line;	/* set by a failed parse: the line whose content
				 * is wrong (0: the input could not be read) */
};

/* Lines of a text file one at a time, in a fixed buffer, each at most
 * LF_MAX_LINE bytes: load and restore read any input, /dev/zero included,
 * in bounded memory. */
struct lf_reader {
	FILE *f;
	char *buf;
	size_t start, end;	/* unread bytes */
	bool eof;
};

enum { LF_LINE, LF_EOF, LF_IO, LF_LONG, LF_BINARY };

/* 0, or -ENOMEM. */
int lf_reader_init(struct lf_reader *r, FILE *f);
/* LF_LINE with *line NUL-terminated in place (newline cut off, valid until
 * the next call) and *len; LF_EOF; LF_IO (errno says why); LF_LONG; or
 * LF_BINARY (a NUL byte). */
int lf_reader_next(struct lf_reader *r, char **line, size_t *len);
void lf_reader_free(struct lf_reader *r);

/* Read a blocklist from f; name is used in messages ("-" is shown as
 * "<stdin>"). Returns 0, or -1 with err = "NAME:LINE: what is wrong".
 * All or nothing, so a bad file never half-loads: on error n, lines and
 * normalised are restored (v may have grown). */
int listfile_parse(FILE *f, const char *name, struct lf_list *lf, char *err, size_t errlen);
/* Open path ("-" = stdin) and parse it; errors like
 * "cannot read PATH: strerror". */
int listfile_read(const char *path, struct lf_list *lf, char *err, size_t errlen);
/* Write prefixes one per line (pg_prefix_fmt), after an optional header
 * comment block ("# " prefixed lines; header may contain newlines), in a
 * form listfile_parse reads back. Returns 0 or -errno. */
int listfile_write(FILE *f, const struct pg_prefix *v, size_t n, const char *header);
void lf_free(struct lf_list *lf);

#endif
