/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Management prefixes (protect add|del|list): peers that no list entry,
 * policy or limit drops. The datapath looks them up first
 * (xdp/protect.h); user space keeps them in two small pinned LPM tries.
 */
#ifndef __PKTGATE_PROTECT_H
#define __PKTGATE_PROTECT_H

#include <stddef.h>
#include <stdio.h>

#include "cidr.h"
#include <stdbool.h>

struct pg_ctx;


/* The protected prefixes, both families, sorted (maps open). */
int protect_read(struct pg_ctx *ctx, struct pg_prefix **v, size_t *n);
/* restore: the prefixes its protect lines queued (collect mode), and
 * making the tries hold exactly them. */
void protect_queued(const struct pg_prefix **v, size_t *n);
void protect_queue_reset(void);
int protect_replace(struct pg_ctx *ctx, const struct pg_prefix *v, size_t n);
/* save --all: one protect add line per prefix. */
int protect_save(struct pg_ctx *ctx, FILE *f);
/* status: the protected prefixes. */
int protect_status(struct pg_ctx *ctx);
/* The prefixes as a JSON array "protect" and text: a line each, or for
 * status one line. */
int protect_print(struct pg_ctx *ctx, bool status);
/* Whether p is one of v[0..n). */
bool protect_in(const struct pg_prefix *v, size_t n, const struct pg_prefix *p);
/* Insert the prefixes not there yet (fresh[i]: this call put v[i] in),
 * all or none; delete prefixes. Messages printed; 0 or an exit code. */
int protect_insert(struct pg_ctx *ctx, const struct pg_prefix *v, size_t n, bool *fresh);
int protect_delete(struct pg_ctx *ctx, const struct pg_prefix *v, size_t n);
/* restore: queue one prefix of a protect add line (once). */
int protect_queue_add(const struct pg_prefix *p);

#endif
