/* SPDX-License-Identifier: GPL-2.0 */
/* Options of the events and config commands. */
#ifndef __PKTGATE_EVENTS_H
#define __PKTGATE_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

struct pg_ctx;

/* A token bucket's counts over all CPUs: what it granted and refused. */
int bucket_counts(struct pg_ctx *ctx, int fd, uint64_t *granted, uint64_t *refused);
/* Events emitted and suppressed so far, over all CPUs. */
int events_counts(struct pg_ctx *ctx, uint64_t *emitted, uint64_t *suppressed);

#endif
