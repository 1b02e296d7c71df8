/* SPDX-License-Identifier: GPL-2.0 */
/* Named lists: every allow or deny entry belongs to one or more of them. */
#ifndef __PKTGATE_LISTS_H
#define __PKTGATE_LISTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pktgate.h"

struct pg_ctx;

/* 0 if NAME may name a list; else a usage error is reported. */
int lists_check_name(const char *name);
/* The id of list NAME (NULL: manual) of a kind in *id. create makes it if
 * missing (under the exclusive lock); else a missing list is an error. */
int lists_open(struct pg_ctx *ctx, int kind, const char *name, bool create, unsigned int *id);
/* The id a new list NAME of a kind gets, none of taken's: the id a removed
 * list of that name had, else a free one that no attached interface's
 * --lists selection names (else an error is reported). */
int lists_new_id(struct pg_ctx *ctx, int kind, const char *name, uint64_t taken,
		 unsigned int *id);
bool lists_exists(struct pg_ctx *ctx, int kind, const char *name);
/* Whether a list id is taken. */
bool lists_in_use(struct pg_ctx *ctx, unsigned int id);
/* The name of a list id ("?" if unknown). */
const char *lists_name(struct pg_ctx *ctx, unsigned int id);
/* Record the file a list was loaded from, and when. */
int lists_loaded(struct pg_ctx *ctx, unsigned int id, const char *source);
/* The name of a list id, also of a removed one (*live false); NULL if the
 * id never had one. */
const char *lists_kept_name(struct pg_ctx *ctx, unsigned int id, bool *live);
/* Forget a named list and its counters (the manual lists stay); its name
 * is kept (lists_new_id, lists_kept_name). */
int lists_remove(struct pg_ctx *ctx, unsigned int id);
/* The lists table (PG_MAX_LISTS entries, by id) as read from pg_lists;
 * NULL after reporting an error. */
struct pg_list;
const struct pg_list *lists_all(struct pg_ctx *ctx);
/* Names of the lists in a bitmask, joined by commas. */
void lists_names(struct pg_ctx *ctx, uint64_t bits, char *buf, size_t len);

#endif
