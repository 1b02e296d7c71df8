// SPDX-License-Identifier: GPL-2.0
/* Parsing and printing of CIDR prefixes and durations. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"

/* ::ffff:0:0/96, the IPv4-mapped IPv6 addresses. */
static const uint8_t v4mapped[12] = { [10] = 0xff, [11] = 0xff };

/* The datapath sees IPv4 packets as IPv4: an IPv6 entry of a mapped
 * address would never match, so it is refused with the entry to give. */
static const char *mapped_why(const struct pg_prefix *p)
{
	static char buf[128];
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, p->addr + 12, a, sizeof(a));
	if (p->plen == 128)
		snprintf(buf, sizeof(buf), "an IPv4-mapped IPv6 address never matches IPv4 "
			 "packets: give %s", a);
	else
		snprintf(buf, sizeof(buf), "an IPv4-mapped IPv6 prefix never matches IPv4 "
			 "packets: give %s/%u", a, p->plen - 96);
	return buf;
}

int pg_prefix_parse(const char *s, struct pg_prefix *p, bool *normalised, const char **why)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned int max, plen, i;

	memset(p, 0, sizeof(*p));
	*normalised = false;
	if (!*s) {
		*why = "empty prefix";
		return -1;
	}
	if (alen == 0 || alen >= sizeof(addr)) {
		*why = "not an IPv4 or IPv6 address";
		return -1;
	}
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, p->addr) == 1) {
		p->family = 4;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, p->addr) == 1) {
		p->family = 6;
		max = 128;
	} else {
		*why = "not an IPv4 or IPv6 address";
		return -1;
	}

	plen = max;
	if (slash) {
		const char *d = slash + 1;
		char *end;
		unsigned long v;

		if (!isdigit((unsigned char)*d) || strlen(d) > 3) {
			*why = p->family == 4 ? "prefix length must be 0-32" : "prefix length must be 0-128";
			return -1;
		}
		/* 1.2.3.4/08 is octal in some tools, eight in others: refused
		 * rather than guessed. */
		if (d[0] == '0' && d[1]) {
			*why = "the prefix length has a leading zero";
			return -1;
		}
		v = strtoul(d, &end, 10);
		if (*end || v > max) {
			*why = p->family == 4 ? "prefix length must be 0-32" : "prefix length must be 0-128";
			return -1;
		}
		plen = v;
	}
	p->plen = plen;

	for (i = 0; i < max / 8; i++) {
		uint8_t mask;

		if (plen >= (i + 1) * 8)
			continue;
		mask = plen > i * 8 ? (uint8_t)(0xff << (8 - (plen - i * 8))) : 0;
		if (p->addr[i] & ~mask)
			*normalised = true;
		p->addr[i] &= mask;
	}
	if (p->family == 6 && plen >= 96 && !memcmp(p->addr, v4mapped, sizeof(v4mapped))) {
		*why = mapped_why(p);
		return -1;
	}
	return 0;
}

void pg_prefix_fmt(const struct pg_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(p->family == 4 ? AF_INET : AF_INET6, p->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, p->plen);
}

int pg_prefix_cmp(const struct pg_prefix *a, const struct pg_prefix *b)
{
	int c;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	c = memcmp(a->addr, b->addr, a->family == 4 ? 4 : 16);
	if (c)
		return c;
	return (int)a->plen - (int)b->plen;
}

/* Units largest first; each may appear once, in this order, so that a
 * duration reads one way only ("1h1h", "5m1h" and a bare "1" are refused:
 * a typo, not a meaning). */
static const struct {
	char unit;
	uint64_t mult;
} units[] = { { 'd', 86400 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 } };

bool pg_prefix_covers(const struct pg_prefix *p, int family, const uint8_t *addr)
{
	unsigned int full = p->plen / 8, rest = p->plen % 8;

	if (p->family != family || memcmp(p->addr, addr, full))
		return false;
	return !rest || !((p->addr[full] ^ addr[full]) & (0xff00 >> rest));
}

int pg_duration_parse(const char *s, uint64_t *seconds)
{
	uint64_t total = 0;
	size_t next = 0;	/* the first unit still allowed */

	if (!*s)
		return -1;
	while (*s) {
		uint64_t v = 0;
		size_t u;

		if (!isdigit((unsigned char)*s))
			return -1;
		while (isdigit((unsigned char)*s)) {
			if (v > UINT32_MAX)
				return -1;
			v = v * 10 + (uint64_t)(*s++ - '0');
		}
		for (u = next; u < sizeof(units) / sizeof(units[0]); u++)
			if (*s == units[u].unit)
				break;
		if (u == sizeof(units) / sizeof(units[0]))
			return -1;	/* no unit, an unknown one, or out of order */
		s++;
		next = u + 1;
		total += v * units[u].mult;
		if (total > 100ULL * 365 * 86400)	/* a century is enough */
			return -1;
	}
	if (!total)
		return -1;
	*seconds = total;
	return 0;
}

void pg_duration_fmt(uint64_t sec, char *buf, size_t len)
{
	uint64_t d = sec / 86400, h = sec / 3600 % 24, m = sec / 60 % 60, s = sec % 60;
	int n = 0;

	buf[0] = '\0';
	if (d)
		n += snprintf(buf + n, len - n, "%llud", (unsigned long long)d);
	if (h && (size_t)n < len)
		n += snprintf(buf + n, len - n, "%lluh", (unsigned long long)h);
	if (m && (size_t)n < len)
		n += snprintf(buf + n, len - n, "%llum", (unsigned long long)m);
	if ((s || !sec) && (size_t)n < len)
		snprintf(buf + n, len - n, "%llus", (unsigned long long)s);
}
