/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rate limits and bans (limit add|del|list|syn|unban): the model. Limit
 * records in pg_limits, the prefix tries that lead to them (each prefix
 * holds the ids of every limit covering it), their counters, and the bans
 * the datapath writes (maps/pktgate.h, "Rate limits and bans").
 */
#ifndef __PKTGATE_RATELIMIT_H
#define __PKTGATE_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cidr.h"
#include "pktgate.h"

struct pg_ctx;
struct pg_entry;

/* Prefixes one limit may name. */
#define LIMIT_PREFIXES_MAX	64

struct limit_rule {
	uint32_t id;
	struct pg_limit l;
	struct pg_prefix pfx[LIMIT_PREFIXES_MAX];
	size_t npfx;
	struct pg_limit_ctr ctr;	/* summed over CPUs */
};

/* Every limit in use, by id, with its own prefixes (the shortest of its
 * prefixes in the tries) and counters. *v is freed by the caller. */
int limits_read(struct pg_ctx *ctx, struct limit_rule **v, size_t *n);
/* The same limit, rates aside: prefixes, protocols, ports, SYN, interface
 * and mode. */
bool limits_same(const struct limit_rule *a, const struct limit_rule *b);
/* Write r as limit r->id (0: a free id, set in r->id), new or updated in
 * place; all is the set of limits with r in it, so the tries can be made
 * to match. Messages printed; 0 or an exit code. */
int limits_write(struct pg_ctx *ctx, struct limit_rule *r, const struct limit_rule *all,
		 size_t n);
/* Delete limit id (all: the limits left after it). */
int limits_delete(struct pg_ctx *ctx, uint32_t id, const struct limit_rule *left, size_t n);
/* Text of a rate: "100/s burst 20", "10Mbit/s", both. */
void limits_rate_fmt(const struct pg_limit *l, char *buf, size_t len);
/* The limit as the arguments of a limit add line (save --all). */
void limits_args_fmt(struct pg_ctx *ctx, const struct limit_rule *r, char *buf, size_t len);
/* save --all: a limit add line per limit. */
int limits_save(struct pg_ctx *ctx, FILE *f);
/* status: one line (and JSON) of limits and live bans. */
int limits_status(struct pg_ctx *ctx);

/* restore: limit add lines are queued (interface and ban list by name),
 * then the limits become exactly the queue's, after the attach lines:
 * a limit that was there already keeps its id and buckets. */
int limits_queue_add(const struct limit_rule *r, const char *iface, const char *ban_list);
int limits_queue_apply(struct pg_ctx *ctx, size_t *applied);
void limits_queue_reset(void);
size_t limits_queued(void);

/* Live bans (expires_ns ahead of now) as deny entries of their list, for
 * deny list: appended to *v. */
int bans_collect(struct pg_ctx *ctx, struct pg_entry **v, size_t *n);
/* Live bans, counted. */
int bans_count(struct pg_ctx *ctx, size_t *n);
/* Lift the bans of an address (family 4 or 6), or every ban (addr NULL);
 * *lifted: how many. */
int bans_lift(struct pg_ctx *ctx, int family, const uint8_t *addr, size_t *lifted);

#endif
