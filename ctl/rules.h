/* SPDX-License-Identifier: GPL-2.0 */
/* List entries as the CLI sees them (the model the rule commands, save,
 * status and the exporter share). */
#ifndef __PKTGATE_RULES_H
#define __PKTGATE_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cidr.h"
#include "pktgate.h"

struct pg_ctx;

/* One entry, or one port-scoped rule (a key per port of its range). */
struct pg_entry {
	struct pg_prefix prefix;
	uint8_t tbl;			/* enum pg_table */
	uint8_t proto;			/* port-scoped: IPPROTO_TCP or IPPROTO_UDP */
	uint16_t port_lo, port_hi;	/* port-scoped: 0-0 = any port */
	uint8_t amatch, pfield, proto2;	/* match keys (scope.h) */
	struct pg_rule rule;
	uint64_t hits, bytes, last_hit_ns;	/* filled by list only: since the last --zero */
	uint64_t raw[3];		/* list --zero: the counters as read */
	uint8_t ban_limit;		/* a ban (ratelimit.h) by this limit; 0: an entry */
};

enum { SORT_PREFIX, SORT_HITS, SORT_BYTES, SORT_LAST_HIT };	/* list --sort, table order */

/* All entries of a kind, both families, expired ones included; port
 * ranges as one entry each. */
int rules_collect(struct pg_ctx *ctx, int kind, struct pg_entry **out, size_t *n);
/* Live and expired entries of a kind, per family (0: IPv4, 1: IPv6). An
 * expired entry no longer matches but still takes room. */
int rules_count(struct pg_ctx *ctx, int kind, size_t live[2], size_t expired[2]);
/* Order entries by prefix, then protocol and ports. */
void rules_sort(struct pg_entry *v, size_t n);
/* By SORT_*: counters largest first, then as rules_sort. */
void rules_sort_by(struct pg_entry *v, size_t n, int key);
/* A free per-rule counter slot (taken[]: ids this command already
 * holds, or NULL), looking first where the last one was taken; 0 if all
 * are in use. */
uint32_t rules_id_alloc(struct pg_ctx *ctx, const uint8_t *taken);
struct pg_scope;
/* An entry's scope: protocol(s), ports or ICMP type, match keys. */
void rules_entry_scope(const struct pg_entry *e, struct pg_scope *s);
/* "tcp/22", "udp/1000-2000", "tcp" (any port), "src tcp/sport 53"
 * (scope.h); "" for address entries of the remote peer. */
void rules_ports_fmt(const struct pg_entry *e, char *buf, size_t len);
/* The arguments of add/del that give an entry's scope after its prefixes:
 * "proto tcp port 20-30", or "" for address entries. */
void rules_scope_args(const struct pg_entry *e, char *buf, size_t len);

/* In the port-scoped table (protocol or match keys), not an address entry. */
static inline bool rules_scoped(const struct pg_entry *e)
{
	return e->tbl == PG_TBL_PORT;
}

#endif
