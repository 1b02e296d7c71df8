// SPDX-License-Identifier: GPL-2.0
/*
 * pktgate: command-line control of the pktgate XDP/TC firewall.
 * Global options, the command tables and dispatch.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "attach.h"
#include "ctx.h"
#include "events.h"
#include "load.h"
#include "exporter.h"
#include "jsonpretty.h"
#include "opts.h"
#include "out.h"
#include "rules.h"
#include "ruleset.h"
#include "stats.h"
#include "version.h"

struct global_opts {
	const char *pin_path;
	const char *netns;
	bool json;
	bool pretty;
	bool verbose;
	bool help;
	bool version;
	unsigned long capacity;
};

#define OPT(n, s, t, o, a, h, ...) \
	{ .name = n, .short_name = s, .type = t, .off = o, .arg = a, .help = h, __VA_ARGS__ }

#define G(field) offsetof(struct global_opts, field)
static const struct pg_opt global_opts[] = {
	OPT("pin-path", 0, OPT_STR, G(pin_path), "DIR",
	    "pin directory on a bpffs (default " PG_DEFAULT_PIN_PATH ", or $PKTGATE_PIN_PATH)"),
	OPT("netns", 'n', OPT_STR, G(netns), "NAME",
	    "run in network namespace NAME (like ip -n; pinned maps stay visible)"),
	OPT("json", 'j', OPT_FLAG, G(json), NULL, "JSON output; errors as {\"error\": ...}"),
	OPT("pretty", 'p', OPT_FLAG, G(pretty), NULL, "JSON output, indented for reading "
	    "(implies --json)"),
	OPT("verbose", 'v', OPT_FLAG, G(verbose), NULL, "show libbpf/libxdp messages"),
	OPT("capacity", 0, OPT_UINT, G(capacity), "N", "entries per list table, for the "
	    "tables built from now on: when the maps are first created and by load, flush "
	    "and restore (default 1048576)"),
	OPT("help", 'h', OPT_FLAG, G(help), NULL, "show this help"),
	OPT("version", 'V', OPT_FLAG, G(version), NULL, "show the version"),
	{},
};
#undef G

#define RA(field) offsetof(struct rule_add_opts, field)
static const struct pg_opt rule_add_opts[] = {
	OPT("ttl", 0, OPT_DURATION, RA(ttl), "DURATION",
	    "the entry stops matching after DURATION (90s, 10m, 2h, 1d)"),
	OPT("comment", 0, OPT_STR, RA(comment), "TEXT", "note kept with the entry"),
	OPT("match", 0, OPT_STR, RA(match), "src|dst|any", "the address the entries name: the "
	    "source, the destination or either, on every hook (default: the remote peer)"),
	OPT("list", 'l', OPT_STR, RA(list), "NAME", "the named list to add to (default "
	    "manual; made if missing)"),
	OPT("no-counter", 0, OPT_FLAG, RA(no_counter), NULL, "count the entry with its "
	    "lists only, as load does (no per-rule counter)"),
	{},
};
#undef RA

#define RD(field) offsetof(struct rule_del_opts, field)
static const struct pg_opt rule_del_opts[] = {
	OPT("match", 0, OPT_STR, RD(match), "src|dst|any", "the address the entries name, as "
	    "given to add"),
	OPT("list", 'l', OPT_STR, RD(list), "NAME", "the named list to delete from "
	    "(default manual); an entry other lists hold stays for them"),
	{},
};
#undef RD

#define FL(field) offsetof(struct flush_opts, field)
static const struct pg_opt flush_opts[] = {
	OPT("list", 'l', OPT_STR, FL(list), "NAME", "only this named list (which then goes)"),
	{},
};
#undef FL

#define LD(field) offsetof(struct load_opts, field)
static const struct pg_opt load_opts[] = {
	OPT("list", 'l', OPT_STR, LD(list), "NAME", "the named list to load into (default "
	    "manual; made if missing)"),
	OPT("deny", 0, OPT_FLAG, LD(deny), NULL, "a deny list (the default)"),
	OPT("allow", 0, OPT_FLAG, LD(allow), NULL, "an allow list"),
	OPT("ttl", 0, OPT_DURATION, LD(ttl), "DURATION", "the entries stop matching after "
	    "DURATION"),
	OPT("replace", 'r', OPT_FLAG, LD(replace), NULL, "the list becomes exactly the file, "
	    "in one atomic switch"),
	OPT("allow-empty", 0, OPT_FLAG, LD(allow_empty), NULL, "accept a file that holds no "
	    "entries (with --replace, the list is emptied)"),
	{},
};
#undef LD

#define CMD(n, a, h, mn, mx, fn, ...) \
	{ .name = n, .args = a, .help = h, .min_args = mn, .max_args = mx, .run = fn, __VA_ARGS__ }
#define WITH_OPTS(table, type) .opts = table, .opts_size = sizeof(type)

#define RL(field) offsetof(struct rule_list_opts, field)
static const char *const sort_keys[] = { "prefix", "hits", "bytes", "last-hit", NULL };
static const struct pg_opt rule_list_opts[] = {
	OPT("sort", 's', OPT_ENUM, RL(sort), "KEY", "order of the entries; counters largest "
	    "first", .choices = sort_keys),
	OPT("list", 'l', OPT_STR, RL(list), "NAME", "only the entries of this named list"),
	{},
};
#undef RL

#define RULE_CMDS(list)								\
	CMD("add", "CIDR... [proto P[,P] [port|sport|anyport N[-M] | type T]]", "add " list " entries: "	\
	    "addresses or prefixes, optionally only for a protocol and port range", 1, -1, \
	    do_rule_add, WITH_OPTS(rule_add_opts, struct rule_add_opts)),	\
	CMD("del", "CIDR... [proto P[,P] [port|sport|anyport N[-M] | type T]]", "delete " list " entries", \
	    1, -1, do_rule_del, WITH_OPTS(rule_del_opts, struct rule_del_opts)), \
	CMD("list", NULL, "list " list " entries with TTL and hit counters", 0, 0,	\
	    do_rule_list, WITH_OPTS(rule_list_opts, struct rule_list_opts)),	\
	{}

static const struct pg_cmd deny_cmds[] = { RULE_CMDS("deny") };
static const struct pg_cmd allow_cmds[] = { RULE_CMDS("allow") };

#define AT(field) offsetof(struct attach_opts, field)
static const char *const xdp_modes[] = { "native", "generic", "auto", NULL };
static const char *const tc_dirs[] = { "ingress", "egress", "both", NULL };
static const struct pg_opt attach_opts[] = {
	OPT("mode", 0, OPT_ENUM, AT(mode), "MODE",
	    "XDP mode; auto tries native, then generic, then TC ingress", .choices = xdp_modes),
	OPT("tc", 0, OPT_ENUM, AT(tc), "DIR", "also attach TC programs (egress matches "
	    "destinations)", .choices = tc_dirs),
	OPT("xdp", 0, OPT_FLAG, AT(xdp), NULL, "attach XDP on ingress (the default)"),
	OPT("no-xdp", 0, OPT_FLAG, AT(no_xdp), NULL, "leave XDP out (with --tc)"),
	OPT("no-top", 0, OPT_FLAG, AT(no_top), NULL,
	    "keep no per-address counters (top talkers): no sketch update per packet"),
	OPT("drop-malformed", 0, OPT_FLAG, AT(drop_malformed), NULL,
	    "drop packets that cannot be parsed (default: pass and count them)"),
	{},
};
#undef AT

#define DT(field) offsetof(struct detach_opts, field)
static const struct pg_opt detach_opts[] = {
	OPT("all", 'a', OPT_FLAG, DT(all), NULL, "every interface pktgate is attached to, in "
	    "every namespace (with -n: in that one); forget vanished interfaces"),
	{},
};
#undef DT

#define ST(field) offsetof(struct stats_opts, field)
static const struct pg_opt stats_opts[] = {
	OPT("iface", 'i', OPT_STR, ST(iface), "IFACE", "only this interface"),
	OPT("watch", 'w', OPT_FLAG, ST(watch), NULL, "live table of rates and totals, "
	    "refreshed every INTERVAL seconds (default 1; e.g. 0.5)"),
	OPT("once", 0, OPT_FLAG, ST(once), NULL, "one sample: rates between two readings "
	    "INTERVAL apart"),
	OPT("count", 'c', OPT_UINT, ST(count), "N", "stop after N samples"),
	OPT("interval", 0, OPT_STR, ST(interval), "S", "seconds between readings (as INTERVAL)"),
	{},
};
#undef ST

#define TO(field) offsetof(struct top_opts, field)
static const char *const top_by[] = { "packets", "bytes", "drops", NULL };
static const struct pg_opt top_opts[] = {
	OPT("limit", 'n', OPT_UINT, TO(limit), "N", "show the N busiest (default 20)"),
	OPT("by", 'b', OPT_ENUM, TO(by), "KEY", "order by this total, largest first",
	    .choices = top_by),
	OPT("watch", 'w', OPT_FLAG, TO(watch), NULL, "refresh every INTERVAL seconds"),
	OPT("interval", 0, OPT_STR, TO(interval), "S", "seconds between the readings that give "
	    "the rates (default 1)"),
	OPT("count", 'c', OPT_UINT, TO(count), "N", "with --watch: stop after N samples"),
	{},
};
#undef TO

#define EV(field) offsetof(struct events_opts, field)
static const struct pg_opt events_opts[] = {
	OPT("count", 'c', OPT_UINT, EV(count), "N", "stop after N events"),
	OPT("timeout", 't', OPT_DURATION, EV(timeout), "DURATION", "stop after DURATION"),
	OPT("backlog", 0, OPT_FLAG, EV(backlog), NULL, "also show the events queued in the "
	    "ring before the command started (skipped by default)"),
	{},
};
#undef EV

#define EX(field) offsetof(struct exporter_opts, field)
static const struct pg_opt exporter_opts[] = {
	OPT("listen", 'l', OPT_STR, EX(listen), "ADDR:PORT", "address to serve on: IPv4 "
	    "ADDR:PORT or [IPv6]:PORT (default " PG_EXPORTER_LISTEN "; port 0 picks one)"),
	OPT("top", 0, OPT_UINT, EX(top), "N", "export the N busiest remote addresses "
	    "(default 10, at most 100)"),
	OPT("once", 0, OPT_FLAG, EX(once), NULL, "print the metrics to stdout and exit"),
	{},
};
#undef EX

#define RS(field) offsetof(struct restore_opts, field)
static const struct pg_opt restore_opts[] = {
	OPT("allow-empty", 0, OPT_FLAG, RS(allow_empty), NULL, "apply a rule set that holds "
	    "no entries and no settings (it removes every entry)"),
	{},
};
#undef RS

#define SV(field) offsetof(struct save_opts, field)
static const struct pg_opt save_opts[] = {
	OPT("all", 'a', OPT_FLAG, SV(all), NULL,
	    "the whole configuration (a rule set): settings, all lists, attachments"),
	OPT("list", 'l', OPT_STR, SV(list), "NAME", "the named list to write, one prefix a "
	    "line as load reads it (default manual)"),
	OPT("deny", 0, OPT_FLAG, SV(deny), NULL, "a deny list (the default)"),
	OPT("allow", 0, OPT_FLAG, SV(allow), NULL, "an allow list"),
	{},
};
#undef SV

/* Order matters for prefixes: the first match wins (d = deny, a = allow). */
static const struct pg_cmd commands[] = {
	{ .name = "deny", .sub = deny_cmds },
	{ .name = "allow", .sub = allow_cmds },
	CMD("attach", "IFACE", "filter IFACE: XDP on ingress, TC on request", 1, 1, do_attach,
	    WITH_OPTS(attach_opts, struct attach_opts)),
	CMD("detach", "IFACE|--all", "detach pktgate from IFACE (rules and counters stay); "
	    "forget a vanished IFACE", 0, 1, do_detach,
	    WITH_OPTS(detach_opts, struct detach_opts)),
	CMD("status", NULL, "where pktgate is attached and how full the lists are", 0, 0,
	    do_status),
	CMD("stats", "[INTERVAL]", "packets and bytes per interface, hook and verdict reason; "
	    "rates with --watch or --once", 0, 1, do_stats,
	    WITH_OPTS(stats_opts, struct stats_opts)),
	/* Placed after stats: a new command must not change what prefixes pick. */
	CMD("top", "[INTERVAL]", "top talkers: remote addresses by packets, bytes or drops, "
	    "with rates over INTERVAL seconds", 0, 1, do_top,
	    WITH_OPTS(top_opts, struct top_opts)),
	CMD("flush", "deny|allow", "remove every entry of a kind, or of one list, in one "
	    "atomic switch", 1, 1, do_flush, WITH_OPTS(flush_opts, struct flush_opts)),
	CMD("events", NULL, "stream drop events (throttled in the kernel; see config)", 0, 0,
	    do_events, WITH_OPTS(events_opts, struct events_opts)),
	CMD("config", "[event-rate N] [top-rate N]", "show or change datapath settings: drop "
	    "events per second (0 = off), new top-talker addresses per second (0 = no cap), "
	    "both over all CPUs", 0, 4, do_config),
	CMD("exporter", NULL, "serve Prometheus metrics over HTTP at /metrics", 0, 0,
	    do_exporter, WITH_OPTS(exporter_opts, struct exporter_opts)),
	CMD("save", "[FILE]", "write a list (as load reads it), or with --all the whole "
	    "configuration as a rule set (FILE or - for stdout)",
	    0, 1, do_save, WITH_OPTS(save_opts, struct save_opts)),
	CMD("restore", "FILE", "apply a rule set: every line is checked first; entries it "
	    "does not name are removed", 1, 1, do_restore,
	    WITH_OPTS(restore_opts, struct restore_opts)),
	/* After save and status: "s" and "l" keep picking what they did. */
	CMD("load", "FILE", "load a blocklist (one CIDR a line; # and ; comments; FireHOL, "
	    "Spamhaus DROP; - for stdin) into a named list; checked in full first", 1, 1,
	    do_load, WITH_OPTS(load_opts, struct load_opts)),
	CMD("lists", NULL, "named lists with their sizes, hit counters and sources", 0, 0,
	    do_lists),
	CMD("help", NULL, "show this help", 0, 0, NULL),
	{},
};

