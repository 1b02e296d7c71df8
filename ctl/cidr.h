/* SPDX-License-Identifier: GPL-2.0 */
/* CIDR prefixes and durations as users type them. */
#ifndef __PKTGATE_CIDR_H
#define __PKTGATE_CIDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PG_PREFIX_STRLEN 64

struct pg_prefix {
	uint8_t family;		/* 4 or 6 */
	uint8_t plen;
	uint8_t addr[16];	/* network order, host bits cleared */
};

/* Parse "ADDR" or "ADDR/LEN". Host bits are cleared (*normalised says if
 * any were set). Refused: a length with a leading zero (/08), and
 * IPv4-mapped IPv6 addresses and prefixes (::ffff:a.b.c.d/96 and longer),
 * which never match IPv4 packets. On error returns -1 and sets *why. */
int pg_prefix_parse(const char *s, struct pg_prefix *p, bool *normalised, const char **why);
void pg_prefix_fmt(const struct pg_prefix *p, char *buf, size_t len);
/* Total order: IPv4 before IPv6, then address, then prefix length. */
int pg_prefix_cmp(const struct pg_prefix *a, const struct pg_prefix *b);

/* Whether p covers the address addr of family (4: addr[0..3]). */
bool pg_prefix_covers(const struct pg_prefix *p, int family, const uint8_t *addr);

/* "90s", "10m", "2h", "1d", "1h30m": numbers each with a unit, units in
 * the order d h m s, each once. A number without a unit is refused. */
int pg_duration_parse(const char *s, uint64_t *seconds);
void pg_duration_fmt(uint64_t seconds, char *buf, size_t len);

#endif
