// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of ctl/cidr.c: prefixes as users type them (v4 and v6, host
 * bits, lengths, the refusals with their reasons), the canonical output,
 * the order, and durations.
 *
 * One line per case, "PASS: cidr NAME" or "FAIL: cidr NAME: WHY", as
 * tests/run.sh expects; exits non-zero if any case failed.
 */
#include <stdio.h>
#include <string.h>

#include "cidr.h"

static int n_pass, n_fail;

static void report(const char *name, const char *why)
{
	if (why) {
		printf("FAIL: cidr %s: %s\n", name, why);
		n_fail++;
	} else {
		printf("PASS: cidr %s\n", name);
		n_pass++;
	}
}

/* A valid prefix: its family, length, canonical text and normalised flag. */
static void ok(const char *in, int family, int plen, const char *canon, bool norm)
{
	struct pg_prefix p, q;
	char name[160], buf[PG_PREFIX_STRLEN], msg[256];
	const char *why = NULL;
	bool n = !norm;

	snprintf(name, sizeof(name), "parse %s", in);
	if (pg_prefix_parse(in, &p, &n, &why)) {
		snprintf(msg, sizeof(msg), "refused: %s", why ? why : "(no reason)");
		report(name, msg);
		return;
	}
	pg_prefix_fmt(&p, buf, sizeof(buf));
	if (p.family != family || p.plen != plen || strcmp(buf, canon) || n != norm) {
		snprintf(msg, sizeof(msg), "got v%u /%u \"%s\" normalised %d, expected v%d /%d "
			 "\"%s\" normalised %d", p.family, p.plen, buf, n, family, plen, canon,
			 norm);
		report(name, msg);
		return;
	}
	/* The canonical text parses back to the same prefix, with no host bits. */
	if (pg_prefix_parse(buf, &q, &n, &why) || n || pg_prefix_cmp(&p, &q) ||
	    memcmp(p.addr, q.addr, sizeof(p.addr))) {
		report(name, "the canonical text does not parse back to the same prefix");
		return;
	}
	report(name, NULL);
}

/* A refused prefix, with a reason containing want. */
static void bad(const char *in, const char *want)
{
	struct pg_prefix p;
	char name[160], msg[256];
	const char *why = NULL;
	bool n;

	snprintf(name, sizeof(name), "refuses \"%s\"", in);
	if (!pg_prefix_parse(in, &p, &n, &why))
		report(name, "accepted");
	else if (!why || !strstr(why, want)) {
		snprintf(msg, sizeof(msg), "reason \"%s\", expected one with \"%s\"",
			 why ? why : "(none)", want);
		report(name, msg);
	} else
		report(name, NULL);
}

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

static void order(const char *a, const char *b, int want)
{
	struct pg_prefix pa, pb;
	char name[160];
	const char *why;
	bool n;

	snprintf(name, sizeof(name), "order %s %s %s", a, want < 0 ? "<" : want ? ">" : "==", b);
	if (pg_prefix_parse(a, &pa, &n, &why) || pg_prefix_parse(b, &pb, &n, &why))
		report(name, "setup: a prefix is refused");
	else if (sign(pg_prefix_cmp(&pa, &pb)) != want || sign(pg_prefix_cmp(&pb, &pa)) != -want)
		report(name, "wrong order");
	else
		report(name, NULL);
}

/* A duration and its seconds; want < 0: refused. */
static void duration(const char *in, long long want)
{
	char name[160], buf[64], msg[160];
	uint64_t s = 12345, back;
	int rc = pg_duration_parse(in, &s);

	snprintf(name, sizeof(name), "duration \"%s\"", in);
	if (want < 0) {
		report(name, rc ? NULL : "accepted");
		return;
	}
	if (rc) {
		report(name, "refused");
		return;
	}
	if (s != (uint64_t)want) {
		snprintf(msg, sizeof(msg), "%llu seconds, expected %lld", (unsigned long long)s, want);
		report(name, msg);
		return;
	}
	/* The formatted duration reads back as the same number. */
	pg_duration_fmt(s, buf, sizeof(buf));
	if (pg_duration_parse(buf, &back) || back != s) {
		snprintf(msg, sizeof(msg), "formatted as \"%s\", which does not read back", buf);
		report(name, msg);
		return;
	}
	report(name, NULL);
}

int main(void)
{
	ok("192.0.2.1", 4, 32, "192.0.2.1/32", false);
	ok("192.0.2.0/24", 4, 24, "192.0.2.0/24", false);
	ok("192.0.2.77/24", 4, 24, "192.0.2.0/24", true);
	ok("10.255.255.255/8", 4, 8, "10.0.0.0/8", true);
	ok("0.0.0.0/0", 4, 0, "0.0.0.0/0", false);
	ok("1.2.3.4/0", 4, 0, "0.0.0.0/0", true);
	ok("198.51.100.7/31", 4, 31, "198.51.100.6/31", true);
	ok("2001:db8::1", 6, 128, "2001:db8::1/128", false);
	ok("2001:db8::/32", 6, 32, "2001:db8::/32", false);
	ok("2001:DB8:0:0::/48", 6, 48, "2001:db8::/48", false);
	ok("2001:db8:abcd:1234::1/56", 6, 56, "2001:db8:abcd:1200::/56", true);
	ok("::/0", 6, 0, "::/0", false);
	ok("fe80::1/10", 6, 10, "fe80::/10", true);

	bad("", "empty");
	bad("192.0.2.1/33", "0-32");
	bad("2001:db8::/129", "0-128");
	bad("192.0.2.0/08", "leading zero");
	bad("192.0.2.0/", "prefix length");
	bad("192.0.2.0/-1", "prefix length");
	bad("192.0.2.0/2x", "prefix length");
	bad("192.0.2", "not an IPv4 or IPv6 address");
	bad("256.0.0.1", "not an IPv4 or IPv6 address");
	bad("example.com", "not an IPv4 or IPv6 address");
	bad("2001:db8::g", "not an IPv4 or IPv6 address");
	bad("::ffff:192.0.2.1", "IPv4-mapped");
	bad("::ffff:0:0/96", "IPv4-mapped");

	order("10.0.0.0/8", "2001:db8::/32", -1);
	order("10.0.0.0/8", "10.0.0.0/16", -1);
	order("10.0.0.0/16", "11.0.0.0/8", -1);
	order("10.0.0.5/8", "10.0.0.0/8", 0);

	duration("90s", 90);
	duration("10m", 600);
	duration("2h", 7200);
	duration("1d", 86400);
	duration("1h30m", 5400);
	duration("1d2h3m4s", 93784);
	duration("90", -1);
	duration("30m1h", -1);
	duration("1h1h", -1);
	duration("", -1);
	duration("h", -1);
	duration("0s", -1);
	duration("36500d", 36500LL * 86400);
	duration("36501d", -1);

	printf("%d passed, %d failed\n", n_pass, n_fail);
	return n_fail ? 1 : 0;
}