static void usage(FILE *f)
{
	/* "Global options:" starts the section the bash completion reads. */
	fprintf(f, "Usage: pktgate [GLOBAL OPTIONS] COMMAND [ARGS] [OPTIONS]\n\n"
		"Global options: before or after the command (after it, a command's own\n"
		"option of the same letter wins, as -n of top)\n");
	opts_help(f, global_opts);
	fprintf(f, "\nCommands (unambiguous prefixes work, e.g. 'pktgate d a 192.0.2.1'):\n");
	for (const struct pg_cmd *c = commands; c->name; c++)
		cmd_help(f, "pktgate", c);
	fprintf(f, "\nExit status: 0 success, 1 runtime error, 2 usage error.\n");
}

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!out_verbose && level != LIBBPF_WARN)
		return 0;
	if (!out_verbose)
		return 0;	/* warnings too: pktgate says what failed itself */
	return vfprintf(stderr, fmt, ap);
}

static int libxdp_log(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	if (!out_verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int enter_netns(struct pg_ctx *ctx)
{
	char path[256];
	struct stat st;
	int fd;

	if (ctx->netns) {
		if (!*ctx->netns || strchr(ctx->netns, '/'))
			return p_usage("invalid network namespace name '%s'", ctx->netns);
		snprintf(path, sizeof(path), "/run/netns/%s", ctx->netns);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return p_err("no network namespace '%s' (%s: %s)", ctx->netns, path,
				     strerror(errno));
		/* Only the network namespace: the mount namespace, and so the
		 * pinned maps on bpffs, stay as they are (unlike ip netns exec). */
		if (setns(fd, CLONE_NEWNET)) {
			int e = errno;

			close(fd);
			return p_err("cannot enter network namespace '%s': %s", ctx->netns,
				     strerror(e));
		}
		close(fd);
	}
	if (stat("/proc/self/ns/net", &st) == 0)
		ctx->netns_ino = st.st_ino;
	return 0;
}

static int show_version(void)
{
	out_obj_open(NULL);
	out_str("version", "pktgate %s", PKTGATE_VERSION);
	out_u64("schema", " (maps schema v%llu)\n", PKTGATE_SCHEMA_VERSION);
	out_obj_close();
	return 0;
}

/* The global options take effect once all of them are read, wherever on
 * the line they were. */
static int apply_globals(struct pg_ctx *ctx, const struct global_opts *g)
{
	out_init(g->json || g->pretty, g->verbose);
	json_pretty = g->pretty;
	ctx->pin_path = g->pin_path ? g->pin_path : getenv("PKTGATE_PIN_PATH");
	if (!ctx->pin_path || !*ctx->pin_path)
		ctx->pin_path = PG_DEFAULT_PIN_PATH;
	ctx->netns = g->netns;
	ctx->capacity = g->capacity;
	if (g->capacity > (1UL << 30))
		return p_usage("--capacity %lu is too large (at most %lu)", g->capacity, 1UL << 30);
	return 0;
}

/* Run argv[0] of table. path is the command so far for help ("pktgate
 * deny"); messages name it without "pktgate", which the error printer
 * adds. g collects global options given after the command; NULL where they
 * are not accepted (the lines of a rule set: a line must not change the
 * pin path or the output of the restore that runs it). */
static int run_cmd(struct pg_ctx *ctx, const struct pg_cmd *table, const char *path,
		   int argc, char **argv, struct global_opts *g)
{
	const struct pg_cmd *c;
	char where[128];
	const char *ew = strchr(path, ' ') ? strchr(path, ' ') + 1 : "";
	void *optbuf = NULL;
	int npos, rc;

	/* Between a command and its subcommand too: pktgate deny -j list. */
	if (g && table != commands) {
		rc = opts_parse(ew, global_opts, g, NULL, NULL, argc, argv, &npos, true);
		if (rc)
			return rc;
		argc = npos;
	}
	if (argc < 1) {
		usage(stderr);
		return p_usage("%s%smissing command", ew, *ew ? ": " : "");
	}
	c = cmd_find(table, argv[0]);
	if (!c)
		return p_usage("%s%sunknown command '%s'", ew, *ew ? ": " : "", argv[0]);
	snprintf(where, sizeof(where), "%s %s", path, c->name);
	ew = strchr(where, ' ') + 1;
	if (c->sub) {
		if (table == commands)
			ctx->list_kind = c->sub == deny_cmds ? PG_LIST_DENY : PG_LIST_ALLOW;
		if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
			cmd_help(stdout, path, c);
			return 0;
		}
		return run_cmd(ctx, c->sub, where, argc - 1, argv + 1, g);
	}
	if (!c->run) {
		usage(stdout);
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			cmd_help(stdout, path, c);
			return 0;
		}
	}
	if (c->opts_size && !(optbuf = calloc(1, c->opts_size)))
		return p_err("out of memory");
	rc = opts_parse(ew, c->opts, optbuf, g ? global_opts : NULL, g, argc - 1, argv + 1,
			&npos, false);
	if (!rc && g)
		rc = apply_globals(ctx, g);
	if (!rc && g && g->version) {
		rc = show_version();
		goto out;
	}
	if (!rc && npos < c->min_args)
		rc = p_usage("%s: missing %s", ew, c->args);
	if (!rc && c->max_args >= 0 && npos > c->max_args)
		rc = p_usage("%s: unexpected argument '%s'", ew, argv[1 + c->max_args]);
	if (!rc && !ctx->check_only)
		rc = check_privileges();
	if (!rc && !ctx->check_only)
		rc = enter_netns(ctx);
	if (!rc) {
		ctx->command = c->name;
		rc = c->run(ctx, optbuf, npos, argv + 1);
	}
out:
	free(optbuf);
	return rc;
}

int pg_run(struct pg_ctx *ctx, int argc, char **argv)
{
	return run_cmd(ctx, commands, "pktgate", argc, argv, NULL);
}

/* Whether JSON was asked for anywhere on the line, for the errors found
 * before the options are all parsed. */
static bool json_asked(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json") ||
		    !strcmp(argv[i], "-p") || !strcmp(argv[i], "--pretty"))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	struct global_opts g = {};
	struct pg_ctx ctx = { .lock_fd = -1 };
	int npos, rc;

	out_init(json_asked(argc, argv), 0);
	libbpf_set_print(libbpf_log);
	libxdp_set_print(libxdp_log);
	rc = opts_parse("", global_opts, &g, NULL, NULL, argc - 1, argv + 1, &npos, true);
	if (rc)
		return out_finish(rc);
	if (g.version || g.help || (npos > 0 && !strcmp(argv[1], "help"))) {
		rc = apply_globals(&ctx, &g);
		if (!rc && g.version)
			rc = show_version();
		else if (!rc)
			usage(stdout);
		return out_finish(rc);
	}
	rc = run_cmd(&ctx, commands, "pktgate", npos, argv + 1, &g);
	pins_close(&ctx);
	return out_finish(rc);
}
